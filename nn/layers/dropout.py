"""Dropout: during training, zero each activation with probability p (a different random
subset at every step), so no unit can rely on any other; off in evaluation."""
from __future__ import annotations

from .. import functional as F
from ..module import Module


class Dropout(Module):
    """Inverted dropout: survivors are scaled by 1 / (1 - p) during training, so evaluation
    (``model.eval()``) is the identity and needs no rescaling."""

    def __init__(self, p: float = 0.5, inplace: bool = False):
        super().__init__()
        if not 0 <= p <= 1:
            raise ValueError(f"Dropout: probability must be between 0 and 1, got {p}")
        self.p, self.inplace = p, inplace

    def forward(self, x):
        return F.dropout(x, self.p, self.training)

    def extra_repr(self) -> str:
        return f"p={self.p}, inplace={self.inplace}"


class Dropout2d(Module):
    """Zero whole channels of (N, C, H, W) maps with probability p during training (the
    survivors scaled by 1 / (1 - p)): neighbouring pixels are too alike for pixel dropout."""

    def __init__(self, p: float = 0.5, inplace: bool = False):
        super().__init__()
        if not 0 <= p <= 1:
            raise ValueError(f"Dropout2d: probability must be between 0 and 1, got {p}")
        self.p, self.inplace = p, inplace

    def forward(self, x):
        return F.dropout2d(x, self.p, self.training)

    def extra_repr(self) -> str:
        return f"p={self.p}, inplace={self.inplace}"
