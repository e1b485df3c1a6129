"""Benchmark reporting: README's (and the website's) tables made from ``benchmarks/results/``.

:func:`benchmark_table` turns the JSON files the benchmark scripts write into Markdown: every
timed run, the speed targets, what each benchmark ran, and the machine. ``python3 tasks.py table``
puts it into README and ``docs/_ext/mnist_site.py`` into the website.

It reads both layouts of the JSON files: the current one (written by ``common.run``, with a
``quick`` key), where every ratio is a run's time over its reference's, and the one before it,
where some ratios were speed-ups (the reference's time over the run's).
"""

from __future__ import annotations

import json
import os
from collections.abc import Iterator, Mapping
from pathlib import Path


def benchmark_table(folder: str | os.PathLike) -> str:
    """Format the JSON files written by ``benchmarks/`` as Markdown: the runs, then the targets.

    Parameters
    ----------
    folder
        ``benchmarks/results``: one JSON file per benchmark and ``summary.json``.

    Returns
    -------
    str
        A table of every timed run (time and ratio), a table of the speed targets, what each
        benchmark ran (data size, seed, threads, repeats), and the machine, BLAS library and
        time of the measurement; or a line saying there is none.
    """
    folder = Path(folder)
    summary_path = folder / "summary.json"
    if not summary_path.is_file():
        return "No benchmark results yet: run `.venv/bin/python benchmarks/run_all.py`."
    summary = json.loads(summary_path.read_text())
    lines = ["| benchmark | run | time | compared |", "|---|---|---:|---|"]
    for name, row in _benchmark_rows(folder):
        lines.append(f"| {name} | {row[0]} | {row[1]} | {row[2]} |")
    lines += ["", "| target | measured | limit | met |", "|---|---:|---:|---|"]
    for t in summary["targets"]:
        met = "yes" if t["met"] else "**no**"
        lines.append(
            f"| {t['target']} | {t['measured']:.2f} | {t['comparison']} {t['limit']:.3g} | {met} |"
        )
    lines += ["", "| benchmark | setup |", "|---|---|"]
    for path in sorted(folder.glob("*.json")):
        record = json.loads(path.read_text())
        if "rows" in record:  # the benchmarks of the first table
            lines.append(f"| {path.stem} | {_benchmark_setup(record)} |")
    lines += [
        "",
        f"Measured on: {summary['machine']}; BLAS: {summary['blas']}; "
        f"at {summary['measured_at']} (`benchmarks/run_all.py`).",
    ]
    return "\n".join(lines)


def _benchmark_setup(record: Mapping) -> str:
    """Describe what a benchmark ran: data size, seed, BLAS threads and repeats."""
    parts = []
    samples = record.get("samples")
    if isinstance(samples, Mapping):  # a different number of images for each contender
        parts.append(", ".join(f"{count:,} images ({who})" for who, count in samples.items()))
    elif samples is not None:
        parts.append(f"{samples:,} training images")
    if "timed_images" in record:
        parts.append(
            f"{record['timed_batches']} batches of {record['batch_size']} "
            f"({record['timed_images']:,} images) scaled to {record['scaled_to']:,}"
        )
    elif "batch_size" in record:
        parts.append(f"batches of {record['batch_size']}")
    if "size" in record:
        parts.append(f"{record['size']} x {record['size']} float32 matrices")
    if "seed" in record:
        parts.append(f"seed {record['seed']}")
    if "threads" in record:
        parts.append(f"{record['threads']} BLAS thread(s)")
    if "repeats" in record:
        parts.append(f"best of {record['repeats']}")
    if record.get("quick"):
        parts.append("**quick run (tiny sizes): not a measurement**")
    return ", ".join(parts) or "see its JSON file"


def _upgrade(name: str, record: Mapping) -> list[dict]:
    """Return a record's rows in the current layout: every ratio a time over a time."""
    rows = [dict(row) for row in record["rows"]]
    if "quick" in record:  # written in the current layout
        return rows
    for row in rows:
        if name == "per_sample":
            row["vs_source"] = 1 / row.pop("speedup_vs_source")
        elif name == "pure_python":
            row["vs_pure_python"] = 1 / row.pop("speedup")
        elif name == "minibatch" and row.get("vs_torch"):
            row["vs_torch"] = 1 / row["vs_torch"]  # was PyTorch's time over this run's
    return rows


def _versus(row: Mapping) -> str:
    """Compare a training run with its yardsticks: the FLOP bound, its products, PyTorch."""
    if "times_bound" not in row:
        return "the matrix products alone"
    parts = [f"{row['times_bound']:.2f}x the FLOP bound"]
    if row.get("times_products"):
        parts.append(f"{row['times_products']:.2f}x its matrix products")
    if row["run"].startswith("NumPy") and row.get("vs_torch"):
        parts.append(f"{row['vs_torch']:.2f}x PyTorch's time")
    return ", ".join(parts)


def _benchmark_rows(folder: Path) -> Iterator[tuple[str, tuple[str, str, str]]]:
    """Yield (benchmark, (run, time, comparison)) for every run in the benchmark JSON files."""
    readers = {
        "load_data": lambda r: (r["run"], f"{r['seconds']:.3f} s", ""),
        "per_sample": lambda r: (
            r["loop"],
            f"{r['us_per_sample']:.1f} µs/image",
            f"{1 / r['vs_source']:.2f}x the source's speed",
        ),
        "pure_python": lambda r: (
            r["loop"],
            f"{r['us_per_sample']:.1f} µs/image",
            f"{1 / r['vs_pure_python']:.1f}x pure Python's speed",
        ),
        "minibatch": lambda r: (r["run"], f"{r['seconds']:.3f} s/epoch", _versus(r)),
        "cnn": lambda r: (r["run"], f"{r['seconds']:.2f} s/epoch", _versus(r)),
        "flops": lambda r: (
            f"matrix multiply, {r['threads']} thread(s)",
            f"{r['gflops']:.1f} GFLOP/s",
            "",
        ),
    }
    for name, read in readers.items():
        path = folder / f"{name}.json"
        if path.is_file():
            record = json.loads(path.read_text())
            if "rows" in record:
                for row in _upgrade(name, record):
                    yield name, read(row)
