"""2-D convolution: a bank of filters slid over the image (PyTorch's ``Conv2d``).

out[n, o, i, j] = b[o] + sum over c, a, b' of w[o, c, a, b'] * x[n, c, s i + d a, s j + d b']

A filter sees ``in_channels / groups`` channels and a kh x kw window, so the layer has
out_channels * (in_channels / groups * kh * kw) weights plus out_channels biases
(ten 5x5 filters on an RGB image: 10 * (3 * 5 * 5) + 10 = 760 parameters).
"""
from __future__ import annotations

import autodiff as ad

from .. import functional as F
from ..module import Module
from ._checks import expect_ndim, expect_size, expect_window_fits
from .linear import empty_parameter, reset_weight_and_bias


def _pair(value, name: str) -> tuple[int, int]:
    pair = (value, value) if isinstance(value, int) else tuple(value)
    if len(pair) != 2 or not all(isinstance(v, int) and v >= 0 for v in pair):
        raise ValueError(f"Conv2d: {name} must be a non-negative int or a pair of them, "
                         f"got {value!r}")
    return pair


class Conv2d(Module):
    """weight (out_channels, in_channels / groups, kh, kw), bias (out_channels,).

    ``padding`` is an int, a pair, "valid" (none) or "same" (output size = input size,
    stride 1 only); ``padding_mode`` "zeros", "replicate" (repeat the border pixels),
    "reflect" or "circular" (wrap around).
    """

    def __init__(self, in_channels: int, out_channels: int, kernel_size, stride=1, padding=0,
                 dilation=1, groups: int = 1, bias: bool = True, padding_mode: str = "zeros"):
        super().__init__()
        if groups < 1 or in_channels % groups or out_channels % groups:
            raise ValueError(f"Conv2d: groups={groups} must divide in_channels ({in_channels}) "
                             f"and out_channels ({out_channels})")
        if padding_mode not in ("zeros", "replicate", "reflect", "circular"):
            raise ValueError(f"Conv2d: padding_mode must be 'zeros', 'reflect', 'replicate' or "
                             f"'circular', got {padding_mode!r}")
        self.in_channels, self.out_channels, self.groups = in_channels, out_channels, groups
        self.kernel_size = _pair(kernel_size, "kernel_size")
        self.stride = _pair(stride, "stride")
        self.dilation = _pair(dilation, "dilation")
        if isinstance(padding, str):
            if padding not in ("same", "valid"):
                raise ValueError(f"Conv2d: padding must be an int, a pair, 'same' or 'valid', "
                                 f"got {padding!r}")
            if padding == "same" and self.stride != (1, 1):
                raise ValueError("Conv2d: padding='same' is not supported for strided "
                                 f"convolutions (stride {self.stride})")
            self.padding = padding
        else:
            self.padding = _pair(padding, "padding")
        self.padding_mode = padding_mode
        self.weight = empty_parameter(out_channels, in_channels // groups, *self.kernel_size)
        self.register_parameter("bias", empty_parameter(out_channels) if bias else None)
        self.reset_parameters()

    def reset_parameters(self) -> None:
        reset_weight_and_bias(self.weight, self.bias)

    def _numeric_padding(self) -> tuple[int, int]:
        if self.padding == "valid":
            return (0, 0)
        if self.padding == "same":   # at least half the dilated kernel on each side
            return tuple(d * (k - 1) // 2 for k, d in zip(self.kernel_size, self.dilation))
        return self.padding

    def forward(self, x):
        expect_ndim(self, x, (3, 4), "(N, C, H, W) or (C, H, W)")
        expect_size(self, x, -3, self.in_channels, "channels")
        expect_window_fits(self, x, self.kernel_size, self._numeric_padding(), self.dilation)
        if x.ndim == 3:                                  # one image without a batch axis
            out = self.forward(ad.reshape(x, (1,) + tuple(x.shape)))
            return ad.reshape(out, out.shape[1:])
        if self.padding_mode in ("reflect", "circular"):     # pad first, then a plain conv
            x = F.pad(x, self._pad_amounts(), mode=self.padding_mode)
            return F.conv2d(x, self.weight, self.bias, self.stride, 0, self.dilation,
                            self.groups)
        return F.conv2d(x, self.weight, self.bias, self.stride, self.padding, self.dilation,
                        self.groups, self.padding_mode)

    def _pad_amounts(self) -> tuple[int, int, int, int]:
        """F.pad's (left, right, top, bottom); "same" puts an odd extra pixel on the right."""
        if self.padding == "same":
            (top, left) = (d * (k - 1) // 2 for k, d in zip(self.kernel_size, self.dilation))
            bottom, right = (d * (k - 1) - t for k, d, t in
                             zip(self.kernel_size, self.dilation, (top, left)))
            return (left, right, top, bottom)
        ph, pw = self._numeric_padding()
        return (pw, pw, ph, ph)

    def extra_repr(self) -> str:
        return conv_repr(self)


def conv_repr(layer) -> str:
    """PyTorch's repr of a convolution (Conv1d and Conv2d): the settings that differ from
    their defaults."""
    ones = (1,) * len(layer.kernel_size)
    s = (f"{layer.in_channels}, {layer.out_channels}, kernel_size={layer.kernel_size}, "
         f"stride={layer.stride}")
    if layer.padding != tuple(0 for _ in ones):
        s += f", padding={layer.padding}"
    if layer.dilation != ones:
        s += f", dilation={layer.dilation}"
    if layer.groups != 1:
        s += f", groups={layer.groups}"
    if layer.bias is None:
        s += ", bias=False"
    if layer.padding_mode != "zeros":
        s += f", padding_mode={layer.padding_mode}"
    return s
