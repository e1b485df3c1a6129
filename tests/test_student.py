"""`tasks.py student FOLDER` writes the notebooks without their solutions, and the copy runs.

The student copy is what a teacher hands out: each notebooks/*.md as FOLDER/NAME.ipynb, with every
cell tagged ``solution`` removed and nothing else changed. A learner's run of it (no strict
checks) goes through to the first exercise's check, which says that the exercise is not written
yet, instead of stopping.
"""

import subprocess
import sys
from pathlib import Path

import jupytext
import nbformat
import pytest
from nbclient import NotebookClient
from test_project import NOTEBOOKS_WITH_EXERCISES

ROOT = Path(__file__).resolve().parent.parent
NOTEBOOKS = sorted((ROOT / "notebooks").glob("*.md"))


@pytest.fixture(scope="module")
def student_copy(tmp_path_factory) -> Path:
    folder = tmp_path_factory.mktemp("class") / "notebooks"
    done = subprocess.run(
        [sys.executable, "tasks.py", "_student", str(folder)],
        cwd=ROOT,
        capture_output=True,
        text=True,
    )
    assert done.returncode == 0, done.stderr
    return folder


def without_solutions(cells):
    return [c for c in cells if "solution" not in c.metadata.get("tags", [])]


@pytest.mark.parametrize("path", NOTEBOOKS, ids=[p.stem for p in NOTEBOOKS])
def test_the_copy_has_no_solution_and_every_other_cell_unchanged(student_copy, path):
    copy = nbformat.read(student_copy / f"{path.stem}.ipynb", as_version=4)
    nbformat.validate(copy)
    assert not [c for c in copy.cells if "solution" in c.metadata.get("tags", [])]
    original = without_solutions(jupytext.read(path).cells)
    assert len(copy.cells) == len(original)
    for got, wanted in zip(copy.cells, original, strict=True):
        assert (got.cell_type, got.source, got.metadata) == (
            wanted.cell_type,
            wanted.source,
            wanted.metadata,
        )
        assert not got.get("outputs")


def test_the_copy_keeps_the_images_the_notebooks_show(student_copy):
    for image in (ROOT / "notebooks" / "images").iterdir():
        assert (student_copy / "images" / image.name).read_bytes() == image.read_bytes()


@pytest.mark.parametrize("name", NOTEBOOKS_WITH_EXERCISES)
def test_a_learners_run_of_the_copy_reaches_the_first_check(student_copy, name, monkeypatch):
    # A learner's run: checks print instead of raising.
    monkeypatch.delenv("MNIST_STRICT_CHECKS", raising=False)
    notebook = nbformat.read(student_copy / f"{name}.ipynb", as_version=4)
    tags = [c.metadata.get("tags", []) for c in notebook.cells]
    first_check = next(i for i, t in enumerate(tags) if "exercise-check" in t)
    notebook.cells = notebook.cells[: first_check + 1]
    NotebookClient(
        notebook, timeout=600, kernel_name="python3", resources={"metadata": {"path": student_copy}}
    ).execute()
    said = "".join(o.get("text", "") for o in notebook.cells[-1].outputs)
    assert "Not yet:" in said, said  # the check says what is wrong, and the run went on
