"""load_notebook: a notebook's definitions run, its work does not."""

import sys

import pytest

import helpers

NOTEBOOK = """\
---
jupytext:
  text_representation:
    extension: .md
    format_name: myst
kernelspec:
  display_name: Python 3
  language: python
  name: python3
---

# A notebook

```{code-cell} ipython3
import math

SEED = 7
SIZES = (784, 100, 10)
```

```{code-cell} ipython3
raise RuntimeError("a cell that does work must not run")
```

```{code-cell} ipython3
data = open("missing-file").read()


def double(x):
    return 2 * x
```

```{code-cell} ipython3
%timeit double(3)
```

```{code-cell} ipython3
def uses_data():
    return data
```

```{code-cell} ipython3
class Layer:
    size = SIZES[1]

    def area(self):
        return math.pi * self.size
```
"""


@pytest.fixture
def notebook(tmp_path):
    path = tmp_path / "99-example.md"
    path.write_text(NOTEBOOK)
    return path


def test_load_notebook_runs_definitions_only(notebook):
    namespace = helpers.load_notebook(notebook)
    assert namespace["SEED"] == 7 and namespace["SIZES"] == (784, 100, 10)
    assert namespace["double"](3) == 6  # kept from a cell that also does work
    assert namespace["Layer"]().size == 100
    assert "data" not in namespace  # the work around it did not run
    assert namespace["__notebook__"] == "99-example.md"
    assert namespace["__skipped__"] == []


def test_require_returns_one_or_several(notebook):
    namespace = helpers.load_notebook(notebook)
    assert helpers.require(namespace, "SEED") == 7
    assert helpers.require(namespace, "SEED", "SIZES") == (7, (784, 100, 10))


def test_require_names_what_is_missing(notebook):
    namespace = helpers.load_notebook(notebook)
    with pytest.raises(helpers.NotebookCodeMissing, match="99-example.md defines no train, fit"):
        helpers.require(namespace, "double", "train", "fit")


def test_missing_notebook_is_a_clear_error(tmp_path):
    with pytest.raises(helpers.NotebookCodeMissing, match="98-nothing.md does not exist"):
        helpers.load_notebook(tmp_path / "98-nothing.md")


def test_a_definition_that_needs_work_is_reported(tmp_path):
    path = tmp_path / "97-broken.md"
    path.write_text(NOTEBOOK.replace("def uses_data():", "def uses_data(d=data):"))
    namespace = helpers.load_notebook(path)
    assert "uses_data" not in namespace
    [why] = namespace["__skipped__"]
    assert "def uses_data(d=data)" in why and "'data' is not defined" in why


def _benchmark_needs():
    """Every notebook name the benchmarks take, as declared in benchmarks/notebook_code.py."""
    sys.path.insert(0, str(helpers.PROJECT_ROOT / "benchmarks"))
    import notebook_code

    return notebook_code


@pytest.mark.parametrize("stem", sorted(_benchmark_needs().NEEDS))
def test_every_name_the_benchmarks_take_is_defined(stem):
    notebook_code = _benchmark_needs()
    given = notebook_code.GIVEN_BY.get(stem)
    namespace = helpers.load_notebook(stem, given=helpers.load_notebook(given) if given else None)
    assert namespace["__skipped__"] == []
    values = helpers.require(namespace, *notebook_code.NEEDS[stem])
    assert all(callable(v) or isinstance(v, (int, float)) for v in values)
    assert notebook_code.load(stem)  # the way the benchmarks load it


def test_given_names_come_first(notebook):
    namespace = helpers.load_notebook(notebook, given={"data": [1, 2], "SEED": 1})
    assert namespace["uses_data"]() == [1, 2]  # a name the notebook makes by doing work
    assert namespace["SEED"] == 7  # the notebook's own definitions win
