"""Element-wise maths and products with PyTorch's names, over the primitives.

Composites carry no derivative code: ``clamp`` with tensor bounds is two ``where`` selects
(so each bound gets the gradient where it wins), ``rsqrt`` is 1 / sqrt, ``einsum`` is
permutes, reshapes and batched matrix products.
"""
from __future__ import annotations

from .. import functional as _fn
from ..ops import elementwise as _ew
from ..ops import pointwise as _pw
from ..ops.linalg import matmul
from ..tensor import Tensor, apply, as_tensor
from . import shape as _shape
from .dims import numpy_names
from .promotion import floating, promote, result_type


# ---- composites of one input ------------------------------------------------------------------
def rsqrt(x): return 1 / _ew.sqrt(x)
def reciprocal(x): return 1 / x
def square(x): return x * x
def expm1(x): return apply(_pw.EXPM1, floating(x))
def log1p(x): return apply(_pw.LOG1P, floating(x))
def floor(x): return apply(_pw.FLOOR, x)
def ceil(x): return apply(_pw.CEIL, x)
def round(x, decimals: int = 0): return apply(_pw.ROUND, x, decimals=decimals)


def trunc(x):
    """Round towards zero (zero gradient)."""
    return _ew.where(x >= 0, floor(x), ceil(x))


def clamp(x, min=None, max=None):
    """Limit to [min, max]; the gradient passes where min <= x <= max. Tensor bounds take the
    gradient where they win (and ``max`` wins where min > max, as in PyTorch)."""
    if isinstance(min, Tensor) or isinstance(max, Tensor):
        out = x if min is None else _bounded(x, min, x >= min, x < min)
        return out if max is None else _bounded(out, max, out <= max, out > max)
    x = as_tensor(x)
    if x.dtype.kind in "biu":                           # int tensor, float bound: a float result
        target = result_type(x, *(b for b in (min, max) if b is not None))
        x = x if target == x.dtype else x.astype(target)
    return _ew.clip(x, min, max)


def _bounded(x, bound, inside, beyond):
    """x where ``inside``, the bound where ``beyond``; where neither holds (a NaN in x or the
    bound) NaN, with no gradient to either (PyTorch's)."""
    stuck = (x + bound).detach()                        # NaN exactly there
    return _ew.where(inside, x, _ew.where(beyond, bound, stuck))


def clamp_min(x, min): return clamp(x, min=min)
def clamp_max(x, max): return clamp(x, max=max)


def nan_to_num(x, nan: float = 0.0, posinf=None, neginf=None):
    """NaN, +inf and -inf replaced (by 0 and the dtype's largest and smallest finite values)."""
    import numpy as np
    x = as_tensor(x)
    if x.dtype.kind != "f":
        return x
    info = np.finfo(x.dtype)
    out = _ew.where(isnan(x), nan, x)
    out = _ew.where(out == float("inf"), info.max if posinf is None else posinf, out)
    return _ew.where(out == -float("inf"), info.min if neginf is None else neginf, out)


# ---- two inputs --------------------------------------------------------------------------------
def add(x, other, *, alpha=1):
    """x + alpha * other (PyTorch's ``add``; the ``+`` operator is ``alpha=1``)."""
    return _ew.add(x, other if alpha == 1 else other * alpha)


def sub(x, other, *, alpha=1):
    return _ew.sub(x, other if alpha == 1 else other * alpha)


def div(x, other, *, rounding_mode=None):
    """x / other; ``rounding_mode`` "trunc" or "floor" rounds the quotient (zero gradient), and
    then integers stay integers, as in PyTorch."""
    if rounding_mode is None:
        return _ew.div(x, other)
    if rounding_mode == "floor":
        return floor_divide(x, other)
    if rounding_mode == "trunc":
        x, other = promote(x, other)
        quotient = trunc(_ew.div(x, other))
        kind = quotient.dtype if not isinstance(x, Tensor) else x.dtype
        return quotient if kind.kind == "f" else quotient.astype(kind)
    raise ValueError(f"div expected rounding_mode to be one of None, 'trunc', or 'floor' but "
                     f"found '{rounding_mode}'")


true_divide = divide = _ew.div


def pow(x, exponent): return _ew.power(x, exponent)
def remainder(x, y): return apply(_pw.REMAINDER, *promote(x, y))
def floor_divide(x, y): return apply(_pw.FLOOR_DIVIDE, *promote(x, y))


# ---- predicates and bit operations: no gradient ---------------------------------------------------
def logical_and(x, y): return apply(_pw.LOGICAL_AND, x, y)
def logical_or(x, y): return apply(_pw.LOGICAL_OR, x, y)
def logical_xor(x, y): return apply(_pw.LOGICAL_XOR, x, y)
def logical_not(x): return apply(_pw.LOGICAL_NOT, x)
def bitwise_and(x, y): return apply(_pw.BITWISE_AND, x, y)
def bitwise_or(x, y): return apply(_pw.BITWISE_OR, x, y)
def bitwise_xor(x, y): return apply(_pw.BITWISE_XOR, x, y)
def bitwise_not(x): return apply(_pw.BITWISE_NOT, x)
def isnan(x): return apply(_pw.ISNAN, x)
def isinf(x): return apply(_pw.ISINF, x)
def isfinite(x): return apply(_pw.ISFINITE, x)


def isclose(x, y, rtol: float = 1e-05, atol: float = 1e-08, equal_nan: bool = False):
    """Element-wise |x - y| <= atol + rtol |y| (no gradient)."""
    x, y = as_tensor(x), as_tensor(y)
    return Tensor._wrap(x.backend.xp.isclose(x.array, y.array, rtol, atol, equal_nan))


def allclose(x, y, rtol: float = 1e-05, atol: float = 1e-08, equal_nan: bool = False) -> bool:
    return bool(isclose(x, y, rtol, atol, equal_nan).array.all())


def equal(x, y) -> bool:
    """True when both have the same shape and the same elements (PyTorch's ``torch.equal``)."""
    x, y = as_tensor(x), as_tensor(y)
    return x.shape == y.shape and bool((x.array == y.array).all())


@numpy_names
def softmax(x, dim: int = -1):
    return _fn.softmax(x, dim)


@numpy_names
def log_softmax(x, dim: int = -1):
    return _fn.log_softmax(x, dim)


# ---- products ----------------------------------------------------------------------------------
def _need(x, ndim, op, what):
    x = as_tensor(x)
    if x.ndim != ndim:
        raise RuntimeError(f"{op}: expected {what} ({ndim}-d), got shape {x.shape}")
    return x


def mm(x, y): return matmul(_need(x, 2, "mm", "a matrix"), _need(y, 2, "mm", "a matrix"))
def bmm(x, y): return matmul(_need(x, 3, "bmm", "a batch of matrices"),
                             _need(y, 3, "bmm", "a batch of matrices"))
def mv(x, v): return matmul(_need(x, 2, "mv", "a matrix"), _need(v, 1, "mv", "a vector"))
def dot(x, y): return matmul(_need(x, 1, "dot", "a vector"), _need(y, 1, "dot", "a vector"))


def outer(x, y):
    x, y = _need(x, 1, "outer", "a vector"), _need(y, 1, "outer", "a vector")
    return _shape.reshape(x, (-1, 1)) * _shape.reshape(y, (1, -1))


def einsum(equation: str, *operands):
    """Einstein summation (``einsum("bij,bjk->bik", x, y)``), contracted two operands at a
    time as batched matrix products."""
    from .einsum import einsum as _einsum
    return _einsum(equation, *operands)
