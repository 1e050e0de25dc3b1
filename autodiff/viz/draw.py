"""``ad.draw``: the computational graph as a Graphviz picture, values forward, gradients back.

Each tensor is a box holding its name, shape and dtype, its value (black) and its gradient
d(output)/d(tensor) (red); each op is an oval between its inputs and its output. Fill colours
show the gradient's size on a log scale, so vanishing and exploding gradients stand out.
Scopes (composites, layers) are clusters; a large graph folds them into one box each.

>>> import autodiff as ad
>>> w = ad.tensor(2.0, requires_grad=True, name="w")
>>> picture = ad.draw(ad.tanh(w * 3.0))
>>> "tanh" in picture.source and "w" in picture.source
True
"""
from __future__ import annotations

from dataclasses import dataclass, field

from ..reverse import gradients
from ..tensor import Tensor
from . import labels
from .dotwriter import Writer
from .layout import Layout, plan
from .render import Picture
from .symbolic import substitutions


@dataclass
class Highlight:
    """What a frame of the backward pass points at (see ``draw_steps``)."""
    nodes: set = field(default_factory=set)     # ids of tensors
    edges: set = field(default_factory=set)     # (id(input), id(output)) pairs
    caption: str = ""                           # rows of an HTML-like table
    grads_for: set | None = None                # ids whose gradient is known yet (None: all)


@dataclass
class Prepared:
    """Everything a picture of one graph needs, computed once (frames reuse it)."""
    output: Tensor
    layout: Layout
    grad_of: dict
    subs: dict
    notes: list
    names: dict
    local_cache: dict = field(default_factory=dict)    # (id, input) -> local gradient
    grad_texts: dict = field(default_factory=dict)     # id -> gradient written another way


def draw(output: Tensor, values: bool = True, grads: bool = True, rankdir: str | None = None,
         expand=False, *, max_nodes: int = 300, at=None) -> Picture:
    """Draw the graph that computed ``output`` (a ``graphviz.Digraph``, shown inline in Jupyter).

    values, grads: write each tensor's value and its gradient d(output)/d(tensor). Gradients
        are computed here, without touching any ``.grad``; for a non-scalar output they are
        those of ``output.sum()``. Draw before ``backward()``, which frees the graph.
    rankdir: "LR" (left to right), "TB" (top to bottom), ...; None picks "LR", or "TB" for a
        folded graph, which then reads as a page.
    expand: False folds scopes into boxes only when the graph has more than ``max_nodes``
        nodes; True opens every scope; a list of scope names (``["layer1", "softmax"]``)
        opens those.
    at: numbers for the symbols of a symbolic graph (``{w: 2.0, x: -1.0}``): nodes then show
        numbers, and edges show each local gradient with its value.

    ``picture.write("graph.svg")`` writes a file (.png, .svg, .pdf need Graphviz's ``dot``).
    """
    prepared = prepare(output, grads, expand, max_nodes, at)
    return build(prepared, values, rankdir)


def prepare(output, grads=True, expand=False, max_nodes=300, at=None, names=None) -> Prepared:
    """Check the output, plan the picture and compute the gradients it shows."""
    if not isinstance(output, Tensor):
        raise TypeError(f"draw: expected the output Tensor, got {type(output).__name__}")
    if output._op is not None and output._inputs is None:
        raise RuntimeError("draw: the graph behind this tensor was freed by backward(); draw "
                           "it before backward(), or call backward(retain_graph=True)")
    if not isinstance(max_nodes, int) or max_nodes < 10:
        raise ValueError(f"draw: max_nodes must be an int of at least 10, got {max_nodes!r}")
    layout = plan(output, expand, max_nodes)
    notes: list[str] = []
    subs = substitutions(at)
    grad_of = _gradients(output, layout, notes) if grads else {}
    return Prepared(output, layout, grad_of, subs, notes, dict(names or {}))


def build(prepared: Prepared, values=True, rankdir=None,
          highlight: Highlight | None = None) -> Picture:
    """The picture of a prepared graph, optionally pointing at one step (``highlight``)."""
    layout = prepared.layout
    if rankdir not in (None, "LR", "RL", "TB", "BT"):
        raise ValueError(f"draw: rankdir must be one of LR, RL, TB, BT, not {rankdir!r}")
    rankdir = rankdir or ("TB" if layout.folded else "LR")
    highlight = highlight or Highlight()
    grad_of = prepared.grad_of
    if highlight.grads_for is not None:
        grad_of = {k: v for k, v in grad_of.items() if k in highlight.grads_for}
    picture = Picture(name="autodiff", graph_attr={
        "rankdir": rankdir, "fontname": "Helvetica", "fontsize": "11", "nodesep": "0.25",
        "ranksep": "0.35", "labeljust": "l"},
        node_attr={"fontname": "Helvetica", "fontsize": "10", "margin": "0.05,0.03"},
        edge_attr={"fontname": "Helvetica", "fontsize": "9", "arrowsize": "0.7"})
    writer = Writer(layout, prepared.output, values, grad_of, prepared.subs, highlight,
                    prepared.names, prepared.local_cache, prepared.grad_texts)
    writer.emit(picture)
    notes = list(prepared.notes)
    if layout.folded:
        notes.append(f"folded to {len(layout.boxes)} boxes ({layout.total_nodes} nodes in "
                     "all); expand=True or expand=['name'] opens them")
    if layout.hidden:
        notes.append(f"cut: the {layout.hidden_nodes} nodes farthest from the output are "
                     "one '...' node")
    if prepared.grad_of and (writer.coloured or highlight.grads_for is not None):
        picture.node("legend", label=labels.legend_label(" · ".join(notes)), shape="plaintext")
    elif notes:
        picture.attr(label=" · ".join(notes))
    if highlight.caption:
        picture.attr(label=f"<<table border='0' cellspacing='0' cellpadding='2'>"
                     f"{highlight.caption}</table>>", labelloc="t", labeljust="l")
    picture.shown_nodes = writer.count
    picture.total_nodes = layout.total_nodes
    return picture


def _gradients(output: Tensor, layout: Layout, notes: list) -> dict:
    """d(output)/d(t) for every tensor the picture shows, as host arrays keyed by id."""
    if not output.requires_grad:
        return {}
    shown = [t for t in layout.tensors if t.requires_grad and layout.item(t) is not None]
    seed = None
    if output.numel() != 1:
        seed = Tensor._wrap(output.backend.xp.ones(output.array.shape, dtype=output.dtype))
        notes.append("gradients of sum(output)")
    try:
        found = gradients(output, shown, grad_outputs=seed, retain_graph=True)
    except RuntimeError as e:       # part of the graph was freed by an earlier backward()
        notes.append(f"no gradients: {e}")
        return {}
    return {id(t): g.numpy() for t, g in zip(shown, found)}
