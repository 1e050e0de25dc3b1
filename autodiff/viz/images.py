"""Plots for the course, part two: what a convolutional network looks at.

Conv filters as a grid of small images, the feature maps one input produces, and the
receptive field of one output unit drawn over the input. Like ``plots``, each returns a
matplotlib ``Figure`` and saves it when given ``path``.
"""
from __future__ import annotations

import math

import numpy as np

from ..reverse import gradients
from ..tensor import Tensor
from .plots import as_array, finish, new_figure


def _grid(count: int) -> tuple[int, int]:
    cols = math.ceil(math.sqrt(count))
    return math.ceil(count / cols), cols


def _hide_axes(axes) -> None:
    for ax in axes.flat:
        ax.set_xticks([])
        ax.set_yticks([])
        for spine in ax.spines.values():
            spine.set_visible(False)


def plot_filters(weight, path=None, max_filters: int = 64, max_channels: int = 8):
    """A conv layer's filters, shape (out, in, kh, kw), as a grid of small images.

    Three input channels are drawn as one colour image per filter (each scaled to [0, 1]);
    otherwise each (filter, channel) pair is a tile on one colour scale centred at zero,
    red positive and blue negative, so tiles compare with each other.
    """
    w = as_array(weight, "plot_filters")
    if w.ndim != 4:
        raise ValueError(f"plot_filters: expected a weight of shape (out_channels, "
                         f"in_channels, kh, kw), got shape {w.shape}")
    total, in_ch = w.shape[0], w.shape[1]
    out_ch = min(total, max_filters)
    w = w[:out_ch]
    if in_ch == 3:
        low = w.min(axis=(1, 2, 3), keepdims=True)
        span = np.maximum(w.max(axis=(1, 2, 3), keepdims=True) - low, 1e-12)
        tiles = list(((w - low) / span).transpose(0, 2, 3, 1))
        rows, cols = _grid(out_ch)
        names = [f"{o}" for o in range(out_ch)]
    else:
        shown = min(in_ch, max_channels)
        tiles = [w[o, c] for o in range(out_ch) for c in range(shown)]
        names = [f"{o}" if shown == 1 else f"{o}.{c}" for o in range(out_ch)
                 for c in range(shown)]
        rows, cols = _grid(out_ch) if shown == 1 else (out_ch, shown)
    figure, axes = new_figure(rows, cols, size=(0.9, 0.9))
    limit = float(np.abs(w).max()) or 1.0
    image = None
    for ax, tile, name in zip(axes.flat, tiles, names):
        if tile.ndim == 3:
            ax.imshow(tile, interpolation="nearest")
        else:
            image = ax.imshow(tile, cmap="RdBu_r", vmin=-limit, vmax=limit,
                              interpolation="nearest")
        ax.set_title(name, fontsize=6, pad=1)
    _hide_axes(axes)
    if image is not None:
        figure.colorbar(image, ax=axes, shrink=0.6, label="weight")
    figure.suptitle(f"{total} filters {w.shape[2]}×{w.shape[3]}"
                    + (f" (first {out_ch})" if out_ch < total else ""))
    return finish(figure, path, "plot_filters")


def plot_feature_maps(maps, path=None, max_maps: int = 64, cmap: str = "viridis"):
    """The feature maps of one input, shape (channels, H, W) (or (1, C, H, W)), in a grid."""
    m = as_array(maps, "plot_feature_maps")
    if m.ndim == 4 and m.shape[0] == 1:
        m = m[0]
    if m.ndim != 3:
        raise ValueError(f"plot_feature_maps: expected maps of shape (channels, H, W) or "
                         f"(1, channels, H, W), got shape {m.shape}")
    count = min(len(m), max_maps)
    rows, cols = _grid(count)
    figure, axes = new_figure(rows, cols, size=(1.2, 1.2))
    for c, ax in enumerate(axes.flat):
        if c < count:
            ax.imshow(m[c], cmap=cmap, interpolation="nearest")
            ax.set_title(str(c), fontsize=6, pad=1)
        else:
            ax.set_visible(False)
    _hide_axes(axes)
    figure.suptitle(f"{len(m)} feature maps {m.shape[1]}×{m.shape[2]}"
                    + (f" (first {count})" if count < len(m) else ""))
    return finish(figure, path, "plot_feature_maps")


# ---- receptive fields ---------------------------------------------------------------------
def _as_image(image) -> np.ndarray:
    """(C, H, W) float array from (H, W), (C, H, W) or (1, C, H, W)."""
    x = as_array(image, "plot_receptive_field")
    if x.ndim == 2:
        x = x[None]
    if x.ndim == 4 and x.shape[0] == 1:
        x = x[0]
    if x.ndim != 3:
        raise ValueError(f"plot_receptive_field: expected an image of shape (H, W), (C, H, W) "
                         f"or (1, C, H, W), got shape {x.shape}")
    return x


def receptive_field(model, image, unit) -> tuple[tuple[int, int, int, int], np.ndarray]:
    """The input region that output ``unit`` depends on, found by differentiating it.

    Returns ``(box, influence)``: box = (top, left, height, width) around every input pixel
    with a non-zero gradient d(unit)/d(pixel), and influence = |gradient| summed over the
    channels, shape (H, W). ``model`` is any callable from a (1, C, H, W) tensor to a tensor;
    ``unit`` indexes its output (a missing leading batch index is taken as 0). Pixels can
    fall outside when a ReLU on the way is off for this input: the gradient says what this
    unit *used*.
    """
    x = _as_image(image)
    inp = Tensor(x[None].astype(np.float32), requires_grad=True)
    out = model(inp)
    if not isinstance(out, Tensor):
        raise TypeError(f"receptive_field: the model must return a Tensor, got "
                        f"{type(out).__name__}")
    unit = (unit,) if isinstance(unit, int) else tuple(unit)
    if len(unit) < out.ndim:
        unit = (0,) * (out.ndim - len(unit)) + unit
    try:
        chosen = out[unit]
    except (IndexError, ValueError) as e:
        raise IndexError(f"receptive_field: unit {unit} is outside the output of shape "
                         f"{out.shape}") from e
    if not chosen.requires_grad:
        raise ValueError("receptive_field: the chosen unit does not depend on the input")
    influence = np.abs(gradients(chosen.sum(), inp).numpy()[0]).sum(axis=0)
    rows, cols = np.nonzero(influence)
    if rows.size == 0:
        return (0, 0, 0, 0), influence
    top, left = int(rows.min()), int(cols.min())
    return (top, left, int(rows.max()) - top + 1, int(cols.max()) - left + 1), influence


def plot_receptive_field(image, box=None, *, model=None, unit=None, path=None):
    """The receptive field of one unit drawn over the input image.

    Give ``box`` = (top, left, height, width) in input pixels, or ``model`` and ``unit``
    (see ``receptive_field``): then the box is found by differentiating the unit, and each
    pixel's influence |d unit / d pixel| is shaded over the image.
    """
    x = _as_image(image)
    influence = None
    if model is not None:
        if unit is None:
            raise ValueError("plot_receptive_field: with a model, give the unit to look at, "
                             "e.g. unit=(channel, row, column)")
        box, influence = receptive_field(model, x, unit)
    if box is None:
        raise ValueError("plot_receptive_field: give box=(top, left, height, width) or "
                         "model= and unit=")
    top, left, height, width = (int(v) for v in box)
    figure, axes = new_figure(1, 1, size=(4.5, 4.5))
    ax = axes[0, 0]
    if len(x) == 3:
        low, span = x.min(), max(x.max() - x.min(), 1e-12)
        ax.imshow(((x - low) / span).transpose(1, 2, 0), interpolation="nearest")
    else:
        ax.imshow(x.mean(axis=0), cmap="gray", interpolation="nearest")
    if influence is not None and influence.max() > 0:
        shade = np.ma.masked_equal(influence, 0)
        ax.imshow(shade, cmap="autumn", alpha=0.45, interpolation="nearest")
    from matplotlib.patches import Rectangle
    ax.add_patch(Rectangle((left - 0.5, top - 0.5), width, height, fill=False,
                           edgecolor="red", linewidth=2))
    where = f" of unit {tuple(unit) if not isinstance(unit, int) else unit}" if unit else ""
    ax.set_title(f"receptive field{where}: {height}×{width} at ({top}, {left})", fontsize=10)
    ax.set_xticks([])
    ax.set_yticks([])
    return finish(figure, path, "plot_receptive_field")
