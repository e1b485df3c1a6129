"""The "Draw a digit" plumbing: the export format, the notebook's preprocessing, the pad."""

import json

import numpy as np
import pytest
from draw_support import CNN, MLP, mnist_test_data, preprocessing, random_cnn, train_mlp

import helpers


@pytest.fixture(scope="module")
def mnist_style():
    return preprocessing()["mnist_style"]


def random_mlp(seed=0):
    rng = np.random.default_rng(seed)
    return {
        "hidden": (rng.normal(size=(784, 100)), rng.normal(size=100)),
        "output": (rng.normal(size=(100, 10)), rng.normal(size=10)),
    }


def test_export_and_load_round_trip_in_float32_without_pickle(tmp_path):
    arrays = random_mlp()
    path = helpers.export_network("mlp", MLP, arrays, "a test", folder=tmp_path)
    assert sorted(p.name for p in tmp_path.iterdir()) == ["index.json", "mlp.bin", "mlp.json"]
    description = json.loads(path.read_text())
    assert description["dtype"] == "<f4" and description["input_shape"] == [784]
    assert description["parameters"] == 784 * 100 + 100 + 100 * 10 + 10
    assert (tmp_path / "mlp.bin").stat().st_size == 4 * description["parameters"]
    assert b"\x80\x04" not in (tmp_path / "mlp.bin").read_bytes()[:2]  # no pickle header
    architecture, loaded = helpers.load_network("mlp", folder=tmp_path)
    assert architecture == MLP
    for name, (weights, biases) in arrays.items():
        assert loaded[name][0].dtype == np.float32
        np.testing.assert_array_equal(loaded[name][0], weights.astype(np.float32))
        np.testing.assert_array_equal(loaded[name][1], biases.astype(np.float32))
    index = json.loads((tmp_path / "index.json").read_text())
    assert [n["name"] for n in index["networks"]] == ["mlp"]


def test_the_index_lists_every_exported_network(tmp_path):
    helpers.export_network("mlp", MLP, random_mlp(), folder=tmp_path)
    helpers.export_network("cnn", CNN, random_cnn(), folder=tmp_path)
    index = json.loads((tmp_path / "index.json").read_text())
    assert [(n["name"], n["parameters"]) for n in index["networks"]] == [
        ("cnn", 80_202),
        ("mlp", 79_510),
    ]
    assert json.loads((tmp_path / "cnn.json").read_text())["input_shape"] == [28, 28, 1]


def test_run_network_is_the_mlp_and_the_cnn_of_the_notebooks():
    images, _ = mnist_test_data(5)
    arrays = random_mlp()
    (W1, b1), (W2, b2) = arrays["hidden"], arrays["output"]
    scores = np.maximum(images @ W1 + b1, 0) @ W2 + b2
    expected = np.exp(scores - scores.max(axis=1, keepdims=True))
    expected /= expected.sum(axis=1, keepdims=True)
    np.testing.assert_allclose(helpers.run_network(MLP, arrays, images), expected, atol=1e-12)

    # The CNN, with loops over positions: conv, pool, relu, conv, pool, relu, flatten (HWC), ...
    cnn = {k: (w.astype(np.float64), b.astype(np.float64)) for k, (w, b) in random_cnn().items()}

    def conv(x, w, b):
        k = w.shape[0]
        out = np.zeros((x.shape[0] - k + 1, x.shape[1] - k + 1, w.shape[3]))
        for i in range(out.shape[0]):
            for j in range(out.shape[1]):
                out[i, j] = np.tensordot(x[i : i + k, j : j + k], w, axes=3) + b
        return out

    def pool(x):
        return x.reshape(x.shape[0] // 2, 2, x.shape[1] // 2, 2, -1).max(axis=(1, 3))

    image = images[0].reshape(28, 28, 1)
    h = np.maximum(pool(conv(image, *cnn["conv1"])), 0)
    h = np.maximum(pool(conv(h, *cnn["conv2"])), 0).reshape(-1)
    scores = np.maximum(h @ cnn["dense1"][0] + cnn["dense1"][1], 0) @ cnn["dense2"][0]
    scores += cnn["dense2"][1]
    expected = np.exp(scores - scores.max()) / np.exp(scores - scores.max()).sum()
    np.testing.assert_allclose(helpers.run_network(CNN, cnn, images[:1])[0], expected, atol=1e-10)


@pytest.mark.parametrize(
    "architecture, problem",
    [
        (MLP[:-1], "last layer must be"),
        ([{"type": "dense", "name": "nope"}, {"type": "softmax"}], "no arrays"),
        ([{"type": "pool"}, {"type": "softmax"}], "unknown layer type"),
    ],
)
def test_export_refuses_what_the_page_could_not_run(tmp_path, architecture, problem):
    with pytest.raises(ValueError, match=problem):
        helpers.export_network("mlp", architecture, random_mlp(), folder=tmp_path)


def test_export_refuses_arrays_that_do_not_chain(tmp_path):
    arrays = random_mlp()
    arrays["output"] = (np.zeros((99, 10)), np.zeros(10))
    with pytest.raises(ValueError):
        helpers.export_network("mlp", MLP, arrays, folder=tmp_path)


def test_mnist_style_fits_20x20_and_centres_the_mass(mnist_style):
    drawing = np.zeros((280, 280))
    drawing[30:130, 200:240] = 1  # a tall bar, top right
    image = mnist_style(drawing)
    assert image.shape == (28, 28) and image.min() >= 0 and image.max() <= 1
    rows = np.flatnonzero(image.max(axis=1) > 0)
    columns = np.flatnonzero(image.max(axis=0) > 0)
    assert len(rows) == 20 and len(columns) == 8  # 100x40 -> 20x8, proportions kept
    centre = [np.arange(28) @ image.sum(axis=a) / image.sum() for a in (1, 0)]
    np.testing.assert_allclose(centre, [14.0, 14.0], atol=0.5)  # notebook 3's MNIST_CENTRE
    np.testing.assert_allclose(image.sum(), 20 * 8)  # area averaging keeps the ink
    assert not mnist_style(np.zeros((280, 280))).any()


def test_mnist_style_reads_test_digits_drawn_anywhere_like_the_originals(mnist_style):
    images, labels = mnist_test_data(300)
    arrays = train_mlp(epochs=1)
    rng = np.random.default_rng(1)
    on_pad = []
    for image in images:
        height = int(rng.integers(80, 281))
        top, left = (int(v) for v in rng.integers(0, 281 - height, size=2))
        on_pad.append(mnist_style(helpers.drawing_from(image, height, top, left)))
    original = helpers.run_network(MLP, arrays, images).argmax(axis=1)
    redrawn = helpers.run_network(MLP, arrays, np.array(on_pad)).argmax(axis=1)
    assert np.mean(original == labels) > 0.9
    assert np.mean(redrawn == labels) > np.mean(original == labels) - 0.08  # measured: 5 points


def test_the_pad_runs_preprocess_then_predict_on_each_drawing(mnist_style):
    pytest.importorskip("anywidget")
    seen = []

    def predict(image):
        seen.append(image)
        return np.full(10, 0.1)

    pad = helpers.digit_pad(predict, mnist_style, size=280)
    drawing = np.zeros((280, 280), np.uint8)
    drawing[40:240, 130:150] = 255  # a vertical stroke
    pad.drawing = drawing.tobytes()
    assert len(seen) == 1 and seen[0].shape == (28, 28)
    np.testing.assert_allclose(np.array(pad.image).reshape(28, 28), mnist_style(drawing / 255))
    assert pad.probabilities == [0.1] * 10 and pad.status == ""

    pad.predict = lambda image: 1 / 0
    pad.drawing = np.zeros((280, 280), np.uint8).tobytes()
    assert pad.status.startswith("ZeroDivisionError")
