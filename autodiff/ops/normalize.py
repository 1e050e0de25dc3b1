"""Normalisation to zero mean and unit variance over some axes (batch norm's core).

    x̂ = (x - μ) · s,   μ = mean(x),   s = 1 / sqrt(var(x) + ε)      (over ``axes``)

As a composite this is a dozen element-wise ops and twice as many in the backward pass; as
one primitive its gradient has a short closed form (n elements per group):

    x̄ = s · P(ȳ),   P(ȳ) = ȳ - mean(ȳ) - x̂ · mean(ȳ · x̂)

P (``project_out``) removes from ȳ its mean and its part along x̂. The Jacobian
s/n · (n I - 1 1ᵀ - x̂ x̂ᵀ) is symmetric, so the same formula pushes tangents forward. Rules
are written in Tensor ops (``inv_std`` is s as a primitive of its own, with
∂s/∂x = -s² x̂ / n), so second derivatives work too. The forward pass saves s, and the
rules bring it back as a known node rather than computing it again.

``normalize_affine`` is batch norm's whole training formula, y = x̂ · w + b with one weight
and bias per kept index (per channel): one node instead of five, with weight and bias
gradients Σ ȳ x̂ and Σ ȳ.
"""
from __future__ import annotations

import functools
import math
import operator

from ..modes import STATE
from ..primitive import Primitive
from ..tensor import Tensor, apply, as_tensor, known, tensor
from .elementwise import arithmetic
from .reduce import kept_shape, mean, sum
from .shape import broadcast_to, reshape


def moments(xp, x, axes):
    """Mean, x - mean, and the (biased) variance over ``axes``, kept as size-1 axes. Two
    passes, the variance from the centred values: one-pass E[x²] - E[x]² cancels badly in
    float32 when the mean is large."""
    n = _count(x, axes)
    mean = group_sum(xp, x, axes) / n
    centered = x - mean
    return mean, centered, group_sum(xp, centered, axes, centered) / n


def group_sum(xp, x, axes, y=None):
    """Σ x, or Σ x·y, over ``axes`` with size-1 axes kept. ``einsum`` multiplies and adds
    in one pass without a temporary array, and even a plain sum over the batch and pixels
    of a (C, H, W, N) array is 1.5x faster than ``sum`` there."""
    if x.dtype.kind != "f":                          # exact (SymPy) arrays: the plain way
        return xp.sum(x if y is None else x * y, axis=axes, keepdims=True)
    letters = "abcdefghijklmnopqrstuvwxyz"[:x.ndim]
    kept = "".join(c for i, c in enumerate(letters) if i not in axes)
    total = (xp.einsum(f"{letters}->{kept}", x) if y is None
             else xp.einsum(f"{letters},{letters}->{kept}", x, y))
    return total.reshape(kept_shape(x.shape, axes))


def _count(x, axes) -> int:
    return math.prod(x.shape[a] for a in axes)


def _standardize(xp, x, axes, eps):
    """The forward passes' common part: mean, x - mean, variance and s = 1 / sqrt(var + ε)."""
    mean_, centered, var = moments(xp, x, axes)
    return mean_, centered, var, 1 / xp.sqrt(var + eps)


# ---- x̂ and s ------------------------------------------------------------------------------
def _normalize(xp, x, axes, eps):
    _, centered, _, inv_std = _standardize(xp, x, axes, eps)
    return centered * inv_std, {"saved_inv_std": inv_std}


def _inv_std(xp, x, axes, eps):
    return _standardize(xp, x, axes, eps)[3]


def _normalize_rule(g, out, x, axes, eps, saved_inv_std):
    """s · P(ȳ), with x̂ = out."""
    return known(INV_STD, saved_inv_std, x, axes=axes, eps=eps) * project_out(g, out, axes)


NORMALIZE = Primitive(
    "normalize", _normalize, vjp=(_normalize_rule,), saves=("saved_inv_std",),
    jvp=lambda tangents, out, x, axes, eps, saved_inv_std:
        _normalize_rule(tangents[0], out, x, axes, eps, saved_inv_std),
    latex=r"\bar{x} = s\,(\bar{y} - \overline{\bar{y}} - \hat{x}\,\overline{\bar{y}\hat{x}})")
INV_STD = Primitive(
    "inv_std", _inv_std,
    vjp=(lambda g, out, x, axes, eps:
         -(g * out * out / _count(x, axes)) * normalize(x, axes, eps),),
    jvp=lambda tangents, out, x, axes, eps:
        -(out * out / _count(x, axes)) * sum(tangents[0] * normalize(x, axes, eps), axes, True),
    latex=r"\bar{x} = -\bar{s}\, s^2 \hat{x} / n")


# ---- P: the projection in the gradient ---------------------------------------------------------
def _project_out(xp, g, u, axes):
    n = _count(g, axes)
    return g - group_sum(xp, g, axes) / n - u * (group_sum(xp, g, axes, u) / n)


def _project_out_u_rule(h, out, g, u, axes):
    """P is linear in g and quadratic in u: ū = -h · mean(g u) - g · mean(h u)."""
    return -(h * mean(g * u, axes, keepdims=True)) - g * mean(h * u, axes, keepdims=True)


def _project_out_jvp(tangents, out, g, u, axes):
    dg, du = tangents
    parts = [dg is not None and project_out(dg, u, axes),
             du is not None and -(du * mean(g * u, axes, keepdims=True))
             - u * mean(g * du, axes, keepdims=True)]
    return functools.reduce(operator.add, [p for p in parts if p is not False])


PROJECT_OUT = Primitive(
    "project_out", _project_out,
    vjp=(lambda h, out, g, u, axes: project_out(h, u, axes), _project_out_u_rule),
    jvp=_project_out_jvp, display="P",
    latex=r"\bar{g} = P(\bar{y}),\quad \bar{u} = -\bar{y}\,\overline{g u} - g\,\overline{\bar{y} u}")


# ---- y = x̂ · w + b in one node ---------------------------------------------------------------
def _normalize_affine(xp, x, w, b, axes, eps):
    kept = tuple(n for i, n in enumerate(x.shape) if i not in axes)
    if w.shape != kept or b.shape != kept:
        raise ValueError(f"weight and bias must have the shape {kept} of the axes that are not "
                         f"normalised, got {w.shape} and {b.shape}")
    mean_, centered, var, inv_std = _standardize(xp, x, axes, eps)
    x_hat = centered                  # centred values are needed no more: scaled in place,
    x_hat *= inv_std                  # and the bias added in place (two arrays fewer)
    shape = kept_shape(x.shape, axes)
    out = x_hat * w.reshape(shape)
    out += b.reshape(shape)
    return out, {"saved_x_hat": x_hat, "saved_inv_std": inv_std,
                 "saved_mean": mean_, "saved_var": var}


def _x_hat(x, axes, eps, saved):
    """x̂ as a graph node of x (its value saved by the forward pass)."""
    return known(NORMALIZE, saved["saved_x_hat"], x, axes=axes, eps=eps,
                 saved_inv_std=saved["saved_inv_std"])


def _affine_x_rule(g, out, x, w, b, axes, eps, **saved):
    """x̄ = (s w) · P(ȳ)."""
    s = known(INV_STD, saved["saved_inv_std"], x, axes=axes, eps=eps)
    return (s * reshape(w, s.shape)) * project_out(g, _x_hat(x, axes, eps, saved), axes)


def _affine_jvp(tangents, out, x, w, b, axes, eps, **saved):
    """The x part is the x rule itself (the Jacobian in x is symmetric)."""
    dx, dw, db = tangents
    shape = kept_shape(x.shape, axes)
    parts = [dx is not None and _affine_x_rule(dx, out, x, w, b, axes, eps, **saved),
             dw is not None and _x_hat(x, axes, eps, saved) * reshape(dw, shape),
             db is not None and broadcast_to(reshape(db, shape), x.shape)]
    return functools.reduce(operator.add, [p for p in parts if p is not False])


_AFFINE_RULES = (
    _affine_x_rule,
    lambda g, out, x, w, b, axes, eps, **saved: sum(g * _x_hat(x, axes, eps, saved), axes),
    lambda g, out, x, w, b, axes, eps, **saved: sum(g, axes))


def _affine_all(g, out, x, w, b, axes, eps, **saved):
    """All three gradients in one call. In a backward pass that is not itself recorded (a
    training step) nothing needs their graph, so they come straight from the arrays, with
    the two sums Σ ȳ and Σ ȳ x̂ computed once and shared (the rules one by one compute each
    twice, and make more passes over memory): about 1.7x faster. A recorded backward
    (``create_graph``) and exact (SymPy) arrays take the rules, which double backward needs."""
    if STATE.grad_enabled or g.array.dtype.kind != "f":
        return [rule(g, out, x, w, b, axes, eps, **saved) for rule in _AFFINE_RULES]
    xp, dy, x_hat = g.backend.xp, g.array, saved["saved_x_hat"]
    n = _count(dy, axes)
    shape = kept_shape(dy.shape, axes)
    sum_dy, sum_dy_x_hat = group_sum(xp, dy, axes), group_sum(xp, dy, axes, x_hat)
    scale = saved["saved_inv_std"] * w.array.reshape(shape)            # s w, per channel
    dx = arithmetic(xp, "multiply", dy, scale)           # (s w)(ȳ - mean ȳ - x̂ mean(ȳ x̂))
    dx -= arithmetic(xp, "multiply", x_hat, scale * (sum_dy_x_hat / n))
    dx -= scale * (sum_dy / n)
    kept = w.array.shape
    return [Tensor._wrap(dx), Tensor._wrap(sum_dy_x_hat.reshape(kept)),
            Tensor._wrap(sum_dy.reshape(kept))]


NORMALIZE_AFFINE = Primitive(
    "normalize_affine", _normalize_affine, vjp=_AFFINE_RULES, vjp_all=_affine_all,
    jvp=_affine_jvp, saves=("saved_x_hat", "saved_inv_std", "saved_mean", "saved_var"),
    latex=r"\bar{x} = s w\,P(\bar{y}),\quad \bar{w} = \textstyle\sum \bar{y}\hat{x},"
          r"\quad \bar{b} = \textstyle\sum \bar{y}")


# ---- public functions --------------------------------------------------------------------------
def normalize(x, axes, eps: float = 1e-5):
    """(x - mean) / sqrt(var + eps) over ``axes`` (NumPy's biased variance)."""
    return apply(NORMALIZE, x, axes=tuple(axes), eps=eps)


def inv_std(x, axes, eps: float = 1e-5):
    """1 / sqrt(var(x) + eps) over ``axes``, kept as size-1 axes."""
    return apply(INV_STD, x, axes=tuple(axes), eps=eps)


def project_out(g, u, axes):
    """g - mean(g) - u · mean(g u) over ``axes``: the part of g orthogonal to the constants
    and (when u is normalised) to u."""
    return apply(PROJECT_OUT, g, u, axes=tuple(axes))


def normalize_affine(x, weight, bias, axes, eps: float = 1e-5):
    """normalize(x, axes) · weight + bias, with ``weight`` and ``bias`` shaped like the axes
    that are not normalised (batch norm: one per channel)."""
    return apply(NORMALIZE_AFFINE, x, weight, bias, axes=tuple(axes), eps=eps)


def normalize_affine_with_moments(x, weight, bias, axes, eps: float = 1e-5):
    """``normalize_affine`` and the mean and biased variance it computed on its way (arrays
    off the graph, size-1 axes kept): batch norm's running averages need exactly these, and
    computing them again would cost two more passes over x."""
    x = as_tensor(x)
    weight, bias = (v if isinstance(v, Tensor) else tensor(v, dtype=x.dtype, device=x.device)
                    for v in (weight, bias))      # plain arrays join x, as apply lifts them
    devices = {x.device, weight.device, bias.device}
    if len(devices) > 1:
        raise TypeError(f"normalize_affine: inputs live on different devices {sorted(devices)}; "
                        "move them with .to(device)")
    axes = tuple(axes)
    try:
        out, saved = NORMALIZE_AFFINE.forward(x.backend.xp, x.array, weight.array, bias.array,
                                              axes, eps)
    except ValueError as error:                  # named as apply() names it
        raise ValueError(f"normalize_affine: {error} (input shape {x.shape})") from None
    node = known(NORMALIZE_AFFINE, out, x, weight, bias, axes=axes, eps=eps, **saved)
    return node, saved["saved_mean"], saved["saved_var"]
