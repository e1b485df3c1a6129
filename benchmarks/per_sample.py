"""Per-sample training loops: the source tutorial's, the core notebook's, and an optimised one.

Run: .venv/bin/python benchmarks/per_sample.py [--quick]
Prints a table of microseconds per training image and writes benchmarks/results/per_sample.json.

Three loops train a 784-100-10 ReLU network with dropout, one image at a time, with BLAS limited
to one thread (a per-sample loop works on vectors far too small to share between cores). All
three are the notebooks' own code (see notebook_code.py):

* **source**: ``plain_epoch`` of notebooks/07-make-training-fast.md, the training loop of NumPy's
  "Deep learning on MNIST" tutorial as published: float64, a fresh array for every intermediate
  result, a dropout mask drawn for each image, full outer-product updates. Its math is kept as
  published, bugs included (the ReLU derivative taken on the ReLU's output, so always 1, and the
  dropout factor 2 missing from the backward pass), because it is the thing being measured.
* **core notebook**: one epoch of ``fit`` of notebooks/03-deep-learning-on-mnist.md (squared
  error, its seed and learning rate), timed by ``fit`` itself: the shuffle, the dropout masks and
  ``train_epoch``, not its scoring after the epoch. Its math is the corrected one, with biases,
  so it is timed but not compared for equality.
* **optimised**: ``fast_epoch`` of notebook 07, the source's math written for speed: float32,
  preallocated buffers, all dropout masks drawn in one call per epoch (the same random numbers,
  in the same order), the first layer's rows gathered only for the pixels that are not blank
  (``blank_free``, once per data set), and both rank-1 updates done in place by BLAS's ``ger``.
  Before it is timed, it is checked to give the same weights, loss and accuracy as the source
  after the same steps: exactly (to rounding) in float64, and to float32 rounding in float32.

Target: the optimised loop takes at most 1/6 of the source loop's time.
"""

from __future__ import annotations

import sys
import time

import common
import notebook_code
import numpy as np

NAME = "per_sample"
FULL = {"samples": 5_000, "check_samples": 2_000, "repeats": 5}
QUICK = {"samples": 200, "check_samples": 100, "repeats": 1}
TARGET_TIME = 1 / 6  # the optimised loop's time over the source's
SOURCE, CORE, OPTIMISED = "source", "core notebook", "optimised"


def check_same(nb07, images, labels) -> dict:
    """Train both loops on the same images from the same start; return how far apart they end."""
    one_hot = np.eye(10)[labels]
    w1, w2, rng = nb07.init()
    start_1, start_2 = w1.copy(), w2.copy()
    source_out = nb07.plain_epoch(w1, w2, images, one_hot, rng)
    report = {"samples": len(images)}
    for dtype in (np.float64, np.float32):
        o1, o2 = start_1.astype(dtype), start_2.astype(dtype)
        _, _, rng = nb07.init()
        out = nb07.fast_epoch(o1, o2, nb07.blank_free(images.astype(dtype)), labels, rng)
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


def measure(sizes: dict) -> dict:
    """Check the optimised loop against the source, then time the three loops."""
    nb07 = notebook_code.load(notebook_code.FAST)
    nb03 = notebook_code.load(notebook_code.CORE)
    samples = sizes["samples"]
    x_train, y_train, _, _ = common.load_data()
    images64 = x_train[:samples] / 255  # as the source prepares them
    one_hot64 = np.eye(10)[y_train[:samples]]
    images32 = x_train[:samples].astype(np.float32) / np.float32(255)
    labels = y_train[:samples].astype(np.intp)
    check = sizes["check_samples"]

    with common.blas_threads(1):
        same = check_same(nb07, images64[:check], labels[:check])
        prepare_start = time.perf_counter()
        prepared = nb07.blank_free(images32)  # once per data set, like the scaling to [0, 1]
        prepare_seconds = time.perf_counter() - prepare_start

        def run_source():
            w1, w2, rng = nb07.init()
            nb07.plain_epoch(w1, w2, images64, one_hot64, rng)

        def run_optimised():
            w1, w2, rng = nb07.init()
            nb07.fast_epoch(w1.astype(np.float32), w2.astype(np.float32), prepared, labels, rng)

        @common.own_time
        def run_core():
            train, val = (images32, labels), (images32[:10], labels[:10])  # scoring: not timed
            with common.quiet():
                *_, seconds = nb03.fit(train, val, False, 1, nb03.LEARNING_RATE, nb03.SEED)
            return seconds

        contenders = {SOURCE: run_source, CORE: run_core, OPTIMISED: run_optimised}
        seconds = common.best_interleaved(contenders, sizes["repeats"])

    rows = [
        {
            "loop": name,
            "us_per_sample": value / samples * 1e6,
            "seconds_per_60000": value / samples * 60_000,
            "vs_source": value / seconds[SOURCE],
        }
        for name, value in seconds.items()
    ]
    return {
        "threads": 1,
        "samples": samples,
        "repeats": sizes["repeats"],
        "seed": nb07.SEED,
        "learning_rate": nb07.LEARNING_RATE,
        "network": "784-100-10 ReLU, dropout 0.5, squared error, no biases (source)",
        "core_notebook": f"{notebook_code.CORE}.md fit, 1 epoch, squared error, seed {nb03.SEED}",
        "seconds": seconds,
        "rows": rows,
        "equality_check": same,
        "optimised_preparation_seconds": prepare_seconds,
    }


def targets(record: dict) -> list[dict]:
    """Return the targets: the optimised loop's speed, and that it computes the source's."""
    seconds = record["seconds"]
    return [
        common.target(
            "optimised per-sample loop takes <= 1/6 of the source loop's time",
            seconds[OPTIMISED] / seconds[SOURCE],
            TARGET_TIME,
            "time of notebook 07's fast_epoch / time of the source's plain_epoch, same images, "
            "one BLAS thread, same run: at most 1/6 means at least 6x faster",
        ),
        common.target(
            "optimised loop computes the source's weights (1 = yes)",
            float(record["equality_check"]["same"]),
            1.0,
            "1 when fast_epoch ends with plain_epoch's weights, loss and correct count after the "
            "same steps (to rounding in float64, to float32 rounding in float32)",
            at_least=True,
        ),
    ]


def report(record: dict) -> None:
    """Print the table, the equality check and the preparation time."""
    common.print_table(
        f"Per-sample training, 784-100-10, 1 BLAS thread, first {record['samples']:,} training "
        f"images, best of {record['repeats']}",
        record["rows"],
        [
            ("loop", "loop", "s"),
            ("us_per_sample", "us/sample", ".1f"),
            ("seconds_per_60000", "s per 60,000", ".2f"),
            ("vs_source", "/ source", ".3f"),
        ],
    )
    same = record["equality_check"]
    print(
        f"  optimised = source after {same['samples']:,} steps: {same['same']} "
        f"(float64 max weight difference {same['float64']['max_weight_difference']:.1e}, "
        f"float32 {same['float32']['max_weight_difference']:.1e})"
    )
    print(
        "  optimised loop's data preparation (non-blank pixels, once per data set): "
        f"{record['optimised_preparation_seconds'] / record['samples'] * 1e6:.1f} us/sample, "
        "not in its time"
    )


if __name__ == "__main__":
    common.run(sys.modules[__name__])
