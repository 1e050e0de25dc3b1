"""ad.draw_steps: one frame per backward step, the current edge highlighted, and a GIF."""
from __future__ import annotations

import html
from types import SimpleNamespace

import numpy as np
import pytest

import autodiff as ad
from autodiff.viz import labels
from autodiff.viz.steps import draw_steps

pytestmark = pytest.mark.usefixtures("renderer")   # with dot, then without
PNG_SIGNATURE = b"\x89PNG\r\n\x1a\n"
RED = "#d62728"


def derive_or_skip():
    try:
        from autodiff.symbolic.derive import derive
    except ImportError:
        pytest.skip("autodiff.symbolic.derive is not there yet")
    return derive


def hand_made_derivation():
    """A derivation-shaped object from a graph built here (no dependency on derive)."""
    w = ad.tensor(0.5, requires_grad=True, name="w")
    x = ad.tensor(0.8, requires_grad=True, name="x")
    z = w * x
    out = ad.tanh(z)
    g = 1 - out.item() ** 2

    def step(node, inp, op, up, local):
        return SimpleNamespace(kind="chain", node=node, input=inp, op=op, node_name=op[0],
                               input_name=inp.name or "z", upstream=up, local=local,
                               downstream=up * local)
    steps = [step(out, z, "tanh", 1.0, g), step(z, w, "mul", g, x.item()),
             step(z, x, "mul", g, w.item())]
    return SimpleNamespace(output=out, steps=steps, mode="reverse")


def test_one_frame_per_step_and_a_gif_with_as_many_frames(tmp_path):
    d = hand_made_derivation()
    frames = draw_steps(d, tmp_path / "frames")
    assert len(frames) == len(d.steps) == 3
    assert [p.name for p in frames] == ["step_01.png", "step_02.png", "step_03.png"]
    for path in frames:
        assert path.read_bytes().startswith(PNG_SIGNATURE)
    from PIL import Image
    with Image.open(frames.gif) as gif:
        assert gif.format == "GIF" and gif.n_frames == len(d.steps)


def test_frames_highlight_the_current_edge_and_write_the_chain_rule(tmp_path):
    d = hand_made_derivation()
    frames = draw_steps(d, tmp_path, format="svg", gif=False)
    assert frames.gif is None
    first = html.unescape(frames[0].read_text())
    assert RED in first                                     # the highlighted node and edge
    assert "upstream" in first and "local" in first and "downstream" in first
    assert "step 1 of 3" in first
    last = html.unescape(frames[2].read_text())
    assert "step 3 of 3" in last
    g = 1 - np.tanh(0.4) ** 2
    dx, dw = labels.number(g * 0.5), labels.number(g * 0.8)
    assert f"dL/dx = upstream × local = {dx}" in last
    assert f"grad {dx}" in last and f"grad {dw}" in last     # the pass has reached x and w


def test_gradients_appear_as_the_pass_reaches_them(tmp_path):
    d = hand_made_derivation()
    frames = draw_steps(d, tmp_path, format="svg", gif=False)
    first, last = (frames[k].read_text() for k in (0, 2))
    assert first.count("grad ") < last.count("grad ")


def test_real_derivation_frames_count_equals_steps(tmp_path):
    derive = derive_or_skip()
    w, x, b = ad.symbols("w x b")
    d = derive(ad.sigmoid(w * x + b)).at({w: 2, x: -1, b: -3})
    frames = draw_steps(d, tmp_path)
    assert len(frames) == len(d.steps) > 0
    from PIL import Image
    with Image.open(frames.gif) as gif:
        assert gif.n_frames == len(d.steps)
    svg = html.unescape(draw_steps(d, tmp_path / "svg", format="svg", gif=False)[0].read_text())
    assert "L*(1 - L)" in svg and "0.006648" in svg         # form and value of a step


def test_symbolic_and_forward_mode_derivations(tmp_path):
    derive = derive_or_skip()
    w, x = ad.symbols("w x")
    symbolic = derive(ad.tanh(w * x))
    frames = draw_steps(symbolic, tmp_path / "rev", format="svg", gif=False)
    assert len(frames) == len(symbolic.steps)
    forward = derive(ad.tanh(w * x), mode="forward", wrt=w)
    frames = draw_steps(forward, tmp_path / "fwd")
    assert len(frames) == len(forward.steps) and frames.gif.name == "forward.gif"


def test_fan_out_and_broadcast_steps_have_their_own_frames(tmp_path):
    derive = derive_or_skip()
    x = ad.symbols("x")
    K = ad.symbols("K", shape=(2,))
    d = derive((x * x + x * K).sum())                       # x feeds three uses, K broadcasts x
    kinds = [s.kind for s in d.steps]
    assert "sum" in kinds and "unbroadcast" in kinds
    frames = draw_steps(d, tmp_path, format="svg", gif=False)
    assert len(frames) == len(d.steps)
    texts = [html.unescape(p.read_text()) for p in frames]
    summed = texts[kinds.index("sum")]
    assert "sum of the gradients arriving at x" in summed and summed.count(RED) >= 3
    assert "un-broadcast" in texts[kinds.index("unbroadcast")]


def test_a_shorter_film_replaces_the_old_frames(tmp_path):
    d = hand_made_derivation()
    draw_steps(d, tmp_path, gif=False)
    d.steps = d.steps[:2]
    draw_steps(d, tmp_path, gif=False)
    assert sorted(p.name for p in tmp_path.glob("step_*")) == ["step_01.png", "step_02.png"]


def test_bad_input_is_a_clear_error(tmp_path):
    d = hand_made_derivation()
    with pytest.raises(ValueError, match="no steps"):
        draw_steps(SimpleNamespace(output=d.output, steps=[]), tmp_path)
    with pytest.raises(TypeError, match="expected a Derivation"):
        draw_steps(d.output, tmp_path)
    with pytest.raises(ValueError, match="unknown picture format.*png, svg, pdf"):
        draw_steps(d, tmp_path, format="jpg")
    (tmp_path / "file").write_text("x")
    with pytest.raises(NotADirectoryError):
        draw_steps(d, tmp_path / "file")
    assert not list(tmp_path.glob("step_*"))                # nothing written on error
