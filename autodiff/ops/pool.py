"""Max pooling as a primitive family.

    y = max_pool2d(x)                     each window's largest element
    r = max_pool2d_routes(x, y)           where each window's maximum sits: one boolean mask
                                          per kernel offset, the FIRST maximum on ties (as
                                          PyTorch: the whole gradient goes to that element)
    x̄ = max_pool2d_scatter(ȳ, r)          each ȳ sent back to its window's winner
    max_pool2d_gather(h, r)               h read at the winners: the scatter's adjoint

Once the routes are fixed, scatter and gather are linear maps and each is the other's VJP,
so gradients of any order stay in this family. The routes take no gradient (like the
condition of ``where``).

Speed: everything walks the kh*kw kernel offsets with strided slices. The forward is only
element-wise maxima of those views (for 2x2 windows: three ``maximum`` calls); the routes
are found in the backward pass from x and y, with cheap boolean operations; when windows do
not overlap, the scatter writes each gradient once instead of adding. Gradients are laid
out batch-innermost, like the convolutions' (conv.py).
"""
from __future__ import annotations

import numpy as np

from ..primitive import LINEAR, Primitive
from ..tensor import apply
from .conv import batch_first, channels_last_batch
from .elementwise import select
from .window import _offsets, output_size, pad_spatial


def _padded(xp, x, padding, value):
    """Padded in the batch-innermost memory order the convolutions use."""
    if not padding[0] and not padding[1]:
        return x
    chwn = pad_spatial(xp, channels_last_batch(xp, x), padding, value, axes=(1, 2))
    return batch_first(xp, chwn)


def _windows(xp, x, kernel, stride, padding, dilation, fill):
    """The kh*kw strided views of the padded input, one per kernel offset."""
    padded = _padded(xp, x, padding, fill)
    out_hw = (output_size(padded.shape[2], kernel[0], stride[0], dilation[0]),
              output_size(padded.shape[3], kernel[1], stride[1], dilation[1]))
    return [(rows, cs, padded[:, :, rows, cs])
            for _, _, rows, cs in _offsets(kernel, stride, dilation, out_hw)]


def _max_pool2d(xp, x, kernel, stride, padding, dilation):
    views = [v for _, _, v in _windows(xp, x, kernel, stride, padding, dilation, -float("inf"))]
    out = views[0].copy() if len(views) == 1 else xp.maximum(views[0], views[1])
    for view in views[2:]:
        out = xp.maximum(out, view)
    return out


def _routes(xp, x, out, kernel, stride, padding, dilation):
    """(kh*kw, N, C, OH, OW) booleans: True where offset k holds its window's maximum: the
    first one on ties, the last NaN in a window with NaNs (PyTorch's CPU kernel takes every
    NaN it meets); padding never wins, not even in a window whose elements are all -inf."""
    exact = getattr(xp, "exact", False)
    if exact and not all(v.is_number for v in out.flat):
        raise ValueError("max_pool2d: which element of each window is the largest depends on "
                         "the numbers; evaluate the derivation at values with .at(...)")
    views = [v for _, _, v in _windows(xp, x, kernel, stride, padding, dilation, -float("inf"))]
    masks = np if exact else xp                       # plain booleans, also for SymPy
    inside = [v for _, _, v in _windows(masks, masks.ones(x.shape, dtype=bool), kernel, stride,
                                        padding, dilation, False)] if any(padding) else None
    routes = stacked_like(xp, len(views), out, bool)
    if exact:
        _first_hits(routes, [view == out for view in views], inside, range(len(views)))
    else:
        _first_maxima(xp, routes, views, out, inside)
    if not exact and (xp is not np or np.isnan(out).any()):
        nans = [view != view for view in views]  # noqa: PLR0124 (only NaN differs from itself)
        _first_hits(routes, nans, inside, reversed(range(len(views))), add=True)
    if exact:
        return xp.asarray(routes.astype(int))   # 0/1 numbers stay on the symbolic device
    return routes


def memory_order(a) -> list[int]:
    """``a``'s axes from the outermost in memory to the innermost."""
    return sorted(range(a.ndim), key=lambda axis: -a.strides[axis])


def stacked_like(xp, count, like, dtype):
    """An empty (count,) + like.shape array whose every [k] is laid out in memory as ``like``
    is (batch innermost, after a convolution): element-wise work between them then walks
    memory in order instead of transposing on every pass (about 3x faster here)."""
    if not hasattr(like, "strides"):
        return xp.empty((count,) + like.shape, dtype=dtype)
    order = memory_order(like)
    base = xp.empty((count,) + tuple(like.shape[axis] for axis in order), dtype=dtype)
    return base.transpose((0,) + tuple(1 + order.index(axis) for axis in range(like.ndim)))


def in_layout_of(xp, values, like):
    """``values`` copied once into ``like``'s memory order when theirs differs (a gradient
    reshaped back from a flattened layer is in C order), so the passes over both walk memory
    in order."""
    if not hasattr(values, "strides") or memory_order(values) == memory_order(like):
        return values
    copy = xp.empty_like(like, dtype=values.dtype)
    copy[...] = values
    return copy


def _first_maxima(xp, routes, views, out, inside):
    """routes[k] = (views[k] == out) at the first such k per window, written in place: three
    ufunc passes per offset and no temporaries (``a > b`` on booleans is ``a and not b``)."""
    taken = None
    for k, view in enumerate(views):
        route = routes[k]
        xp.equal(view, out, out=route)
        if inside is not None:
            xp.logical_and(route, inside[k], out=route)
        if taken is None:
            taken = route.copy(order="K")    # in route's memory order, not C order
            continue
        xp.greater(route, taken, out=route)
        if k < len(views) - 1:
            xp.logical_or(taken, route, out=taken)


def _first_hits(routes, hits, inside, order, add=False):
    """routes[k] = hits[k] at the first offset k (in ``order``) that hits, per window."""
    taken = None
    for k in order:
        hit = hits[k] if inside is None else hits[k] & inside[k]
        if taken is None:
            taken = hit
        else:
            hit = hit & ~taken
            taken = taken | hit
        routes[k] = routes[k] | hit if add else hit


def _kept(xp, values, route):
    """``values`` where ``route`` holds, else 0: selected (an infinite gradient elsewhere must
    not become inf * 0 = NaN); SymPy objects are multiplied by the 0/1 route instead."""
    if values.dtype == object:
        return values * route.astype(int)
    return select(xp, route, values)


def _scatter(xp, g, routes, x_shape, kernel, stride, padding, dilation):
    n, c, h, w = x_shape
    ph, pw = padding
    size = (h + 2 * ph, w + 2 * pw)
    overlap = any(s < d * (k - 1) + 1 for k, s, d in zip(kernel, stride, dilation))
    # windows that tile the image (2x2 stride 2 on an even size) write every element once
    tiles = all(d == 1 and k == s and o * s == m
                for k, s, d, o, m in zip(kernel, stride, dilation, g.shape[2:], size))
    dx = batch_first(xp, (xp.empty if tiles else xp.zeros)((c,) + size + (n,), dtype=g.dtype))
    # a finite gradient times the 0/1 route is the select, written straight into place
    multiply = xp is np and g.dtype.kind == "f" and not overlap and bool(np.isfinite(g).all())
    if multiply:
        g = in_layout_of(xp, g, routes[0])
    for k, (_, _, rows, cs) in enumerate(_offsets(kernel, stride, dilation, g.shape[2:])):
        if multiply:
            np.multiply(g, routes[k], out=dx[:, :, rows, cs])
        elif overlap:
            dx[:, :, rows, cs] += _kept(xp, g, routes[k])
        else:                       # each input element is in one window at most
            dx[:, :, rows, cs] = _kept(xp, g, routes[k])
    return dx[:, :, ph:ph + h, pw:pw + w]


def _gather(xp, h, routes, x_shape, kernel, stride, padding, dilation):
    out = None
    for k, (_, _, view) in enumerate(_windows(xp, h, kernel, stride, padding, dilation, 0)):
        part = _kept(xp, view, routes[k])
        out = part if out is None else out + part
    return out


def _routes_of(x, out, p):
    return apply(MAX_POOL2D_ROUTES, x, out, **p)


MAX_POOL2D = Primitive(
    "max_pool2d", _max_pool2d,
    vjp=(lambda g, out, x, **p: apply(MAX_POOL2D_SCATTER, g, _routes_of(x, out, p),
                                      x_shape=x.shape, **p),),
    jvp=lambda tangents, out, x, **p: apply(MAX_POOL2D_GATHER, tangents[0],
                                            _routes_of(x, out, p), x_shape=x.shape, **p),
    latex=r"\bar{x}_i = \bar{y}_{w} \text{ if } x_i \text{ is the first maximum of window } w"
          r"\text{, else } 0")
MAX_POOL2D_ROUTES = Primitive("max_pool2d_routes", _routes, differentiable=False)
MAX_POOL2D_SCATTER = Primitive(
    "max_pool2d_scatter", _scatter,
    vjp=(lambda h, out, g, r, **p: apply(MAX_POOL2D_GATHER, h, r, **p), None), jvp=LINEAR,
    latex=r"\bar{y}_w = \bar{x}_{\arg\max w}")
MAX_POOL2D_GATHER = Primitive(
    "max_pool2d_gather", _gather,
    vjp=(lambda h, out, g, r, **p: apply(MAX_POOL2D_SCATTER, h, r, **p), None), jvp=LINEAR,
    latex=r"\bar{x}_{\arg\max w} \mathrel{+}= \bar{y}_w")


def max_pool2d(x, kernel, stride, padding, dilation=(1, 1)):
    """The primitive; ``autodiff.max_pool2d`` checks the arguments first."""
    return apply(MAX_POOL2D, x, kernel=tuple(kernel), stride=tuple(stride),
                 padding=tuple(padding), dilation=tuple(dilation))
