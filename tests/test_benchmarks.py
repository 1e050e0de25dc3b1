"""The benchmark harness runs and writes its table (speed itself is never asserted)."""
import json
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def test_a_quick_benchmark_writes_its_table(tmp_path):
    out = tmp_path / "table.json"
    done = subprocess.run(
        [sys.executable, "-m", "benchmarks", "--quick", "--only", "MLP", "--no-memory",
         "--json", str(out)], cwd=ROOT, capture_output=True, text=True, timeout=300,
        check=False)
    assert done.returncode == 0, done.stderr
    table = json.loads(out.read_text())
    (row,) = table["results"]
    assert row["workload"].startswith("MLP") and row["ours_s"] > 0
    assert "ratio = our throughput" in done.stdout


def test_chainrule_bench_passes_its_options_on(monkeypatch):
    from chainrule.commands import bench
    seen = {}

    def fake_run(command, **kwargs):
        seen["command"] = command
        return subprocess.CompletedProcess(command, 0)
    monkeypatch.setattr(bench.subprocess, "run", fake_run)
    from chainrule.cli import main
    assert main(["bench", "--vs", "torch", "--quick", "--only", "LeNet"]) == 0
    assert seen["command"][1:] == ["-m", "benchmarks", "--device", "cpu", "--vs", "torch",
                                   "--quick", "--only", "LeNet"]
