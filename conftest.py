"""Collect every notebooks/*.md (a Jupytext MyST notebook) as an nbval test file.

nbval collects .ipynb files; the committed source of each notebook is its .md
file, so this plugin reads the .md with Jupytext and hands the notebook to nbval.
Each code cell becomes one test item, run in a kernel of the current
environment, with the notebook's folder as working directory. A notebook added
to notebooks/ is picked up with no change here.

A notebook whose every cell passed is stored, with its outputs and run time, in the website's
execution cache (``_build/.jupyter_cache``, the one myst-nb reads): the site build of the same
test run (``tests/browser/test_site.py``, ordered after the notebooks) renders those outputs
instead of executing every notebook a second time.
"""

import os
import time
from pathlib import Path
from unittest import mock

import jupytext
import nbformat
import nbval.kernel
import nbval.plugin
import pytest

ROOT = Path(__file__).parent
NOTEBOOKS = ROOT / "notebooks"
EXECUTION_CACHE = ROOT / "_build" / ".jupyter_cache"  # docs/conf.py: nb_execution_cache_path
_failed_notebooks: set[str] = set()

# The paired .ipynb files are generated copies of the .md sources.
collect_ignore_glob = ["notebooks/*.ipynb", "notebooks/.ipynb_checkpoints/*", "_build/*"]


def execute_as_jupyterlab_does(self, cell_input, allow_stdin=None):
    """Run a cell with ``store_history=True``, as JupyterLab does.

    nbval runs cells with ``store_history=False``, and then IPython misses a cell's trailing
    semicolon (it looks for it in the history): ``plot(...);`` would give the figure twice, once
    as the cell's value, and the site, built from these outputs, would show it twice.
    """
    return self.kc.execute(
        cell_input, store_history=True, allow_stdin=allow_stdin, stop_on_error=False
    )


nbval.kernel.RunningKernel.execute_cell_input = execute_as_jupyterlab_does


class MarkdownNotebook(nbval.plugin.IPyNbFile):
    """An nbval test file read from a Jupytext Markdown notebook."""

    def collect(self):
        notebook = jupytext.read(self.path)
        with mock.patch.object(nbval.plugin.nbformat, "read", return_value=notebook):
            self.cells = list(super().collect())
        return self.cells

    def setup(self):
        self.started = time.perf_counter()
        super().setup()

    def teardown(self):
        super().teardown()
        if self.nodeid not in _failed_notebooks and all(
            c.test_outputs is not None for c in self.cells
        ):
            cache_executed(self.path, self.nb, self.cells, time.perf_counter() - self.started)


def cache_executed(path: Path, notebook, cells, seconds: float) -> None:
    """Store a notebook that nbval ran, with its outputs, in the site's execution cache."""
    from jupyter_cache import get_cache
    from jupyter_cache.base import CacheBundleIn

    executed = nbformat.from_dict(notebook)  # a deep copy, as NotebookNodes
    code = [cell for cell in executed.cells if cell.cell_type == "code"]
    for count, (cell, item) in enumerate(zip(code, cells, strict=True), start=1):
        cell.outputs = item.test_outputs
        cell.execution_count = count  # run in order, one kernel, as Run All would
    import helpers

    data = {"execution_seconds": seconds, "machine": helpers.machine()}  # docs/_ext/mnist_site.py
    bundle = CacheBundleIn(executed, str(path), data=data)
    get_cache(str(EXECUTION_CACHE)).cache_notebook_bundle(
        bundle, check_validity=False, overwrite=True
    )


def pytest_runtest_logreport(report):
    if report.failed:
        _failed_notebooks.add(report.nodeid.split("::")[0])


def pytest_collection_modifyitems(config, items):
    # The site build comes after the notebooks, to take their outputs from the cache.
    items.sort(key=lambda item: item.get_closest_marker("docs") is not None)


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
