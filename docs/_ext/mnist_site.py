"""Sphinx extension of the mnist-from-scratch site: generated parts of pages, run times, links.

* Two pages hold markers that are replaced at build time. The landing page (``docs/index.md``):
  ``<!-- generated: learning-path -->`` by a numbered list of the notebooks in ``notebooks/``
  (each one's title and the first sentence of its introduction, read from the notebook) and
  ``<!-- generated: results-table -->`` by the table that ``helpers.results_table`` makes from
  ``results/*.json``. The benchmarks page (``docs/benchmarks.md``):
  ``<!-- generated: benchmark-table -->`` by the speed measurements of
  ``benchmarks/results/*.json`` (``benchmarks/report.py``). Nothing of them is typed by
  hand, and both pages are read again on every build so that they stay current.
* Each notebook page ends with how long the run of its notebook that produced the outputs shown
  took: myst-nb's execution data of the page (on a cache hit, the time jupyter-cache recorded
  when the notebook was executed), and the machine it ran on when this build or an earlier one
  in the same ``_build`` executed it (kept in ``machines.json`` beside the execution cache).
* The launch buttons of each notebook page open the repository's ``.md`` notebook on Binder, and
  on Colab the executed ``.ipynb`` of the published site (Colab cannot open MyST Markdown).
* The executed notebook offered for download (``_sources/notebooks/NN-name.ipynb``) holds its
  outputs even when they came from the execution cache (myst-nb writes a cache hit's notebook
  without them).
* ``index.html`` at the site root redirects to the landing page.
"""

from __future__ import annotations

import json
import re
import shutil
import sys
from pathlib import Path
from urllib.parse import urlparse

from docutils import nodes
from sphinx.application import Sphinx
from sphinx.errors import ExtensionError
from sphinx.util import logging

LANDING = "docs/index"
BENCHMARKS = "docs/benchmarks"
LEARNING_PATH = "<!-- generated: learning-path -->"
RESULTS_TABLE = "<!-- generated: results-table -->"
BENCHMARK_TABLE = "<!-- generated: benchmark-table -->"

logger = logging.getLogger(__name__)


def _root(app: Sphinx) -> Path:
    return Path(app.srcdir)


def notebook_summary(path: Path) -> tuple[str, str]:
    """Return a notebook's title and the first sentence of the paragraph that follows it."""
    lines = path.read_text(encoding="utf-8").splitlines()
    title_at = next((i for i, line in enumerate(lines) if line.startswith("# ")), None)
    if title_at is None:
        raise ExtensionError(f"{path.name} has no '# Title' line")
    paragraph: list[str] = []
    for line in lines[title_at + 1 :]:
        if line.strip():
            paragraph.append(line.strip())
        elif paragraph:
            break
    text = " ".join(paragraph)
    first = re.match(r"(.+?[.!?])(\s|$)", text)
    return lines[title_at][2:].strip(), (first.group(1) if first else text)


#: How a notebook states its times at its top (tests/test_project.py checks that each does).
TIMES = re.compile(
    r"\*\*Reading time:\*\* about (?P<reading>\d+) minutes, and (?P<exercises>\d+) more for the "
    r"exercises\. \*\*Run time:\*\* (?P<run>\d+) s"
)


def notebook_times(path: Path) -> str:
    """Return "About N minutes ...; S s to run." from a notebook's top, or "" if it states none."""
    stated = TIMES.search(" ".join(path.read_text(encoding="utf-8").split()))
    if stated is None:
        return ""
    minutes = int(stated["reading"]) + int(stated["exercises"])
    return f" *About {minutes} minutes with its exercises; {stated['run']} s to run.*"


def learning_path(root: Path) -> str:
    """Return a numbered Markdown list of the notebooks, linked from docs/index.md."""
    items = []
    for path in sorted((root / "notebooks").glob("*.md")):
        title, sentence = notebook_summary(path)
        # A link in the sentence is relative to notebooks/; the landing page lies in docs/.
        sentence = re.sub(r"\]\((?!https?:|#|/)([^)]+)\)", r"](../notebooks/\1)", sentence)
        link = f"**[{title}](../notebooks/{path.name})**"
        items.append(f"1. {link}: {sentence}{notebook_times(path)}")
    return "\n".join(items) if items else "No notebook is published yet."


def results_section(root: Path) -> str:
    """Return the results table of results/*.json, made by helpers.results_table."""
    import helpers

    results = helpers.load_results(root / "results")
    if not results:
        return (
            "No results are recorded yet: `python3 tasks.py results` runs every notebook and "
            "records its headline figures in `results/`."
        )
    return helpers.results_table(results)


def benchmark_section(root: Path) -> str:
    """Return the benchmark tables of benchmarks/results/*.json (benchmarks/report.py)."""
    sys.path.insert(0, str(root / "benchmarks"))
    from report import benchmark_table

    return benchmark_table(root / "benchmarks" / "results")


def generated_parts() -> dict[str, dict[str, object]]:
    """Each page with markers: its markers and the function that makes each one's Markdown."""
    return {
        LANDING: {LEARNING_PATH: learning_path, RESULTS_TABLE: results_section},
        BENCHMARKS: {BENCHMARK_TABLE: benchmark_section},
    }


def fill_generated_pages(app: Sphinx, docname: str, source: list[str]) -> None:
    """``source-read``: replace the markers of the landing and benchmarks pages with Markdown."""
    markers = generated_parts().get(docname)
    if markers is None:
        return
    text = source[0]
    for marker, make in markers.items():
        if marker not in text:
            raise ExtensionError(f"{docname}.md lost its marker {marker}")
        text = text.replace(marker, make(_root(app)))
    source[0] = text


def always_read_generated_pages(app, env, added, changed, removed) -> list[str]:
    """``env-get-outdated``: results/, benchmarks/ and notebooks/ change without these pages."""
    return [docname for docname in generated_parts() if docname in env.found_docs]


def launch_links(app: Sphinx, pagename: str, templatename, context, doctree) -> None:
    """``html-page-context`` (after the theme's): point Binder and Colab at what really exists.

    The theme links the source's own path, or a paired .ipynb when one happens to lie beside it
    in the working tree; neither suits a repository that commits only the .md notebooks.
    """
    site = app.config.mnist_site
    buttons = context.get("header_buttons") or []
    group = next((b for b in buttons if b.get("label") == "launch-buttons"), None)
    if group is None:
        return
    source = Path(app.env.doc2path(pagename)).relative_to(app.srcdir).as_posix()
    owner, repo = urlparse(site["repository"]).path.strip("/").split("/")[:2]
    urls = {
        "Binder": f"{site['binder']}/v2/gh/{owner}/{repo}/{site['branch']}"
        f"?urlpath=lab/tree/{source}",
        "Colab": f"{site['colab']}/github/{owner}/{repo}/blob/{site['pages_branch']}"
        f"/_sources/{pagename}.ipynb",
    }
    for button in group["buttons"]:
        if button.get("text") in urls:
            button["url"] = urls[button["text"]]


def restore_cached_outputs(app: Sphinx, env) -> list[str]:
    """``env-updated``: put the cached outputs into each executed notebook written by myst-nb.

    On a cache hit myst-nb renders the page from the cached outputs but writes the notebook it
    read, without outputs, to ``jupyter_execute/``, from where the theme copies it to
    ``_sources/`` as the ``.ipynb`` download. Merge the cached outputs back into it.
    """
    config = getattr(env, "mystnb_config", None)
    if config is None or config.execution_mode != "cache":
        return []
    import nbformat
    from jupyter_cache import get_cache

    cache = get_cache(config.execution_cache_path)
    for docname in sorted(env.found_docs):
        path = Path(config.output_folder) / f"{docname}.ipynb"
        if not path.is_file():
            continue
        notebook = nbformat.read(path, as_version=4)
        try:
            _, merged = cache.merge_match_into_notebook(notebook)
        except KeyError as error:
            raise ExtensionError(f"{docname}: no cached execution to take outputs from") from error
        merged.metadata.pop("source_map", None)  # myst-nb's bookkeeping, not the reader's
        nbformat.write(merged, path)
    return []


MACHINES = "machines.json"  # beside the execution cache: which machine made each record


def _cache(app: Sphinx):
    """Return the execution cache, or None when myst-nb does not execute in cache mode."""
    config = getattr(app.env, "mystnb_config", None)
    if config is None or config.execution_mode != "cache":
        return None
    from jupyter_cache import get_cache

    return get_cache(config.execution_cache_path)


def note_existing_records(app: Sphinx) -> None:
    """``builder-inited``: the execution records that exist before this build executes anything."""
    cache = _cache(app)
    app.env.mnist_records_before = (
        {record.pk for record in cache.list_cache_records()} if cache is not None else set()
    )


def note_new_record(app: Sphinx, doctree: nodes.document) -> None:
    """``doctree-read``: a record made since the build began was executed here, on this machine.

    Written at once, so that a build that fails later on still knows where its runs ran.
    """
    cache = _cache(app)
    if cache is None:
        return
    import helpers

    path = Path(cache.path) / MACHINES
    known = json.loads(path.read_text()) if path.is_file() else {}
    before = getattr(app.env, "mnist_records_before", set())
    new = {
        str(record.pk): {"execution_seconds": seconds, "machine": helpers.machine()}
        for record in cache.list_cache_records()
        if record.pk not in before
        and str(record.pk) not in known
        and (seconds := record.data.get("execution_seconds")) is not None
    }
    if new:
        path.write_text(json.dumps(known | new, indent=1) + "\n")


def duration(seconds: float) -> str:
    """``42 s``, ``3 min 05 s`` or ``1 h 02 min``: a run time as a reader reads it."""
    seconds = round(seconds)
    if seconds < 60:
        return f"{seconds} s"
    minutes, seconds = divmod(seconds, 60)
    if minutes < 60:
        return f"{minutes} min {seconds:02d} s"
    hours, minutes = divmod(minutes, 60)
    return f"{hours} h {minutes:02d} min"


def run_time_note(app: Sphinx, doctree: nodes.document, docname: str) -> None:
    """``doctree-resolved``: end a notebook page with how long its notebook's run took."""
    from myst_nb.sphinx_ import NbMetadataCollector

    data = NbMetadataCollector.get_doc_data(app.env).get(docname, {}).get("exec_data")
    if not data or data.get("runtime") is None or not data.get("succeeded"):
        return
    seconds = float(data["runtime"])
    cache = _cache(app)
    path = Path(cache.path) / MACHINES if cache is not None else None
    machines = list(json.loads(path.read_text()).values()) if path and path.is_file() else []
    # A notebook run by the tests (conftest.py) records its machine in the cache record itself.
    machines += [r.data for r in cache.list_cache_records()] if cache is not None else []
    same_run = [m for m in machines if m.get("execution_seconds") == seconds]
    machine = next((m["machine"] for m in same_run if "machine" in m), None)
    text = (
        f"This page's notebook ran in {duration(seconds)}"
        + (f" on {machine}" if machine else "")
        + ", in the run that made the outputs above."
    )
    note = nodes.paragraph(text, text, classes=["mnist-run-time"])
    note["ids"] = ["run-time"]
    doctree.append(nodes.container("", note, classes=["mnist-run-time-box"]))


def redirect_root(app: Sphinx, exception: Exception | None) -> None:
    """``build-finished``: an index.html at the site root that opens the landing page."""
    if exception is not None or app.builder.format != "html":
        return
    target = f"{LANDING}.html"
    (Path(app.outdir) / "index.html").write_text(
        '<!DOCTYPE html>\n<html lang="en"><head><meta charset="utf-8">\n'
        f"<title>{app.config.html_title}</title>\n"
        f'<meta http-equiv="refresh" content="0; url={target}">\n'
        f'<link rel="canonical" href="{target}">\n'
        '<link rel="icon" href="data:,">\n</head>\n'  # no favicon request to cancel
        f'<body><p><a href="{target}">{app.config.html_title}</a></p></body></html>\n',
        encoding="utf-8",
    )


def copy_networks(app: Sphinx, exception: Exception | None) -> None:
    """``build-finished``: the networks the notebooks exported, for the "Draw a digit" page.

    ``helpers.export_network`` writes them into ``_build/networks/`` (``helpers.NETWORKS_DIR``)
    while the notebooks run; they are copied to ``networks/`` at the site root, where
    ``_static/draw.js`` reads ``index.json``. Without them the page says that no network was found.
    """
    if exception is not None or app.builder.format != "html":
        return
    source = _root(app) / "_build" / "networks"
    target = Path(app.outdir) / "networks"
    shutil.rmtree(target, ignore_errors=True)
    if (source / "index.json").is_file():
        shutil.copytree(source, target)
    else:
        logger.info("no exported networks in %s: the Draw a digit page will say so", source)


STUDENT_ZIP = "_downloads/student-notebooks.zip"  # docs/index.md links it


def student_copy_zip(app: Sphinx, exception: Exception | None) -> None:
    """``build-finished``: the notebooks without their solutions, zipped, for a class.

    The same copy as ``python3 tasks.py student FOLDER`` writes (``tasks.student_notebook``).
    """
    if exception is not None or app.builder.format != "html":
        return
    import importlib.util
    import zipfile

    import nbformat

    spec = importlib.util.spec_from_file_location("tasks", _root(app) / "tasks.py")
    tasks = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(tasks)
    target = Path(app.outdir) / STUDENT_ZIP
    target.parent.mkdir(parents=True, exist_ok=True)
    with zipfile.ZipFile(target, "w", zipfile.ZIP_DEFLATED) as archive:
        for path in sorted((_root(app) / "notebooks").glob("*.md")):
            notebook = nbformat.writes(tasks.student_notebook(path))
            archive.writestr(f"notebooks/{path.stem}.ipynb", notebook)
        for image in sorted((_root(app) / "notebooks" / "images").glob("*")):
            archive.write(image, f"notebooks/images/{image.name}")


def setup(app: Sphinx) -> dict:
    """Register the hooks."""
    app.add_config_value("mnist_site", {}, "html", dict)
    app.connect("builder-inited", note_existing_records)
    app.connect("source-read", fill_generated_pages)
    app.connect("env-get-outdated", always_read_generated_pages)
    app.connect("env-updated", restore_cached_outputs)
    app.connect("doctree-read", note_new_record)
    app.connect("doctree-resolved", run_time_note)
    app.connect("html-page-context", launch_links, priority=600)
    app.connect("build-finished", redirect_root)
    app.connect("build-finished", copy_networks)
    app.connect("build-finished", student_copy_zip)
    return {"parallel_read_safe": True, "parallel_write_safe": True}
