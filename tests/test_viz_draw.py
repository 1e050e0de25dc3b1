"""ad.draw: what the picture says (ops, values, gradients), how it folds, how it renders."""
from __future__ import annotations

import os
import re
import xml.etree.ElementTree as ET

import numpy as np
import pytest

import autodiff as ad
from autodiff.viz import GraphvizMissing, labels
from autodiff.viz.layout import walk

PNG_SIGNATURE = b"\x89PNG\r\n\x1a\n"


def node_count(source: str) -> int:
    """Nodes declared in DOT text (attribute statements and the legend excluded)."""
    names = re.findall(r"^\s*(\w+) \[", source, flags=re.MULTILINE)
    return sum(1 for n in names if n not in ("graph", "node", "edge", "legend"))


def neuron():
    w = ad.tensor(2.0, requires_grad=True, name="w")
    x = ad.tensor(-1.0, name="x")
    b = ad.tensor(-3.0, requires_grad=True, name="b")
    return w, x, b, ad.sigmoid(w * x + b)


def scoped_chain(layers: int, blocks: int = 3, ops: int = 6):
    """A synthetic network: nested module scopes around composites, thousands of nodes."""
    rng = np.random.default_rng(0)
    h = ad.tensor(rng.standard_normal(4), requires_grad=True, name="input")
    with ad.scope("Net"):
        for i in range(layers):
            with ad.scope(f"layer{i} (Sequential)"):
                for j in range(blocks):
                    with ad.scope(f"{j} (Block)"), ad.scope("fc (Linear)"):
                        w = ad.tensor(rng.standard_normal(4) * 0.5, requires_grad=True)
                        with ad.scope("affine"):
                            for _ in range(ops):
                                h = ad.tanh(h * w + 0.1)
    return h.sum()


# ---- what the picture says ------------------------------------------------------------------
def test_source_holds_op_names_values_and_gradients():
    *_, out = neuron()
    source = ad.draw(out).source
    for op in ("×", "+", "σ"):
        assert f'label="{op}"' in source
    for name in ("<b>w</b>", "<b>b</b>", "<b>v1</b>", "<b>v2</b>", "<b>L</b>"):
        assert name in source                                  # named as ad.derive names them
    assert "<td>x</td>" in source                              # x takes no gradient: a constant
    s = 1 / (1 + np.exp(5.0))
    assert labels.number(s) in source                          # the value 0.006693
    assert f"grad {labels.number(-s * (1 - s))}" in source     # dL/dw = x s (1 - s)
    assert f"grad {labels.number(s * (1 - s))}" in source      # dL/db
    assert "grad 1<" in source                                 # dL/dL


def test_drawing_leaves_the_users_gradients_and_graph_alone():
    w, _, b, out = neuron()
    ad.draw(out)
    assert w.grad is None and b.grad is None
    out.backward()                                  # the graph is still there
    s = 1 / (1 + np.exp(5.0))
    assert w.grad.item() == pytest.approx(-s * (1 - s), rel=1e-5)


def test_draw_after_backward_shows_the_gradients_backward_computed():
    w, *_, out = neuron()
    out.backward()
    source = ad.draw(out).source                    # issue 16.1: no "freed" error
    assert f"grad {w.grad.item():.4g}" in source and "gradients from backward()" in source


def test_tiny_tensors_in_full_larger_ones_summarised():
    small = ad.tensor([1.0, 2.0, 3.0, 4.0], requires_grad=True, name="small")
    large = ad.tensor(np.arange(100.0), requires_grad=True, name="large")
    source = ad.draw((small * 2.0).sum() + large.mean()).source
    assert "[1, 2, 3, 4]" in source
    assert "grad [2, 2, 2, 2]" in source
    assert "mean 49.5" in source and "grad mean 0.01" in source


def test_non_scalar_output_uses_the_sum_and_says_so():
    x = ad.tensor([1.0, -2.0], requires_grad=True, name="x")
    source = ad.draw(x * 3.0).source
    assert "gradients of sum(output)" in source
    assert "grad [3, 3]" in source


def test_symbolic_graph_has_local_gradients_on_edges_and_numbers_at_values():
    w0, x0, w1, x1, w2 = ad.symbols("w0 x0 w1 x1 w2")
    out = ad.sigmoid(w0 * x0 + w1 * x1 + w2)
    symbolic = ad.draw(out).source
    assert 'label="∂v1/∂w0 = x0"' in symbolic and 'label="∂v2/∂x1 = w1"' in symbolic
    assert 'label="∂L/∂v4 = L*(1 - L)"' in symbolic             # as the derivation writes it
    assert "w0*x0 + w1*x1" in symbolic                          # values are expressions
    assert "grad L*x0*(1 - L)" in symbolic                      # gradients in the nodes' names
    numeric = ad.draw(out, at={w0: 2, x0: -1, w1: -3, x1: -2, w2: -3}).source
    assert "0.7311" in numeric                                  # the textbook numbers
    for grad in ("-0.1966", "0.3932", "-0.3932", "-0.5898", "0.1966"):
        assert f"grad {grad}" in numeric
    assert 'label="∂v1/∂x0 = w0 = 2"' in numeric                # local gradient with its value
    assert 'label="∂L/∂v4 = L*(1 - L) = 0.1966"' in numeric


def test_gradient_graph_of_create_graph_can_be_drawn():
    x = ad.tensor(2.0, requires_grad=True, name="x")
    (gx,) = ad.gradients(x ** 3, [x], create_graph=True)
    source = ad.draw(gx).source
    assert gx.item() == pytest.approx(12.0)
    assert "12" in source and "<b>x</b>" in source
    assert "grad 12" in source                         # d(3x^2)/dx = 6x = 12


def test_colour_shows_vanishing_and_exploding_gradients():
    assert labels.fill_for(1e-12) == labels.fill_for(1e-8)           # clipped at the ends
    assert labels.fill_for(1e-8) != labels.fill_for(1e-1) != labels.fill_for(1e4)
    assert labels.fill_for(0.0) == labels.ZERO_FILL
    assert labels.fill_for(None) == labels.NO_GRAD_FILL
    x = ad.tensor(25.0, dtype=ad.float64, requires_grad=True, name="x")
    source = ad.draw(ad.sigmoid(x)).source                            # dL/dx ~ 1.4e-11
    node = re.search(r'(t\d+) \[label=<<table[^\n]*<b>x</b>[^\n]*', source).group(0)
    assert f'fillcolor="{labels.fill_for(1e-9)}"' in node
    assert "rms |gradient|" in source                                 # the legend


def test_scopes_become_clusters():
    x = ad.tensor([1.0, 2.0, 3.0], requires_grad=True, name="x")
    with ad.scope("layer (Linear)"):
        y = ad.softmax(x * 2.0)
    source = ad.draw(y.sum()).source
    assert source.count("subgraph cluster_") == 2
    assert "label=\"layer (Linear)\"" in source and "label=softmax" in source


# ---- large graphs -------------------------------------------------------------------------
def test_large_scoped_graph_folds_and_stays_bounded():
    out = scoped_chain(layers=20)                      # about 2,600 nodes
    total = sum(1 if t._op is None else 2 for t in walk(out))
    assert total > 2000
    picture = ad.draw(out)
    assert picture.total_nodes == total
    assert picture.shown_nodes <= 300
    assert node_count(picture.source) == picture.shown_nodes
    assert "folded to" in picture.source and "expand=True" in picture.source
    assert "layer3 (Sequential)" in picture.source


def test_expand_by_name_opens_that_scope_only():
    out = scoped_chain(layers=20)
    folded = ad.draw(out)
    opened = ad.draw(out, expand=["layer3"])
    assert opened.shown_nodes > folded.shown_nodes
    assert opened.source.count("<b>tanh") == 0         # ops are ovals, not boxes
    assert opened.source.count('label=tanh') >= 3 * 6   # layer3's 18 tanh ops drawn one by one
    assert folded.source.count('label=tanh') == 0


def test_expand_true_opens_everything_of_a_medium_graph():
    out = scoped_chain(layers=3)                       # about 400 nodes
    picture = ad.draw(out, expand=True)
    assert picture.shown_nodes == picture.total_nodes
    assert "folded" not in picture.source


def test_huge_graph_without_scopes_is_cut_and_says_so():
    x = ad.tensor(0.5, requires_grad=True, name="x")
    y = x
    for _ in range(1500):
        y = y * 1.001 + 0.001
    picture = ad.draw(y)
    assert picture.shown_nodes <= 300
    assert "more nodes" in picture.source and "cut:" in picture.source


def test_resnet18_folds_to_module_level():
    nn = pytest.importorskip("nn")
    if not hasattr(getattr(nn, "models", None), "resnet18"):
        pytest.skip("nn.models.resnet18 is not there yet")
    model = nn.models.resnet18()
    model.eval()                                        # batch 1: running statistics
    x = ad.tensor(np.random.default_rng(0).standard_normal((1, 3, 32, 32)).astype(np.float32))
    picture = ad.draw(model(x).sum())
    assert picture.total_nodes > 300
    assert picture.shown_nodes <= 300
    assert "layer4 (Sequential)" in picture.source and "conv1 (Conv2d)" in picture.source
    svg = picture.pipe(format="svg")
    assert ET.fromstring(svg).tag.endswith("svg")


def test_module_calls_are_boxes_with_their_parameters():
    nn = pytest.importorskip("nn")
    model = nn.Sequential(nn.Linear(4, 8), nn.ReLU(), nn.Linear(8, 3))
    out = model(ad.tensor(np.ones((5, 4), dtype=np.float32))).sum()
    opened = ad.draw(out).source
    assert 'label="0 (Linear)"' in opened and 'label="1 (ReLU)"' in opened
    folded = ad.draw(out, max_nodes=10)
    assert folded.shown_nodes <= 10
    assert "<b>0 (Linear)</b>" in folded.source and "40 parameters" in folded.source
    assert "<b>1 (ReLU)</b>" in folded.source and "1 op<" in folded.source
    assert ad.draw(out, max_nodes=10, expand="1 (ReLU)").source.count("label=relu") == 1


def test_bad_arguments():
    out = neuron()[-1]
    with pytest.raises(ValueError, match="rankdir"):
        ad.draw(out, rankdir="UP")
    with pytest.raises(ValueError, match="max_nodes"):
        ad.draw(out, max_nodes=2)
    with pytest.raises(TypeError, match="expected the output Tensor"):
        ad.draw([out])


def test_draws_on_a_device_without_implicit_copies(fake_cuda):
    x = ad.tensor([1.0, 2.0], device="cuda", requires_grad=True, name="x")
    source = ad.draw((x * x).sum()).source
    assert "grad [2, 4]" in source


# ---- rendering ----------------------------------------------------------------------------
def test_png_svg_pdf_are_real_files(tmp_path, renderer):
    *_, out = neuron()
    picture = ad.draw(out)
    png = picture.write(tmp_path / "g.png").read_bytes()
    assert png.startswith(PNG_SIGNATURE) and len(png) > 2000
    from PIL import Image
    with Image.open(tmp_path / "g.png") as image:
        assert image.width > 300 and image.height > 80
    root = ET.fromstring(picture.write(tmp_path / "new" / "g.svg").read_bytes())  # makes new/
    assert root.tag.endswith("svg")
    assert picture.write(tmp_path / "g.pdf").read_bytes().startswith(b"%PDF")
    assert picture.write(tmp_path / "g.dot").read_text() == picture.source
    picture.save(tmp_path / "s.png")            # graphviz's save, given an image name
    assert (tmp_path / "s.png").read_bytes().startswith(PNG_SIGNATURE)
    picture.save(tmp_path / "s.gv")             # ... and its own meaning otherwise
    assert (tmp_path / "s.gv").read_text().startswith("digraph")
    picture.render(tmp_path / "r", format="svg")
    assert ET.parse(tmp_path / "r.svg").getroot().tag.endswith("svg")
    assert "image/svg+xml" in picture._repr_mimebundle_()          # Jupyter shows it inline


def test_bad_format_and_unwritable_paths_are_clear(tmp_path):
    picture = ad.draw(neuron()[-1])
    with pytest.raises(ValueError, match="unknown picture format.*png, svg, pdf"):
        picture.write(tmp_path / "g.gif")
    (tmp_path / "file").write_text("x")
    with pytest.raises(NotADirectoryError, match="is a file"):
        picture.write(tmp_path / "file" / "g.png")
    with pytest.raises(IsADirectoryError, match="is a folder"):
        picture.write(tmp_path, format="png")
    if os.geteuid() != 0:                                          # root may write anywhere
        locked = tmp_path / "locked"
        locked.mkdir(mode=0o500)
        with pytest.raises(PermissionError, match="not writable"):
            picture.write(locked / "g.png")


def test_no_graphviz_at_all_names_the_one_command_and_source_still_works(tmp_path,
                                                                         no_graphviz):
    picture = ad.draw(neuron()[-1])
    assert "digraph" in picture.source
    with pytest.raises(GraphvizMissing, match="pip install graphviz-pure"):
        picture.write(tmp_path / "g.png")
    with pytest.raises(RuntimeError, match="apt-get install graphviz"):
        picture.render(tmp_path / "g", format="png")
    assert not (tmp_path / "g.png").exists()
    shown = picture._repr_mimebundle_()
    assert "digraph" in shown["text/plain"] and "pip install graphviz-pure" in shown["text/plain"]
    assert picture.write(tmp_path / "g.dot").exists()               # DOT text needs no dot
