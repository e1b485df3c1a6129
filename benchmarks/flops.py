"""The machine's matrix-multiply speed, and the floating-point work of a training run.

Run: .venv/bin/python benchmarks/flops.py [--quick]
Prints float32 matrix-multiply GFLOP/s (one thread and every core) and writes
benchmarks/results/flops.json. The training benchmarks time :func:`matmul_contender`'s product
among their runs, and turn each run's FLOPs into a lower bound on its time: no code can multiply
matrices faster than the machine's own BLAS does on large, square ones.

Counting: a product of an (m, k) and a (k, n) matrix is 2mkn FLOPs (a multiply and an add per
term). Training a dense layer on a batch costs three such products (forward, weight gradient,
input gradient), except that the first layer needs no input gradient. Element-wise work (ReLU,
softmax, the optimizer) is not counted: the bound is the matrix products alone.
"""

from __future__ import annotations

import sys
import time
from collections.abc import Callable

import common
import numpy as np

NAME = "flops"
SIZE = 2048  # the side of the square matrices multiplied
REPEATS = 5
FULL = {"size": SIZE, "repeats": REPEATS}
QUICK = {"size": 128, "repeats": 1}


def matmul_contender(size: int = SIZE) -> tuple[Callable[[], object], int]:
    """Return a function multiplying two random float32 ``size`` x ``size`` matrices, and its FLOPs.

    The training benchmarks time it among their contenders, interleaved with them, so that the
    FLOP bound is measured at the same moments as the runs it bounds.
    """
    rng = np.random.default_rng(0)
    a = rng.standard_normal((size, size), dtype=np.float32)
    b = rng.standard_normal((size, size), dtype=np.float32)
    out = np.empty_like(a)

    def multiply():
        np.matmul(a, b, out=out)

    return multiply, 2 * size**3


def matmul_gflops(threads: int, size: int = SIZE, repeats: int = REPEATS) -> float:
    """Best float32 GFLOP/s of ``a @ b`` for random ``size`` x ``size`` matrices."""
    multiply, flops = matmul_contender(size)
    best = np.inf
    with common.blas_threads(threads):
        multiply()  # warm-up
        for _ in range(repeats):
            start = time.perf_counter()
            multiply()
            best = min(best, time.perf_counter() - start)
    return flops / best / 1e9


def mlp_training_flops(sizes: tuple[int, ...], samples: int) -> int:
    """FLOPs of the matrix products of one training pass of a dense network over ``samples``."""
    total = 0
    for layer, (n_in, n_out) in enumerate(zip(sizes[:-1], sizes[1:], strict=True)):
        products = 3 if layer > 0 else 2  # forward, weight gradient, input gradient
        total += products * 2 * samples * n_in * n_out
    return total


def epoch_batches(samples: int, batch: int) -> list[int]:
    """Return the batch sizes of one epoch over ``samples`` images: full batches, then the rest."""
    return [batch] * (samples // batch) + ([samples % batch] if samples % batch else [])


def dense_step_products(sizes: tuple[int, ...], batches: list[int]) -> Callable[[], object]:
    """Return a function doing the matrix products of an epoch of a dense network, alone.

    For each batch, the products a training step of layers ``sizes`` does, at their shapes in
    float32: forward ``a @ W``, weight gradient ``a.T @ delta`` and, except for the first layer,
    input gradient ``delta @ W.T``; exactly the products :func:`mlp_training_flops` counts.
    Timed in the same run as an epoch, it says how much of the epoch's time its matrix products
    take on this machine, at the shapes they have (far from the 2048 x 2048 product's speed).
    """
    rng = np.random.default_rng(0)
    layers = list(zip(sizes[:-1], sizes[1:], strict=True))
    weights = [rng.standard_normal((n_in, n_out), dtype=np.float32) for n_in, n_out in layers]
    operands = {
        b: [
            (
                rng.standard_normal((b, n_in), dtype=np.float32),
                rng.standard_normal((b, n_out), dtype=np.float32),
            )
            for n_in, n_out in layers
        ]
        for b in set(batches)
    }

    def products():
        for b in batches:
            for layer, (w, (a, delta)) in enumerate(zip(weights, operands[b], strict=True)):
                a @ w, a.T @ delta  # forward, weight gradient
                if layer > 0:
                    delta @ w.T  # input gradient

    return products


def measure(sizes: dict) -> dict:
    """Measure matrix-multiply speed on one thread and on every core."""
    rows = [
        {"threads": threads, "gflops": matmul_gflops(threads, sizes["size"], sizes["repeats"])}
        for threads in sorted({1, common.ALL_CORES})
    ]
    return {**sizes, "rows": rows}


def targets(record: dict) -> list[dict]:
    """Return no target: this is the machine's speed, which the others are compared with."""
    return []


def report(record: dict) -> None:
    """Print the speeds."""
    common.print_table(
        f"float32 matrix multiply, {record['size']} x {record['size']}, "
        f"best of {record['repeats']}",
        record["rows"],
        [("threads", "threads", "d"), ("gflops", "GFLOP/s", ".1f")],
    )


if __name__ == "__main__":
    common.run(sys.modules[__name__])
