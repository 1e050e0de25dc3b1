"""The benchmark harness runs and writes its table (speed itself is never asserted)."""
import json
import subprocess
import sys
import time
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
    assert main(["bench", "--contend", "--profile"]) == 0
    assert seen["command"][1:] == ["-m", "benchmarks", "--device", "cpu", "--contend",
                                   "--profile"]


def _alive(pid: int) -> bool:
    """Whether process ``pid`` still runs (a zombie waiting to be reaped does not)."""
    try:
        state = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0]
    except (OSError, IndexError):
        return False
    return state not in ("Z", "X")


def test_the_competing_process_runs_for_the_block_and_is_stopped_after_it():
    from benchmarks.contend import busy_competitor
    with busy_competitor() as process:
        assert process.poll() is None
    assert process.poll() is not None
    with busy_competitor(enabled=False) as nothing:
        assert nothing is None


def test_the_competing_process_stops_by_itself_after_its_limit():
    from benchmarks.contend import start
    process = start(limit_s=0.2)
    assert process.wait(timeout=30) == 0


def test_the_competing_process_stops_when_its_parent_dies():
    parent = ("import os; from benchmarks.contend import start; "
              "print(start(limit_s=60).pid, flush=True); os._exit(0)")   # never stops it
    done = subprocess.run([sys.executable, "-c", parent], cwd=ROOT, capture_output=True,
                          text=True, timeout=60, check=True)
    pid = int(done.stdout.split()[0])
    for _ in range(300):
        if not _alive(pid):
            break
        time.sleep(0.1)
    assert not _alive(pid)


def test_contend_runs_the_whole_benchmark_beside_it_and_says_so(tmp_path, capsys, monkeypatch):
    from benchmarks import contend, workloads
    from benchmarks.__main__ import main
    started, seen_running = [], []
    real_start = contend.start
    monkeypatch.setattr(contend, "start", lambda *a: started.append(real_start(*a)) or started[0])

    def tiny(engine, device):
        return (lambda: seen_running.append(started[0].poll() is None)), 1, "items"
    monkeypatch.setattr(workloads, "all_workloads", lambda quick: [("tiny", tiny, 2)])
    out = tmp_path / "table.json"
    assert main(["--quick", "--only", "tiny", "--no-memory", "--contend", "--same-process",
                 "--json", str(out)]) == 0
    assert seen_running and all(seen_running)
    assert started[0].poll() is not None                # stopped at the end of the run
    header = next(line for line in capsys.readouterr().out.splitlines()
                  if line.startswith("chainrule benchmarks on"))
    assert header.endswith(contend.HEADER_NOTE)
    assert json.loads(out.read_text())["meta"]["contend"] is True


def test_profile_prints_both_training_steps_breakdowns(monkeypatch, capsys):
    from benchmarks import workloads
    from benchmarks.__main__ import main
    monkeypatch.setattr(workloads, "BATCH", 4)          # the format, not the figures
    assert main(["--profile", "--quick"]) == 0
    text = capsys.readouterr().out
    lenet, resnet = text.split("\n\n")
    assert lenet.startswith("LeNet-5") and resnet.startswith("ResNet-mini")
    for table, op in ((lenet, "linear"), (resnet, "normalize_affine")):
        names = [line.split()[0] for line in table.splitlines()[3:]]
        assert "conv2d" in names and op in names, table
        assert "engine (the rest)" in table and table.splitlines()[-1].startswith("phases:")


def test_the_hand_written_numpy_step_does_what_the_engine_does():
    """benchmarks.numpy_limit is a reference only if it computes the same step: after two
    SGD steps from the same weights, its parameters equal the engine's."""
    import numpy as np

    from benchmarks.numpy_limit import LeNetByHand
    from benchmarks.workloads import training
    model, x, y, opt, loss_fn = training("lenet5", "ours")
    by_hand = LeNetByHand(model, x.array, y.array)
    for _ in range(2):
        by_hand.step()
        opt.zero_grad()
        loss_fn(model(x), y).backward()
        opt.step()
    for mine, theirs in zip(by_hand.params, model.parameters()):
        np.testing.assert_allclose(mine, theirs.array, rtol=1e-4, atol=1e-5)
