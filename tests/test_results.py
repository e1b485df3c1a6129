"""record_result, and README's results table generated from results/."""

import json

import pytest

import helpers
import tasks

METRICS = dict(
    model="784-10 linear",
    test_accuracy=0.9,
    parameters=7850,
    train_seconds=1.5,
    seed=0,
    train_size=60000,
)


def test_record_result_writes_json_with_machine(tmp_path, monkeypatch):
    monkeypatch.setenv("MNIST_RESULTS_DIR", str(tmp_path))
    import numpy as np

    path = helpers.record_result("99-demo", **{**METRICS, "test_accuracy": np.float32(0.5)})
    record = json.loads(path.read_text())
    assert path.name == "99-demo--784-10-linear.json"
    assert record["test_accuracy"] == 0.5 and record["notebook"] == "99-demo"
    assert "cores" in record["machine"] and "NumPy" in record["machine"]
    assert helpers.load_results(tmp_path) == [record]


CPUINFO = """processor\t: 0
vendor_id\t: AuthenticAMD
cpu family\t: 26
model\t\t: 2
model name\t: AMD EPYC
flags\t\t: fpu sse2 avx avx2 fma avx512f avx512bw

processor\t: 1
model name\t: AMD EPYC
"""


@pytest.mark.parametrize(
    ("cpuinfo", "described"),
    [
        (CPUINFO, "AMD EPYC (family 26 model 2, AVX-512)"),
        (CPUINFO.replace(" avx512f avx512bw", ""), "AMD EPYC (family 26 model 2, AVX2)"),
        ("processor\t: 0\nmodel name\t: Some CPU\n", "Some CPU"),
        ("processor\t: 0\nCPU implementer\t: 0x41\n", None),
    ],
)
def test_machine_names_the_cpu_family_and_vector_instructions(cpuinfo, described):
    assert helpers._describe_cpu(cpuinfo) == described


@pytest.mark.parametrize(
    ("change", "message"),
    [({"test_accuracy": 97.5}, "fraction"), ({"seed": None}, None)],
)
def test_record_result_rejects_bad_metrics(tmp_path, monkeypatch, change, message):
    monkeypatch.setenv("MNIST_RESULTS_DIR", str(tmp_path))
    metrics = {**METRICS, **change}
    if message is None:
        del metrics["seed"]
        message = "needs seed"
    with pytest.raises(ValueError, match=message):
        helpers.record_result("99-demo", **metrics)


def test_every_result_names_an_existing_notebook(project_root):
    for record in helpers.load_results(project_root / "results"):
        assert (project_root / "notebooks" / f"{record['notebook']}.md").is_file(), record
        assert set(helpers.REQUIRED_METRICS) <= set(record)


def test_readme_table_matches_results(project_root):
    text = (project_root / "README.md").read_text()
    found = tasks.readme_table(text, tasks.TABLE_START, tasks.TABLE_END)
    assert found is not None, "README lost its results-table markers"
    expected = helpers.results_table(helpers.load_results(project_root / "results"))
    assert found == expected, "README is stale: run `python3 tasks.py table`"


def test_results_table_accepts_a_generator():
    record = {"notebook": "01-x", **METRICS, "machine": "Test machine"}
    table = helpers.results_table(r for r in [record])
    assert "| 01-x | 784-10 linear | 7,850 | 90.00% |" in table
    assert table.endswith("Measured on: Test machine.")


def test_only_an_explicit_results_dir_is_written(monkeypatch):
    # The one rule: without MNIST_RESULTS_DIR (set only by `tasks.py results`), a run writes
    # to the scratch folder, never to the committed results/.
    monkeypatch.delenv("MNIST_RESULTS_DIR", raising=False)
    assert helpers.results_dir() == helpers.PROJECT_ROOT / "_build" / "results-scratch"
    assert helpers.results_dir() != helpers.PROJECT_ROOT / "results"
    monkeypatch.setenv("MNIST_RESULTS_DIR", "results")
    assert helpers.results_dir() == helpers.PROJECT_ROOT / "results"


def test_load_results_reads_the_committed_results_by_default(project_root, monkeypatch):
    monkeypatch.setenv("MNIST_RESULTS_DIR", "/nonexistent")
    assert helpers.load_results() == helpers.load_results(project_root / "results")
