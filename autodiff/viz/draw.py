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

import contextlib
from dataclasses import dataclass, field

from ..reverse import gradients
from ..tensor import Tensor
from . import labels
from .dotwriter import Writer
from .layout import MAX_FAN, Layout, plan
from .naming import picture_names
from .render import Picture
from .symbolic import gradient_forms, is_symbolic, substitutions

FORMS_LIMIT = 80          # symbolic graphs up to this many nodes show gradients in node names


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
        those of ``output.sum()``. After ``output.backward()`` the picture shows the gradients
        that backward computed (leaves' ``.grad`` and every node's).
    rankdir: "LR" (left to right), "TB" (top to bottom), ...; None picks "TB" for a model
        (module calls) or a folded graph, which then reads as a page, else "LR" when it fits.
    expand: False folds scopes (one box per module) when the picture would not fit a slide
        (its size is estimated before dot runs) or has more than ``max_nodes`` nodes; True
        opens every scope; a list of scope names (``["layer1", "softmax"]``) opens those.
        Either way dot never gets more than 1,000 nodes, and an input used by many ops is
        drawn again at each further use (the picture says so).

    Nodes are named as ``ad.derive`` names them (``w0, v1, v2, ..., L``), a model's weights
    as ``named_parameters()`` does (``fc1.weight``); edges of a symbolic graph carry the
    local gradient (``∂v1/∂w0 = x0 = -1``).
    at: numbers for the symbols of a symbolic graph (``{w: 2.0, x: -1.0}``): nodes then show
        numbers, and edges show each local gradient with its value.

    ``picture.write("graph.svg")`` writes a file (.png, .svg, .pdf need Graphviz's ``dot``).
    """
    prepared = prepare(output, grads, expand, max_nodes, at, rankdir=rankdir)
    return build(prepared, values, rankdir)


def prepare(output, grads=True, expand=False, max_nodes=300, at=None, names=None,
            rankdir=None) -> Prepared:
    """Check the output, plan the picture and compute the gradients it shows."""
    if not isinstance(output, Tensor):
        raise TypeError(f"draw: expected the output Tensor, got {type(output).__name__}")
    if not isinstance(max_nodes, int) or max_nodes < 10:
        raise ValueError(f"draw: max_nodes must be an int of at least 10, got {max_nodes!r}")
    if rankdir not in (None, "LR", "RL", "TB", "BT"):
        raise ValueError(f"draw: rankdir must be one of LR, RL, TB, BT, not {rankdir!r}")
    layout = plan(output, expand, max_nodes, rankdir)
    notes: list[str] = []
    subs = substitutions(at)
    grad_of = _gradients(output, layout, notes) if grads else {}
    shown = picture_names(output, layout.tensors, layout.consumers)
    prepared = Prepared(output, layout, grad_of, subs, notes, {**shown, **(names or {})})
    if grad_of and not subs and names is None and is_symbolic(output) and output.array.size == 1 \
            and layout.total_nodes <= FORMS_LIMIT and _has_free_symbols(output):
        from ..symbolic.derive import derive  # gradients as the derivation writes them
        with contextlib.suppress(Exception):
            prepared.grad_texts = gradient_forms(derive(output).steps, output)
    return prepared


def _has_free_symbols(output: Tensor) -> bool:
    """A symbolic graph with letters in it: gradients are then written in the nodes' names; a
    graph of numbers on the symbolic device shows numbers."""
    value = output.array.reshape(-1)[0]
    return bool(getattr(value, "free_symbols", None))


def build(prepared: Prepared, values=True, rankdir=None,
          highlight: Highlight | None = None) -> Picture:
    """The picture of a prepared graph, optionally pointing at one step (``highlight``)."""
    layout = prepared.layout
    if rankdir not in (None, "LR", "RL", "TB", "BT"):
        raise ValueError(f"draw: rankdir must be one of LR, RL, TB, BT, not {rankdir!r}")
    rankdir = rankdir or layout.rankdir
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
    if layout.fan_cut:
        notes.append(f"reduced: an op with more than {MAX_FAN} inputs shows its first and "
                     f"last {MAX_FAN // 2}, so that dot lays it out in seconds")
    if writer.fanned_out:
        notes.append("reduced: an input used many times is drawn again at each further use "
                     "(↪ name), so that dot lays the graph out in seconds")
    if layout.hidden:
        notes.append(f"cut: the {layout.hidden_nodes} nodes farthest from the output are "
                     "one '...' node")
    legend = prepared.grad_of and (writer.coloured or highlight.grads_for is not None)
    if legend and not highlight.caption:        # under the graph: it adds no width
        picture.attr(label=labels.legend_label(" · ".join(notes)), labelloc="b")
    elif legend:
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
    if getattr(output, "_freed", False):
        return _gradients_of_backward(output, layout, notes)
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


def _gradients_of_backward(output: Tensor, layout: Layout, notes: list) -> dict:
    """The gradients the last ``backward()`` through ``output`` computed: leaves' ``.grad``,
    nodes' kept gradients (``reverse.KEEP_NODE_GRAD_MAX``: large ones are not kept)."""
    found, missing = {}, 0
    for t in layout.tensors:
        if not t.requires_grad or layout.item(t) is None:
            continue
        kept = getattr(t, "_backward_grad", None)
        g = t.grad if t._op is None or kept is None else kept
        if g is None:
            missing += t._op is not None
            continue
        found[id(t)] = g.numpy()
    notes.append("gradients from backward()")
    if missing:
        notes.append(f"{missing} large nodes' gradients not kept by backward")
    return found
