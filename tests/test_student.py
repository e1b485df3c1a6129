"""`tasks.py student FOLDER` writes the notebooks without their solutions, and the copy runs.

The student copy is what a teacher hands out: each notebooks/*.md as FOLDER/NAME.ipynb, with every
cell tagged ``solution`` removed and nothing else changed. A learner's run of it (no strict
checks) goes through to the first exercise's check, which says that the exercise is not written
yet, instead of stopping. Those runs go two at a time, one per core, each kernel on one BLAS
thread: what they test is where a run stops, not how fast it goes.
"""

import asyncio
import os
import subprocess
import sys
from concurrent.futures import ThreadPoolExecutor
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


async def run_to_first_check(folder: Path, name: str, env: dict, slots: asyncio.Semaphore):
    """Run the copy of `name` up to and including its first exercise check; return the cells."""
    notebook = nbformat.read(folder / f"{name}.ipynb", as_version=4)
    tags = [c.metadata.get("tags", []) for c in notebook.cells]
    first_check = next(i for i, t in enumerate(tags) if "exercise-check" in t)
    notebook.cells = notebook.cells[: first_check + 1]
    client = NotebookClient(
        notebook, timeout=600, kernel_name="python3", resources={"metadata": {"path": folder}}
    )
    async with slots:
        await client.async_execute(env=env)
    return notebook.cells


@pytest.fixture(scope="module")
def learners_runs(student_copy) -> dict:
    """Each copy of NOTEBOOKS_WITH_EXERCISES run as a learner would: its cells, or its error."""
    # A learner's run: checks print instead of raising.
    env = {k: v for k, v in os.environ.items() if k != "MNIST_STRICT_CHECKS"}
    env["OPENBLAS_NUM_THREADS"] = env["OMP_NUM_THREADS"] = "1"

    async def run_all():
        slots = asyncio.Semaphore(2)
        runs = [run_to_first_check(student_copy, n, env, slots) for n in NOTEBOOKS_WITH_EXERCISES]
        return await asyncio.gather(*runs, return_exceptions=True)

    # In a thread of its own: the browser tests' Playwright may keep a loop running in this one.
    with ThreadPoolExecutor(max_workers=1) as thread:
        runs = thread.submit(lambda: asyncio.run(run_all())).result()
    return dict(zip(NOTEBOOKS_WITH_EXERCISES, runs, strict=True))


@pytest.mark.parametrize("name", NOTEBOOKS_WITH_EXERCISES)
def test_a_learners_run_of_the_copy_reaches_the_first_check(learners_runs, name):
    cells = learners_runs[name]
    if isinstance(cells, BaseException):
        raise cells
    said = "".join(o.get("text", "") for o in cells[-1].outputs)
    assert "Not yet:" in said, said  # the check says what is wrong, and the run went on
