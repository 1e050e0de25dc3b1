"""The training loop: ``nn.fit`` runs epochs of forward, loss, backward, step, and watches.

One epoch, for every batch (x, y) of the training loader:

    out = model(x);  loss = loss_fn(out, y);  optimizer.zero_grad();  loss.backward();
    optimizer.step()

then the validation set is measured without recording a graph, the scheduler steps, the
callbacks decide whether to stop, and (when asked) a training checkpoint is written. A
tqdm bar shows the running loss and accuracy of the epoch.

Resuming is exact: the checkpoint holds the weights, the optimizer's moments, the
scheduler, the loader's shuffling generator and the global RNG, so 2 epochs + resume +
2 epochs gives the very bits of 4 epochs in a row (on CPU; GPU reductions may reorder).
"""
from __future__ import annotations

import signal
import threading
from collections.abc import Iterable
from typing import NamedTuple

import numpy as np
from tqdm.auto import tqdm

import autodiff as ad

from . import checkpoint as ckpt
from .callbacks import Callback

METRICS = ("loss", "accuracy", "val_loss", "val_accuracy")


class History:
    """What happened, epoch by epoch: ``metrics[name]`` is a list with one value per epoch
    (``loss accuracy val_loss val_accuracy``), ``grad_norms[layer]`` the mean L2 norm of
    that layer's gradient over the epoch's batches (when ``fit(grad_norms=True)``), ``lr``
    the learning rate each epoch used. ``interrupted`` is True after a Ctrl-C.
    """

    def __init__(self, metrics=None, grad_norms=None, lr=None):
        self.metrics: dict[str, list[float]] = {k: list(v) for k, v in (metrics or {}).items()}
        self.grad_norms: dict[str, list[float]] = {k: list(v)
                                                   for k, v in (grad_norms or {}).items()}
        self.lr: list[float] = list(lr or [])
        self.interrupted = False

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


class Evaluation(NamedTuple):
    """``accuracy`` in [0, 1], ``confusion[true, predicted]`` counts, mean ``loss`` (or None)."""
    accuracy: float
    confusion: np.ndarray
    loss: float | None


# ---- measuring -----------------------------------------------------------------------------------
def _predictions(out: ad.Tensor):
    """Predicted classes on the output's device: argmax of logits, or logit > 0 for one output."""
    xp = out.backend.xp
    if out.ndim == 2 and out.shape[1] > 1:
        return xp.argmax(out.data, axis=1)
    return (out.data.reshape(out.shape[0]) > 0).astype(np.int64)


def _is_classification(out: ad.Tensor, y: ad.Tensor) -> bool:
    return y.ndim == 1 and np.issubdtype(y.dtype, np.integer) and out.shape[0] == y.shape[0]


def _on(t: ad.Tensor, device: str | None) -> ad.Tensor:
    return t if device is None or t.device == str(device).split(":")[0] else t.to(device)


def evaluate(model, loader, loss_fn=None, device: str | None = None) -> Evaluation:
    """Accuracy and confusion matrix of ``model`` over every batch of ``loader``.

    Runs in eval mode (dropout off, batch norm on running statistics) without recording a
    graph, then puts the model back in the mode it was in.
    """
    was_training = getattr(model, "training", True)
    model.eval()
    total_loss, seen, pairs = 0.0, 0, []
    try:
        with ad.no_grad():
            for x, y in loader:
                x, y = _on(x, device), _on(y, device)
                out = model(x)
                if loss_fn is not None:
                    total_loss += float(loss_fn(out, y).item()) * len(y)
                seen += len(y)
                if _is_classification(out, y):
                    classes = out.shape[1] if out.ndim == 2 and out.shape[1] > 1 else 2
                    pairs.append((ad.asnumpy(y.data), ad.asnumpy(_predictions(out)), classes))
    finally:
        model.train(was_training)
    if seen == 0:
        raise ValueError("evaluate: the loader gave no batches")
    loss = total_loss / seen if loss_fn is not None else None
    if not pairs:
        return Evaluation(float("nan"), np.zeros((0, 0), dtype=np.int64), loss)
    truth = np.concatenate([p[0] for p in pairs])
    predicted = np.concatenate([p[1] for p in pairs])
    classes = max(max(p[2] for p in pairs), int(truth.max()) + 1)
    confusion = np.zeros((classes, classes), dtype=np.int64)
    np.add.at(confusion, (truth, predicted), 1)
    return Evaluation(float(np.trace(confusion) / len(truth)), confusion, loss)


def _layer_norms(model) -> dict[str, float]:
    """sqrt(sum of squared gradient entries) per layer (parameters grouped by module name)."""
    squares: dict[str, float] = {}
    for name, p in model.named_parameters():
        if p.grad is not None:
            layer = name.rsplit(".", 1)[0] if "." in name else name
            squares[layer] = squares.get(layer, 0.0) + float((p.grad.data ** 2).sum())
    return {layer: float(np.sqrt(s)) for layer, s in squares.items()}


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
    """Load a training checkpoint into fresh objects; returns (epochs done, history)."""
    ckpt.check_state_dict(model, state["model"])
    model.load_state_dict(state["model"])
    optimizer.load_state_dict(state["optimizer"])
    if scheduler is not None:
        if "scheduler" not in state:
            raise ValueError("resume: the checkpoint was trained without a scheduler")
        scheduler.load_state_dict(state["scheduler"])
    if loader is not None and "loader" in state and hasattr(loader, "load_state_dict"):
        loader.load_state_dict(state["loader"])
    if state.get("rng") is not None:
        _global_rng().state = state["rng"]
    for callback, saved in zip(callbacks, state.get("callbacks", [])):
        if saved and hasattr(callback, "load_state_dict"):
            callback.load_state_dict(saved)
    return int(state["epoch"]), History.from_dict(state.get("history", {}))


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
                                          grad_norms, stop, bar, history)
                if stop.requested:
                    history.interrupted = True
                    break
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


def _learning_rate(optimizer) -> float:
    groups = getattr(optimizer, "param_groups", None)
    return float(groups[0]["lr"]) if groups else float(getattr(optimizer, "lr", float("nan")))


def _shown(values: dict[str, float]) -> dict[str, str]:
    """Metrics as a progress bar shows them: losses to 4 decimals, accuracies in percent."""
    short = {"accuracy": "acc", "val_accuracy": "val_acc"}
    return {short.get(k, k): f"{v:.1%}" if "acc" in k else f"{v:.4f}"
            for k, v in values.items()}


def _train_one_epoch(model, loss_fn, optimizer, loader, device, grad_norms, stop, bar,
                     history) -> dict[str, float]:
    model.train()
    total_loss, correct, seen, counted, norms, batch = 0.0, 0, 0, 0, {}, 0
    for batch, (x, y) in enumerate(loader, start=1):
        x, y = _on(x, device), _on(y, device)
        out = model(x)
        loss = loss_fn(out, y)
        optimizer.zero_grad()
        loss.backward()
        if grad_norms:
            for layer, norm in _layer_norms(model).items():
                norms[layer] = norms.get(layer, 0.0) + norm
        optimizer.step()
        total_loss += float(loss.item()) * len(y)
        seen += len(y)
        if _is_classification(out, y):
            correct += int((_predictions(out) == y.data).sum())
            counted += len(y)
        running = {"loss": total_loss / seen}
        if counted:
            running["accuracy"] = correct / counted
        bar.set_postfix(_shown(running), refresh=False)
        bar.update()
        if stop.requested:
            break
    if grad_norms and not stop.requested:
        for layer, total in norms.items():
            history.grad_norms.setdefault(layer, []).append(total / batch)
    values = {"loss": total_loss / max(seen, 1)}
    if counted:
        values["accuracy"] = correct / counted
    return values
