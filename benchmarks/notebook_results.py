"""Figures the benchmarks read from what the notebooks recorded, and the notebooks' names.

The benchmarks time the notebooks' own code, never a copy: they import it from ``mnist_course``
(the cells marked ``# @save``), so a missing name stops a benchmark with an ImportError. A figure
a notebook chooses while it runs (notebook 8's learning rate) is read from the result the
notebook recorded in ``results/``: :func:`chosen_cnn_learning_rate`.
"""

from __future__ import annotations

import re

import helpers

CORE = "03-deep-learning-on-mnist"
CNN = "08-train-a-convolutional-network"

#: the key of notebook 8's result that holds the peak learning rate it chose
CNN_RATE_KEY = "peak_learning_rate"


class NotebookResultMissing(LookupError):  # noqa: N818 (reads as what happened)
    """Raised when a figure a benchmark reads from a notebook's recorded result is missing."""


def chosen_cnn_learning_rate(results: list[dict] | None = None) -> float:
    """Return the peak learning rate notebook 8 chose on validation, from its recorded result.

    Read from ``results/08-train-a-convolutional-network--*.json``: the ``peak_learning_rate``
    key, or, in a result recorded before the notebook wrote that key, the rate its ``optimizer``
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
