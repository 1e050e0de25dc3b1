"""Structured initialisations of ``nn.init`` (PyTorch's formulas):

orthogonal_: a random orthogonal matrix (QR of a Gaussian one, signs fixed by diag(R)),
             so a linear layer preserves lengths: gradients neither explode nor vanish
             through it, the classic fix for deep and recurrent networks.
eye_:        the identity matrix (a Linear that starts as a pass-through).
dirac_:      the identity convolution: a 1 at the centre of filter (c, c), 0 elsewhere.
"""
from __future__ import annotations

import numpy as np

from autodiff import Tensor, no_grad

from .rng import generator

__all__ = ["dirac_", "eye_", "orthogonal_"]


def _store(tensor: Tensor, values: np.ndarray) -> Tensor:
    with no_grad():
        tensor.array[...] = tensor.backend.from_host(values.astype(tensor.dtype))
    return tensor


def orthogonal_(tensor: Tensor, gain: float = 1.0) -> Tensor:
    """Fill (rows, ...) with a (semi-)orthogonal matrix of shape (rows, numel / rows), times
    ``gain``: rows orthonormal when rows <= cols, columns orthonormal otherwise."""
    if tensor.ndim < 2:
        raise ValueError("orthogonal_: Only tensors with 2 or more dimensions are supported")
    if tensor.array.size == 0:
        return tensor
    rows = tensor.shape[0]
    cols = tensor.array.size // rows
    flat = generator().standard_normal((rows, cols))
    if rows < cols:
        flat = flat.T
    q, r = np.linalg.qr(flat)
    q = q * np.sign(np.diag(r))
    if rows < cols:
        q = q.T
    return _store(tensor, (q * gain).reshape(tensor.shape))


def eye_(tensor: Tensor) -> Tensor:
    """The identity in a 2-d tensor (ones on the diagonal of a non-square one too)."""
    if tensor.ndim != 2:
        raise ValueError("eye_: Only tensors with 2 dimensions are supported")
    return _store(tensor, np.eye(*tensor.shape))


def dirac_(tensor: Tensor, groups: int = 1) -> Tensor:
    """A convolution weight (out, in, *kernel) that passes channel c of each group through."""
    if tensor.ndim not in (3, 4, 5):
        raise ValueError("dirac_: Only tensors with 3, 4, or 5 dimensions are supported")
    out_channels = tensor.shape[0]
    if out_channels % groups:
        raise ValueError("dirac_: dim 0 must be divisible by groups")
    per_group = out_channels // groups
    values = np.zeros(tensor.shape)
    centre = tuple(k // 2 for k in tensor.shape[2:])
    for g in range(groups):
        for d in range(min(per_group, tensor.shape[1])):
            values[(g * per_group + d, d) + centre] = 1
    return _store(tensor, values)
