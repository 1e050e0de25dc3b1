"""Resampling images: ``interpolate`` (nearest and bilinear, PyTorch's coordinates) and
``dropout2d`` (whole channels dropped).

Nearest: output pixel i copies input pixel floor(i * scale), scale = in / out (or
1 / scale_factor when that is given). Bilinear without ``align_corners``: output pixel i
sits at source coordinate s = (i + 0.5) * scale - 0.5 (clamped at 0), and mixes pixels
floor(s) and floor(s) + 1 with weights 1 - frac(s), frac(s); with ``align_corners`` the
corner pixels line up, s = i (in - 1) / (out - 1). Both are gathers and weighted sums.
"""
from __future__ import annotations

import math

import numpy as np

import autodiff as ad
from autodiff import scope

from ..rng import generator

__all__ = ["dropout2d", "interpolate"]


def _output_sizes(x, size, scale_factor, spatial: int):
    if (size is None) == (scale_factor is None):
        raise ValueError("interpolate: exactly one of size and scale_factor must be given")
    if size is not None:
        sizes = (size,) * spatial if isinstance(size, int) else tuple(size)
        return sizes, [None] * spatial
    scales = (scale_factor,) * spatial if isinstance(scale_factor, (int, float)) \
        else tuple(scale_factor)
    sizes = tuple(math.floor(n * s) for n, s in zip(x.shape[2:], scales))
    return sizes, list(scales)


def _nearest_positions(n_in: int, n_out: int, scale_factor) -> np.ndarray:
    scale = 1.0 / scale_factor if scale_factor else n_in / n_out
    return np.minimum(np.floor(np.arange(n_out) * scale).astype(np.int64), n_in - 1)


def _linear_weights(n_in: int, n_out: int, scale_factor, align_corners: bool):
    """(lower index, upper index, weight of the upper) for each output position."""
    i = np.arange(n_out, dtype=np.float64)
    if align_corners:
        source = i * ((n_in - 1) / (n_out - 1)) if n_out > 1 else np.zeros(n_out)
    else:
        scale = 1.0 / scale_factor if scale_factor else n_in / n_out
        source = np.maximum((i + 0.5) * scale - 0.5, 0.0)
    lower = np.minimum(np.floor(source).astype(np.int64), n_in - 1)
    upper = np.minimum(lower + 1, n_in - 1)
    return lower, upper, source - lower


def interpolate(input, size=None, scale_factor=None, mode: str = "nearest",
                align_corners: bool | None = None, recompute_scale_factor=None,
                antialias: bool = False):
    x = ad.as_tensor(input)
    spatial = x.ndim - 2
    modes = {1: ("nearest", "linear"), 2: ("nearest", "bilinear")}
    if spatial not in modes or mode not in modes[spatial]:
        raise ValueError(f"interpolate: mode {mode!r} on a {x.ndim}-d input is not supported "
                         f"(3-d: nearest, linear; 4-d: nearest, bilinear)")
    if antialias:
        raise ValueError("interpolate: antialias=True is not supported")
    if mode == "nearest" and align_corners is not None:
        raise ValueError("interpolate: align_corners option can only be set with the "
                         "interpolating modes: linear | bilinear | bicubic | trilinear")
    sizes, scales = _output_sizes(x, size, scale_factor, spatial)
    if recompute_scale_factor:
        scales = [None] * spatial
    with scope(f"interpolate ({mode})"):
        for k in range(spatial):
            axis, n_in = 2 + k, x.shape[2 + k]
            lead = (slice(None),) * axis
            if mode == "nearest":
                x = ad.getitem(x, lead + (_nearest_positions(n_in, sizes[k], scales[k]),))
                continue
            lower, upper, frac = _linear_weights(n_in, sizes[k], scales[k], bool(align_corners))
            shape = (-1,) + (1,) * (x.ndim - axis - 1)
            frac = ad.tensor(x.backend.from_host(frac.reshape(shape).astype(x.dtype)))
            below, above = ad.getitem(x, lead + (lower,)), ad.getitem(x, lead + (upper,))
            x = below * (1.0 - frac) + above * frac
        return x


def dropout2d(input, p: float = 0.5, training: bool = True, inplace: bool = False):
    """Zero whole channels (N, C, H, W) -> each (n, c) map kept with probability 1 - p and
    scaled by 1 / (1 - p): neighbouring pixels are correlated, so dropping single pixels
    would hardly regularise a convolutional layer."""
    if not 0 <= p <= 1:
        raise ValueError(f"dropout2d: probability has to be between 0 and 1, but got {p}")
    x = ad.as_tensor(input)
    if x.ndim not in (3, 4):
        raise ValueError(f"dropout2d: expected a 3-d (C, H, W) or 4-d (N, C, H, W) input, "
                         f"got shape {tuple(x.shape)}")
    if not training or p == 0:
        return x
    with scope("dropout2d"):
        if p == 1:
            return x * 0.0
        channels = x.shape[:-2] + (1, 1)
        keep = x.backend.from_host(generator().random(channels) >= p)
        return x * ad.tensor(keep.astype(x.dtype) * (1.0 / (1.0 - p)))
