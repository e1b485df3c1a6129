"""JupyterLab as ``python3 tasks.py lab`` starts it, driven in Chromium.

One JupyterLab server is started for the session, on a free loopback port with a random token,
from this environment (the one whose ``share/jupyter/lab/settings/overrides.json`` makes the
Jupytext Notebook the default viewer of ``.md`` files), on ``notebooks/`` like ``tasks.py lab``.
Every notebook must open as a notebook with a running kernel; the notebooks of ``RUN_ALL`` are
run from top to bottom in the browser, and must finish without an error and show their plots.

Autosave is off in the server's own (temporary) user settings. Running a notebook saves nothing:
the test checks that its files are byte for byte what they were. Every notebook is also saved
once without edits, which must write its paired .ipynb and leave its .md byte for byte as
committed, and notebook 2 is saved after running its first cells, which must keep their outputs
in the .ipynb and show them again after a reload. Whatever a test saved is put back as it was:
the .md, a developer's own .ipynb, or no .ipynb. The server, and every kernel it started, is
stopped at the end of the session, whatever happened.
"""

from __future__ import annotations

import json
import os
import secrets
import shutil
import signal
import subprocess
import sys
import time
from dataclasses import dataclass
from hashlib import sha256
from pathlib import Path

import jupytext
import pytest
import requests
from browser_support import ROOT, TIMEOUT_MS, free_port, notebook_paths, slug

import tasks

pytestmark = pytest.mark.browser

# Saved after running its first code cells: the second prints the machine.
SAVE_AFTER_RUN = "02-from-pure-python-to-numpy"
# Notebook 1 and notebook 7 (plots, collapsed solutions, code from mnist_course, and quick to run)
# are run from top to bottom in JupyterLab, when they exist; nbval runs every notebook.
RUN_ALL = ["01-load-and-explore-mnist", "07-build-convolution-and-pooling-layers"]
RUN_ALL_TIMEOUT_MS = 1_800_000  # as nbval's --nbval-cell-timeout, for the whole notebook

NAMES = [path.stem for path in notebook_paths()]

# Settings of the test server's own user-settings folder: never save, never fetch news.
# The project's overrides.json (installed into the environment) still applies.
USER_SETTINGS = {
    "@jupyterlab/docmanager-extension/plugin.jupyterlab-settings": {"autosave": False},
    "@jupyterlab/apputils-extension/notification.jupyterlab-settings": {
        "fetchNews": "false",
        "checkForUpdates": False,
    },
}

# The open notebook's state: a dialog to answer, or false until its kernel has started and is
# idle. (Before the kernel starts, the toolbar shows "No Kernel" beside an "idle" indicator.)
KERNEL_READY = """
() => {
  const dialog = document.querySelector(".jp-Dialog");
  if (dialog) return { dialog: dialog.innerText };
  const panel = document.querySelector(".jp-NotebookPanel");
  const indicator = panel && panel.querySelector(".jp-Notebook-ExecutionIndicator");
  const label = panel && panel.querySelector(".jp-Toolbar-kernelName");
  const kernel = label ? label.textContent.trim() : "";
  const status = Array.from(document.querySelectorAll(".jp-StatusBar-TextItem"))
    .map((item) => item.textContent.trim());
  const idle = indicator && indicator.dataset.status === "idle"
    && status.includes(`${kernel} | Idle`);
  return kernel !== "" && kernel !== "No Kernel" && idle && { kernel: kernel };
}
"""

# True once the notebook panel holds the expected number of cells.
ALL_CELLS_SHOWN = "(n) => document.querySelectorAll('.jp-NotebookPanel .jp-Cell').length === n"

# True once Run All has finished: no cell waits or runs ([*]), some ran, the kernel is idle.
RUN_FINISHED = """
() => {
  const panel = document.querySelector(".jp-NotebookPanel");
  const prompts = Array.from(panel.querySelectorAll(".jp-CodeCell .jp-InputArea-prompt"))
    .map((prompt) => prompt.textContent.trim());
  const indicator = panel.querySelector(".jp-Notebook-ExecutionIndicator");
  return !prompts.some((p) => p.includes("*")) && prompts.some((p) => /\\d/.test(p))
    && indicator && indicator.dataset.status === "idle";
}
"""

# True once the cell at index i has run: a number in its prompt, no star.
CELL_RAN = """
(i) => {
  const cell = document.querySelectorAll(".jp-NotebookPanel .jp-CodeCell")[i];
  const prompt = cell && cell.querySelector(".jp-InputArea-prompt").textContent;
  return !!prompt && /\\d/.test(prompt) && !prompt.includes("*");
}
"""

# True once no open document has unsaved changes (its tab is no longer marked dirty).
SAVED = "() => document.querySelectorAll('.lm-TabBar-tab.jp-mod-dirty').length === 0"

# What a finished run shows: execution counts, error outputs, and the images in outputs.
RUN_REPORT = """
async () => {
  const panel = document.querySelector(".jp-NotebookPanel");
  const images = Array.from(panel.querySelectorAll(".jp-OutputArea-output img"));
  await Promise.all(images.map((img) => img.decode().catch(() => null)));
  const stderr = Array.from(panel.querySelectorAll(
    '.jp-OutputArea-output[data-mime-type="application/vnd.jupyter.stderr"]'));
  return {
    counts: Array.from(panel.querySelectorAll(".jp-CodeCell .jp-InputArea-prompt"))
      .map((prompt) => prompt.textContent.trim()),
    // IPython draws a traceback in red, under a line of dashes; a warning has neither.
    errors: stderr.map((output) => output.innerText)
      .filter((text) => /^-{20,}/.test(text.trim()) || text.includes("Traceback (most recent")),
    images: images.map((img) => img.naturalWidth),
  };
}
"""


@dataclass
class Lab:
    """A running JupyterLab server."""

    url: str
    token: str
    process: subprocess.Popen
    log: Path

    def api(self, method: str, path: str, **kwargs) -> requests.Response:
        """Call the server's REST API."""
        headers = {"Authorization": f"token {self.token}"}
        return requests.request(method, f"{self.url}{path}", headers=headers, timeout=30, **kwargs)

    def sessions(self, name: str) -> list[dict]:
        """The sessions (notebook and kernel) of one notebook of notebooks/."""
        return [s for s in self.api("GET", "/api/sessions").json() if s["path"] == name]


def files_of(name: str) -> dict[str, str]:
    """The SHA-256 of the notebook's .md and of its paired .ipynb, if there is one."""
    paths = [ROOT / "notebooks" / f"{name}{suffix}" for suffix in (".md", ".ipynb")]
    return {p.name: sha256(p.read_bytes()).hexdigest() for p in paths if p.exists()}


def git_status(name: str) -> str:
    """``git status --porcelain`` of the notebook's .md ("" when it is as committed)."""
    command = ["git", "status", "--porcelain", "--", f"notebooks/{name}.md"]
    return subprocess.run(command, cwd=ROOT, capture_output=True, text=True, check=True).stdout


def visible_files() -> set[str]:
    """The names in notebooks/, hidden ones (e.g. .ipynb_checkpoints) aside."""
    return {p.name for p in (ROOT / "notebooks").iterdir() if not p.name.startswith(".")}


def stop(lab: Lab) -> None:
    """Stop the server and its kernels: politely through the API, then by signals."""
    import psutil

    try:
        children = psutil.Process(lab.process.pid).children(recursive=True)
    except psutil.Error:
        children = []
    if lab.process.poll() is None:
        try:
            lab.api("POST", "/api/shutdown")
        except requests.RequestException:
            pass
        try:
            lab.process.wait(timeout=30)
        except subprocess.TimeoutExpired:
            os.killpg(lab.process.pid, signal.SIGTERM)
            try:
                lab.process.wait(timeout=15)
            except subprocess.TimeoutExpired:
                os.killpg(lab.process.pid, signal.SIGKILL)
                lab.process.wait(timeout=15)
    for child in children:  # kernels run in sessions of their own
        try:
            child.terminate()
            child.wait(timeout=10)
        except psutil.NoSuchProcess:
            pass
        except psutil.TimeoutExpired:
            child.kill()


_running: list[Lab] = []  # the session's server, shared by the modules that import this fixture


@pytest.fixture(scope="session")
def lab(browser, artifacts, tmp_path_factory) -> Lab:
    """JupyterLab on notebooks/, on a loopback port with a token, stopped after the session."""
    if _running:  # started for another module of the session, which also stops it
        yield _running[0]
        return
    jupyter = Path(sys.executable).with_name("jupyter")
    if not jupyter.exists():
        pytest.fail(f"no jupyter beside {sys.executable}: is the project installed here?")
    home = tmp_path_factory.mktemp("jupyterlab")
    for name, settings in USER_SETTINGS.items():
        path = home / "user-settings" / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(json.dumps(settings))
    env = {
        **os.environ,
        "JUPYTER_CONFIG_DIR": str(home / "config"),  # the user's own config stays out
        "JUPYTERLAB_SETTINGS_DIR": str(home / "user-settings"),
        "JUPYTERLAB_WORKSPACES_DIR": str(home / "workspaces"),
        "JUPYTER_RUNTIME_DIR": str(home / "runtime"),
    }
    token = secrets.token_hex(24)
    port = free_port()
    command = tasks.lab_command(  # the command of `python3 tasks.py lab`
        jupyter,
        "--no-browser",
        "--ip=127.0.0.1",
        f"--port={port}",
        "--port-retries=0",
        f"--IdentityProvider.token={token}",
    )
    log = artifacts / "jupyterlab.log"
    with log.open("w") as out:
        process = subprocess.Popen(
            command, cwd=ROOT, env=env, stdout=out, stderr=subprocess.STDOUT, start_new_session=True
        )
    server = Lab(f"http://127.0.0.1:{port}", token, process, log)
    try:
        deadline = time.monotonic() + TIMEOUT_MS / 1000
        while True:
            if process.poll() is not None:
                pytest.fail(
                    f"JupyterLab exited with code {process.returncode}:\n"
                    + log.read_text()[-3000:],
                    pytrace=False,
                )
            try:
                if server.api("GET", "/api/status").ok:
                    break
            except requests.RequestException:
                pass
            if time.monotonic() > deadline:
                pytest.fail(
                    "JupyterLab did not answer in time:\n" + log.read_text()[-3000:], pytrace=False
                )
            time.sleep(0.5)  # polling a starting server: there is no event to wait for
        _running.append(server)
        yield server
    finally:
        _running.clear()
        stop(server)
        shutil.rmtree(home / "runtime", ignore_errors=True)


@pytest.fixture
def notebook_page(lab, new_page, artifacts):
    """Open notebooks/NAME.md in JupyterLab; return the page once its kernel is idle."""
    opened: list[str] = []

    def open_notebook(name: str):
        page, watch = new_page(lab.url)
        page.set_default_timeout(TIMEOUT_MS)
        workspace = f"test-{slug(name)}-{secrets.token_hex(4)}"
        page.goto(f"{lab.url}/lab/workspaces/{workspace}/tree/{name}.md?reset&token={lab.token}")
        opened.append(name)
        page.locator(".jp-NotebookPanel, .jp-FileEditor, .jp-MarkdownViewer").first.wait_for()
        assert page.locator(".jp-NotebookPanel").count() == 1, (
            f"{name}.md did not open as a notebook (opened as text?)"
        )
        wait_for_idle_kernel(page, name)
        # JupyterLab attaches the cells of a long notebook in batches: wait for all of them.
        cells = len(jupytext.read(ROOT / "notebooks" / f"{name}.md").cells)
        page.wait_for_function(ALL_CELLS_SHOWN, arg=cells)
        return page, watch

    try:
        yield open_notebook
    finally:
        for name in opened:  # a fresh kernel for the next test
            for session in lab.sessions(f"{name}.md"):
                lab.api("DELETE", f"/api/sessions/{session['id']}")


@pytest.fixture
def restored():
    """Put back the files of the notebooks named to it (.md, .ipynb, checkpoints) after a test.

    Their modification times too: Jupytext refuses to open a .md whose paired .ipynb is newer and
    holds other cells, so an .ipynb put back with a new time would block the next opening.
    """
    folder = ROOT / "notebooks"
    kept: dict[Path, tuple[bytes, int, int] | None] = {}
    had_checkpoints = (folder / ".ipynb_checkpoints").exists()

    def keep(name: str) -> None:
        for path in (folder / f"{name}.md", folder / f"{name}.ipynb"):
            if path.exists():
                kept[path] = (path.read_bytes(), path.stat().st_atime_ns, path.stat().st_mtime_ns)
            else:
                kept[path] = None

    try:
        yield keep
    finally:
        for path, was in kept.items():
            if was is None:
                path.unlink(missing_ok=True)
                continue
            content, accessed, modified = was
            if not path.exists() or path.read_bytes() != content:
                path.write_bytes(content)
            os.utime(path, ns=(accessed, modified))
        if not had_checkpoints:
            shutil.rmtree(folder / ".ipynb_checkpoints", ignore_errors=True)


def save(page, name: str) -> dict:
    """Save the open notebook with Ctrl+S; return its paired .ipynb once the server wrote it."""
    paired = ROOT / "notebooks" / f"{name}.ipynb"
    before = paired.stat().st_mtime_ns if paired.exists() else None
    page.locator(".jp-NotebookPanel .jp-Notebook").first.focus()
    page.keyboard.press("Control+s")
    page.wait_for_function(SAVED)
    deadline = time.monotonic() + TIMEOUT_MS / 1000
    while not paired.exists() or paired.stat().st_mtime_ns == before:
        assert time.monotonic() < deadline, f"saving {name} wrote no paired {paired.name}"
        time.sleep(0.2)  # the file is written by the server: there is no event to wait for
    while True:  # written, but maybe not to the end yet
        try:
            return json.loads(paired.read_text())
        except json.JSONDecodeError:
            assert time.monotonic() < deadline, f"{paired.name} is not valid JSON"
            time.sleep(0.2)


def wait_for_idle_kernel(page, name: str) -> None:
    """Wait until the notebook's kernel is idle, choosing a kernel if JupyterLab asks for one."""
    answered = 0
    while True:
        state = page.wait_for_function(KERNEL_READY, timeout=TIMEOUT_MS).json_value()
        if "dialog" not in state:
            return
        assert "select kernel" in state["dialog"].lower() and answered < 3, (
            f"{name}: unexpected dialog: {state['dialog']}"
        )
        # The kernel-selection dialog proposes the notebook's kernel (Python 3): accept it.
        page.locator(".jp-Dialog .jp-Dialog-button.jp-mod-accept").click()
        page.locator(".jp-Dialog").wait_for(state="detached")
        answered += 1


def menu(page, *labels: str) -> None:
    """Click through the menu bar, e.g. ``menu(page, "Run", "Run All Cells")``."""
    page.locator(f'.lm-MenuBar-itemLabel:text-is("{labels[0]}")').click()
    for label in labels[1:]:
        page.locator(f'.lm-Menu-itemLabel:text-is("{label}")').click()


@pytest.mark.parametrize("name", NAMES)
def test_notebook_opens_as_a_notebook_with_a_running_kernel_and_saves_as_committed(
    name, lab, notebook_page, artifacts, restored
):
    restored(name)
    before, status = files_of(name), git_status(name)
    page, _ = notebook_page(name)
    page.screenshot(path=artifacts / "jupyterlab" / f"{name}-opened.png")

    cells = jupytext.read(ROOT / "notebooks" / f"{name}.md").cells
    assert page.locator(".jp-NotebookPanel .jp-Cell").count() == len(cells)
    kernel_names = page.locator(".jp-NotebookPanel .jp-Toolbar-kernelName").all_inner_texts()
    assert kernel_names == ["Python 3 (ipykernel)"]
    sessions = lab.sessions(f"{name}.md")
    assert len(sessions) == 1 and sessions[0]["kernel"]["name"] == "python3"
    assert sessions[0]["kernel"]["execution_state"] in {"idle", "busy"}
    assert files_of(name) == before, f"{name}: opening it changed its files"

    # Saved without edits: the paired .ipynb is written, the .md stays as committed.
    md = ROOT / "notebooks" / f"{name}.md"
    committed = md.read_bytes()
    paired = save(page, name)
    assert len(paired["cells"]) == len(cells), f"{name}.ipynb does not hold the notebook"
    assert md.read_bytes() == committed, f"{name}: saving it without edits changed its .md"
    assert git_status(name) == status


def test_saved_outputs_are_in_the_ipynb_and_shown_after_a_reload(lab, notebook_page, restored):
    name = SAVE_AFTER_RUN
    if name not in NAMES:
        pytest.skip(f"no {name}.md")
    restored(name)
    md = ROOT / "notebooks" / f"{name}.md"
    committed, status = md.read_bytes(), git_status(name)
    page, _ = notebook_page(name)
    code = page.locator(".jp-NotebookPanel .jp-CodeCell")
    code.nth(0).locator(".jp-InputArea-prompt").click()  # select the first code cell
    page.keyboard.press("Shift+Enter")  # run it and select the next: both are code cells
    page.keyboard.press("Shift+Enter")
    page.wait_for_function(CELL_RAN, arg=1)
    shown = code.nth(1).locator(".jp-OutputArea-output").first.inner_text().strip()
    assert shown, f"{name}: the second code cell printed nothing"

    paired = save(page, name)
    code_cells = [cell for cell in paired["cells"] if cell["cell_type"] == "code"]
    text = "".join("".join(output.get("text", "")) for output in code_cells[1]["outputs"])
    assert shown in text, f"{name}.ipynb lacks the output shown:\n{shown!r}\n{text!r}"
    assert md.read_bytes() == committed, f"{name}: saving it after running cells changed its .md"
    assert git_status(name) == status

    page.reload()
    page.locator(".jp-NotebookPanel").first.wait_for()
    page.wait_for_function(ALL_CELLS_SHOWN, arg=len(jupytext.read(md).cells))
    again = page.locator(".jp-NotebookPanel .jp-CodeCell").nth(1)
    again.locator(".jp-OutputArea-output").first.wait_for()
    assert again.locator(".jp-OutputArea-output").first.inner_text().strip() == shown


@pytest.mark.parametrize("name", [name for name in RUN_ALL if name in NAMES])
def test_run_all_cells_finishes_without_errors_and_shows_plots(name, lab, notebook_page, artifacts):
    before, listing = files_of(name), visible_files()
    page, _ = notebook_page(name)
    source = jupytext.read(ROOT / "notebooks" / f"{name}.md")
    code_cells = [cell for cell in source.cells if cell.cell_type == "code" and cell.source.strip()]

    menu(page, "Edit", "Clear Outputs of All Cells")
    assert page.locator(".jp-NotebookPanel .jp-OutputArea-output").count() == 0
    start = time.perf_counter()
    menu(page, "Run", "Run All Cells")
    page.wait_for_function(RUN_FINISHED, timeout=RUN_ALL_TIMEOUT_MS, polling=1000)
    seconds = time.perf_counter() - start
    report = page.evaluate(RUN_REPORT)
    (artifacts / "jupyterlab").mkdir(exist_ok=True)
    page.screenshot(path=artifacts / "jupyterlab" / f"{name}-run-all-end.png")
    plots = page.locator(".jp-NotebookPanel .jp-OutputArea-output img")
    if plots.count():
        plots.first.scroll_into_view_if_needed()
        page.screenshot(path=artifacts / "jupyterlab" / f"{name}-run-all-first-plot.png")
    (artifacts / "jupyterlab" / f"{name}-run-all.json").write_text(
        json.dumps({"seconds": round(seconds, 1), **report}, indent=2)
    )

    assert not report["errors"], f"{name}: error output:\n" + "\n".join(report["errors"])
    numbered = [c for c in report["counts"] if c.strip("[]:").isdigit()]
    # A collapsed cell (an exercise's solution) shows no prompt; nbval runs those cells.
    shown = [c for c in code_cells if not c.metadata.get("jupyter", {}).get("source_hidden")]
    assert len(numbered) == len(shown), f"{name}: not every cell ran: {report['counts']}"
    assert report["images"], f"{name}: no plot in the outputs"
    assert all(width > 0 for width in report["images"]), f"{name}: a plot did not load"
    assert files_of(name) == before, f"{name}: running it changed its files"
    assert visible_files() == listing, "running a notebook left files in notebooks/"
