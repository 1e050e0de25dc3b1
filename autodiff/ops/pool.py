"""Max pooling as a primitive: the forward remembers which element of each window won.

    y = max_pool2d(x)              each window's largest element (the first one on ties,
                                   as PyTorch: the whole gradient goes to that one element)
    x̄ = max_pool2d_scatter(ȳ)      each ȳ sent back to its window's winner
    max_pool2d_gather(h)           h read at the winners: the scatter's adjoint

The winners (``index``: the kernel offset k = a*kw + b of each window's maximum) are fixed by
the forward, so scatter and gather are linear maps and each is the other's VJP.

Speed: the forward walks the kh*kw kernel offsets with strided slices (for 2x2 windows,
four views and an element-wise comparison each), far faster than reshaping windows out and
reducing them; gradients are laid out batch-innermost like the convolutions' (conv.py).
"""
from __future__ import annotations

from ..primitive import LINEAR, Primitive
from ..tensor import apply
from .conv import batch_first
from .window import _offsets, output_size


def _padded(xp, x, padding, value):
    ph, pw = padding
    if not ph and not pw:
        return x
    return xp.pad(x, ((0, 0), (0, 0), (ph, ph), (pw, pw)), constant_values=value)


def _out_hw(shape, kernel, stride, padding, dilation):
    return (output_size(shape[2] + 2 * padding[0], kernel[0], stride[0], dilation[0]),
            output_size(shape[3] + 2 * padding[1], kernel[1], stride[1], dilation[1]))


def _max_pool2d(xp, x, kernel, stride, padding, dilation):
    xp_ = _padded(xp, x, padding, -float("inf"))
    out_hw = _out_hw(x.shape, kernel, stride, padding, dilation)
    windows = [xp_[:, :, rows, cs] for _, _, rows, cs in _offsets(kernel, stride, dilation, out_hw)]
    try:
        return _first_maximum(xp, windows, kernel)
    except TypeError:
        if not getattr(xp, "exact", False):
            raise
    # symbols: max(a, b) is exact, but which one wins depends on the numbers
    out = windows[0]
    for window in windows[1:]:
        out = xp.maximum(out, window)
    return out, {"index": None}


def _first_maximum(xp, windows, kernel):
    """The windows' maxima and which offset k held each (the first one on ties)."""
    out = windows[0].copy()
    index = xp.zeros(out.shape, dtype="int16" if kernel[0] * kernel[1] > 127 else "int8")
    for k, window in enumerate(windows[1:], start=1):
        better = window > out          # strictly: ties keep the first maximum
        out = xp.where(better, window, out)
        index = xp.where(better, k, index)
    return out, {"index": index}


def _routed(index, k, g):
    """Where offset k won, as a factor for ``g`` (an integer mask for SymPy arrays)."""
    if index is None:
        raise ValueError("max_pool2d: which element of each window is the largest depends on "
                         "the numbers; evaluate the derivation at values with .at(...)")
    mask = index == k
    return mask.astype(int) if g.dtype == object else mask


def _scatter(xp, g, index, x_shape, kernel, stride, padding, dilation):
    n, c, h, w = x_shape
    ph, pw = padding
    dx = batch_first(xp, xp.zeros((c, h + 2 * ph, w + 2 * pw, n), dtype=g.dtype))
    for k, (a, b, rows, cs) in enumerate(_offsets(kernel, stride, dilation, g.shape[2:])):
        dx[:, :, rows, cs] += g * _routed(index, k, g)
    return dx[:, :, ph:ph + h, pw:pw + w]


def _gather(xp, h, index, x_shape, kernel, stride, padding, dilation):
    hp = _padded(xp, h, padding, 0)
    out = None
    for k, (a, b, rows, cs) in enumerate(_offsets(kernel, stride, dilation, _out_hw(x_shape, kernel, stride, padding, dilation))):
        part = hp[:, :, rows, cs] * _routed(index, k, hp)
        out = part if out is None else out + part
    return out


MAX_POOL2D = Primitive(
    "max_pool2d", _max_pool2d, saves=("index",),
    vjp=(lambda g, out, x, index, **p: apply(MAX_POOL2D_SCATTER, g, index=index,
                                             x_shape=x.shape, **p),),
    jvp=lambda tangents, out, x, index, **p: apply(MAX_POOL2D_GATHER, tangents[0],
                                                   index=index, x_shape=x.shape, **p),
    latex=r"\bar{x}_i = \bar{y}_{w} \text{ if } x_i \text{ is the first maximum of window } w"
          r"\text{, else } 0")
MAX_POOL2D_SCATTER = Primitive(
    "max_pool2d_scatter", _scatter,
    vjp=(lambda h, out, g, **p: apply(MAX_POOL2D_GATHER, h, **p),), jvp=LINEAR,
    latex=r"\bar{y}_w = \bar{x}_{\arg\max w}")
MAX_POOL2D_GATHER = Primitive(
    "max_pool2d_gather", _gather,
    vjp=(lambda h, out, g, **p: apply(MAX_POOL2D_SCATTER, h, **p),), jvp=LINEAR,
    latex=r"\bar{x}_{\arg\max w} \mathrel{+}= \bar{y}_w")


def max_pool2d(x, kernel, stride, padding, dilation=(1, 1)):
    """The primitive; ``autodiff.max_pool2d`` checks the arguments first."""
    return apply(MAX_POOL2D, x, kernel=tuple(kernel), stride=tuple(stride),
                 padding=tuple(padding), dilation=tuple(dilation))
