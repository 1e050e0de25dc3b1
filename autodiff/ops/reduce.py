"""Reductions: sum, max/min and log-sum-exp are primitives; mean is built from them.

These take NumPy's ``axis=None, keepdims=False``; PyTorch's names and meanings (``dim``,
``var`` with correction=1, ``max(dim)`` as values and indices) are in autodiff/api/reduce.py. Their rules first put the
reduced axes back (as size 1) so the upstream gradient broadcasts against the input.
"""
from __future__ import annotations

import builtins
import math

from ..modes import scope
from ..primitive import LINEAR, Primitive
from ..tensor import apply, as_tensor
from .elementwise import astype, exp, where
from .shape import broadcast_to, reshape


def normalize_axis(axis, ndim: int, op: str = "reduce"):
    """``axis`` as a sorted tuple of non-negative ints (None: every axis)."""
    if axis is None:
        return tuple(range(ndim))
    axes = (axis,) if isinstance(axis, int) else tuple(axis)
    for a in axes:
        if not -builtins.max(ndim, 1) <= a < builtins.max(ndim, 1):
            raise ValueError(f"{op}: axis {a} is out of range for a {ndim}-d tensor")
    return tuple(sorted(a % ndim if ndim else 0 for a in axes))


def kept_shape(shape, axes) -> tuple[int, ...]:
    """The shape after reducing ``axes`` with ``keepdims=True``."""
    return tuple(1 if i in axes else n for i, n in enumerate(shape))


def _restore(g, x, axis, keepdims):
    """The upstream gradient with the reduced axes present again (size 1)."""
    if keepdims:
        return g
    return reshape(g, kept_shape(x.shape, normalize_axis(axis, x.ndim)))


def _sum(xp, x, axis, keepdims):
    lead = _leading_axes(axis, x.ndim)
    count = math.prod(x.shape[:lead]) if lead else 0
    if count >= 256 and lead < x.ndim and x.dtype.kind == "f" and x.flags.c_contiguous:
        # Summing many leading (batch) rows of a C-ordered array is a vector-matrix product:
        # BLAS does it up to 10x faster than a strided reduction when rows are short (bias
        # gradients over a large batch); below a few hundred rows NumPy's sum is quicker.
        rows = x.reshape(count, -1)
        out = (xp.ones(rows.shape[0], dtype=x.dtype) @ rows).reshape(x.shape[lead:])
        return out.reshape((1,) * lead + x.shape[lead:]) if keepdims else out
    return xp.sum(x, axis=axis, keepdims=keepdims)


def _leading_axes(axis, ndim) -> int:
    """k when ``axis`` is exactly the first k axes (0, ..., k-1), else 0."""
    axes = (axis,) if isinstance(axis, int) else tuple(axis or ())
    return len(axes) if axes and axes == tuple(range(len(axes))) else 0


SUM = Primitive(
    "sum", _sum,
    vjp=(lambda g, out, x, axis, keepdims: broadcast_to(_restore(g, x, axis, keepdims), x.shape),),
    jvp=LINEAR, display="Σ", latex=r"\bar{x}_i = \bar{y}")


# ---- max and min: the gradient goes to the extreme element(s) ---------------------------------
def _routed(name, h, x, out, axis, keepdims, first):
    """``h`` (x's shape) kept at the extreme elements, 0 elsewhere: the first extreme element,
    or all ties sharing evenly. A NaN is the extreme (max and min propagate it), as in
    PyTorch. Selected, not multiplied by a mask: an infinite h must not become inf * 0 = NaN."""
    if first:
        return where(FIRST_EXTREMUM_MASKS[name](x, axis), h, 0)
    hits = (x == _restore(out, x, axis, keepdims)) + (x != x)  # noqa: PLR0124 (NaN); + is "or"
    count = sum(astype(hits, x.dtype), axis, keepdims=True)
    return where(hits, h / count, 0)


def _refuse_empty(name, x, axis):
    """PyTorch's errors: a max or min over nothing has no value (unlike a sum, no identity)."""
    if axis is None and x.size == 0:
        raise RuntimeError(f"{name}(): expected reduction dim to be specified for an input "
                           f"with no elements (shape {tuple(x.shape)})")
    for a in () if axis is None else (axis,) if isinstance(axis, int) else axis:
        if x.shape[a] == 0:
            raise IndexError(f"{name}(): expected reduction dim {a} to have non-zero size "
                             f"(shape {tuple(x.shape)})")


def _extremum(name: str, symbol: str):
    def forward(xp, x, axis, keepdims, first):
        _refuse_empty(name, x, axis)
        return getattr(xp, name)(x, axis=axis, keepdims=keepdims)

    def vjp(g, out, x, axis, keepdims, first):
        return _routed(name, _restore(g, x, axis, keepdims), x, out, axis, keepdims, first)

    def jvp(tangents, out, x, axis, keepdims, first):
        return sum(_routed(name, tangents[0], x, out, axis, keepdims, first), axis, keepdims)

    return Primitive(name, forward, vjp=(vjp,), jvp=jvp,
                     latex=rf"\bar{{x}}_i = \bar{{y}}\,[x_i = {symbol}(x)] / \#\text{{ties}}")


MAX = _extremum("max", r"\max")
MIN = _extremum("min", r"\min")


def _first_mask(arg: str):
    def forward(xp, x, axis):
        index = getattr(xp, arg)(x, axis=axis)
        n = x.shape[axis]
        positions = xp.arange(n).reshape((n,) + (1,) * (x.ndim - axis - 1))
        return xp.expand_dims(index, axis) == positions
    return Primitive(f"first_{arg}_mask", forward, differentiable=False)


FIRST_MAX_MASK = _first_mask("argmax")
FIRST_MIN_MASK = _first_mask("argmin")
FIRST_EXTREMUM_MASKS = {
    "max": lambda x, axis: apply(FIRST_MAX_MASK, x, axis=axis),
    "min": lambda x, axis: apply(FIRST_MIN_MASK, x, axis=axis),
}


# ---- log-sum-exp: the stable soft maximum --------------------------------------------------
def _logsumexp(xp, x, axis, keepdims):
    if getattr(xp, "exact", False) or x.size == 0:   # exact algebra cannot overflow; an
        # empty sum is 0 and its log -inf (PyTorch's), where the shift (a max) would fail
        return xp.log(xp.sum(xp.exp(x), axis=axis, keepdims=keepdims))
    shift = xp.max(x, axis=axis, keepdims=True)
    shift = xp.where(xp.isfinite(shift), shift, 0)
    out = xp.log(xp.sum(xp.exp(x - shift), axis=axis, keepdims=True)) + shift
    return out if keepdims else xp.squeeze(out, axis=axis)


LOGSUMEXP = Primitive(
    "logsumexp", _logsumexp,
    vjp=(lambda g, out, x, axis, keepdims:
         _restore(g, x, axis, keepdims) * exp(x - _restore(out, x, axis, keepdims)),),
    jvp=lambda tangents, out, x, axis, keepdims:
        sum(tangents[0] * exp(x - _restore(out, x, axis, keepdims)), axis, keepdims),
    latex=r"\bar{x}_i = \bar{y}\, e^{x_i - y} = \bar{y}\,\mathrm{softmax}(x)_i")


# ---- the public functions -------------------------------------------------------------------
def _axis_param(x, axis, op):
    if axis is None:
        return None
    axes = normalize_axis(axis, x.ndim, op)
    return axes[0] if len(axes) == 1 else axes


def sum(x, axis=None, keepdims: bool = False):  # NumPy's name, shadows the builtin
    """Sum over ``axis`` (all axes when None)."""
    return apply(SUM, x, axis=_axis_param(as_tensor(x), axis, "sum"), keepdims=keepdims)


def max(x, axis=None, keepdims: bool = False):
    """Largest element over ``axis``; tied maxima share the gradient evenly."""
    return apply(MAX, x, axis=_axis_param(as_tensor(x), axis, "max"), keepdims=keepdims, first=False)


def min(x, axis=None, keepdims: bool = False):
    """Smallest element over ``axis``; tied minima share the gradient evenly."""
    return apply(MIN, x, axis=_axis_param(as_tensor(x), axis, "min"), keepdims=keepdims, first=False)


def max_first(x, axis: int, keepdims: bool = False):
    """Largest element over one axis, the whole gradient to the first maximum (max pooling)."""
    return apply(MAX, x, axis=_axis_param(as_tensor(x), axis, "max"), keepdims=keepdims, first=True)


def logsumexp(x, axis=None, keepdims: bool = False):
    """log(sum(exp(x))) computed as m + log(sum(exp(x - m))), m = max(x): never overflows."""
    return apply(LOGSUMEXP, x, axis=_axis_param(as_tensor(x), axis, "logsumexp"), keepdims=keepdims)


def mean(x, axis=None, keepdims: bool = False):
    """Arithmetic mean over ``axis``: the sum divided by the number of elements summed."""
    x = as_tensor(x)
    axes = normalize_axis(axis, x.ndim, "mean")
    count = math.prod(x.shape[a] for a in axes)
    with scope("mean"):
        return sum(x, axis, keepdims) / count


def sum_to(g, shape):
    """Sum ``g`` over the axes broadcasting added or stretched, giving ``shape``.

    This is the one place un-broadcasting happens: the engine calls it whenever an input's
    gradient arrives in the (larger) broadcast shape of the output.
    """
    shape = tuple(shape)
    if g.shape == shape:
        return g
    lead = g.ndim - len(shape)
    axes = tuple(range(lead)) + tuple(
        lead + i for i, n in enumerate(shape) if n == 1 and g.shape[lead + i] != 1)
    with scope("unbroadcast"):
        if axes == tuple(range(lead)):         # only added leading axes (a bias): one node
            return sum(g, axes)
        return reshape(sum(g, axes, keepdims=True), shape) if axes else reshape(g, shape)
