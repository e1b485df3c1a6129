"""The project's files agree with each other."""

import ast
import re
import subprocess
import sys
from importlib.metadata import requires

import jupytext
import pytest


def requirement_names(requirements):
    return {re.split(r"[<>=!~ \[]", r, maxsplit=1)[0].lower() for r in requirements}


def test_environment_yml_lists_the_same_packages_as_pyproject(project_root):
    # What pip installs: the dependencies and every extra but the optional PyTorch one.
    wanted = requirement_names(r for r in requires("mnist-from-scratch") if "torch" not in r)
    wanted.discard("mnist-from-scratch")
    text = (project_root / "environment.yml").read_text().split("dependencies:", 1)[1]
    # conda packages ("  - name") and the few that come from PyPI ("      - name")
    listed = re.findall(r"^(?:  |      )- ([a-z][^:#\n]*?)\s*(?:#.*)?$", text, flags=re.MULTILINE)
    conda = requirement_names(listed) - {"python", "pip"}
    assert conda == wanted


def test_environment_yml_installs_the_project_editable(project_root):
    assert "--editable ." in (project_root / "environment.yml").read_text()


def test_notebooks_are_myst_markdown_with_a_python_kernel(project_root):
    for path in sorted((project_root / "notebooks").glob("*.md")):
        notebook = jupytext.read(path)
        assert notebook.metadata["kernelspec"]["name"] == "python3", path.name
        assert notebook.metadata["jupytext"]["text_representation"]["format_name"] == "myst"
        titles = [c.source for c in notebook.cells if c.cell_type == "markdown"]
        text = "\n".join(titles)
        for section in (
            "What you'll do",
            "What you'll learn",
            "What you'll need",
            "On your own",
            "In practice",
            "Further reading",
        ):
            assert f"## {section}" in text, f"{path.name} lacks '## {section}'"


def test_every_notebook_checks_its_claims_with_helpers_check(project_root):
    # A claim of the text is checked by helpers.check, which fails the tests but lets a learner's
    # run go on (with a note); a bare assert would stop the learner's notebook.
    for path in sorted((project_root / "notebooks").glob("*.md")):
        code = [c for c in jupytext.read(path).cells if c.cell_type == "code"]
        hidden = [c for c in code if "remove-cell" in c.metadata.get("tags", [])]
        assert any("helpers.check(" in c.source for c in hidden), f"{path.name} checks nothing"
        for cell in code:
            statements = ast.walk(ast.parse(_python_only(cell.source)))
            asserts = [node for node in statements if isinstance(node, ast.Assert)]
            assert not asserts, f"{path.name}: a bare assert stops a learner's run:\n{cell.source}"


def _python_only(source: str) -> str:
    """A code cell's source without IPython magics and shell lines."""
    return "\n".join(
        "" if line.lstrip().startswith(("%", "!")) else line for line in source.splitlines()
    )


def test_jupyterlab_opens_markdown_as_notebooks(project_root):
    import json
    import sys
    from pathlib import Path

    installed = Path(sys.prefix) / "share/jupyter/lab/settings/overrides.json"
    viewers = json.loads(installed.read_text())["@jupyterlab/docmanager-extension:plugin"]
    assert viewers["defaultViewers"]["markdown"] == "Jupytext Notebook"


def test_data_files_are_not_tracked(project_root):
    import subprocess

    tracked = subprocess.run(
        ["git", "ls-files"], cwd=project_root, capture_output=True, text=True
    ).stdout.split()
    assert not [f for f in tracked if f.endswith((".gz", ".npz", ".csv", "-ubyte"))]


def test_readme_links_every_notebook(project_root):
    readme = (project_root / "README.md").read_text()
    for path in sorted((project_root / "notebooks").glob("*.md")):
        assert f"](notebooks/{path.name})" in readme, f"README does not link {path.name}"


def test_every_notebook_ends_by_linking_the_next(project_root):
    paths = sorted((project_root / "notebooks").glob("*.md"))
    for path, following in zip(paths, paths[1:], strict=False):
        last_paragraph = path.read_text().rstrip().split("\n\n")[-1]
        assert f"]({following.name})" in last_paragraph, f"{path.name} does not end linking it"
    assert "](01-load-and-explore-mnist.md)" in paths[-1].read_text().rstrip().split("\n\n")[-1]


@pytest.mark.parametrize("words", [[], ["-h"], ["--help"], ["help"]])
def test_tasks_help_lists_every_command_and_exits_0(project_root, words):
    done = subprocess.run(
        [sys.executable, "tasks.py", *words], cwd=project_root, capture_output=True, text=True
    )
    assert done.returncode == 0, done.stderr
    for command in ("lab", "test", "docs", "results", "table", "lint", "student", "help"):
        assert re.search(rf"^  {command} +\S", done.stdout, re.M), (command, done.stdout)
    assert "_fetch" not in done.stdout


def test_tasks_names_an_unknown_command_and_exits_2(project_root):
    done = subprocess.run(
        [sys.executable, "tasks.py", "tset"], cwd=project_root, capture_output=True, text=True
    )
    assert done.returncode == 2
    assert "unknown command 'tset'" in done.stderr and "Commands:" in done.stderr


#: The notebooks whose "On your own" holds checkable exercises (issue 20); each must have at least
#: three. tests/test_student.py runs each one's student copy up to its first exercise's check.
NOTEBOOKS_WITH_EXERCISES = (
    "01-load-and-explore-mnist",
    "02-from-pure-python-to-numpy",
    "03-deep-learning-on-mnist",
    "04-build-a-tiny-framework",
    "05-softmax-minibatches-and-adam",
    "06-take-the-97-percent-challenge",
    "07-build-convolution-and-pooling-layers",
    "08-train-a-convolutional-network",
    "09-make-training-fast",
    "10-train-a-cnn-on-every-core",
)


@pytest.mark.parametrize("name", NOTEBOOKS_WITH_EXERCISES)
def test_each_exercise_has_a_stub_a_hint_a_collapsed_solution_and_a_check(project_root, name):
    # Task, learner's cell (tag exercise), hint (folded in <details>), solution (tag solution,
    # collapsed on the site and in JupyterLab), then the check (tag exercise-check), which checks
    # the solution's answer under the tests and the learner's own when the solution is skipped.
    cells = jupytext.read(project_root / "notebooks" / f"{name}.md").cells
    tags = [c.metadata.get("tags", []) for c in cells]
    solutions = [i for i, t in enumerate(tags) if "solution" in t]
    assert len(solutions) >= 3, f"{name} has {len(solutions)} exercises with a solution, not 3"
    for i in solutions:
        solution = cells[i]
        assert "hide-input" in tags[i], f"{name}: a solution the site shows unfolded"
        prompt = solution.metadata.get("mystnb", {}).get("code_prompt_show")
        assert prompt == "Show the solution", f"{name}: the site's button says {prompt!r}"
        assert solution.metadata.get("jupyter", {}).get("source_hidden"), (
            f"{name}: a solution JupyterLab shows unfolded:\n{solution.source}"
        )
        before = [c for c in cells[:i] if c.cell_type == "code"][-1]
        assert "exercise" in before.metadata.get("tags", []), f"{name}: no learner's cell before"
        hint = [c for c in cells[:i] if c.cell_type == "markdown"][-1]
        # <details> folds the hint away both in JupyterLab and on the site, with no extension.
        assert hint.source.startswith("<details><summary>Hint</summary>"), name
        assert hint.source.rstrip().endswith("</details>"), name
        after = next(c for c in cells[i + 1 :] if c.cell_type == "code")
        assert "exercise-check" in after.metadata.get("tags", []), (
            f"{name}: the code cell after a solution is not its check:\n{after.source}"
        )
        assert "helpers.compare(" in after.source, f"{name}: a check that compares nothing"


#: The pace at which the course estimates reading time: words of a notebook's Markdown cells a
#: minute, its code, outputs and figures read along. A careful pace for a tutorial with code and
#: maths (reviewers' estimates for notebooks 5 to 8 came to 65-80). A class is about 90 minutes.
READING_WORDS_PER_MINUTE = 80


@pytest.mark.parametrize("name", NOTEBOOKS_WITH_EXERCISES)
def test_each_notebook_states_its_reading_and_run_time_at_the_top(project_root, name):
    sys.path.insert(0, str(project_root / "docs" / "_ext"))
    from mnist_site import TIMES  # the landing page lists the times it finds with it

    cells = jupytext.read(project_root / "notebooks" / f"{name}.md").cells
    text = [c.source for c in cells if c.cell_type == "markdown"]
    top = "\n".join(text).split("## What you'll do")[0]
    stated = TIMES.search(" ".join(top.split()))
    assert stated, f"{name}: no '**Reading time:** about R minutes, and E more ...' above its plan"
    assert "s under the tests" in top[top.index("**Run time:**") :].replace("\n", " ")
    reading, exercises, run = (int(stated[k]) for k in ("reading", "exercises", "run"))
    words = sum(len(re.findall(r"\w+", source)) for source in text)
    estimate = words / READING_WORDS_PER_MINUTE
    assert abs(reading - estimate) <= 5, f"{name}: {words} words read in {estimate:.0f} min"
    assert reading + exercises <= 95, f"{name}: {reading} + {exercises} min is not one session"
    assert run <= 60, f"{name}: runs for {run} s, more than a minute"


#: The longest code cell a laptop screen shows whole: JupyterLab at 1280x800 shows about 36 lines.
MAX_CELL_LINES = 36


@pytest.mark.parametrize("name", NOTEBOOKS_WITH_EXERCISES)
def test_every_code_cell_fits_on_a_laptop_screen(project_root, name):
    cells = jupytext.read(project_root / "notebooks" / f"{name}.md").cells
    for cell in cells:
        lines = cell.source.splitlines()
        assert cell.cell_type != "code" or len(lines) <= MAX_CELL_LINES, (
            f"{name}: a cell of {len(lines)} lines, starting {lines[0]!r}"
        )
