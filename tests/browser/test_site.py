"""The website: built by Sphinx from the notebooks, served on loopback, read in Chromium.

The build is the one of ``python3 tasks.py docs`` (every notebook executed, warnings are
errors), made once per test session into ``_build/html``; its log is kept in
``test-artifacts/sphinx-build.log`` and a screenshot of every page's first screen as a laptop
(1280x800) and a phone (390x844) show it, in ``test-artifacts/site/<size>/``, with the whole page
where it is wider than the screen. (A whole long page takes 1-2 s to capture; ``MNIST_FULL_PAGES=1``
captures every page whole, to look the site over.)
``MNIST_REUSE_SITE=1`` tests the site already in ``_build/html`` instead of building it again
(for work on the layout; a change of a notebook or of ``docs/`` needs a build).
"""

from __future__ import annotations

import functools
import json
import os
import re
import subprocess
import sys
import time
from http.server import SimpleHTTPRequestHandler
from pathlib import Path
from urllib.parse import unquote, urlsplit

import jupytext
import nbformat
import pytest
from browser_support import (
    ROOT,
    TIMEOUT_MS,
    PageWatch,
    notebook_paths,
    require_modules,
    slug,
)
from loopback import serve

import tasks

pytestmark = [pytest.mark.browser, pytest.mark.docs]

BUILD = ROOT / "_build" / "html"
EXECUTED = ROOT / "_build" / "jupyter_execute"
# The same build as `python3 tasks.py docs`.
SPHINX_BUILD = [sys.executable, "-m", "sphinx", *tasks.SPHINX_ARGS]
CONF = (ROOT / "docs" / "conf.py").read_text()
REPOSITORY = re.search(r'^REPOSITORY = "(.+)"', CONF, re.M).group(1)
BRANCH = re.search(r'^BRANCH = "(.+)"', CONF, re.M).group(1)

NOTEBOOKS = [path.stem for path in notebook_paths()]
PAGES = [
    "docs/index",
    "docs/notation",
    "docs/benchmarks",
    *(f"notebooks/{stem}" for stem in NOTEBOOKS),
    "genindex",
    "search",
]
# The screens the layout is made for: a laptop and a phone.
SCREENS = {"laptop": {"width": 1280, "height": 800}, "phone": {"width": 390, "height": 844}}
# Printed tables whose lines may wrap at 1280 px, by notebook: a pattern of each such line
# (a regular expression that its whole line matches), with why the table is that wide.
WIDE_LINES: dict[str, dict[str, str]] = {
    "04-build-a-tiny-framework": {
        r"Network( +\d\.\w+ [\d.e-]+)+": "the gradient check: an error for each of six arrays",
    },
    "05-softmax-minibatches-and-adam": {
        r".+\(rate [\d.e-]+\) +first check .+": "the optimiser race: one summary line each",
    },
    "06-take-the-97-percent-challenge": {
        r"(\d\.\d{3} +)+\d\.\d{3}": "the confidences of the 20 most confident mistakes",
    },
    "09-make-training-fast": {
        r" +\d+( +[\d.]+){4} .+": "cProfile's table names each function by its file's path",
    },
}

# TeX that MathJax should have turned into math: what is left of it in the text is a bug.
RAW_TEX = re.compile(r"\$\$|\\\(|\\\[|\\frac|\\begin\{|\$[^$\n]*[\\^_{}][^$\n]*\$")

# Runs in the page: loads every image (lazy ones too), waits for MathJax, and reports.
PAGE_REPORT = """
async () => {
  const images = Array.from(document.images);
  images.forEach((img) => { img.loading = "eager"; });
  await Promise.all(images.map((img) => img.decode().catch(() => null)));
  const math = Array.from(document.querySelectorAll(".math"));
  let mathjax = "not needed";
  if (math.length) {
    if (!(window.MathJax && window.MathJax.startup)) {
      mathjax = "MathJax did not load";
    } else {
      await window.MathJax.startup.promise;
      mathjax = "loaded";
    }
  }
  const article = (document.querySelector("article") || document.body).cloneNode(true);
  article.querySelectorAll("pre, code, script, style, .math, mjx-container, .highlight")
    .forEach((element) => element.remove());
  return {
    images: images.map((img) => ({ src: img.currentSrc || img.src, width: img.naturalWidth })),
    outputImages: document.querySelectorAll(".cell_output img").length,
    mathjax: mathjax,
    math: math.length,
    unrendered: math.filter((e) => !e.querySelector("mjx-container"))
      .map((e) => e.textContent.slice(0, 80)),
    text: article.textContent,
    links: Array.from(document.querySelectorAll("a[href]")).map((a) => a.href),
  };
}
"""


class QuietHandler(SimpleHTTPRequestHandler):
    """Serves the built site without logging each request."""

    def log_message(self, *args):
        pass


_built: list[Path] = []  # the session's build, shared by the modules that import this fixture


@pytest.fixture(scope="session")
def site(artifacts) -> Path:
    """Build the site once per session (notebooks come from the execution cache when unchanged)."""
    require_modules("docs", "sphinx", "myst_nb", "sphinx_book_theme", "sphinx-mathjax-offline")
    if _built or (os.environ.get("MNIST_REUSE_SITE") == "1" and (BUILD / "index.html").is_file()):
        return BUILD
    log = artifacts / "sphinx-build.log"
    start = time.perf_counter()
    with log.open("w") as out:
        out.write("$ " + " ".join(SPHINX_BUILD) + "\n")
        out.flush()
        build = subprocess.run(SPHINX_BUILD, cwd=ROOT, stdout=out, stderr=subprocess.STDOUT)
        out.write(f"\n[the build took {time.perf_counter() - start:.1f} s]\n")
    if build.returncode != 0:
        tail = "\n".join(log.read_text().splitlines()[-40:])
        pytest.fail(
            f"the site does not build (exit code {build.returncode}); "
            f"the whole log is in {log}:\n{tail}",
            pytrace=False,
        )
    _built.append(BUILD)
    return BUILD


@pytest.fixture(scope="session")
def site_url(site) -> str:
    """The built site, served over HTTP on a loopback port for the session."""
    with serve(functools.partial(QuietHandler, directory=str(site))) as url:
        yield url


@pytest.fixture(scope="session")
def laptop_page(browser, site_url):
    """Open a page at the laptop size once, watched from the start, and share it (with its
    watch) between the tests that only read it: loading each page once saves a minute of CI."""
    opened, contexts = {}, []

    def page_at(path: str):
        if path not in opened:
            context = browser.new_context(viewport=SCREENS["laptop"], accept_downloads=True)
            context.set_default_timeout(TIMEOUT_MS)
            contexts.append(context)
            page = context.new_page()
            watch = PageWatch(site_url)
            watch.attach(context, page)
            page.goto(site_url + path, wait_until="load")
            page.wait_for_load_state("networkidle")
            opened[path] = page, watch
        return opened[path]

    yield page_at
    for context in contexts:
        context.close()


def visit(new_page, site_url: str, path: str):
    """Open a page of the site, wait until it settled, and return it with its watch."""
    page, watch = new_page(site_url)
    page.goto(site_url + path, wait_until="load")
    page.wait_for_load_state("networkidle")
    return page, watch


def broken_links(links: list[str], site_url: str, site: Path) -> list[str]:
    """Links into the site whose file, or whose #fragment in that file, does not exist."""
    broken = []
    for link in links:
        if not link.startswith(site_url):
            if not link.startswith(("http://", "https://", "mailto:")):
                broken.append(f"{link} (not a web link)")
            continue
        parts = urlsplit(link)
        target = site / unquote(parts.path).lstrip("/")
        if parts.path.endswith("/"):
            target = target / "index.html"
        if not target.is_file():
            broken.append(f"{link} (no such file)")
        elif parts.fragment and target.suffix == ".html":
            ids = set(re.findall(r'\sid="([^"]+)"', target.read_text(encoding="utf-8")))
            if unquote(parts.fragment) not in ids:
                broken.append(f"{link} (no such anchor)")
    return sorted(set(broken))


def shown_image_outputs(stem: str) -> int:
    """How many image outputs the executed notebook shows (a figure is one PNG output)."""
    notebook = nbformat.read(EXECUTED / "notebooks" / f"{stem}.ipynb", as_version=4)
    count = 0
    for cell in notebook.cells:
        tags = set(cell.metadata.get("tags", []))
        if cell.cell_type != "code" or tags & {"remove-cell", "remove-output"}:
            continue
        for output in cell.get("outputs", []):
            data = output.get("data", {})
            if any(k.startswith("image/") for k in data) and "text/html" not in data:
                count += 1
    return count


@pytest.mark.parametrize("stem", NOTEBOOKS)
def test_a_trailing_semicolon_hides_a_cells_value_on_the_page(stem, site):
    # A cell ending in `plot(...);` shows its figure once: the semicolon hides the returned
    # Figure, as in JupyterLab (conftest.py runs nbval's cells the way JupyterLab does).
    notebook = nbformat.read(EXECUTED / "notebooks" / f"{stem}.ipynb", as_version=4)
    shown_twice = [
        cell.source.splitlines()[-1]
        for cell in notebook.cells
        if cell.cell_type == "code"
        and cell.source.rstrip().endswith(";")
        and any(o.output_type == "execute_result" for o in cell.get("outputs", []))
    ]
    assert not shown_twice, f"{stem}: cells that end with ';' but show their value: {shown_twice}"


def test_site_builds_a_page_and_downloads_for_every_notebook(site):
    assert (site / "index.html").is_file(), "no index.html at the root of the site"
    assert (site / "docs" / "index.html").is_file(), "no landing page"
    for stem in NOTEBOOKS:
        assert (site / "notebooks" / f"{stem}.html").is_file(), f"no page for {stem}"
        assert (site / "_sources" / "notebooks" / f"{stem}.ipynb").is_file(), f"no {stem}.ipynb"
        assert (site / "_sources" / "notebooks" / f"{stem}.md").is_file(), f"no {stem}.md"
    # Each page was built from its .md source, never from a paired .ipynb lying beside it.
    assert not list((site / "notebooks").glob("*.ipynb"))
    assert not list((site / "_sources" / "notebooks").glob("*.ipynb.txt"))


@pytest.mark.parametrize("path", PAGES)
def test_page_renders_without_errors(path, site, site_url, laptop_page):
    page, watch = laptop_page(f"{path}.html")
    report = page.evaluate(PAGE_REPORT)  # its screenshot: test_no_page_is_wider_than_the_screen

    assert not watch.problems(), f"{path}: {json.dumps(watch.problems(), indent=2)}"
    assert report["mathjax"] != "MathJax did not load", path
    assert not report["unrendered"], f"{path}: math left unrendered: {report['unrendered']}"
    raw = RAW_TEX.findall(report["text"])
    assert not raw, f"{path}: raw TeX in the text: {raw}"
    broken = [image["src"] for image in report["images"] if image["width"] == 0]
    assert not broken, f"{path}: images that did not load: {broken}"
    links = broken_links(report["links"], site_url, site)
    assert not links, f"{path}: broken links: {links}"
    if path.startswith("notebooks/"):
        stem = path.removeprefix("notebooks/")
        source = (ROOT / "notebooks" / f"{stem}.md").read_text(encoding="utf-8")
        if re.search(r"\$[^$\n]+\$", source):
            assert report["math"] > 0, f"{path}: its source has $math$ but the page has none"
        expected = shown_image_outputs(stem)
        assert report["outputImages"] >= expected, (
            f"{path}: {report['outputImages']} images in cell outputs, the notebook has {expected}"
        )


def test_root_redirects_to_the_landing_page(site_url, new_page):
    page, watch = visit(new_page, site_url, "")
    page.wait_for_url("**/docs/index.html")
    assert page.locator("h1").first.inner_text().strip() == "MNIST from scratch"
    assert not watch.problems(), watch.problems()


def test_landing_page_lists_every_notebook_and_every_result(site_url, new_page, artifacts):
    page, _ = visit(new_page, site_url, "docs/index.html")
    page.screenshot(path=artifacts / "site" / "landing-page.png", full_page=True)

    links = page.locator("#the-learning-path ol > li strong > a").all()  # titles
    hrefs = [urlsplit(a.get_attribute("href")).path for a in links]
    assert [Path(h).stem for h in hrefs] == NOTEBOOKS
    items = page.locator("#the-learning-path ol > li").all_inner_texts()
    # each with its session length and run time, as its notebook states them at its top
    assert all(re.search(r"About \d+ minutes with its exercises; \d+ s to run\.", i) for i in items)

    results = [json.loads(p.read_text()) for p in sorted((ROOT / "results").glob("*.json"))]
    section = page.locator("#results")
    if not results:
        assert "No results are recorded yet" in section.inner_text()
        return
    rows = section.locator("table tbody tr")
    assert rows.count() == len(results)
    for row, result in zip(rows.all(), results, strict=True):
        cells = [cell.inner_text().strip() for cell in row.locator("td").all()]
        # the page sets quotes typographically: tutorial's becomes tutorial’s
        model = cells[1].replace("\u2019", "'")
        assert cells[0] == result["notebook"] and model == result["model"]
        assert cells[3] == f"{100 * result['test_accuracy']:.2f}%"
    machines = {result["machine"] for result in results}
    assert all(machine in section.inner_text() for machine in machines)


@pytest.mark.parametrize("stem", NOTEBOOKS)
def test_notebook_downloads_are_the_notebook(stem, site_url, new_page, artifacts):
    page, watch = visit(new_page, site_url, f"notebooks/{stem}.html")
    saved = {}
    for kind, button in (("ipynb", "download-notebook-button"), ("md", "download-source-button")):
        page.locator(".dropdown-download-buttons > button").click()
        with page.expect_download() as started:
            page.locator(f"a.btn-{button}").click()
        download = started.value
        assert download.failure() is None, f"{stem}.{kind}: {download.failure()}"
        assert download.suggested_filename == f"{stem}.{kind}"
        saved[kind] = artifacts / "site" / "downloads" / download.suggested_filename
        download.save_as(saved[kind])
    assert not watch.problems(), watch.problems()

    source = ROOT / "notebooks" / f"{stem}.md"
    assert saved["md"].read_bytes() == source.read_bytes()
    notebook = nbformat.read(saved["ipynb"], as_version=4)
    nbformat.validate(notebook)
    assert len(notebook.cells) == len(jupytext.read(source).cells)
    code = [cell for cell in notebook.cells if cell.cell_type == "code"]
    assert all(cell.execution_count for cell in code if cell.source.strip()), "not executed"
    # A cell tagged raises-exception shows an error on purpose (e.g. a wrong shape on load).
    expected = [c for c in code if "raises-exception" in c.metadata.get("tags", [])]
    for cell in code:
        errors = [o for o in cell.outputs if o.output_type == "error"]
        assert bool(errors) == (cell in expected), (cell.source[:80], errors)


@pytest.mark.parametrize("stem", NOTEBOOKS)
def test_notebook_page_links_to_binder_colab_and_its_source(stem, site, laptop_page):
    page, _ = laptop_page(f"notebooks/{stem}.html")
    owner, repo = urlsplit(REPOSITORY).path.strip("/").split("/")[:2]

    def href(selector: str, text: str | None = None) -> str:
        link = page.locator(selector, has_text=text) if text else page.locator(selector)
        assert link.count() == 1, f"{stem}: {selector} {text or ''} found {link.count()} times"
        return link.get_attribute("href")

    binder = href(".dropdown-launch-buttons a", "Binder")
    assert binder == (
        f"https://mybinder.org/v2/gh/{owner}/{repo}/{BRANCH}?urlpath=lab/tree/notebooks/{stem}.md"
    )
    colab = href(".dropdown-launch-buttons a", "Colab")
    prefix = f"https://colab.research.google.com/github/{owner}/{repo}/blob/"
    assert colab.startswith(prefix) and colab.endswith(f"/_sources/notebooks/{stem}.ipynb")
    # Colab opens the executed notebook of the published site: it must be part of the build.
    assert (site / "_sources" / "notebooks" / f"{stem}.ipynb").is_file()
    source = href("a.btn-source-file-button")
    assert source == f"{REPOSITORY}/blob/{BRANCH}/notebooks/{stem}.md?plain=1"
    assert href("a.btn-source-repository-button") == REPOSITORY


def test_search_finds_the_landing_page(site_url, new_page):
    page, watch = visit(new_page, site_url, "search.html?q=NumPy")
    results = page.locator("#search-results ul.search li")
    results.first.wait_for()
    assert results.count() >= 1
    assert not watch.problems(), watch.problems()


def test_site_shows_plots_and_math_somewhere(site):
    """The checks above could pass on a site without any figure or formula; this one cannot."""
    if not NOTEBOOKS:
        pytest.skip("no notebook yet")
    assert sum(shown_image_outputs(stem) for stem in NOTEBOOKS) > 0, "no notebook shows a plot"
    pages = [(site / "notebooks" / f"{stem}.html").read_text() for stem in NOTEBOOKS]
    assert any('class="math' in text for text in pages), "no notebook page has math"


# Runs in the page: waits for MathJax, then measures what is wider than the screen.
WIDTH_REPORT = """
async () => {
  if (window.MathJax && window.MathJax.startup) { await window.MathJax.startup.promise; }
  const width = window.innerWidth;
  // Elements sticking out on the right whose own box does not clip them (a scrolling box
  // holds its wide content), innermost first: what makes the page wider than the screen.
  const clips = (e) => ["auto", "scroll", "hidden", "clip"]
    .includes(getComputedStyle(e).overflowX);
  const inClippingBox = (e) => {
    for (let a = e.parentElement; a && a !== document.body; a = a.parentElement) {
      if (clips(a)) { return true; }
    }
    return false;
  };
  const wide = Array.from(document.querySelectorAll("body *"))
    .filter((e) => e.getBoundingClientRect().right > width + 1 && !inClippingBox(e))
    .filter((e) => getComputedStyle(e).visibility !== "hidden")
    .map((e) => `${e.tagName.toLowerCase()}.${Array.from(e.classList).join(".")} `
      + `(right edge ${Math.round(e.getBoundingClientRect().right)} px): `
      + (e.textContent || "").trim().slice(0, 60));
  return {
    width: width,
    scrollWidth: document.scrollingElement.scrollWidth,
    column: Math.round((document.querySelector(".bd-article") || document.body)
      .getBoundingClientRect().width),
    wide: wide.slice(-8),
  };
}
"""

# Runs in a notebook page: code cells and outputs that scroll sideways, and lines of printed
# tables and logs (a line with columns: two spaces in a row) that do not fit unwrapped. A long
# printed sentence may wrap, as in JupyterLab; a log's or a table's line may not.
BLOCK_REPORT = """
() => {
  const wide = [];
  for (const pre of document.querySelectorAll(".cell div.highlight pre, .cell_output pre")) {
    const kind = pre.closest(".cell_output") ? "output" : "code";
    const lines = pre.textContent.split("\\n");
    const longest = lines.reduce((a, b) => (b.length > a.length ? b : a), "");
    if (pre.scrollWidth > pre.clientWidth) {
      wide.push({kind: kind, problem: "scrolls", by: pre.scrollWidth - pre.clientWidth,
                 line: longest});
      continue;
    }
    const style = getComputedStyle(pre);
    const room = pre.clientWidth - parseFloat(style.paddingLeft) - parseFloat(style.paddingRight);
    const probe = document.createElement("span");
    probe.style.whiteSpace = "pre";
    probe.style.position = "absolute";
    probe.style.visibility = "hidden";
    pre.appendChild(probe);
    const wraps = lines.filter((line) => {
      probe.textContent = line;
      return /\\S {2,}\\S/.test(line) && probe.getBoundingClientRect().width > room + 0.5;
    });
    probe.remove();
    if (wraps.length) {
      wide.push({kind: kind, problem: "wraps", by: Math.ceil(pre.scrollWidth - room),
                 line: wraps[0], lines: wraps});
    }
  }
  return wide;
}
"""


def open_on_screen(new_page, site_url: str, path: str, screen: str):
    """Open a page of the site in a browser window of one of SCREENS."""
    page, watch = new_page(site_url, viewport=SCREENS[screen])
    page.goto(site_url + path, wait_until="load")
    page.wait_for_load_state("networkidle")
    return page, watch


@pytest.mark.parametrize("screen", SCREENS)
@pytest.mark.parametrize("path", PAGES)
def test_no_page_is_wider_than_the_screen(path, screen, site_url, new_page, laptop_page, artifacts):
    if screen == "laptop":
        page, _ = laptop_page(f"{path}.html")
    else:
        page, _ = open_on_screen(new_page, site_url, f"{path}.html", screen)
    report = page.evaluate(WIDTH_REPORT)
    fits = report["scrollWidth"] <= report["width"]
    folder = artifacts / "site" / screen
    folder.mkdir(parents=True, exist_ok=True)
    whole = not fits or os.environ.get("MNIST_FULL_PAGES") == "1"
    page.screenshot(path=folder / f"{slug(path)}.png", full_page=whole)
    (folder / f"{slug(path)}.json").write_text(json.dumps(report, indent=2) + "\n")
    assert fits, (
        f"{path} at {screen} size is {report['scrollWidth']} px wide in a window of "
        f"{report['width']} px; what sticks out: {json.dumps(report['wide'], indent=2)}"
    )


@pytest.mark.parametrize("stem", NOTEBOOKS)
def test_code_and_outputs_fit_the_column_on_a_laptop(stem, laptop_page):
    page, _ = laptop_page(f"notebooks/{stem}.html")
    wide = page.evaluate(BLOCK_REPORT)
    allowed = [re.compile(pattern) for pattern in WIDE_LINES.get(stem, {})]
    wide = [
        block
        for block in wide
        if not (
            block["problem"] == "wraps"
            and all(any(p.fullmatch(line) for p in allowed) for line in block["lines"])
        )
    ]
    assert not wide, (
        f"{stem}: at 1280x800 these code cells or outputs scroll sideways, or a line of a log "
        f"or table wraps (by how many pixels, and the line): {json.dumps(wide, indent=2)}"
    )


def test_landing_page_leads_to_the_benchmarks_page(site_url, new_page, artifacts):
    page, _ = visit(new_page, site_url, "docs/index.html")
    headers = [h.inner_text().strip().lower() for h in page.locator("article table th").all()]
    assert "benchmark" not in headers and "target" not in headers, (
        f"the landing page still shows a benchmark table: {headers}"
    )
    links = page.locator("article a[href]").all()
    targets = [urlsplit(a.get_attribute("href")).path for a in links]
    assert any(t.endswith("benchmarks.html") for t in targets), "no link to the benchmarks page"
    # The learning path comes before the results, and both before the rest.
    sections = page.locator("article section[id]").evaluate_all("(s) => s.map((e) => e.id)")
    assert sections.index("the-learning-path") < sections.index("results") < 4, sections

    page, _ = visit(new_page, site_url, "docs/benchmarks.html")
    headers = [h.inner_text().strip().lower() for h in page.locator("article table th").all()]
    summary = ROOT / "benchmarks" / "results" / "summary.json"
    if summary.is_file():
        assert {"benchmark", "target", "met"} <= set(headers), headers
        machine = json.loads(summary.read_text())["machine"]
        assert machine in page.locator("article").inner_text()
    else:
        assert "No benchmark results yet" in page.locator("article").inner_text()


def cached_run_seconds(stem: str) -> float:
    """How long the run that made the outputs of a notebook's page took, as the cache says."""
    from jupyter_cache import get_cache

    notebook = nbformat.read(EXECUTED / "notebooks" / f"{stem}.ipynb", as_version=4)
    record = get_cache(ROOT / "_build" / ".jupyter_cache").match_cache_notebook(notebook)
    return float(record.data["execution_seconds"])


@pytest.mark.parametrize("stem", NOTEBOOKS)
def test_notebook_page_shows_how_long_its_notebook_ran(stem, laptop_page):
    sys.path.insert(0, str(ROOT / "docs" / "_ext"))
    from mnist_site import duration

    page, _ = laptop_page(f"notebooks/{stem}.html")
    note = page.locator("article .mnist-run-time")
    assert note.count() == 1, f"{stem}: no line saying how long the notebook ran"
    text = note.inner_text()
    expected = duration(cached_run_seconds(stem))
    assert f"ran in {expected}" in text, f"{stem}: {text!r}, the cache says {expected}"


def test_contents_drawer_opens_on_a_laptop(site_url, new_page):
    """At 1280 px the page's contents are a drawer, opened by the article header's list button."""
    page, watch = open_on_screen(new_page, site_url, f"notebooks/{NOTEBOOKS[0]}.html", "laptop")
    page.locator(".bd-header-article button.secondary-toggle").click()
    drawer = page.locator("dialog#pst-secondary-sidebar-modal")
    drawer.locator("nav.page-toc a").first.wait_for(state="visible")
    assert drawer.evaluate("(d) => d.open")
    assert not watch.problems(), watch.problems()


def test_landing_page_offers_the_student_copy_without_solutions(site_url, new_page, artifacts):
    import zipfile

    page, watch = visit(new_page, site_url, "docs/index.html")
    with page.expect_download() as started:
        page.locator("a.mnist-student-copy").click()
    download = started.value
    assert download.failure() is None, download.failure()
    saved = artifacts / "site" / "downloads" / "student-notebooks.zip"
    download.save_as(saved)
    with zipfile.ZipFile(saved) as archive:
        names = archive.namelist()
        for stem in NOTEBOOKS:
            notebook = nbformat.reads(archive.read(f"notebooks/{stem}.ipynb"), as_version=4)
            tags = [cell.metadata.get("tags", []) for cell in notebook.cells]
            assert not [t for t in tags if "solution" in t], f"{stem} holds a solution"
    assert len([n for n in names if n.endswith(".ipynb")]) == len(NOTEBOOKS)
    assert not watch.problems(), watch.problems()
