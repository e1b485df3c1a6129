"""Convolutional network epochs in NumPy (notebook 06's code) against the same networks in PyTorch.

Run: .venv/bin/python benchmarks/cnn.py
Prints seconds per epoch (measured on a slice, scaled to 60,000 images), the ratio to PyTorch and
the fraction of the FLOP bound, and writes benchmarks/results/cnn.json.

Networks: ``lenet`` (the network notebook 06 trains) and ``course_network`` (the course's CNN),
built by notebooks/06-convolutional-network.md's own layers (im2col convolution, max pooling,
dropout, Adam), and the same layers in PyTorch (``nn.Conv2d``, ``nn.MaxPool2d``, ``nn.Dropout``,
``nn.Linear``, ``torch.optim.Adam``). Each run trains a fresh network on ``BATCHES`` mini-batches of
128 images (after one warm-up batch) and scales the time to an epoch of 60,000 images (the
notebook's ``seconds_per_epoch`` scales the same way to its 55,000 training images). The NumPy step
is the one the notebook trains with, ``parallel_train_step``: it splits each batch of 128 into four
micro-batches of 32 images, small enough for the big intermediate arrays to fit in the processor's
cache, runs them at once in one thread per core (each on its own copy of the layers, which share
the weights, with one BLAS thread per product) and adds up their gradients (the batch's gradient,
to rounding; one Adam step per batch of 128). The rows marked "micro-batches in turn" time the
notebook's ``train_step`` instead, which takes the same micro-batches one after the other (with
every core for each matrix product): the difference is what the threads buy. PyTorch takes each
batch of 128 at once and spreads every operation over the cores itself. Every core is used;
PyTorch is skipped with a message when it is not installed.

Target: the NumPy epoch of the network notebook 06 trains at most 1.5x PyTorch's time.
"""

from __future__ import annotations

import time

import common
import numpy as np
from flops import matmul_contender

BATCH = 128
BATCHES = 30  # timed mini-batches per run: 3,840 images
EPOCH = 60_000
REPEATS = 9
SEED = 0
LEARNING_RATE = 4e-3  # the peak rate notebook 06 chooses on its validation set
TARGET = 1.5
IN_TURN = ", micro-batches in turn"  # the rows of train_step, without threads


def training_flops(network, images) -> int:
    """FLOPs of the matrix products of one training step of a notebook-06 network."""
    network.forward(images, training=True)
    total = 0
    for layer in network.layers:
        if hasattr(layer, "cols"):  # Conv2D: (positions, k*k*C) @ (k*k*C, filters)
            rows, inner = layer.cols.shape
            products = 3 if layer.input_gradient else 2
            total += products * 2 * rows * inner * layer.W.shape[-1]
        elif hasattr(layer, "W"):  # Dense: always passes a gradient back
            total += 3 * 2 * len(images) * layer.W.size
    return total


def numpy_run(nb06, build, images, labels, parallel=True):
    """Return a function timing ``BATCHES`` training steps of a fresh notebook-06 network.

    The steps are the notebook's ``parallel_train_step``, or (``parallel=False``) its
    ``train_step``, which takes the micro-batches in turn.
    """
    adam, replicas_of, parallel_train_step, train_step = nb06

    def run():
        network = build(np.random.default_rng(SEED))
        optimizer = adam(network.params, learning_rate=LEARNING_RATE)
        replicas = replicas_of(network)

        def step(part):
            if parallel:
                parallel_train_step(replicas, optimizer, images[part], labels[part])
            else:
                train_step(network, optimizer, images[part], labels[part])

        step(slice(0, BATCH))  # warm-up
        start = time.perf_counter()
        for i in range(BATCHES):
            step(slice(i * BATCH, (i + 1) * BATCH))
        return time.perf_counter() - start

    return run


def torch_network(torch, name):
    """Build notebook 06's ``lenet`` or ``course_network`` in PyTorch."""
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


def torch_run(torch, name, images, labels):
    """Return a function timing ``BATCHES`` training steps of a fresh PyTorch network."""
    x = torch.from_numpy(np.ascontiguousarray(images.transpose(0, 3, 1, 2)))  # NCHW
    y = torch.from_numpy(labels.astype(np.int64))

    def step(model, optimizer, loss_fn, part):
        optimizer.zero_grad(set_to_none=True)
        loss = loss_fn(model(x[part]), y[part])
        loss.backward()
        optimizer.step()

    def run():
        torch.manual_seed(SEED)
        model = torch_network(torch, name)
        model.train()
        optimizer = torch.optim.Adam(model.parameters(), lr=LEARNING_RATE)
        loss_fn = torch.nn.CrossEntropyLoss()
        step(model, optimizer, loss_fn, slice(0, BATCH))  # warm-up
        start = time.perf_counter()
        for i in range(BATCHES):
            step(model, optimizer, loss_fn, slice(i * BATCH, (i + 1) * BATCH))
        return time.perf_counter() - start

    return run


def main() -> dict:
    """Time both networks in both libraries; return the JSON record."""
    x_train, y_train, _, _ = common.load_data()
    count = BATCH * BATCHES
    images = (x_train[:count] / np.float32(255)).reshape(-1, 28, 28, 1)
    labels = y_train[:count].astype(np.intp)
    nb06_all, why_numpy = common.try_load(
        "06-convolutional-network",
        "Adam",
        "Replicas",
        "parallel_train_step",
        "train_step",
        "lenet",
        "course_network",
    )
    torch, why_torch = common.torch_or_reason()
    if torch is not None:
        torch.set_num_threads(common.ALL_CORES)
    builders = {"lenet": None, "course CNN": None}
    if nb06_all:
        builders = {"lenet": nb06_all[4], "course CNN": nb06_all[5]}
    contenders = {}
    for name, build in builders.items():
        torch_name = "lenet" if name == "lenet" else "course"
        for suffix, parallel in (("", True), (IN_TURN, False)):
            contenders[f"NumPy {name}{suffix}"] = (
                numpy_run(nb06_all[:4], build, images, labels, parallel) if nb06_all else None
            )
        contenders[f"PyTorch {name}"] = (
            torch_run(torch, torch_name, images, labels) if torch else None
        )
    multiply, matmul_flops = matmul_contender()
    with common.blas_threads(common.ALL_CORES):
        multiply()  # warm-up
        # The runs time themselves (the warm-up batch is left out): take the best of each. The
        # matrix product that gives the FLOP bound takes its turn among them.
        measured = {name: [] for name, f in contenders.items() if f is not None}
        matmul_seconds = []
        for _ in range(REPEATS):
            matmul_seconds.append(common.timed(multiply))
            for name in measured:
                measured[name].append(contenders[name]())
    seconds = {name: min(v) / count * EPOCH for name, v in measured.items()}
    gflops = matmul_flops / min(matmul_seconds) / 1e9

    rows, targets = [], []
    for name, build in builders.items():
        flops = None
        if build is not None:
            with common.blas_threads(common.ALL_CORES):
                flops = training_flops(build(np.random.default_rng(SEED)), images[:BATCH])
            flops = flops * EPOCH / BATCH
        for key in (f"NumPy {name}", f"NumPy {name}{IN_TURN}", f"PyTorch {name}"):
            if key not in seconds:
                continue
            torch_seconds = seconds.get(f"PyTorch {name}")
            bound = flops / (gflops * 1e9) if flops else None
            rows.append(
                {
                    "run": key,
                    "seconds": seconds[key],
                    "vs_torch": seconds[key] / torch_seconds if torch_seconds else None,
                    "gflop": flops / 1e9 if flops else None,
                    "bound": bound,
                    "times_bound": seconds[key] / bound if bound else None,
                }
            )
    for name in builders:
        if f"NumPy {name}" in seconds and f"PyTorch {name}" in seconds:
            ratio = seconds[f"NumPy {name}"] / seconds[f"PyTorch {name}"]
            if name == "lenet":
                targets.append(
                    common.target(
                        "NumPy CNN epoch (notebook 06's lenet) <= 1.5x PyTorch's time",
                        ratio,
                        TARGET,
                        at_least=False,
                    )
                )
    common.print_versus_torch(
        f"CNN epoch, {BATCHES} batches of {BATCH} scaled to {EPOCH:,} images, Adam, "
        f"{common.ALL_CORES} threads, best of {REPEATS}; matmul {gflops:.1f} GFLOP/s",
        rows,
        ".2f",
        "this / PyTorch",
    )
    common.print_skipped(why_numpy, why_torch)
    common.print_targets(targets)
    record = {
        "threads": common.ALL_CORES,
        "batch_size": BATCH,
        "timed_batches": BATCHES,
        "timed_images": count,
        "scaled_to": EPOCH,
        "learning_rate": LEARNING_RATE,
        "seed": SEED,
        "repeats": REPEATS,
        "matmul_gflops": gflops,
        "torch": torch.__version__ if torch else why_torch,
        "seconds_per_epoch": seconds,
        "rows": rows,
        "targets": targets,
    }
    common.write_json("cnn", record)
    return record


if __name__ == "__main__":
    main()
