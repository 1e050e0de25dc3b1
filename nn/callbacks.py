"""Callbacks: small objects :func:`nn.fit` calls at the end of every epoch.

A callback sees the epoch number (counted from 1), the metrics of that epoch (``loss``,
``accuracy``, ``val_loss``, ``val_accuracy``) and the model; returning ``True`` stops the
training. ``state_dict``/``load_state_dict`` let a resumed run continue where it stopped.
"""
from __future__ import annotations

import math

import autodiff as ad


class Callback:
    """Do nothing, every time: subclass and override what you need."""

    def on_train_begin(self, model) -> None:
        pass

    def on_epoch_end(self, epoch: int, metrics: dict[str, float], model) -> bool | None:
        return None

    def on_train_end(self, model) -> None:
        pass

    def state_dict(self) -> dict:
        return {}

    def load_state_dict(self, state: dict) -> None:
        pass


class EarlyStopping(Callback):
    """Stop when ``monitor`` has not improved by more than ``min_delta`` for ``patience``
    epochs in a row (Keras' rule). ``mode`` is "min", "max", or "auto" (min for a loss,
    max otherwise). With ``restore_best_weights`` the model gets its best epoch's weights
    back when training stops early.
    """

    def __init__(self, monitor: str = "val_loss", patience: int = 5, min_delta: float = 0.0,
                 mode: str = "auto", restore_best_weights: bool = False):
        if mode not in ("auto", "min", "max"):
            raise ValueError(f"EarlyStopping: mode must be 'auto', 'min' or 'max', got {mode!r}")
        if patience < 0:
            raise ValueError(f"EarlyStopping: patience must be >= 0, got {patience}")
        self.monitor = monitor
        self.patience = patience
        self.min_delta = abs(min_delta)
        self.mode = ("min" if "loss" in monitor else "max") if mode == "auto" else mode
        self.restore_best_weights = restore_best_weights
        self.best = math.inf if self.mode == "min" else -math.inf
        self.best_epoch = 0
        self.wait = 0
        self.stopped_epoch = 0
        self._best_weights = None

    def _improved(self, value: float) -> bool:
        if self.mode == "min":
            return value < self.best - self.min_delta
        return value > self.best + self.min_delta

    def on_epoch_end(self, epoch, metrics, model):
        if self.monitor not in metrics:
            raise KeyError(f"EarlyStopping: no metric {self.monitor!r} this epoch; "
                           f"available: {sorted(metrics)} (val_* needs a val_loader)")
        value = metrics[self.monitor]
        if self._improved(value):
            self.best, self.best_epoch, self.wait = value, epoch, 0
            if self.restore_best_weights:
                self._best_weights = {k: _copy(v) for k, v in model.state_dict().items()}
            return False
        self.wait += 1
        if self.wait > self.patience:
            self.stopped_epoch = epoch
            if self.restore_best_weights and self._best_weights is not None:
                model.load_state_dict(self._best_weights)
            return True
        return False

    def stop_reason(self) -> str:
        """Why it stopped, in words (``fit`` prints it when early stopping ends a run)."""
        return (f"{self.monitor} has not improved by more than {self.min_delta:g} for "
                f"{self.wait} epochs (best {self.best:.4g} at epoch {self.best_epoch})"
                + ("; the weights of that epoch are restored" * self.restore_best_weights))

    def state_dict(self) -> dict:
        return {"best": self.best, "best_epoch": self.best_epoch, "wait": self.wait}

    def load_state_dict(self, state: dict) -> None:
        self.best, self.best_epoch, self.wait = state["best"], state["best_epoch"], state["wait"]

    def __repr__(self) -> str:
        return (f"EarlyStopping(monitor={self.monitor!r}, patience={self.patience}, "
                f"mode={self.mode!r})")


def _copy(t):
    """A host tensor that shares nothing with ``t`` (a state dict hands out live buffers)."""
    return ad.tensor(t.numpy().copy())
