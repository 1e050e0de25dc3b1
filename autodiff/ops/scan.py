"""Products and running sums along an axis: ``prod`` and ``cumsum`` as primitives.

Neither is a good composite: a product's gradient ``prod / x`` breaks where x = 0, and a
running sum from slices and additions records n nodes. Their rules:

    prod:    x̄_i = ȳ · Π_{j≠i} x_j     (computed without dividing by a zero)
    cumsum:  x̄ = reversed running sum of ȳ  (each input feeds every later output)
"""
from __future__ import annotations

from ..primitive import LINEAR, Primitive
from ..tensor import Tensor, apply
from .elementwise import astype, where
from .reduce import _restore, sum
from .shape import getitem


def _flip(t, axis: int):
    return getitem(t, (slice(None),) * axis + (slice(None, None, -1),))


CUMSUM = Primitive(
    "cumsum", lambda xp, x, axis: xp.cumsum(x, axis=axis),
    vjp=(lambda g, out, x, axis: _flip(cumsum(_flip(g, axis), axis), axis),), jvp=LINEAR,
    latex=r"\bar{x}_i = \textstyle\sum_{j \ge i} \bar{y}_j")


def _others(x, out, axis, keepdims):
    """Π_{j≠i} x_j for each i of each group, never dividing by a zero, and with first
    derivatives right too (so second derivatives of prod are): ``at_zeros`` is 0 in value
    but has derivative 1 along each zero element of its group."""
    if x.dtype == object:                            # exact algebra: the plain formula
        return _restore(out, x, axis, keepdims) / x
    if x.ndim == 0:                 # no others: the empty product 1 (out / x is NaN at inf)
        return Tensor._wrap(x.backend.xp.ones((), dtype=x.dtype))
    zero = x == 0
    count = sum(astype(zero, x.dtype), axis, keepdims=True)
    safe = where(zero, 1, x)
    rest = prod(safe, axis, keepdims=True)           # the product of the non-zero elements
    at_zeros = sum(where(zero, x, 0), axis, keepdims=True)
    one_zero = rest / safe * where(zero, 1, at_zeros)
    two_zeros = where(zero, rest * (at_zeros - x), 0)
    return where(count == 0, rest / safe,
                 where(count == 1, one_zero, where(count == 2, two_zeros, 0)))


PROD = Primitive(
    "prod", lambda xp, x, axis, keepdims: xp.prod(x, axis=axis, keepdims=keepdims),
    vjp=(lambda g, out, x, axis, keepdims:
         _restore(g, x, axis, keepdims) * _others(x, out, axis, keepdims),),
    jvp=lambda tangents, out, x, axis, keepdims:
        sum(tangents[0] * _others(x, out, axis, keepdims), axis, keepdims),
    display="Π", latex=r"\bar{x}_i = \bar{y} \textstyle\prod_{j \ne i} x_j")


def cumsum(x, axis: int):
    """Running sum along ``axis`` (a non-negative int)."""
    return apply(CUMSUM, x, axis=axis)


def prod(x, axis=None, keepdims: bool = False):
    """Product over ``axis`` (an int, a tuple of non-negative ints, or None for all)."""
    return apply(PROD, x, axis=axis, keepdims=keepdims)
