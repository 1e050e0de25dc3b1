"""Changing dtype and device: ``x.to(...)``, ``x.float()``, ``x.type(dtype)`` (PyTorch's names).

A conversion is recorded (astype, to_device), so the gradient flows back through it,
converted back to the input's dtype and device.
"""
from __future__ import annotations

import builtins

import numpy as np

from .. import dtypes
from ..backend import backend_of, get_backend
from ..ops import elementwise as _ew
from ..ops import shape as _shp
from ..tensor import Tensor

_TYPE_NAMES = {"float32": "FloatTensor", "float64": "DoubleTensor", "float16": "HalfTensor",
               "int64": "LongTensor", "int32": "IntTensor", "int16": "ShortTensor",
               "int8": "CharTensor", "uint8": "ByteTensor", "bool": "BoolTensor"}


def _is_device(value) -> bool:
    return isinstance(value, str) and value.split(":")[0] in ("cpu", "cuda", "sympy")


def to(x, *args, device=None, dtype=None, non_blocking: bool = False, copy: bool = False):
    """``x.to(dtype)``, ``x.to(device)``, ``x.to(device, dtype)``, ``x.to(other)`` (other's
    dtype and device); the tensor itself when nothing changes (and ``copy`` is False)."""
    for arg in args:
        if isinstance(arg, Tensor):
            device, dtype = arg.device, arg.dtype
        elif _is_device(arg) or (isinstance(arg, str) and arg not in dtypes.NAMES) or \
                builtins.type(arg).__name__ == "device":
            device = str(arg)
        else:
            dtype = arg
    out = x
    if dtype is not None:
        dtype = dtypes.as_dtype(dtype)
        if dtype != x.dtype:
            out = _ew.astype(out, dtype)
    if device is not None:
        device = str(device).split(":")[0]
        if get_backend(device) is not backend_of(out.array):
            out = _shp.to_device(out, device)
    if copy and out is x:
        from .shape import clone
        out = clone(x)
    return out


def type(x, dtype=None):
    """The type's name ("torch.FloatTensor") without an argument, else a converted tensor."""
    if dtype is None:
        return "torch." + _TYPE_NAMES.get(str(x.dtype), str(x.dtype))
    return to(x, dtype=dtype)


def float(x): return to(x, dtype=dtypes.float32)
def double(x): return to(x, dtype=dtypes.float64)
def half(x): return to(x, dtype=np.dtype(np.float16))
def long(x): return to(x, dtype=dtypes.int64)
def int(x): return to(x, dtype=np.dtype(np.int32))
def bool(x): return to(x, dtype=dtypes.bool_)


def is_floating_point(x) -> bool:
    return x.dtype.kind == "f"


def element_size(x) -> int:
    return x.dtype.itemsize
