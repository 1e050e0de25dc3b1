"""Normalisation over the features of each example: layer norm, group norm, and unit vectors.

layer_norm: each example's last axes (``normalized_shape``) standardised, then
            y = (x - mean) / sqrt(var + eps) * weight + bias, weight/bias of that shape.
group_norm: channels split into ``num_groups`` groups, each standardised over its channels
            and pixels, then a per-channel weight and bias. Neither depends on the batch.
normalize:  x / max(||x||_p, eps) along ``dim``.
cosine_similarity: sum(x1 x2) / (max(||x1||, eps) max(||x2||, eps)) along ``dim``.
"""
from __future__ import annotations

import autodiff as ad
from autodiff import scope

__all__ = ["cosine_similarity", "group_norm", "layer_norm", "normalize"]


def layer_norm(input, normalized_shape, weight=None, bias=None, eps: float = 1e-5):
    x = ad.as_tensor(input)
    shape = (normalized_shape,) if isinstance(normalized_shape, int) else tuple(normalized_shape)
    if tuple(x.shape[x.ndim - len(shape):]) != shape or len(shape) > x.ndim:
        raise ValueError(f"layer_norm: normalized_shape {shape} must match the last axes of the "
                         f"input, got input shape {tuple(x.shape)}")
    axes = tuple(range(x.ndim - len(shape), x.ndim))
    with scope("layer_norm"):
        out = ad.normalize(x, axes, eps) if shape else x * 0.0
        if weight is not None:
            out = out * weight
        return out if bias is None else out + bias


def group_norm(input, num_groups: int, weight=None, bias=None, eps: float = 1e-5):
    x = ad.as_tensor(input)
    if x.ndim < 2:
        raise ValueError(f"group_norm: expected an input (N, C, ...), got shape {tuple(x.shape)}")
    n, channels = x.shape[0], x.shape[1]
    if num_groups < 1 or channels % num_groups:
        raise ValueError(f"group_norm: num_groups ({num_groups}) must divide the number of "
                         f"channels ({channels})")
    with scope("group_norm"):
        grouped = ad.reshape(x, (n, num_groups, x.numel() // max(n * num_groups, 1)))
        out = ad.reshape(ad.normalize(grouped, (2,), eps), x.shape)
        per_channel = (channels,) + (1,) * (x.ndim - 2)
        if weight is not None:
            out = out * ad.reshape(weight, per_channel)
        return out if bias is None else out + ad.reshape(bias, per_channel)


def _clamped_norm(x, p: float, dim: int, eps: float):
    """max(||x||_p, eps) along ``dim`` (kept). Below eps the root is never taken of the
    true sum (the double where): its slope there is infinite, and 0 * inf would be NaN."""
    total = ad.sum(x * x if p == 2 else ad.abs(x) if p == 1 else ad.abs(x) ** p,
                   axis=dim, keepdims=True)
    small = total <= eps ** p
    safe = ad.where(small, 1.0, total)
    root = ad.sqrt(safe) if p == 2 else safe if p == 1 else safe ** (1.0 / p)
    return ad.where(small, eps, root)


def normalize(input, p: float = 2.0, dim: int = 1, eps: float = 1e-12):
    """Unit vectors along ``dim``: x / max(||x||_p, eps)."""
    x = ad.as_tensor(input)
    with scope("normalize"):
        return x / _clamped_norm(x, p, dim, eps)


def cosine_similarity(x1, x2, dim: int = 1, eps: float = 1e-8):
    """The cosine of the angle between x1 and x2 along ``dim`` (that axis is removed)."""
    x1, x2 = ad.as_tensor(x1), ad.as_tensor(x2)
    with scope("cosine_similarity"):
        n1, n2 = _clamped_norm(x1, 2, dim, eps), _clamped_norm(x2, 2, dim, eps)
        return ad.sum((x1 / n1) * (x2 / n2), axis=dim)
