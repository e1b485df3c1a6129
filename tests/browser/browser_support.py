"""Helpers of the browser tests: finding the tools, skipping without them, watching pages.

The tests drive a real Chromium (``/usr/bin/chromium``, or ``$MNIST_CHROMIUM``) through
Playwright's Python client; they never download a browser (no ``playwright install``). When
Playwright or Chromium is missing, the tests that need them are skipped with a message saying
what to install, so a developer without a browser can still run everything else. CI sets
``MNIST_REQUIRE_BROWSER=1``, which turns those skips into failures.

Screenshots, logs and downloads go to ``test-artifacts/`` (git-ignored).
"""

from __future__ import annotations

import importlib.util
import os
import re
import socket
from dataclasses import dataclass, field
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
NOTEBOOKS = ROOT / "notebooks"
ARTIFACTS = ROOT / "test-artifacts"
REQUIRE_ENV = "MNIST_REQUIRE_BROWSER"
CHROMIUM = Path(os.environ.get("MNIST_CHROMIUM", "/usr/bin/chromium"))
CHROMIUM_ARGS = [
    "--disable-background-networking",
    "--no-sandbox",
    "--disable-dev-shm-usage",
    "--disable-component-update",
    "--disable-default-apps",
    "--disable-sync",
    "--no-first-run",
    "--disable-features=Translate,OptimizationHints,MediaRouter",
]
# Generous: CI machines are slow and busy (2 cores shared by the notebooks' kernels).
TIMEOUT_MS = 120_000


def notebook_paths() -> list[Path]:
    """The notebooks of the collection, as they are now (collected at test collection time)."""
    return sorted(NOTEBOOKS.glob("*.md"))


def unavailable(reason: str, install: str) -> None:
    """Skip a test whose tool is missing, or fail it when ``MNIST_REQUIRE_BROWSER=1``."""
    if os.environ.get(REQUIRE_ENV) == "1":
        pytest.fail(
            f"{reason} ({REQUIRE_ENV}=1 requires it); install it with: {install}", pytrace=False
        )
    pytest.skip(f"{reason}; install it with `{install}` (set {REQUIRE_ENV}=1 to fail instead)")


def require_modules(extra: str, *modules: str) -> None:
    """Skip (or fail, see :func:`unavailable`) unless every module can be imported."""
    missing = [m for m in modules if importlib.util.find_spec(m) is None]
    if missing:
        unavailable(f"{', '.join(missing)} not installed", f"pip install -e '.[{extra}]'")


def free_port() -> int:
    """A TCP port on the loopback interface that nothing listens on right now."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def slug(text: str) -> str:
    """A file name for a page or a notebook: ``notebooks/01-x`` -> ``notebooks-01-x``."""
    return re.sub(r"[^A-Za-z0-9.-]+", "-", text).strip("-") or "root"


@dataclass
class PageWatch:
    """What went wrong while a page was open: console errors, failed and foreign requests."""

    origin: str
    console_errors: list[str] = field(default_factory=list)
    page_errors: list[str] = field(default_factory=list)
    failed_requests: list[str] = field(default_factory=list)
    foreign_requests: list[str] = field(default_factory=list)

    def attach(self, context, page) -> None:
        """Record events of ``page``; block every request that leaves ``origin``."""

        def route(route):
            url = route.request.url
            if url.startswith(self.origin) or url.startswith(("data:", "blob:")):
                route.continue_()
            else:
                self.foreign_requests.append(url)
                route.abort()

        context.route("**/*", route)
        page.on("console", self._console)
        page.on("pageerror", lambda error: self.page_errors.append(str(error)))
        page.on("requestfailed", self._failed)
        page.on("response", self._response)

    def _console(self, message) -> None:
        if message.type == "error":
            self.console_errors.append(f"{message.text} ({message.location.get('url')})")

    def _response(self, response) -> None:
        if response.status >= 400:
            self.failed_requests.append(f"HTTP {response.status} {response.url}")

    def _failed(self, request) -> None:
        if request.url not in self.foreign_requests:  # reported as foreign already
            self.failed_requests.append(f"{request.failure} {request.url}")

    def problems(self) -> dict[str, list[str]]:
        """Every non-empty list of problems, by kind."""
        found = {
            "console errors": self.console_errors,
            "page errors": self.page_errors,
            "failed requests": self.failed_requests,
            "requests leaving the site (a CDN?)": self.foreign_requests,
        }
        return {kind: items for kind, items in found.items() if items}
