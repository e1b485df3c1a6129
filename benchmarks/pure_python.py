"""Pure Python against NumPy for the single-layer network of notebook 2.

Run: .venv/bin/python benchmarks/pure_python.py [--quick]
Prints microseconds per training image and writes benchmarks/results/pure_python.json.

Both ``train_pure`` (lists of lists) and ``train_numpy`` (a (784, 10) array) are notebook 2's
own (from ``mnist_course``), trained with the source's learning rate on raw pixel values for one
epoch, with one BLAS thread, from zero weights (the work of a step does not depend on the start).
The pure Python loop is slow, so it gets fewer images; the figure compared is the time per image.
The two end with the same weights (checked on the pure Python images).
"""

from __future__ import annotations

import sys

import common
import numpy as np

from mnist_course import train_numpy, train_pure

NAME = "pure_python"
FULL = {"pure_samples": 300, "numpy_samples": 3_000, "repeats": 3}
QUICK = {"pure_samples": 20, "numpy_samples": 100, "repeats": 1}
PURE, NUMPY = "pure Python", "NumPy"
#: The source's learning rate (notebook 2 uses it too); the time of a step does not depend on it.
LEARNING_RATE = 1e-7


def measure(sizes: dict) -> dict:
    """Check that both loops end with the same weights, then time them."""
    x_train, y_train, _, _ = common.load_data()
    samples = {PURE: sizes["pure_samples"], NUMPY: sizes["numpy_samples"]}
    pure_images, pure_labels = x_train[: samples[PURE]].tolist(), y_train[: samples[PURE]].tolist()
    numpy_images, numpy_labels = x_train[: samples[NUMPY]].astype(np.float64), y_train

    def pure(count=samples[PURE]):
        weights = [[0.0] * 10 for _ in range(784)]
        images, labels = pure_images[:count], pure_labels[:count]
        return train_pure(weights, images, labels, LEARNING_RATE, 1)

    def numpy(count=samples[NUMPY]):
        weights = np.zeros((784, 10))
        images, labels = numpy_images[:count], numpy_labels[:count]
        return train_numpy(weights, images, labels, LEARNING_RATE, 1)

    with common.blas_threads(1), common.quiet():
        difference = float(np.abs(np.array(pure()) - numpy(samples[PURE])).max())
        seconds = common.best_interleaved({PURE: pure, NUMPY: numpy}, sizes["repeats"])
    per_sample = {name: seconds[name] / samples[name] for name in seconds}
    rows = [
        {
            "loop": name,
            "samples": samples[name],
            "us_per_sample": per_sample[name] * 1e6,
            "vs_pure_python": per_sample[name] / per_sample[PURE],
        }
        for name in seconds
    ]
    return {
        "threads": 1,
        "repeats": sizes["repeats"],
        "learning_rate": LEARNING_RATE,
        "samples": samples,
        "seconds": seconds,
        "rows": rows,
        "max_weight_difference": difference,
    }


def targets(record: dict) -> list[dict]:
    """Return no target: the gap is there to be seen, not a goal."""
    return []


def report(record: dict) -> None:
    """Print the time per image of each loop."""
    common.print_table(
        f"Single-layer network 784-10, one image at a time, 1 BLAS thread, "
        f"best of {record['repeats']}",
        record["rows"],
        [
            ("loop", "loop", "s"),
            ("samples", "images", ","),
            ("us_per_sample", "us/sample", ".1f"),
            ("vs_pure_python", "/ pure Python", ".4f"),
        ],
    )
    print(
        f"  same weights after {record['samples'][PURE]} images: "
        f"max difference {record['max_weight_difference']:.1e}"
    )


if __name__ == "__main__":
    common.run(sys.modules[__name__])
