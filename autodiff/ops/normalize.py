"""Normalisation to zero mean and unit variance over some axes (batch norm's core).

    x̂ = (x - μ) · s,   μ = mean(x),   s = 1 / sqrt(var(x) + ε)      (over ``axes``)

As a composite this is a dozen element-wise ops and twice as many in the backward pass; as
one primitive its gradient has a short closed form (n elements per group):

    x̄ = s · (ȳ - mean(ȳ) - x̂ · mean(ȳ · x̂))

The Jacobian s/n · (n I - 1 1ᵀ - x̂ x̂ᵀ) is symmetric, so the same formula pushes tangents
forward. The rule is written in Tensor ops, using ``inv_std`` (s as a primitive of its own,
with ∂s/∂x = -s² x̂ / n), so second derivatives work too.
"""
from __future__ import annotations

import math

from ..primitive import Primitive
from ..tensor import apply
from .reduce import mean, sum


def _statistics(xp, x, axes, eps):
    n = _count(x, axes)
    centered = x - xp.sum(x, axis=axes, keepdims=True) / n
    inv_std = 1 / xp.sqrt(xp.sum(centered * centered, axis=axes, keepdims=True) / n + eps)
    return centered, inv_std


def _normalize(xp, x, axes, eps):
    centered, inv_std = _statistics(xp, x, axes, eps)
    return centered * inv_std


def _normalize_rule(g, out, x, axes, eps):
    """s · (ȳ - mean(ȳ) - x̂ · mean(ȳ · x̂)), with x̂ = out."""
    s = inv_std(x, axes, eps)
    return s * (g - mean(g, axes, keepdims=True) - out * mean(g * out, axes, keepdims=True))


def _count(x, axes) -> int:
    return math.prod(x.shape[a] for a in axes)


NORMALIZE = Primitive(
    "normalize", _normalize, vjp=(_normalize_rule,),
    jvp=lambda tangents, out, x, axes, eps: _normalize_rule(tangents[0], out, x, axes, eps),
    latex=r"\bar{x} = s\,(\bar{y} - \overline{\bar{y}} - \hat{x}\,\overline{\bar{y}\hat{x}})")
INV_STD = Primitive(
    "inv_std", lambda xp, x, axes, eps: _statistics(xp, x, axes, eps)[1],
    vjp=(lambda g, out, x, axes, eps:
         -(g * out * out / _count(x, axes)) * normalize(x, axes, eps),),
    jvp=lambda tangents, out, x, axes, eps:
        -(out * out / _count(x, axes)) * sum(tangents[0] * normalize(x, axes, eps), axes, True),
    latex=r"\bar{x} = -\bar{s}\, s^2 \hat{x} / n")


def normalize(x, axes, eps: float = 1e-5):
    """(x - mean) / sqrt(var + eps) over ``axes`` (NumPy's biased variance)."""
    return apply(NORMALIZE, x, axes=tuple(axes), eps=eps)


def inv_std(x, axes, eps: float = 1e-5):
    """1 / sqrt(var(x) + eps) over ``axes``, kept as size-1 axes."""
    return apply(INV_STD, x, axes=tuple(axes), eps=eps)
