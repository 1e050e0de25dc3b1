"""The two walks of a derivation: gradients backwards (reverse mode), tangents forwards.

Both run on the stand-in symbols of :class:`~autodiff.symbolic.graph.Graph` (so each step
reads ``dL/dv4 = L*(1 - L)``) and record one :class:`~autodiff.symbolic.derive.Step` per edge,
plus a "sum" step wherever contributions meet and an "unbroadcast" step wherever a gradient
is summed back to a smaller shape.
"""
from __future__ import annotations

import numpy as np

from ..forward import push_tangent
from ..modes import no_grad
from ..ops.reduce import normalize_axis, sum_to
from ..tensor import Tensor
from .graph import Graph, GraphNode, call_rule, local_jacobian, to_sympy


class NeedsNumbers(ValueError):
    """A rule that compares values (which element is largest) met symbols it cannot order."""


def rule_latex(t: Tensor, i: int) -> str:
    """The line of the op's LaTeX rule that belongs to input ``i`` (the whole rule otherwise)."""
    op = t._op
    parts = [p.strip() for p in op.latex.split(r",\quad")]
    ruled = [k for k in range(len(t._inputs)) if op.rule(k) is not None]
    if len(parts) > 1 and len(parts) == len(ruled) and i in ruled:
        return parts[ruled.index(i)]
    return op.latex


def _local(graph: Graph, node: GraphNode, i: int, forms: bool = True):
    return local_jacobian(node.tensor.shape, lambda G: call_rule(graph, node, i, G, forms))


def _edge(graph: Graph, node: GraphNode, i: int, g: np.ndarray):
    """(local, downstream, g used, in_forms) for one edge of a reverse walk.

    The rule runs on the stand-ins; where it cannot (a rule that compares values, such as
    the first maximum of a pooling window), it runs on the values themselves.
    """
    t = node.tensor
    try:
        local = _local(graph, node, i)
        dx = call_rule(graph, node, i, Tensor._wrap(g)).array
        return local, np.asarray(dx, dtype=object), g
    except (TypeError, ValueError):
        pass
    g = graph.values_of(g)
    try:
        local = _local(graph, node, i, forms=False)
        dx = call_rule(graph, node, i, Tensor._wrap(g), forms=False).array
    except (TypeError, ValueError) as e:
        raise NeedsNumbers(f"derive: {t._op.name} ({node.name}): its gradient depends on how "
                           f"the values compare ({e}); give numbers with .at({{...}}), or put "
                           "numbers in the symbolic tensor") from None
    return local, np.asarray(dx, dtype=object), g


def _step(d, kind, node: GraphNode, other: GraphNode | None, op: str, up, local, down, **extra):
    from .step import Step
    upstream_form = tuple(to_sympy(p) for p in up) if kind == "sum" else to_sympy(up)
    step = Step(kind=kind, node=node.tensor, input=other.tensor if other else None, op=op,
                node_name=node.name, input_name=other.name if other else "",
                upstream_form=upstream_form,
                local_form=None if local is None else to_sympy(local),
                downstream_form=to_sympy(down), mode=d.mode, scope=node.tensor._scope,
                numeric=d.numeric_leaves, values_of=d.graph.values_of,
                raw={"upstream": tuple(up) if kind == "sum" else up, "local": local,
                     "downstream": down}, **extra)
    d._steps.append(step)
    return step


def _accumulate(d, node: GraphNode, parts: list) -> np.ndarray:
    """The sum of the contributions ``node`` received (a "sum" step when there are several)."""
    total = parts[0][0]
    for p, _ in parts[1:]:
        total = total + p
    total = np.asarray(total, dtype=object)
    if len(parts) > 1:
        _step(d, "sum", node, None, "sum", tuple(p for p, _ in parts), None, total,
              sources=tuple(s for _, s in parts),
              rule=r"\bar{x} = \textstyle\sum_{c} \bar{x}_{c}")
    return total


def backward_steps(d, seed: np.ndarray) -> list:
    """Reverse mode: every edge from the output back to the leaves; returns (leaf, gradient)."""
    graph = d.graph
    received = {id(graph.output): [(np.asarray(seed, dtype=object), None)]}
    grads = {}
    for node in graph.backward:
        parts = received.pop(id(node.tensor), None)
        if not parts:
            continue
        g = _accumulate(d, node, parts)
        if node.is_leaf:
            grads[id(node.tensor)] = g
            continue
        t = node.tensor
        for i, x in enumerate(t._inputs):
            if not x.requires_grad or t._op.rule(i) is None:
                continue
            into = graph.node(x)
            local, dx, g_used = _edge(graph, node, i, g)
            _step(d, "chain", node, into, t._op.name, g_used, local.array, dx, index=i,
                  local_kind=local.kind, rule=rule_latex(t, i), nonzeros=local.nonzeros)
            if dx.shape != x.shape:
                dx = _unbroadcast(d, into, dx)
            received.setdefault(id(x), []).append((dx, node.name))
    return [(t, graph.values_of(grads[id(t)]) if id(t) in grads else _zeros(t))
            for t in d.wrt]


def _unbroadcast(d, node: GraphNode, dx: np.ndarray) -> np.ndarray:
    shape = node.shape
    lead = dx.ndim - len(shape)
    axes = tuple(range(lead)) + tuple(lead + k for k, n in enumerate(shape)
                                      if n == 1 and dx.shape[lead + k] != 1)
    with no_grad():
        summed = np.asarray(sum_to(Tensor._wrap(dx), shape).array, dtype=object)
    _step(d, "unbroadcast", node, None, "unbroadcast", dx, None, summed,
          axes=normalize_axis(axes, dx.ndim) if axes else (),
          rule=r"\bar{x} = \textstyle\sum_{\text{broadcast axes}} \bar{y}")
    return summed


def _zeros(t: Tensor) -> np.ndarray:
    from .namespace import SYMPY_NAMESPACE
    return SYMPY_NAMESPACE.zeros(t.shape)


# ---- forward mode ---------------------------------------------------------------------------
def _push(graph: Graph, node: GraphNode, i: int, tangent: np.ndarray, forms: bool):
    """The tangent node i's input contributes to ``node`` (the op's JVP, the others zero)."""
    t = node.tensor
    if forms:
        stand_in = Tensor._wrap(node.symbols)
        stand_in._op, stand_in._params = t._op, t._params
        stand_in._inputs = [graph.form(x) for x in t._inputs]
    else:
        stand_in = t
    tangents = [None] * len(t._inputs)
    tangents[i] = Tensor._wrap(tangent)
    with no_grad():
        return np.asarray(push_tangent(stand_in, tangents).array, dtype=object)


def forward_steps(d, leaf: GraphNode, seed: np.ndarray) -> list:
    """Forward mode: push d(leaf)/d(leaf) = seed through every edge that depends on ``leaf``."""
    graph = d.graph
    tangents = {id(leaf.tensor): np.asarray(seed, dtype=object)}
    for node in graph.forward:
        t = node.tensor
        if node.is_leaf:
            continue
        parts = []
        for i, x in enumerate(t._inputs):
            if id(x) not in tangents or t._op.rule(i) is None:
                continue
            into, tangent = graph.node(x), tangents[id(x)]
            try:
                local = _local(graph, node, i)
                contribution = _push(graph, node, i, tangent, True)
            except (TypeError, ValueError):
                tangent = graph.values_of(tangent)
                local = _local(graph, node, i, forms=False)
                contribution = _push(graph, node, i, tangent, False)
            _step(d, "chain", node, into, t._op.name, tangent, local.array, contribution,
                  index=i, local_kind=local.kind, rule=rule_latex(t, i),
                  nonzeros=local.nonzeros)
            parts.append((contribution, into.name))
        if parts:
            tangents[id(t)] = _accumulate(d, node, parts)
    out = tangents.get(id(graph.output))
    return [(leaf.tensor, graph.values_of(out) if out is not None else _zeros(graph.output))]
