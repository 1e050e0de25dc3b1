"""PyTorch's type promotion for binary ops (NumPy's rules differ in three places).

Operands fall into three priorities: tensors with dimensions, 0-d tensors, Python numbers.
A lower-priority operand changes the result only when it is of a higher *category*
(bool < integer < floating), and then a Python float gives the default dtype:

    int64 tensor + 1.5             -> float32   (NumPy: float64)
    float32 tensor + 0-d float64   -> float32   (NumPy 2: float64)
    int32 tensor + 5               -> int32
    int / int (true division)      -> float32, the default dtype
"""
from __future__ import annotations

import numpy as np

from .. import dtypes
from ..tensor import Tensor

_WEAK = (bool, int, float, np.generic)


def _category(dtype) -> int:
    return {"b": 0, "i": 1, "u": 1, "f": 2}.get(dtype.kind, 3)


def _promote_types(a, b):
    """Two dtypes: the higher category wins; within one category, the wider type."""
    if a is None:
        return b
    if b is None:
        return a
    ca, cb = _category(a), _category(b)
    if ca != cb:
        return a if ca > cb else b
    return np.promote_types(a, b)


def promote_types(type1, type2):
    """``torch.promote_types``: the dtype both convert to (a float beats any integer)."""
    return _promote_types(dtypes.as_dtype(type1), dtypes.as_dtype(type2))


def common(tensors):
    """Tensors of one op (``cat``, ``stack``) converted to their promoted dtype."""
    first = tensors[0].array.dtype
    if all(t.array.dtype == first for t in tensors):
        return tensors
    target = first
    for t in tensors[1:]:
        target = _promote_types(target, t.array.dtype)
    return [_cast(t, target) for t in tensors]


def _combine(higher, lower):
    """The result of a higher-priority group, overridden only by a higher category."""
    if higher is None:
        return lower
    if lower is None or _category(higher) >= _category(lower):
        return higher
    return _promote_types(higher, lower)


def scalar_dtype(value):
    """The dtype PyTorch gives a Python number: bool, int64 or the default float."""
    if isinstance(value, (bool, np.bool_)):
        return dtypes.bool_
    if isinstance(value, (int, np.integer)):
        return dtypes.int64
    return dtypes.get_default_dtype()


def result_type(*operands):
    """The dtype PyTorch gives an op on ``operands`` (tensors and Python numbers)."""
    dimensioned = zero_dim = scalar = None
    for v in operands:
        if isinstance(v, Tensor):
            if v.ndim:
                dimensioned = _promote_types(dimensioned, v.dtype)
            else:
                zero_dim = _promote_types(zero_dim, v.dtype)
        else:
            scalar = _promote_types(scalar, scalar_dtype(v))
    return _combine(dimensioned, _combine(zero_dim, scalar))


def promote(x, y, floating: bool = False):
    """``x`` and ``y`` converted to their common PyTorch dtype (``floating``: true division,
    which turns integers into the default float). Numbers stay numbers where the tensor's
    dtype already says how to read them. Every binary op calls this: the common cases
    (one dtype; a float tensor and a number; a float and a mask) return at once."""
    if isinstance(x, Tensor):
        dx = x.array.dtype
        if isinstance(y, Tensor):
            dy = y.array.dtype
            if dx is dy or dx == dy:
                if not floating or dx.kind == "f":
                    return x, y                                 # one dtype
            elif (dx.kind == "f" and dy.kind == "b") or (dx.kind == "b" and dy.kind == "f"):
                return x, y                     # a float times a mask: NumPy agrees already
        elif (type(y) is float or type(y) is int) and dx.kind == "f":
            return x, y                                         # a weak scalar: x's dtype
    elif (type(x) is float or type(x) is int) and isinstance(y, Tensor) \
            and y.array.dtype.kind == "f":
        return x, y
    if any(isinstance(v, Tensor) and v.array.dtype == object for v in (x, y)) or \
            not all(isinstance(v, (Tensor, *_WEAK)) for v in (x, y)):
        return x, y                                             # symbolic or array data
    target = result_type(x, y)
    if floating and target.kind != "f":
        target = dtypes.get_default_dtype()
    return _cast(x, target), _cast(y, target)


def floating(x):
    """An integer or bool tensor as the default float dtype, for the ops PyTorch defines only on
    floats (``exp``, ``sqrt``, ``sin``...: ``torch.exp(int tensor)`` is float32); else ``x``."""
    if isinstance(x, Tensor) and x.array.dtype.kind in "biu":
        return x.astype(dtypes.get_default_dtype())
    return x


def _cast(v, dtype):
    if isinstance(v, Tensor):
        return v if v.array.dtype == dtype else v.astype(dtype)
    return dtype.type(v)
