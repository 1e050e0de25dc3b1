"""nn.fit, nn.evaluate, callbacks and training checkpoints: learning, exact resumption,
Ctrl-C, early stopping, and saving a real model."""
from __future__ import annotations

import os
import signal
import threading

import numpy as np
import pytest

import autodiff as ad
import nn
from nn import data


def _spirals(n=120, seed=0):
    x, y = data.spirals(n, classes=3, seed=seed)
    return data.TensorDataset(x, y)


def _mlp():
    return nn.Sequential(nn.Linear(2, 16), nn.ReLU(), nn.Dropout(0.1), nn.Linear(16, 3))


def _setup(seed=0, epochs=4):
    """A fresh model, optimizer, scheduler and shuffling loader, all from ``seed``."""
    nn.manual_seed(seed)
    model = _mlp()
    optimizer = nn.optim.Adam(model.parameters(), lr=0.02)
    scheduler = nn.optim.CosineAnnealingLR(optimizer, T_max=epochs)
    loader = data.DataLoader(_spirals(), 16, shuffle=True, seed=seed)
    return model, optimizer, scheduler, loader


def _bits(model):
    return [p.numpy().tobytes() for p in model.parameters()]


def test_fit_improves_a_small_model_and_records_history():
    model, optimizer, _, loader = _setup()
    val = data.DataLoader(_spirals(60, seed=1), 32)
    history = nn.fit(model, nn.functional.cross_entropy, optimizer, loader, val, epochs=8,
                     grad_norms=True, progress=False)
    metrics = history.metrics
    assert set(metrics) == {"loss", "accuracy", "val_loss", "val_accuracy"}
    assert all(len(v) == 8 for v in metrics.values()) and history.epochs == 8
    assert metrics["loss"][-1] < 0.8 * metrics["loss"][0]
    assert metrics["accuracy"][-1] > metrics["accuracy"][0]
    assert set(history.grad_norms) == {"0", "3"}, "one entry per layer with parameters"
    assert all(len(v) == 8 and min(v) > 0 for v in history.grad_norms.values())
    assert history.lr == [0.02] * 8 and not history.interrupted


def test_progress_bar_shows_running_loss_and_accuracy(capsys):
    model, optimizer, _, loader = _setup()
    nn.fit(model, nn.functional.cross_entropy, optimizer, loader, epochs=1, progress=True)
    err = capsys.readouterr().err
    assert "epoch 1/1" in err and "loss=" in err and "acc=" in err


def test_resume_equals_uninterrupted_training_bit_for_bit(tmp_path):
    path = tmp_path / "ckpt.npz"
    straight = _setup()
    nn.fit(straight[0], nn.functional.cross_entropy, straight[1], straight[3], epochs=4,
           scheduler=straight[2], progress=False)

    first = _setup()
    nn.fit(first[0], nn.functional.cross_entropy, first[1], first[3], epochs=2,
           scheduler=first[2], checkpoint=path, progress=False)
    nn.manual_seed(123)                     # whatever happened since is overwritten
    second = _setup(seed=99)                # different weights, order, dropout: all restored
    second[3].generator = np.random.default_rng(7)
    history = nn.fit(second[0], nn.functional.cross_entropy, second[1], second[3], epochs=4,
                     scheduler=second[2], resume=path, progress=False)
    assert _bits(second[0]) == _bits(straight[0])
    assert history.epochs == 4 and second[2].last_epoch == straight[2].last_epoch


def test_interrupt_stops_after_the_batch_and_keeps_the_last_checkpoint(tmp_path):
    if threading.current_thread() is not threading.main_thread():
        pytest.skip("signal handlers can only be installed in the main thread")
    path = tmp_path / "ckpt.npz"
    calls = {"n": 0}

    def loss_with_ctrl_c(out, y):
        calls["n"] += 1
        if calls["n"] == len(loader) + 3:               # epoch 2, batch 3
            os.kill(os.getpid(), signal.SIGINT)
        return nn.functional.cross_entropy(out, y)
    model, optimizer, scheduler, loader = _setup()
    history = nn.fit(model, loss_with_ctrl_c, optimizer, loader, epochs=4,
                     scheduler=scheduler, checkpoint=path, progress=False)
    assert history.interrupted and history.epochs == 1 and calls["n"] == len(loader) + 3
    assert nn.load_checkpoint(path)["epoch"] == 1
    assert signal.getsignal(signal.SIGINT) is signal.default_int_handler, "handler restored"

    straight = _setup()
    nn.fit(straight[0], nn.functional.cross_entropy, straight[1], straight[3], epochs=4,
           scheduler=straight[2], progress=False)
    again = _setup(seed=5)
    nn.fit(again[0], nn.functional.cross_entropy, again[1], again[3], epochs=4,
           scheduler=again[2], resume=path, progress=False)
    assert _bits(again[0]) == _bits(straight[0]), "resuming the kept checkpoint loses nothing"


def test_resume_refuses_another_architecture(tmp_path):
    model, optimizer, _, loader = _setup()
    nn.fit(model, nn.functional.cross_entropy, optimizer, loader, epochs=1,
           checkpoint=tmp_path / "c.npz", progress=False)
    other = nn.Sequential(nn.Linear(2, 8), nn.ReLU(), nn.Linear(8, 3))
    with pytest.raises(nn.CheckpointError, match=r"shape mismatches: 0\.weight \(16, 2\)"):
        nn.fit(other, nn.functional.cross_entropy, nn.optim.SGD(other.parameters(), lr=0.1),
               loader, epochs=2, resume=tmp_path / "c.npz", progress=False)


def test_early_stopping_stops_and_restores_the_best_weights():
    model = nn.Linear(1, 1)
    stopper = nn.EarlyStopping(monitor="val_loss", patience=1, restore_best_weights=True)
    losses = [1.0, 0.5, 0.7, 0.6, 0.4]
    weights = []
    for epoch, loss in enumerate(losses, start=1):
        model.weight.array[...] = epoch
        weights.append(epoch)
        if stopper.on_epoch_end(epoch, {"val_loss": loss}, model):
            break
    assert epoch == 4 and stopper.best_epoch == 2 and stopper.best == 0.5
    assert model.weight.numpy().item() == 2.0, "the weights of epoch 2 are back"
    with pytest.raises(KeyError, match="available: \\['loss'\\]"):
        nn.EarlyStopping().on_epoch_end(1, {"loss": 1.0}, model)


def test_early_stopping_inside_fit():
    model, optimizer, _, loader = _setup()
    stopper = nn.EarlyStopping(monitor="accuracy", patience=0, min_delta=1.0)  # never improves
    history = nn.fit(model, nn.functional.cross_entropy, optimizer, loader, epochs=10,
                     callbacks=[stopper], progress=False)
    assert history.epochs == 2 and stopper.stopped_epoch == 2


class _Lookup(nn.Module):
    """Logits that put all mass on a fixed prediction per input value (a known answer)."""

    def forward(self, x):
        return ad.tensor(np.eye(3, dtype=np.float32)[x.numpy().astype(int)[:, 0]] * 10)


def test_evaluate_gives_accuracy_and_confusion_matrix():
    predicted, truth = np.array([0, 1, 2, 2, 1, 0]), np.array([0, 1, 2, 1, 1, 2])
    loader = data.DataLoader((predicted[:, None].astype(np.float32), truth), 4)
    result = nn.evaluate(_Lookup(), loader, nn.functional.cross_entropy)
    assert result.accuracy == pytest.approx(4 / 6)
    assert result.confusion.tolist() == [[1, 0, 0], [0, 2, 1], [1, 0, 1]]
    assert result.loss > 0


def test_fit_on_another_device(fake_cuda):
    model, optimizer, _, loader = _setup()
    model.to("cuda")
    history = nn.fit(model, nn.functional.cross_entropy, optimizer, loader, loader, epochs=1,
                     device="cuda", progress=False)
    assert next(model.parameters()).device == "cuda" and history.epochs == 1


def test_a_real_model_saves_and_loads(tmp_path):
    nn.manual_seed(0)
    model = nn.models.lenet5_mini()
    nn.save(model, tmp_path / "lenet.npz")
    nn.manual_seed(1)
    copy = nn.models.lenet5_mini()
    copy.load_state_dict(nn.load(tmp_path / "lenet.npz"))
    x = ad.tensor(np.random.default_rng(0).random((2, 1, 8, 8)).astype(np.float32))
    assert np.array_equal(model(x).numpy(), copy(x).numpy())
