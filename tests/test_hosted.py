"""A hosted notebook (Colab, a bare JupyterHub) installs the project itself and runs.

The first code cell of every notebook installs the project with pip when ``import helpers``
fails: from the repository, or from ``MNIST_PROJECT_URL`` when it is set. This test builds such
a host: a fresh virtual environment with only NumPy, Matplotlib, requests, ipykernel and nbclient
(from PyPI, through pip's cache) and a stand-in ``google.colab`` module, then runs notebooks 1 and
9, converted to ``.ipynb``, from top to bottom in an empty folder outside the checkout, with
``MNIST_PROJECT_URL`` naming the checkout and the data from ``MNIST_MIRROR``. The project must
come from pip (not from the checkout), the data and results land in that folder, and nothing is
written into the checkout.
"""

import json
import os
import subprocess
import sys
import time
from pathlib import Path

import jupytext
import nbformat
import pytest

pytestmark = pytest.mark.hosted

ROOT = Path(__file__).resolve().parent.parent
# Notebook 1 (no shared code) and notebook 9, which imports notebooks 3 and 5 from mnist_course
# and records a result.
NOTEBOOKS = ["01-load-and-explore-mnist", "09-make-training-fast"]
HOST_PACKAGES = ["numpy", "matplotlib", "requests", "ipykernel", "nbclient"]
# Read at import: the unit tests' fixtures hide the user's mirror from each test.
MIRROR = os.environ.get("MNIST_MIRROR")
# Run by the host's Python: execute a notebook in its own kernel, as Colab would.
RUN = """
import sys
import nbformat
from nbclient import NotebookClient
path, folder = sys.argv[1:]
notebook = nbformat.read(path, as_version=4)
NotebookClient(notebook, timeout=1800, kernel_name="python3",
               resources={"metadata": {"path": folder}}).execute()
nbformat.write(notebook, path)
"""
# Appended to each notebook: where the kernel's Python and its helpers come from.
WHERE = "import sys, json, helpers; print(json.dumps([sys.prefix, helpers.__file__]))"


def changed_since(folder: Path, start: float) -> list[str]:
    """The files and folders under ``folder`` (.git aside) changed or made since ``start``."""
    found = []
    for parent, folders, files in os.walk(folder):
        folders[:] = [name for name in folders if name != ".git"]
        for name in folders + files:
            path = Path(parent, name)
            if path.lstat().st_mtime >= start:
                found.append(str(path.relative_to(folder)))
    return found


@pytest.fixture(scope="module")
def host(tmp_path_factory) -> Path:
    """A virtual environment with the packages of ``HOST_PACKAGES`` and a ``google.colab``."""
    venv = tmp_path_factory.mktemp("host") / "venv"
    subprocess.run([sys.executable, "-m", "venv", venv], check=True)
    python = venv / "bin" / "python"
    pip = [python, "-m", "pip", "install", "--quiet", "--disable-pip-version-check"]
    subprocess.run([*pip, *HOST_PACKAGES], check=True)
    purelib = subprocess.run(
        [python, "-c", "import sysconfig; print(sysconfig.get_paths()['purelib'])"],
        capture_output=True,
        text=True,
        check=True,
    ).stdout.strip()
    (Path(purelib) / "google" / "colab").mkdir(parents=True)
    (Path(purelib) / "google" / "colab" / "__init__.py").write_text("")
    return python


def test_notebooks_install_the_project_and_run_on_a_host_without_it(host, tmp_path):
    folder = tmp_path / "colab"
    folder.mkdir()
    env = {
        name: value
        for name, value in os.environ.items()
        if name not in {"PYTHONPATH", "VIRTUAL_ENV", "MNIST_DATA_DIR", "MNIST_RESULTS_DIR"}
    }
    env.update(MNIST_PROJECT_URL=str(ROOT), PATH=f"{host.parent}{os.pathsep}{env['PATH']}")
    if MIRROR:
        env["MNIST_MIRROR"] = MIRROR
    venv = host.parent.parent.resolve()
    for module, present in [("google.colab", True), ("helpers", False)]:
        command = [host, "-c", f"import {module}"]
        check = subprocess.run(command, env=env, cwd=folder, capture_output=True)
        found = check.returncode == 0
        assert found == present, f"the host {'lacks' if present else 'has'} {module} before the run"

    start = time.time() - 1  # file times may be rounded down to the second
    for name in NOTEBOOKS:
        notebook = jupytext.read(ROOT / "notebooks" / f"{name}.md")
        notebook.cells.append(nbformat.v4.new_code_cell(WHERE))
        path = folder / f"{name}.ipynb"
        nbformat.write(notebook, path)
        run = subprocess.run(
            [host, "-c", RUN, path, folder], env=env, cwd=folder, capture_output=True, text=True
        )
        assert run.returncode == 0, f"{name} failed on the host:\n{run.stderr[-5000:]}"

        cells = nbformat.read(path, as_version=4).cells
        prefix, helpers_file = json.loads(cells[-1].outputs[0]["text"])
        assert Path(prefix).resolve() == venv, f"{name} ran in {prefix}, not on the host"
        assert Path(helpers_file).resolve().is_relative_to(venv), (
            f"{name} imported helpers from {helpers_file}, not from the host's pip install"
        )

    assert sorted(p.name for p in (folder / "_data").glob("*.gz")) == sorted(
        ["t10k-images-idx3-ubyte.gz", "t10k-labels-idx1-ubyte.gz"]
        + ["train-images-idx3-ubyte.gz", "train-labels-idx1-ubyte.gz"]
    ), "the data did not go to _data/ in the working folder"
    assert (folder / "_build" / "results-scratch").is_dir(), "no results in the working folder"
    assert changed_since(ROOT, start) == [], "the hosted run wrote into the checkout"
