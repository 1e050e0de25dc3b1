"""More element-wise primitives for the PyTorch surface: expm1, log1p, rounding, remainder,
clone, and the predicates (logical, bitwise, isnan...) that carry no gradient.

``expm1`` and ``log1p`` are primitives (not ``exp(x) - 1``) because near 0 the composite
loses every significant digit. ``floor``, ``ceil`` and ``round`` are piecewise constant:
their gradient is zero almost everywhere, as in PyTorch (a zero tensor, not None).
"""
from __future__ import annotations

from ..primitive import ELEMENTWISE, LINEAR, Primitive
from ..tensor import Tensor, apply


def zeros_of(g):
    """Zeros shaped, typed and placed like ``g``: the gradient of a piecewise-constant op."""
    return Tensor._wrap(g.backend.xp.zeros(g.shape, dtype=g.dtype))


EXPM1 = Primitive(
    "expm1", lambda xp, x: xp.expm1(x), vjp=(lambda g, out, x: g * (out + 1),),
    jvp=ELEMENTWISE, latex=r"\bar{x} = \bar{y}\, e^{x}")
LOG1P = Primitive(
    "log1p", lambda xp, x: xp.log1p(x), vjp=(lambda g, out, x: g / (x + 1),),
    jvp=ELEMENTWISE, latex=r"\bar{x} = \bar{y} / (1 + x)")


def _rounding(name: str, fn):
    return Primitive(name, fn, vjp=(lambda g, out, x, **params: zeros_of(g),),
                     jvp=ELEMENTWISE, latex=r"\bar{x} = 0 \text{ (piecewise constant)}")


FLOOR = _rounding("floor", lambda xp, x: xp.floor(x))
CEIL = _rounding("ceil", lambda xp, x: xp.ceil(x))
ROUND = _rounding("round", lambda xp, x, decimals: xp.round(x, decimals))

# x mod y = x - floor(x / y) * y (the sign of y, Python's and PyTorch's remainder). y's
# gradient is minus the quotient the remainder used: floor_divide's, not floor(x / y), which
# differs where y is infinite (floor_divide(-1, inf) = -1 but floor(-1 / inf) = -0.0)
REMAINDER = Primitive(
    "remainder", lambda xp, x, y: xp.remainder(x, y),
    vjp=(lambda g, out, x, y: g, lambda g, out, x, y: -g * apply(FLOOR_DIVIDE, x, y)),
    jvp=ELEMENTWISE, display="%",
    latex=r"\bar{x} = \bar{y},\quad \bar{z} = -\bar{y} \lfloor x / z \rfloor")
CLONE = Primitive(
    "clone", lambda xp, x: xp.copy(x), vjp=(lambda g, out, x: g,), jvp=LINEAR,
    latex=r"\bar{x} = \bar{y}")


# ---- predicates and integer arithmetic: boolean or integer results, no gradient --------------
def _constant(name: str, fn: str, display: str = ""):
    return Primitive(name, lambda xp, *xs: getattr(xp, fn)(*xs), differentiable=False,
                     display=display or name, variadic=True)


LOGICAL_AND = _constant("logical_and", "logical_and")
LOGICAL_OR = _constant("logical_or", "logical_or")
LOGICAL_XOR = _constant("logical_xor", "logical_xor")
LOGICAL_NOT = _constant("logical_not", "logical_not")
BITWISE_AND = _constant("bitwise_and", "bitwise_and", "&")
BITWISE_OR = _constant("bitwise_or", "bitwise_or", "|")
BITWISE_XOR = _constant("bitwise_xor", "bitwise_xor", "^")
BITWISE_NOT = _constant("bitwise_not", "invert", "~")
ISNAN = _constant("isnan", "isnan")
ISINF = _constant("isinf", "isinf")
ISFINITE = _constant("isfinite", "isfinite")
FLOOR_DIVIDE = _constant("floor_divide", "floor_divide", "//")
