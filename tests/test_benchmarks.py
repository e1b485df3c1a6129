"""The speed benchmarks: they run end to end (at tiny sizes), and their report reads their JSON.

No timing is checked here: speed is measured by ``benchmarks/``, never by tests.
"""

import json
import os
import subprocess
import sys

import pytest

import helpers
import tasks

BENCHMARKS = helpers.PROJECT_ROOT / "benchmarks"
sys.path.insert(0, str(BENCHMARKS))

import common  # noqa: E402 (from benchmarks/)
import notebook_results  # noqa: E402
import report  # noqa: E402

SCRIPTS = ("load_data", "flops", "per_sample", "pure_python", "minibatch", "cnn")
MACHINE = {"machine": "Test machine", "blas": "testblas (2 threads)", "measured_at": "today"}


@pytest.fixture(scope="module")
def quick_run(tmp_path_factory):
    """Run benchmarks/run_all.py --quick once, into a temporary folder; return it and stdout."""
    out = tmp_path_factory.mktemp("bench")
    env = {**os.environ, "PYTHONPATH": os.pathsep.join([str(BENCHMARKS), *sys.path])}
    done = subprocess.run(
        [sys.executable, str(BENCHMARKS / "run_all.py"), "--quick", "--out", str(out)],
        capture_output=True,
        text=True,
        env=env,
        timeout=300,
    )
    assert done.returncode == 0, done.stdout[-3000:] + done.stderr[-3000:]
    return out, done.stdout


def test_every_benchmark_runs_and_writes_its_json(quick_run):
    out, _ = quick_run
    for name in SCRIPTS:
        record = json.loads((out / f"{name}.json").read_text())
        assert record["benchmark"] == name and record["quick"] is True
        assert {"machine", "blas", "measured_at", "rows", "targets"} <= set(record)
        assert record["rows"], f"{name} wrote no rows"
    assert not (BENCHMARKS / "results" / "quick").exists()


def test_summary_states_what_each_target_means(quick_run):
    out, _ = quick_run
    summary = json.loads((out / "summary.json").read_text())
    names = [t["target"] for t in summary["targets"]]
    assert any("its own matrix products" in n for n in names)
    assert not any("FLOP bound" in n for n in names)  # printed, no longer a target
    for t in summary["targets"]:
        assert {"target", "measured", "limit", "comparison", "met", "meaning"} <= set(t)
        assert len(t["meaning"]) > 40 and t["comparison"] in ("<=", ">=")


def test_ratios_point_one_way(quick_run):
    out, _ = quick_run
    minibatch = json.loads((out / "minibatch.json").read_text())
    seconds = minibatch["seconds"]
    row = next(r for r in minibatch["rows"] if r["run"] == "NumPy 784-100-10 (notebook 9)")
    products = seconds["matrix products of a 784-100-10 epoch"]
    assert row["times_products"] == pytest.approx(row["seconds"] / products)
    per_sample = json.loads((out / "per_sample.json").read_text())
    source = per_sample["seconds"]["source"]
    for r in per_sample["rows"]:
        assert r["vs_source"] == pytest.approx(per_sample["seconds"][r["loop"]] / source)


def test_quick_results_make_a_table(quick_run):
    out, _ = quick_run
    table = report.benchmark_table(out)
    assert "| minibatch | NumPy 784-100-10 (notebook 9) |" in table
    assert "x its matrix products" in table and "quick run" in table


def test_without_pytorch_its_rows_are_skipped_with_a_message(quick_run, monkeypatch):
    monkeypatch.setitem(sys.modules, "torch", None)  # import torch raises ImportError
    torch, why = common.torch_or_reason()
    assert torch is None and "PyTorch is not installed" in why
    out, stdout = quick_run
    if "PyTorch is not installed" in stdout:  # this machine has no PyTorch: the path ran
        for name in ("minibatch", "cnn"):
            record = json.loads((out / f"{name}.json").read_text())
            assert record["torch"] is None and "not installed" in record["torch_skipped"]
            assert not any(r["run"].startswith("PyTorch") for r in record["rows"])


def test_the_benchmarks_import_the_notebooks_saved_code():
    # Their code comes from mnist_course (cells marked '# @save'), not from load_notebook.
    for script in ("pure_python", "per_sample", "minibatch", "cnn"):
        text = (BENCHMARKS / f"{script}.py").read_text()
        assert "mnist_course" in text and "load_notebook" not in text, script


def test_the_cnn_learning_rate_is_the_one_notebook_08_recorded():
    cnn = {"notebook": notebook_results.CNN}
    rate = notebook_results.chosen_cnn_learning_rate
    assert rate([{**cnn, "peak_learning_rate": 0.002}]) == 0.002
    assert rate([{**cnn, "optimizer": "Adam, peak learning rate 0.004 (of ...)"}]) == 0.004
    with pytest.raises(
        notebook_results.NotebookResultMissing, match="peak_learning_rate=best_rate"
    ):
        rate([{**cnn, "optimizer": "Adam"}])
    assert rate() > 0  # the committed results/ hold it


def test_readme_benchmark_table_matches_benchmark_results(project_root):
    text = (project_root / "README.md").read_text()
    found = tasks.readme_table(text, tasks.BENCH_START, tasks.BENCH_END)
    assert found is not None, "README lost its benchmark-table markers"
    expected = report.benchmark_table(project_root / "benchmarks" / "results")
    assert found == expected, "README is stale: run `python3 tasks.py table`"


def test_benchmark_table_lists_runs_targets_and_machine(tmp_path):
    assert "No benchmark results yet" in report.benchmark_table(tmp_path)
    summary = {
        **MACHINE,
        "targets": [
            {"target": "fast", "measured": 0.2, "limit": 1 / 6, "comparison": "<=", "met": False}
        ],
    }
    rows = [{"loop": "source", "us_per_sample": 150.0, "vs_source": 1.0}]
    (tmp_path / "summary.json").write_text(json.dumps(summary))
    setup = {"samples": 5000, "seed": 7, "threads": 1, "repeats": 5, "quick": False}
    (tmp_path / "per_sample.json").write_text(json.dumps({**MACHINE, **setup, "rows": rows}))
    table = report.benchmark_table(tmp_path)
    assert "| per_sample | source | 150.0 µs/image | 1.00x the source's speed |" in table
    assert "| fast | 0.20 | <= 0.167 | **no** |" in table
    assert "Test machine" in table and "testblas" in table
    assert "| per_sample | 5,000 training images, seed 7, 1 BLAS thread(s), best of 5 |" in table


def test_benchmark_table_reads_the_layout_before_one_direction(tmp_path):
    # Before: speed-ups for per_sample, and minibatch's vs_torch was PyTorch's time over NumPy's.
    (tmp_path / "summary.json").write_text(json.dumps({**MACHINE, "targets": []}))
    old = {"run": "NumPy 784-100-10 (notebook 9)", "seconds": 0.1, "vs_torch": 2.0}
    minibatch = {**MACHINE, "rows": [{**old, "times_bound": 3.0}]}
    (tmp_path / "minibatch.json").write_text(json.dumps(minibatch))
    fast = {"loop": "fast", "us_per_sample": 1.0, "speedup_vs_source": 4}
    per_sample = {**MACHINE, "rows": [fast]}
    (tmp_path / "per_sample.json").write_text(json.dumps(per_sample))
    table = report.benchmark_table(tmp_path)
    assert "| 0.100 s/epoch | 3.00x the FLOP bound, 0.50x PyTorch's time |" in table
    assert "| fast | 1.0 µs/image | 4.00x the source's speed |" in table


def test_an_epoch_has_full_batches_then_the_rest():
    import flops

    assert flops.epoch_batches(300, 128) == [128, 128, 44]
    assert flops.epoch_batches(256, 128) == [128, 128]
    flops.dense_step_products((784, 16, 10), [128, 44])()  # runs at those shapes
