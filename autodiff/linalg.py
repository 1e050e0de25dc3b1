"""``ad.linalg``: PyTorch's ``torch.linalg`` norms, composed from primitives.

The 2-norm is sqrt(Σ x²) with its one kink handled: at x = 0 the gradient is 0, as in
PyTorch (a plain sqrt would give 0 · ∞ = NaN there).
"""
from __future__ import annotations

from .api.dims import numpy_names
from .ops import reduce as _red
from .ops.elementwise import abs, astype, sqrt, where
from .tensor import as_tensor

INF = float("inf")


def _axes(x, dim):
    from .api.reduce import _dims
    return _dims(x, dim, "norm")


def _root(s, p):
    """s ** (1/p), with gradient 0 where s = 0."""
    empty = s == 0
    safe = where(empty, 1, s)
    return where(empty, 0, sqrt(safe) if p == 2 else safe ** (1 / p))


@numpy_names
def vector_norm(x, ord=2, dim=None, keepdim: bool = False, *, dtype=None):
    """(Σ |x|^ord)^(1/ord) over ``dim`` (every element by default); ord may be ±inf or 0."""
    x = as_tensor(x)
    if dtype is not None:
        x = astype(x, dtype)
    axis = _axes(x, dim)
    if ord == INF:
        return _red.max(abs(x), axis, keepdim)
    if ord == -INF:
        return _red.min(abs(x), axis, keepdim)
    if ord == 0:
        return _red.sum(astype(x != 0, x.dtype), axis, keepdim)
    if ord == 1:
        return _red.sum(abs(x), axis, keepdim)
    if ord == 2:
        return _root(_red.sum(x * x, axis, keepdim), 2)
    return _root(_red.sum(abs(x) ** ord, axis, keepdim), ord)


@numpy_names
def matrix_norm(x, ord="fro", dim=(-2, -1), keepdim: bool = False):
    """The Frobenius norm (the 2-norm of all entries) of each matrix."""
    if ord != "fro":
        raise NotImplementedError(f"matrix_norm: ord={ord!r} is not supported; use 'fro'")
    return vector_norm(x, 2, dim, keepdim)


@numpy_names
def norm(x, ord=None, dim=None, keepdim: bool = False):
    """``torch.linalg.norm``: the 2-norm of all elements by default, a vector norm over an
    int ``dim``, a matrix norm ("fro") over two dims or of a 2-d tensor."""
    x = as_tensor(x)
    if ord is None:
        return vector_norm(x, 2, dim, keepdim)
    matrix = (dim is None and x.ndim == 2) or (dim is not None and not isinstance(dim, int)
                                               and len(dim) == 2)
    if matrix:
        return matrix_norm(x, ord, (-2, -1) if dim is None else dim, keepdim)
    return vector_norm(x, ord, dim, keepdim)


__all__ = ["matrix_norm", "norm", "vector_norm"]
