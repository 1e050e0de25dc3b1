"""A loss that becomes NaN or Inf stops fit and ``chainrule train`` (epoch, batch, likely
cause, the last good checkpoint kept, valid JSON); Ctrl-C exits 130 reporting only saved
weights; resuming extends a finished run and applies --lr; fit's other edges (no batches,
early stopping said, no gradient norms to plot)."""
from __future__ import annotations

import json
import os
import signal
import threading

import numpy as np
import pytest

import autodiff as ad
import nn
from chainrule.cli import main
from chainrule.commands import train as training
from nn import data

TINY = ["--dataset", "spirals", "--model", "mlp", "--batch-size", "64", "--quiet"]


def _setup(lr=0.05, momentum=0.0, n=96):
    nn.manual_seed(0)
    model = nn.Sequential(nn.Linear(2, 8), nn.ReLU(), nn.Linear(8, 3))
    optimizer = nn.optim.SGD(model.parameters(), lr=lr, momentum=momentum)
    x, y = data.spirals(n, classes=3, seed=0)
    return model, optimizer, data.DataLoader(data.TensorDataset(x, y), 8)


def _nan_at(loader, epoch, batch):
    """cross_entropy, but NaN at the given (epoch, batch), as an exploding step would give."""
    calls = {"n": 0}

    def loss_fn(out, y):
        calls["n"] += 1
        loss = nn.functional.cross_entropy(out, y)
        return loss * float("nan") if calls["n"] == (epoch - 1) * len(loader) + batch else loss
    return loss_fn, calls


def _finite(state) -> bool:
    return all(np.isfinite(v.numpy()).all() for v in state.values())


def _valid_json(path):
    def refuse(constant):
        raise AssertionError(f"{path.name} holds a bare {constant}")
    return json.loads(path.read_text(), parse_constant=refuse)


# ---- fit ------------------------------------------------------------------------------------------
def test_a_nan_loss_stops_fit_naming_epoch_batch_and_cause(tmp_path):
    model, optimizer, loader = _setup(momentum=0.9)
    loss_fn, _ = _nan_at(loader, epoch=2, batch=3)
    path = tmp_path / "ckpt.npz"
    with pytest.raises(nn.TrainingDiverged) as error:
        nn.fit(model, loss_fn, optimizer, loader, epochs=4, checkpoint=path, progress=False)
    message = str(error.value)
    assert f"loss became nan at epoch 2, batch 3 of {len(loader)}" in message
    assert "learning rate" in message and "lr=0.05" in message and "momentum=0.9" in message
    assert error.value.epoch == 2 and error.value.batch == 3
    assert error.value.history.epochs == 1
    saved = nn.load_checkpoint(path)
    assert saved["epoch"] == 1 and _finite(saved["model"]), "the last good checkpoint is kept"
    assert not _finite(model.state_dict()), "(the NaN did reach the weights)"


def test_weights_made_nan_by_an_epochs_last_step_never_overwrite_the_checkpoint(tmp_path):
    """Every loss of epoch 2 is finite (each is computed before its step), but its last step
    leaves NaN weights: the checkpoint of epoch 1 must stay."""
    model, _, loader = _setup()
    steps = {"n": 0}

    class Poisoned(nn.optim.SGD):
        def step(self, closure=None):
            super().step(closure)
            steps["n"] += 1
            if steps["n"] == 2 * len(loader):
                model[2].bias.array[0] = np.nan
    path = tmp_path / "ckpt.npz"
    with pytest.raises(nn.TrainingDiverged, match=r"the weights \(2\.bias\) became NaN/Inf "
                                                  "in the last step at epoch 2"):
        nn.fit(model, nn.functional.cross_entropy, Poisoned(model.parameters(), lr=0.05),
               loader, epochs=4, checkpoint=path, progress=False)
    saved = nn.load_checkpoint(path)
    assert saved["epoch"] == 1 and _finite(saved["model"])


def test_a_real_explosion_is_caught_early_with_the_progress_bar(capsys):
    model, optimizer, loader = _setup(lr=1e30)
    calls = {"n": 0}

    def counted(out, y):
        calls["n"] += 1
        return nn.functional.cross_entropy(out, y)
    with np.errstate(all="ignore"), pytest.raises(nn.TrainingDiverged, match="lr=1e\\+30"):
        nn.fit(model, counted, optimizer, loader, epochs=3, progress=True)
    assert calls["n"] <= nn.train.DISPLAY_EVERY < len(loader), "stopped at the bar's read"


def test_fit_on_zero_batches_is_an_error_not_a_loss_of_zero():
    model, optimizer, _ = _setup()
    with pytest.raises(ValueError, match="gave no batches"):
        nn.fit(model, nn.functional.cross_entropy, optimizer, [], epochs=1, progress=False)


def test_fit_says_when_early_stopping_ends_a_run(capsys):
    model, optimizer, loader = _setup()
    stopper = nn.EarlyStopping(monitor="accuracy", patience=0, min_delta=1.0)
    history = nn.fit(model, nn.functional.cross_entropy, optimizer, loader, epochs=10,
                     callbacks=[stopper], progress=True)
    said = capsys.readouterr().out
    assert "early stopping after epoch 2 of 10: accuracy has not improved" in said
    assert history.stopped_early.startswith("early stopping after epoch 2 of 10")
    model, optimizer, loader = _setup()
    assert nn.fit(model, nn.functional.cross_entropy, optimizer, loader, epochs=2,
                  progress=False).stopped_early is None


def test_plot_grad_norms_says_how_to_record_them():
    pytest.importorskip("matplotlib")
    from autodiff.viz.plots import plot_grad_norms
    model, optimizer, loader = _setup()
    history = nn.fit(model, nn.functional.cross_entropy, optimizer, loader, progress=False)
    with pytest.raises(ValueError, match=r"nn.fit\(\.\.\., grad_norms=True\)"):
        plot_grad_norms(history)


# ---- chainrule train ---------------------------------------------------------------------------------
@pytest.mark.parametrize("args, message", [
    (["--lr", "inf"], "--lr must be a positive finite number, got inf"),
    (["--lr", "nan"], "--lr must be a positive finite number, got nan"),
    (["--lr", "-1"], "--lr must be a positive finite number, got -1.0"),
    (["--momentum", "nan"], "--momentum must be a finite number >= 0, got nan"),
    (["--momentum=-inf"], "--momentum must be a finite number >= 0, got -inf"),
])
def test_non_finite_settings_are_refused(tmp_path, capsys, args, message):
    assert main(["train", *TINY, "--out", str(tmp_path / "run"), *args]) == 2
    err = capsys.readouterr().err
    assert message in err and err.count("\n") == 1
    assert not (tmp_path / "run").exists()


def test_train_stops_on_divergence_keeps_the_checkpoint_and_writes_valid_json(tmp_path,
                                                                                capsys):
    folder = tmp_path / "run"
    common = [*TINY, "--schedule", "none", "--out", str(folder)]
    assert main(["train", *common, "--epochs", "2"]) == 0
    checkpoint = (folder / "checkpoint.npz").read_bytes()
    capsys.readouterr()
    with np.errstate(all="ignore"):
        code = main(["train", *common, "--epochs", "3", "--lr", "1e30",
                     "--resume", str(folder / "checkpoint.npz")])
    out, err = capsys.readouterr()
    assert code == 1
    assert "--lr 1e+30: continuing with base learning rate 1e+30" in out
    assert "loss became nan at epoch 3, batch" in err and "learning rate" in err
    assert (folder / "checkpoint.npz").read_bytes() == checkpoint, "the good one is kept"
    metrics = _valid_json(folder / "metrics.json")
    assert metrics["epochs"] == 2 and "epoch 3" in metrics["diverged"]
    assert 0 <= metrics["test_accuracy"] <= 1, "measured on the saved weights, not on NaN"


def test_metrics_json_writes_nan_as_null(tmp_path):
    training.write_json(str(tmp_path / "m.json"), {"a": float("nan"), "b": [1.0, np.inf],
                                                   "c": {"d": np.float32("-inf")}, "e": 2})
    assert _valid_json(tmp_path / "m.json") == {"a": None, "b": [1.0, None],
                                               "c": {"d": None}, "e": 2}


def test_ctrl_c_exits_130_and_reports_only_saved_weights(tmp_path, capsys, monkeypatch):
    if threading.current_thread() is not threading.main_thread():
        pytest.skip("signal handlers can only be installed in the main thread")
    splits = training.load_splits("spirals", 0)
    batches = len(data.DataLoader(splits.train, 64))
    val_batches = len(data.DataLoader(splits.val, 64))
    forward, calls = nn.CrossEntropyLoss.forward, {"n": 0}

    def ctrl_c_in_epoch_2(self, out, y):
        calls["n"] += 1
        if calls["n"] == batches + val_batches + 3:           # epoch 2, batch 3
            os.kill(os.getpid(), signal.SIGINT)
        return forward(self, out, y)
    monkeypatch.setattr(nn.CrossEntropyLoss, "forward", ctrl_c_in_epoch_2)
    folder = tmp_path / "run"
    code = main(["train", *TINY, "--epochs", "4", "--out", str(folder)])
    monkeypatch.undo()
    err = capsys.readouterr().err
    assert code == 130 and "interrupted" in err
    metrics = _valid_json(folder / "metrics.json")
    assert metrics["interrupted"] and metrics["epochs"] == 1
    model = training.build_model("mlp", splits.sample_shape, splits.classes)
    model.load_state_dict(nn.load(folder / "checkpoint.npz"))
    saved = nn.evaluate(model, data.DataLoader(splits.test, 64),
                        nn.CrossEntropyLoss(label_smoothing=0.1))
    assert metrics["test_accuracy"] == saved.accuracy, "the accuracy of the saved weights"
    assert metrics["test_loss"] == pytest.approx(saved.loss)
    assert nn.load_checkpoint(folder / "checkpoint.npz")["epoch"] == 1


def test_resume_with_more_epochs_extends_a_finished_run(tmp_path, capsys):
    folder = tmp_path / "run"
    assert main(["train", *TINY, "--epochs", "2", "--out", str(folder)]) == 0   # cosine
    capsys.readouterr()
    resume = ["--resume", str(folder / "checkpoint.npz"), "--out", str(folder)]
    assert main(["train", *TINY, "--epochs", "4", *resume]) == 0
    out = capsys.readouterr().out
    assert "extending the run planned for 2 epochs" in out and "ends at epoch 4" in out
    metrics = _valid_json(folder / "metrics.json")
    assert metrics["epochs"] == 4 and len(metrics["lr"]) == 4
    assert metrics["lr"][2] > 0 and metrics["lr"][2] > metrics["lr"][3], "a live cosine"
    assert main(["train", *TINY, "--epochs", "4", *resume]) == 2
    assert "has trained 4 epochs already; give --epochs larger than 4" in \
        capsys.readouterr().err
    assert "extends the run" in training_help()


def training_help() -> str:
    import argparse
    parser = argparse.ArgumentParser()
    training.register(parser.add_subparsers())
    return " ".join(parser._subparsers._group_actions[0].choices["train"].format_help().split())


def test_lr_given_with_resume_is_applied(tmp_path, capsys):
    folder = tmp_path / "run"
    common = [*TINY, "--schedule", "none", "--out", str(folder)]
    assert main(["train", *common, "--epochs", "2"]) == 0
    assert main(["train", *common, "--epochs", "3", "--lr", "0.01",
                 "--resume", str(folder / "checkpoint.npz")]) == 0
    assert "continuing with base learning rate 0.01 (the checkpoint was trained with 0.1)" \
        in capsys.readouterr().out
    assert _valid_json(folder / "metrics.json")["lr"] == [0.1, 0.1, 0.01]
    assert main(["train", *common, "--epochs", "4",
                 "--resume", str(folder / "checkpoint.npz")]) == 0
    assert _valid_json(folder / "metrics.json")["lr"][-1] == 0.01, "without --lr: the saved"


def test_a_diverging_first_epoch_writes_no_accuracy(tmp_path, capsys):
    folder = tmp_path / "run"
    with np.errstate(all="ignore"):
        code = main(["train", *TINY, "--epochs", "2", "--lr", "1e30", "--out", str(folder)])
    assert code == 1 and "epoch 1" in capsys.readouterr().err
    metrics = _valid_json(folder / "metrics.json")
    assert metrics["epochs"] == 0 and metrics["test_accuracy"] is None
    assert not (folder / "checkpoint.npz").exists()


def test_a_sum_loss_is_fine():
    """A finite loss is never mistaken for divergence (large but finite values included)."""
    model, _, loader = _setup()

    def big(out, y):
        return nn.functional.cross_entropy(out, y) * ad.tensor(np.float32(1e30))
    history = nn.fit(model, big, nn.optim.SGD(model.parameters(), lr=0.0), loader,
                     progress=False)
    assert history.epochs == 1 and np.isfinite(history.metrics["loss"][0])
