"""Transposed 2-d convolution (PyTorch's ``ConvTranspose2d``): the adjoint of a convolution,
used to upsample (decoders, GAN generators). Each input pixel adds its filter, scaled,
into a kh x kw patch of the output; with stride s the patches start s pixels apart.

weight (in_channels, out_channels / groups, kh, kw) (note the order), bias (out_channels,);
PyTorch's init takes fan_in from weight.shape[1] * kh * kw.
"""
from __future__ import annotations

from .. import functional as F
from ..module import Module
from .linear import empty_parameter, reset_weight_and_bias


def _pair(value, name: str) -> tuple[int, int]:
    pair = (value, value) if isinstance(value, int) else tuple(value)
    if len(pair) != 2 or not all(isinstance(v, int) and v >= 0 for v in pair):
        raise ValueError(f"ConvTranspose2d: {name} must be a non-negative int or a pair of "
                         f"them, got {value!r}")
    return pair


class ConvTranspose2d(Module):
    def __init__(self, in_channels: int, out_channels: int, kernel_size, stride=1, padding=0,
                 output_padding=0, groups: int = 1, bias: bool = True, dilation=1,
                 padding_mode: str = "zeros"):
        super().__init__()
        if padding_mode != "zeros":
            raise ValueError(f"ConvTranspose2d: only padding_mode='zeros' is supported (as "
                             f"in PyTorch), got {padding_mode!r}")
        if groups < 1 or in_channels % groups or out_channels % groups:
            raise ValueError(f"ConvTranspose2d: groups={groups} must divide in_channels "
                             f"({in_channels}) and out_channels ({out_channels})")
        self.in_channels, self.out_channels, self.groups = in_channels, out_channels, groups
        self.kernel_size = _pair(kernel_size, "kernel_size")
        self.stride, self.padding = _pair(stride, "stride"), _pair(padding, "padding")
        self.output_padding = _pair(output_padding, "output_padding")
        self.dilation, self.padding_mode = _pair(dilation, "dilation"), padding_mode
        for op, s, d in zip(self.output_padding, self.stride, self.dilation):
            if op >= max(s, d):
                raise ValueError("ConvTranspose2d: output_padding must be smaller than either "
                                 f"stride or dilation, got output_padding {self.output_padding}"
                                 f", stride {self.stride}, dilation {self.dilation}")
        self.weight = empty_parameter(in_channels, out_channels // groups, *self.kernel_size)
        self.register_parameter("bias", empty_parameter(out_channels) if bias else None)
        self.reset_parameters()

    def reset_parameters(self) -> None:
        reset_weight_and_bias(self.weight, self.bias)

    def forward(self, x, output_size=None):
        if output_size is not None:
            raise ValueError("ConvTranspose2d: forward(output_size=...) is not supported; "
                             "set output_padding instead")
        if x.ndim not in (3, 4) or x.shape[-3] != self.in_channels:
            raise ValueError(f"ConvTranspose2d: expected an input (N, {self.in_channels}, H, W)"
                             f" or ({self.in_channels}, H, W), got shape {tuple(x.shape)}")
        return F.conv_transpose2d(x, self.weight, self.bias, self.stride, self.padding,
                                  self.output_padding, self.groups, self.dilation)

    def extra_repr(self) -> str:
        s = (f"{self.in_channels}, {self.out_channels}, kernel_size={self.kernel_size}, "
             f"stride={self.stride}")
        for name, default in (("padding", (0, 0)), ("output_padding", (0, 0)),
                              ("dilation", (1, 1))):
            if getattr(self, name) != default:
                s += f", {name}={getattr(self, name)}"
        if self.groups != 1:
            s += f", groups={self.groups}"
        return s + (", bias=False" if self.bias is None else "")
