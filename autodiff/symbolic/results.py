"""What a derivation reports besides its steps: gradients (by tensor, symbol or name), and
the cost of a whole Jacobian in each mode.
"""
from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field

import numpy as np
import sympy

from ..tensor import Tensor
from .namespace import exact


def tidy(value):
    """A readable form of a result: over one common denominator (SymPy's ``together``).

    Cheap and predictable: ``simplify`` can take seconds on a tanh and rewrites a sigmoid's
    gradient with ``cosh``, which hides the chain rule a learner just followed; a large
    expression is left as it is.
    """
    if isinstance(value, np.ndarray):
        return np.vectorize(tidy, otypes=[object])(value) if value.size else value
    value = exact(value)
    if value.is_Atom or not is_small(value):
        return value            # ``together`` on a gradient of thousands of terms takes minutes
    return sympy.together(value)


TIDY_LIMIT = 400                # nodes of an expression that ``tidy`` still rewrites


def is_small(expr, limit: int = TIDY_LIMIT) -> bool:
    """Whether ``expr`` has at most ``limit`` nodes (counted without recursion, stopping early:
    a deep graph's expression shares subtrees, so a full count could take very long)."""
    stack, seen = [expr], 0
    while stack:
        seen += 1
        if seen > limit:
            return False
        stack.extend(stack.pop().args)
    return True


class Gradients(Mapping):
    """Gradients keyed by tensor; ``[key]`` also takes a leaf's SymPy symbol or its name.

    For a tensor leaf the gradient is a SymPy Array of its shape, and one element symbol
    (``K_0_1``) gives that element's gradient.
    """

    def __init__(self, items, names: dict):
        self._values = {id(t): g for t, g in items}
        self._tensors = {id(t): t for t, _ in items}
        self._ids = {name: k for name, k in names.items()}        # name -> id
        self._names = {k: name for name, k in names.items()}
        for t, _ in items:
            for s in np.asarray(t.array, dtype=object).flat:
                if isinstance(s, sympy.Symbol):
                    self._ids.setdefault(s.name, id(t))

    def _id(self, key):
        if isinstance(key, Tensor):
            if id(key) in self._values or not key.name:
                return id(key)
            key = key.name                   # the same input in the derivation before at()
        name = key.name if isinstance(key, sympy.Symbol) else key
        return self._ids.get(name) if isinstance(name, str) else None

    def __getitem__(self, key):
        k = self._id(key)
        if k not in self._values:
            raise KeyError(f"no gradient for {key!r}; this derivation has gradients for "
                           f"{', '.join(self._names.values())}")
        value = self._values[k]
        if isinstance(key, sympy.Symbol) and isinstance(value, sympy.NDimArray):
            index = key.name.split("_")[1:]
            if key.name != self._names[k] and index and all(i.isdigit() for i in index):
                return value[tuple(int(i) for i in index)]
        return value

    def __contains__(self, key) -> bool:
        return self._id(key) in self._values

    def __iter__(self):
        return iter(self._tensors.values())

    def __len__(self) -> int:
        return len(self._values)

    def name_of(self, t: Tensor) -> str:
        return self._names[id(t)]

    def by_name(self) -> dict:
        """``{name: gradient}``."""
        return {self._names[k]: v for k, v in self._values.items()}

    def __repr__(self) -> str:
        return "{" + ", ".join(f"{n}: {v}" for n, v in self.by_name().items()) + "}"


@dataclass
class Cost:
    """Products needed for the full Jacobian of f: R^n -> R^m, in each mode.

    One pass (either direction) multiplies once per non-zero entry of every local Jacobian;
    forward mode needs one pass per input (n), reverse mode one per output (m).
    """
    inputs: int
    outputs: int
    per_pass: int
    forward: int = field(init=False)
    reverse: int = field(init=False)

    def __post_init__(self):
        self.forward = self.inputs * self.per_pass
        self.reverse = self.outputs * self.per_pass

    def __str__(self) -> str:
        winner = ("reverse" if self.reverse < self.forward else
                  "forward" if self.forward < self.reverse else "neither")
        return (f"f: R^{self.inputs} -> R^{self.outputs}; one pass = {self.per_pass} products\n"
                f"forward mode: {self.inputs} pass(es) = {self.forward} products\n"
                f"reverse mode: {self.outputs} pass(es) = {self.reverse} products\n"
                f"cheaper: {winner} mode")

