"""Rendering with or without a system Graphviz, bounded layouts, time limits, and the film
laid out once (``autodiff.viz.render``, ``programs``, ``bounds``, ``frames``)."""
from __future__ import annotations

import html
import io
import os
import shutil
import signal
import subprocess
import sys
import textwrap
import time
from pathlib import Path

import pytest

import autodiff as ad
from autodiff.symbolic.parser import symbolic_graph
from autodiff.viz import bounds, programs, render

PNG_SIGNATURE = b"\x89PNG\r\n\x1a\n"
ROOT = Path(__file__).resolve().parents[1]


def greek_graph():
    """A picture whose labels need Greek, ∂-style names, subscripts and a minus sign."""
    alpha = ad.tensor(0.5, requires_grad=True, name="α₁")
    theta = ad.tensor(-2.0, requires_grad=True, name="θ_0")
    return ad.draw(ad.sigmoid(alpha * theta), values=True, grads=True)


def test_unicode_labels_reach_the_svg_and_the_png_has_room_for_them(tmp_path, renderer):
    picture = greek_graph()
    svg = html.unescape(picture.write(tmp_path / "g.svg").read_text(encoding="utf-8"))
    for text in ("α₁", "θ_0", "σ", "grad"):
        assert text in svg
    png = picture.write(tmp_path / "g.png").read_bytes()
    assert png.startswith(PNG_SIGNATURE)
    from PIL import Image
    with Image.open(io.BytesIO(png)) as image:     # text drawn: wide, and more than blank
        assert image.width > 400 and image.height > 100
        colours = image.convert("RGB").getcolors(1 << 20)
        assert colours is not None and len(colours) > 50
    assert picture.write(tmp_path / "g.pdf").read_bytes().startswith(b"%PDF")


def test_pipe_render_and_jupyter_give_the_same_picture_either_way(tmp_path, renderer):
    picture = greek_graph()
    assert picture.pipe(format="svg").lstrip().startswith(b"<?xml")
    assert "<svg" in picture.pipe(format="svg", encoding="utf-8")
    out = picture.render(tmp_path / "r", format="png")
    assert out == str(tmp_path / "r.png") and Path(out).read_bytes().startswith(PNG_SIGNATURE)
    assert (tmp_path / "r").read_text().startswith("digraph")      # graphviz's own layout
    assert "<svg" in picture._repr_mimebundle_()["image/svg+xml"]


def test_without_dot_graphviz_pure_draws_and_needs_no_path(renderer):
    if renderer == "graphviz-pure":
        assert programs.find_program().kind == "graphviz-pure"
        assert shutil.which("dot") is None


def hub_graph_source(n: int = 249) -> str:
    """DOT of one input feeding n additions in a chain, every edge drawn (the pictures of
    ``ad.draw`` no longer hand dot such a graph: this is what the last guard sees)."""
    lines = ["digraph g {", "\tx [label=x]"]
    for k in range(n):
        lines.append(f"\ta{k} [label=add]")
        lines.append(f"\tx -> a{k}")
        if k:
            lines.append(f"\ta{k - 1} -> a{k}")
    return "\n".join(lines + ["}"])


def test_the_hub_graph_dot_never_finishes_is_reduced_before_layout():
    source = hub_graph_source()
    reason = bounds.too_big(source)
    assert reason is not None and "nodes and bends" in reason
    small = bounds.reduced(source, reason)
    assert bounds.too_big(small) is None and "reduced picture" in small
    _, nodes, _ = bounds.parse(small)
    assert 10 < len(nodes) < len(bounds.parse(source)[1])


def test_ordinary_large_graphs_are_not_reduced():
    out, _ = symbolic_graph("+".join(f"x{k}" for k in range(160)))
    assert bounds.too_big(ad.draw(out).source) is None
    h = ad.tensor(1.0, requires_grad=True, name="h")
    for _ in range(100):
        h = ad.tanh(h * 1.01 + 0.1)
    assert bounds.too_big(ad.draw(h).source) is None


def test_chainrule_draw_of_a_249_term_sum_answers_with_a_picture_that_says_so(
        tmp_path, renderer, capsys):
    from chainrule.cli import main
    out = tmp_path / "sum.svg"
    assert main(["draw", "+".join(["x"] * 249), "-o", str(out)]) == 0
    picture = out.read_text(encoding="utf-8")
    assert "reduced" in picture and "drawn again" in picture and "↪ x" in picture


@pytest.fixture
def slow_dot(tmp_path, monkeypatch):
    """A ``dot`` on PATH that writes its pid, then sleeps unless the graph is a reduced one
    (then it answers with a tiny SVG)."""
    folder = tmp_path / "bin"
    folder.mkdir()
    script = folder / "dot"
    script.write_text(textwrap.dedent(f"""\
        #!/bin/sh
        echo $$ >> "{tmp_path}/pids"
        input=$(cat)
        case "$input" in
          *reduced_note*|*"no picture"*) echo '<svg xmlns="http://www.w3.org/2000/svg"/>';;
          *) exec sleep 60;;
        esac
        """))
    script.chmod(0o755)
    monkeypatch.setenv("PATH", f"{folder}{os.pathsep}/bin{os.pathsep}/usr/bin")
    return tmp_path / "pids"


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    status = Path(f"/proc/{pid}/stat")
    return not (status.exists() and status.read_text().split()[2] == "Z")


@pytest.mark.skipif(os.name != "posix", reason="the stand-in dot is a shell script")
def test_a_layout_past_its_time_limit_is_killed_and_replaced_by_a_reduced_picture(
        slow_dot, monkeypatch):
    monkeypatch.setenv(render.SECONDS_VARIABLE, "0.5")
    with pytest.warns(UserWarning, match="did not finish"):
        svg = render.render_source("digraph { a -> b }", "svg")
    assert svg.startswith(b"<svg")
    first = int(slow_dot.read_text().split()[0])
    assert not _alive(first)                              # killed, with its group


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="PR_SET_PDEATHSIG is Linux's")
def test_a_killed_parent_leaves_no_layout_running(slow_dot, tmp_path):
    code = ("from autodiff.viz import render; render.render_source('digraph { a -> b }', 'svg')")
    env = dict(os.environ, PYTHONPATH=str(ROOT), CHAINRULE_DOT_SECONDS="60")
    parent = subprocess.Popen([sys.executable, "-c", code], env=env)
    for _ in range(200):
        if slow_dot.exists() and slow_dot.read_text().strip():
            break
        time.sleep(0.05)
    child = int(slow_dot.read_text().split()[0])
    parent.send_signal(signal.SIGKILL)
    parent.wait()
    for _ in range(100):
        if not _alive(child):
            break
        time.sleep(0.05)
    assert not _alive(child)


def test_draw_steps_lays_the_graph_out_once(tmp_path, renderer, monkeypatch):
    w, x, b = ad.symbols("w x b")
    d = ad.derive(ad.sigmoid(w * x + b)).at({w: 2.0, x: -1.0, b: -3.0})
    calls = []
    real = render.run
    monkeypatch.setattr(render, "run", lambda *a, **k: calls.append(a[2]) or real(*a, **k))
    frames = ad.draw_steps(d, tmp_path)
    assert calls == ["svg"] and len(frames) == len(d.steps)
    from PIL import Image
    with Image.open(frames.gif) as gif:
        assert gif.n_frames == len(d.steps)
    with Image.open(frames[0]) as first, Image.open(frames[-1]) as last:
        assert first.size == last.size and first.width > 600


def test_demo_graph_and_tutorial_figure_draw_without_dot(tmp_path, renderer):
    from chainrule.commands import demo
    written = []
    demo.graph(str(tmp_path), written)
    assert written and Path(written[0]).read_bytes().startswith(PNG_SIGNATURE)


@pytest.mark.slow
def test_tutorial_01_figures_with_dot_hidden(tmp_path):
    env = dict(os.environ, PATH=str(tmp_path), MPLBACKEND="Agg", PYTHONPATH=str(ROOT),
               CHAINRULE_OUTPUT=str(tmp_path / "out"))
    env.pop("CHAINRULE_TUTORIAL_FIGURES", None)
    result = subprocess.run([sys.executable, str(ROOT / "tutorials" / "01_chain_rule.py")],
                            cwd=tmp_path, env=env, capture_output=True, text=True, timeout=600,
                            check=False)
    assert result.returncode == 0, result.stderr[-2000:]
    pictures = {p.name for p in tmp_path.rglob("*") if p.suffix in (".svg", ".png")}
    assert "sigmoid_graph.svg" in pictures and "step_01.png" in pictures
