"""Saving a notebook in JupyterLab leaves its committed .md as it is, and pairs it with an .ipynb.

JupyterLab reads and saves notebooks through Jupytext's contents manager, with the configuration
it finds from the notebook's folder up to the folder the server started in: the project's
``notebooks/jupytext.toml`` must be found both when the server starts in ``notebooks/``
(``python3 tasks.py lab``) and at the project root (``jupyter lab``). These tests drive that
contents manager on a copy of the notebooks, as the server would, without a browser
(``tests/browser/test_jupyterlab.py`` does the same in JupyterLab itself).
"""

import shutil
from pathlib import Path

import nbformat
import pytest
from jupytext import TextFileContentsManager
from jupytext.config import find_jupytext_configuration_file

ROOT = Path(__file__).resolve().parent.parent
NOTEBOOKS = sorted((ROOT / "notebooks").glob("*.md"))
CONFIG = ROOT / "notebooks" / "jupytext.toml"


@pytest.fixture(params=["project root", "notebooks"])
def server(request, tmp_path):
    """A contents manager on a copy of notebooks/, started at its root or in notebooks/."""
    shutil.copytree(
        ROOT / "notebooks", tmp_path / "notebooks", ignore=shutil.ignore_patterns("*.ipynb")
    )
    start = tmp_path if request.param == "project root" else tmp_path / "notebooks"
    prefix = "notebooks/" if request.param == "project root" else ""
    return TextFileContentsManager(root_dir=str(start)), prefix, tmp_path / "notebooks"


def test_the_jupytext_command_finds_the_config_and_pairs_md_with_ipynb():
    assert find_jupytext_configuration_file(ROOT / "notebooks") == str(CONFIG)
    assert 'formats = "ipynb,md:myst"' in CONFIG.read_text()


@pytest.mark.parametrize("path", NOTEBOOKS, ids=[p.stem for p in NOTEBOOKS])
def test_saving_pairs_and_reopening_keeps_outputs_and_the_md_byte_for_byte(path, server):
    manager, prefix, folder = server
    committed = path.read_bytes()
    model = manager.get(prefix + path.name)
    assert model["type"] == "notebook"
    notebook = model["content"]
    # What JupyterLab sends back: the kernel's language, and a cell that ran.
    notebook.metadata["language_info"] = {"name": "python", "version": "3.11.7"}
    code = next(cell for cell in notebook.cells if cell.cell_type == "code")
    code.outputs = [nbformat.v4.new_output("stream", name="stdout", text="ran\n")]
    code.execution_count = 1
    manager.save({"type": "notebook", "content": notebook}, prefix + path.name)

    assert (folder / path.name).read_bytes() == committed, f"saving {path.name} changed it"
    assert (folder / f"{path.stem}.ipynb").is_file(), "saving wrote no paired .ipynb"
    reopened = manager.get(prefix + path.name)["content"]
    first = next(cell for cell in reopened.cells if cell.cell_type == "code")
    assert first.outputs and first.outputs[0]["text"] == "ran\n", "the output is gone on reopening"

    # Saved again without edits, as JupyterLab's autosave does: still the committed bytes.
    manager.save({"type": "notebook", "content": reopened}, prefix + path.name)
    assert (folder / path.name).read_bytes() == committed, f"saving {path.name} again changed it"
