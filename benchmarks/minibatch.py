"""Mini-batch training epochs in NumPy (notebooks 5 and 9) against the same models in PyTorch.

Run: .venv/bin/python benchmarks/minibatch.py [--quick]
Prints seconds per epoch, ratios, the FLOP bound and the epoch's own matrix products, and writes
benchmarks/results/minibatch.json.

Models: 784-16-10 and 784-100-10 dense ReLU networks, softmax cross-entropy, Adam (learning rate
0.001), batches of 128, one epoch over all 60,000 training images in a fresh random order, no
dropout. Two NumPy versions, both the notebooks' own code, imported from ``mnist_course`` (the
cells the notebooks mark ``# @save``):

* **notebook 5**: ``dense_network``, ``Adam`` and ``train_batches`` of
  notebooks/05-softmax-minibatches-and-adam.md, on notebook 4's layers;
* **notebook 9**: ``flatten_parameters``, ``FlatAdam`` and ``fast_train_batches`` of
  notebooks/09-make-training-fast.md, the same steps with every parameter a view of one flat
  array, Adam in place and each batch gathered into arrays allocated once. Before it is timed, it
  is checked to end an epoch with weights identical to notebook 5's, bit for bit, and the same
  loss.

The PyTorch models are the same layers (``nn.Linear``, ``nn.ReLU``, ``nn.CrossEntropyLoss``,
``torch.optim.Adam`` with notebook 5's epsilon), fed from the same float32 array, with the same
per-batch bookkeeping (the loss). All use every core; PyTorch is skipped with a
message when it is not installed.

Two yardsticks, both timed in the same run, taking their turns among the epochs:

* the **FLOP bound**: the epoch's matrix-product FLOPs at the machine's float32 speed on large
  square matrices (see flops.py). "x bound" is the epoch's time over it. It is printed, not a
  target: the kernels of a large product run far faster than any batch-128 product can, by how
  much depends on the processor (AVX-512 or not) and its OpenBLAS kernels;
* the epoch's **own matrix products**: the products of every training step of the epoch, at
  their shapes (``flops.dense_step_products``), done alone. "x products" is the epoch's time over
  theirs: what the rest of the step (element-wise work, Adam, Python) costs on top.

Targets, for the faster NumPy version (notebook 9's): the 784-100-10 epoch takes at most half of
PyTorch's time, and at most 2.5x the time of its own matrix products.

To show where the 784-100-10 epoch's time goes, each version's Adam step on the model's 79,510
parameters is also timed alone, for as many batches as an epoch has.
"""

from __future__ import annotations

import sys

import common
import numpy as np
from flops import dense_step_products, epoch_batches, matmul_contender, mlp_training_flops

from mnist_course import (
    Adam,
    FlatAdam,
    dense_network,
    fast_train_batches,
    flatten_parameters,
    train_batches,
)

NAME = "minibatch"
SIZES = {"784-16-10": (784, 16, 10), "784-100-10": (784, 100, 10)}
MAIN = "784-100-10"
BATCH = 128
LEARNING_RATE = 1e-3
EPS = 1e-8  # the Adam epsilon of notebook 5 (and PyTorch's default)
SEED = 0
FULL = {"samples": 60_000, "repeats": 9, "matmul_size": 2048}
QUICK = {"samples": 1_024, "repeats": 1, "matmul_size": 256}
TARGET_VS_TORCH = 0.5  # NumPy's time over PyTorch's
TARGET_VS_PRODUCTS = 2.5  # the epoch's time over its own matrix products'
VERSIONS = ("notebook 5", "notebook 9")
MATMUL = "matrix multiply for the FLOP bound"


def numpy_key(name: str, version: str) -> str:
    """Name a NumPy epoch's contender."""
    return f"NumPy {name} ({version})"


def products_key(name: str) -> str:
    """Name the contender of an epoch's matrix products alone."""
    return f"matrix products of a {name} epoch"


def numpy_epoch(version: str, sizes, x, y):
    """Return a function that trains a fresh network for one epoch with a notebook's code.

    The function returns the epoch's mean loss and the trained network.
    """

    def run():
        rng = np.random.default_rng(SEED)
        network = dense_network(list(sizes), rng)
        if version == "notebook 5":
            adam = Adam(network.layers, learning_rate=LEARNING_RATE, eps=EPS)
            return train_batches(network, adam, x, y, BATCH, rng), network
        optimizer = FlatAdam(*flatten_parameters(network), learning_rate=LEARNING_RATE, eps=EPS)
        return fast_train_batches(network, optimizer, x, y, BATCH, rng), network

    return run


def weights(network) -> list:
    """Every parameter array of a network, in order."""
    return [p for layer in network.layers for p in layer.params.values()]


def same_epoch(sizes, x, y) -> bool:
    """Whether notebook 9's epoch ends with notebook 5's loss and weights, bit for bit."""
    (slow, slow_net), (fast, fast_net) = (
        numpy_epoch(version, sizes, x, y)() for version in VERSIONS
    )
    return slow == fast and all(
        np.array_equal(a, b) for a, b in zip(weights(slow_net), weights(fast_net), strict=True)
    )


def adam_steps(sizes, batches: int, repeats: int) -> dict:
    """Time each version's Adam step alone, for an epoch's number of batches."""
    network = dense_network(list(sizes), np.random.default_rng(SEED))
    for layer in network.layers:
        for grad in layer.grads.values():
            grad[...] = 1e-3
    adam = Adam(network.layers, learning_rate=LEARNING_RATE, eps=EPS)
    flat_network = dense_network(list(sizes), np.random.default_rng(SEED))
    flat_adam = FlatAdam(*flatten_parameters(flat_network), learning_rate=LEARNING_RATE, eps=EPS)
    flat_adam.grad[:] = 1e-3

    def steps(step):
        return lambda: [step() for _ in range(batches)]

    return common.best_interleaved(
        {
            "Adam steps only (notebook 5)": steps(adam.step),
            "Adam steps only (notebook 9)": steps(flat_adam.step),
        },
        repeats,
    )


def torch_epoch(torch, sizes, x, y):
    """Return a function that trains a fresh PyTorch network for one epoch."""
    x_t, y_t = torch.from_numpy(x), torch.from_numpy(y.astype(np.int64))

    def run():
        torch.manual_seed(SEED)
        layers = []
        for n_in, n_out in zip(sizes[:-1], sizes[1:], strict=True):
            layers += [torch.nn.Linear(n_in, n_out), torch.nn.ReLU()]
        model = torch.nn.Sequential(*layers[:-1])
        optimizer = torch.optim.Adam(model.parameters(), lr=LEARNING_RATE, eps=EPS)
        loss_fn = torch.nn.CrossEntropyLoss()
        order = torch.randperm(len(x_t))
        total_loss = 0.0
        for start in range(0, len(order), BATCH):
            batch = order[start : start + BATCH]
            xb, yb = x_t[batch], y_t[batch]
            optimizer.zero_grad(set_to_none=True)
            loss = loss_fn(model(xb), yb)
            loss.backward()
            optimizer.step()
            total_loss += loss.item() * len(batch)

    return run


def measure(sizes: dict) -> dict:
    """Check notebook 9's epoch, then time every model, its products and the FLOP bound."""
    x_train, y_train, _, _ = common.load_data()
    x = x_train[: sizes["samples"]].astype(np.float32) / np.float32(255)
    y = y_train[: sizes["samples"]].astype(np.intp)
    batches = epoch_batches(len(x), BATCH)
    torch, why_torch = common.torch_or_reason()
    if torch is not None:
        torch.set_num_threads(common.ALL_CORES)
    multiply, matmul_flops = matmul_contender(sizes["matmul_size"])
    contenders = {MATMUL: multiply}  # the yardsticks take their turns among the epochs
    for name, layers in SIZES.items():
        contenders[products_key(name)] = dense_step_products(layers, batches)
        for version in VERSIONS:
            contenders[numpy_key(name, version)] = numpy_epoch(version, layers, x, y)
        contenders[f"PyTorch {name}"] = torch_epoch(torch, layers, x, y) if torch else None
    with common.blas_threads(common.ALL_CORES):
        same = same_epoch(SIZES[MAIN], x, y)
        multiply()  # warm-up
        seconds = common.best_interleaved(contenders, sizes["repeats"])
        adam = adam_steps(SIZES[MAIN], len(batches), sizes["repeats"])
    gflops = matmul_flops / seconds.pop(MATMUL) / 1e9
    return {
        "threads": common.ALL_CORES,
        "samples": len(x),
        "batch_size": BATCH,
        "learning_rate": LEARNING_RATE,
        "seed": SEED,
        "repeats": sizes["repeats"],
        "matmul_size": sizes["matmul_size"],
        "matmul_gflops": gflops,
        "torch": torch.__version__ if torch else None,
        "torch_skipped": why_torch,
        "same_as_notebook_05": same,
        "seconds": seconds,
        "rows": rows(seconds, gflops, len(x)),
        "breakdown_784_100_10": [
            {"part": part, "seconds": value, "vs_epoch": value / seconds[numpy_key(MAIN, v)]}
            for (part, value), v in zip(adam.items(), VERSIONS, strict=True)
        ],
    }


def rows(seconds: dict, gflops: float, samples: int) -> list[dict]:
    """One row per timed epoch: its time, over PyTorch's, the FLOP bound and its products."""
    table = []
    for name, layers in SIZES.items():
        flops = mlp_training_flops(layers, samples)
        bound = flops / (gflops * 1e9)
        products = seconds[products_key(name)]
        torch_seconds = seconds.get(f"PyTorch {name}")
        table.append(
            {"run": products_key(name), "seconds": products, "gflop": flops / 1e9, "bound": bound}
        )
        for key in [numpy_key(name, v) for v in VERSIONS] + [f"PyTorch {name}"]:
            if key in seconds:
                table.append(
                    {
                        "run": key,
                        "seconds": seconds[key],
                        "vs_torch": seconds[key] / torch_seconds if torch_seconds else None,
                        "gflop": flops / 1e9,
                        "bound": bound,
                        "times_bound": seconds[key] / bound,
                        "times_products": seconds[key] / products,
                    }
                )
    return table


def targets(record: dict) -> list[dict]:
    """Return notebook 9's targets: notebook 5's weights, against PyTorch and its products."""
    seconds = record["seconds"]
    fast = seconds[numpy_key(MAIN, "notebook 9")]
    found = [
        common.target(
            "notebook 9's epoch ends with notebook 5's weights, bit for bit (1 = yes)",
            float(record["same_as_notebook_05"]),
            1.0,
            "1 when fast_train_batches and FlatAdam end an epoch with notebook 5's loss and "
            "weights, bit for bit",
            at_least=True,
        ),
        common.target(
            f"NumPy {MAIN} epoch (notebook 9) takes <= 2.5x its own matrix products' time",
            fast / seconds[products_key(MAIN)],
            TARGET_VS_PRODUCTS,
            "time of notebook 9's epoch / time of the same epoch's matrix products alone, at "
            "their shapes (batches of 128), same run: what the element-wise work, Adam and "
            "Python add to the products; it measures the code, not the processor",
        ),
    ]
    if f"PyTorch {MAIN}" in seconds:
        found.insert(
            1,
            common.target(
                f"NumPy {MAIN} epoch (notebook 9) takes <= 0.5x PyTorch's time",
                fast / seconds[f"PyTorch {MAIN}"],
                TARGET_VS_TORCH,
                "time of notebook 9's epoch / time of the same model's epoch in PyTorch on the "
                "CPU, same threads, same run: at most 0.5 means at least 2x faster",
            ),
        )
    return found


def report(record: dict) -> None:
    """Print the epochs, the yardsticks and the Adam steps."""
    common.print_versus_torch(
        f"Mini-batch epoch, {record['samples']:,} images, batch {BATCH}, Adam, "
        f"{record['threads']} threads, best of {record['repeats']}; "
        f"matmul {record['matmul_gflops']:.1f} GFLOP/s",
        record["rows"],
        ".3f",
    )
    common.print_table(
        f"Adam steps of the NumPy {MAIN} network alone, for an epoch's batches",
        record["breakdown_784_100_10"],
        [("part", "part", "s"), ("seconds", "s/epoch", ".3f"), ("vs_epoch", "/ epoch", ".2f")],
    )
    common.print_skipped(record["torch_skipped"])


if __name__ == "__main__":
    common.run(sys.modules[__name__])
