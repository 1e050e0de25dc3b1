"""Symbolic graphs in pictures: local gradients on the edges, and numbers put in for symbols.

A graph built from ``ad.symbols`` holds SymPy expressions. Its edges can carry the *local*
gradient d(out)/d(in): the op's own VJP rule applied to an upstream gradient of 1, which is
exactly the factor the chain rule multiplies by on that edge.
"""
from __future__ import annotations

import contextlib

import numpy as np
import sympy

from ..modes import no_grad
from ..tensor import Tensor
from . import labels

SIMPLIFY_LIMIT = 40   # simplify expressions up to this many operations (larger ones are slow)


def is_symbolic(t: Tensor) -> bool:
    return t.array.dtype == object


def tidy(expr):
    """A short form of ``expr``: the shortest of itself, ``together`` and ``cancel``.

    (``simplify`` is slower and likes forms a learner does not expect, such as cosh.)
    """
    expr = sympy.sympify(expr)
    if sympy.count_ops(expr) > SIMPLIFY_LIMIT:
        return expr
    forms = [expr]
    for rewrite in (sympy.together, sympy.cancel):
        with contextlib.suppress(Exception):   # some piecewise forms refuse: keep the rest
            forms.append(rewrite(expr))
    return min(forms, key=lambda form: len(str(form)))


def tidy_array(array: np.ndarray) -> np.ndarray:
    """``tidy`` on every element of a small object array (larger ones are left alone)."""
    if array.dtype != object or array.size > 16:
        return array
    return np.array([tidy(v) for v in array.flat], dtype=object).reshape(array.shape)


def substitutions(at) -> dict:
    """``{symbol: number}`` from values keyed by symbolic tensor, SymPy symbol or name."""
    subs = {}
    for key, value in (at or {}).items():
        if isinstance(key, Tensor):
            if not is_symbolic(key):
                raise TypeError("draw: at= keys must be symbolic tensors (from ad.symbols), "
                                f"SymPy symbols or names, not a numeric tensor of shape "
                                f"{key.shape}")
            values = np.asarray(value.numpy() if isinstance(value, Tensor) else value)
            try:
                values = np.broadcast_to(values, key.shape)
            except ValueError:
                raise ValueError(f"draw: the value for {key.name or 'a symbolic tensor'} has "
                                 f"shape {values.shape}, expected {key.shape}") from None
            for symbol, v in zip(key.array.flat, values.flat):
                subs[symbol] = sympy.sympify(v)
        elif isinstance(key, sympy.Symbol):
            subs[key] = sympy.sympify(value)
        elif isinstance(key, str):
            subs[sympy.Symbol(key, real=True)] = sympy.sympify(value)
        else:
            raise TypeError(f"draw: cannot read an at= key of type {type(key).__name__}")
    return subs


def numeric(array: np.ndarray, subs: dict) -> np.ndarray:
    """``array`` with the numbers put in: float64 when no symbol is left, else expressions."""
    if array.dtype != object or not subs:
        return array
    filled = [sympy.sympify(v).subs(subs) for v in array.flat]
    try:
        return np.array([float(v) for v in filled], dtype=np.float64).reshape(array.shape)
    except (TypeError, ValueError):
        return np.array(filled, dtype=object).reshape(array.shape)


def local_gradient(t: Tensor, i: int, names: dict | None = None):
    """d(t)/d(input i) as one SymPy expression, for scalar nodes of a symbolic graph.

    With ``names`` (id -> name, as the derivation names the nodes) it is written in those
    names, exactly as ``ad.derive`` writes it: d(sigmoid)/dv4 = L*(1 - L), not an expression
    in the leaves."""
    x = t._inputs[i]
    rule = t._op.rule(i)
    if rule is None or t.numel() != 1 or x.numel() != 1 or not is_symbolic(t):
        return None
    ones = Tensor._wrap(np.full(t.shape, sympy.Integer(1), dtype=object))
    forms = [_form(u, names) for u in t._inputs]
    try:
        with no_grad():
            local = rule(ones, _form(t, names), *forms, **t._params)
    except Exception:  # noqa: BLE001 - a rule that refuses symbols: the edge goes unlabelled
        return None
    return tidy(local.array.reshape(-1)[0])


def _form(t: Tensor, names: dict | None) -> Tensor:
    """A scalar node stood in for by the symbol of its name (a leaf keeps its own value)."""
    name = (names or {}).get(id(t))
    if t._op is None or not name or t.shape != ():
        return t
    return Tensor._wrap(np.array(sympy.Symbol(name, real=True), dtype=object))


def name_values(tensors, names: dict, subs: dict) -> dict:
    """``{Symbol(name): number}`` for the scalar nodes whose value is a number once ``subs``
    is put in: the numbers of a local gradient written in the nodes' names."""
    found = {}
    for t in tensors:
        name = names.get(id(t))
        if name and t._op is not None and t.shape == () and is_symbolic(t):
            value = numeric(t.array.reshape(1), subs)
            if value.dtype != object:
                found[sympy.Symbol(name, real=True)] = sympy.Float(value[0])
    return found


def gradient_forms(steps, output) -> dict:
    """Each tensor's final gradient in the nodes' names (``L*(1 - L)``), from the steps."""
    forms = {id(output): plain(getattr(steps[0], "upstream_form", steps[0].upstream))}
    for step in steps:
        receiver = getattr(step, "input", None)
        if receiver is None or getattr(step, "kind", "chain") == "sum":
            receiver = step.node
        form = getattr(step, "downstream_form", step.downstream)
        forms[id(receiver)] = plain(form)
    return {k: v for k, v in forms.items() if not is_number(v)}   # numbers: drawn as usual


def is_number(text: str) -> bool:
    try:
        float(text)
    except ValueError:
        return False
    return True


def plain(value) -> str:
    """Text of a form or value: arrays as lists, floats in 4 significant digits."""
    if isinstance(value, np.ndarray):
        return str(value.tolist())
    if isinstance(value, (float, np.floating)):
        return labels.number(value)
    return str(value)
