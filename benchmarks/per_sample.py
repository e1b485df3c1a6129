"""Per-sample training loops: the source tutorial's, the core notebook's, and an optimised one.

Run: .venv/bin/python benchmarks/per_sample.py
Prints a table of microseconds per training image and writes benchmarks/results/per_sample.json.

Three loops train a 784-100-10 ReLU network with dropout, one image at a time, with BLAS limited
to one thread (a per-sample loop works on vectors far too small to share between cores). All
three are the notebooks' own code, loaded from them with ``helpers.load_notebook``:

* **source**: ``plain_epoch`` of notebooks/07-make-training-fast.md, the training loop of NumPy's
  "Deep learning on MNIST" tutorial as published: float64, a fresh array for every intermediate
  result, a dropout mask drawn for each image, full outer-product updates. Its math is kept as
  published, bugs included (the ReLU derivative taken on the ReLU's output, so always 1, and the
  dropout factor 2 missing from the backward pass), because it is the thing being measured.
* **core notebook**: ``train_epoch`` of notebooks/03-deep-learning-on-mnist.md, timed the way its
  ``fit`` times an epoch (drawing the order and the masks included). Its math is the corrected
  one, with biases, so it is timed but not compared for equality.
* **optimised**: ``fast_epoch`` of notebook 07, the source's math written for speed: float32,
  preallocated buffers, all dropout masks drawn in one call per epoch (the same random numbers,
  in the same order), the first layer's rows gathered only for the pixels that are not blank
  (``blank_free``, once per data set), and both rank-1 updates done in place by BLAS's ``ger``
  (through SciPy, as NumPy does not offer it). Before it is timed, it is
  checked to give the same weights, loss and accuracy as the source after the same steps:
  exactly (to rounding) in float64, and to float32 rounding in float32.

Target: the optimised loop at least 6 times faster than the source loop.
"""

from __future__ import annotations

import time

import common
import numpy as np

from helpers import load_notebook, require

SAMPLES = 5_000  # training images per timed run (the first ones of the training set)
CHECK_SAMPLES = 2_000  # images trained by both loops for the equality check
REPEATS = 5
HIDDEN = 100
TARGET_SPEEDUP = 6.0
FAST = "07-make-training-fast"


# --------------------------------------------------------------------------
# Measurements
# --------------------------------------------------------------------------


def check_same(fast, images, labels):
    """Train both loops on the same images from the same start; return how far apart they end."""
    init, plain_epoch, blank_free, fast_epoch = fast
    one_hot = np.eye(10)[labels]
    w1, w2, rng = init()
    start_1, start_2 = w1.copy(), w2.copy()
    source_out = plain_epoch(w1, w2, images, one_hot, rng)
    report = {"samples": len(images)}
    for dtype in (np.float64, np.float32):
        o1, o2 = start_1.astype(dtype), start_2.astype(dtype)
        _, _, rng = init()
        out = fast_epoch(o1, o2, blank_free(images.astype(dtype)), labels, rng)
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

    namespace = load_notebook(FAST)
    fast = require(namespace, "init", "plain_epoch", "blank_free", "fast_epoch")
    init, plain_epoch, blank_free, fast_epoch = fast
    seed, learning_rate = require(namespace, "SEED", "LEARNING_RATE")  # the source's
    core, why_no_core = common.try_load("03-deep-learning-on-mnist", "train_epoch", "init_params")

    with common.blas_threads(1):
        same = check_same(fast, images64[:CHECK_SAMPLES], labels[:CHECK_SAMPLES])

        def run_source():
            w1, w2, rng = init()
            plain_epoch(w1, w2, images64, one_hot64, rng)

        prepare_start = time.perf_counter()
        prepared = blank_free(images32)  # once per data set, like the scaling to [0, 1]
        prepare_seconds = time.perf_counter() - prepare_start

        def run_optimised():
            w1, w2, rng = init()
            fast_epoch(w1.astype(np.float32), w2.astype(np.float32), prepared, labels, rng)

        def run_core():
            train_epoch, init_params = core
            rng = np.random.default_rng(seed)
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
        "seed": seed,
        "learning_rate": learning_rate,
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
    common.write_json("per_sample", record)
    return record


if __name__ == "__main__":
    main()
