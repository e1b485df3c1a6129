"""Collect every notebooks/*.md (a Jupytext MyST notebook) as an nbval test file.

nbval collects .ipynb files; the committed source of each notebook is its .md
file, so this plugin reads the .md with Jupytext and hands the notebook to nbval.
Each code cell becomes one test item, run in a kernel of the current
environment, with the notebook's folder as working directory. A notebook added
to notebooks/ is picked up with no change here.
"""

import os
from pathlib import Path
from unittest import mock

import jupytext
import nbval.plugin
import pytest

ROOT = Path(__file__).parent
NOTEBOOKS = ROOT / "notebooks"

# The paired .ipynb files are generated copies of the .md sources.
collect_ignore_glob = ["notebooks/*.ipynb", "notebooks/.ipynb_checkpoints/*", "_build/*"]


class MarkdownNotebook(nbval.plugin.IPyNbFile):
    """An nbval test file read from a Jupytext Markdown notebook."""

    def collect(self):
        notebook = jupytext.read(self.path)
        with mock.patch.object(nbval.plugin.nbformat, "read", return_value=notebook):
            yield from super().collect()


def pytest_collect_file(file_path: Path, parent):
    if file_path.suffix == ".md" and file_path.parent == NOTEBOOKS:
        return MarkdownNotebook.from_parent(parent, path=file_path)
    return None


def pytest_configure(config):
    # Under test a claim of a notebook's text that does not hold fails its cell (helpers.check);
    # in a learner's run it only prints. Results go where helpers.results_dir says: a scratch
    # folder unless MNIST_RESULTS_DIR names another.
    os.environ["MNIST_STRICT_CHECKS"] = "1"


@pytest.fixture(scope="session")
def project_root() -> Path:
    return ROOT
