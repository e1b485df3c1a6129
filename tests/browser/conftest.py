"""Fixtures of the browser tests: Debian's Chromium driven by Playwright (see browser_support)."""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path

import pytest
from browser_support import (
    ARTIFACTS,
    CHROMIUM,
    CHROMIUM_ARGS,
    TIMEOUT_MS,
    PageWatch,
    require_modules,
    unavailable,
)


@pytest.fixture(scope="session")
def artifacts() -> Path:
    """``test-artifacts/``: screenshots, logs and downloads of the browser tests."""
    ARTIFACTS.mkdir(exist_ok=True)
    return ARTIFACTS


@pytest.fixture(scope="session")
def browser():
    """A headless Chromium (Debian's), launched once for the session."""
    require_modules("browser", "playwright")
    if not (CHROMIUM.is_file() and os.access(CHROMIUM, os.X_OK)):
        unavailable(f"Chromium not found at {CHROMIUM}", "apt-get install chromium")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        chromium = playwright.chromium.launch(
            executable_path=str(CHROMIUM), headless=True, args=CHROMIUM_ARGS
        )
        try:
            yield chromium
        finally:
            chromium.close()


@pytest.fixture
def new_page(browser, artifacts) -> Iterator:
    """Make pages in fresh browser contexts, each watched by a :class:`PageWatch`."""
    contexts = []

    def make(origin: str, **options):
        options = {"viewport": {"width": 1280, "height": 900}, "accept_downloads": True, **options}
        context = browser.new_context(**options)
        context.set_default_timeout(TIMEOUT_MS)
        contexts.append(context)
        page = context.new_page()
        watch = PageWatch(origin)
        watch.attach(context, page)
        return page, watch

    try:
        yield make
    finally:
        for context in contexts:
            context.close()
