"""1-d convolution over sequences (N, C, L): filters of length k slid along L.
weight (out_channels, in_channels / groups, k), bias (out_channels,), PyTorch's init."""
from __future__ import annotations

from .. import functional as F
from ..module import Module
from .conv import conv_repr
from .linear import empty_parameter, reset_weight_and_bias

_MODES = ("zeros", "reflect", "replicate", "circular")


def single(value, layer: str, name: str) -> int:
    """An int or a 1-tuple as an int, PyTorch's ``_single``; refuses others naming the arg."""
    value = value[0] if isinstance(value, (tuple, list)) and len(value) == 1 else value
    if isinstance(value, bool) or not isinstance(value, int) or value < 0:
        raise ValueError(f"{layer}: {name} must be a non-negative int, got {value!r}")
    return value


class Conv1d(Module):
    def __init__(self, in_channels: int, out_channels: int, kernel_size, stride=1, padding=0,
                 dilation=1, groups: int = 1, bias: bool = True, padding_mode: str = "zeros"):
        super().__init__()
        if groups < 1 or in_channels % groups or out_channels % groups:
            raise ValueError(f"Conv1d: groups={groups} must divide in_channels ({in_channels}) "
                             f"and out_channels ({out_channels})")
        if padding_mode not in _MODES:
            raise ValueError(f"Conv1d: padding_mode must be one of {_MODES}, got "
                             f"{padding_mode!r}")
        self.in_channels, self.out_channels, self.groups = in_channels, out_channels, groups
        self.kernel_size = (single(kernel_size, "Conv1d", "kernel_size"),)
        self.stride = (single(stride, "Conv1d", "stride"),)
        self.dilation = (single(dilation, "Conv1d", "dilation"),)
        if isinstance(padding, str):
            if padding not in ("same", "valid"):
                raise ValueError(f"Conv1d: padding must be an int, 'same' or 'valid', got "
                                 f"{padding!r}")
            if padding == "same" and self.stride != (1,):
                raise ValueError("Conv1d: padding='same' is not supported for strided "
                                 "convolutions")
            if padding == "same" and padding_mode != "zeros":
                raise ValueError("Conv1d: padding='same' with padding_mode "
                                 f"{padding_mode!r} is not supported")
            self.padding = padding
        else:
            self.padding = (single(padding, "Conv1d", "padding"),)
        self.padding_mode = padding_mode
        self.weight = empty_parameter(out_channels, in_channels // groups, self.kernel_size[0])
        self.register_parameter("bias", empty_parameter(out_channels) if bias else None)
        self.reset_parameters()

    def reset_parameters(self) -> None:
        reset_weight_and_bias(self.weight, self.bias)

    def forward(self, x):
        if x.ndim not in (2, 3) or x.shape[-2] != self.in_channels:
            raise ValueError(f"Conv1d: expected an input (N, {self.in_channels}, L) or "
                             f"({self.in_channels}, L), got shape {tuple(x.shape)}")
        padding = self.padding if isinstance(self.padding, str) else self.padding[0]
        return F.conv1d(x, self.weight, self.bias, self.stride[0], padding, self.dilation[0],
                        self.groups, self.padding_mode)

    def extra_repr(self) -> str:
        return conv_repr(self)
