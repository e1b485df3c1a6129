"""Mini-batch training epochs in NumPy (notebook 05's code) against the same models in PyTorch.

Run: .venv/bin/python benchmarks/minibatch.py
Prints seconds per epoch, ratios and the fraction of the FLOP bound reached, and writes
benchmarks/results/minibatch.json.

Models: 784-16-10 and 784-100-10 dense ReLU networks, softmax cross-entropy, Adam (learning rate
0.001), batches of 128, one epoch over all 60,000 training images in a fresh random order, no
dropout: ``init_network``, ``train_epoch`` and ``Adam`` of
notebooks/05-softmax-minibatches-and-adam.md, loaded from the notebook. The PyTorch models are the
same layers (``nn.Linear``, ``nn.ReLU``, ``nn.CrossEntropyLoss``, ``torch.optim.Adam`` with the
same epsilon), fed from the same float32 array, with the same per-batch bookkeeping (loss and
correct count). Both use every core; PyTorch is skipped with a message when it is not installed.

The FLOP bound is the epoch's matrix-product FLOPs divided by the machine's float32 matrix-multiply
speed on every core (see flops.py); "x bound" is the measured time divided by that bound.

Targets: NumPy 784-100-10 at least 2x faster than PyTorch; the NumPy 784-100-10 epoch within
2.5x of the FLOP bound.

To show where the NumPy 784-100-10 epoch's time goes, two of its parts are also timed alone, for
as many batches as an epoch has: the five matrix products of one training step (the only work the
bound counts), and notebook 05's ``Adam.step`` on the model's 79,510 parameters (about a dozen
element-wise passes over every parameter per step, work the bound does not count).
"""

from __future__ import annotations

import common
import numpy as np
from flops import matmul_gflops, mlp_training_flops

SIZES = {"784-16-10": (784, 16, 10), "784-100-10": (784, 100, 10)}
BATCH = 128
LEARNING_RATE = 1e-3
EPS = 1e-7  # notebook 05's Adam epsilon
SEED = 0
REPEATS = 5
TARGET_VS_TORCH = 2.0
TARGET_VS_BOUND = 2.5


def numpy_epoch(nb05, sizes, x, y):
    """Return a function that trains a fresh network for one epoch with notebook 05's code."""
    init_network, train_epoch, adam = nb05

    def run():
        rng = np.random.default_rng(SEED)
        params = init_network(list(sizes), rng)
        train_epoch(params, adam(params, lr=LEARNING_RATE), x, y, BATCH, rng)

    return run


def epoch_parts(nb05, sizes, x) -> dict:
    """Time, for one epoch's number of batches, the step's matrix products and its Adam step."""
    init_network, _, adam = nb05
    rng = np.random.default_rng(SEED)
    w1, b1, w2, b2 = params = init_network(list(sizes), rng)
    x_batch = x[:BATCH]
    hidden = np.maximum(x_batch @ w1 + b1, 0)
    delta2 = np.ones((BATCH, sizes[-1]), np.float32)
    delta1 = np.ones_like(hidden)
    batches = -(-len(x) // BATCH)

    def products():
        for _ in range(batches):
            x_batch @ w1, hidden @ w2  # forward
            hidden.T @ delta2, delta2 @ w2.T, x_batch.T @ delta1  # backward

    optimizer = adam(params, lr=LEARNING_RATE)
    grads = [np.full_like(p, 1e-3) for p in params]

    def adam_steps():
        for _ in range(batches):
            optimizer.step(params, grads)

    return common.best_interleaved(
        {"matrix products only": products, "Adam steps only": adam_steps}, REPEATS
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
        total_loss = correct = 0.0
        for start in range(0, len(order), BATCH):
            batch = order[start : start + BATCH]
            xb, yb = x_t[batch], y_t[batch]
            optimizer.zero_grad(set_to_none=True)
            logits = model(xb)
            loss = loss_fn(logits, yb)
            loss.backward()
            optimizer.step()
            total_loss += loss.item() * len(batch)
            correct += (logits.argmax(dim=1) == yb).sum().item()

    return run


def main() -> dict:
    """Time every model in both libraries; return the JSON record."""
    x_train, y_train, _, _ = common.load_data()
    x = x_train.astype(np.float32) / np.float32(255)
    y = y_train.astype(np.intp)
    nb05, why_numpy = common.try_load(
        "05-softmax-minibatches-and-adam", "init_network", "train_epoch", "Adam"
    )
    torch, why_torch = common.torch_or_reason()
    if torch is not None:
        torch.set_num_threads(common.ALL_CORES)
    gflops = matmul_gflops(common.ALL_CORES)
    contenders = {}
    for name, sizes in SIZES.items():
        contenders[f"NumPy {name}"] = numpy_epoch(nb05, sizes, x, y) if nb05 else None
        contenders[f"PyTorch {name}"] = torch_epoch(torch, sizes, x, y) if torch else None
    with common.blas_threads(common.ALL_CORES):
        seconds = common.best_interleaved(contenders, REPEATS)
        parts = epoch_parts(nb05, SIZES["784-100-10"], x) if nb05 else {}

    rows, targets = [], []
    for name, sizes in SIZES.items():
        flops = mlp_training_flops(sizes, len(x))
        bound = flops / (gflops * 1e9)
        for library in ("NumPy", "PyTorch"):
            key = f"{library} {name}"
            if key not in seconds:
                continue
            torch_seconds = seconds.get(f"PyTorch {name}")
            rows.append(
                {
                    "run": key,
                    "seconds": seconds[key],
                    "vs_torch": torch_seconds / seconds[key] if torch_seconds else None,
                    "gflop": flops / 1e9,
                    "bound": bound,
                    "times_bound": seconds[key] / bound,
                }
            )
    main_numpy, main_torch = seconds.get("NumPy 784-100-10"), seconds.get("PyTorch 784-100-10")
    if main_numpy and main_torch:
        targets.append(
            common.target(
                "NumPy 784-100-10 epoch >= 2x faster than PyTorch",
                main_torch / main_numpy,
                TARGET_VS_TORCH,
                at_least=True,
            )
        )
    if main_numpy:
        targets.append(
            common.target(
                "NumPy 784-100-10 epoch within 2.5x of the FLOP bound",
                main_numpy / bound,
                TARGET_VS_BOUND,
                at_least=False,
            )
        )
    common.print_versus_torch(
        f"Mini-batch epoch, 60,000 images, batch {BATCH}, Adam, {common.ALL_CORES} threads, "
        f"best of {REPEATS}; matmul {gflops:.1f} GFLOP/s",
        rows,
        ".3f",
        "PyTorch / this",
    )
    bound = mlp_training_flops(SIZES["784-100-10"], len(x)) / (gflops * 1e9)
    breakdown = [
        {"part": part, "seconds": value, "times_bound": value / bound}
        for part, value in parts.items()
    ]
    if breakdown:
        common.print_table(
            "Parts of the NumPy 784-100-10 epoch, each timed alone for an epoch's batches",
            breakdown,
            [
                ("part", "part", "s"),
                ("seconds", "s/epoch", ".3f"),
                ("times_bound", "x bound", ".2f"),
            ],
        )
    common.print_skipped(why_numpy, why_torch)
    common.print_targets(targets)
    record = {
        "threads": common.ALL_CORES,
        "samples": len(x),
        "batch_size": BATCH,
        "learning_rate": LEARNING_RATE,
        "seed": SEED,
        "repeats": REPEATS,
        "matmul_gflops": gflops,
        "torch": torch.__version__ if torch else why_torch,
        "seconds": seconds,
        "rows": rows,
        "breakdown_784_100_10": breakdown,
        "targets": targets,
    }
    common.write_json("minibatch", record)
    return record


if __name__ == "__main__":
    main()
