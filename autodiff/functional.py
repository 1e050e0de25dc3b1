"""Composites: functions built from primitives, holding no derivative code of their own.

Each records its nodes inside a named scope, so pictures and derivations can show it as one
box; their gradients (of any order) come from the primitives they are made of.
"""
from __future__ import annotations

import functools

from .modes import scope
from .ops import conv as _conv
from .ops import pool as _pool
from .ops.elementwise import exp
from .ops.reduce import logsumexp, mean
from .ops.shape import pad, reshape
from .ops.window import output_size, unfold
from .tensor import Tensor, as_tensor, tensor


def softmax(x, axis: int = -1):
    """exp(x) / sum(exp(x)), computed as exp(x - logsumexp(x)) so it never overflows."""
    with scope("softmax"):
        return exp(x - logsumexp(x, axis, keepdims=True))


def log_softmax(x, axis: int = -1):
    """x - logsumexp(x): the log-probabilities, stable for logits of any size."""
    with scope("log_softmax"):
        return x - logsumexp(x, axis, keepdims=True)


# ---- convolution and pooling (NCHW, PyTorch's semantics) --------------------------------------
def _pair(value, name: str, op: str) -> tuple[int, int]:
    try:
        pair = (value, value) if isinstance(value, int) else tuple(value)
    except TypeError:
        pair = ()
    if len(pair) != 2 or not all(isinstance(v, int) for v in pair):
        raise TypeError(f"{op}: {name} must be an int or a pair of ints, got {value!r}")
    return pair


def _check_image(x: Tensor, op: str):
    if x.ndim != 4:
        raise ValueError(f"{op}: expected a 3-d (C, H, W) or 4-d (N, C, H, W) input, "
                         f"got shape {x.shape}")


def accepts_one_image(op):
    """PyTorch's image ops also take one image (C, H, W) without a batch axis: it goes
    through as a batch of one, and the result loses that axis again."""
    @functools.wraps(op)
    def wrapper(x, *args, **kwargs):
        x = as_tensor(x)
        if x.ndim != 3:
            return op(x, *args, **kwargs)
        out = op(reshape(x, (1,) + x.shape), *args, **kwargs)
        return reshape(out, out.shape[1:])
    return wrapper


def _padded(x, padding, mode, value, op):
    ph, pw = padding
    if ph < 0 or pw < 0:
        raise ValueError(f"{op}: padding must be non-negative, got {padding}")
    if not ph and not pw:
        return x
    if mode == "zeros":
        return pad(x, ((0, 0), (0, 0), (ph, ph), (pw, pw)), constant_values=value)
    if mode == "replicate":
        return pad(x, ((0, 0), (0, 0), (ph, ph), (pw, pw)), mode="edge")
    raise ValueError(f"{op}: padding_mode must be 'zeros' or 'replicate', got {mode!r}")


def _check_fits(x, kernel, stride, padding, dilation, op):
    """At least one window must fit into the padded input."""
    if min(stride) < 1:     # PyTorch's words: conv says "non-positive", pooling "zero"
        raise RuntimeError(f"{op}: " + ("non-positive stride is not supported" if op == "conv2d"
                                        else "stride should not be zero") + f", got {stride}")
    if min(dilation) < 1:
        raise RuntimeError(f"{op}: dilation should be greater than zero, but got {dilation}")
    h, w = x.shape[2] + 2 * padding[0], x.shape[3] + 2 * padding[1]
    if output_size(h, kernel[0], stride[0], dilation[0]) < 1 or \
            output_size(w, kernel[1], stride[1], dilation[1]) < 1:
        raise ValueError(f"{op}: kernel {kernel} (dilation {dilation}) is larger than the "
                         f"padded input {h}x{w} (input shape {x.shape}, padding {padding})")


def _windows(x, kernel, stride, padding, dilation, op, mode="zeros", value=0):
    """Check the window fits, pad, and unfold: (N, C, kh, kw, OH, OW)."""
    _check_fits(x, kernel, stride, padding, dilation, op)
    return unfold(_padded(x, padding, mode, value, op), kernel, stride, dilation)


@accepts_one_image
def conv2d(x, w, b=None, stride=1, padding=0, dilation=1, groups: int = 1,
           padding_mode: str = "zeros"):
    """2-D cross-correlation, PyTorch's ``conv2d``: x (N, C, H, W), w (O, C/groups, kh, kw).

    out[n, o, i, j] = b[o] + sum_{c, a, b'} w[o, c, a, b'] * x[n, c, s*i + d*a, s*j + d*b'],
    computed by the conv2d primitive (autodiff/ops/conv.py): im2col plus one matrix product.
    ``padding`` may be an int, a pair, or "same" (stride 1), as in PyTorch.
    """
    x = as_tensor(x)
    w = as_tensor(w)
    _check_image(x, "conv2d")
    if w.ndim != 4:
        raise ValueError(f"conv2d: expected a 4-d weight (O, C/groups, kh, kw), got {w.shape}")
    c = x.shape[1]
    o, cg, kh, kw = w.shape
    if groups < 1 or c % groups or o % groups:
        raise ValueError(f"conv2d: groups={groups} must divide both the input channels ({c}) "
                         f"and the output channels ({o})")
    if cg * groups != c:
        raise ValueError(f"conv2d: input has {c} channels but the weight {w.shape} expects "
                         f"{cg * groups} (= {cg} per group x {groups} groups)")
    if b is not None and tuple(b.shape) != (o,):
        raise ValueError(f"conv2d: bias has shape {tuple(b.shape)}, expected ({o},): one value "
                         f"per output channel of the weight {w.shape}")
    stride, dilation = _pair(stride, "stride", "conv2d"), _pair(dilation, "dilation", "conv2d")
    if padding == "same":
        if stride != (1, 1):
            raise ValueError("conv2d: padding='same' needs stride 1 (as in PyTorch)")
        total = (dilation[0] * (kh - 1), dilation[1] * (kw - 1))
        if total[0] % 2 or total[1] % 2:   # PyTorch pads the extra pixel on the far side
            return _conv_uneven_same(x, w, b, dilation, groups, padding_mode, total)
        padding = (total[0] // 2, total[1] // 2)
    elif padding == "valid":
        padding = (0, 0)
    padding = _pair(padding, "padding", "conv2d")
    _check_fits(x, (kh, kw), stride, padding, dilation, "conv2d")
    with scope("conv2d"):
        if padding_mode == "replicate" and padding != (0, 0):
            x, padding = _padded(x, padding, padding_mode, 0, "conv2d"), (0, 0)
        elif padding_mode not in ("zeros", "replicate"):
            raise ValueError(f"conv2d: padding_mode must be 'zeros' or 'replicate', "
                             f"got {padding_mode!r}")
        if b is not None and not isinstance(b, Tensor):
            b = tensor(b, dtype=w.dtype, device=w.device)
        return _conv.conv2d(x, w, stride, padding, dilation, groups, bias=b)


def _conv_uneven_same(x, w, b, dilation, groups, padding_mode, total):
    top, left = total[0] // 2, total[1] // 2
    mode = "edge" if padding_mode == "replicate" else "constant"
    x = pad(x, ((0, 0), (0, 0), (top, total[0] - top), (left, total[1] - left)), mode=mode)
    return conv2d(x, w, b, 1, 0, dilation, groups)


def _pool_arguments(x, kernel_size, stride, padding, op):
    """PyTorch's pooling arguments as pairs (stride defaults to the kernel), checked."""
    _check_image(x, op)
    kernel = _pair(kernel_size, "kernel_size", op)
    stride = kernel if stride is None else _pair(stride, "stride", op)
    padding = _pair(padding, "padding", op)
    if padding[0] > kernel[0] // 2 or padding[1] > kernel[1] // 2:
        raise ValueError(f"{op}: padding {padding} must be at most half the kernel {kernel}")
    return kernel, stride, padding


@accepts_one_image
def max_pool2d(x, kernel_size, stride=None, padding=0, dilation=1):
    """Largest value of each window; its whole gradient goes to the first maximum (PyTorch)."""
    x = as_tensor(x)
    kernel, stride, padding = _pool_arguments(x, kernel_size, stride, padding, "max_pool2d")
    dilation = _pair(dilation, "dilation", "max_pool2d")
    _check_fits(x, kernel, stride, padding, dilation, "max_pool2d")
    return _pool.max_pool2d(x, kernel, stride, padding, dilation)


@accepts_one_image
def avg_pool2d(x, kernel_size, stride=None, padding=0, count_include_pad: bool = True):
    """Mean of each window (padding counts as zeros, PyTorch's default)."""
    x = as_tensor(x)
    kernel, stride, padding = _pool_arguments(x, kernel_size, stride, padding, "avg_pool2d")
    with scope("avg_pool2d"):
        cols = _windows(x, kernel, stride, padding, (1, 1), "avg_pool2d")
        if count_include_pad or padding == (0, 0):
            return mean(cols, axis=(2, 3))
        ones = tensor(x.backend.xp.ones((1, 1) + x.shape[2:], dtype=x.dtype))
        counts = _windows(ones, kernel, stride, padding, (1, 1), "avg_pool2d").sum(axis=(2, 3))
        return cols.sum(axis=(2, 3)) / counts
