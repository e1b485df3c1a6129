"""CNN epochs in NumPy (notebooks 7, 8 and 10) against the same networks in PyTorch.

Run: .venv/bin/python benchmarks/cnn.py [--quick]
Prints seconds per epoch (measured on a slice, scaled to 60,000 images), the ratio to PyTorch and
the FLOP bound, and writes benchmarks/results/cnn.json.

Networks: ``lenet`` (the network notebook 8 trains) and ``course_network`` (the course's CNN),
taken from ``mnist_course`` (the code notebooks 4, 5 and 7 save: im2col convolution, max pooling,
dropout, dense layers, Adam), and the same layers in PyTorch (``nn.Conv2d``, ``nn.MaxPool2d``,
``nn.Dropout``, ``nn.Linear``, ``torch.optim.Adam``). The NumPy epochs are timed by
``seconds_per_step``, which notebooks/10-train-a-cnn-on-every-core.md saves: it trains a fresh
network on ``batches`` mini-batches of 128 images after one warm-up batch, with 10's
``parallel_train_step`` (each batch split into micro-batches of 32 run at once in one thread per
core, on copies of the layers that share the weights), or, in the rows marked "micro-batches in
turn", with 10's ``micro_batch_step`` (the same micro-batches one after the other, every core for
each matrix product), or, in the rows marked "plain step", with the whole batch at once (the step
of notebook 5's ``train_batches``, which notebook 8 trains with). PyTorch takes each
batch of 128 at once, at the peak learning rate notebook 8 chose on validation (read from its
recorded result; the rate does not change the work of a step), and spreads every operation over
the cores itself. Times are scaled to an epoch of 60,000 images. PyTorch is skipped with a
message when it is not installed.

The FLOP bound (the matrix products' FLOPs of an epoch at the speed of a large square float32
product, measured in the same run) is printed for scale, not as a target.

Target: the NumPy epoch of the network notebook 8 trains takes at most 1.5x PyTorch's time.
"""

from __future__ import annotations

import sys
import time

import common
import notebook_results
import numpy as np
from flops import matmul_contender

from mnist_course import Conv2D, Dense, course_network, lenet, seconds_per_step

NAME = "cnn"
BATCH = 128
EPOCH = 60_000
SEED = 0
FULL = {"batches": 30, "repeats": 9, "matmul_size": 2048}
QUICK = {"batches": 1, "repeats": 1, "matmul_size": 256}
TARGET = 1.5  # NumPy's time over PyTorch's, for lenet
IN_TURN = ", micro-batches in turn"  # the rows of 10's micro_batch_step, without threads
PLAIN = ", plain step"  # the rows of notebook 8's train_step, the whole batch at once
WAYS = {"": "parallel", IN_TURN: "micro-batches", PLAIN: "plain"}  # row suffix -> 10's way
NETWORKS = {"lenet": lenet, "course CNN": course_network}


def training_flops(network, images) -> int:
    """FLOPs of the matrix products of one training step of a notebook-06 network."""
    network.forward(images, training=True)
    total = 0
    for layer in network.layers:
        if isinstance(layer, Conv2D):  # (positions, k*k*C) @ (k*k*C, filters)
            rows, inner = layer.cols.shape
            products = 3 if layer.input_gradient else 2
            total += products * 2 * rows * inner * layer.params["weights"].shape[-1]
        elif isinstance(layer, Dense):  # always passes a gradient back
            total += 3 * 2 * len(images) * layer.params["weights"].size
    return total


def numpy_run(build, images, labels, batches: int, way: str):
    """Return a contender timing ``batches`` steps of a fresh network with 10's seconds_per_step."""

    @common.own_time
    def run():
        network = build(np.random.default_rng(SEED))
        return seconds_per_step(network, images, labels, way, batches=batches) * batches

    return run


def torch_network(torch, name):
    """Build notebook 8's ``lenet`` or ``course_network`` in PyTorch."""
    nn = torch.nn
    if name == "lenet":
        return nn.Sequential(
            nn.Conv2d(1, 16, 5), nn.MaxPool2d(2), nn.ReLU(),
            nn.Conv2d(16, 32, 5), nn.MaxPool2d(2), nn.ReLU(),
            nn.Flatten(), nn.Dropout(0.25), nn.Linear(4 * 4 * 32, 128), nn.ReLU(),
            nn.Linear(128, 10),
        )  # fmt: skip
    return nn.Sequential(
        nn.Conv2d(1, 32, 3), nn.MaxPool2d(2), nn.ReLU(), nn.Dropout(0.1),
        nn.Conv2d(32, 64, 3), nn.MaxPool2d(2), nn.ReLU(), nn.Dropout(0.1),
        nn.Flatten(), nn.Linear(5 * 5 * 64, 10),
    )  # fmt: skip


def torch_run(torch, name, images, labels, batches: int, learning_rate: float):
    """Return a contender timing ``batches`` training steps of a fresh PyTorch network."""
    x = torch.from_numpy(np.ascontiguousarray(images.transpose(0, 3, 1, 2)))  # NCHW
    y = torch.from_numpy(labels.astype(np.int64))

    def step(model, optimizer, loss_fn, part):
        optimizer.zero_grad(set_to_none=True)
        loss = loss_fn(model(x[part]), y[part])
        loss.backward()
        optimizer.step()

    @common.own_time
    def run():
        torch.manual_seed(SEED)
        model = torch_network(torch, name)
        model.train()
        optimizer = torch.optim.Adam(model.parameters(), lr=learning_rate)
        loss_fn = torch.nn.CrossEntropyLoss()
        step(model, optimizer, loss_fn, slice(0, BATCH))  # warm-up, as seconds_per_step's
        start = time.perf_counter()
        for i in range(batches):
            step(model, optimizer, loss_fn, slice(i * BATCH, (i + 1) * BATCH))
        return time.perf_counter() - start

    return run


def measure(sizes: dict) -> dict:
    """Time both networks in both libraries and the FLOP bound's product, in turns."""
    count = BATCH * sizes["batches"]
    x_train, y_train, _, _ = common.load_data()
    images = (x_train[:count] / np.float32(255)).reshape(-1, 28, 28, 1)
    labels = y_train[:count].astype(np.intp)
    learning_rate = notebook_results.chosen_cnn_learning_rate()
    torch, why_torch = common.torch_or_reason()
    if torch is not None:
        torch.set_num_threads(common.ALL_CORES)
    multiply, matmul_flops = matmul_contender(sizes["matmul_size"])
    contenders = {"matmul": multiply}
    for name, build in NETWORKS.items():
        for suffix, way in WAYS.items():
            contenders[f"NumPy {name}{suffix}"] = numpy_run(
                build, images, labels, sizes["batches"], way
            )
        contenders[f"PyTorch {name}"] = (
            torch_run(torch, name, images, labels, sizes["batches"], learning_rate)
            if torch
            else None
        )
    with common.blas_threads(common.ALL_CORES):
        multiply()  # warm-up
        best = common.best_interleaved(contenders, sizes["repeats"])
        flops = {
            name: training_flops(build(np.random.default_rng(SEED)), images[:BATCH]) * EPOCH / BATCH
            for name, build in NETWORKS.items()
        }
    gflops = matmul_flops / best.pop("matmul") / 1e9
    seconds = {name: value / count * EPOCH for name, value in best.items()}
    return {
        "threads": common.ALL_CORES,
        "batch_size": BATCH,
        "timed_batches": sizes["batches"],
        "timed_images": count,
        "scaled_to": EPOCH,
        "learning_rate": learning_rate,
        "seed": SEED,
        "repeats": sizes["repeats"],
        "matmul_size": sizes["matmul_size"],
        "matmul_gflops": gflops,
        "torch": torch.__version__ if torch else None,
        "torch_skipped": why_torch,
        "seconds_per_epoch": seconds,
        "rows": rows(seconds, flops, gflops),
    }


def rows(seconds: dict, flops: dict, gflops: float) -> list[dict]:
    """One row per timed run: its epoch time, over PyTorch's, and the FLOP bound."""
    table = []
    for name in NETWORKS:
        bound = flops[name] / (gflops * 1e9)
        torch_seconds = seconds.get(f"PyTorch {name}")
        for key in [f"NumPy {name}{suffix}" for suffix in WAYS] + [f"PyTorch {name}"]:
            if key in seconds:
                table.append(
                    {
                        "run": key,
                        "seconds": seconds[key],
                        "vs_torch": seconds[key] / torch_seconds if torch_seconds else None,
                        "gflop": flops[name] / 1e9,
                        "bound": bound,
                        "times_bound": seconds[key] / bound,
                    }
                )
    return table


def targets(record: dict) -> list[dict]:
    """Return the target of notebook 8's lenet against PyTorch's, when PyTorch is there."""
    seconds = record["seconds_per_epoch"]
    if "PyTorch lenet" not in seconds:
        return []
    return [
        common.target(
            "NumPy CNN epoch (notebook 8's lenet) takes <= 1.5x PyTorch's time",
            seconds["NumPy lenet"] / seconds["PyTorch lenet"],
            TARGET,
            "time of an epoch of notebook 10's parallel_train_step / time of the same network's "
            "epoch in PyTorch on the CPU, every core, same run",
        )
    ]


def report(record: dict) -> None:
    """Print the epochs and why PyTorch was skipped, if it was."""
    common.print_versus_torch(
        f"CNN epoch, {record['timed_batches']} batches of {BATCH} scaled to {EPOCH:,} images, "
        f"Adam, {record['threads']} threads, best of {record['repeats']}; "
        f"matmul {record['matmul_gflops']:.1f} GFLOP/s",
        record["rows"],
        ".2f",
    )
    common.print_skipped(record["torch_skipped"])


if __name__ == "__main__":
    common.run(sys.modules[__name__])
