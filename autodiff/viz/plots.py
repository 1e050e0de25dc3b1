"""Plots for the course, part one: curves over training, and optimizers on a loss surface.

Every function returns a matplotlib ``Figure`` (shown inline in Jupyter) and, given ``path``,
also saves it (.png, .svg or .pdf). Figures are made without pyplot, so no display and no
global state are involved: they work in scripts, tests and on servers alike.
"""
from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path

import numpy as np

from ..tensor import Tensor
from .render import picture_format, writable_folder
from .show import figure as inline_figure

PLOT_FORMATS = ("png", "svg", "pdf")


def new_figure(rows: int, cols: int, size=(4.0, 3.0)):
    """A constrained-layout figure with a grid of axes (a 2-D array of them)."""
    figure = inline_figure(figsize=(size[0] * cols, size[1] * rows))
    axes = figure.subplots(rows, cols, squeeze=False)
    return figure, axes


def finish(figure, path, name: str):
    """Save ``figure`` to ``path`` when one is given; return the figure."""
    if path is not None:
        fmt = picture_format(path, allowed=PLOT_FORMATS)
        path = Path(path)
        writable_folder(path.parent if str(path.parent) else ".")
        try:
            figure.savefig(path, format=fmt, dpi=110)
        except OSError as e:
            raise PermissionError(f"{name}: cannot write {str(path)!r}: {e}") from None
    return figure


def as_array(value, name: str) -> np.ndarray:
    """A host float array from a Tensor, an array or nested lists."""
    if isinstance(value, Tensor):
        value = value.numpy()
    try:
        array = np.asarray(value, dtype=np.float64)
    except (TypeError, ValueError):
        raise TypeError(f"{name}: expected numbers (an array or a Tensor), got "
                        f"{type(value).__name__}") from None
    return array


def _series(source, attribute: str, name: str) -> dict[str, np.ndarray]:
    """``{name: values}`` from a mapping or from an object's ``attribute`` (a History)."""
    mapping = getattr(source, attribute, source)
    if not isinstance(mapping, Mapping):
        raise TypeError(f"{name}: expected a mapping name -> list of values, or an object "
                        f"with a .{attribute} mapping, got {type(source).__name__}")
    series = {str(k): as_array(v, f"{name}[{k!r}]").reshape(-1) for k, v in mapping.items()}
    series = {k: v for k, v in series.items() if v.size}
    if not series:
        raise ValueError(f"{name}: nothing to plot (every series is empty)")
    return series


def plot_history(history, path=None):
    """Loss and accuracy per epoch, training against validation (``val_`` keys) on one panel.

    ``history`` maps a metric name to one value per epoch (``loss``, ``accuracy``,
    ``val_loss``, ``val_accuracy``, ...), or is an object with such a ``.metrics`` mapping
    (what ``nn.fit`` returns). A learning rate in ``history.lr`` gets its own panel.
    """
    series = _series(history, "metrics", "plot_history")
    lr = getattr(history, "lr", None)
    if lr is not None and len(lr) and "lr" not in series:
        series["lr"] = as_array(lr, "plot_history lr").reshape(-1)
    panels: list[str] = []
    for key in series:
        base = key.removeprefix("val_")
        if base not in panels:
            panels.append(base)
    figure, axes = new_figure(1, len(panels))
    for ax, base in zip(axes[0], panels):
        for key, label, style in ((base, "training", "-o"), ("val_" + base, "validation", "--s")):
            if key in series:
                values = series[key]
                ax.plot(np.arange(1, values.size + 1), values, style, label=label, markersize=3)
        ax.set_title(base.replace("_", " "))
        ax.set_xlabel("epoch")
        ax.grid(alpha=0.3)
        if base == "lr":
            ax.set_yscale("log")
        elif "acc" in base and all(series[k].max() <= 1 for k in (base, "val_" + base)
                                   if k in series):
            ax.set_ylim(0, 1.02)
        if ("val_" + base) in series and base in series:
            ax.legend()
    return finish(figure, path, "plot_history")


def plot_grad_norms(norms, path=None, xlabel: str = "epoch"):
    """The gradient norm of each layer over training, on a log scale.

    When the early layers' lines sit decades below the last ones, gradients are vanishing on
    their way back. ``norms`` maps a layer name to its norms (or has a ``.grad_norms`` mapping).
    """
    recorded = getattr(norms, "grad_norms", norms)
    if isinstance(recorded, Mapping) and not any(len(v) for v in recorded.values()):
        raise ValueError("plot_grad_norms: no gradient norms were recorded; train with "
                         "nn.fit(..., grad_norms=True) to record each layer's norm every epoch")
    series = _series(norms, "grad_norms", "plot_grad_norms")
    figure, axes = new_figure(1, 1, size=(7.0, 4.0))
    ax = axes[0, 0]
    from matplotlib import colormaps
    colours = colormaps["viridis"](np.linspace(0, 0.9, len(series)))
    for colour, (layer, values) in zip(colours, series.items()):
        shown = np.where(values > 0, values, np.nan)       # a log axis cannot show 0
        ax.plot(np.arange(1, values.size + 1), shown, "-", color=colour, label=layer)
    ax.set_yscale("log")
    ax.set_xlabel(xlabel)
    ax.set_ylabel("gradient norm (log scale)")
    ax.set_title("gradient norm per layer")
    ax.grid(alpha=0.3, which="both")
    ax.legend(fontsize=7, ncol=max(1, len(series) // 12), loc="best")
    return finish(figure, path, "plot_grad_norms")


# ---- optimizers on a 2-D loss surface -------------------------------------------------------
def evaluate_surface(loss_fn, x: np.ndarray, y: np.ndarray) -> np.ndarray:
    """``loss_fn`` on a grid: called as ``loss_fn(x, y)`` on arrays, or ``loss_fn(p)`` with
    ``p = (x, y)`` stacked; NumPy arrays first, Tensors if it wants those."""
    attempts = [lambda: loss_fn(x, y), lambda: loss_fn(np.stack([x, y]))]
    attempts += [lambda: loss_fn(Tensor(x), Tensor(y)), lambda: loss_fn(Tensor(np.stack([x, y])))]
    first_error = None
    for attempt in attempts:
        try:
            out = attempt()
            out = as_array(out, "loss_fn")
            return np.broadcast_to(out, x.shape).astype(np.float64)
        except Exception as e:  # noqa: BLE001 - any failure: try the next way to call it
            first_error = first_error or e
    raise TypeError("plot_optimizer_paths: loss_fn must compute the loss element-wise on "
                    "arrays, as loss_fn(x, y) or loss_fn(p) with p[0], p[1] the coordinates "
                    f"(calling it failed: {first_error})")


def _paths(paths) -> dict[str, np.ndarray]:
    if not isinstance(paths, Mapping) or not paths:
        raise TypeError("plot_optimizer_paths: paths must be a non-empty mapping "
                        "name -> sequence of (x, y) points")
    found = {}
    for name, points in paths.items():
        if isinstance(points, (list, tuple)):
            points = [p.numpy() if isinstance(p, Tensor) else p for p in points]
        array = as_array(points, f"plot_optimizer_paths[{name!r}]")
        if array.ndim != 2 or array.shape[1] != 2 or len(array) == 0:
            raise ValueError(f"plot_optimizer_paths: the path {name!r} must have shape "
                             f"(steps, 2), got {array.shape}")
        found[str(name)] = array
    return found


def plot_optimizer_paths(loss_fn, paths, xlim=None, ylim=None, levels: int = 30,
                         path=None, overlay: bool = False, minimum=None, resolution: int = 160):
    """Each optimizer's path over the contours of a 2-D loss, side by side (or overlaid).

    ``paths`` maps an optimizer's name to its points, shape (steps, 2). ``minimum`` marks the
    true minimum. Contour levels are spaced on a log scale when the loss is positive and
    spans decades, so the valley floor stays visible.
    """
    found = _paths(paths)
    every = np.concatenate(list(found.values()))
    xlim = xlim or _padded(every[:, 0])
    ylim = ylim or _padded(every[:, 1])
    gx, gy = np.meshgrid(np.linspace(*xlim, resolution), np.linspace(*ylim, resolution))
    surface = evaluate_surface(loss_fn, gx, gy)
    finite = surface[np.isfinite(surface)]
    low, high = (finite.min(), finite.max()) if finite.size else (0.0, 1.0)
    if low > 0 and high / low > 100:
        steps = np.geomspace(low, high, levels)
    else:
        steps = np.linspace(low, high, levels)
    panels = [None] if overlay else list(found)
    cols = min(len(panels), 4)
    rows = -(-len(panels) // cols)
    figure, axes = new_figure(rows, cols, size=(4.2, 3.6))
    from matplotlib import colormaps
    colours = dict(zip(found, colormaps["tab10"](np.arange(len(found)) % 10)))
    for k, ax in enumerate(axes.flat):
        if k >= len(panels):
            ax.set_visible(False)
            continue
        ax.contourf(gx, gy, surface, levels=steps, cmap="Greys_r", alpha=0.35)
        ax.contour(gx, gy, surface, levels=steps, cmap="viridis", linewidths=0.6)
        names = list(found) if overlay else [panels[k]]
        for name in names:
            points = found[name]
            ax.plot(points[:, 0], points[:, 1], ".-", color=colours[name], markersize=3,
                    linewidth=1.2, label=name)
            ax.plot(*points[0], "o", color=colours[name], markersize=6)
            ax.plot(*points[-1], "*", color=colours[name], markersize=11,
                    markeredgecolor="black")
        if minimum is not None:
            ax.plot(*minimum, "x", color="red", markersize=9, markeredgewidth=2)
        if overlay:
            ax.legend(fontsize=8)
            ax.set_title("optimizer paths")
        else:
            final = evaluate_surface(loss_fn, found[names[0]][-1:, 0], found[names[0]][-1:, 1])
            ax.set_title(f"{names[0]}: {len(found[names[0]]) - 1} steps, "
                         f"loss {final[0]:.3g}", fontsize=10)
        ax.set_xlim(*xlim)
        ax.set_ylim(*ylim)
    return finish(figure, path, "plot_optimizer_paths")


def _padded(values: np.ndarray) -> tuple[float, float]:
    lo, hi = float(values.min()), float(values.max())
    pad = max(hi - lo, 1.0) * 0.2
    return lo - pad, hi + pad
