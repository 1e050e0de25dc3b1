"""Reverse mode: walk the graph from the output back to the leaves, once, in topological order.

For every node, in an order where each node comes after all of its consumers:
    for each input i:  downstream_i = rule_i(upstream, ...)   (upstream x local)
    summed into that input's gradient (fan-out adds), after un-broadcasting to its shape.
The order is computed without recursion, so a chain of any depth works.
"""
from __future__ import annotations

import sys

import numpy as np

from . import version
from .modes import STATE, _GradMode
from .ops.elementwise import astype
from .ops.reduce import sum_to
from .primitive import LINEAR
from .tensor import HOOKED, Tensor, tensor


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
        "Trying to backward through the graph a second time (or directly access saved tensors "
        f"after they have already been freed): op '{node._op.name}'{where} was already "
        "differentiated and its saved values were freed; pass retain_graph=True to the first "
        "backward() to go through it again")


# Backward keeps each node's gradient for pictures (``ad.draw`` after ``backward()``) when it
# is small: a teaching graph keeps them all, a training batch's large activations keep none
# (they would double the memory a held graph takes).
KEEP_NODE_GRAD_MAX = 1 << 16


def _check_versions(node: Tensor) -> None:
    """Raise PyTorch's error when a value ``node``'s rule needs was written in place after
    ``node`` was recorded (called only when some in-place write happened since)."""
    from .autograd import backward_name
    needed = _values_needed(node)
    for k, x in enumerate([node, *node._inputs]):
        role = "output 0" if k == 0 else f"input {k - 1}"
        if k and getattr(x, "_rebound_at", 0) > node._epoch:
            raise RuntimeError(
                "one of the variables needed for gradient computation has been modified by an "
                f"inplace operation: [{x.dtype} tensor {list(x.shape)}], {role} of "
                f"{backward_name(node._op)} (op '{node._op.name}'), was made to stand for a new "
                "node by an in-place op after this op used it. Hint: use the out-of-place op "
                "(y = y + 1), or clone() the tensor before changing it")
        counter = version.written_since(x.array, node._epoch) if needed[k] else None
        if counter is not None:
            ops = ", ".join(sorted({op for t, op in counter.edits if t > node._epoch}))
            raise RuntimeError(
                "one of the variables needed for gradient computation has been modified by an "
                f"inplace operation: [{x.dtype} tensor {list(x.shape)}], which is {role} of "
                f"{backward_name(node._op)} (op '{node._op.name}'), is at version "
                f"{counter.version}; expected version {counter.version_at(node._epoch)} "
                f"instead (changed by {ops}). Hint: do the in-place change after backward(), "
                "or on a copy (clone())")


def _values_needed(node: Tensor) -> list[bool]:
    """Which of (output, input 0, input 1, ...) the rules this backward runs will read."""
    op, inputs = node._op, node._inputs
    if op.jvp == LINEAR:                 # a linear op's rules read shapes only, never values
        return [False] * (1 + len(inputs))
    ctx = (node._params or {}).get("ctx") if op.meta.get("function") else None
    if ctx is not None:                  # a Function needs exactly what it saved
        kept = {tuple(s) for s in ctx._saved if s[0] != "value"}
        return [("output",) in kept] + [("input", k) in kept for k in range(len(inputs))]
    needed = [False] * (1 + len(inputs))
    for i, x in enumerate(inputs):
        rule = op.rule(i) if x.requires_grad else None
        if rule is None:
            continue
        found = version.reads(rule)
        for k in range(len(needed)):
            needed[k] = needed[k] or found is None or k >= len(found) or found[k]
    return needed


def _release_saved(node: Tensor) -> None:
    """After backward: free what only a second backward would read (the arrays an op's
    forward saved for its rules, e.g. a convolution's im2col matrix)."""
    node._params = {k: v for k, v in node._params.items() if k not in node._op.saves}


def run_backward(roots, seeds, retain_graph=False, create_graph=False, capture=None,
                 only=None):
    """The one backward loop.

    With ``capture`` (a list of tensors) it returns their gradients and touches no ``.grad``;
    without, it accumulates into every leaf's ``.grad`` (and tensors that ``retain_grad()``),
    or with ``only`` (a list of tensors) into theirs alone.
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
    handed = {id(seed.array) for seed in seeds}     # the caller's arrays, then each .grad's
    into = None if only is None else {id(t) for t in only}
    now = version.CLOCK[0]
    hooked = HOOKED[0]
    with _GradMode(create_graph):
        for node in topological_order(roots):
            g = grads.pop(id(node), None)
            if g is None:
                continue
            if hooked and getattr(node, "_hooks", None):
                g = _run_hooks(node._hooks, g)
            if wanted is not None:
                if id(node) in wanted:
                    wanted[id(node)] = g
            elif (node._op is None or node._retains_grad) and (into is None or id(node) in into):
                g_kept = g if create_graph else g.detach()
                if node.grad is None:
                    node.grad = _owned(g_kept, handed)
                    handed.add(id(node.grad.array))
                else:
                    node.grad = _accumulate_grad(node.grad, g_kept, create_graph)
            if node._op is None:
                continue
            if node._freed:
                raise _freed_error(node)
            if node._epoch != now:
                _check_versions(node)
            if wanted is None and g.array.size <= KEEP_NODE_GRAD_MAX:
                node._backward_grad = g.detach() if create_graph else g    # g has no graph
            _propagate(node, g, grads)
            if not retain_graph:
                node._freed = True        # structure and values stay (pictures)
                if node._op.saves:
                    _release_saved(node)
    if capture is not None:
        return [wanted[id(t)] for t in capture]
    return None


def _accumulate_grad(grad: Tensor, g: Tensor, create_graph: bool) -> Tensor:
    """``.grad`` + g for a second backward: added in place, as PyTorch does (the ``.grad``
    tensor stays the same object, no new array); a recorded backward (create_graph) or a
    ``.grad`` that cannot take the sum in place gets a new tensor instead."""
    array = grad.array
    if (create_graph or grad.requires_grad or not isinstance(array, np.ndarray)
            or not array.flags.writeable or array.dtype != g.array.dtype
            or array.shape != g.array.shape):
        return grad + g
    array += g.array
    version.bump(array, "AccumulateGrad")
    return grad


def _run_hooks(hooks: dict, g: Tensor) -> Tensor:
    """``register_hook`` hooks, in order; a tensor one returns becomes the gradient."""
    for hook in list(hooks.values()):
        out = hook(g)
        if out is not None:
            g = out if isinstance(out, Tensor) else tensor(out, dtype=g.dtype)
    return g


def _propagate(node: Tensor, g: Tensor, grads: dict) -> None:
    """downstream = upstream x local for each input of ``node``, summed into ``grads``."""
    op, inputs, params = node._op, node._inputs, node._params
    every = _call(op.vjp_all, g, node, inputs, params) if op.vjp_all is not None else None
    for i, x in enumerate(inputs):
        if not x.requires_grad:
            continue
        if every is not None:
            dx = every[i]
        else:
            rule = op.rule(i)
            if rule is None:
                continue
            dx = _call(rule, g, node, inputs, params)
        wanted = x.array
        if dx.array.shape != wanted.shape:
            dx = sum_to(dx, wanted.shape)
        if dx.array.dtype != wanted.dtype and wanted.dtype != object:
            dx = astype(dx, wanted.dtype)
        if STATE.anomaly:
            from .testing import check_backward
            check_backward(node, i, dx)
        _accumulate(grads, id(x), dx)


def _call(rule, g: Tensor, node: Tensor, inputs, params):
    if not STATE.anomaly:
        return rule(g, node, *inputs, **params)
    # the rule's own ops are not checked one by one: a NaN they make is reported by the
    # caller as this op's backward, naming where the user built it
    STATE.anomaly = False
    try:
        return rule(g, node, *inputs, **params)
    finally:
        STATE.anomaly = True


def _owned(g: Tensor, handed: set) -> Tensor:
    """``g`` as a ``.grad`` that owns its memory: writable, C-contiguous, seen by no other
    tensor. Rules hand out what is cheapest (``add`` gives both inputs the same array, ``sum``
    a read-only broadcast view), so a copy is made only where that would show."""
    array = g.array
    flags = getattr(array, "flags", None)
    base = getattr(array, "base", None)
    if id(array) not in handed and (flags is None or (
            flags.c_contiguous and getattr(flags, "writeable", True))) and (
            base is None or isinstance(array, np.ndarray) and isinstance(base, np.ndarray)
            and sys.getrefcount(base) == _SOLE + 1):          # a view of memory no one else sees
        return g
    if STATE.grad_enabled:          # create_graph: the copy stays in the graph
        return g * 1
    copy = g.backend.xp.empty(array.shape, dtype=array.dtype)
    copy[...] = array
    return Tensor._wrap(copy)


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


def backward(root, grad=None, retain_graph: bool | None = None, create_graph: bool = False,
             inputs=None):
    """Accumulate d(root)/d(leaf) into ``leaf.grad`` for every leaf that requires a gradient.

    ``retain_graph`` (default: ``create_graph``) keeps the graph for another backward;
    ``create_graph`` records the backward pass itself so that gradients can be differentiated
    again; ``inputs`` limits which tensors' ``.grad`` it fills. ``root`` may be a list of
    outputs (with a list of seeds), as in ``torch.autograd.backward``.
    """
    keep = create_graph if retain_graph is None else retain_graph
    if isinstance(root, Tensor) and inputs is None:        # the common case, kept short
        run_backward([root], [_seed(root, grad)], keep, create_graph)
        return
    roots = [root] if isinstance(root, Tensor) else list(root)
    grads = [grad] * len(roots) if grad is None or isinstance(grad, Tensor) or len(roots) == 1 \
        else list(grad)
    only = None if inputs is None else [inputs] if isinstance(inputs, Tensor) else list(inputs)
    run_backward(roots, [_seed(r, g) for r, g in zip(roots, grads)], keep, create_graph,
                 only=only)


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
