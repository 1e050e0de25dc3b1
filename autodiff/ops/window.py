"""Sliding windows: ``unfold`` copies every k x k window of an image into its own axes, and
``fold`` adds windows back into an image. They are each other's adjoint, so each one's VJP
is the other. Convolution and pooling are built on them (see ``autodiff.functional``).

Both work by looping over the k*k kernel offsets with strided slices: no Python loop over
pixels, no ``np.add.at``, and only slicing, so the same code runs on NumPy, CuPy and SymPy.
"""
from __future__ import annotations

from ..primitive import LINEAR, Primitive
from ..tensor import apply


def output_size(n: int, k: int, stride: int, dilation: int) -> int:
    """Positions a window of ``k`` (dilated) fits into ``n`` (already padded) pixels."""
    return (n - dilation * (k - 1) - 1) // stride + 1


def pad_spatial(xp, x, padding, value=0, axes=(2, 3)):
    """``x`` surrounded by ``padding`` = (rows, columns) of ``value`` along ``axes``.

    One allocation and one copy: much cheaper than ``np.pad``'s general machinery, and the
    new array keeps ``x``'s axis order in memory.
    """
    ph, pw = padding
    if not ph and not pw:
        return x
    shape = list(x.shape)
    shape[axes[0]] += 2 * ph
    shape[axes[1]] += 2 * pw
    out = xp.full(tuple(shape), value, dtype=x.dtype)
    inner = [slice(None)] * x.ndim
    inner[axes[0]] = slice(ph, ph + x.shape[axes[0]])
    inner[axes[1]] = slice(pw, pw + x.shape[axes[1]])
    out[tuple(inner)] = x
    return out


def _offsets(kernel, stride, dilation, out_hw):
    """For each kernel offset (a, b): the strided slices of the image it reads."""
    (kh, kw), (sh, sw), (dh, dw), (oh, ow) = kernel, stride, dilation, out_hw
    for a in range(kh):
        for b in range(kw):
            rows = slice(a * dh, a * dh + sh * (oh - 1) + 1, sh)
            cols = slice(b * dw, b * dw + sw * (ow - 1) + 1, sw)
            yield a, b, rows, cols


def _unfold(xp, x, kernel, stride, dilation):
    n, c, h, w = x.shape
    out_hw = (output_size(h, kernel[0], stride[0], dilation[0]),
              output_size(w, kernel[1], stride[1], dilation[1]))
    pieces = [x[:, :, rows, cols] for _, _, rows, cols in _offsets(kernel, stride, dilation, out_hw)]
    return xp.stack(pieces, axis=2).reshape((n, c) + tuple(kernel) + out_hw)


def _fold(xp, cols, size, kernel, stride, dilation):
    n, c, _, _, oh, ow = cols.shape
    image = xp.zeros((n, c) + tuple(size), dtype=cols.dtype)
    for a, b, rows, cs in _offsets(kernel, stride, dilation, (oh, ow)):
        image[:, :, rows, cs] += cols[:, :, a, b]
    return image


UNFOLD = Primitive(
    "unfold", _unfold,
    vjp=(lambda g, out, x, kernel, stride, dilation:
         fold(g, x.shape[2:], kernel, stride, dilation),),
    jvp=LINEAR, latex=r"\bar{x} = \mathrm{fold}(\bar{y}) \text{ (window gradients added back)}")
FOLD = Primitive(
    "fold", _fold,
    vjp=(lambda g, out, cols, size, kernel, stride, dilation:
         unfold(g, kernel, stride, dilation),),
    jvp=LINEAR, latex=r"\bar{x} = \mathrm{unfold}(\bar{y})")


def unfold(x, kernel, stride=(1, 1), dilation=(1, 1)):
    """(N, C, H, W) -> (N, C, kh, kw, OH, OW): every window position's pixels."""
    return apply(UNFOLD, x, kernel=tuple(kernel), stride=tuple(stride), dilation=tuple(dilation))


def fold(cols, size, kernel, stride=(1, 1), dilation=(1, 1)):
    """(N, C, kh, kw, OH, OW) -> (N, C, H, W): windows summed back where they came from."""
    return apply(FOLD, cols, size=tuple(size), kernel=tuple(kernel), stride=tuple(stride),
                 dilation=tuple(dilation))
