"""Sphinx configuration of the mnist-from-scratch website.

Build it from the repository root (``python3 tasks.py docs`` does this and serves the result)::

    python -m sphinx -W --keep-going -b html -c docs . _build/html

The source folder is the repository root, so each page is built from the committed
``notebooks/NN-name.md`` itself and the site's paths match the repository's: the page of
``notebooks/01-load-and-explore-mnist.md`` is ``notebooks/01-load-and-explore-mnist.html``.
The landing page is ``docs/index.md``; ``index.html`` at the site root redirects to it. The speed
measurements of ``benchmarks/results/`` have a page of their own, ``docs/benchmarks.md``.

Every notebook is executed during the build (myst-nb ``cache`` mode: outputs are cached in
``_build/.jupyter_cache`` and a notebook runs again only when its code changes; a clean clone
executes everything). A cell that raises fails the build, and so does any warning (``-W``).
"""

from __future__ import annotations

import os
import sys
from pathlib import Path

DOCS = Path(__file__).resolve().parent
ROOT = DOCS.parent
sys.path.insert(0, str(DOCS / "_ext"))

# The repository, in one place: launch, source and download links are all made from these.
REPOSITORY = "https://github.com/mnist-from-scratch/mnist-from-scratch"
BRANCH = "main"
# The branch the built site is published from (e.g. GitHub Pages): Colab opens the executed
# notebook it holds at _sources/notebooks/NN-name.ipynb, since Colab cannot open the .md source.
PAGES_BRANCH = "gh-pages"
BINDER = "https://mybinder.org"
COLAB = "https://colab.research.google.com"
mnist_site = {  # read by _ext/mnist_site.py
    "repository": REPOSITORY,
    "branch": BRANCH,
    "pages_branch": PAGES_BRANCH,
    "binder": BINDER,
    "colab": COLAB,
}

# A claim of a notebook's text that does not hold fails the build (helpers.check). Results of
# the notebooks run here go where helpers.results_dir says (a scratch folder), never results/.
os.environ["MNIST_STRICT_CHECKS"] = "1"

project = "MNIST from scratch"
author = "mnist-from-scratch contributors"
copyright = "mnist-from-scratch contributors, MIT License"  # noqa: A001 (Sphinx's name)

extensions = [
    "myst_nb",
    "sphinx-mathjax-offline",  # MathJax served from _static/, never from a CDN
    "mnist_site",
]

# Pages: the landing page, the notation, benchmarks and drawing pages and every notebook.
root_doc = "docs/index"
include_patterns = [
    "docs/index.md",
    "docs/notation.md",
    "docs/benchmarks.md",
    "docs/draw.md",
    "notebooks/*.md",
]
# Paired .ipynb files are generated copies: each page is built from its .md source.
exclude_patterns = [
    "notebooks/*.ipynb",
    "**/.ipynb_checkpoints",
    ".*",
    "_build",
    "_data",
    "test-artifacts",
    "results",
    "src",
    "tests",
]
source_suffix = {".md": "myst-nb", ".ipynb": "myst-nb"}

# MyST: $...$ and $$...$$ math, ::: fences, and anchors for links to sections of other pages.
myst_enable_extensions = ["dollarmath", "amsmath", "colon_fence", "deflist"]
myst_heading_anchors = 3

# Execution: every notebook, cached, failing the build on any error.
nb_execution_mode = "cache"
nb_execution_timeout = 1800  # seconds per cell, as nbval's --nbval-cell-timeout
nb_execution_raise_on_error = True
nb_execution_show_tb = True
nb_execution_in_temp = False  # run in notebooks/, like JupyterLab and nbval
nb_merge_streams = True
# Widgets would load require.js and the widget manager from a CDN: none are used, load nothing.
nb_ipywidgets_js = {}

# HTML
html_theme = "sphinx_book_theme"
html_title = "MNIST from scratch"
html_static_path = ["_static"]
html_css_files = ["site.css"]
html_js_files = ["site.js"]
html_favicon = "_static/favicon.svg"
html_context = {"default_mode": "auto"}  # light or dark, as the reader's system prefers
html_copy_source = True  # _sources/ holds the .md of each page: the .md download
html_last_updated_fmt = None
html_theme_options = {
    "repository_url": REPOSITORY,
    "repository_branch": BRANCH,
    "path_to_docs": "",
    "use_repository_button": True,
    "use_source_button": True,
    "use_download_button": True,
    "use_fullscreen_button": False,
    "home_page_in_toc": True,
    "show_toc_level": 2,
    "launch_buttons": {
        "binderhub_url": BINDER,
        "colab_url": COLAB,
        "notebook_interface": "jupyterlab",
    },
}
