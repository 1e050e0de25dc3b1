"""Checking gradients: finite differences, per-op blame, and anomaly mode.

``gradcheck`` compares reverse-mode gradients with central differences
    df/dx_i ~ (f(x + eps e_i) - f(x - eps e_i)) / (2 eps)
in float64, and on failure names the worst element. With ``per_op=True`` a failure is traced
to the op whose rule is wrong, by checking every node of the graph on its own inputs.
"""
from __future__ import annotations

import contextlib

import numpy as np

from .modes import STATE
from .tensor import Tensor, tensor


class GradcheckError(AssertionError):
    """Analytic and numeric gradients disagree."""


def _float64_inputs(inputs):
    inputs = (inputs,) if isinstance(inputs, Tensor) or not isinstance(inputs, (tuple, list)) \
        else tuple(inputs)
    return [np.array((x.numpy() if isinstance(x, Tensor) else np.asarray(x)), dtype=np.float64)
            for x in inputs]


def _scalar_value(f, arrays, weights):
    out = f(*[tensor(a) for a in arrays])
    return float(np.sum(out.numpy().astype(np.float64) * weights))


def numeric_gradients(f, arrays, weights, eps):
    """Central differences of sum(f(x) * weights) for every element of every input."""
    grads = []
    for a in arrays:
        g = np.zeros_like(a)
        for i in np.ndindex(a.shape):
            old = a[i]
            a[i] = old + eps
            plus = _scalar_value(f, arrays, weights)
            a[i] = old - eps
            minus = _scalar_value(f, arrays, weights)
            a[i] = old
            g[i] = (plus - minus) / (2 * eps)
        grads.append(g)
    return grads


def analytic_gradients(f, arrays, weights):
    """Reverse-mode gradients of sum(f(x) * weights)."""
    from .reverse import gradients
    leaves = [tensor(a, requires_grad=True) for a in arrays]
    out = f(*leaves)
    if not out.requires_grad:
        return [np.zeros_like(a) for a in arrays]
    grads = gradients(out, leaves, grad_outputs=tensor(weights))
    return [g.numpy() for g in grads]


def gradcheck(f, inputs, eps: float = 1e-6, atol: float = 1e-5, rtol: float = 1e-3,
              per_op: bool = False, seed: int = 0) -> bool:
    """True when reverse mode matches finite differences; else raises naming the worst element.

    The output is contracted with fixed random weights, so every output element is checked.
    """
    arrays = _float64_inputs(inputs)
    out = f(*[tensor(a) for a in arrays])
    weights = np.random.default_rng(seed).standard_normal(out.shape)
    analytic = analytic_gradients(f, arrays, weights)
    numeric = numeric_gradients(f, arrays, weights, eps)
    worst = None
    for k, (a, n) in enumerate(zip(analytic, numeric)):
        excess = np.abs(a - n) - (atol + rtol * np.abs(n))
        if excess.size and (excess.max() > 0 or not np.isfinite(a).all()):
            i = np.unravel_index(np.nanargmax(np.where(np.isfinite(excess), excess, np.inf)),
                                 excess.shape)
            if worst is None or excess[i] > worst[0]:
                worst = (excess[i], k, i, a[i], n[i])
    if worst is None:
        return True
    _, k, i, a, n = worst
    message = (f"gradcheck: input {k} element {tuple(int(j) for j in i)}: "
               f"reverse mode gives {a:.8g}, finite differences give {n:.8g}")
    if per_op:
        broken = find_broken_ops(f, arrays, eps, atol, rtol)
        message += ("; wrong rule in op(s): " + ", ".join(broken)) if broken else \
            "; every op passes on its own (the composition is wrong)"
    raise GradcheckError(message)


def gradgradcheck(f, inputs, eps: float = 1e-6, atol: float = 1e-5, rtol: float = 1e-3,
                  seed: int = 1) -> bool:
    """Check second derivatives: gradcheck of the (recorded) gradient of sum(f(x) * v)."""
    from .reverse import gradients
    arrays = _float64_inputs(inputs)
    out = f(*[tensor(a) for a in arrays])
    v = tensor(np.random.default_rng(seed).standard_normal(out.shape))
    n = len(arrays)

    def first_derivatives(*xs):
        xs = [x if x.requires_grad else Tensor._wrap(x.array).requires_grad_() for x in xs]
        y = f(*xs)
        if not y.requires_grad:
            return tensor(np.zeros(sum(x.numel() for x in xs)))
        grads = gradients(y, xs, grad_outputs=v, create_graph=True)
        from .ops.shape import concatenate, reshape
        return concatenate([reshape(g, (-1,)) for g in grads]) if n > 1 else reshape(grads[0], (-1,))
    return gradcheck(first_derivatives, arrays, eps, atol, rtol, seed=seed)


def find_broken_ops(f, arrays, eps=1e-6, atol=1e-5, rtol=1e-3) -> list[str]:
    """Names of the ops in f's graph whose own rule fails a gradcheck on its actual inputs."""
    from .reverse import topological_order
    from .tensor import apply
    leaves = [tensor(a, requires_grad=True) for a in arrays]
    out = f(*leaves)
    broken = []
    for node in topological_order([out]):
        if node._op is None or node._inputs is None:
            continue
        op, params = node._op, node._params
        inputs = [x.numpy().astype(np.float64) if x.dtype.kind == "f" else x.numpy()
                  for x in node._inputs]
        float_positions = [i for i, x in enumerate(node._inputs)
                           if x.dtype.kind == "f" and op.rule(i) is not None]

        def local(*xs, _inputs=inputs, _pos=float_positions, _op=op, _params=params):
            args = [tensor(a) for a in _inputs]
            for p, x in zip(_pos, xs):
                args[p] = x
            return apply(_op, *args, **_params)
        try:
            gradcheck(local, [inputs[p] for p in float_positions], eps, atol, rtol)
        except GradcheckError:
            if op.name not in broken:
                broken.append(op.name)
    return broken


# ---- anomaly mode ---------------------------------------------------------------------------
@contextlib.contextmanager
def detect_anomaly():
    """Raise at the first op whose forward or backward makes NaN or Inf, naming the op and the
    line of user code that built it. Slower: every op records where it was made."""
    previous = STATE.anomaly
    STATE.anomaly = True
    try:
        yield
    finally:
        STATE.anomaly = previous


def _finite(t: Tensor) -> bool:
    if t.dtype.kind not in "fc":
        return True
    return bool(t.backend.xp.isfinite(t.array).all())


def check_forward(op, result: Tensor, inputs) -> None:
    if not _finite(result) and all(_finite(x) for x in inputs):
        raise FloatingPointError(
            f"anomaly: op '{op.name}' produced NaN/Inf in its forward pass, at {result._site}")


def check_backward(node: Tensor, i: int, dx: Tensor) -> None:
    if not _finite(dx):
        raise FloatingPointError(
            f"anomaly: the backward of op '{node._op.name}' produced NaN/Inf for its input {i}; "
            f"the op was built at {node._site or '<unknown>'}")
