"""Run every speed benchmark in one go, then summarise the targets in summary.json.

Run: .venv/bin/python benchmarks/run_all.py [--quick]   (about 2-5 minutes on 2 cores)
or one: .venv/bin/python benchmarks/per_sample.py      (load_data, flops, per_sample,
                                                        pure_python, minibatch, cnn)
or: python3 tasks.py bench [NAME ...] [--quick]

Each benchmark prints its own table and writes <name>.json (to benchmarks/results/, or with
--quick to _build/benchmarks-quick/); this script adds summary.json with every target, what it
means and whether it held. Close other heavy programs first: the ratios are measured in the same
run, but a busy machine still blurs them.
"""

from __future__ import annotations

import sys

import cnn
import common
import flops
import load_data
import minibatch
import per_sample
import pure_python

import helpers

BENCHMARKS = (load_data, flops, per_sample, pure_python, minibatch, cnn)


def main(argv: list[str] | None = None) -> dict:
    """Run the benchmarks one after the other, then write and return the summary."""
    options = common.parse_options(argv, __doc__.splitlines()[0])
    print(f"machine: {helpers.machine()}")
    print(f"BLAS: {common.blas_description()}")
    targets = [t for module in BENCHMARKS for t in common.run(module, options=options)["targets"]]
    print("\nTargets")
    common.print_targets(targets)
    print(f"  {sum(t['met'] for t in targets)} of {len(targets)} targets held")
    summary = {"quick": options.quick, "targets": targets}
    common.write_json("summary", summary, options.out)
    return summary


if __name__ == "__main__":
    main(sys.argv[1:])
