"""Measuring a model: ``nn.evaluate`` (accuracy, confusion matrix, mean loss over a loader)
and the running loss and accuracy that ``nn.fit`` shows during an epoch.

On a GPU, reading a number back (``float``, ``.item()``, ``.numpy()``) waits until every
queued kernel has run. So the sums here stay on the device, and :func:`_read` brings
several of them back in one copy: one wait, not one per batch.
"""
from __future__ import annotations

from typing import NamedTuple

import numpy as np

import autodiff as ad


class Evaluation(NamedTuple):
    """``accuracy`` in [0, 1], ``confusion[true, predicted]`` counts, mean ``loss`` (or None)."""
    accuracy: float
    confusion: np.ndarray
    loss: float | None


def _predictions(out: ad.Tensor):
    """Predicted classes on the output's device: argmax of logits, or logit > 0 for one output."""
    xp = out.backend.xp
    if out.ndim == 2 and out.shape[1] > 1:
        return xp.argmax(out.array, axis=1)
    return (out.array.reshape(out.shape[0]) > 0).astype(np.int64)


def _is_classification(out: ad.Tensor, y: ad.Tensor) -> bool:
    return y.ndim == 1 and np.issubdtype(y.dtype, np.integer) and out.shape[0] == y.shape[0]


def _on(t: ad.Tensor, device: str | None) -> ad.Tensor:
    return t if device is None or t.device == str(device).split(":")[0] else t.to(device)


def evaluate(model, loader, loss_fn=None, device: str | None = None) -> Evaluation:
    """Accuracy and confusion matrix of ``model`` over every batch of ``loader``.

    Runs in eval mode (dropout off, batch norm on running statistics) without recording a
    graph, then puts the model back in the mode it was in. Losses and predictions stay on
    the device until the last batch and come back in two reads, not two per batch.
    """
    was_training = getattr(model, "training", True)
    model.eval()
    loss_sum, seen, classes, truths, guesses, backend = None, 0, 0, [], [], None
    try:
        with ad.no_grad():
            for x, y in loader:
                x, y = _on(x, device), _on(y, device)
                out = model(x)
                if loss_fn is not None:
                    batch = loss_fn(out, y).array.astype(np.float64) * len(y)
                    loss_sum = batch if loss_sum is None else loss_sum + batch
                seen += len(y)
                if _is_classification(out, y):
                    classes = max(classes, out.shape[1] if out.ndim == 2 and out.shape[1] > 1
                                  else 2)
                    truths.append(y.array.astype(np.int64))
                    guesses.append(_predictions(out).astype(np.int64))
                backend = out.backend
    finally:
        model.train(was_training)
    if seen == 0:
        raise ValueError("evaluate: the loader gave no batches")
    loss = _read(backend, [loss_sum])[0] / seen if loss_fn is not None else None
    if not truths:
        return Evaluation(float("nan"), np.zeros((0, 0), dtype=np.int64), loss)
    xp = backend.xp
    pairs = backend.to_host(xp.stack([xp.concatenate(truths), xp.concatenate(guesses)]))
    truth, predicted = pairs
    classes = max(classes, int(truth.max()) + 1)
    confusion = np.zeros((classes, classes), dtype=np.int64)
    np.add.at(confusion, (truth, predicted), 1)
    return Evaluation(float(np.trace(confusion) / len(truth)), confusion, loss)



def _read(backend, values: list) -> list[float]:
    """0-d arrays of one device as Python floats, in one copy to the host (one wait)."""
    xp = backend.xp
    host = backend.to_host(xp.stack([xp.asarray(v).astype(np.float64) for v in values]))
    return [float(v) for v in host]



class _RunningMetrics:
    """The epoch's running loss and accuracy, summed on the device the batches live on.

    ``add`` only queues device work; ``values`` reads both sums back in one copy. The batch
    and sample counts come from shapes, which the host knows without asking the device.
    """

    def __init__(self):
        self.backend = None
        self.loss_sum = self.correct = None     # 0-d device arrays after the first batch
        self.seen = self.counted = 0
        self._last_read = None                  # values() since the last add(): no new read

    def add(self, loss: ad.Tensor, out: ad.Tensor, y: ad.Tensor) -> None:
        self.backend, self._last_read = loss.backend, None
        batch_loss = loss.array.astype(np.float64) * len(y)   # float64, as a Python float was
        self.loss_sum = batch_loss if self.loss_sum is None else self.loss_sum + batch_loss
        self.seen += len(y)
        if _is_classification(out, y):
            hits = (_predictions(out) == y.array).sum()
            self.correct = hits if self.correct is None else self.correct + hits
            self.counted += len(y)

    def values(self) -> dict[str, float]:
        """{"loss": mean loss, "accuracy": fraction right (classification only)}: one read."""
        if self.seen == 0:
            return {"loss": 0.0}
        if self._last_read is None:
            sums = _read(self.backend, [self.loss_sum] + [self.correct] * bool(self.counted))
            self._last_read = {"loss": sums[0] / self.seen}
            if self.counted:
                self._last_read["accuracy"] = sums[1] / self.counted
        return dict(self._last_read)
