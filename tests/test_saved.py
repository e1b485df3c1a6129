"""One home for each piece of teaching code: the cells marked `# @save` and src/mnist_course.py."""

import ast
import importlib
import re
from collections import defaultdict
from pathlib import Path

import jupytext
import pytest

import tasks

NOTEBOOKS = sorted((tasks.ROOT / "notebooks").glob("*.md"))

#: Names still defined in more than one notebook while the course moves to one framework
#: (issue 19). The test below fails for any other repeat, and for a name listed here that is no
#: longer repeated, so the list can only shrink.
NOT_YET_ONE_HOME: set[str] = set()


def test_saved_module_is_made_from_the_notebooks():
    text = tasks.SAVED_MODULE.read_text()
    assert text == tasks.saved_module(), (
        "src/mnist_course.py differs from the notebooks' cells marked `# @save`: "
        "run `python3 tasks.py save` and commit it"
    )


def test_saved_module_imports_without_work_and_defines_each_name_once():
    tree = ast.parse(tasks.SAVED_MODULE.read_text())
    names = [n.name for n in tree.body if isinstance(n, ast.FunctionDef | ast.ClassDef)]
    for node in tree.body:
        if isinstance(node, ast.Assign):
            names += [n.id for t in node.targets for n in ast.walk(t) if isinstance(n, ast.Name)]
    assert len(names) == len(set(names)), sorted(n for n in names if names.count(n) > 1)
    module = importlib.import_module("mnist_course")
    assert all(hasattr(module, name) for name in names)


def test_a_marked_cell_that_does_work_is_refused(tmp_path, monkeypatch):
    notebook = jupytext.reads(
        "```{code-cell} ipython3\n# @save\nprint('work')\n```\n", fmt="md:myst"
    )
    folder = tmp_path / "notebooks"
    folder.mkdir()
    jupytext.write(notebook, folder / "01-work.md", fmt="md:myst")
    monkeypatch.setattr(tasks, "ROOT", tmp_path)
    with pytest.raises(ValueError, match="does work"):
        tasks.saved_module()


def _definitions(path: Path) -> dict[str, str]:
    """Each function or class a notebook defines -> the source of the (last) cell defining it."""
    found = {}
    for cell in jupytext.read(path).cells:
        if cell.cell_type != "code" or cell.source.lstrip().startswith(("%", "!")):
            continue
        try:
            tree = ast.parse(cell.source)
        except SyntaxError:
            continue
        for node in tree.body:
            if isinstance(node, ast.FunctionDef | ast.ClassDef):
                found[node.name] = cell.source
    return found


def test_no_name_is_defined_in_two_notebooks_without_saying_why():
    """A later notebook imports a name from mnist_course; redefining it is a lesson it names."""
    homes = defaultdict(list)
    for path in NOTEBOOKS:
        for name, source in _definitions(path).items():
            homes[name].append((path.name, source))
    repeated = {
        name: [notebook for notebook, _ in places]
        for name, places in homes.items()
        if len(places) > 1
        and not all(re.search(r"#.*\bredefin", source, re.I) for _, source in places[1:])
    }
    unexplained = {n: where for n, where in repeated.items() if n not in NOT_YET_ONE_HOME}
    assert not unexplained, (
        "defined again in a later notebook without a comment saying why (`# Redefined: ...`); "
        f"import it from mnist_course instead: {unexplained}"
    )
    assert not NOT_YET_ONE_HOME - set(repeated), (
        f"no longer repeated, take off NOT_YET_ONE_HOME: {sorted(NOT_YET_ONE_HOME - set(repeated))}"
    )
