"""Forward mode: push tangents from the inputs to the output, node by node.

Each node's tangent comes from its inputs' tangents through the op's JVP rule:
``LINEAR`` ops apply themselves to the tangents, ``ELEMENTWISE`` ops multiply each tangent
by their local derivative, the rest have a rule of their own. One pass gives one column of
the Jacobian (J @ tangent), where reverse mode gives one row (cotangent @ J).
"""
from __future__ import annotations

from .modes import enable_grad
from .ops.shape import broadcast_to
from .primitive import ELEMENTWISE, LINEAR
from .reverse import topological_order
from .tensor import Tensor, apply


def _zeros_like(t: Tensor) -> Tensor:
    return Tensor._wrap(t.backend.xp.zeros(t.array.shape, dtype=t.dtype))


def push_tangent(node: Tensor, tangents: list) -> Tensor:
    """The tangent of ``node`` from its inputs' tangents (None means zero)."""
    op, inputs, params = node._op, node._inputs, node._params
    if op.jvp == LINEAR:
        args = [x if op.rule(i) is None else (t if t is not None else _zeros_like(x))
                for i, (x, t) in enumerate(zip(inputs, tangents))]
        return apply(op, *args, **params)
    if op.jvp == ELEMENTWISE:
        total = None
        for i, t in enumerate(tangents):
            if t is None or op.rule(i) is None:
                continue
            part = op.rule(i)(t, node, *inputs, **params)
            if part.shape != node.shape:
                part = broadcast_to(part, node.shape)
            total = part if total is None else total + part
        return total
    return op.jvp(tangents, node, *inputs, **params)


def forward_tangents(outputs, inputs, tangents) -> list:
    """Tangents of ``outputs`` given tangents of ``inputs``, through the recorded graph."""
    known = {id(x): t for x, t in zip(inputs, tangents)}
    for node in reversed(topological_order(outputs)):       # inputs before their consumers
        if node._op is None or id(node) in known:
            continue
        if node._inputs is None or node._freed and node._op.saves:
            raise RuntimeError(f"jvp: the graph of op '{node._op.name}' was freed")
        ins = [known.get(id(x)) for x in node._inputs]
        if any(t is not None for t in ins):
            known[id(node)] = push_tangent(node, ins)
    return [known.get(id(o)) if known.get(id(o)) is not None else _zeros_like(o) for o in outputs]


def trace(f, primals):
    """Run ``f`` on fresh leaves (copies of ``primals`` that require a gradient)."""
    from .transforms import as_leaf
    leaves = [as_leaf(p) for p in primals]
    with enable_grad():
        out = f(*leaves)
    return leaves, out
