"""Smooth and clipped activations as modules: GELU, SiLU, ELU, Softplus, Hardtanh, ReLU6,
Mish, and PReLU (a leaky ReLU whose slope is learned).
``inplace`` is accepted for PyTorch compatibility and ignored (see activation.py)."""
from __future__ import annotations

import autodiff as ad

from .. import functional as F
from ..init import constant_
from ..module import Module
from .linear import empty_parameter


class GELU(Module):
    """x Phi(x), Phi the normal CDF (the transformers' activation); ``approximate="tanh"``."""

    def __init__(self, approximate: str = "none"):
        super().__init__()
        if approximate not in ("none", "tanh"):
            raise ValueError(f"GELU: approximate must be 'none' or 'tanh', got {approximate!r}")
        self.approximate = approximate

    def forward(self, x):
        return F.gelu(x, self.approximate)

    def extra_repr(self) -> str:
        return f"approximate={self.approximate!r}"


class SiLU(Module):
    """x sigmoid(x)."""

    def __init__(self, inplace: bool = False):
        super().__init__()
        self.inplace = inplace

    def forward(self, x):
        return F.silu(x)


class ELU(Module):
    """x for x > 0, alpha (e^x - 1) otherwise."""

    def __init__(self, alpha: float = 1.0, inplace: bool = False):
        super().__init__()
        self.alpha, self.inplace = alpha, inplace

    def forward(self, x):
        return F.elu(x, self.alpha)

    def extra_repr(self) -> str:
        return f"alpha={self.alpha}"


class Softplus(Module):
    """log(1 + e^(beta x)) / beta: a ReLU with a rounded corner."""

    def __init__(self, beta: float = 1.0, threshold: float = 20.0):
        super().__init__()
        self.beta, self.threshold = beta, threshold

    def forward(self, x):
        return F.softplus(x, self.beta, self.threshold)

    def extra_repr(self) -> str:
        return f"beta={self.beta}, threshold={self.threshold}"


class Hardtanh(Module):
    """x clipped to [min_val, max_val]."""

    def __init__(self, min_val: float = -1.0, max_val: float = 1.0, inplace: bool = False):
        super().__init__()
        if min_val > max_val:
            raise ValueError(f"Hardtanh: min_val ({min_val}) cannot be greater than max_val "
                             f"({max_val})")
        self.min_val, self.max_val, self.inplace = min_val, max_val, inplace

    def forward(self, x):
        return F.hardtanh(x, self.min_val, self.max_val)

    def extra_repr(self) -> str:
        return f"min_val={self.min_val}, max_val={self.max_val}"


class ReLU6(Hardtanh):
    """min(max(x, 0), 6)."""

    def __init__(self, inplace: bool = False):
        super().__init__(0.0, 6.0, inplace)


class Mish(Module):
    """x tanh(softplus(x))."""

    def __init__(self, inplace: bool = False):
        super().__init__()
        self.inplace = inplace

    def forward(self, x):
        return F.mish(x)


class PReLU(Module):
    """x where x > 0, else weight * x: the negative slope is a parameter (one, or one per
    channel of dim 1), initialised to ``init``."""

    def __init__(self, num_parameters: int = 1, init: float = 0.25):
        super().__init__()
        self.num_parameters = num_parameters
        self.weight = empty_parameter(num_parameters)
        constant_(self.weight, init)

    def forward(self, x):
        x = ad.as_tensor(x)
        slope = self.weight
        if self.num_parameters > 1:           # one slope per channel (dim 1, or dim 0 unbatched)
            channel = 1 if x.ndim > 1 else 0
            slope = slope.reshape((-1,) + (1,) * (x.ndim - channel - 1))
        positive = x > 0
        # the slope only ever sees the non-positive part (a +inf elsewhere would give the
        # slope's gradient inf * 0 = NaN, where PyTorch's sum skips it)
        return ad.where(positive, x, slope * ad.where(positive, 0.0, x))

    def extra_repr(self) -> str:
        return f"num_parameters={self.num_parameters}"

