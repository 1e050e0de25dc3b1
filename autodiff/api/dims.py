"""The one place where NumPy's argument names become PyTorch's.

PyTorch calls an axis ``dim`` and keeping reduced axes ``keepdim``, and accepts NumPy's
``axis`` and ``keepdims`` as aliases; so do we. Every function of the PyTorch surface that
takes a dimension is wrapped with :func:`numpy_names`, so its body only ever sees
``dim`` and ``keepdim``.
"""
from __future__ import annotations

import functools

ALIASES = {"axis": "dim", "keepdims": "keepdim", "start_axis": "start_dim", "axes": "dims"}


def numpy_names(fn):
    """Accept ``axis=``/``keepdims=`` (and ``start_axis=``, ``axes=``) for ``dim``,
    ``keepdim``, ``start_dim``, ``dims``; giving both spellings is an error."""
    @functools.wraps(fn)
    def wrapper(*args, **kwargs):
        if kwargs:
            for alias, name in ALIASES.items():
                if alias in kwargs:
                    if name in kwargs:
                        raise TypeError(f"{fn.__name__}(): got both {name}= and its alias "
                                        f"{alias}=; give one")
                    kwargs[name] = kwargs.pop(alias)
        return fn(*args, **kwargs)
    return wrapper


def dim_in(dim: int, ndim: int, op: str) -> int:
    """``dim`` in range(ndim), negative dims counted from the end (a 0-d tensor takes 0 and
    -1, as in PyTorch); else PyTorch's IndexError."""
    n = max(ndim, 1)
    if not isinstance(dim, int) or isinstance(dim, bool):
        raise TypeError(f"{op}: dim must be an int, got {dim!r}")
    if not -n <= dim < n:
        raise IndexError(f"{op}: Dimension out of range (expected to be in range of "
                         f"[{-n}, {n - 1}], but got {dim})")
    return dim % n


def dims_in(dim, ndim: int, op: str) -> tuple[int, ...]:
    """``dim`` (None, an int, or a sequence of ints) as a sorted tuple of dims (None: all)."""
    if dim is None:
        return tuple(range(ndim))
    dims = (dim,) if isinstance(dim, int) else tuple(dim)
    result = tuple(sorted({dim_in(d, ndim, op) for d in dims}))
    if len(result) != len(dims):
        raise RuntimeError(f"{op}: dim {dim} appears multiple times in the list of dims")
    return result if ndim else ()


def sizes(args, op: str) -> tuple[int, ...]:
    """``f(2, 3)`` and ``f((2, 3))`` alike (PyTorch's varargs sizes)."""
    if len(args) == 1 and not isinstance(args[0], int):
        args = tuple(args[0])
    for n in args:
        if not isinstance(n, int) and not hasattr(n, "__index__"):
            raise TypeError(f"{op}: sizes must be ints, got {args!r}")
    return tuple(int(n) for n in args)
