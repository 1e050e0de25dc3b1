"""More of PyTorch's losses: L1, smooth L1, Huber, binary cross-entropy on probabilities and
KL divergence, each as a function and as a module (same arguments, same reductions).

l1:         |x - t|
smooth_l1:  0.5 d^2 / beta where |d| < beta, else |d| - 0.5 beta        (d = x - t)
huber:      0.5 d^2 where |d| < delta, else delta (|d| - 0.5 delta)     (= beta * smooth_l1)
(the square only ever sees the d that use it: where(|d| >= beta, 0, d), so an infinite d's
gradient is its sign, not inf * 0 = NaN from the unused branch)
bce:        -w (t log x + (1 - t) log(1 - x)), each log clamped at -100 as PyTorch does
kl_div:     t (log t - x) for log-probabilities x (0 where t = 0); ``log_target``: e^t (t - x);
            "batchmean" divides the sum by the batch size, the true KL divergence per example.
"""
from __future__ import annotations

import autodiff as ad
from autodiff import scope

from .losses import _check_reduction, _Loss, _on_device, _reduce

__all__ = ["BCELoss", "HuberLoss", "KLDivLoss", "L1Loss", "SmoothL1Loss",
           "binary_cross_entropy", "huber_loss", "kl_div", "l1_loss", "smooth_l1_loss"]


def _pair(input, target, name: str):
    input = ad.as_tensor(input)
    target = _on_device(target, input)
    if input.shape != target.shape:
        raise ValueError(f"{name}: input shape {tuple(input.shape)} and target shape "
                         f"{tuple(target.shape)} differ (broadcasting here is a common bug)")
    return input, target


def l1_loss(input, target, reduction: str = "mean"):
    input, target = _pair(input, target, "l1_loss")
    with scope("l1_loss"):
        return _reduce(ad.abs(input - target), reduction, "l1_loss")


def smooth_l1_loss(input, target, reduction: str = "mean", beta: float = 1.0):
    if beta < 0:
        raise ValueError(f"smooth_l1_loss: beta must be non-negative, got {beta}")
    input, target = _pair(input, target, "smooth_l1_loss")
    with scope("smooth_l1_loss"):
        diff = input - target
        size = ad.abs(diff)
        if beta == 0:
            return _reduce(size, reduction, "smooth_l1_loss")
        far = size >= beta                    # a NaN diff is not far: NaN gradient (PyTorch)
        small = ad.where(far, 0.0, diff)      # an infinite diff never reaches the square
        losses = ad.where(far, size - 0.5 * beta, small * small * (0.5 / beta))
        return _reduce(losses, reduction, "smooth_l1_loss")


def huber_loss(input, target, reduction: str = "mean", delta: float = 1.0):
    if delta <= 0:
        raise ValueError(f"huber_loss: delta must be positive, got {delta}")
    input, target = _pair(input, target, "huber_loss")
    with scope("huber_loss"):
        diff = input - target
        size = ad.abs(diff)
        far = size >= delta                   # a NaN diff is not far: NaN gradient (PyTorch)
        small = ad.where(far, 0.0, diff)      # an infinite diff never reaches the square
        losses = ad.where(far, (size - 0.5 * delta) * delta, small * small * 0.5)
        return _reduce(losses, reduction, "huber_loss")


def _clamped_log(x):
    """max(log x, -100), with log never evaluated at 0 (so no inf and no NaN gradient)."""
    tiny = x > 3.7e-44                                     # e^-100
    return ad.where(tiny, ad.log(ad.where(tiny, x, 1.0)), -100.0)


def binary_cross_entropy(input, target, weight=None, reduction: str = "mean"):
    """Binary cross-entropy of probabilities ``input`` in [0, 1] (after a sigmoid). Prefer
    ``binary_cross_entropy_with_logits`` on the logits: it never takes log(0)."""
    input, target = _pair(input, target, "binary_cross_entropy")
    _check_reduction(reduction, "binary_cross_entropy")
    if input.device in ("cpu",):
        values = input.array
        if values.size and not bool(((values >= 0) & (values <= 1)).all()):
            raise RuntimeError("binary_cross_entropy: all elements of input should be "
                               "between 0 and 1")
    with scope("binary_cross_entropy"):
        log_p, log_q = _clamped_log(input), _clamped_log(1.0 - input)
        losses = -(target * log_p + (1.0 - target) * log_q)
        if weight is not None:
            losses = losses * _on_device(weight, input)
        return _reduce(losses, reduction, "binary_cross_entropy")


def kl_div(input, target, size_average=None, reduce=None, reduction: str = "mean",
           log_target: bool = False):
    """KL(target || model) with the model's log-probabilities ``input``."""
    if size_average is not None or reduce is not None:
        raise ValueError("kl_div: size_average and reduce are deprecated; use reduction")
    input = ad.as_tensor(input)
    target = _on_device(target, input)
    if reduction not in ("mean", "sum", "none", "batchmean"):
        raise ValueError(f"kl_div: reduction must be one of ('mean', 'sum', 'none', "
                         f"'batchmean'), got {reduction!r}")
    with scope("kl_div"):
        if log_target:
            losses = ad.exp(target) * (target - input)
        else:
            positive = target > 0
            safe = ad.where(positive, target, 1.0)           # log(0) never computed
            losses = ad.where(positive, target * (ad.log(safe) - input), 0.0 * input)
        if reduction == "batchmean":
            batch = input.shape[0] if input.ndim else 1
            return ad.sum(losses) / batch
        return _reduce(losses, reduction, "kl_div")


class L1Loss(_Loss):
    def forward(self, input, target):
        return l1_loss(input, target, self.reduction)


class SmoothL1Loss(_Loss):
    def __init__(self, reduction: str = "mean", beta: float = 1.0):
        super().__init__(reduction)
        self.beta = beta

    def forward(self, input, target):
        return smooth_l1_loss(input, target, self.reduction, self.beta)


class HuberLoss(_Loss):
    def __init__(self, reduction: str = "mean", delta: float = 1.0):
        super().__init__(reduction)
        self.delta = delta

    def forward(self, input, target):
        return huber_loss(input, target, self.reduction, self.delta)


class BCELoss(_Loss):
    def __init__(self, weight=None, reduction: str = "mean"):
        super().__init__(reduction)
        self.register_buffer("weight", weight)

    def forward(self, input, target):
        return binary_cross_entropy(input, target, self.weight, self.reduction)


class KLDivLoss(_Loss):
    def __init__(self, reduction: str = "mean", log_target: bool = False):
        if reduction == "batchmean":          # _Loss knows the three common reductions only
            super().__init__("mean")
            self.reduction = "batchmean"
        else:
            super().__init__(reduction)
        self.log_target = log_target

    def forward(self, input, target):
        return kl_div(input, target, reduction=self.reduction, log_target=self.log_target)
