"""Floating-point types and the default one (float32, as in PyTorch)."""
from __future__ import annotations

import numpy as np

float32 = np.dtype(np.float32)
float64 = np.dtype(np.float64)
int64 = np.dtype(np.int64)
int32 = np.dtype(np.int32)
float16 = np.dtype(np.float16)
bool_ = np.dtype(np.bool_)
# PyTorch's other names for them
float, double, half, long, int = float32, float64, float16, int64, int32

_DEFAULT = [float32]
NAMES = {"float32": float32, "float64": float64, "float": float32, "double": float64,
          "float16": float16, "half": float16, "int64": int64, "int32": int32, "long": int64,
          "int": int32, "bool": bool_}


def as_dtype(dtype) -> np.dtype:
    """A NumPy dtype from ``ad.float32``, ``np.float64``, ``"float32"``...; unknown ones raise."""
    if isinstance(dtype, str) and dtype in NAMES:
        return NAMES[dtype]
    try:
        result = np.dtype(dtype)
    except TypeError:
        result = None
    if result is None or result.kind not in "fiubO" or result.itemsize > 8:
        raise TypeError(f"unknown dtype {dtype!r}; use ad.float32 or ad.float64 "
                        "(or an integer/bool dtype for data that takes no gradient)")
    return result


def set_default_dtype(dtype) -> None:
    """The dtype Python floats become (float32 unless changed, as in PyTorch)."""
    dtype = as_dtype(dtype)
    if dtype.kind != "f":
        raise TypeError(f"the default dtype must be floating, not {dtype}")
    _DEFAULT[0] = dtype


def get_default_dtype() -> np.dtype:
    return _DEFAULT[0]


def is_floating(dtype) -> bool:
    """Floating or symbolic (object) data can carry a gradient."""
    return dtype.kind in "fO"
