"""How long helpers.load_mnist takes to load all four MNIST files from the cache.

Run: .venv/bin/python benchmarks/load_data.py [--quick]
Prints a table and writes benchmarks/results/load_data.json. Target: at most 1 s to decode the
four files (``load_mnist(fetch=False)``); checking their SHA-256 digests first is timed too.
"""

from __future__ import annotations

import sys

import common

import helpers

NAME = "load_data"
TARGET_SECONDS = 1.0
FULL = {"repeats": 5}
QUICK = {"repeats": 1}
DECODE = "load_mnist(fetch=False): decode only"
VERIFY = "load_mnist(): verify SHA-256 digests, then decode"


def measure(sizes: dict) -> dict:
    """Time both ways of loading, interleaved, after making sure the cache is filled."""
    helpers.fetch_mnist(progress=False)
    seconds = common.best_interleaved(
        {DECODE: lambda: helpers.load_mnist(fetch=False), VERIFY: helpers.load_mnist},
        sizes["repeats"],
    )
    rows = [{"run": name, "seconds": value} for name, value in seconds.items()]
    return {"repeats": sizes["repeats"], "seconds": seconds, "rows": rows}


def targets(record: dict) -> list[dict]:
    """Return the target: decoding the four files from the cache takes at most 1 s."""
    return [
        common.target(
            "decoding the four MNIST files from the cache takes <= 1 s",
            record["seconds"][DECODE],
            TARGET_SECONDS,
            "seconds of helpers.load_mnist(fetch=False), best of the repeats: the one target "
            "in absolute time, as a learner waits for it at the start of every notebook",
        )
    ]


def report(record: dict) -> None:
    """Print the two timings."""
    common.print_table(
        f"Loading the 4 MNIST files from the cache, best of {record['repeats']}",
        record["rows"],
        [("run", "run", "s"), ("seconds", "s", ".3f")],
    )


if __name__ == "__main__":
    common.run(sys.modules[__name__])
