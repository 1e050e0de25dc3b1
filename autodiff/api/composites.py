"""More everyday PyTorch names, each a few lines over the existing ops (no derivative code):
triangles and diagonals, nan-ignoring reductions, logarithms in other bases, hyperbolic
functions, and the small helpers optimizers and masks are written with.
"""
from __future__ import annotations

import math

import numpy as np

from ..ops import elementwise as _ew
from ..tensor import Tensor, as_tensor
from . import math as _m
from . import reduce as _r
from . import shape as _s
from .dims import dim_in


# ---- triangles and diagonals (attention masks, identity tricks) -------------------------------
def _offsets(x, op):
    """column index minus row index over the last two dims (a NumPy array)."""
    if x.ndim < 2:
        raise RuntimeError(f"{op}: input tensor must have at least 2 dimensions, got {x.ndim}")
    rows, cols = x.shape[-2:]
    return np.arange(cols)[None, :] - np.arange(rows)[:, None]


def tril(x, diagonal: int = 0):
    """Elements on and below the ``diagonal``-th diagonal; zeros above."""
    x = as_tensor(x)
    keep = Tensor._wrap(x.backend.xp.asarray(_offsets(x, "tril") <= diagonal))
    return _ew.where(keep, x, 0)


def triu(x, diagonal: int = 0):
    x = as_tensor(x)
    keep = Tensor._wrap(x.backend.xp.asarray(_offsets(x, "triu") >= diagonal))
    return _ew.where(keep, x, 0)


def diagonal(x, offset: int = 0, dim1: int = 0, dim2: int = 1):
    """The diagonal of the (dim1, dim2) planes, as a new last dim (PyTorch's order)."""
    x = as_tensor(x)
    d1, d2 = dim_in(dim1, x.ndim, "diagonal"), dim_in(dim2, x.ndim, "diagonal")
    planes = _s.movedim(x, (d1, d2), (-2, -1))
    rows, cols = planes.shape[-2:]
    n = max(0, min(rows, cols - offset) if offset >= 0 else min(rows + offset, cols))
    r = np.arange(n) + max(0, -offset)
    return planes[..., r, r + offset]


def diag(x, diagonal: int = 0):
    """1-d: the square matrix with ``x`` on its ``diagonal``-th diagonal; 2-d: that diagonal."""
    x = as_tensor(x)
    if x.ndim == 2:
        return globals()["diagonal"](x, diagonal)
    if x.ndim != 1:
        raise RuntimeError(f"diag(): Supports 1D or 2D tensors. Got {x.ndim}D")
    size = x.shape[0] + abs(diagonal)
    offsets = np.arange(size)[None, :] - np.arange(size)[:, None]
    along = np.clip(np.minimum.outer(np.arange(size), np.arange(size)), 0, max(x.shape[0] - 1, 0))
    picked = x[along.reshape(-1)].reshape(size, size) if x.shape[0] else _s.reshape(x, (0, 0))
    keep = Tensor._wrap(x.backend.xp.asarray(offsets == diagonal))
    return _ew.where(keep, picked, 0)


def trace(x):
    return _r.sum(diagonal(x))


# ---- reductions that skip NaN, and two at once ------------------------------------------------
def nansum(x, dim=None, keepdim: bool = False):
    x = as_tensor(x)
    return _r.sum(_ew.where(_m.isnan(x), 0, x), dim, keepdim)


def nanmean(x, dim=None, keepdim: bool = False):
    x = as_tensor(x)
    count = _r.sum(_m.logical_not(_m.isnan(x)), dim, keepdim)
    return nansum(x, dim, keepdim) / count


def std_mean(x, dim=None, unbiased=None, keepdim: bool = False, *, correction=None):
    return (_r.std(x, dim, unbiased, keepdim, correction=correction),
            _r.mean(x, dim, keepdim))


def var_mean(x, dim=None, unbiased=None, keepdim: bool = False, *, correction=None):
    return (_r.var(x, dim, unbiased, keepdim, correction=correction),
            _r.mean(x, dim, keepdim))


# ---- element-wise ---------------------------------------------------------------------------
def log2(x): return _ew.log(x) / math.log(2)
def log10(x): return _ew.log(x) / math.log(10)
def exp2(x): return 2.0 ** as_tensor(x)
def sinh(x): return (_m.expm1(x) - _m.expm1(-as_tensor(x))) / 2     # exact near 0
def cosh(x): return (_ew.exp(x) + _ew.exp(-as_tensor(x))) / 2
def tan(x): return _ew.sin(x) / _ew.cos(x)


def sgn(x): return _ew.sign(x)
def positive(x): return as_tensor(x)
def frac(x): return x - _m.trunc(x)
def isposinf(x): return as_tensor(x) == float("inf")
def isneginf(x): return as_tensor(x) == -float("inf")
def fmod(x, y):
    """The remainder with the sign of x (C's fmod): x - trunc(x / y) y, and x itself for an
    infinite y."""
    x, y = as_tensor(x), as_tensor(y)
    quotient = _m.trunc(x.detach() / y.detach())      # piecewise constant: gradients 1, -q
    return _ew.where(_m.isinf(y) & _m.isfinite(x), x, x - quotient * y)


def hypot(x, y):
    """sqrt(x² + y²); infinite when either is, even with a NaN (IEEE's hypot)."""
    x, y = as_tensor(x), as_tensor(y)
    return _ew.where(_m.isinf(x) | _m.isinf(y), float("inf"), _ew.sqrt(x * x + y * y))


def fmax(x, y):
    """maximum, except that a NaN loses to a number; a tie's gradient goes to x (PyTorch)."""
    x, y = as_tensor(x), as_tensor(y)
    return _ew.where((x >= y) | _m.isnan(y), x, y)


def fmin(x, y):
    x, y = as_tensor(x), as_tensor(y)
    return _ew.where((x <= y) | _m.isnan(y), x, y)


def xlogy(x, y):
    """x log(y), and 0 where x = 0 (unless y is NaN), as in entropy sums."""
    x, y = as_tensor(x), as_tensor(y)
    zero = (x == 0) & _m.logical_not(_m.isnan(y))
    return _ew.where(zero, 0, x * _ew.log(_ew.where(zero, 1, y)))


def heaviside(x, values):
    x = as_tensor(x)
    return _ew.where(x == 0, values, _ew.where(x > 0, 1, 0).to(x.dtype))


def diff(x, n: int = 1, dim: int = -1):
    """Differences of neighbours along ``dim``, ``n`` times."""
    x = as_tensor(x)
    d = dim_in(dim, x.ndim, "diff")
    for _ in range(n):
        size = x.shape[d]
        x = _s.narrow(x, d, 1, size - 1) - _s.narrow(x, d, 0, size - 1)
    return x


def broadcast_tensors(*tensors):
    tensors = [as_tensor(t) for t in tensors]
    shape = np.broadcast_shapes(*(t.shape for t in tensors))
    return tuple(_s.expand(t, shape) for t in tensors)


def aminmax(x, *, dim=None, keepdim: bool = False):
    from collections import namedtuple
    pair = namedtuple("aminmax", ["min", "max"])
    return pair(_r.amin(x, () if dim is None else dim, keepdim),
                _r.amax(x, () if dim is None else dim, keepdim))


def lerp(start, end, weight):
    """start + weight (end - start)."""
    return start + weight * (end - start)


def addcmul(x, tensor1, tensor2, *, value=1):
    """x + value * tensor1 * tensor2 (how Adam-style updates are written)."""
    return x + value * tensor1 * tensor2


def addcdiv(x, tensor1, tensor2, *, value=1):
    return x + value * tensor1 / tensor2


# ---- indexing -------------------------------------------------------------------------------
def masked_select(x, mask):
    """The elements where ``mask`` (broadcast with ``x``) holds, as a 1-d tensor."""
    x, mask = as_tensor(x), as_tensor(mask)
    shape = np.broadcast_shapes(x.shape, mask.shape)
    return _s.expand(x, shape)[_s.expand(mask, shape)]


def take_along_dim(x, indices, dim: int):
    return _s.gather(x, dim, indices)


def argwhere(x):
    return _s.nonzero(x)


def repeat_interleave(x, repeats, dim=None):
    """Each element (or slice along ``dim``) repeated ``repeats`` times, in place."""
    x = as_tensor(x)
    if dim is None:
        x, dim = _s.reshape(x, (-1,)), 0
    d = dim_in(dim, x.ndim, "repeat_interleave")
    counts = repeats.numpy() if isinstance(repeats, Tensor) else repeats
    index = np.repeat(np.arange(x.shape[d]), counts)
    return _s.index_select(x, d, Tensor._wrap(x.backend.xp.asarray(index)))


def is_contiguous(x) -> bool:
    """Whether the elements lie in memory in row-major order (``x.t()`` does not)."""
    flags = getattr(as_tensor(x).array, "flags", None)
    return flags is None or bool(flags["C_CONTIGUOUS"])
