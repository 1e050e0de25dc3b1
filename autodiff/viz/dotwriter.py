"""Writing a planned picture as DOT: tensor boxes, op ovals, folded scopes, edges, clusters.

``draw`` decides *what* to show (``layout.plan``) and computes the gradients; this module
only turns that into Graphviz statements, one cluster per open scope.
"""
from __future__ import annotations

import numpy as np

from ..tensor import Tensor
from . import labels
from .labels import escape
from .layout import MAX_FAN
from .symbolic import is_symbolic, local_gradient, name_values, numeric, tidy_array

HIGHLIGHT = "#d62728"
EDGE_WIDTH, EDGE_LINES = 30, 3    # longer edge labels move to a table beside the graph
LEAF_FAN = 4                      # an input's further uses are drawn from copies of its name


class Writer:
    """Turns a layout into DOT statements, cluster by cluster."""

    def __init__(self, layout, output, values, grad_of, subs, highlight, names, local_cache,
                 grad_texts):
        self.layout, self.output, self.values = layout, output, values
        self.grad_of, self.subs, self.highlight = grad_of, subs, highlight
        self.names, self.local_cache, self.grad_texts = names, local_cache, grad_texts
        self.index = {id(t): k for k, t in enumerate(layout.tensors)}
        self.box_names = {key: f"b{k}" for k, key in enumerate(layout.boxes)}
        self.clusters: dict[tuple, list] = {(): []}
        self.cluster_ids: dict[tuple, int] = {}
        self.count = 0
        self.coloured = False
        self.long_labels: list[str] = []
        self.fanned_out = False             # a tensor of many consumers drawn as copies
        self.named_values = None            # the numbers behind v1, v2, ... (with at=)

    def node_of(self, t: Tensor) -> str | None:
        item = self.layout.item(t)
        if item is None:
            return None
        if item in self.layout.hidden:
            return "hidden"
        return f"t{self.index[id(t)]}" if item[0] == "t" else self.box_names[item[1]]

    def add(self, path, name, **attrs):
        for k in range(len(path) + 1):
            self.clusters.setdefault(path[:k], [])
        self.clusters[path].append((name, attrs))
        self.count += 1

    def emit(self, picture):
        edges = []
        for t in self.layout.tensors:
            if id(t) in self.layout.place and ("t", id(t)) not in self.layout.hidden:
                self.tensor_nodes(t, edges)
        for key, box in self.layout.boxes.items():
            if ("b", key) not in self.layout.hidden:
                self.box_node(box, edges)
        if self.layout.hidden:
            self.add((), "hidden", label=f"... {self.layout.hidden_nodes} more nodes",
                     shape="note", style="filled", fillcolor="#eeeeee")
        if self.long_labels:
            self.add((), "locals", label=self.long_label_table(), shape="plaintext")
        self.emit_cluster(picture, ())
        seen = set()
        hidden: dict[str, int] = {}
        fan: dict[str, int] = {}
        for src, dst, attrs in edges:       # x * x keeps both edges; into a box, one is enough
            if src == "hidden":             # everything cut away: one edge, with a count
                hidden[dst] = hidden.get(dst, 0) + 1
                continue
            key = (src, dst, attrs.get("label"))
            if dst.startswith("b") and key in seen:
                continue
            seen.add(key)
            fan[src] = fan.get(src, 0) + 1
            limit = LEAF_FAN if attrs.pop("leaf", False) else MAX_FAN
            if fan[src] > limit:            # an input used all over the graph: dot spends
                src = self.reference(picture, src, fan[src])   # minutes on its long edges
            picture.edge(src, dst, **attrs)
        for dst, n in hidden.items():
            picture.edge("hidden", dst, label=_counted(n, "input") if n > 1 else "",
                         style="dashed")

    def reference(self, picture, src: str, k: int) -> str:
        """A small stand-in for tensor ``src`` as the input of its ``k``-th consumer."""
        self.fanned_out = True
        t = self.layout.tensors[int(src[1:])] if src[:1] == "t" and src[1:].isdigit() else None
        name = self.title(t) if t is not None else ""
        picture.node(f"{src}_ref{k}", label=escape(f"↪ {name or 'the same input'}"),
                     shape="plaintext", fontcolor="#555555")
        return f"{src}_ref{k}"

    def emit_cluster(self, graph, path):
        for name, attrs in self.clusters[path]:
            graph.node(name, **attrs)
        children = [p for p in self.clusters if len(p) == len(path) + 1 and p[:-1] == path]
        for child in children:
            number = self.cluster_ids.setdefault(child, len(self.cluster_ids))
            with graph.subgraph(name=f"cluster_{number}") as sub:
                sub.attr(label=escape(child[-1]), style="rounded,dashed", color="#888888",
                         fontcolor="#555555")
                self.emit_cluster(sub, child)

    # ---- the nodes ---------------------------------------------------------------------
    def tensor_nodes(self, t: Tensor, edges):
        name = self.node_of(t)
        path = self.layout.place[id(t)]
        lit = id(t) in self.highlight.nodes
        if t._op is None and not t.requires_grad and t is not self.output:
            self.add(path, name, label=self.constant_label(t), shape="plaintext",
                     fontcolor="#555555")
            return
        self.add(path, name, label=self.tensor_label(t), shape="box", **self.style(t, lit))
        if t._op is None:
            return
        op_name = f"op{self.index[id(t)]}"
        freed = t._inputs is None
        op_lit = any((id(x), id(t)) in self.highlight.edges for x in t._inputs or ())
        self.add(path, op_name, label=escape(_op_text(t) + (" (freed)" if freed else "")),
                 shape="ellipse", style="filled", fillcolor="#fff3c4",
                 **({"color": HIGHLIGHT, "penwidth": "3"} if op_lit else {}))
        edges.append((op_name, name, {}))
        for i, x in enumerate(t._inputs or ()):
            src = self.node_of(x)
            if src is None:
                continue
            attrs = {}
            if src == "hidden" or src.startswith("b"):
                attrs["label"] = escape(_shape_text(x.shape))
            if (id(t), i) not in self.local_cache:
                self.local_cache[id(t), i] = (local_gradient(t, i, self.names)
                                              if x.requires_grad else None)
            local = self.local_cache[id(t), i]
            if local is not None:
                text = local if isinstance(local, str) else self.local_text(local)
                self.edge_label(attrs, t, x, text)
            if (id(x), id(t)) in self.highlight.edges:
                attrs.update(color=HIGHLIGHT, penwidth="3", fontcolor=HIGHLIGHT)
            if x._op is None:
                attrs["leaf"] = True
            edges.append((src, op_name, attrs))

    def box_node(self, box, edges):
        name = self.box_names[box.key]
        params = [a for a in box.absorbed if a.requires_grad]
        count = sum(a.numel() for a in params)
        rows = [f"<b>{escape(box.key[-1])}</b>",
                _counted(len(box.members), "op")
                + (f" · {_counted(count, 'parameter')}" if params else "")]
        shown = box.outputs[0] if box.outputs else box.members[-1]
        rows.append(escape(_shape_text(shown.shape) + " · " + _dtype_text(shown)))
        rows.append(self.value_cells(shown))
        label = "<<table border='0' cellspacing='0' cellpadding='1'>" + "".join(
            r if r.startswith("<tr>") else f"<tr><td>{r}</td></tr>" for r in rows if r)
        lit = any(id(t) in self.highlight.nodes for t in box.members)
        self.add(box.key[:-1], name, label=label + "</table>>", shape="box",
                 peripheries="2", **self.style(shown, lit))
        for t in box.members:
            for x in t._inputs or ():
                src = self.node_of(x)
                if src is not None and src != name:
                    edges.append((src, name, {"label": escape(_shape_text(x.shape))}))

    def title(self, t: Tensor) -> str:
        """The node's name, as the derivation calls it (``w0``, ``v3``, ``L``)."""
        return self.names.get(id(t)) or t.name or ("output" if t is self.output else "")

    def tensor_label(self, t: Tensor) -> str:
        rows = []
        title = self.title(t)
        if title:
            rows.append(f"<tr><td><b>{escape(title)}</b></td></tr>")
        meta = _shape_text(t.shape) + " · " + _dtype_text(t)
        rows.append(f"<tr><td><font point-size='8' color='#555555'>{escape(meta)}</font>"
                    "</td></tr>")
        rows.append(self.value_cells(t))
        return "<<table border='0' cellspacing='0' cellpadding='1'>" + "".join(rows) + "</table>>"

    def constant_label(self, t: Tensor) -> str:
        """A constant (data, a target, a coefficient): its value in grey, no box; a scalar
        is just its number."""
        text = labels.summary(numeric(t.numpy(), self.subs))
        title = self.title(t)
        if t.numel() == 1 and not title:
            return escape(text)
        head = escape(title) if title else "<i>constant</i>"
        meta = escape(_shape_text(t.shape) + " · " + _dtype_text(t))
        return (f"<<table border='0' cellspacing='0' cellpadding='1'><tr><td>{head}</td></tr>"
                f"<tr><td><font point-size='8'>{meta}</font></td></tr>"
                f"<tr><td>{_lines(text)}</td></tr></table>>")

    def value_cells(self, t: Tensor) -> str:
        """The value above, the gradient below it in red (as CS231n draws them)."""
        rows = []
        if self.values:
            text = labels.summary(numeric(t.numpy(), self.subs))
            if text != self.title(t):
                rows.append(f"<tr><td>{_lines(text)}</td></tr>")
        grad = self.grad_of.get(id(t))
        if grad is not None:
            if id(t) in self.grad_texts:
                text = self.grad_texts[id(t)]
            else:
                text = labels.summary(tidy_array(numeric(grad, self.subs)))
            rows.append(f"<tr><td><font color='{labels.GRAD_COLOUR}'>"
                        f"{_lines('grad ' + text)}</font></td></tr>")
        return "".join(rows)

    def edge_label(self, attrs: dict, t: Tensor, x: Tensor, text: str) -> None:
        """``∂v1/∂w0 = x0 = -1`` on the edge, wrapped; a longer one is numbered on the edge
        and written out in the table of local gradients beside the graph."""
        top, bottom = self.title(t), self.title(x)
        name = f"∂{top}/∂{bottom}" if top and bottom else "local"
        lines = labels.wrap(f"{name} = {text}", EDGE_WIDTH)
        if len(lines) > EDGE_LINES:
            self.long_labels.append(f"{name} = {text}")
            lines = [f"{name} [{len(self.long_labels)}]"]
        attrs.update(label="\n".join(escape(line) for line in lines), decorate="true")

    def long_label_table(self) -> str:
        rows = "".join(f"<tr><td align='left' valign='top'>[{k}]</td>"
                       f"<td align='left'>{_lines(text, 60)}</td></tr>"
                       for k, text in enumerate(self.long_labels, 1))
        return ("<<table border='0' cellborder='0' cellspacing='0' cellpadding='2'>"
                "<tr><td colspan='2' align='left'><b>local gradients</b></td></tr>"
                f"{rows}</table>>")

    def style(self, t: Tensor, lit: bool) -> dict:
        attrs = {"style": "filled,rounded"}
        grad = self.grad_of.get(id(t))
        if grad is None:
            attrs["fillcolor"] = labels.NO_GRAD_FILL
            if not t.requires_grad:
                attrs["style"] = "filled,rounded,dashed"
        else:
            rms = labels.magnitude(numeric(grad, self.subs))
            self.coloured = self.coloured or rms is not None
            attrs["fillcolor"] = labels.fill_for(rms)
        if lit:
            attrs.update(color=HIGHLIGHT, penwidth="3")
        elif t is self.output:
            attrs["penwidth"] = "2"
        return attrs

    def local_text(self, local) -> str:
        if local.is_number:
            return labels.number(local)
        text = str(local)
        if self.subs:
            if self.named_values is None:
                self.named_values = {**self.subs, **name_values(
                    self.layout.tensors, self.names, self.subs)}
            value = numeric(np.array([local], dtype=object), self.named_values)
            if value.dtype != object:
                text += f" = {labels.number(value[0])}"
        return text


def _lines(text: str, width: int = 40, most: int = 3) -> str:
    """Escaped text wrapped at spaces into at most ``most`` lines (HTML-like label)."""
    lines = labels.wrap(text, width)
    if len(lines) > most:
        lines = lines[:most]
        lines[-1] += " …"
    return "<br/>".join(escape(line) for line in lines)


def _counted(n: int, what: str) -> str:
    return f"{n:,} {what}" + ("" if n == 1 else "s")


def _shape_text(shape) -> str:
    return "scalar" if not shape else "×".join(str(n) for n in shape)


def _dtype_text(t: Tensor) -> str:
    return "sympy" if is_symbolic(t) else str(t.dtype)


def _op_text(t: Tensor) -> str:
    """The op's display form and its simple settings (``sum axis=1``)."""
    shown = []
    for key, value in (t._params or {}).items():
        if key == "keepdims" and not value:
            continue
        if value is None or isinstance(value, (bool, int, float, str)) or (
                isinstance(value, tuple) and all(isinstance(v, int) for v in value)):
            shown.append(f"{key}={value}")
        elif hasattr(value, "name") and isinstance(value.name, str):
            shown.append(f"{key}={value.name}")            # a dtype
    text = " ".join([t._op.display] + shown)
    return labels.shorten(text, 36)
