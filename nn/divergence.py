"""Divergence: a loss that becomes NaN or Inf stops :func:`nn.fit` with a message that says
where (epoch, batch) and why it likely happened, before anything computed from it is saved.

The check reads nothing from the device on its own: each batch's "first bad batch" number is
updated on the device (``xp.where``), and it is read back only when the running loss, read
anyway for the progress bar and at the end of the epoch, is no longer finite.
"""
from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np

from .evaluate import _read

if TYPE_CHECKING:
    from .train import History


class TrainingDiverged(RuntimeError):
    """The loss became NaN or Inf: training stopped before saving anything computed from it.
    ``epoch`` and ``batch`` locate the first bad batch; ``history`` holds the complete epochs
    before it (the last checkpoint written, if any, is theirs)."""

    def __init__(self, message: str, epoch: int, batch: int, history: History):
        super().__init__(message)
        self.epoch, self.batch, self.history = epoch, batch, history


def first_bad_batch(first_bad, loss, batch: int):
    """The number of the epoch's first batch whose loss was NaN or Inf (0: none yet), kept
    as a 0-d array on the loss's device."""
    xp = loss.backend.xp
    bad = ~xp.isfinite(loss.array)
    if first_bad is None:
        return xp.where(bad, batch, 0)
    return xp.where(bad & (first_bad == 0), batch, first_bad)


def check_finite(running, first_bad, optimizer, epoch, loader, history) -> None:
    """Raise TrainingDiverged when the epoch's running loss is no longer finite."""
    if first_bad is None:
        return
    loss = running.values()["loss"]
    if np.isfinite(loss):
        return
    batch = int(_read(running.backend, [first_bad])[0])
    batches = len(loader) if hasattr(loader, "__len__") else None
    raise diverged(optimizer, epoch, batch, batches, f"the loss became {loss}", history)


def check_weights(model, optimizer, epoch: int, loader, history) -> None:
    """Before a checkpoint is written: the epoch's last step can make the weights NaN or Inf
    while every loss of the epoch (each computed before its step) was finite. Such weights
    must not overwrite the last good checkpoint. (Saving reads every weight anyway.)"""
    bad = [name for name, p in model.named_parameters()
           if p.dtype.kind == "f" and not bool(p.backend.xp.isfinite(p.array).all())]
    if bad:
        batches = len(loader) if hasattr(loader, "__len__") else None
        shown = ", ".join(bad[:4]) + (f" and {len(bad) - 4} more" if len(bad) > 4 else "")
        raise diverged(optimizer, epoch, batches or 0, batches,
                       f"the weights ({shown}) became NaN/Inf in the last step", history)


def diverged(optimizer, epoch: int, batch: int, batches, what: str,
             history: History) -> TrainingDiverged:
    """The error for a loss (or weights) no longer finite, with the settings most likely to
    blame."""
    group = (getattr(optimizer, "param_groups", None) or [{}])[0]
    causes = [f"a learning rate too high (lr={group['lr']:g}: try 10 times smaller)"
              if "lr" in group else "a learning rate too high"]
    if group.get("momentum"):
        causes.append(f"too much momentum (momentum={group['momentum']:g})")
    of = f" of {batches}" if batches else ""
    return TrainingDiverged(
        f"fit: {what} at epoch {epoch}, batch {batch}{of}; training stopped and nothing of "
        f"epoch {epoch} was saved (the last checkpoint, if any, holds epoch {epoch - 1}). "
        "Likely cause: " + " or ".join(causes) + "; otherwise NaN/Inf in the data or a log(0) "
        "in the loss (ad.detect_anomaly() names the op)",
        epoch, batch, history)
