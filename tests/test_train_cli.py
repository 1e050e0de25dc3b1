"""``chainrule train`` and ``chainrule demo`` end to end on tiny runs, and every bad input
answered by one line, with nothing overwritten."""
from __future__ import annotations

import json

import numpy as np
import pytest

import nn
from chainrule.cli import main

TINY = ["--dataset", "spirals", "--model", "mlp", "--epochs", "2", "--batch-size", "64",
        "--quiet"]


def _train(tmp_path, *extra, out="run"):
    return main(["train", *TINY, "--out", str(tmp_path / out), *extra])


def _snapshot(folder):
    return {p.name: p.read_bytes() for p in sorted(folder.iterdir())}


def test_train_end_to_end_writes_checkpoint_metrics_and_curves(tmp_path, capsys):
    assert _train(tmp_path) == 0
    out = capsys.readouterr().out
    assert "total params" in out, "the summary table is printed"
    assert "test accuracy:" in out and "wrote" in out
    folder = tmp_path / "run"
    assert sorted(p.name for p in folder.iterdir()) == ["checkpoint.npz", "curves.png",
                                                        "metrics.json"]
    metrics = json.loads((folder / "metrics.json").read_text())
    assert metrics["epochs"] == 2 and len(metrics["metrics"]["val_loss"]) == 2
    assert 0 <= metrics["test_accuracy"] <= 1 and len(metrics["confusion"]) == 3
    assert (folder / "curves.png").read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    model = nn.models.mlp(in_features=2, hidden=(64, 64), num_classes=3)
    model.load_state_dict(nn.load(folder / "checkpoint.npz"))


def test_train_on_digits_with_the_default_cnn(tmp_path, capsys):
    code = main(["train", "--epochs", "1", "--quiet", "--out", str(tmp_path / "cnn")])
    assert code == 0 and "conv1" in capsys.readouterr().out


def test_resume_continues_to_the_same_bits(tmp_path):
    plain = ["--schedule", "none"]
    assert main(["train", *TINY, "--epochs", "3", *plain, "--out", str(tmp_path / "a")]) == 0
    assert _train(tmp_path, *plain, out="b") == 0
    checkpoint = str(tmp_path / "b" / "checkpoint.npz")
    assert main(["train", *TINY, "--epochs", "3", *plain, "--resume", checkpoint,
                 "--out", str(tmp_path / "b")]) == 0
    straight, resumed = nn.load(tmp_path / "a" / "checkpoint.npz"), nn.load(checkpoint)
    assert all(np.array_equal(straight[k].numpy(), resumed[k].numpy()) for k in straight)
    assert json.loads((tmp_path / "b" / "metrics.json").read_text())["epochs"] == 3


@pytest.mark.parametrize("args, message", [
    (["--model", "lenet99"], ("unknown model 'lenet99'; choose one of: alexnet_mini, "
                             "googlenet_mini, lenet5_mini")),
    (["--dataset", "mnist"], ("unknown dataset 'mnist'; choose one of: digits, xor, spirals, "
                             "shapes")),
    (["--batch-size", "0"], "--batch-size must be at least 1, got 0"),
    (["--label-smoothing", "1.5"], "--label-smoothing must be in [0, 1), got 1.5"),
    (["--optimizer", "lbfgs"], "unknown optimizer 'lbfgs'; choose one of: sgd, adam"),
    (["--device", "tpu"], "--device tpu: unknown device 'tpu'"),
    (["--model", "lenet5_mini"], "model 'lenet5_mini' takes images (C, H, W)"),
])
def test_bad_input_is_one_clear_line(tmp_path, capsys, args, message):
    assert _train(tmp_path, *args) == 2
    err = capsys.readouterr().err
    assert message in err and "Traceback" not in err and err.count("\n") == 1
    assert not (tmp_path / "run").exists(), "nothing is written before the input is checked"


def test_cuda_without_a_gpu_is_one_clear_line(tmp_path, capsys, monkeypatch):
    from autodiff import backend

    def no_cupy():
        raise RuntimeError("device 'cuda' needs CuPy, which is not installed")
    monkeypatch.setitem(backend._LAZY, "cuda", no_cupy)
    monkeypatch.delitem(backend._BACKENDS, "cuda", raising=False)
    assert _train(tmp_path, "--device", "cuda") == 2
    assert "--device cuda: device 'cuda' needs CuPy" in capsys.readouterr().err


def test_bad_checkpoints_are_refused_and_nothing_is_overwritten(tmp_path, capsys):
    assert _train(tmp_path) == 0
    folder = tmp_path / "run"
    before = _snapshot(folder)
    capsys.readouterr()

    wide = ["--model", "mlp", "--dataset", "digits"]        # another input size: 64 features
    assert main(["train", "--epochs", "1", "--quiet", *wide, "--out", str(folder),
                 "--resume", str(folder / "checkpoint.npz")]) == 2
    err = capsys.readouterr().err
    assert "shape mismatches: fc1.weight (64, 2) (model: (64, 64))" in err
    assert "another architecture" in err

    broken = tmp_path / "broken.npz"
    broken.write_bytes((folder / "checkpoint.npz").read_bytes()[:500])
    assert _train(tmp_path, "--resume", str(broken)) == 2
    assert "truncated or corrupt" in capsys.readouterr().err

    weights_only = tmp_path / "weights.npz"
    nn.save(nn.load(folder / "checkpoint.npz"), weights_only)
    assert _train(tmp_path, "--resume", str(weights_only)) == 2
    assert "not a training checkpoint" in capsys.readouterr().err

    assert _train(tmp_path, "--resume", str(folder / "checkpoint.npz"), "--seed", "3") == 2
    assert "trained with --seed 0 (not 3)" in capsys.readouterr().err
    assert _snapshot(folder) == before, "every failed run left the old files intact"


def test_unwritable_output_folder(tmp_path, capsys):
    blocker = tmp_path / "a-file"
    blocker.write_text("not a folder")
    assert _train(tmp_path, out="a-file/run") == 2
    assert "cannot write into the output folder" in capsys.readouterr().err


def test_demo_writes_its_files(tmp_path, capsys, monkeypatch):
    monkeypatch.setenv("CHAINRULE_DEMO_EPOCHS", "1")
    assert main(["demo", "--quiet", "--out", str(tmp_path / "demo")]) == 0
    out = capsys.readouterr().out
    assert "downstream = upstream × local" in out and "dL/dw" in out
    assert "test accuracy of lenet5_mini" in out
    names = {p.name for p in (tmp_path / "demo").iterdir()}
    assert names == {"derivation.html", "graph.png", "checkpoint.npz", "metrics.json",
                     "curves.png"}
    for name in sorted(names):
        assert f"demo/{name}" in out, "the demo says what it wrote"
    assert "<html" in (tmp_path / "demo" / "derivation.html").read_text().lower()
