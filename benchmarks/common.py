"""What the speed benchmarks share: data, thread control, timing, tables, targets and JSON.

Every benchmark script measures several ways of doing the same work *in one run*, so that their
ratios are fair even on a busy machine, prints a table and writes ``benchmarks/results/<name>.json``
with the machine, the seeds, the data sizes and every timing. Targets are ratios measured in that
run; nothing measured is ever typed into the code.

Each script is split the same way: ``measure(sizes)`` runs the contenders and returns the JSON
record, ``targets(record)`` turns it into the speed targets, ``report(record)`` prints it, and
:func:`run` ties them together (``--quick`` runs tiny sizes, for the tests, and writes to
``_build/benchmarks-quick/`` instead of ``benchmarks/results/``). Every ratio points one way: the
time of a run divided by the time of what it is compared with (below 1: faster).

Timings are the best of several repeats, and the repeats of the contenders are interleaved (A, B,
C, A, B, C, ...) so that a burst of load from another process hurts all of them alike.
"""

from __future__ import annotations

import argparse
import contextlib
import io
import json
import os
import time
from collections.abc import Callable, Mapping, Sequence
from pathlib import Path

import numpy as np
from threadpoolctl import threadpool_info, threadpool_limits

import helpers

RESULTS = Path(__file__).resolve().parent / "results"
#: where ``--quick`` runs write, so that they never replace the committed results
QUICK_RESULTS = helpers.PROJECT_ROOT / "_build" / "benchmarks-quick"
#: set to 1 to run every benchmark at its tiny ``QUICK`` sizes, like ``--quick``
QUICK_ENV = "MNIST_BENCH_QUICK"

#: Threads for the mini-batch and convolutional runs: every core, in NumPy and PyTorch alike.
ALL_CORES = os.cpu_count() or 1


def load_data() -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """Return MNIST from the cache (downloading it if needed), without a progress bar."""
    helpers.fetch_mnist(progress=False)
    return helpers.load_mnist(fetch=False)


def blas_threads(threads: int):
    """Context manager: limit the BLAS (and OpenMP) thread pools to ``threads``."""
    return threadpool_limits(limits=threads)


def blas_description() -> str:
    """Name the BLAS libraries loaded, their default number of threads and their kernels.

    OpenBLAS picks kernels for the processor it finds, unless ``OPENBLAS_CORETYPE`` names them:
    the description says so, since older kernels can make matrix products much slower.
    """
    pools = [p for p in threadpool_info() if p.get("user_api") == "blas"]
    forced = " set by OPENBLAS_CORETYPE" if os.environ.get("OPENBLAS_CORETYPE") else ""
    return ", ".join(
        f"{p.get('internal_api')} {p.get('version')} ({p.get('num_threads')} threads"
        + (f", {p['architecture']} kernels{forced})" if p.get("architecture") else ")")
        for p in pools
    )


def timed(function: Callable[[], object]) -> float:
    """Return the wall-clock seconds of one call of ``function``."""
    start = time.perf_counter()
    function()
    return time.perf_counter() - start


def best_interleaved(contenders: Mapping[str, Callable[[], object] | None], repeats: int) -> dict:
    """Time each contender ``repeats`` times, interleaved; return the best seconds of each.

    A contender may be ``None`` (not available): it is left out. A contender wrapped by
    :func:`own_time` returns its own seconds (leaving out its set-up); the others are timed
    whole.
    """
    times: dict[str, list[float]] = {name: [] for name, f in contenders.items() if f is not None}
    for _ in range(repeats):
        for name in times:
            run = contenders[name]
            times[name].append(run() if getattr(run, "own_time", False) else timed(run))
    return {name: min(values) for name, values in times.items()}


def own_time(function: Callable[[], float]) -> Callable[[], float]:
    """Mark a contender that times itself and returns its seconds (see best_interleaved)."""
    function.own_time = True
    return function


@contextlib.contextmanager
def quiet():
    """Swallow what notebook functions print (their per-epoch log lines)."""
    with contextlib.redirect_stdout(io.StringIO()):
        yield


def torch_or_reason():
    """Return ``(torch, "")`` when PyTorch is installed, else ``(None, why it is skipped)``."""
    try:
        import torch
    except ImportError:
        return None, (
            "PyTorch is not installed: its rows are skipped "
            "(pip install torch --index-url https://download.pytorch.org/whl/cpu)"
        )
    return torch, ""


def target(name: str, measured: float, limit: float, meaning: str, at_least: bool = False) -> dict:
    """Describe a target: ``measured <= limit`` (or ``>=`` with ``at_least``), and what it means.

    ``meaning`` says in a sentence what is compared with what, for ``summary.json``.
    """
    met = measured >= limit if at_least else measured <= limit
    return {
        "target": name,
        "measured": measured,
        "limit": limit,
        "comparison": ">=" if at_least else "<=",
        "met": bool(met),
        "meaning": meaning,
    }


def print_table(title: str, rows: list[dict], columns: list[tuple[str, str, str]]) -> None:
    """Print rows as an aligned text table; ``columns`` are (key, header, format) triples."""
    print(f"\n{title}")
    cells = [[header for _, header, _ in columns]]
    for row in rows:
        cells.append(
            ["-" if row.get(key) is None else format(row[key], fmt) for key, _, fmt in columns]
        )
    widths = [max(len(line[i]) for line in cells) for i in range(len(columns))]
    for n, line in enumerate(cells):
        text = "  ".join(
            cell.ljust(width) if i == 0 else cell.rjust(width)
            for i, (cell, width) in enumerate(zip(line, widths, strict=True))
        )
        print("  " + text)
        if n == 0:
            print("  " + "  ".join("-" * width for width in widths))


def print_targets(targets: list[dict]) -> None:
    """Print one line per target with PASS or FAIL."""
    for t in targets:
        verdict = "PASS" if t["met"] else "FAIL"
        print(
            f"  target {t['target']}: {t['measured']:.3g} {t['comparison']} {t['limit']:.3g}"
            f"  {verdict}"
        )


def print_versus_torch(title: str, rows: list[dict], seconds_format: str) -> None:
    """Print NumPy-against-PyTorch rows: time, time / PyTorch's, GFLOP, FLOP bound, multiples."""
    columns = [
        ("run", "run", "s"),
        ("seconds", "s/epoch", seconds_format),
        ("vs_torch", "/ PyTorch", ".2f"),
        ("gflop", "GFLOP", ".1f"),
        ("bound", "bound s", seconds_format),
        ("times_bound", "x bound", ".2f"),
    ]
    if any("times_products" in row for row in rows):
        columns.append(("times_products", "x products", ".2f"))
    print_table(title, rows, columns)


def print_skipped(*reasons: str) -> None:
    """Print why a contender was skipped, for each reason that is not empty."""
    for why in reasons:
        if why:
            print(f"  skipped: {why}")


def write_json(name: str, record: dict, folder: Path = RESULTS) -> Path:
    """Write ``<folder>/<name>.json``, with the machine and BLAS; print and return its path."""
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / f"{name}.json"
    full = {
        "benchmark": name,
        "machine": helpers.machine(),
        "blas": blas_description(),
        "measured_at": time.strftime("%Y-%m-%dT%H:%M:%S%z"),
        **record,
    }
    path.write_text(json.dumps(full, indent=2, default=_plain) + "\n")
    print(f"  wrote {path}")
    return path


def parse_options(argv: Sequence[str] | None = None, description: str = "") -> argparse.Namespace:
    """Read ``--quick`` (tiny sizes, also ``MNIST_BENCH_QUICK=1``) and ``--out FOLDER``."""
    parser = argparse.ArgumentParser(description=description)
    parser.add_argument(
        "--quick",
        action="store_true",
        default=os.environ.get(QUICK_ENV) == "1",
        help="tiny sizes, to check that it runs (writes to _build/benchmarks-quick/)",
    )
    parser.add_argument("--out", type=Path, help="the folder for the JSON files")
    options = parser.parse_args(argv)
    if options.out is None:
        options.out = QUICK_RESULTS if options.quick else RESULTS
    return options


def run(
    module: object, argv: Sequence[str] | None = None, options: argparse.Namespace | None = None
) -> dict:
    """Run one benchmark module: measure, targets, report, then write its JSON; return it.

    The module defines ``NAME``, ``FULL`` and ``QUICK`` (its sizes, as dictionaries),
    ``measure(sizes)``, ``targets(record)`` and ``report(record)``.
    """
    options = options or parse_options(argv, module.__doc__.splitlines()[0])
    sizes = module.QUICK if options.quick else module.FULL
    record = {"quick": options.quick, **module.measure(dict(sizes))}
    record["targets"] = module.targets(record)
    module.report(record)
    print_targets(record["targets"])
    write_json(module.NAME, record, options.out)
    return record


def _plain(value: object) -> object:
    """Turn NumPy scalars and arrays into plain Python values for JSON."""
    if isinstance(value, np.generic):
        return value.item()
    if isinstance(value, np.ndarray):
        return value.tolist()
    raise TypeError(f"cannot write {type(value).__name__} as JSON")
