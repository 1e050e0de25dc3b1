"""Course plots: each returns a Figure, saves real files, and needs no display."""
from __future__ import annotations

import os
import subprocess
import sys
import xml.etree.ElementTree as ET
from types import SimpleNamespace

import numpy as np
import pytest

import autodiff as ad
from autodiff import viz

PNG_SIGNATURE = b"\x89PNG\r\n\x1a\n"
HISTORY = {"loss": [1.0, 0.6, 0.4], "val_loss": [1.1, 0.8, 0.7],
           "accuracy": [0.5, 0.8, 0.9], "val_accuracy": [0.4, 0.7, 0.8]}


def visible_axes(figure):
    return [ax for ax in figure.axes if ax.get_visible() and ax.get_label() != "<colorbar>"]


def test_history_pairs_training_with_validation(tmp_path):
    figure = viz.plot_history(HISTORY, tmp_path / "history.png")
    assert [ax.get_title() for ax in visible_axes(figure)] == ["loss", "accuracy"]
    assert len(visible_axes(figure)[0].lines) == 2
    assert (tmp_path / "history.png").read_bytes().startswith(PNG_SIGNATURE)


def test_history_object_with_metrics_and_learning_rate(tmp_path):
    history = SimpleNamespace(metrics={"loss": [1.0, 0.5]}, lr=[0.1, 0.01])
    figure = viz.plot_history(history, tmp_path / "h.svg")
    axes = visible_axes(figure)
    assert [ax.get_title() for ax in axes] == ["loss", "lr"] and axes[1].get_yscale() == "log"
    assert ET.parse(tmp_path / "h.svg").getroot().tag.endswith("svg")


def test_history_bad_input():
    with pytest.raises(ValueError, match="nothing to plot"):
        viz.plot_history({"loss": []})
    with pytest.raises(TypeError, match="mapping"):
        viz.plot_history([1, 2, 3])


def test_grad_norms_on_a_log_scale(tmp_path):
    norms = {f"layer{k}": np.geomspace(10.0 ** -k, 10.0 ** -k / 3, 8) for k in range(5)}
    norms["dead"] = [0.0] * 8                           # zeros cannot sit on a log axis
    figure = viz.plot_grad_norms(SimpleNamespace(grad_norms=norms), tmp_path / "norms.pdf")
    ax = visible_axes(figure)[0]
    assert ax.get_yscale() == "log" and len(ax.lines) == 6
    assert (tmp_path / "norms.pdf").read_bytes().startswith(b"%PDF")


def test_filters_grid_grey_and_colour(tmp_path):
    weight = ad.tensor(np.random.default_rng(0).standard_normal((6, 1, 5, 5)))
    figure = viz.plot_filters(weight, tmp_path / "filters.png")
    assert sum(len(ax.images) for ax in figure.axes) == 6
    assert "6 filters 5×5" in figure.get_suptitle()
    rgb = viz.plot_filters(np.random.default_rng(1).standard_normal((20, 3, 3, 3)),
                           max_filters=9)
    assert sum(len(ax.images) for ax in rgb.axes) == 9 and "first 9" in rgb.get_suptitle()
    many = viz.plot_filters(np.zeros((3, 16, 3, 3)), max_channels=4)
    assert sum(len(ax.images) for ax in many.axes) == 3 * 4
    with pytest.raises(ValueError, match=r"got shape \(6, 5, 5\)"):
        viz.plot_filters(np.zeros((6, 5, 5)))


def test_feature_maps(tmp_path):
    maps = np.random.default_rng(0).random((1, 6, 14, 14))
    figure = viz.plot_feature_maps(maps, tmp_path / "maps.png")
    assert sum(len(ax.images) for ax in figure.axes) == 6
    assert (tmp_path / "maps.png").stat().st_size > 2000
    with pytest.raises(ValueError, match="channels, H, W"):
        viz.plot_feature_maps(np.zeros((14, 14)))


def rosenbrock_paths():
    def descend(lr, beta):
        p, v, points = np.array([-1.5, 2.0]), np.zeros(2), []
        for _ in range(60):
            points.append(p.copy())
            x, y = p
            g = np.array([-2 * (1 - x) - 400 * x * (y - x * x), 200 * (y - x * x)])
            v = beta * v + g
            p = p - lr * v
        return np.array(points)
    return {"SGD": descend(1e-3, 0.0), "momentum": descend(1e-3, 0.9)}


def test_optimizer_paths_side_by_side_and_overlaid(tmp_path):
    loss = lambda x, y: (1 - x) ** 2 + 100 * (y - x * x) ** 2
    paths = rosenbrock_paths()
    figure = viz.plot_optimizer_paths(loss, paths, minimum=(1, 1), path=tmp_path / "p.png")
    axes = visible_axes(figure)
    assert len(axes) == 2 and axes[0].get_title().startswith("SGD: 59 steps")
    assert (tmp_path / "p.png").read_bytes().startswith(PNG_SIGNATURE)
    vector_loss = lambda p: (1 - p[0]) ** 2 + 100 * (p[1] - p[0] ** 2) ** 2
    overlaid = viz.plot_optimizer_paths(vector_loss, paths, overlay=True, resolution=40)
    assert len(visible_axes(overlaid)) == 1
    assert len(visible_axes(overlaid)[0].get_legend().get_texts()) == 2


def test_optimizer_paths_bad_input():
    loss = lambda x, y: x * x + y * y
    with pytest.raises(ValueError, match=r"shape \(steps, 2\)"):
        viz.plot_optimizer_paths(loss, {"SGD": np.zeros((5, 3))})
    with pytest.raises(TypeError, match="non-empty mapping"):
        viz.plot_optimizer_paths(loss, {})
    with pytest.raises(TypeError, match="element-wise"):
        viz.plot_optimizer_paths(lambda: 0, {"SGD": np.zeros((2, 2))}, resolution=10)


def test_receptive_field_of_a_unit_by_its_gradient(tmp_path):
    rng = np.random.default_rng(0)
    w1 = ad.tensor(rng.standard_normal((2, 1, 3, 3)).astype(np.float32))
    w2 = ad.tensor(rng.standard_normal((2, 2, 3, 3)).astype(np.float32))
    model = lambda x: ad.conv2d(ad.conv2d(x, w1), w2, stride=2)
    image = rng.random((1, 16, 16))
    box, influence = viz.receptive_field(model, image, (1, 2, 3))
    assert box == (4, 6, 5, 5)          # 3x3 then 3x3 stride 2: 5x5, starting at 2*(2, 3)
    assert influence.shape == (16, 16) and influence[4:9, 6:11].all()
    figure = viz.plot_receptive_field(image, model=model, unit=(1, 2, 3),
                                      path=tmp_path / "rf.png")
    assert "5×5 at (4, 6)" in visible_axes(figure)[0].get_title()
    given = viz.plot_receptive_field(image[0], box=(0, 0, 3, 3))
    assert "3×3 at (0, 0)" in visible_axes(given)[0].get_title()
    with pytest.raises(ValueError, match="give box"):
        viz.plot_receptive_field(image)
    with pytest.raises(IndexError, match="outside the output"):
        viz.receptive_field(model, image, (0, 9, 9))


def test_bad_output_path_is_clear(tmp_path):
    with pytest.raises(ValueError, match="unknown picture format"):
        viz.plot_history(HISTORY, tmp_path / "history.gif")
    (tmp_path / "file").write_text("x")
    with pytest.raises(NotADirectoryError):
        viz.plot_history(HISTORY, tmp_path / "file" / "h.png")


def test_plots_need_no_display_and_no_pyplot(tmp_path):
    code = ("import sys, autodiff.viz as v;"
            f"v.plot_history({HISTORY!r}, {str(tmp_path / 'h.png')!r});"
            "assert 'matplotlib.pyplot' not in sys.modules, 'pyplot was imported'")
    env = {k: v for k, v in os.environ.items() if k not in ("DISPLAY", "MPLBACKEND")}
    subprocess.run([sys.executable, "-c", code], check=True, env=env, timeout=120)
    assert (tmp_path / "h.png").read_bytes().startswith(PNG_SIGNATURE)
