"""The training loop: ``nn.fit`` runs epochs of forward, loss, backward, step, and watches.

One epoch, for every batch (x, y) of the training loader:

    out = model(x);  loss = loss_fn(out, y);  optimizer.zero_grad();  loss.backward();
    optimizer.step()

then the validation set is measured without recording a graph, the scheduler steps, the
callbacks decide whether to stop, and (when asked) a training checkpoint is written. A
tqdm bar shows the running loss and accuracy of the epoch.

On a GPU, kernels are queued and run while Python goes on; reading a number back (``float``,
``.item()``, ``.numpy()``) waits until the queue is empty. So a training step here reads
nothing: the epoch's loss and accuracy are summed on the device and read back together
every ``DISPLAY_EVERY`` batches (for the bar) and at the end of the epoch.

Resuming is exact: the checkpoint holds the weights, the optimizer's moments, the
scheduler, the loader's shuffling generator and the global RNG, so 2 epochs + resume +
2 epochs gives the very bits of 4 epochs in a row (on CPU; GPU reductions may reorder).
"""
from __future__ import annotations

import signal
import threading
from collections.abc import Iterable
from typing import Any

import numpy as np
from tqdm.auto import tqdm

from . import checkpoint as ckpt
from .callbacks import Callback
from .divergence import check_finite, check_weights, first_bad_batch
from .evaluate import Evaluation, _on, _read, _RunningMetrics, evaluate  # noqa: F401 (Evaluation)

METRICS = ("loss", "accuracy", "val_loss", "val_accuracy")
DISPLAY_EVERY = 10     # batches between two reads of the running metrics (bar, divergence)


class History:
    """What happened, epoch by epoch: ``metrics[name]`` is a list with one value per epoch
    (``loss accuracy val_loss val_accuracy``), ``grad_norms[layer]`` the mean L2 norm of
    that layer's gradient over the epoch's batches (when ``fit(grad_norms=True)``), ``lr``
    the learning rate each epoch used. ``interrupted`` is True after a Ctrl-C;
    ``stopped_early`` says why a callback (early stopping) ended the run, else None.
    """

    def __init__(self, metrics=None, grad_norms=None, lr=None):
        self.metrics: dict[str, list[float]] = {k: list(v) for k, v in (metrics or {}).items()}
        self.grad_norms: dict[str, list[float]] = {k: list(v)
                                                   for k, v in (grad_norms or {}).items()}
        self.lr: list[float] = list(lr or [])
        self.interrupted = False
        self.stopped_early: str | None = None      # why a callback ended the run, if one did

    @property
    def epochs(self) -> int:
        return len(self.metrics.get("loss", []))

    def append(self, values: dict[str, float]) -> None:
        for name, value in values.items():
            self.metrics.setdefault(name, []).append(float(value))

    def last(self) -> dict[str, float]:
        return {name: values[-1] for name, values in self.metrics.items() if values}

    def to_dict(self) -> dict:
        return {"metrics": self.metrics, "grad_norms": self.grad_norms, "lr": self.lr}

    @classmethod
    def from_dict(cls, state: dict) -> History:
        return cls(state.get("metrics"), state.get("grad_norms"), state.get("lr"))

    def __repr__(self) -> str:
        shown = ", ".join(f"{k}={v:.4g}" for k, v in self.last().items())
        return f"History({self.epochs} epochs{': ' + shown if shown else ''})"


# ---- gradient norms --------------------------------------------------------------------------------
def _layer_norms(model) -> dict[str, Any]:
    """sqrt(sum of squared gradient entries) per layer (parameters grouped by module name),
    as 0-d arrays on the parameters' device: adding them up over an epoch reads nothing."""
    squares: dict[str, Any] = {}
    xp = np
    for name, p in model.named_parameters():
        if p.grad is not None:
            xp = p.grad.backend.xp
            layer = name.rsplit(".", 1)[0] if "." in name else name
            square = (p.grad.array ** 2).sum().astype(np.float64)
            squares[layer] = square if layer not in squares else squares[layer] + square
    return {layer: xp.sqrt(total) for layer, total in squares.items()}


# ---- Ctrl-C: finish the batch, then stop ------------------------------------------------------------
class _StopRequest:
    """While active, the first Ctrl-C only sets a flag (the loop stops after its batch); a
    second one interrupts at once. Signal handlers exist in the main thread only."""

    def __init__(self):
        self.requested = False
        self._previous = None

    def _handle(self, signum, frame):
        if self.requested:
            raise KeyboardInterrupt
        self.requested = True
        tqdm.write("interrupt: stopping after this batch (press Ctrl-C again to stop now)")

    def __enter__(self):
        if threading.current_thread() is threading.main_thread():
            self._previous = signal.signal(signal.SIGINT, self._handle)
        return self

    def __exit__(self, *exc):
        if self._previous is not None:
            signal.signal(signal.SIGINT, self._previous)
        return False


# ---- checkpoints of a whole training ---------------------------------------------------------------
def _global_rng():
    """The generator behind ``nn.manual_seed`` (initialisation, dropout)."""
    from .rng import generator
    return generator().bit_generator


def training_state(model, optimizer, scheduler, loader, history, epoch, callbacks) -> dict:
    """Everything needed to continue exactly: see :func:`restore_training_state`."""
    state = {"model": model.state_dict(), "optimizer": optimizer.state_dict(),
             "epoch": epoch, "history": history.to_dict(),
             "rng": _global_rng().state,
             "callbacks": [getattr(cb, "state_dict", dict)() for cb in callbacks]}
    if scheduler is not None:
        state["scheduler"] = scheduler.state_dict()
    if hasattr(loader, "state_dict"):
        state["loader"] = loader.state_dict()
    return state


def restore_training_state(state: dict, model, optimizer, scheduler=None, loader=None,
                           callbacks=()) -> tuple[int, History]:
    """Load a training checkpoint into fresh objects; returns (epochs done, history).

    A part that does not fit (another optimizer, an edited file) is a CheckpointError that
    names the part, never an error from deep inside the object loading it."""
    epoch, history = check_training_state(state)
    ckpt.check_state_dict(model, state["model"])
    if scheduler is not None and "scheduler" not in state:
        raise ValueError("resume: the checkpoint was trained without a scheduler")
    model.load_state_dict(state["model"])
    part = "optimizer"
    try:
        optimizer.load_state_dict(state["optimizer"])
        if scheduler is not None:
            part, saved = "scheduler", state["scheduler"]
            if not isinstance(saved, dict) or not set(saved) <= set(scheduler.state_dict()):
                raise ValueError(f"it is not the state of a {type(scheduler).__name__}")
            scheduler.load_state_dict(saved)
        if loader is not None and "loader" in state and hasattr(loader, "load_state_dict"):
            part = "loader"
            loader.load_state_dict(state["loader"])
        if state.get("rng") is not None:
            part = "random generator"
            _global_rng().state = state["rng"]
        part = "callbacks"
        for callback, saved in zip(callbacks, state.get("callbacks", [])):
            if saved and hasattr(callback, "load_state_dict"):
                callback.load_state_dict(saved)
    except (KeyError, IndexError, TypeError, ValueError, AttributeError) as e:
        raise ckpt.CheckpointError(f"resume: the checkpoint's {part} state does not fit "
                                   f"({type(e).__name__}: {e})") from None
    return epoch, history


def check_training_state(state: dict) -> tuple[int, History]:
    """(epochs done, history) of a training checkpoint, refusing a file that has no training
    state (``nn.save`` writes weights only) or whose epoch count was tampered with."""
    if not isinstance(state, dict) or "optimizer" not in state or "epoch" not in state:
        raise ckpt.CheckpointError(
            "resume: the checkpoint holds no training state (no optimizer state, no epoch): "
            "it has a model's weights only, as nn.save writes them; load those with "
            "model.load_state_dict(nn.load(path)) and call fit without resume")
    epoch = state["epoch"]
    if not isinstance(epoch, int) or isinstance(epoch, bool) or epoch < 0:
        raise ckpt.CheckpointError(f"resume: the checkpoint's epoch {epoch!r} is not a count "
                                   "of epochs (a damaged or edited file?)")
    try:
        history = History.from_dict(state.get("history", {}))
    except (AttributeError, TypeError, ValueError) as e:
        raise ckpt.CheckpointError(f"resume: the checkpoint's history is damaged ({e})") from None
    if "history" in state and history.epochs != epoch:
        raise ckpt.CheckpointError(f"resume: the checkpoint says epoch {epoch} but its history "
                                   f"holds {history.epochs} epochs (a damaged or edited file?)")
    return epoch, history


# ---- the loop ---------------------------------------------------------------------------------------
def fit(model, loss_fn, optimizer, train_loader, val_loader=None, epochs: int = 1,
        device: str = "cpu", scheduler=None, callbacks: Iterable[Callback] = (),
        grad_norms: bool = False, checkpoint=None, resume=None, progress: bool = True,
        checkpoint_extra: dict | None = None) -> History:
    """Train ``model`` for ``epochs`` epochs in all and return its :class:`History`.

    ``checkpoint``: a path written (atomically) at the end of every epoch. ``resume``: a
    training checkpoint (path or loaded dict) to continue from; ``epochs`` still counts
    from the start, so ``fit(..., epochs=4, resume=after_2)`` runs epochs 3 and 4.
    ``checkpoint_extra`` is stored beside the training state (e.g. the model's name).
    A first Ctrl-C stops after the current batch: the history is returned with
    ``interrupted=True`` and the checkpoint of the last complete epoch is kept.
    A loss that becomes NaN or Inf raises :class:`TrainingDiverged` (naming the epoch, the
    batch and the likely cause) before anything computed from it is saved.
    On a GPU, build the loaders with the same ``device`` so that batches are made there
    (see ``DataLoader``); a batch from elsewhere is copied over, explicitly, each step.
    """
    if not isinstance(epochs, (int, np.integer)) or epochs < 0:
        raise ValueError(f"fit: epochs must be a non-negative integer, got {epochs!r}")
    callbacks = list(callbacks)
    if hasattr(model, "to"):
        model.to(device)
    history, done = History(), 0
    if resume is not None:
        state = resume if isinstance(resume, dict) else ckpt.load_checkpoint(resume)
        done, history = restore_training_state(state, model, optimizer, scheduler,
                                               train_loader, callbacks)
    for callback in callbacks:
        callback.on_train_begin(model)
    with _StopRequest() as stop:
        for epoch in range(done + 1, epochs + 1):
            bar = tqdm(total=len(train_loader), desc=f"epoch {epoch}/{epochs}", unit="batch",
                       disable=not progress, leave=True)
            try:
                values = _train_one_epoch(model, loss_fn, optimizer, train_loader, device,
                                          grad_norms, stop, bar, history, epoch)
                if stop.requested:
                    history.interrupted = True
                    break
                if checkpoint is not None:
                    check_weights(model, optimizer, epoch, train_loader, history)
                if val_loader is not None:
                    result = evaluate(model, val_loader, loss_fn, device)
                    values["val_loss"] = result.loss
                    if not np.isnan(result.accuracy):
                        values["val_accuracy"] = result.accuracy
                    bar.set_postfix(_shown(values), refresh=True)
            finally:
                bar.close()
            history.lr.append(_learning_rate(optimizer))
            if scheduler is not None:
                scheduler.step()
            history.append(values)
            votes = [bool(cb.on_epoch_end(epoch, dict(values), model)) for cb in callbacks]
            should_stop = any(votes)   # every callback sees every epoch
            if should_stop and epoch < epochs:
                history.stopped_early = "; ".join(
                    _stop_reason(cb, epoch, epochs) for cb, vote in zip(callbacks, votes) if vote)
                if progress:
                    tqdm.write(history.stopped_early)
            if checkpoint is not None:
                state = training_state(model, optimizer, scheduler, train_loader, history,
                                       epoch, callbacks)
                ckpt.save_checkpoint(checkpoint, **state, extra=checkpoint_extra or {})
            if should_stop or stop.requested:
                history.interrupted = stop.requested
                break
    for callback in callbacks:
        callback.on_train_end(model)
    return history


def _stop_reason(callback, epoch: int, epochs: int) -> str:
    reason = getattr(callback, "stop_reason", None)
    why = reason() if callable(reason) else f"{type(callback).__name__} asked to stop"
    return f"early stopping after epoch {epoch} of {epochs}: {why}"


def _learning_rate(optimizer) -> float:
    groups = getattr(optimizer, "param_groups", None)
    return float(groups[0]["lr"]) if groups else float(getattr(optimizer, "lr", float("nan")))


def _shown(values: dict[str, float]) -> dict[str, str]:
    """Metrics as a progress bar shows them: losses to 4 decimals, accuracies in percent."""
    short = {"accuracy": "acc", "val_accuracy": "val_acc"}
    return {short.get(k, k): f"{v:.1%}" if "acc" in k else f"{v:.4f}"
            for k, v in values.items()}


def _train_one_epoch(model, loss_fn, optimizer, loader, device, grad_norms, stop, bar,
                     history, epoch: int = 1) -> dict[str, float]:
    """One pass over ``loader``. No step reads from the device (see the module docstring):
    the running metrics are read every ``DISPLAY_EVERY`` batches for the bar (and then a
    diverging loss stops the epoch) and at its end, so on a GPU the host keeps queueing work
    while the device runs it. The first bad batch is remembered on the device."""
    model.train()
    running, norms, batch, first_bad = _RunningMetrics(), {}, 0, None
    for batch, (x, y) in enumerate(loader, start=1):
        x, y = _on(x, device), _on(y, device)
        out = model(x)
        loss = loss_fn(out, y)
        optimizer.zero_grad()
        loss.backward()
        if grad_norms:
            for layer, norm in _layer_norms(model).items():
                norms[layer] = norm if layer not in norms else norms[layer] + norm
        optimizer.step()
        running.add(loss, out, y)
        first_bad = first_bad_batch(first_bad, loss, batch)   # on the device: reads nothing
        if not bar.disable and batch % DISPLAY_EVERY == 0:   # the bar reads: check too
            check_finite(running, first_bad, optimizer, epoch, loader, history)
            bar.set_postfix(_shown(running.values()), refresh=False)
        bar.update()
        if stop.requested:
            break
    if batch == 0:
        raise ValueError("fit: the training loader gave no batches (an empty dataset, or "
                         "drop_last=True with fewer samples than batch_size)")
    check_finite(running, first_bad, optimizer, epoch, loader, history)
    values = running.values()
    if not bar.disable:
        bar.set_postfix(_shown(values), refresh=False)
    if grad_norms and not stop.requested and norms:
        totals = _read(running.backend, list(norms.values()))
        for layer, total in zip(norms, totals):
            history.grad_norms.setdefault(layer, []).append(total / batch)
    return values
