"""What the tests of the "Draw a digit" pad and page share: the preprocessing and test networks.

``mnist_style`` (and ``area_weights``) are the notebook's own: the code cell of notebook 3 that
defines them.
The networks are small and trained here, seeded, in a few seconds: a network of notebook 3's
architecture (784-100-10, ReLU, softmax) and one of notebook 8's (two 5x5 convolutions), each
exported with ``helpers.export_network`` into a temporary folder.
"""

from __future__ import annotations

import re
from pathlib import Path

import numpy as np

import helpers

ROOT = Path(__file__).resolve().parents[1]
NOTEBOOK = "03-deep-learning-on-mnist"

MLP = [
    {"type": "dense", "name": "hidden"},
    {"type": "relu"},
    {"type": "dense", "name": "output"},
    {"type": "softmax"},
]
CNN = [
    {"type": "conv", "name": "conv1"},
    {"type": "maxpool"},
    {"type": "relu"},
    {"type": "conv", "name": "conv2"},
    {"type": "maxpool"},
    {"type": "relu"},
    {"type": "flatten"},
    {"type": "dense", "name": "dense1"},
    {"type": "relu"},
    {"type": "dense", "name": "dense2"},
    {"type": "softmax"},
]


def preprocessing_code() -> str:
    """The code cell of notebook 3 that defines ``mnist_style``."""
    path = ROOT / "notebooks" / f"{NOTEBOOK}.md"
    cells = re.findall(r"```\{code-cell\} ipython3\n(.*?)```", path.read_text(), re.S)
    found = [cell for cell in cells if "def mnist_style(" in cell]
    if not found:
        raise LookupError(f"no mnist_style in {NOTEBOOK}.md")
    return found[0]


def preprocessing() -> dict:
    """The namespace of that cell: ``mnist_style`` and ``area_weights``."""
    namespace = {"np": np}
    exec(preprocessing_code(), namespace)  # noqa: S102 (the notebook's own code)
    return namespace


def mnist_test_data(count: int = 200) -> tuple[np.ndarray, np.ndarray]:
    """The first ``count`` test images in [0, 1] (float64, row order) and their labels."""
    _, _, x_test, y_test = helpers.load_mnist()
    return x_test[:count] / 255, y_test[:count]


def train_mlp(seed: int = 0, epochs: int = 1) -> dict:
    """Notebook 3's architecture, trained briefly with mini-batch SGD: ``{name: (W, b)}``."""
    x_train, y_train, _, _ = helpers.load_mnist()
    x = x_train.astype(np.float32) / 255
    rng = np.random.default_rng(seed)
    W1 = rng.normal(0, np.sqrt(2 / 784), (784, 100)).astype(np.float32)
    W2 = rng.normal(0, np.sqrt(2 / 100), (100, 10)).astype(np.float32)
    b1, b2 = np.zeros(100, np.float32), np.zeros(10, np.float32)
    for _ in range(epochs):
        order = rng.permutation(len(x))
        for start in range(0, len(x), 64):
            batch = order[start : start + 64]
            xb, yb = x[batch], y_train[batch]
            h = np.maximum(xb @ W1 + b1, 0)
            scores = h @ W2 + b2
            p = np.exp(scores - scores.max(axis=1, keepdims=True))
            p /= p.sum(axis=1, keepdims=True)
            p[np.arange(len(yb)), yb] -= 1
            grad = p / len(yb)
            grad_h = (grad @ W2.T) * (h > 0)
            W2 -= 0.1 * h.T @ grad
            b2 -= 0.1 * grad.sum(axis=0)
            W1 -= 0.1 * xb.T @ grad_h
            b1 -= 0.1 * grad_h.sum(axis=0)
    return {"hidden": (W1, b1), "output": (W2, b2)}


def random_cnn(seed: int = 0) -> dict:
    """Notebook 8's architecture with He-scaled random weights and biases: ``{name: (W, b)}``."""
    rng = np.random.default_rng(seed)
    shapes = {
        "conv1": (5, 5, 1, 16),
        "conv2": (5, 5, 16, 32),
        "dense1": (512, 128),
        "dense2": (128, 10),
    }
    arrays = {}
    for name, shape in shapes.items():
        fan_in = int(np.prod(shape[:-1]))
        weights = rng.normal(0, np.sqrt(2 / fan_in), shape).astype(np.float32)
        arrays[name] = (weights, rng.normal(0, 0.1, shape[-1]).astype(np.float32))
    return arrays
