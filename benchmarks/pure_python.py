"""Pure Python against NumPy for the single-layer network of notebook 02.

Run: .venv/bin/python benchmarks/pure_python.py
Prints microseconds per training image and writes benchmarks/results/pure_python.json.

Both ``train_pure`` (lists of lists) and ``train_numpy`` (a (10, 784) array) are loaded from
notebooks/02-from-pure-python-to-numpy.md and trained from the notebook's start (row k of the
weights filled with k / 10000, learning rate 1e-7, raw pixel values) for one epoch, with one BLAS
thread. The pure Python loop is slow, so it gets fewer images; the figure compared is the time
per image. The two end with the same weights (checked on the pure Python images).
"""

from __future__ import annotations

import common
import numpy as np

PURE_SAMPLES = 300  # images for the pure Python loop
NUMPY_SAMPLES = 3_000  # images for the NumPy loop
REPEATS = 3
ALPHA = 1e-7  # notebook 02's learning rate


def main() -> dict | None:
    """Time both loops; return the JSON record (None when notebook 02 is missing)."""
    loops, why = common.try_load("02-from-pure-python-to-numpy", "train_pure", "train_numpy")
    if loops is None:
        print(f"\nPure Python vs NumPy skipped: {why}")
        return None
    train_pure, train_numpy = loops
    x_train, y_train, _, _ = common.load_data()
    pure_images = x_train[:PURE_SAMPLES].tolist()
    pure_labels = y_train[:PURE_SAMPLES].tolist()
    numpy_images = x_train[:NUMPY_SAMPLES].astype(np.float64)
    numpy_labels = y_train[:NUMPY_SAMPLES]

    def pure_weights():
        return [[k / 10000] * 784 for k in range(10)]

    def numpy_weights():
        return np.repeat(np.arange(10.0)[:, None] / 10000, 784, axis=1)

    with common.blas_threads(1), common.quiet():
        same_pure = train_pure(pure_weights(), pure_images, pure_labels, ALPHA, 1)
        same_numpy = train_numpy(
            numpy_weights(), numpy_images[:PURE_SAMPLES], numpy_labels[:PURE_SAMPLES], ALPHA, 1
        )
        difference = float(np.abs(np.array(same_pure) - same_numpy).max())
        seconds = common.best_interleaved(
            {
                "pure Python": lambda: train_pure(
                    pure_weights(), pure_images, pure_labels, ALPHA, 1
                ),
                "NumPy": lambda: train_numpy(numpy_weights(), numpy_images, numpy_labels, ALPHA, 1),
            },
            REPEATS,
        )
    samples = {"pure Python": PURE_SAMPLES, "NumPy": NUMPY_SAMPLES}
    per_sample = {name: seconds[name] / samples[name] for name in seconds}
    rows = [
        {
            "loop": name,
            "samples": samples[name],
            "us_per_sample": per_sample[name] * 1e6,
            "speedup": per_sample["pure Python"] / per_sample[name],
        }
        for name in seconds
    ]
    common.print_table(
        f"Single-layer network 784-10, one image at a time, 1 BLAS thread, best of {REPEATS}",
        rows,
        [
            ("loop", "loop", "s"),
            ("samples", "images", ","),
            ("us_per_sample", "us/sample", ".1f"),
            ("speedup", "speed-up", ".1f"),
        ],
    )
    print(f"  same weights after {PURE_SAMPLES} images: max difference {difference:.1e}")
    record = {
        "threads": 1,
        "repeats": REPEATS,
        "alpha": ALPHA,
        "samples": samples,
        "seconds": seconds,
        "rows": rows,
        "max_weight_difference": difference,
    }
    common.write_json("pure_python", record)
    return record


if __name__ == "__main__":
    main()
