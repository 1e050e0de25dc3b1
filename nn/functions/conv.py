"""1-d convolution and pooling, and the transposed 2-d convolution, built on the 2-d ops.

A length-L signal (N, C, L) is an image of height 1, (N, C, 1, L), so conv1d and the 1-d
pools are conv2d and the 2-d pools with a 1 x k window.

conv_transpose2d is the adjoint of conv2d (its gradient with respect to the input): spread
each input pixel over a k x k patch of the output, which is the primitive
``conv2d_input_grad`` with the weight read as conv2d's (C_in, C_out / groups, kh, kw). (The
same thing as an ordinary convolution, over the input with stride - 1 zeros inserted and
padded, would multiply those zeros by the weight: 0 * inf = NaN where PyTorch adds nothing.)
Output size: (n - 1) stride - 2 padding + dilation (k - 1) + output_padding + 1.
"""
from __future__ import annotations

import autodiff as ad
from autodiff import scope
from autodiff.ops.conv import conv2d_input_grad

from .padding import pad

__all__ = ["avg_pool1d", "conv1d", "conv_transpose2d", "max_pool1d"]


def _single(value, name: str, op: str) -> int:
    if isinstance(value, (tuple, list)):
        if len(value) != 1:
            raise ValueError(f"{op}: {name} must be an int or a 1-tuple, got {value!r}")
        value = value[0]
    return int(value)


def _as_image(x, op: str):
    x = ad.as_tensor(x)
    if x.ndim not in (2, 3):
        raise ValueError(f"{op}: expected a 2-d (C, L) or 3-d (N, C, L) input, "
                         f"got shape {tuple(x.shape)}")
    batched = x if x.ndim == 3 else ad.reshape(x, (1,) + tuple(x.shape))
    return ad.reshape(batched, batched.shape[:2] + (1, batched.shape[2])), x.ndim == 3


def _as_signal(out, batched: bool):
    out = ad.reshape(out, out.shape[:2] + (out.shape[3],))
    return out if batched else ad.reshape(out, out.shape[1:])


def conv1d(input, weight, bias=None, stride=1, padding=0, dilation=1, groups: int = 1,
           padding_mode: str = "zeros"):
    """1-d cross-correlation: x (N, C, L), weight (O, C / groups, k)."""
    x, batched = _as_image(input, "conv1d")
    weight = ad.as_tensor(weight)
    if weight.ndim != 3:
        raise ValueError(f"conv1d: expected a 3-d weight (O, C/groups, k), got {weight.shape}")
    with scope("conv1d"):
        if padding_mode != "zeros" and padding not in (0, "valid"):
            if padding == "same":
                raise ValueError("conv1d: padding='same' needs padding_mode='zeros' here")
            p = _single(padding, "padding", "conv1d")
            x, padding = pad(x, (p, p), padding_mode), 0
        if not isinstance(padding, str):
            padding = (0, _single(padding, "padding", "conv1d"))
        w = ad.reshape(weight, weight.shape[:2] + (1, weight.shape[2]))
        out = ad.conv2d(x, w, bias, (1, _single(stride, "stride", "conv1d")), padding,
                        (1, _single(dilation, "dilation", "conv1d")), groups)
        return _as_signal(out, batched)


def max_pool1d(input, kernel_size, stride=None, padding=0, dilation=1,
               ceil_mode: bool = False, return_indices: bool = False):
    if return_indices:
        raise ValueError("max_pool1d: return_indices=True is not supported")
    from ..functional import max_pool2d
    x, batched = _as_image(input, "max_pool1d")
    k = _single(kernel_size, "kernel_size", "max_pool1d")
    s = k if stride is None else _single(stride, "stride", "max_pool1d")
    out = max_pool2d(x, (1, k), (1, s), (0, _single(padding, "padding", "max_pool1d")),
                     (1, _single(dilation, "dilation", "max_pool1d")), ceil_mode)
    return _as_signal(out, batched)


def avg_pool1d(input, kernel_size, stride=None, padding=0, ceil_mode: bool = False,
               count_include_pad: bool = True):
    from ..functional import avg_pool2d
    x, batched = _as_image(input, "avg_pool1d")
    k = _single(kernel_size, "kernel_size", "avg_pool1d")
    s = k if stride is None else _single(stride, "stride", "avg_pool1d")
    out = avg_pool2d(x, (1, k), (1, s), (0, _single(padding, "padding", "avg_pool1d")),
                     ceil_mode, count_include_pad)
    return _as_signal(out, batched)


def _pair(value) -> tuple[int, int]:
    return (value, value) if isinstance(value, int) else tuple(int(v) for v in value)


def conv_transpose2d(input, weight, bias=None, stride=1, padding=0, output_padding=0,
                     groups: int = 1, dilation=1):
    """Transposed convolution: x (N, C_in, H, W), weight (C_in, C_out / groups, kh, kw)."""
    x = ad.as_tensor(input)
    weight = ad.as_tensor(weight)
    unbatched = x.ndim == 3
    if unbatched:
        x = ad.reshape(x, (1,) + tuple(x.shape))
    if x.ndim != 4 or weight.ndim != 4:
        raise ValueError(f"conv_transpose2d: expected a 4-d input and weight, got "
                         f"{tuple(x.shape)} and {tuple(weight.shape)}")
    stride, padding, dilation = _pair(stride), _pair(padding), _pair(dilation)
    output_padding = _pair(output_padding)
    c_in, c_out_g, kh, kw = weight.shape
    if x.shape[1] != c_in or c_in % groups:
        raise ValueError(f"conv_transpose2d: input has {x.shape[1]} channels, the weight "
                         f"{tuple(weight.shape)} expects {c_in} (divisible by groups={groups})")
    for op, s, d in zip(output_padding, stride, dilation):
        if op >= max(s, d):
            raise ValueError(f"conv_transpose2d: output_padding {output_padding} must be "
                             f"smaller than either stride {stride} or dilation {dilation}")
    n, _, h, w = x.shape
    size = [(i - 1) * s - 2 * p + d * (k - 1) + op + 1 for i, s, p, d, k, op in
            zip((h, w), stride, padding, dilation, (kh, kw), output_padding)]
    with scope("conv_transpose2d"):
        out = conv2d_input_grad(x, weight, (n, c_out_g * groups, *size), stride, padding,
                                dilation, groups)
        if bias is not None:
            out = out + ad.reshape(ad.as_tensor(bias), (-1, 1, 1))
        return ad.reshape(out, out.shape[1:]) if unbatched else out
