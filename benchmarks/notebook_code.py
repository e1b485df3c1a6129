"""Every name the benchmarks take from the notebooks, declared in one place.

The benchmarks time the notebooks' own code: they never copy it. Notebooks 02, 03, 05, 06, 07 and
08 save theirs (cells marked ``# @save``) in ``mnist_course``, which pure_python.py,
per_sample.py, minibatch.py and cnn.py import. For a notebook that does not save its code,
:data:`NEEDS` lists the definitions a benchmark uses (none now); :func:`load` loads a notebook's
definitions with ``helpers.load_notebook`` and returns exactly those names, raising
``helpers.NotebookCodeMissing`` (a benchmark then stops, loudly) when one is missing.
``tests/test_notebook_code.py`` checks every name here.

A figure a notebook chooses while it runs (notebook 06's learning rate) is read from the result
the notebook recorded in ``results/``: :func:`chosen_cnn_learning_rate`.
"""

from __future__ import annotations

import re
from types import SimpleNamespace

import helpers

CORE = "03-deep-learning-on-mnist"
MINIBATCH = "05-softmax-minibatches-and-adam"
CNN = "06-convolutional-network"
FAST = "07-make-training-fast"

#: notebook -> the names the benchmarks take from it
NEEDS: dict[str, tuple[str, ...]] = {}  # every benchmark imports from mnist_course now

#: notebook -> the notebook whose definitions it uses without defining them
GIVEN_BY: dict[str, str] = {}

#: names a notebook's functions read from cells that do work (data), which a benchmark gives
DATA_NAMES: dict[str, tuple[str, ...]] = {}

#: the key of notebook 06's result that holds the peak learning rate it chose
CNN_RATE_KEY = "peak_learning_rate"


def load(notebook: str, **data: object) -> SimpleNamespace:
    """Return the names :data:`NEEDS` lists for ``notebook``, from its own definitions.

    ``data`` gives the names of :data:`DATA_NAMES` (data a notebook's functions read; none now).
    Raises ``helpers.NotebookCodeMissing`` when a name is missing.
    """
    unknown = set(data) - set(DATA_NAMES.get(notebook, ()))
    if unknown:
        raise TypeError(f"{notebook} takes no data named {', '.join(sorted(unknown))}")
    given = helpers.load_notebook(GIVEN_BY[notebook]) if notebook in GIVEN_BY else {}
    namespace = helpers.load_notebook(notebook, given={**given, **data})
    names = NEEDS[notebook]
    values = helpers.require(namespace, *names)
    return SimpleNamespace(**dict(zip(names, values if len(names) > 1 else (values,), strict=True)))


class NotebookResultMissing(LookupError):  # noqa: N818 (reads as what happened)
    """Raised when a figure a benchmark reads from a notebook's recorded result is missing."""


def chosen_cnn_learning_rate(results: list[dict] | None = None) -> float:
    """Return the peak learning rate notebook 06 chose on validation, from its recorded result.

    Read from ``results/06-convolutional-network--*.json``: the ``peak_learning_rate`` key, or,
    in a result recorded before the notebook wrote that key, the rate its ``optimizer``
    description names ("peak learning rate 0.004"). Raises :class:`NotebookResultMissing` when
    neither is there.
    """
    records = [r for r in (results or helpers.load_results()) if r.get("notebook") == CNN]
    for record in records:
        if CNN_RATE_KEY in record:
            return float(record[CNN_RATE_KEY])
        found = re.search(r"peak learning rate ([0-9.eE+-]+)", str(record.get("optimizer", "")))
        if found:
            return float(found.group(1))
    raise NotebookResultMissing(
        f"results/ holds no result of {CNN} with {CNN_RATE_KEY!r}: the notebook records the rate "
        f"it chooses with helpers.record_result(..., {CNN_RATE_KEY}=best_rate); run it with "
        "`python3 tasks.py results`"
    )
