"""Convolution as three primitives that are each other's derivatives.

    y  = conv2d(x, w[, b])            (cross-correlation, PyTorch's conv2d, NCHW; the bias
                                      is added to the product's output in place)
    x̄  = conv2d_input_grad(ȳ, w)      the "full" convolution of ȳ with the flipped kernel
    w̄  = conv2d_weight_grad(x, ȳ)     the correlation of the input with ȳ

All three are bilinear, and each one's VJP is one of the others, so gradients of any order
stay inside this family (double backward, Hessians, symbolic derivations).

Speed: each is one matrix product (on as many BLAS threads as pay off for its size and the
machine's load: ``autodiff/blas_threads.py``) per group over an im2col matrix (C, kh, kw, OH, OW, N)
built from kh*kw strided slices (no Python loop over pixels, no ``np.add.at``). Inside, the
batch is the innermost axis, (C, H, W, N): every slice then copies contiguous runs of N
numbers, several times faster than NCHW. The output is an (N, O, OH, OW) *view* of an
(O, OH, OW, N) array; element-wise ops keep that memory order, so the next convolution (and
pooling) reads it without any copy. The API stays NCHW.
"""
from __future__ import annotations

from ..primitive import Primitive
from ..tensor import apply
from .linalg import product
from .reduce import sum
from .shape import broadcast_to, reshape
from .window import _offsets, output_size, pad_spatial


def channels_last_batch(xp, x):
    """(N, C, H, W) -> a (C, H, W, N) view: free when the memory is already laid out so."""
    return xp.transpose(x, (1, 2, 3, 0))


def batch_first(xp, y):
    """(C, H, W, N) -> the (N, C, H, W) view the API shows."""
    return xp.transpose(y, (3, 0, 1, 2))


def im2col(xp, x, kernel, stride, padding, dilation):
    """Every receptive field of ``x`` (N, C, H, W) as a column: (C, kh, kw, OH, OW, N)."""
    xc = pad_spatial(xp, channels_last_batch(xp, x), padding, axes=(1, 2))
    c, h, w, n = xc.shape
    out_hw = (output_size(h, kernel[0], stride[0], dilation[0]),
              output_size(w, kernel[1], stride[1], dilation[1]))
    cols = xp.empty((c,) + tuple(kernel) + out_hw + (n,), dtype=x.dtype)
    for a, b, rows, cs in _offsets(kernel, stride, dilation, out_hw):
        cols[:, a, b] = xc[:, rows, cs, :]
    return cols


def _grouped(xp, g, groups):
    """Output-shaped (N, O, OH, OW) data as (groups, O/groups, OH*OW*N) for one matmul."""
    n, o, oh, ow = g.shape
    return channels_last_batch(xp, g).reshape(groups, o // groups, oh * ow * n)


def _conv2d(xp, x, w, b=None, *, stride, padding, dilation, groups):
    o, cg, kh, kw = w.shape
    cols = im2col(xp, x, (kh, kw), stride, padding, dilation)
    oh, ow, n = cols.shape[3:]
    out = product(xp, w.reshape(groups, o // groups, cg * kh * kw),
                  cols.reshape(groups, cg * kh * kw, oh * ow * n))  # no -1: C may be 0
    if b is not None:
        # the bias joins the product's fresh output in place: no node, array or pass of its own
        out += b.reshape(groups, o // groups, 1)
    # the weight gradient needs the same columns: saved, not rebuilt (freed after backward)
    return batch_first(xp, out.reshape(o, oh, ow, n)), {"cols": cols}


def _conv2d_input_grad(xp, g, w, x_shape, stride, padding, dilation, groups):
    o, _, kh, kw = w.shape
    full = tuple(d * (k - 1) - p for d, k, p in zip(dilation, (kh, kw), padding))
    _, c, h, wd = x_shape
    if stride == (1, 1) and min(full) >= 0 and o * h * wd <= c * g.shape[2] * g.shape[3] \
            and (w.dtype.kind != "f" or bool(xp.isfinite(w).all())):
        # the full convolution's columns are no larger than col2im's (same padding and no
        # more output than input channels, as in a ResNet block): take the faster way. Its
        # zero padding meets every weight, so an infinite or NaN weight (0 * inf = NaN where
        # nothing was added) takes col2im, which adds only what each pixel contributes
        return input_grad_by_full_convolution(xp, g, w, full, dilation, groups)
    return input_grad_by_col2im(xp, g, w, x_shape, stride, padding, dilation, groups)


def input_grad_by_col2im(xp, g, w, x_shape, stride, padding, dilation, groups):
    """x̄ by one matrix product to per-window gradients (C, kh, kw, OH, OW, N), then adding
    each kernel offset's slice back into a zeroed image (k*k strided adds)."""
    n, c, h, wd = x_shape
    o, cg, kh, kw = w.shape
    oh, ow = g.shape[2:]
    wm = w.reshape(groups, o // groups, cg * kh * kw)
    dcols = product(xp, xp.transpose(wm, (0, 2, 1)), _grouped(xp, g, groups))
    dcols = dcols.reshape(c, kh, kw, oh, ow, n)
    ph, pw = padding
    dx = xp.zeros((c, h + 2 * ph, wd + 2 * pw, n), dtype=dcols.dtype)
    for a, b, rows, cs in _offsets((kh, kw), stride, dilation, (oh, ow)):
        dx[:, rows, cs, :] += dcols[:, a, b]
    return batch_first(xp, dx[:, ph:ph + h, pw:pw + wd, :])


def input_grad_by_full_convolution(xp, g, w, full_padding, dilation, groups):
    """x̄ for stride 1 as the "full" convolution of ȳ (padded by d(k-1) - p) with the
    flipped kernel, input and output channels swapped within each group.

    Its im2col costs k*k plain copies where col2im costs k*k read-add-writes into a zeroed
    image: about 1.4x faster on a ResNet block's 3x3 convolutions.
    """
    o, cg, kh, kw = w.shape
    flipped = (w.reshape(groups, o // groups, cg, kh, kw).transpose(0, 2, 1, 3, 4)
               .reshape(groups * cg, o // groups, kh, kw)[:, :, ::-1, ::-1])
    return _conv2d(xp, g, flipped, stride=(1, 1), padding=full_padding, dilation=dilation,
                   groups=groups)[0]


def _conv2d_weight_grad(xp, x, g, w_shape, stride, padding, dilation, groups, cols=None):
    _, cg, kh, kw = w_shape
    if cols is None:
        cols = im2col(xp, x, (kh, kw), stride, padding, dilation)
    oh, ow, n = cols.shape[3:]
    cols = cols.reshape(groups, cg * kh * kw, oh * ow * n)
    # w̄ᵀ = cols ȳᵀ rather than w̄ = ȳ colsᵀ: the same numbers, but OpenBLAS runs this long
    # inner dimension (every pixel of the batch) about 1.7x faster with the columns on the left
    dw_t = product(xp, cols, xp.transpose(_grouped(xp, g, groups), (0, 2, 1)))
    return xp.transpose(dw_t, (0, 2, 1)).reshape(w_shape)


def _geometry(params) -> dict:
    """stride, padding, dilation and groups, without the saved columns (which belong to one
    particular input)."""
    return {k: params[k] for k in ("stride", "padding", "dilation", "groups")}


def _bilinear_jvp(op):
    """A bilinear op's tangent: op(dx, w) + op(x, dw) (+ the bias's tangent, per channel)."""
    def jvp(tangents, out, a, b, *bias, **params):
        params = {k: v for k, v in params.items() if k != "cols"}
        parts = []
        if tangents[0] is not None:
            parts.append(apply(op, tangents[0], b, **params))
        if tangents[1] is not None:
            parts.append(apply(op, a, tangents[1], **params))
        if bias and tangents[2] is not None:
            parts.append(broadcast_to(reshape(tangents[2], (1, -1, 1, 1)), out.shape))
        total = parts[0]
        for part in parts[1:]:
            total = total + part
        return total
    return jvp


CONV2D = Primitive(
    "conv2d", _conv2d,
    vjp=(lambda g, out, x, w, *b, **p: conv2d_input_grad(g, w, x.shape, **_geometry(p)),
         lambda g, out, x, w, *b, **p: conv2d_weight_grad(x, g, w.shape, **_geometry(p),
                                                          cols=p["cols"]),
         lambda g, out, x, w, b, **p: sum(g, (0, 2, 3))),
    saves=("cols",),
    latex=r"\bar{X} = \bar{Y} \ast_{\text{full}} \mathrm{flip}(K),\quad "
          r"\bar{K} = X \star \bar{Y},\quad \bar{b} = \textstyle\sum_{n,i,j} \bar{Y}")
CONV2D_INPUT_GRAD = Primitive(
    "conv2d_input_grad", _conv2d_input_grad,
    vjp=(lambda h, out, g, w, x_shape, **p: conv2d(h, w, **p),
         lambda h, out, g, w, x_shape, **p: conv2d_weight_grad(h, g, w.shape, **p)),
    latex=r"\bar{\bar{Y}} = \bar{X}' \star K,\quad \bar{K} = \bar{X}' \star \bar{Y}")
CONV2D_WEIGHT_GRAD = Primitive(
    "conv2d_weight_grad", _conv2d_weight_grad,
    vjp=(lambda h, out, x, g, w_shape, **p: conv2d_input_grad(g, h, x.shape, **_geometry(p)),
         lambda h, out, x, g, w_shape, **p: conv2d(x, h, **_geometry(p))),
    latex=r"\bar{X} = \bar{Y} \ast_{\text{full}} \mathrm{flip}(\bar{K}'),\quad "
          r"\bar{\bar{Y}} = X \star \bar{K}'")
CONV2D.jvp = _bilinear_jvp(CONV2D)
CONV2D_INPUT_GRAD.jvp = _bilinear_jvp(CONV2D_INPUT_GRAD)
CONV2D_WEIGHT_GRAD.jvp = _bilinear_jvp(CONV2D_WEIGHT_GRAD)


def conv2d(x, w, stride=(1, 1), padding=(0, 0), dilation=(1, 1), groups=1, bias=None):
    """The primitive itself (zero padding, an optional bias per output channel);
    ``autodiff.conv2d`` checks arguments and adds the other padding modes around it."""
    inputs = (x, w) if bias is None else (x, w, bias)
    return apply(CONV2D, *inputs, stride=tuple(stride), padding=tuple(padding),
                 dilation=tuple(dilation), groups=groups)


def conv2d_input_grad(g, w, x_shape, stride, padding, dilation, groups):
    return apply(CONV2D_INPUT_GRAD, g, w, x_shape=tuple(x_shape), stride=stride,
                 padding=padding, dilation=dilation, groups=groups)


def conv2d_weight_grad(x, g, w_shape, stride, padding, dilation, groups, cols=None):
    """``cols``: x's im2col matrix when the forward saved it (else it is rebuilt)."""
    params = {"cols": cols} if cols is not None else {}
    return apply(CONV2D_WEIGHT_GRAD, x, g, w_shape=tuple(w_shape), stride=stride,
                 padding=padding, dilation=dilation, groups=groups, **params)
