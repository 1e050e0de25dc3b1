"""Functional transforms, JAX style: they take a function and return a new one.

``grad(f)`` evaluates f, runs reverse mode and returns the gradient; because the backward pass
is recorded whenever the arguments are themselves part of a graph, ``grad(grad(f))``,
``hessian`` and ``jacobian(grad(f))`` all work.
"""
from __future__ import annotations

from .forward import forward_tangents
from .modes import enable_grad
from .ops.shape import reshape, stack
from .reverse import gradients
from .tensor import Tensor, tensor


def as_leaf(value) -> Tensor:
    """A tensor that requires a gradient: the argument itself when it already does (so an
    outer transform can differentiate through), else a fresh leaf on the same data."""
    t = value if isinstance(value, Tensor) else tensor(value)
    if t.requires_grad:
        return t
    return Tensor._wrap(t.array).requires_grad_(True)


def _argnums(argnums, n):
    nums = (argnums,) if isinstance(argnums, int) else tuple(argnums)
    for i in nums:
        if not -n <= i < n:
            raise ValueError(f"argnums {i} is out of range for {n} argument(s)")
    return nums


def value_and_grad(f, argnums=0):
    """``f``'s value and its gradient with respect to the argument(s) ``argnums``."""
    def wrapped(*args):
        nums = _argnums(argnums, len(args))
        nested = any(isinstance(args[i], Tensor) and args[i].requires_grad for i in nums)
        args = list(args)
        for i in nums:
            args[i] = as_leaf(args[i])
        with enable_grad():
            out = f(*args)
        if not isinstance(out, Tensor) or out.numel() != 1:
            shape = out.shape if isinstance(out, Tensor) else type(out).__name__
            raise TypeError(f"grad: f must return a one-element tensor, got {shape}; "
                            "use jacobian or vjp for other outputs")
        wrt = [args[i] for i in nums]
        if not out.requires_grad:
            from .forward import _zeros_like
            grads = [_zeros_like(x) for x in wrt]
        else:
            grads = gradients(out, wrt, create_graph=nested)
        value = out if nested else out.detach()
        return value, grads[0] if isinstance(argnums, int) else tuple(grads)
    return wrapped


def grad(f, argnums=0):
    """The gradient of a scalar function: ``grad(f)(x)`` has x's shape."""
    def wrapped(*args):
        return value_and_grad(f, argnums)(*args)[1]
    return wrapped


def vjp(f, *primals):
    """``out, vjp_fn = vjp(f, *primals)``; ``vjp_fn(cotangent)`` is a tuple, one per primal."""
    leaves = [as_leaf(p) for p in primals]
    with enable_grad():
        out = f(*leaves)

    def vjp_fn(cotangent):
        if not out.requires_grad:
            from .forward import _zeros_like
            return tuple(_zeros_like(x) for x in leaves)
        return tuple(gradients(out, leaves, grad_outputs=cotangent, retain_graph=True))
    return out.detach(), vjp_fn


def jvp(f, primals, tangents):
    """``out, tangent_out = jvp(f, primals, tangents)``: true forward mode (J @ tangent)."""
    primals, tangents = tuple(primals), tuple(tangents)
    if len(primals) != len(tangents):
        raise ValueError(f"jvp: {len(primals)} primals but {len(tangents)} tangents")
    nested = any(isinstance(p, Tensor) and p.requires_grad for p in primals)
    leaves = [as_leaf(p) for p in primals]
    tangents = [t if isinstance(t, Tensor) else tensor(t, dtype=x.dtype)
                for t, x in zip(tangents, leaves)]
    for x, t in zip(leaves, tangents):
        if t.shape != x.shape:
            raise ValueError(f"jvp: tangent shape {t.shape} differs from primal shape {x.shape}")
    with enable_grad():
        out = f(*leaves)
    (tangent,) = forward_tangents([out], leaves, tangents)
    return (out, tangent) if nested else (out.detach(), tangent.detach())


def _one_hot(k: int, like: Tensor) -> Tensor:
    """A tensor shaped like ``like``: 1 at flat position ``k``, 0 elsewhere."""
    basis = like.backend.xp.zeros(like.numel(), dtype=like.dtype)
    basis[k] = 1
    return Tensor._wrap(basis.reshape(like.array.shape))


def jacobian(f, argnums: int = 0, mode: str = "rev"):
    """The full Jacobian, shape ``out.shape + x.shape``.

    ``mode="rev"`` builds it a row at a time (one VJP per output element), ``"fwd"`` a column
    at a time (one JVP per input element): pick the side with fewer elements.
    """
    if mode not in ("rev", "fwd"):
        raise ValueError(f"jacobian: mode must be 'rev' or 'fwd', got {mode!r}")

    def wrapped(*args):
        args = list(args)
        nested = isinstance(args[argnums], Tensor) and args[argnums].requires_grad
        x = args[argnums] = as_leaf(args[argnums])
        with enable_grad():
            out = f(*args)
        if not out.requires_grad:
            return Tensor._wrap(x.backend.xp.zeros(out.shape + x.shape, dtype=x.dtype))
        if mode == "rev":
            rows = [gradients(out, x, grad_outputs=_one_hot(k, out), retain_graph=True,
                              create_graph=nested) for k in range(out.numel())]
            jac = reshape(stack(rows), out.shape + x.shape)
        else:
            cols = [forward_tangents([out], [x], [_one_hot(k, x)])[0] for k in range(x.numel())]
            jac = reshape(stack(cols, axis=-1), out.shape + x.shape)
        return jac if nested else jac.detach()
    return wrapped


def hessian(f, argnums: int = 0):
    """Second derivatives of a scalar function: the Jacobian of its gradient."""
    return jacobian(grad(f, argnums), argnums, mode="rev")
