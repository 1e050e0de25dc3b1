"""Reverse mode: walk the graph from the output back to the leaves, once, in topological order.

For every node, in an order where each node comes after all of its consumers:
    for each input i:  downstream_i = rule_i(upstream, ...)   (upstream x local)
    summed into that input's gradient (fan-out adds), after un-broadcasting to its shape.
The order is computed without recursion, so a chain of any depth works.
"""
from __future__ import annotations

import sys

from .modes import STATE, _GradMode
from .ops.elementwise import astype
from .ops.reduce import sum_to
from .tensor import Tensor, tensor


def topological_order(roots, constants: bool = False) -> list[Tensor]:
    """Every tensor that needs a gradient and leads to ``roots``, each after all its consumers
    (with ``constants``, also the inputs that need none: pictures show them).

    Reversed, it is the depth-first post-order that visits inputs left to right, so
    ``w0*x0 + w1*x1`` reads in order: w0*x0, then w1*x1, then their sum.
    """
    order, visited = [], set()
    stack = [(root, False) for root in roots]
    while stack:
        node, expanded = stack.pop()
        if expanded:
            order.append(node)
            continue
        if id(node) in visited:
            continue
        visited.add(id(node))
        stack.append((node, True))
        for parent in reversed(node._inputs or ()):     # popped first to last: left to right
            if (constants or parent.requires_grad) and id(parent) not in visited:
                stack.append((parent, False))
    order.reverse()
    return order


def _seed(root: Tensor, grad) -> Tensor:
    if grad is None:
        if root.array.size != 1:
            raise RuntimeError(
                f"backward: the output has shape {root.shape}; only a one-element output has an "
                "implicit gradient of 1, so pass grad= with the output's shape (or reduce it, "
                "e.g. .sum())")
        return Tensor._wrap(root.backend.xp.ones(root.array.shape, dtype=root.dtype))
    grad = grad if isinstance(grad, Tensor) else tensor(grad, dtype=root.dtype)
    if grad.shape != root.shape:
        raise ValueError(f"backward: grad has shape {grad.shape} but the output has {root.shape}")
    return grad


def _freed_error(node: Tensor) -> RuntimeError:
    where = f" (built at {node._site})" if node._site else ""
    return RuntimeError(
        f"backward: op '{node._op.name}'{where} was already differentiated and its saved values "
        "were freed; pass retain_graph=True to the first backward() to go through it again")


def run_backward(roots, seeds, retain_graph=False, create_graph=False, capture=None):
    """The one backward loop.

    With ``capture`` (a list of tensors) it returns their gradients and touches no ``.grad``;
    without, it accumulates into every leaf's ``.grad`` (and tensors that ``retain_grad()``).
    """
    for root in roots:
        if not root.requires_grad:
            raise RuntimeError(
                "backward: the output does not require a gradient: no input has "
                "requires_grad=True, or it was computed under no_grad() or by a comparison")
    grads = {}
    for root, seed in zip(roots, seeds):
        grads[id(root)] = grads[id(root)] + seed if id(root) in grads else seed
    wanted = {id(t): None for t in capture} if capture is not None else None
    with _GradMode(create_graph):
        for node in topological_order(roots):
            g = grads.pop(id(node), None)
            if g is None:
                continue
            if wanted is not None:
                if id(node) in wanted:
                    wanted[id(node)] = g
            elif node._op is None or node._retains_grad:
                g_kept = g if create_graph else g.detach()
                node.grad = g_kept if node.grad is None else node.grad + g_kept
            if node._op is None:
                continue
            if node._inputs is None:
                raise _freed_error(node)
            _propagate(node, g, grads)
            if not retain_graph:
                node._inputs = None      # drop the saved inputs: the graph can be freed
                node._params = None
    if capture is not None:
        return [wanted[id(t)] for t in capture]
    return None


def _propagate(node: Tensor, g: Tensor, grads: dict) -> None:
    """downstream = upstream x local for each input of ``node``, summed into ``grads``."""
    op, inputs, params = node._op, node._inputs, node._params
    for i, x in enumerate(inputs):
        if not x.requires_grad:
            continue
        rule = op.rule(i)
        if rule is None:
            continue
        if STATE.anomaly:
            # the rule's own ops are not checked one by one: a NaN they make is reported
            # below as this op's backward, naming where the user built it
            STATE.anomaly = False
            try:
                dx = rule(g, node, *inputs, **params)
            finally:
                STATE.anomaly = True
        else:
            dx = rule(g, node, *inputs, **params)
        wanted = x.array
        if dx.array.shape != wanted.shape:
            dx = sum_to(dx, wanted.shape)
        if dx.array.dtype != wanted.dtype and wanted.dtype != object:
            dx = astype(dx, wanted.dtype)
        if STATE.anomaly:
            from .testing import check_backward
            check_backward(node, i, dx)
        _accumulate(grads, id(x), dx)


def _sole_reference_count() -> int:
    """What ``sys.getrefcount`` reads for an object that one local variable holds."""
    probe = object()
    return sys.getrefcount(probe)


_SOLE = _sole_reference_count()


def _accumulate(grads: dict, key: int, dx: Tensor) -> None:
    """grads[key] += dx (fan-out: a tensor used twice gets the sum of both gradients).

    When the backward pass is not itself recorded, the sum is written into the memory of the
    gradient already there if nothing else can see that memory: no other reference to the
    tensor or its array (CPython's reference counts; NumPy elides its own temporaries by the
    same test), no view. It saves an allocation and a pass of writes, e.g. for ``x * x``.
    """
    total = grads.pop(key, None)
    if total is None:
        grads[key] = dx
        return
    array = total.array
    # ``total`` must be held by this frame only, ``array`` by this frame and the tensor's
    # slot only: anything more is a sharer. (What a count reads for "this frame only" is
    # measured once, as interpreters differ in how they count a call's own argument.)
    if (not STATE.grad_enabled and sys.getrefcount(total) == _SOLE
            and sys.getrefcount(array) == _SOLE + 1
            and array.base is None and array.dtype == dx.array.dtype):
        array += dx.array
        grads[key] = total
    else:
        grads[key] = total + dx


def backward(root: Tensor, grad=None, retain_graph: bool = False, create_graph: bool = False):
    """Accumulate d(root)/d(leaf) into ``leaf.grad`` for every leaf that requires a gradient.

    ``retain_graph`` keeps the graph for another backward; ``create_graph`` records the
    backward pass itself so that gradients can be differentiated again.
    """
    run_backward([root], [_seed(root, grad)], retain_graph or create_graph, create_graph)


def gradients(outputs, inputs, grad_outputs=None, retain_graph: bool | None = None,
              create_graph: bool = False):
    """d(outputs)/d(inputs) as a list, without touching any ``.grad`` (``torch.autograd.grad``)."""
    outputs = [outputs] if isinstance(outputs, Tensor) else list(outputs)
    single = isinstance(inputs, Tensor)
    inputs = [inputs] if single else list(inputs)
    if grad_outputs is None or isinstance(grad_outputs, Tensor):
        grad_outputs = [grad_outputs] * len(outputs)
    seeds = [_seed(o, g) for o, g in zip(outputs, grad_outputs)]
    keep = create_graph if retain_graph is None else retain_graph
    found = run_backward(outputs, seeds, keep, create_graph, capture=inputs)
    found = [g if g is not None else Tensor._wrap(x.backend.xp.zeros(x.array.shape, x.dtype))
             for g, x in zip(found, inputs)]
    return found[0] if single else found
