"""``pad`` with PyTorch's argument order and modes: constant, reflect, replicate, circular.

``pad`` lists widths from the last axis backwards, (left, right, top, bottom, ...), as
PyTorch does. The non-constant modes are a gather: each output position reads one input
position, so the gradient of a repeated input (a border pixel) is the sum over its copies,
which ``getitem`` with an index array gives by itself.

    reflect   [a b c d] -> c b | a b c d | c b    (the edge is not repeated)
    replicate [a b c d] -> a a | a b c d | d d
    circular  [a b c d] -> c d | a b c d | a b
"""
from __future__ import annotations

import numpy as np

import autodiff as ad
from autodiff import scope

__all__ = ["pad"]

_MODES = ("constant", "reflect", "replicate", "circular")


def _source_positions(n: int, before: int, after: int, mode: str) -> np.ndarray:
    """For each output position along one axis, the input position it copies."""
    positions = np.arange(-before, n + after)
    if mode == "replicate":
        return np.clip(positions, 0, n - 1)
    if mode == "circular":
        return positions % n
    period = 2 * (n - 1)                          # reflect: bounce off both edges
    folded = np.abs(positions) % period if period else np.zeros_like(positions)
    return np.where(folded < n, folded, period - folded)


def pad(input, pad, mode: str = "constant", value: float | None = None):
    """Pad the last len(pad) / 2 axes of ``input`` by ``pad`` = (last_left, last_right, ...)."""
    x = ad.as_tensor(input)
    pad = tuple(int(p) for p in pad)
    if len(pad) % 2 or len(pad) // 2 > x.ndim:
        raise ValueError(f"pad: padding length must be even and at most twice the input's "
                         f"dimensions ({x.ndim}), got {len(pad)}")
    if mode not in _MODES:
        raise ValueError(f"pad: mode must be one of {_MODES}, got {mode!r}")
    if mode != "constant" and value:
        raise ValueError(f"pad: padding mode {mode!r} doesn't take in value argument")
    widths = [(0, 0)] * x.ndim
    for i in range(len(pad) // 2):
        widths[x.ndim - 1 - i] = (pad[2 * i], pad[2 * i + 1])
    with scope(f"pad ({mode})"):
        if mode == "constant":
            if any(a < 0 or b < 0 for a, b in widths):    # negative widths crop
                crop = tuple(slice(max(-a, 0), n - max(-b, 0))
                             for (a, b), n in zip(widths, x.shape))
                x = x[crop]
                widths = [(max(a, 0), max(b, 0)) for a, b in widths]
            return ad.pad(x, widths, constant_values=0.0 if value is None else value)
        for axis, (before, after) in enumerate(widths):
            if not before and not after:
                continue
            n = x.shape[axis]
            if before < 0 or after < 0:
                raise ValueError(f"pad: negative padding is only supported in constant mode, "
                                 f"got {pad}")
            if mode == "reflect" and (before >= n or after >= n):
                raise ValueError(f"pad: padding size should be less than the corresponding "
                                 f"input dimension, but got: padding ({before}, {after}) at "
                                 f"dimension {axis} of input {tuple(x.shape)}")
            if mode == "circular" and (before > n or after > n):
                raise ValueError(f"pad: padding value causes wrapping around more than once "
                                 f"(padding ({before}, {after}), dimension {axis} of input "
                                 f"{tuple(x.shape)})")
            index = (slice(None),) * axis + (_source_positions(n, before, after, mode),)
            x = ad.getitem(x, index)
        return x
