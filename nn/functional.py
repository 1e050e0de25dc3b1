"""nn.functional: the layers as plain functions (PyTorch's names and arguments).

Each is a few autodiff ops; its gradient comes from theirs, so nothing here knows a
derivative. The modules in ``nn.layers`` hold the parameters and call these.
"""
from __future__ import annotations

import math

import autodiff as ad
from autodiff import scope
from autodiff.functional import accepts_one_image
from autodiff.ops.normalize import moments, normalize_affine_with_moments

from .functions.activation import elu, gelu, hardtanh, logsigmoid, mish, relu6, silu, softplus
from .functions.conv import avg_pool1d, conv1d, conv_transpose2d, max_pool1d
from .functions.embedding import embedding, one_hot
from .functions.norm import cosine_similarity, group_norm, layer_norm, normalize
from .functions.padding import pad
from .functions.sampling import dropout2d, interpolate
from .losses import binary_cross_entropy_with_logits, cross_entropy, mse_loss, nll_loss
from .losses_more import binary_cross_entropy, huber_loss, kl_div, l1_loss, smooth_l1_loss
from .rng import generator

__all__ = [
    "adaptive_avg_pool2d", "avg_pool1d", "avg_pool2d", "batch_norm", "binary_cross_entropy",
    "binary_cross_entropy_with_logits", "conv1d", "conv2d", "conv_transpose2d",
    "cosine_similarity", "cross_entropy", "dropout", "dropout2d", "elu", "embedding", "gelu",
    "group_norm", "hardtanh", "huber_loss", "interpolate", "kl_div", "l1_loss", "layer_norm",
    "leaky_relu", "linear", "local_response_norm", "log_softmax", "logsigmoid", "max_pool1d",
    "max_pool2d", "mish", "mse_loss", "nll_loss", "normalize", "one_hot", "pad", "relu", "relu6", "sigmoid", "silu",
    "smooth_l1_loss", "softmax", "softplus", "step", "tanh",
]


def pair(value) -> tuple[int, int]:
    """An int or a pair of ints as a pair (PyTorch's ``_pair``)."""
    return (value, value) if isinstance(value, int) else tuple(value)


def linear(x, weight, bias=None):
    """y = x W^T + b, for x (..., in_features) and W (out_features, in_features)."""
    return ad.linear(x, weight, bias)


def conv2d(x, weight, bias=None, stride=1, padding=0, dilation=1, groups: int = 1,
           padding_mode: str = "zeros"):
    """2-D cross-correlation (autodiff's ``conv2d``); ``padding`` may also be "same"/"valid"."""
    return ad.conv2d(x, weight, bias, stride, padding, dilation, groups, padding_mode)


def pool_output_size(n: int, kernel: int, stride: int, padding: int, dilation: int = 1,
                     ceil_mode: bool = False) -> int:
    """PyTorch's pooling output size: floor (or ceil) of (n + 2p - d(k - 1) - 1) / s, plus 1;
    with ``ceil_mode`` the last window must still start inside the input or its left padding."""
    span = n + 2 * padding - dilation * (kernel - 1) - 1
    out = (-(-span // stride) if ceil_mode else span // stride) + 1
    if ceil_mode and (out - 1) * stride >= n + padding:
        out -= 1
    return out


@accepts_one_image
def max_pool2d(x, kernel_size, stride=None, padding=0, dilation=1, ceil_mode: bool = False,
               return_indices: bool = False):
    """Largest value of each window (the gradient goes to the first maximum, as in PyTorch).
    ``ceil_mode`` keeps a last, partial window: the input is padded on the far side with
    -inf, which never wins a maximum from a real element."""
    if return_indices:
        raise ValueError("max_pool2d: return_indices=True is not supported")
    x = ad.as_tensor(x)
    kernel = pair(kernel_size)
    stride = kernel if stride is None else pair(stride)
    padding, dilation = pair(padding), pair(dilation)
    if not ceil_mode:
        return ad.max_pool2d(x, kernel, stride, padding, dilation)
    extra = []
    for axis in (0, 1):
        n = x.shape[2 + axis]
        out = pool_output_size(n, kernel[axis], stride[axis], padding[axis], dilation[axis], True)
        needed = (out - 1) * stride[axis] + dilation[axis] * (kernel[axis] - 1) + 1
        extra.append(max(needed - n - 2 * padding[axis], 0))
    if not any(extra):
        return ad.max_pool2d(x, kernel, stride, padding, dilation)
    # the extra -inf sit after the real elements, so a tie (all -inf) goes to a real one;
    # the ordinary padding stays the primitive's, which never wins a window
    widths = ((0, 0), (0, 0), (0, extra[0]), (0, extra[1]))
    with scope("max_pool2d"):
        x = ad.pad(x, widths, constant_values=-math.inf)
        return ad.max_pool2d(x, kernel, stride, padding, dilation)


def avg_pool2d(x, kernel_size, stride=None, padding=0, ceil_mode: bool = False,
               count_include_pad: bool = True, divisor_override=None):
    """Mean of each window (padding counts as zeros unless ``count_include_pad=False``)."""
    if ceil_mode:
        raise ValueError("avg_pool2d: ceil_mode=True is not supported")
    x = ad.as_tensor(x)
    stride = kernel_size if stride is None else stride
    if divisor_override is not None and divisor_override == 0:
        raise RuntimeError("avg_pool2d: divisor must be not zero")
    if divisor_override:        # every window's sum / divisor, padding or not (PyTorch)
        out = ad.avg_pool2d(x, pair(kernel_size), pair(stride), pair(padding), True)
        return out * (math.prod(pair(kernel_size)) / divisor_override)
    return ad.avg_pool2d(x, pair(kernel_size), pair(stride), pair(padding), count_include_pad)


def adaptive_avg_pool2d(x, output_size):
    """Average pooling to a fixed output size, whatever the input size (PyTorch's bins).

    Bins are rectangles, so the mean over each is the mean over its rows, then over its
    columns: h + w slices; when the sizes divide evenly it is just ``avg_pool2d`` with
    kernel H/h.
    """
    x = ad.as_tensor(x)
    if x.ndim not in (3, 4):
        raise ValueError(f"adaptive_avg_pool2d: expected a 3-d or 4-d input, got shape {x.shape}")
    h, w = x.shape[-2:]
    oh, ow = (output_size, output_size) if isinstance(output_size, int) else output_size
    oh, ow = h if oh is None else oh, w if ow is None else ow
    with scope("adaptive_avg_pool2d"):
        if (oh, ow) == (1, 1):
            return ad.mean(x, axis=(-2, -1), keepdims=True)
        if h % oh == 0 and w % ow == 0:
            return ad.avg_pool2d(x, (h // oh, w // ow))
        return _bin_means(_bin_means(x, -2, oh), -1, ow)


def _bin_means(x, axis: int, n_out: int):
    """Means over PyTorch's n_out bins along ``axis`` (one slice each, so an infinite input
    stays in its own bins; an averaging matrix would spread inf * 0 = NaN everywhere)."""
    n_in = x.shape[axis]
    parts = []
    for i in range(n_out):
        start, end = (i * n_in) // n_out, -(-(i + 1) * n_in // n_out)
        index = [slice(None)] * x.ndim
        index[axis] = slice(start, end)
        parts.append(ad.mean(x[tuple(index)], axis=axis, keepdims=True))
    return ad.concatenate(parts, axis=axis)


def relu(x, inplace: bool = False):
    """max(x, 0). ``inplace`` (here and below) is accepted and ignored, as by the layers: the
    result is a new tensor (use its return value, as PyTorch code does)."""
    return ad.relu(x)


def leaky_relu(x, negative_slope: float = 0.01, inplace: bool = False):
    return ad.leaky_relu(x, negative_slope)


def sigmoid(x):
    return ad.sigmoid(x)


def tanh(x):
    return ad.tanh(x)


def step(x):
    """Heaviside step: 1 where x > 0, else 0 (the perceptron's activation; zero gradient)."""
    return ad.step(x)


def softmax_dim(ndim: int) -> int:
    """PyTorch's implicit ``dim`` when none is given: 0 for 0-, 1- and 3-d inputs, else 1."""
    return 0 if ndim in (0, 1, 3) else 1


def softmax(x, dim: int | None = None):
    x = ad.as_tensor(x)
    return ad.softmax(x, softmax_dim(x.ndim) if dim is None else dim)


def log_softmax(x, dim: int | None = None):
    x = ad.as_tensor(x)
    return ad.log_softmax(x, softmax_dim(x.ndim) if dim is None else dim)


def dropout(x, p: float = 0.5, training: bool = True, inplace: bool = False):
    """Inverted dropout: zero each element with probability p and scale the survivors by
    1 / (1 - p), so the expected value is unchanged and evaluation needs no rescaling."""
    if not 0 <= p <= 1:
        raise ValueError(f"dropout: probability must be between 0 and 1, got {p}")
    x = ad.as_tensor(x)
    if not training or p == 0:
        return x
    with scope("dropout"):
        if p == 1:
            return x * 0.0
        # Drawn on the host, so nn.manual_seed gives the same masks on every device; only
        # the keep/drop bits (1 byte each) are copied over, and the scaling happens there.
        keep = x.backend.from_host(generator().random(x.shape) >= p)
        mask = keep.astype(x.dtype) * (1.0 / (1.0 - p))
        return x * ad.tensor(mask)


def batch_norm(x, running_mean, running_var, weight=None, bias=None, training: bool = False,
               momentum: float = 0.1, eps: float = 1e-5):
    """y = (x - mean) / sqrt(var + eps) * weight + bias, per channel (axis 1).

    Training: mean and (biased) variance of this batch, and the running statistics move
    towards them, running = (1 - momentum) * running + momentum * batch, using the unbiased
    variance (times n / (n - 1)) as PyTorch does. Evaluation: the running statistics.
    """
    x = ad.as_tensor(x)
    if x.ndim < 2:
        raise ValueError(f"batch_norm: expected an input of at least 2 dimensions (N, C, ...), "
                         f"got shape {x.shape}")
    channels = x.shape[1]
    shape = (1, channels) + (1,) * (x.ndim - 2)
    axes = (0,) + tuple(range(2, x.ndim))
    with scope("batch_norm"):
        if not training:
            # one scale per channel, so the full-size arrays see one multiply (and one add)
            scale = 1 / ad.sqrt(ad.reshape(running_var, shape) + eps)
            if weight is not None:
                scale = scale * ad.reshape(weight, shape)
            out = (x - ad.reshape(running_mean, shape)) * scale
            return out if bias is None else out + ad.reshape(bias, shape)
        n = x.numel() // channels if channels else 0
        if n == 0:          # an empty batch: nothing to normalise, running statistics stay
            out = x if weight is None else x * ad.reshape(weight, shape)
            return out if bias is None else out + ad.reshape(bias, shape)
        if n == 1:
            raise ValueError(f"batch_norm: expected more than 1 value per channel when "
                             f"training, got input shape {x.shape}")
        if weight is not None and bias is not None:
            # one primitive for x̂ · w + b, with a closed-form backward; it hands back the
            # batch mean and variance it computed on its way, for the running averages
            out, mean, var = normalize_affine_with_moments(x, weight, bias, axes, eps)
        else:
            out = ad.normalize(x, axes, eps)
            if weight is not None:
                out = out * ad.reshape(weight, shape)
            if bias is not None:
                out = out + ad.reshape(bias, shape)
            mean = var = None
        if running_mean is not None:             # buffers, not graph: plain array maths
            if mean is None:
                mean, _, var = moments(x.backend.xp, x.array, axes)
            running_mean.array[...] = ((1 - momentum) * running_mean.array
                                      + momentum * mean.reshape(channels))
            running_var.array[...] = ((1 - momentum) * running_var.array
                                     + momentum * n / (n - 1) * var.reshape(channels))
        return out


def local_response_norm(x, size: int, alpha: float = 1e-4, beta: float = 0.75, k: float = 1.0):
    """AlexNet's normalisation across channels (PyTorch's formula):
    b_c = a_c / (k + alpha / size * sum_{c' near c} a_{c'}^2) ** beta, the window being
    ``size`` channels from c - size//2 (zeros past the edges)."""
    x = ad.as_tensor(x)
    if x.ndim < 3:
        raise ValueError(f"local_response_norm: expected an input of at least 3 dimensions "
                         f"(N, C, ...), got shape {x.shape}")
    channels = x.shape[1]
    with scope("local_response_norm"):
        widths = ((0, 0), (size // 2, (size - 1) // 2)) + ((0, 0),) * (x.ndim - 2)
        squares = ad.pad(x * x, widths)
        window = squares[:, 0:channels]
        for i in range(1, size):
            window = window + squares[:, i:i + channels]
        return x / (window * (alpha / size) + k) ** beta
