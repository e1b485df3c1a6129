"""Per-sample training loops: the source tutorial's, the core notebook's, and an optimised one.

Run: .venv/bin/python benchmarks/per_sample.py
Prints a table of microseconds per training image and writes benchmarks/results/per_sample.json.

Three loops train a 784-100-10 ReLU network with dropout, one image at a time, with BLAS limited
to one thread (a per-sample loop works on vectors far too small to share between cores):

* **source**: the training loop of NumPy's "Deep learning on MNIST" tutorial
  (numpy.org/numpy-tutorials/content/tutorial-deep-learning-on-mnist.html), the code this project
  starts from, re-implemented line for line: float64, a fresh array for every intermediate result,
  a dropout mask drawn for each image, full outer-product updates. Its math is kept as published,
  bugs included (the ReLU derivative taken on the ReLU's output, so always 1, and the dropout
  factor 2 missing from the backward pass), because it is the thing being measured.
* **core notebook**: ``train_epoch`` of notebooks/03-deep-learning-on-mnist.md, loaded from the
  notebook itself, timed the way its ``fit`` times an epoch (drawing the order and the masks
  included). Its math is the corrected one, with biases, so it is timed but not compared for
  equality.
* **optimised**: the source's math, exactly, written for speed: float32, preallocated buffers
  filled with ``out=``, all dropout masks drawn in one call per epoch (the same random numbers,
  in the same order), the learning rate folded into the small vectors, and the rank-1 update of
  the first layer applied only to the rows of pixels that are not blank (a blank pixel's row would
  get zero added). Before it is timed, it is checked to give the same weights, loss and accuracy
  as the source after the same steps: exactly (to rounding) in float64, and to float32 rounding
  in float32.

Target: the optimised loop at least 6 times faster than the source loop.
"""

from __future__ import annotations

import time

import common
import numpy as np
from notebook_code import try_load

SAMPLES = 5_000  # training images per timed run (the first ones of the training set)
CHECK_SAMPLES = 2_000  # images trained by both loops for the equality check
REPEATS = 3
SEED = 884736743  # the source tutorial's seed
LEARNING_RATE = 0.005  # the source tutorial's
HIDDEN = 100
TARGET_SPEEDUP = 6.0


# --------------------------------------------------------------------------
# The source tutorial's loop, as published (weights are 784 x 100 and 100 x 10).
# --------------------------------------------------------------------------


def relu(x):
    """Return the source's ReLU of x."""
    return (x >= 0) * x


def relu2deriv(output):
    """Return the source's ReLU derivative (of the output, hence always 1)."""
    return output >= 0


def source_init(seed=SEED):
    """Return the source's initial weights and random generator, drawn in its order."""
    rng = np.random.default_rng(seed)
    weights_1 = 0.2 * rng.random((784, HIDDEN)) - 0.1
    weights_2 = 0.2 * rng.random((HIDDEN, 10)) - 0.1
    return weights_1, weights_2, rng


def source_epoch(weights_1, weights_2, training_images, training_labels, rng):
    """One epoch of the source's training loop; returns its loss sum and correct count."""
    learning_rate = LEARNING_RATE
    training_loss = 0.0
    training_accurate_predictions = 0
    for i in range(len(training_images)):
        layer_0 = training_images[i]
        layer_1 = np.dot(layer_0, weights_1)
        layer_1 = relu(layer_1)
        dropout_mask = rng.integers(low=0, high=2, size=layer_1.shape)
        layer_1 *= dropout_mask * 2
        layer_2 = np.dot(layer_1, weights_2)
        training_loss += np.sum((training_labels[i] - layer_2) ** 2)
        training_accurate_predictions += int(np.argmax(layer_2) == np.argmax(training_labels[i]))
        layer_2_delta = training_labels[i] - layer_2
        layer_1_delta = np.dot(weights_2, layer_2_delta) * relu2deriv(layer_1)
        layer_1_delta *= dropout_mask
        weights_1 += learning_rate * np.outer(layer_0, layer_1_delta)
        weights_2 += learning_rate * np.outer(layer_1, layer_2_delta)
    return training_loss, training_accurate_predictions


# --------------------------------------------------------------------------
# The same math, optimised.
# --------------------------------------------------------------------------


def blank_free(images):
    """Prepare a data set for :func:`optimised_epoch`, once (like scaling it to [0, 1]).

    Returns, for each image, the indices of its non-blank pixels, their values, and the same
    values as a column (an (n, 1) view, for broadcasting).
    """
    image_of, pixel = np.nonzero(images)
    ends = np.cumsum(np.bincount(image_of, minlength=len(images))).tolist()
    value = images[image_of, pixel]
    column = value[:, None]
    spans = list(zip([0] + ends[:-1], ends, strict=True))
    return (
        [pixel[a:b] for a, b in spans],
        [value[a:b] for a, b in spans],
        [column[a:b] for a, b in spans],
    )


def optimised_epoch(
    weights_1, weights_2, images, labels, rng, learning_rate=LEARNING_RATE, prepared=None
):
    """One epoch of the source's math, fast. ``images`` are in the weights' dtype.

    ``prepared`` is ``blank_free(images)``, computed here when not given. Returns the loss sum
    and the correct count, like :func:`source_epoch`.
    """
    dtype = weights_1.dtype
    n, hidden = len(images), weights_1.shape[1]
    keep = rng.integers(low=0, high=2, size=(n, hidden))  # the source's draws, in one call
    doubled = (2 * keep).astype(dtype)  # forward: dropout keeps units doubled
    kept = keep.astype(dtype)  # backward: the source multiplies by the 0/1 mask only
    rate = dtype.type(learning_rate)
    targets = np.eye(10, dtype=dtype)[labels]
    pixels, values, columns = prepared if prepared is not None else blank_free(images)
    h = np.empty(hidden, dtype)
    h_column = h[:, None]  # a view of h as a column, for the outer product by broadcasting
    delta_1 = np.empty(hidden, dtype)
    delta_2 = np.empty(10, dtype)
    scores = np.empty((n, 10), dtype)  # kept for the loss and accuracy, computed at the end
    for nz, x_nz, x_column, y, s, m2, m in zip(
        pixels, values, columns, targets, scores, doubled, kept, strict=True
    ):
        rows = weights_1[nz]  # the rows of W1 this image touches (x is 0 elsewhere)
        np.dot(x_nz, rows, out=h)  # forward
        np.maximum(h, 0, out=h)
        h *= m2
        np.dot(h, weights_2, out=s)
        np.subtract(y, s, out=delta_2)  # y - scores, as the source
        delta_2 *= rate  # the learning rate, folded into the small vector
        np.dot(weights_2, delta_2, out=delta_1)  # backward: the source's derivative is 1
        delta_1 *= m
        rows += x_column * delta_1  # rank-1 update of the touched rows only
        weights_1[nz] = rows
        weights_2 += h_column * delta_2  # rank-1 update of W2
    loss = np.sum((targets.astype(np.float64) - scores) ** 2)
    correct = np.count_nonzero(scores.argmax(axis=1) == labels)
    return float(loss), int(correct)


# --------------------------------------------------------------------------
# Measurements
# --------------------------------------------------------------------------


def check_same(images, labels):
    """Train both loops on the same images from the same start; return how far apart they end."""
    one_hot = np.eye(10)[labels]
    w1, w2, rng = source_init()
    start_1, start_2 = w1.copy(), w2.copy()
    source_out = source_epoch(w1, w2, images, one_hot, rng)
    report = {"samples": len(images)}
    for dtype in (np.float64, np.float32):
        o1, o2 = start_1.astype(dtype), start_2.astype(dtype)
        _, _, rng = source_init()
        out = optimised_epoch(o1, o2, images.astype(dtype), labels, rng)
        scale = max(np.abs(w1).max(), np.abs(w2).max())
        report[np.dtype(dtype).name] = {
            "max_weight_difference": float(max(np.abs(o1 - w1).max(), np.abs(o2 - w2).max())),
            "max_weight": float(scale),
            "loss_relative_difference": abs(out[0] - source_out[0]) / source_out[0],
            "same_correct_count": out[1] == source_out[1],
        }
    exact, single = report["float64"], report["float32"]
    report["same"] = bool(
        exact["max_weight_difference"] <= 1e-12 * exact["max_weight"]
        and exact["loss_relative_difference"] < 1e-12
        and exact["same_correct_count"]
        and single["max_weight_difference"] <= 1e-4 * single["max_weight"]
        and single["loss_relative_difference"] < 1e-4
    )
    return report


def main() -> dict:
    """Check, time and report the three loops; return the JSON record."""
    x_train, y_train, _, _ = common.load_data()
    images64 = x_train[:SAMPLES] / 255  # as the source prepares them
    one_hot64 = np.eye(10)[y_train[:SAMPLES]]
    images32 = x_train[:SAMPLES].astype(np.float32) / np.float32(255)
    labels = y_train[:SAMPLES].astype(np.intp)

    core, why_no_core = try_load("03-deep-learning-on-mnist", "train_epoch", "init_params")

    with common.blas_threads(1):
        same = check_same(images64[:CHECK_SAMPLES], labels[:CHECK_SAMPLES])

        def run_source():
            w1, w2, rng = source_init()
            source_epoch(w1, w2, images64, one_hot64, rng)

        prepare_start = time.perf_counter()
        prepared = blank_free(images32)  # once per data set, like the scaling to [0, 1]
        prepare_seconds = time.perf_counter() - prepare_start

        def run_optimised():
            w1, w2, rng = source_init()
            w1, w2 = w1.astype(np.float32), w2.astype(np.float32)
            optimised_epoch(w1, w2, images32, labels, rng, prepared=prepared)

        def run_core():
            train_epoch, init_params = core
            rng = np.random.default_rng(SEED)
            params = init_params(rng)
            order = rng.permutation(len(images32))  # as its fit() does, inside the timing
            masks = (rng.random((len(images32), HIDDEN), dtype=np.float32) < 0.5) / np.float32(0.5)
            train_epoch(params, images32, labels, order, masks, 0.01, False)

        seconds = common.best_interleaved(
            {
                "source": run_source,
                "core notebook": run_core if core else None,
                "optimised": run_optimised,
            },
            REPEATS,
        )

    rows = []
    for name, value in seconds.items():
        rows.append(
            {
                "loop": name,
                "us_per_sample": value / SAMPLES * 1e6,
                "seconds_per_60000": value / SAMPLES * 60_000,
                "speedup_vs_source": seconds["source"] / value,
            }
        )
    speedup = seconds["source"] / seconds["optimised"]
    targets = [
        common.target(
            "optimised per-sample loop >= 6x faster than the source loop",
            speedup,
            TARGET_SPEEDUP,
            at_least=True,
        )
    ]
    common.print_table(
        f"Per-sample training, 784-100-10, 1 BLAS thread, first {SAMPLES:,} training images, "
        f"best of {REPEATS}",
        rows,
        [
            ("loop", "loop", "s"),
            ("us_per_sample", "us/sample", ".1f"),
            ("seconds_per_60000", "s per 60,000", ".2f"),
            ("speedup_vs_source", "speed-up", ".2f"),
        ],
    )
    if not core:
        print(f"  core notebook skipped: {why_no_core}")
    print(
        f"  optimised = source after {CHECK_SAMPLES:,} steps: {same['same']} "
        f"(float64 max weight difference {same['float64']['max_weight_difference']:.1e}, "
        f"float32 {same['float32']['max_weight_difference']:.1e})"
    )
    print(
        f"  optimised loop's data preparation (non-blank pixels, once per data set): "
        f"{prepare_seconds / SAMPLES * 1e6:.1f} us/sample, not in its time"
    )
    targets.append(
        common.target(
            "optimised loop computes the source's weights (1 = yes)",
            float(same["same"]),
            1.0,
            at_least=True,
        )
    )
    common.print_targets(targets)
    record = {
        "threads": 1,
        "samples": SAMPLES,
        "repeats": REPEATS,
        "seed": SEED,
        "learning_rate": LEARNING_RATE,
        "network": "784-100-10 ReLU, dropout 0.5, squared error, no biases (source)",
        "core_notebook": "03-deep-learning-on-mnist.md train_epoch (squared error)"
        if core
        else why_no_core,
        "seconds": seconds,
        "rows": rows,
        "equality_check": same,
        "optimised_preparation_seconds": prepare_seconds,
        "targets": targets,
    }
    path = common.write_json("per_sample", record)
    print(f"  wrote {path.relative_to(common.RESULTS.parent.parent)}")
    return record


if __name__ == "__main__":
    main()
