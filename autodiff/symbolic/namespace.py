"""The SymPy array namespace: NumPy object arrays whose elements are SymPy expressions.

Ops are written once against ``xp``. With ``xp = SYMPY_NAMESPACE`` the same forward and
gradient code yields exact algebra instead of floats: shape functions, sums and matrix
products come from NumPy unchanged (they work on object arrays), and the functions NumPy
cannot apply to SymPy objects (``exp``, ``maximum``, comparisons...) are mapped
element by element onto their SymPy counterparts here.
"""
from __future__ import annotations

from fractions import Fraction

import numpy as np
import sympy


def exact(value):
    """A Python or NumPy number as an exact SymPy number (0.1 becomes 1/10)."""
    if isinstance(value, sympy.Basic):
        return value
    if isinstance(value, (bool, np.bool_)):
        return sympy.Integer(int(value))
    if isinstance(value, (int, np.integer)):
        return sympy.Integer(int(value))
    value = float(value)
    if np.isinf(value):
        return sympy.oo if value > 0 else -sympy.oo
    if np.isnan(value):
        return sympy.nan
    # the shortest decimal that round-trips, read as a fraction: 0.01 -> 1/100
    return sympy.Rational(Fraction(repr(value)))


FLOAT64_MAX = float(np.finfo(np.float64).max)


def _floating(args) -> bool:
    """Numbers only, at least one a SymPy ``Float``: a derivation evaluated at floats."""
    return any(isinstance(a, sympy.Float) for a in args) and all(
        isinstance(a, (sympy.Float, sympy.Rational, int, float)) or a in (sympy.oo, -sympy.oo)
        for a in args)


def from_float64(value: float):
    """A float64 result as SymPy: ``inf`` as ``oo``, like NumPy's overflow."""
    if np.isinf(value):
        return sympy.oo if value > 0 else -sympy.oo
    return sympy.Float(float(value))


def clamp_to_float64(value):
    """A SymPy ``Float`` past float64's range becomes ``oo`` (exact numbers stay exact), so
    evaluation at floats overflows as NumPy does instead of growing without bound."""
    if isinstance(value, sympy.Float) and abs(value) > FLOAT64_MAX:
        return sympy.oo if value > 0 else -sympy.oo
    return value


def _elementwise(fn, nargs=1, numeric=None):
    """``fn`` element by element; at floats, ``numeric`` (NumPy's float64 function) computes
    it, so ``exp(exp(exp(10.0)))`` is ``inf`` at once rather than a number of 10^9565 digits."""
    def element(*args):
        if numeric is not None and _floating(args):
            with np.errstate(all="ignore"):
                result = numeric(*(float(a) for a in args))
            if not np.isnan(result):
                return from_float64(result)
        return fn(*args)
    element.__name__ = getattr(fn, "__name__", "elementwise")
    ufunc = np.frompyfunc(element, nargs, 1)

    def apply(*args):
        return np.asarray(ufunc(*args), dtype=object)
    apply.__name__ = getattr(fn, "__name__", "elementwise")
    return apply


def _indicator(relation):
    """1 where ``relation`` holds and 0 elsewhere, kept as a SymPy expression."""
    def fn(x, y):
        rel = relation(x, y)
        if rel in (sympy.true, True):
            return sympy.Integer(1)
        if rel in (sympy.false, False):
            return sympy.Integer(0)
        return sympy.Piecewise((1, rel), (0, True))
    return fn


class SympyNamespace:
    """NumPy, except where an element-wise function must call SymPy."""

    exact = True        # exact arithmetic: no overflow, so no numerical-stability shifts
    __name__ = "sympy_namespace"

    exp = staticmethod(_elementwise(sympy.exp, numeric=np.exp))
    expm1 = staticmethod(_elementwise(lambda v: sympy.exp(v) - 1, numeric=np.expm1))
    log1p = staticmethod(_elementwise(lambda v: sympy.log(1 + v), numeric=np.log1p))
    floor = staticmethod(_elementwise(sympy.floor, numeric=np.floor))
    ceil = staticmethod(_elementwise(sympy.ceiling, numeric=np.ceil))
    remainder = staticmethod(_elementwise(sympy.Mod, 2, numeric=np.remainder))
    log = staticmethod(_elementwise(sympy.log, numeric=np.log))
    sqrt = staticmethod(_elementwise(sympy.sqrt, numeric=np.sqrt))
    sin = staticmethod(_elementwise(sympy.sin, numeric=np.sin))
    cos = staticmethod(_elementwise(sympy.cos, numeric=np.cos))
    tanh = staticmethod(_elementwise(sympy.tanh, numeric=np.tanh))
    sign = staticmethod(_elementwise(sympy.sign))
    abs = staticmethod(_elementwise(sympy.Abs, numeric=np.abs))
    maximum = staticmethod(_elementwise(sympy.Max, 2, numeric=np.maximum))
    minimum = staticmethod(_elementwise(sympy.Min, 2, numeric=np.minimum))
    greater = staticmethod(_elementwise(_indicator(lambda x, y: x > y), 2))
    greater_equal = staticmethod(_elementwise(_indicator(lambda x, y: x >= y), 2))
    less = staticmethod(_elementwise(_indicator(lambda x, y: x < y), 2))
    less_equal = staticmethod(_elementwise(_indicator(lambda x, y: x <= y), 2))
    equal = staticmethod(_elementwise(_indicator(sympy.Eq), 2))
    not_equal = staticmethod(_elementwise(_indicator(sympy.Ne), 2))

    @staticmethod
    def where(cond, x, y):
        """``cond`` holds 0/1 expressions, so ``cond*x + (1-cond)*y`` is exact."""
        cond = np.asarray(cond, dtype=object)
        if all(c in (0, 1, True, False) for c in cond.flat):
            return np.asarray(np.where(cond.astype(bool), x, y), dtype=object)
        return np.asarray(cond * x + (1 - cond) * y, dtype=object)

    @staticmethod
    def _reduce(fn, x, axis=None, keepdims=False):
        x = np.asarray(x, dtype=object)
        ufunc = np.frompyfunc(fn, 2, 1)
        axes = tuple(range(x.ndim)) if axis is None else (
            (axis,) if isinstance(axis, int) else tuple(axis))
        axes = tuple(a % x.ndim for a in axes) if x.ndim else ()
        if not axes:
            return x.copy()
        kept = [a for a in range(x.ndim) if a not in axes]
        moved = np.transpose(x, kept + list(axes))
        flat = moved.reshape(moved.shape[:len(kept)] + (-1,))
        out = np.asarray(ufunc.reduce(flat, axis=-1), dtype=object)
        if keepdims:
            out = out.reshape(tuple(1 if a in axes else n for a, n in enumerate(x.shape)))
        return out

    def max(self, x, axis=None, keepdims=False):
        return self._reduce(sympy.Max, x, axis, keepdims)

    def min(self, x, axis=None, keepdims=False):
        return self._reduce(sympy.Min, x, axis, keepdims)

    amax, amin = max, min

    @staticmethod
    def zeros(shape, dtype=None):
        return np.full(shape, sympy.Integer(0), dtype=object)

    @staticmethod
    def ones(shape, dtype=None):
        return np.full(shape, sympy.Integer(1), dtype=object)

    @staticmethod
    def full(shape, fill_value, dtype=None):
        return np.full(shape, exact(fill_value), dtype=object)

    @staticmethod
    def pad(x, pad_width, mode="constant", constant_values=0):
        if mode == "constant":
            return np.pad(x, pad_width, mode="constant", constant_values=exact(constant_values))
        return np.pad(x, pad_width, mode=mode)

    @staticmethod
    def asarray(value, dtype=None):
        value = np.asarray(value, dtype=object)
        return np.vectorize(exact, otypes=[object])(value) if value.size else value

    def __getattr__(self, name):
        return getattr(np, name)


SYMPY_NAMESPACE = SympyNamespace()
