"""Pooling: summarise each window of a feature map by its maximum or its mean.

Pooling has no parameters. A k x k window moved by stride s shrinks n pixels to
floor((n + 2p - k) / s) + 1, and widens what each later unit sees (its receptive field).
"""
from __future__ import annotations

from .. import functional as F
from ..module import Module
from ._checks import expect_ndim, expect_window_fits


class _Pool2d(Module):
    def __init__(self, kernel_size, stride=None, padding=0):
        super().__init__()
        self.kernel_size = kernel_size
        self.stride = kernel_size if stride is None else stride
        self.padding = padding
        kernel, padding = F.pair(kernel_size), F.pair(padding)
        if any(p > k // 2 for p, k in zip(padding, kernel)):
            raise ValueError(f"{type(self).__name__}: padding {self.padding} must be at most "
                             f"half the kernel size {self.kernel_size}")

    def _check(self, x, dilation=1) -> None:
        expect_ndim(self, x, (3, 4), "(N, C, H, W) or (C, H, W)")
        expect_window_fits(self, x, F.pair(self.kernel_size), F.pair(self.padding),
                           F.pair(dilation))


class MaxPool2d(_Pool2d):
    """The largest value of each window (the gradient goes to that one element)."""

    def __init__(self, kernel_size, stride=None, padding=0, dilation=1,
                 return_indices: bool = False, ceil_mode: bool = False):
        super().__init__(kernel_size, stride, padding)
        if return_indices:
            raise ValueError("MaxPool2d: return_indices=True is not supported")
        self.dilation, self.ceil_mode = dilation, ceil_mode

    def forward(self, x):
        self._check(x, self.dilation)
        return F.max_pool2d(x, self.kernel_size, self.stride, self.padding, self.dilation,
                            self.ceil_mode)

    def extra_repr(self) -> str:
        return (f"kernel_size={self.kernel_size}, stride={self.stride}, padding={self.padding}, "
                f"dilation={self.dilation}, ceil_mode={self.ceil_mode}")


class AvgPool2d(_Pool2d):
    """The mean of each window (``count_include_pad``: padding zeros count in the mean)."""

    def __init__(self, kernel_size, stride=None, padding=0, ceil_mode: bool = False,
                 count_include_pad: bool = True, divisor_override=None):
        super().__init__(kernel_size, stride, padding)
        if ceil_mode:
            raise ValueError("AvgPool2d: ceil_mode=True is not supported")
        self.ceil_mode, self.count_include_pad = ceil_mode, count_include_pad
        self.divisor_override = divisor_override

    def forward(self, x):
        self._check(x)
        return F.avg_pool2d(x, self.kernel_size, self.stride, self.padding, self.ceil_mode,
                            self.count_include_pad, self.divisor_override)

    def extra_repr(self) -> str:
        return f"kernel_size={self.kernel_size}, stride={self.stride}, padding={self.padding}"


class AdaptiveAvgPool2d(Module):
    """Average pooling to a fixed ``output_size`` (an int, a pair; None keeps that axis),
    whatever the input size: output cell i averages input rows floor(i H / h) to
    ceil((i + 1) H / h) - 1. Put before a classifier, it lets a network take any image size.
    """

    def __init__(self, output_size):
        super().__init__()
        self.output_size = output_size

    def forward(self, x):
        expect_ndim(self, x, (3, 4), "(N, C, H, W) or (C, H, W)")
        return F.adaptive_avg_pool2d(x, self.output_size)

    def extra_repr(self) -> str:
        return f"output_size={self.output_size}"
