"""Matrix product: NumPy's ``matmul`` (batch dimensions broadcast, 1-d operands promoted).

For y = x @ w:  x̄ = ȳ @ wᵀ and w̄ = xᵀ @ ȳ. A 1-d operand is treated as a row (left) or a
column (right) vector, exactly as NumPy does, and the gradient is reshaped back.
"""
from __future__ import annotations

import numpy as np

from ..blas_threads import threads_for
from ..primitive import Primitive
from ..tensor import apply, as_tensor
from .reduce import sum_to
from .shape import TRANSPOSE, broadcast_to, reshape


def _swap_last(t):
    axes = tuple(range(t.ndim - 2)) + (t.ndim - 1, t.ndim - 2)
    return apply(TRANSPOSE, t, axes=axes)


def _as_matrices(g, x, y):
    """Promote 1-d operands to matrices (and ``g`` to match), as NumPy's matmul does."""
    x2 = reshape(x, (1, x.shape[0])) if x.ndim == 1 else x
    y2 = reshape(y, (y.shape[0], 1)) if y.ndim == 1 else y
    shape = list(g.shape)
    if x.ndim == 1:
        shape.insert(len(shape) - (0 if y.ndim == 1 else 1), 1)
    if y.ndim == 1:
        shape.append(1)
    return reshape(g, tuple(shape)), x2, y2


def _grad_x(g, out, x, y):
    g2, _, y2 = _as_matrices(g, x, y)
    dx = g2 @ _swap_last(y2)
    return reshape(sum_to(dx, (1, x.shape[0])), x.shape) if x.ndim == 1 else dx


def _grad_y(g, out, x, y):
    g2, x2, _ = _as_matrices(g, x, y)
    dy = _swap_last(x2) @ g2
    return reshape(sum_to(dy, (y.shape[0], 1)), y.shape) if y.ndim == 1 else dy


def _jvp(tangents, out, x, y):
    dx, dy = tangents
    parts = [matmul(dx, y)] if dx is not None else []
    if dy is not None:
        parts.append(matmul(x, dy))
    return parts[0] if len(parts) == 1 else parts[0] + parts[1]


def product(xp, x, y):
    """``xp.matmul(x, y)``, on the BLAS threads that pay off for its size
    (``autodiff/blas_threads.py``)."""
    if xp is np:
        threads_for(x.size * (y.shape[-1] if y.ndim > 1 else 1))   # multiply-adds, about
    return xp.matmul(x, y)


MATMUL = Primitive(
    "matmul", product, vjp=(_grad_x, _grad_y), jvp=_jvp,
    display="@", latex=r"\bar{X} = \bar{Y} W^{\top},\quad \bar{W} = X^{\top} \bar{Y}")


def matmul(x, y):
    """Matrix product with NumPy's rules; a clear error when the inner sizes differ."""
    x, y = as_tensor(x), as_tensor(y)
    if x.ndim == 0 or y.ndim == 0:
        raise ValueError(f"matmul: operands must be at least 1-d, got shapes {x.shape} and {y.shape}")
    inner_x = x.shape[-1]
    inner_y = y.shape[0] if y.ndim == 1 else y.shape[-2]
    if inner_x != inner_y:
        raise ValueError(f"matmul: shapes {x.shape} and {y.shape} do not align: "
                         f"{inner_x} (last axis of the first) != {inner_y} "
                         f"({'first' if y.ndim == 1 else 'second-to-last'} axis of the second)")
    return apply(MATMUL, x, y)


# ---- the dense layer's map, fused: y = x W^T + b ---------------------------------------------
# One primitive instead of transpose + matmul + add: the forward is one matrix product and
# the backward three (x̄ = ȳ W, W̄ = ȳᵀ x, b̄ = Σ ȳ), with far fewer nodes to record per layer.
def _affine(xp, x, w, b):
    out = product(xp, x, xp.transpose(w))
    out += b
    return out


def _rows(t):
    """(..., n) as (rows, n): the batch axes of a dense layer flattened."""
    return t if t.ndim == 2 else reshape(t, (-1, t.shape[-1]))


def _affine_jvp(tangents, out, x, w, b):
    dx, dw, db = tangents
    parts = []
    if dx is not None:
        parts.append(matmul(dx, _swap_last(w)))
    if dw is not None:
        parts.append(matmul(x, _swap_last(dw)))
    if db is not None:
        parts.append(broadcast_to(db, out.shape))
    total = parts[0]
    for part in parts[1:]:
        total = total + part
    return total


AFFINE = Primitive(
    "linear", _affine,
    vjp=(lambda g, out, x, w, b: matmul(g, w),
         lambda g, out, x, w, b: matmul(_swap_last(_rows(g)), _rows(x)),
         lambda g, out, x, w, b: g),
    jvp=_affine_jvp, display="xWᵀ+b",
    latex=r"\bar{X} = \bar{Y} W,\quad \bar{W} = \bar{Y}^{\top} X,\quad "
          r"\bar{b} = \textstyle\sum_{\text{rows}} \bar{Y}")


def linear(x, w, b=None):
    """PyTorch's ``linear``: y = x Wᵀ + b for x (..., in), W (out, in), b (out,)."""
    x, w = as_tensor(x), as_tensor(w)
    if w.ndim != 2:
        raise ValueError(f"linear: the weight must be 2-d (out_features, in_features), "
                         f"got shape {w.shape}")
    if x.ndim == 0 or x.shape[-1] != w.shape[1]:
        raise ValueError(f"linear: input shape {x.shape} has {x.shape[-1] if x.ndim else 0} "
                         f"features, but the weight {w.shape} expects {w.shape[1]}")
    if b is None or x.ndim < 2:
        out = matmul(x, _swap_last(w))
        return out if b is None else out + b
    b = as_tensor(b)
    if b.shape != (w.shape[0],):
        raise ValueError(f"linear: bias shape {b.shape} should be ({w.shape[0]},)")
    return apply(AFFINE, x, w, b)
