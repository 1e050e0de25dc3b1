"""Upsample: enlarge feature maps by copying (nearest) or blending (bilinear) pixels."""
from __future__ import annotations

from .. import functional as F
from ..module import Module


class Upsample(Module):
    """``interpolate`` as a layer: give ``size`` or ``scale_factor``, and a ``mode``
    ("nearest", "linear" for (N, C, L), "bilinear" for (N, C, H, W))."""

    def __init__(self, size=None, scale_factor=None, mode: str = "nearest",
                 align_corners: bool | None = None, recompute_scale_factor=None):
        super().__init__()
        if mode not in ("nearest", "linear", "bilinear"):
            raise ValueError(f"Upsample: mode {mode!r} is not supported (nearest, linear, "
                             "bilinear)")
        self.size, self.mode, self.align_corners = size, mode, align_corners
        self.scale_factor = float(scale_factor) if isinstance(scale_factor, (int, float)) \
            else scale_factor
        self.recompute_scale_factor = recompute_scale_factor

    def forward(self, x):
        return F.interpolate(x, self.size, self.scale_factor, self.mode, self.align_corners,
                             self.recompute_scale_factor)

    def extra_repr(self) -> str:
        what = f"scale_factor={self.scale_factor}" if self.size is None else f"size={self.size}"
        return f"{what}, mode={self.mode!r}"
