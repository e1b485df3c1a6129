"""Per-sample training loops: the source tutorial's, notebook 3's readable one, notebook 9's.

Run: .venv/bin/python benchmarks/per_sample.py [--quick]
Prints a table of microseconds per training image and writes benchmarks/results/per_sample.json.

Three loops train a 784-100-10 ReLU network with dropout, one image at a time, with BLAS limited
to one thread (a per-sample loop works on vectors far too small to share between cores). All
three are the notebooks' own code, imported from ``mnist_course`` (the cells the notebooks mark
``# @save``):

* **source**: ``train_epoch_per_image`` with ``gradients_source`` of
  notebooks/03-deep-learning-on-mnist.md, the training loop of NumPy's "Deep learning on MNIST"
  tutorial as published: float64, no biases, squared error, a dropout mask drawn for each image, a
  fresh array for every intermediate result, its bugs included (the ReLU derivative taken on the
  ReLU's output, the dropout factor 2 missing from the backward pass). It starts from the
  tutorial's initial weights, drawn here as notebook 3's ``train_like_source`` draws them.
* **notebook 3**: ``train_epoch`` of notebook 3, the course's readable loop, one NumPy line per
  formula: float32, biases, softmax and cross-entropy, dropout keeping each hidden unit with
  probability 0.8, from ``init_params`` and the order and masks of the first epoch of its ``fit``.
* **notebook 9**: ``fast_epoch`` of notebooks/09-make-training-fast.md, the same math as notebook
  3's loop written for speed: buffers allocated once and filled in place, the first layer's rows
  gathered only for the pixels that are not blank (``blank_free``, once per data set, not timed),
  and both rank-1 updates done in place by BLAS's ``ger``. Before it is timed, it is checked to end
  with notebook 3's parameters after the same steps, to float32 rounding.

Target: notebook 9's fast loop takes at most half the time of notebook 3's readable loop, both
timed in the same run.
"""

from __future__ import annotations

import sys

import common
import notebook_results
import numpy as np

import mnist_course

NAME = "per_sample"
FULL = {"samples": 5_000, "check_samples": 2_000, "repeats": 5}
QUICK = {"samples": 200, "check_samples": 100, "repeats": 1}
TARGET_TIME = 1 / 2  # notebook 9's time over notebook 3's
SOURCE, CORE, FAST = "source", "notebook 3", "notebook 9"
SOURCE_SEED, SOURCE_RATE = 884736743, 0.005  # the NumPy tutorial's, as in train_like_source
KEEP, HIDDEN = 0.8, 100  # notebook 3's fit defaults
TOLERANCE = 1e-5  # largest parameter difference, relative to the largest parameter


def source_start() -> tuple:
    """Draw the NumPy tutorial's initial weights as train_like_source does; return the generator."""
    rng = np.random.default_rng(SOURCE_SEED)
    w1 = 0.2 * rng.random((784, 100)) - 0.1
    w2 = 0.2 * rng.random((100, 10)) - 0.1
    return w1, w2, rng


def core_start(nb03, samples: int) -> tuple:
    """Notebook 3's initial parameters and the order and masks of its first epoch (as fit)."""
    rng = np.random.default_rng(nb03.SEED)
    params = nb03.init_params(rng, HIDDEN)
    order = rng.permutation(samples)
    masks = (rng.random((samples, HIDDEN), dtype=np.float32) < KEEP) / np.float32(KEEP)
    return params, order, masks


def check_same(nb03, nb09, images, labels) -> dict:
    """Train notebook 3's loop and notebook 9's from one start; return how far apart they end."""
    rate = np.float32(nb03.LEARNING_RATE)
    params, order, masks = core_start(nb03, len(images))
    nb03.train_epoch(params, images, labels, order, masks, rate, True)
    fast, order, masks = core_start(nb03, len(images))
    nb09.fast_epoch(fast, nb09.blank_free(images), labels, order, masks, rate)
    difference = max(float(np.abs(p - q).max()) for p, q in zip(params, fast, strict=True))
    largest = max(float(np.abs(p).max()) for p in params)
    return {
        "samples": len(images),
        "max_parameter_difference": difference,
        "max_parameter": largest,
        "same": bool(difference <= TOLERANCE * largest),
    }


def measure(sizes: dict) -> dict:
    """Check notebook 9's loop against notebook 3's, then time the three loops."""
    nb03 = nb09 = mnist_course  # notebook 3's and notebook 9's saved code
    samples = sizes["samples"]
    x_train, y_train, _, _ = common.load_data()
    images64 = x_train[:samples] / 255  # as the source prepares them
    one_hot64 = np.eye(10)[y_train[:samples]]
    images32 = x_train[:samples].astype(np.float32) / 255  # as notebook 3 prepares them
    labels = y_train[:samples].astype(np.intp)
    check = sizes["check_samples"]
    rate = np.float32(nb03.LEARNING_RATE)

    with common.blas_threads(1):
        same = check_same(nb03, nb09, images32[:check], labels[:check])
        prepared = nb09.blank_free(images32)  # once per data set, like the scaling to [0, 1]

        def run_source():
            w1, w2, rng = source_start()
            nb03.train_epoch_per_image(
                w1, w2, images64, one_hot64, rng, nb03.gradients_source, SOURCE_RATE
            )

        def run_core():
            params, order, masks = core_start(nb03, samples)
            nb03.train_epoch(params, images32, labels, order, masks, rate, True)

        def run_fast():
            params, order, masks = core_start(nb03, samples)
            nb09.fast_epoch(params, prepared, labels, order, masks, rate)

        contenders = {SOURCE: run_source, CORE: run_core, FAST: run_fast}
        seconds = common.best_interleaved(contenders, sizes["repeats"])

    rows = [
        {
            "loop": name,
            "us_per_sample": value / samples * 1e6,
            "seconds_per_60000": value / samples * 60_000,
            "vs_source": value / seconds[SOURCE],
            "vs_notebook_3": value / seconds[CORE],
        }
        for name, value in seconds.items()
    ]
    return {
        "threads": 1,
        "samples": samples,
        "repeats": sizes["repeats"],
        "seed": nb03.SEED,
        "learning_rate": nb03.LEARNING_RATE,
        "network": "784-100-10 ReLU, dropout: the source's (no biases, squared error, its bugs, "
        f"seed {SOURCE_SEED}) and notebook 3's (biases, softmax + cross-entropy, keep {KEEP})",
        "core_notebook": f"{notebook_results.CORE}.md train_epoch, the first epoch of fit",
        "seconds": seconds,
        "rows": rows,
        "equality_check": same,
    }


def targets(record: dict) -> list[dict]:
    """Return the targets: the fast loop's time over notebook 3's, and that it computes the same."""
    seconds = record["seconds"]
    return [
        common.target(
            "notebook 9's fast per-sample loop takes <= 1/2 of notebook 3's readable loop's time",
            seconds[FAST] / seconds[CORE],
            TARGET_TIME,
            "time of notebook 9's fast_epoch / time of notebook 3's train_epoch, the same math "
            "on the same images from the same start, one BLAS thread, measured in the same run: "
            "at most 1/2 means at least 2x faster",
        ),
        common.target(
            "notebook 9's fast loop computes notebook 3's parameters (1 = yes)",
            float(record["equality_check"]["same"]),
            1.0,
            "1 when fast_epoch ends with train_epoch's parameters after the same steps, to float32 "
            f"rounding (largest difference at most {TOLERANCE:g} of the largest parameter)",
            at_least=True,
        ),
    ]


def report(record: dict) -> None:
    """Print the table and the equality check."""
    common.print_table(
        f"Per-sample training, 784-100-10, 1 BLAS thread, first {record['samples']:,} training "
        f"images, best of {record['repeats']}",
        record["rows"],
        [
            ("loop", "loop", "s"),
            ("us_per_sample", "us/sample", ".1f"),
            ("seconds_per_60000", "s per 60,000", ".2f"),
            ("vs_source", "/ source", ".3f"),
            ("vs_notebook_3", "/ notebook 3", ".3f"),
        ],
    )
    same = record["equality_check"]
    print(
        f"  notebook 9 = notebook 3 after {same['samples']:,} steps: {same['same']} "
        f"(largest parameter difference {same['max_parameter_difference']:.1e}, "
        f"largest parameter {same['max_parameter']:.2f})"
    )


if __name__ == "__main__":
    common.run(sys.modules[__name__])
