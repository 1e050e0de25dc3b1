"""Reductions with PyTorch's names and meanings, over the reduce primitives.

``dim`` is an int, a tuple or None (every dim); ``keepdim`` keeps reduced dims as size 1.
Where PyTorch and NumPy differ, PyTorch wins:

* ``var``/``std`` divide by n - 1 (``correction=1``) unless told otherwise;
* ``max(x)`` is the largest value, ``max(x, dim)`` the named tuple ``(values, indices)``,
  ``max(x, y)`` the element-wise maximum (``min`` alike);
* ``sort``, ``topk`` and ``median(dim)`` return ``(values, indices)`` too; their values are
  gathered at the indices, so the gradient goes to the elements that were picked.
"""
from __future__ import annotations

from collections import namedtuple

from ..modes import scope
from ..ops import pointwise as _pw
from ..ops import reduce as _red
from ..ops import scan as _scan
from ..ops.elementwise import astype, maximum, minimum
from ..ops.elementwise import where as _where
from ..tensor import Tensor, apply, as_tensor
from .dims import dim_in, dims_in, numpy_names
from .shape import gather, narrow

RETURN_TYPES = {name: namedtuple(name, ["values", "indices"])
                for name in ("max", "min", "sort", "topk", "median", "kthvalue")}


def _dims(x, dim, op):
    """The primitive's ``axis`` param: None for every dim, else an int or a sorted tuple."""
    if dim is None or dim == ():
        return None
    dims = dims_in(dim, x.ndim, op)
    return dims[0] if len(dims) == 1 else dims


def _count(x, dim, op) -> int:
    n = 1
    for d in dims_in(None if dim == () else dim, x.ndim, op):
        n *= x.shape[d]
    return n


def _in_dtype(x, dtype):
    """The input converted first when a reduction is given ``dtype=`` (PyTorch's meaning)."""
    x = as_tensor(x)
    return x if dtype is None else astype(x, dtype)


@numpy_names
def sum(x, dim=None, keepdim: bool = False, *, dtype=None):
    x = _in_dtype(x, dtype)
    return _red.sum(x, _dims(x, dim, "sum"), keepdim)


@numpy_names
def mean(x, dim=None, keepdim: bool = False, *, dtype=None):
    x = _in_dtype(x, dtype)
    if dtype is None and x.dtype.kind not in "fO":
        raise RuntimeError(f"mean(): could not infer output dtype. Input dtype must be a "
                           f"floating point dtype, got {x.dtype} (use x.float().mean())")
    return _red.mean(x, _dims(x, dim, "mean"), keepdim)


@numpy_names
def prod(x, dim=None, keepdim: bool = False, *, dtype=None):
    x = _in_dtype(x, dtype)
    return _scan.prod(x, _dims(x, dim, "prod"), keepdim)


@numpy_names
def var(x, dim=None, unbiased=None, keepdim: bool = False, *, correction=None):
    """Σ (x - mean)² / (n - correction); ``correction=1`` (unbiased) by default, as in PyTorch.
    ``unbiased=False`` is ``correction=0``, NumPy's population variance."""
    x = as_tensor(x)
    if unbiased is not None and correction is not None:
        raise TypeError("var(): give unbiased= or correction=, not both")
    correction = (1 if unbiased in (None, True) else 0) if correction is None else correction
    axis = _dims(x, dim, "var")
    with scope("var"):
        centered = x - _red.mean(x, axis, True)
        dof = _count(x, dim, "var") - correction     # no degrees of freedom left: 0/0 = NaN
        return _red.sum(centered * centered, axis, keepdim) / (dof * (dof > 0))


@numpy_names
def std(x, dim=None, unbiased=None, keepdim: bool = False, *, correction=None):
    """The square root of ``var``; its gradient is 0 where the variance is 0, as PyTorch's."""
    from ..linalg import _root
    with scope("std"):
        return _root(var(x, dim, unbiased, keepdim, correction=correction), 2)


@numpy_names
def amax(x, dim=(), keepdim: bool = False):
    """The largest value over ``dim`` (every dim by default); ties share the gradient."""
    x = as_tensor(x)
    return _red.max(x, _dims(x, dim, "amax"), keepdim)


@numpy_names
def amin(x, dim=(), keepdim: bool = False):
    x = as_tensor(x)
    return _red.min(x, _dims(x, dim, "amin"), keepdim)


def _arg(name, x, dim, keepdim):
    x = as_tensor(x)
    xp = x.backend.xp
    if dim is None:
        index = getattr(xp, name)(x.array.reshape(-1))
        out = xp.asarray(index).astype("int64")
        return Tensor._wrap(out.reshape((1,) * x.ndim) if keepdim else out)
    d = dim_in(dim, x.ndim, name)
    index = getattr(xp, name)(x.array, axis=d, keepdims=keepdim) if x.ndim else \
        xp.zeros((), dtype="int64")
    return Tensor._wrap(xp.asarray(index).astype("int64"))


@numpy_names
def argmax(x, dim=None, keepdim: bool = False):
    """Index of the first maximum (over the flattened tensor when ``dim`` is None)."""
    return _arg("argmax", x, dim, keepdim)


@numpy_names
def argmin(x, dim=None, keepdim: bool = False):
    return _arg("argmin", x, dim, keepdim)


def _of_0d(result):
    """(values, indices) of a 0-d input, computed on it as one element and shaped back to 0-d
    (PyTorch takes dim 0 or -1 of a 0-d tensor as that element)."""
    return type(result)(*(t.reshape(()) for t in result))


def _extreme(name, x, dim, keepdim, other, pairwise):
    x = as_tensor(x)
    if isinstance(dim, Tensor) or other is not None:
        return pairwise(x, dim if other is None else other)
    if dim is None:
        return getattr(_red, name)(x, None, False)
    d = dim_in(dim, x.ndim, name)
    if x.ndim == 0:
        return _of_0d(_extreme(name, x.reshape(1), 0, False, None, pairwise))
    primitive = _red.MAX if name == "max" else _red.MIN
    values = apply(primitive, x, axis=d, keepdims=keepdim, first=True)
    indices = _arg("arg" + name, x, d, keepdim)
    return RETURN_TYPES[name](values, indices)


@numpy_names
def max(x, dim=None, keepdim: bool = False, *, other=None):
    """``max(x)``: the largest value (ties share the gradient); ``max(x, dim)``: the named
    tuple (values, indices), the gradient to the first maximum; ``max(x, y)``: maximum."""
    return _extreme("max", x, dim, keepdim, other, maximum)


@numpy_names
def min(x, dim=None, keepdim: bool = False, *, other=None):
    return _extreme("min", x, dim, keepdim, other, minimum)


@numpy_names
def logsumexp(x, dim=None, keepdim: bool = False):
    x = as_tensor(x)
    return _red.logsumexp(x, _dims(x, dim, "logsumexp"), keepdim)


@numpy_names
def cumsum(x, dim: int, *, dtype=None):
    x = _in_dtype(x, dtype)
    if x.ndim == 0:
        return _scan.cumsum(x.reshape(1), 0).reshape(())
    return _scan.cumsum(x, dim_in(dim, x.ndim, "cumsum"))


# ---- tests of truth and counts: no gradient ---------------------------------------------------
def _truth(name, x, dim, keepdim):
    x = as_tensor(x)
    axis = _dims(x, dim, name)
    return Tensor._wrap(x.backend.xp.asarray(getattr(x.backend.xp, name)(
        x.array, axis=axis, keepdims=keepdim)))


@numpy_names
def all(x, dim=None, keepdim: bool = False):
    return _truth("all", x, dim, keepdim)


@numpy_names
def any(x, dim=None, keepdim: bool = False):
    return _truth("any", x, dim, keepdim)


@numpy_names
def count_nonzero(x, dim=None):
    x = as_tensor(x)
    xp = x.backend.xp
    count = xp.count_nonzero(x.array, axis=_dims(x, dim, "count_nonzero"))
    return Tensor._wrap(xp.asarray(count).astype("int64"))


# ---- sorting: values gathered at computed indices ----------------------------------------------
def _argsort(x, d, descending):
    xp = x.backend.xp
    a = x.array
    if not descending:
        return xp.argsort(a, axis=d, kind="stable")
    # reversed, stable-sorted, reversed back: descending with ties in their original order
    # and NaN first, as PyTorch sorts
    back = (slice(None),) * d + (slice(None, None, -1),)
    order = xp.argsort(a[back], axis=d, kind="stable")[back]
    return x.shape[d] - 1 - order


@numpy_names
def argsort(x, dim: int = -1, descending: bool = False, stable: bool = False):
    x = as_tensor(x)
    if x.ndim == 0:
        return Tensor._wrap(x.backend.xp.zeros((), dtype="int64"))
    d = dim_in(dim, x.ndim, "argsort")
    return Tensor._wrap(_argsort(x, d, descending).astype("int64"))


@numpy_names
def sort(x, dim: int = -1, descending: bool = False, stable: bool = False):
    x = as_tensor(x)
    if x.ndim == 0:
        return _of_0d(sort(x.reshape(1), dim_in(dim, 0, "sort"), descending))
    indices = argsort(x, dim, descending)
    return RETURN_TYPES["sort"](gather(x, dim, indices), indices)


@numpy_names
def topk(x, k: int, dim: int = -1, largest: bool = True, sorted: bool = True):
    x = as_tensor(x)
    d = dim_in(dim, x.ndim, "topk")
    if not 0 <= k <= (x.shape[d] if x.ndim else 1):
        raise RuntimeError(f"topk: k ({k}) is out of range for dim {d} of size {x.shape[d]}")
    if x.ndim == 0:
        return _of_0d(topk(x.reshape(1), k, 0, largest, sorted))
    values, indices = sort(x, d, descending=largest)
    return RETURN_TYPES["topk"](narrow(values, d, 0, k), narrow(indices, d, 0, k))


@numpy_names
def median(x, dim=None, keepdim: bool = False):
    """The lower median. Without ``dim``: a value whose gradient tied elements share; with
    ``dim``: (values, indices), the gradient to the element at the index."""
    x = as_tensor(x)
    if dim is None:
        flat = x.reshape(-1)
        nans = apply(_pw.ISNAN, flat)
        if bool(nans.array.any()):          # a NaN anywhere makes the median NaN (PyTorch)
            return _red.sum(_where(nans, flat, 0)) / _red.sum(astype(nans, x.dtype))
        middle = argsort(flat).array[(flat.shape[0] - 1) // 2]
        hits = flat == Tensor._wrap(flat.array[middle:middle + 1])
        return _red.sum(_where(hits, flat, 0)) / _red.sum(astype(hits, x.dtype))
    d = dim_in(dim, x.ndim, "median")
    if x.ndim == 0:
        return _of_0d(median(x.reshape(1), 0))
    order = argsort(x, d)
    middle = narrow(order, d, (x.shape[d] - 1) // 2, 1)
    nans = apply(_pw.ISNAN, x)
    if bool(nans.array.any()):              # a row with a NaN: its first NaN, as PyTorch
        middle = _where(nans.any(d, True), nans.int().argmax(d, True), middle)
    values, indices = gather(x, d, middle), middle
    if not keepdim:
        values, indices = values.squeeze(d), indices.squeeze(d)
    return RETURN_TYPES["median"](values, indices)


@numpy_names
def norm(x, p="fro", dim=None, keepdim: bool = False):
    """The p-norm over ``dim`` (all elements by default; "fro" is the 2-norm of them)."""
    from ..linalg import vector_norm
    return vector_norm(x, 2 if p in ("fro", None) else p, dim, keepdim)
