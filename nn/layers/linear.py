"""Fully connected layers: ``Linear`` and the ``Flatten`` that usually comes before it."""
from __future__ import annotations

import math

import numpy as np

import autodiff as ad
from autodiff import get_default_dtype

from .. import functional as F
from .. import init
from ..module import Module, Parameter
from ._checks import expect_ndim, expect_size


def empty_parameter(*shape: int) -> Parameter:
    """An uninitialised parameter in the default dtype (the layer's init fills it)."""
    return Parameter(np.empty(shape, dtype=get_default_dtype()))


def reset_weight_and_bias(weight: Parameter, bias: Parameter | None) -> None:
    """PyTorch's default for Linear and Conv2d: weight from kaiming_uniform_(a=sqrt(5)), i.e.
    U(-1/sqrt(fan_in), 1/sqrt(fan_in)), and the bias from that same uniform."""
    init.kaiming_uniform_(weight, a=math.sqrt(5))
    if bias is not None:
        fan_in, _ = init.calculate_fan_in_and_fan_out(weight)
        bound = 1 / math.sqrt(fan_in) if fan_in > 0 else 0
        init.uniform_(bias, -bound, bound)


class Linear(Module):
    """y = x W^T + b: weight (out_features, in_features), bias (out_features,)."""

    def __init__(self, in_features: int, out_features: int, bias: bool = True):
        super().__init__()
        self.in_features, self.out_features = in_features, out_features
        self.weight = empty_parameter(out_features, in_features)
        self.register_parameter("bias", empty_parameter(out_features) if bias else None)
        self.reset_parameters()

    def reset_parameters(self) -> None:
        reset_weight_and_bias(self.weight, self.bias)

    def forward(self, x):
        if x.ndim == 0:
            expect_ndim(self, x, (1, 2), "(..., in_features)")
        expect_size(self, x, -1, self.in_features, "features in its last axis")
        return F.linear(x, self.weight, self.bias)

    def extra_repr(self) -> str:
        return (f"in_features={self.in_features}, out_features={self.out_features}, "
                f"bias={self.bias is not None}")


class Flatten(Module):
    """Merge axes ``start_dim`` .. ``end_dim`` into one: (N, C, H, W) -> (N, C*H*W)."""

    def __init__(self, start_dim: int = 1, end_dim: int = -1):
        super().__init__()
        self.start_dim, self.end_dim = start_dim, end_dim

    def forward(self, x):
        shape = tuple(x.shape)
        start, end = self.start_dim % max(len(shape), 1), self.end_dim % max(len(shape), 1)
        if start > end:
            raise ValueError(f"Flatten: start_dim {self.start_dim} comes after end_dim "
                             f"{self.end_dim} for input shape {shape}")
        merged = shape[:start] + (math.prod(shape[start:end + 1]),) + shape[end + 1:]
        return ad.reshape(x, merged)

    def extra_repr(self) -> str:
        return f"start_dim={self.start_dim}, end_dim={self.end_dim}"


class Unflatten(Module):
    """Split axis ``dim`` into ``unflattened_size``: (N, 784) -> (N, 1, 28, 28)."""

    def __init__(self, dim: int, unflattened_size):
        super().__init__()
        self.dim, self.unflattened_size = dim, tuple(unflattened_size)

    def forward(self, x):
        shape = tuple(x.shape)
        dim = self.dim % len(shape) if shape else 0
        sizes = self.unflattened_size
        known = math.prod(s for s in sizes if s != -1)
        if sizes.count(-1) > 1 or (-1 not in sizes and known != shape[dim]) or \
                (-1 in sizes and (known == 0 or shape[dim] % known)):
            raise ValueError(f"Unflatten: unflattened_size {sizes} does not split axis "
                             f"{self.dim} of size {shape[dim]} (input shape {shape})")
        return ad.reshape(x, shape[:dim] + sizes + shape[dim + 1:])

    def extra_repr(self) -> str:
        return f"dim={self.dim}, unflattened_size={self.unflattened_size}"
