"""Mini-batch training epochs in NumPy (notebooks 05 and 07) against the same models in PyTorch.

Run: .venv/bin/python benchmarks/minibatch.py
Prints seconds per epoch, ratios and the fraction of the FLOP bound reached, and writes
benchmarks/results/minibatch.json.

Models: 784-16-10 and 784-100-10 dense ReLU networks, softmax cross-entropy, Adam (learning rate
0.001), batches of 128, one epoch over all 60,000 training images in a fresh random order, no
dropout. Two NumPy versions, both loaded from the notebooks:

* **notebook 05**: ``init_network``, ``train_epoch`` and ``Adam`` of
  notebooks/05-softmax-minibatches-and-adam.md;
* **notebook 07**: ``fast_train_epoch`` and ``FlatAdam`` of notebooks/07-make-training-fast.md,
  the same math with every parameter a view of one flat array, Adam in place and the gradients
  written in place. Before it is timed, it is checked to end an epoch with weights identical to
  notebook 05's, bit for bit, and the same loss and accuracy.

The PyTorch models are the same layers (``nn.Linear``, ``nn.ReLU``, ``nn.CrossEntropyLoss``,
``torch.optim.Adam`` with the same epsilon), fed from the same float32 array, with the same
per-batch bookkeeping (loss and correct count). All use every core; PyTorch is skipped with a
message when it is not installed.

The FLOP bound is the epoch's matrix-product FLOPs divided by the machine's float32 matrix-multiply
speed on every core (see flops.py), measured in the same run: the product takes its turn among the
epochs. "x bound" is the measured time divided by that bound.

Targets, for the faster NumPy version (notebook 07's): the 784-100-10 epoch at least 2x faster
than PyTorch's, and within 2.5x of the FLOP bound.

To show where the 784-100-10 epoch's time goes, parts of it are also timed alone, for as many
batches as an epoch has: the five matrix products of one training step (the only work the bound
counts), and each version's Adam step on the model's 79,510 parameters (about a dozen element-wise
passes over every parameter per step, work the bound does not count).
"""

from __future__ import annotations

import common
import numpy as np
from flops import matmul_contender, mlp_training_flops

import helpers

SIZES = {"784-16-10": (784, 16, 10), "784-100-10": (784, 100, 10)}
BATCH = 128
LEARNING_RATE = 1e-3
EPS = 1e-7  # notebook 05's Adam epsilon
SEED = 0
REPEATS = 9
TARGET_VS_TORCH = 2.0
TARGET_VS_BOUND = 2.5


NB05, NB07 = "05-softmax-minibatches-and-adam", "07-make-training-fast"
VERSIONS = ("notebook 05", "notebook 07")
MATMUL = "matrix multiply for the FLOP bound"


def load_code() -> tuple[dict | None, str]:
    """Return the NumPy code of notebooks 05 and 07 by name, or ``(None, why)`` if it is missing."""
    try:
        nb05 = helpers.load_notebook(NB05)
        nb07 = helpers.load_notebook(NB07, given=nb05)  # its fast epoch uses nb05's forward
        names05, names07 = ("init_network", "train_epoch", "Adam"), ("fast_train_epoch", "FlatAdam")
        code = dict(zip(names05, helpers.require(nb05, *names05), strict=True))
        code.update(zip(names07, helpers.require(nb07, *names07), strict=True))
        return code, ""
    except helpers.NotebookCodeMissing as error:
        return None, str(error)


def numpy_epoch(code: dict, version: str, sizes, x, y):
    """Return a function that trains a fresh network for one epoch with a notebook's code.

    The function returns the epoch's (loss, accuracy) and the trained parameters.
    """

    def run():
        rng = np.random.default_rng(SEED)
        params = code["init_network"](list(sizes), rng)
        if version == "notebook 05":
            adam = code["Adam"](params, lr=LEARNING_RATE)
            return code["train_epoch"](params, adam, x, y, BATCH, rng), params
        optimizer = code["FlatAdam"](params, lr=LEARNING_RATE)
        return code["fast_train_epoch"](optimizer, x, y, BATCH, rng), optimizer.params

    return run


def same_epoch(code: dict, sizes, x, y) -> bool:
    """Whether notebook 07's epoch ends with notebook 05's loss, accuracy and weights, bitwise."""
    (slow, slow_params), (fast, fast_params) = (
        numpy_epoch(code, version, sizes, x, y)() for version in VERSIONS
    )
    return slow == fast and all(
        np.array_equal(a, b) for a, b in zip(slow_params, fast_params, strict=True)
    )


def epoch_parts(code: dict, sizes, x) -> dict:
    """Time, for one epoch's number of batches, the step's matrix products and each Adam step."""
    rng = np.random.default_rng(SEED)
    w1, b1, w2, b2 = params = code["init_network"](list(sizes), rng)
    x_batch = x[:BATCH]
    hidden = np.maximum(x_batch @ w1 + b1, 0)
    delta2 = np.ones((BATCH, sizes[-1]), np.float32)
    delta1 = np.ones_like(hidden)
    batches = -(-len(x) // BATCH)

    def products():
        for _ in range(batches):
            x_batch @ w1, hidden @ w2  # forward
            hidden.T @ delta2, delta2 @ w2.T, x_batch.T @ delta1  # backward

    adam = code["Adam"](params, lr=LEARNING_RATE)
    grads = [np.full_like(p, 1e-3) for p in params]
    flat_adam = code["FlatAdam"](params, lr=LEARNING_RATE)
    flat_adam.grad[:] = 1e-3

    def adam_steps():
        for _ in range(batches):
            adam.step(params, grads)

    def flat_adam_steps():
        for _ in range(batches):
            flat_adam.step()

    return common.best_interleaved(
        {
            "matrix products only": products,
            "Adam steps only (notebook 05)": adam_steps,
            "Adam steps only (notebook 07)": flat_adam_steps,
        },
        REPEATS,
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
    """Check notebook 07's epoch, time every model in both libraries; return the JSON record."""
    x_train, y_train, _, _ = common.load_data()
    x = x_train.astype(np.float32) / np.float32(255)
    y = y_train.astype(np.intp)
    code, why_numpy = load_code()
    torch, why_torch = common.torch_or_reason()
    if torch is not None:
        torch.set_num_threads(common.ALL_CORES)
    multiply, matmul_flops = matmul_contender()
    contenders = {MATMUL: multiply}  # the FLOP bound's product takes its turn among the runs
    for name, sizes in SIZES.items():
        for version in VERSIONS:
            run = numpy_epoch(code, version, sizes, x, y) if code else None
            contenders[f"NumPy {name} ({version})"] = run
        contenders[f"PyTorch {name}"] = torch_epoch(torch, sizes, x, y) if torch else None
    with common.blas_threads(common.ALL_CORES):
        same = same_epoch(code, SIZES["784-100-10"], x, y) if code else None
        multiply()  # warm-up
        seconds = common.best_interleaved(contenders, REPEATS)
        parts = epoch_parts(code, SIZES["784-100-10"], x) if code else {}

    gflops = matmul_flops / seconds.pop(MATMUL) / 1e9
    rows, targets = [], []
    for name, sizes in SIZES.items():
        flops = mlp_training_flops(sizes, len(x))
        bound = flops / (gflops * 1e9)
        torch_seconds = seconds.get(f"PyTorch {name}")
        for key in [f"NumPy {name} ({version})" for version in VERSIONS] + [f"PyTorch {name}"]:
            if key not in seconds:
                continue
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
    if same is not None:
        targets.append(
            common.target(
                "notebook 07's epoch ends with notebook 05's weights, bit for bit (1 = yes)",
                float(same),
                1.0,
                at_least=True,
            )
        )
    bound = mlp_training_flops(SIZES["784-100-10"], len(x)) / (gflops * 1e9)
    main_numpy = seconds.get("NumPy 784-100-10 (notebook 07)")
    main_torch = seconds.get("PyTorch 784-100-10")
    if main_numpy and main_torch:
        targets.append(
            common.target(
                "NumPy 784-100-10 epoch (notebook 07) >= 2x faster than PyTorch",
                main_torch / main_numpy,
                TARGET_VS_TORCH,
                at_least=True,
            )
        )
    if main_numpy:
        targets.append(
            common.target(
                "NumPy 784-100-10 epoch (notebook 07) within 2.5x of the FLOP bound",
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
        "same_as_notebook_05": same,
        "seconds": seconds,
        "rows": rows,
        "breakdown_784_100_10": breakdown,
        "targets": targets,
    }
    common.write_json("minibatch", record)
    return record


if __name__ == "__main__":
    main()
