"""Measure how long helpers.load_mnist takes to load all four files from the cache.

Run: .venv/bin/python benchmarks/load_data.py
Prints a table and writes benchmarks/results/load_data.json. Target: at most 1 s.
"""

import json
import time
from pathlib import Path

import helpers

REPEATS = 5
TARGET_SECONDS = 1.0


def best_of(repeats: int, function) -> float:
    """Return the shortest of ``repeats`` wall-clock timings of ``function()``."""
    times = []
    for _ in range(repeats):
        start = time.perf_counter()
        function()
        times.append(time.perf_counter() - start)
    return min(times)


def main() -> None:
    """Time both ways of loading and report them against the target."""
    helpers.fetch_mnist(progress=False)  # make sure the cache is filled first
    rows = {
        "load_mnist(fetch=False): decode only": best_of(
            REPEATS, lambda: helpers.load_mnist(fetch=False)
        ),
        "load_mnist(): verify SHA-256 digests, then decode": best_of(REPEATS, helpers.load_mnist),
    }
    print(f"Loading the 4 MNIST files from the cache, best of {REPEATS} runs")
    print(f"machine: {helpers.machine()}\n")
    for name, seconds in rows.items():
        verdict = "ok" if seconds <= TARGET_SECONDS else "SLOWER THAN TARGET"
        print(f"{name:52} {seconds:6.3f} s   (target <= {TARGET_SECONDS} s: {verdict})")
    out = Path(__file__).parent / "results" / "load_data.json"
    out.parent.mkdir(exist_ok=True)
    record = {
        "machine": helpers.machine(),
        "repeats": REPEATS,
        "seconds": rows,
        "target_seconds": TARGET_SECONDS,
    }
    out.write_text(json.dumps(record, indent=2) + "\n")
    print(f"\nwrote {out}")


if __name__ == "__main__":
    main()
