"""Activation functions as modules (no parameters). ``inplace`` is accepted for PyTorch
compatibility and ignored: autodiff never overwrites a tensor another op may still need."""
from __future__ import annotations

from .. import functional as F
from ..module import Module


class ReLU(Module):
    """max(x, 0)."""

    def __init__(self, inplace: bool = False):
        super().__init__()
        self.inplace = inplace

    def forward(self, x):
        return F.relu(x)

    def extra_repr(self) -> str:
        return "inplace=True" if self.inplace else ""


class LeakyReLU(Module):
    """x for x > 0, negative_slope * x otherwise."""

    def __init__(self, negative_slope: float = 0.01, inplace: bool = False):
        super().__init__()
        self.negative_slope, self.inplace = negative_slope, inplace

    def forward(self, x):
        return F.leaky_relu(x, self.negative_slope)

    def extra_repr(self) -> str:
        return f"negative_slope={self.negative_slope}" + (", inplace=True" if self.inplace else "")


class Sigmoid(Module):
    """1 / (1 + e^-x)."""

    def forward(self, x):
        return F.sigmoid(x)


class Tanh(Module):
    """(e^x - e^-x) / (e^x + e^-x)."""

    def forward(self, x):
        return F.tanh(x)


class Step(Module):
    """Heaviside step, 1 where x > 0 and 0 elsewhere: the perceptron's activation. Its
    gradient is zero almost everywhere, which is why networks trained by backpropagation
    replaced it with sigmoid, tanh and ReLU."""

    def forward(self, x):
        return F.step(x)


class Softmax(Module):
    """exp(x) / sum(exp(x)) along ``dim``: non-negative values that sum to 1."""

    def __init__(self, dim: int | None = None):
        super().__init__()
        self.dim = dim

    def forward(self, x):
        return F.softmax(x, self.dim)

    def extra_repr(self) -> str:
        return f"dim={self.dim}"


class LogSoftmax(Module):
    """x - logsumexp(x) along ``dim`` (stable log-probabilities)."""

    def __init__(self, dim: int | None = None):
        super().__init__()
        self.dim = dim

    def forward(self, x):
        return F.log_softmax(x, self.dim)

    def extra_repr(self) -> str:
        return f"dim={self.dim}"
