"""The site's "Draw a digit" page, and the drawing pad of the notebooks in JupyterLab.

The page is the built site's (``docs/draw.md``, ``_static/draw.js``). Its networks, in most tests,
are exported here by ``helpers.export_network`` (a network of notebook 3's architecture trained for
one epoch, seeded, and one of notebook 8's with random weights) and served in place of the site's
``networks/`` folder, so that the tests do not depend on how well the notebooks trained theirs.
One test checks the networks the site build copied from the notebooks' run, when it has them.
(The name differs from tests/test_draw.py: pytest imports test files by their base name.)
"""

from __future__ import annotations

import json
import mimetypes
import os
import sys
from pathlib import Path

import numpy as np
import pytest
from browser_support import REQUIRE_ENV, ROOT
from test_jupyterlab import lab, notebook_page  # noqa: F401 (fixtures)
from test_site import site, site_url  # noqa: F401 (fixtures)

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))  # tests/: draw_support
from draw_support import (  # noqa: E402
    CNN,
    MLP,
    mnist_test_data,
    preprocessing,
    preprocessing_code,
    random_cnn,
    train_mlp,
)

import helpers  # noqa: E402

pytestmark = [pytest.mark.browser, pytest.mark.docs]

PAGE = "docs/draw.html"
SCREENS = {"laptop": {"width": 1280, "height": 800}, "phone": {"width": 390, "height": 844}}
VERTICAL = [(140, 40 + 10 * i) for i in range(21)]  # a stroke down the middle of the pad
SEVEN = [(70, 60), (200, 60), (170, 130), (140, 200), (120, 250)]


@pytest.fixture(scope="module")
def networks(tmp_path_factory) -> Path:
    folder = tmp_path_factory.mktemp("networks")
    helpers.export_network("mlp", MLP, train_mlp(seed=0, epochs=1), "784-100-10, 1 epoch", folder)
    helpers.export_network("cnn", CNN, random_cnn(seed=0), "LeNet-like, random weights", folder)
    return folder


def open_page(new_page, site_url, networks=None, **options):  # noqa: F811
    page, watch = new_page(site_url, **options)
    if networks is not None:  # the test's networks instead of the site's

        def serve(route):
            path = networks / route.request.url.split("/networks/", 1)[1]
            if path.is_file():
                kind = mimetypes.guess_type(path.name)[0] or "application/octet-stream"
                route.fulfill(status=200, body=path.read_bytes(), content_type=kind)
            else:
                route.fulfill(status=404, body="")

        page.route(f"{site_url}networks/**", serve)
    page.goto(site_url + PAGE, wait_until="load")
    page.evaluate("() => window.mnistDemo.ready")
    return page, watch


def choose(page, model: str) -> None:
    page.select_option(".mnist-draw-model", model)


def stroke(page, points) -> None:
    """Draw a stroke with the mouse through points given in the pad's own pixels (280x280)."""
    box = page.locator(".mnist-draw-canvas").bounding_box()
    scale = box["width"] / 280

    def at(x, y):
        return box["x"] + x * scale, box["y"] + y * scale

    page.mouse.move(*at(*points[0]))
    page.mouse.down()
    for point in points[1:]:
        page.mouse.move(*at(*point), steps=3)
    page.mouse.up()


def shown(page) -> dict:
    page.evaluate("() => new Promise((done) => requestAnimationFrame(() => setTimeout(done, 50)))")
    return page.evaluate(
        """() => ({
          probabilities: Array.from(document.querySelectorAll(".mnist-draw-bar"))
            .map((bar) => Number(bar.dataset.probability)),
          guess: document.querySelector(".mnist-draw-guess").textContent,
          digit: Number(document.querySelector(".mnist-draw-guess").dataset.digit),
          ink: Array.from(document.querySelector(".mnist-draw-input").getContext("2d")
            .getImageData(0, 0, 28, 28).data).filter((v, i) => i % 4 === 0 && v < 255).length,
        })"""
    )


def test_drawing_a_stroke_updates_the_prediction(new_page, site_url, networks):  # noqa: F811
    page, watch = open_page(new_page, site_url, networks)
    assert page.evaluate("() => window.mnistDemo.models") == ["cnn", "mlp"]
    choose(page, "mlp")
    before = shown(page)
    assert before["ink"] == 0 and not any(before["probabilities"])
    stroke(page, SEVEN[:2])
    first = shown(page)
    assert first["ink"] > 0 and abs(sum(first["probabilities"]) - 1) < 1e-6, first
    stroke(page, SEVEN[1:])
    second = shown(page)
    assert second["probabilities"] != first["probabilities"]
    assert second["guess"].startswith("The MLP reads a ")
    page.click(".mnist-draw-clear")
    assert shown(page)["ink"] == 0
    assert not watch.problems(), watch.problems()


def test_a_vertical_stroke_reads_as_1(new_page, site_url, networks):  # noqa: F811
    page, _ = open_page(new_page, site_url, networks)
    choose(page, "mlp")
    stroke(page, VERTICAL)
    result = shown(page)
    assert result["digit"] == 1, result


def test_probabilities_match_numpy_for_200_test_images(new_page, site_url, networks, artifacts):  # noqa: F811
    images, labels = mnist_test_data(200)
    page, _ = open_page(new_page, site_url, networks)
    report = {}
    for name in ("mlp", "cnn"):
        in_browser = np.array(
            page.evaluate(
                "([images, name]) => images.map((x) => window.mnistDemo.predict(x, name))",
                [images.tolist(), name],
            )
        )
        numpy = helpers.run_network(*helpers.load_network(name, networks), images)
        gap = float(np.abs(in_browser - numpy).max())
        accuracy = float(np.mean(in_browser.argmax(axis=1) == labels))
        report[name] = {"max_abs_difference": gap, "accuracy_on_200": accuracy}
        assert gap < 1e-4, (name, gap)
    (artifacts / "draw-agreement.json").write_text(json.dumps(report, indent=2))
    assert report["mlp"]["accuracy_on_200"] > 0.85


def test_the_page_preprocesses_drawings_like_mnist_style(new_page, site_url, networks):  # noqa: F811
    mnist_style = preprocessing()["mnist_style"]
    images, _ = mnist_test_data(5)
    places = [(250, 10, 20), (120, 140, 10), (90, 0, 190), (280, 0, 0), (60, 200, 200)]
    drawings = [helpers.drawing_from(im, *place) for im, place in zip(images, places, strict=True)]
    drawings.append(np.pad(np.ones((200, 3)), ((40, 40), (140, 137))))  # a thin vertical line
    page, _ = open_page(new_page, site_url, networks)
    for drawing in drawings:
        in_browser = page.evaluate(
            "(d) => Array.from(window.mnistDemo.preprocess(d, 280))", drawing.ravel().tolist()
        )
        expected = mnist_style(drawing)
        np.testing.assert_allclose(np.reshape(in_browser, (28, 28)), expected, atol=1e-9)


def test_the_page_makes_no_request_outside_the_site(new_page, site_url, networks):  # noqa: F811
    page, watch = open_page(new_page, site_url, networks)
    stroke(page, SEVEN)
    choose(page, "cnn")
    shown(page)
    assert not watch.foreign_requests, watch.foreign_requests
    assert not watch.problems(), watch.problems()


@pytest.mark.parametrize("screen", SCREENS)
def test_screenshots_with_mouse_and_touch(new_page, site_url, networks, artifacts, screen):  # noqa: F811
    # Opened at its size (a reload would cut the first load's favicon request short).
    page, watch = open_page(new_page, site_url, networks, has_touch=True, viewport=SCREENS[screen])
    choose(page, "mlp")
    page.locator(".mnist-draw-canvas").scroll_into_view_if_needed()
    if screen == "phone":  # a finger: touch events, which Chromium turns into pointer events
        box = page.locator(".mnist-draw-canvas").bounding_box()
        scale = box["width"] / 280
        cdp = page.context.new_cdp_session(page)
        for kind, points in [("touchStart", VERTICAL[:1]), *[("touchMove", [p]) for p in VERTICAL]]:
            touch = [{"x": box["x"] + x * scale, "y": box["y"] + y * scale} for x, y in points]
            cdp.send("Input.dispatchTouchEvent", {"type": kind, "touchPoints": touch})
        cdp.send("Input.dispatchTouchEvent", {"type": "touchEnd", "touchPoints": []})
    else:
        stroke(page, VERTICAL)
    result = shown(page)
    (artifacts / "site").mkdir(exist_ok=True)
    page.screenshot(path=artifacts / "site" / f"draw-{screen}.png")
    assert result["ink"] > 0 and result["digit"] == 1, result
    width = page.evaluate("() => document.documentElement.scrollWidth")
    assert width <= SCREENS[screen]["width"], f"the page scrolls sideways at {screen} size"
    assert not watch.problems(), watch.problems()


def test_the_site_runs_the_networks_the_notebooks_exported(new_page, site, site_url, artifacts):  # noqa: F811,E501
    folder = site / "networks"
    if not (folder / "index.json").is_file():
        message = (
            "the built site has no networks/ (no notebook exported one with "
            "helpers.export_network before the build)"
        )
        if os.environ.get(REQUIRE_ENV) == "1":
            pytest.fail(f"{message}; {REQUIRE_ENV}=1 requires them", pytrace=False)
        pytest.skip(message)
    images, labels = mnist_test_data(200)
    page, watch = open_page(new_page, site_url)
    models = page.evaluate("() => window.mnistDemo.models")
    assert "mlp" in models, models
    measured = {}
    for name in models:
        in_browser = np.array(
            page.evaluate(
                "([images, name]) => images.map((x) => window.mnistDemo.predict(x, name))",
                [images.tolist(), name],
            )
        )
        numpy = helpers.run_network(*helpers.load_network(name, folder), images)
        accuracy = float(np.mean(in_browser.argmax(axis=1) == labels))
        gap = float(np.abs(in_browser - numpy).max())
        measured[name] = {"accuracy_on_200_test_images": accuracy, "max_abs_difference": gap}
        (artifacts / "draw-site-networks.json").write_text(json.dumps(measured, indent=1))
        assert gap < 1e-4, name
        assert accuracy > 0.9, name
    assert not watch.problems(), watch.problems()


SCRATCH = "_draw-pad-scratch"
SCRATCH_NOTEBOOK = """---
jupytext:
  text_representation:
    extension: .md
    format_name: myst
kernelspec:
  display_name: Python 3 (ipykernel)
  language: python
  name: python3
---

```{{code-cell}} ipython3
import helpers

network = helpers.load_network("mlp", {folder!r})
```

```{{code-cell}} ipython3
exec(open({preprocessing!r}).read())
pad = helpers.digit_pad(lambda image: helpers.run_network(*network, image[None])[0], mnist_style)
pad
```
"""


def test_the_pad_reads_a_stroke_drawn_in_jupyterlab(lab, notebook_page, networks, artifacts):  # noqa: F811
    source = ROOT / "notebooks" / f"{SCRATCH}.md"
    code = artifacts / "draw-preprocessing.py"
    code.write_text("import numpy as np\n\n" + preprocessing_code())
    source.write_text(SCRATCH_NOTEBOOK.format(folder=str(networks), preprocessing=str(code)))
    try:
        page, _ = notebook_page(SCRATCH)
        page.locator(".jp-NotebookPanel .jp-CodeCell").first.locator(".jp-InputArea-prompt").click()
        page.keyboard.press("Shift+Enter")
        page.keyboard.press("Shift+Enter")
        canvas = page.locator(".mnist-pad-canvas")
        canvas.wait_for()
        box = canvas.bounding_box()
        page.mouse.move(box["x"] + box["width"] / 2, box["y"] + 0.15 * box["height"])
        page.mouse.down()
        for step in range(1, 11):
            y = box["y"] + (0.15 + 0.07 * step) * box["height"]
            page.mouse.move(box["x"] + box["width"] / 2, y, steps=2)
        page.mouse.up()
        page.locator(".mnist-pad-best").wait_for()
        probabilities = page.evaluate(
            """() => Array.from(document.querySelectorAll(".mnist-pad-bar"))
                .map((bar) => Number(bar.dataset.probability))"""
        )
        (artifacts / "jupyterlab").mkdir(exist_ok=True)
        page.screenshot(path=artifacts / "jupyterlab" / "draw-pad.png")
        assert abs(sum(probabilities) - 1) < 1e-6
        assert int(np.argmax(probabilities)) == 1, probabilities
        assert page.locator(".mnist-pad-status").inner_text() == ""
    finally:
        source.unlink(missing_ok=True)
        (ROOT / "notebooks" / f"{SCRATCH}.ipynb").unlink(missing_ok=True)
