"""Run every speed benchmark in one go and print a summary of the targets.

Run: .venv/bin/python benchmarks/run_all.py        (about 2-5 minutes on 2 cores)
or one topic: .venv/bin/python benchmarks/per_sample.py (pure_python, minibatch, cnn, flops)

Each topic prints its own table and writes benchmarks/results/<topic>.json; this script adds
benchmarks/results/summary.json with every target and whether it held. Close other heavy
programs first: the ratios are measured in the same run, but a busy machine still blurs them.
"""

from __future__ import annotations

import cnn
import common
import flops
import minibatch
import per_sample
import pure_python

import helpers


def main() -> None:
    """Run the benchmarks one after the other, then summarise the targets."""
    print(f"machine: {helpers.machine()}")
    print(f"BLAS: {common.blas_description()}")
    records = {}
    for module in (flops, per_sample, pure_python, minibatch, cnn):
        records[module.__name__] = module.main()
    targets = [t for r in records.values() if r for t in r.get("targets", [])]
    print("\nTargets")
    common.print_targets(targets)
    met = sum(t["met"] for t in targets)
    print(f"  {met} of {len(targets)} targets held")
    common.write_json("summary", {"targets": targets})


if __name__ == "__main__":
    main()
