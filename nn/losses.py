"""Loss functions and their module forms (PyTorch's names, arguments and reductions).

``reduction`` is "mean" (the default), "sum" or "none" (one loss per element or example).
Each loss is a few autodiff ops inside a named scope, so its gradient needs no code here.
"""
from __future__ import annotations

import numpy as np

import autodiff as ad
from autodiff import Tensor, scope
from autodiff.ops.crossentropy import softmax_cross_entropy

from .module import Module

_REDUCTIONS = ("mean", "sum", "none")
_HOST_DEVICES = ("cpu", "sympy")   # arrays in host memory: reading a value back costs no wait


def _check_reduction(reduction: str, name: str) -> None:
    if reduction not in _REDUCTIONS:
        raise ValueError(f"{name}: reduction must be one of {_REDUCTIONS}, got {reduction!r}")


def _reduce(losses, reduction: str, name: str):
    _check_reduction(reduction, name)
    if reduction == "mean":
        return ad.mean(losses)
    return ad.sum(losses) if reduction == "sum" else losses


def _on_device(value, like: Tensor) -> Tensor:
    """``value`` as a tensor on ``like``'s device (host data is copied there explicitly)."""
    t = ad.as_tensor(value)
    return t if t.device == like.device else t.to(like.device)


def mse_loss(input, target, reduction: str = "mean"):
    """Mean squared error: mean((input - target)^2). Shapes must match: a (N, 1) input
    against a (N,) target would silently broadcast to (N, N) otherwise."""
    input = ad.as_tensor(input)
    target = _on_device(target, input)
    if input.shape != target.shape:
        raise ValueError(f"mse_loss: input shape {input.shape} and target shape {target.shape} "
                         "differ (reshape one of them; broadcasting here is a common bug)")
    with scope("mse_loss"):
        diff = input - target
        return _reduce(diff * diff, reduction, "mse_loss")


def _class_weights(weight, logp: Tensor):
    """The class weights as a (1, C, 1, ...) tensor (all ones when none are given)."""
    if weight is None:
        return None
    weight = _on_device(weight, logp)
    if weight.shape != (logp.shape[1],):
        raise ValueError(f"weight must have one entry per class ({logp.shape[1]}), "
                         f"got shape {weight.shape}")
    return ad.reshape(weight, (1, logp.shape[1]) + (1,) * (logp.ndim - 2))


def nll_loss(input, target, weight=None, ignore_index: int = -100, reduction: str = "mean"):
    """Negative log-likelihood of the target classes, given log-probabilities ``input``
    (N, C, ...) and class indices ``target`` (N, ...): loss_n = -w[t_n] * input[n, t_n].
    "mean" divides by the sum of the weights of the targets counted."""
    return _indexed_loss(input, target, weight, ignore_index, reduction, 0.0, "nll_loss")


def _target_picks(input: Tensor, target, ignore_index: int, name: str):
    """(xp, dtype, valid, picks): picks (N, C, ...) is 1 at each counted target (n, t_n) and
    0 elsewhere, valid (N, ...) says which targets count (not ``ignore_index``)."""
    target = ad.as_tensor(target)
    if target.dtype.kind not in "iu":
        raise TypeError(f"{name}: target must hold integer class indices, got {target.dtype}")
    if target.shape != (input.shape[0],) + input.shape[2:]:
        raise ValueError(f"{name}: input {input.shape} needs target of shape "
                         f"{(input.shape[0],) + input.shape[2:]}, got {target.shape}")
    on_host = input.device in _HOST_DEVICES
    # class indices are integers on every device; on the symbolic one they stay host ints
    labels = target.array if input.device == "sympy" else _on_device(target, input).array
    classes = input.shape[1]
    xp = np if input.device == "sympy" else input.backend.xp
    valid = labels != ignore_index
    out_of_range = valid & ((labels < 0) | (labels >= classes))
    if on_host and bool(xp.any(out_of_range)):
        raise IndexError(f"{name}: a target is out of range for {classes} classes "
                         f"(targets must be in 0..{classes - 1} or ignore_index={ignore_index})")
    dtype = np.float64 if input.dtype == object else input.dtype
    positions = xp.arange(classes).reshape((1, classes) + (1,) * (input.ndim - 2))
    one_hot = (xp.expand_dims(labels, 1) == positions) & xp.expand_dims(valid, 1)
    picks = one_hot.astype(dtype)                         # 1 at (n, t_n), 0 elsewhere
    if not on_host:
        # Raising would need the flag on the host: a wait for the GPU at every step. Instead
        # an out-of-range target makes its example's loss NaN (PyTorch's CUDA kernels stop
        # with a device-side assert), which shows the moment the loss is read.
        picks = xp.where(xp.expand_dims(out_of_range, 1), xp.nan, picks).astype(dtype)
    return xp, dtype, valid, picks


def _indexed_loss(input, target, weight, ignore_index: int, reduction: str, smoothing: float,
                  name: str):
    """nll_loss, and cross_entropy's class-index case with ``label_smoothing`` ``smoothing``.

    Both are -sum_c input[n, c] * coeff[n, c] per example. Without smoothing coeff is w[t_n]
    at c = t_n and 0 elsewhere; smoothing e spreads part of it over every class:
    coeff = (1 - e) w[t_n] one_hot(t_n) + (e / C) w_c, zero for an ignored target. "mean"
    still divides by sum_n w[t_n] (PyTorch's normalisation), whatever e is.
    """
    input = ad.as_tensor(input)
    if input.ndim == 1:                                   # one example without a batch axis
        losses = _indexed_loss(ad.reshape(input, (1, -1)),
                               ad.reshape(ad.as_tensor(target), (1,)), weight, ignore_index,
                               reduction, smoothing, name)
        return ad.reshape(losses, ()) if reduction == "none" else losses
    xp, dtype, valid, picks_array = _target_picks(input, target, ignore_index, name)
    classes = input.shape[1]
    coeffs = picks_array
    if smoothing:
        spread = xp.expand_dims(valid, 1).astype(dtype) * (smoothing / classes)
        coeffs = (picks_array * (1 - smoothing) + spread).astype(dtype)
    w = _class_weights(weight, input)
    if w is not None:                     # class weights are data, not differentiated
        weights = w.array.astype(dtype) if input.dtype == object else w.array
        picks_array = picks_array * weights
        coeffs = coeffs * weights
    _check_reduction(reduction, name)
    with scope(name if not smoothing else "smoothed_nll_loss"):
        # Selected, not multiplied by zero: a -inf log-probability of a class that is not
        # the target (a masked logit, log 0) adds 0, where 0 * -inf would make the loss NaN
        chosen = ad.tensor(_exact(coeffs != 0, input))
        products = ad.where(chosen, input * ad.tensor(_exact(-coeffs, input)), 0)
        if reduction == "none":
            return ad.sum(products, axis=1)
        if reduction == "sum":
            return ad.sum(products)
        # "mean" divides by the weights of the targets counted (PyTorch's normaliser): when
        # none counts (an empty or fully ignored batch) the loss is 0/0 = NaN, as PyTorch's,
        # while the gradients stay 0 (the selection above passes none of the inf back)
        with np.errstate(divide="ignore"):
            scale = 1 / xp.sum(picks_array)
        return ad.sum(products) * ad.tensor(_exact(scale, input))


def _exact(array, like: Tensor):
    """Host-computed coefficients on ``like``'s device (exact numbers on the symbolic one)."""
    if like.dtype == object:
        from autodiff.symbolic.namespace import SYMPY_NAMESPACE
        return SYMPY_NAMESPACE.asarray(array)
    return array.astype(like.dtype) if array.dtype.kind == "f" else array


def _check_smoothing(label_smoothing) -> float:
    try:
        value = float(label_smoothing)
    except (TypeError, ValueError):
        value = float("nan")
    if not 0 <= value <= 1:                               # also refuses nan
        raise ValueError(f"cross_entropy: label_smoothing must be a number in [0, 1], "
                         f"got {label_smoothing!r}")
    return value


def cross_entropy(input, target, weight=None, ignore_index: int = -100,
                  reduction: str = "mean", label_smoothing: float = 0.0):
    """Cross-entropy of logits ``input`` (N, C, ...) against class indices (N, ...) or class
    probabilities (same shape as ``input``): -sum_c p_c log softmax(input)_c.

    ``label_smoothing`` e in [0, 1] (PyTorch's): the target becomes (1 - e) p + e / C, so
    for class indices loss = (1 - e) nll + e mean_c(-log softmax(input)_c). A little keeps
    a network from growing its logits forever to reach probability exactly 1.

    log softmax is computed as x - logsumexp(x), so logits of 1e4 give exact, finite
    values (softmax followed by log would overflow to inf - inf = nan).
    """
    smoothing = _check_smoothing(label_smoothing)
    input = ad.as_tensor(input)
    target = ad.as_tensor(target)
    if input.ndim == 0:
        raise ValueError("cross_entropy: input must have a class axis, got a 0-d tensor")
    if input.ndim == 1:                  # one example: a batch of one, then drop that axis
        losses = cross_entropy(ad.reshape(input, (1, -1)), ad.reshape(target, (1,) + target.shape),
                               weight, ignore_index, reduction, smoothing)
        return ad.reshape(losses, ()) if reduction == "none" else losses
    if (target.dtype.kind in "iu" and input.ndim == 2 and weight is None and not smoothing
            and reduction in ("mean", "sum") and input.dtype.kind == "f"):
        return _fused_cross_entropy(input, target, ignore_index, reduction)
    with scope("cross_entropy"):
        logp = ad.log_softmax(input, 1)
        if target.dtype.kind in "iu":
            return _indexed_loss(logp, target, weight, ignore_index, reduction, smoothing,
                                 "nll_loss")
        target = _on_device(target, input)
        if target.shape != input.shape:
            raise ValueError(f"cross_entropy: probability targets must have the input's shape "
                             f"{input.shape}, got {target.shape} (class indices must be "
                             f"integers, not {target.dtype})")
        if smoothing:
            target = target * (1 - smoothing) + smoothing / input.shape[1]
        w = _class_weights(weight, logp)
        products = logp * target if w is None else logp * target * w
        return _reduce(-ad.sum(products, axis=1), reduction, "cross_entropy")


def _fused_cross_entropy(input: Tensor, target, ignore_index: int, reduction: str):
    """The common case, logits (N, C) and class indices with no weights or smoothing, as one
    primitive (``autodiff/ops/crossentropy.py``): the same numbers as log_softmax followed
    by nll_loss, about ten nodes fewer."""
    xp, dtype, _, picks = _target_picks(input, target, ignore_index, "cross_entropy")
    scale = xp.ones((), dtype=dtype)
    if reduction == "mean":                # an empty or fully ignored batch: 0/0 = NaN
        with np.errstate(divide="ignore"):
            scale = (1 / xp.sum(picks)).astype(dtype)
    with scope("cross_entropy"):
        # named, so a picture of the loss says what its two constants are
        return softmax_cross_entropy(input, Tensor(picks, name="one_hot(target)"),
                                     Tensor(scale, name="1 / count" if reduction == "mean"
                                            else "1 (sum)"))


def _softplus(z):
    """log(1 + e^z), stable for any z, with gradient sigmoid(z) everywhere (0.5 at 0, and 0
    or 1, not NaN, at -inf and +inf): z + log(1 + e^-z) for z > 0, else log(1 + e^z). Each
    branch sees only the inputs it is chosen for (0 elsewhere), so the branch not taken
    never computes inf - inf, whose NaN would reach the gradient through where's 0 * NaN."""
    positive = z > 0
    above = ad.where(positive, z, 0)
    below = ad.where(positive, 0, z)
    return ad.where(positive, above + ad.log(1 + ad.exp(-above)), ad.log(1 + ad.exp(below)))


def binary_cross_entropy_with_logits(input, target, weight=None, reduction: str = "mean",
                                     pos_weight=None):
    """Binary cross-entropy of sigmoid(input) against targets in [0, 1], computed from the
    logits: loss = (1 - t) x + (1 + (pos_weight - 1) t) log(1 + e^-x). Never log(0)."""
    input = ad.as_tensor(input)
    target = _on_device(target, input)
    if input.shape != target.shape:
        raise ValueError(f"binary_cross_entropy_with_logits: input shape {input.shape} and "
                         f"target shape {target.shape} differ")
    with scope("binary_cross_entropy_with_logits"):
        log_weight = 1 if pos_weight is None else 1 + (_on_device(pos_weight, input) - 1) * target
        losses = (1 - target) * input + log_weight * _softplus(-input)
        if weight is not None:
            losses = losses * _on_device(weight, input)
        return _reduce(losses, reduction, "binary_cross_entropy_with_logits")


class _Loss(Module):
    def __init__(self, reduction: str = "mean"):
        super().__init__()
        if reduction not in _REDUCTIONS:
            raise ValueError(f"{type(self).__name__}: reduction must be one of {_REDUCTIONS}, "
                             f"got {reduction!r}")
        self.reduction = reduction

    def extra_repr(self) -> str:
        return "" if self.reduction == "mean" else f"reduction={self.reduction!r}"


class MSELoss(_Loss):
    def forward(self, input, target):
        return mse_loss(input, target, self.reduction)


class NLLLoss(_Loss):
    def __init__(self, weight=None, ignore_index: int = -100, reduction: str = "mean"):
        super().__init__(reduction)
        self.register_buffer("weight", weight)
        self.ignore_index = ignore_index

    def forward(self, input, target):
        return nll_loss(input, target, self.weight, self.ignore_index, self.reduction)


class CrossEntropyLoss(NLLLoss):
    def __init__(self, weight=None, ignore_index: int = -100, reduction: str = "mean",
                 label_smoothing: float = 0.0):
        super().__init__(weight, ignore_index, reduction)
        self.label_smoothing = _check_smoothing(label_smoothing)

    def forward(self, input, target):
        return cross_entropy(input, target, self.weight, self.ignore_index, self.reduction,
                             self.label_smoothing)


class BCEWithLogitsLoss(_Loss):
    def __init__(self, weight=None, reduction: str = "mean", pos_weight=None):
        super().__init__(reduction)
        self.register_buffer("weight", weight)
        self.register_buffer("pos_weight", pos_weight)

    def forward(self, input, target):
        return binary_cross_entropy_with_logits(input, target, self.weight, self.reduction,
                                                self.pos_weight)
