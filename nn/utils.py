"""nn.utils (PyTorch's ``torch.nn.utils``): gradient clipping and parameters as one vector.

clip_grad_norm_:  total = ||(g_1, g_2, ...)||_p over every gradient together; when it exceeds
                  max_norm every gradient is scaled by max_norm / (total + 1e-6), so the
                  direction of the step is kept and only its length is capped. Returns total
                  (the norm before clipping: worth logging, it shows exploding gradients).
clip_grad_value_: each gradient element clipped to [-clip_value, clip_value].
"""
from __future__ import annotations

import math

import autodiff as ad
from autodiff import Tensor, no_grad

__all__ = ["clip_grad_norm_", "clip_grad_value_", "parameters_to_vector",
           "vector_to_parameters"]


def _listed(parameters) -> list[Tensor]:
    return [parameters] if isinstance(parameters, Tensor) else list(parameters)


def clip_grad_norm_(parameters, max_norm: float, norm_type: float = 2.0,
                    error_if_nonfinite: bool = False, foreach=None) -> Tensor:
    """Scale the gradients in place so that their joint ``norm_type``-norm is at most
    ``max_norm``; returns the joint norm they had (a 0-d tensor)."""
    grads = [p.grad for p in _listed(parameters) if p.grad is not None]
    norm_type = float(norm_type)
    if not grads:
        return ad.tensor(0.0)
    xp = grads[0].backend.xp
    with no_grad():
        if math.isinf(norm_type):
            norms = [xp.max(xp.abs(g.array)) if g.array.size else xp.zeros(()) for g in grads]
            total = xp.max(xp.stack(norms))
        else:
            norms = [xp.sum(xp.abs(g.array) ** norm_type) for g in grads]
            total = xp.sum(xp.stack(norms)) ** (1.0 / norm_type)
        if error_if_nonfinite and not bool(xp.isfinite(total)):
            raise RuntimeError(f"clip_grad_norm_: the total norm of order {norm_type} of the "
                               "gradients is non-finite, so it cannot be clipped. To disable "
                               "this error and scale the gradients by the non-finite norm "
                               "anyway, set error_if_nonfinite=False")
        scale = xp.minimum(max_norm / (total + 1e-6), 1.0)
        for g in grads:
            g.array *= scale.astype(g.dtype)
    return ad.tensor(total.astype(grads[0].dtype))


def clip_grad_value_(parameters, clip_value: float, foreach=None) -> None:
    """Clip every gradient element to [-clip_value, clip_value], in place."""
    clip_value = float(clip_value)
    for p in _listed(parameters):
        if p.grad is not None:
            xp = p.grad.backend.xp
            xp.clip(p.grad.array, -clip_value, clip_value, out=p.grad.array)


def parameters_to_vector(parameters) -> Tensor:
    """Every parameter flattened and joined into one vector (differentiable)."""
    return ad.concatenate([ad.reshape(p, (-1,)) for p in _listed(parameters)])


def vector_to_parameters(vec, parameters) -> None:
    """Copy consecutive pieces of ``vec`` into the parameters (in place, no graph)."""
    if not isinstance(vec, Tensor):
        raise TypeError(f"vector_to_parameters: expected vec to be a Tensor, but got "
                        f"{type(vec).__name__}")
    params = _listed(parameters)
    needed = sum(p.array.size for p in params)
    if vec.ndim != 1 or vec.shape[0] != needed:
        raise ValueError(f"vector_to_parameters: vec has shape {tuple(vec.shape)}, the "
                         f"parameters need ({needed},)")
    start = 0
    with no_grad():
        for p in params:
            n = p.array.size
            p.array[...] = vec.array[start:start + n].reshape(p.shape)
            start += n
