"""Step: one line of the chain rule, ``downstream = upstream x local``, and its own check.

A step keeps each quantity twice: written in the nodes' own names (``L*(1 - L)``, what the
formats show) and in the leaves (what substituting every node's value gives; numbers once a
derivation is evaluated ``at`` values). :meth:`Step.verify` proves the step by algebra.
"""
from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import sympy

from ..modes import no_grad
from ..ops.reduce import sum_to
from ..tensor import Tensor
from .graph import to_sympy
from .namespace import exact


@dataclass(eq=False)
class Step:
    """One step of a derivation.

    ``kind`` is "chain" (downstream = upstream x local along the edge ``node -> input``),
    "sum" (the contributions a fanned-out node received, added: ``upstream`` is their tuple)
    or "unbroadcast" (a gradient summed over broadcast axes back to the input's shape).
    In forward mode "upstream" is the input's tangent and "downstream" its contribution to
    the node's tangent. ``upstream``, ``local``, ``downstream`` are SymPy expressions (SymPy
    Arrays for tensors) in the leaves; the ``*_form`` versions are written in the nodes' own
    names (``L*(1 - L)``), as the formats show them.
    """
    kind: str
    node: Tensor
    input: Tensor | None
    op: str
    node_name: str
    input_name: str
    upstream_form: Any
    local_form: Any
    downstream_form: Any
    rule: str = ""
    local_kind: str = ""          # "scalar", "elementwise" or "jacobian" for a chain step
    scope: tuple = ()
    sources: tuple = ()           # a sum step: the consumers each contribution came from
    axes: tuple = ()              # an unbroadcast step: the axes summed over
    nonzeros: int = 0             # entries of the local Jacobian that are not zero
    index: int = -1               # a chain step: the input's position among the node's inputs
    mode: str = "reverse"
    numeric: bool = False         # the derivation has numbers in its leaves
    # the forms as object arrays, and how to put the nodes' values in (see ``upstream``)
    raw: dict = field(default_factory=dict, repr=False)
    values_of: Callable | None = field(default=None, repr=False)
    cache: dict = field(default_factory=dict, repr=False)

    # The quantities in the leaves are computed when first read: for a deep graph each is
    # the whole expression below its node, and building them all made ``derive`` quadratic
    # (a chain of 400 nodes even overflowed SymPy's recursion).
    @property
    def upstream(self):
        """The upstream gradient in the leaves (a tuple of them for a "sum" step)."""
        return self._in_leaves("upstream")

    @property
    def local(self):
        return self._in_leaves("local")

    @property
    def downstream(self):
        return self._in_leaves("downstream")

    def shown(self, part: str):
        """What to print beside a form: its value at numbers; in a symbolic derivation the
        form itself (its value in the leaves is no number, and can be costly to build)."""
        return getattr(self, part) if self.numeric else getattr(self, f"{part}_form")

    def _in_leaves(self, part: str):
        cache = self.cache
        if part not in cache:
            raw = self.raw.get(part)
            if raw is None:
                cache[part] = getattr(self, f"{part}_form")
            elif isinstance(raw, tuple):
                cache[part] = tuple(to_sympy(self.values_of(p)) for p in raw)
            else:
                cache[part] = to_sympy(self.values_of(raw))
        return cache[part]

    def verify(self) -> bool:
        """Check by algebra that downstream == upstream x local (a sum for a "sum" step),
        on the forms, and on the values too once they are numbers."""
        forms = (self.upstream_form, self.local_form, self.downstream_form)
        values = (self.upstream, self.local, self.downstream)
        if not _is_zero(_difference(self, *forms)):
            return False
        numeric = all(exact(v).is_number for v in as_array(self.downstream).flat)
        return not numeric or _is_zero(_difference(self, *values))

    def __repr__(self) -> str:
        edge = f"{self.node_name} -> {self.input_name}" if self.input is not None else self.node_name
        return f"Step({self.kind}, {self.op}, {edge})"


def _difference(step: Step, upstream, local, downstream) -> np.ndarray:
    """downstream minus what upstream and local say it should be (zero when the step holds)."""
    down = as_array(downstream)
    if step.kind == "sum":
        total = sum((as_array(p) for p in upstream), np.zeros(down.shape, object))
        return down - total
    up = as_array(upstream)
    if step.kind == "unbroadcast":
        with no_grad():
            return down - sum_to(Tensor._wrap(up), down.shape).array
    local = as_array(local)
    if step.local_kind in ("scalar", "elementwise"):
        return down - np.broadcast_to(up, down.shape) * local
    out_ndim = local.ndim - len(down.shape) if step.mode == "reverse" else len(down.shape)
    if step.mode == "reverse":        # contract over out's axes
        return down - np.tensordot(up, local, axes=(list(range(out_ndim)),) * 2)
    tangent = np.broadcast_to(up, local.shape[out_ndim:])
    return down - np.tensordot(local, tangent, axes=tangent.ndim)


def as_array(value) -> np.ndarray:
    """A SymPy expression or Array (or an object array) as an object array."""
    if isinstance(value, sympy.NDimArray):
        flat = getattr(value, "_array", None)   # a dense array's entries (tolist() is slow)
        if flat is None:
            return np.array(value.tolist(), dtype=object).reshape(value.shape)
        out = np.empty(len(flat), dtype=object)
        out[:] = flat
        return out.reshape(value.shape)
    return np.asarray(value, dtype=object)


def _is_zero(array) -> bool:
    """Every entry is 0: expanding settles the usual case; ``simplify`` the rest."""
    return all(v == 0 or sympy.expand(v) == 0 or sympy.simplify(v) == 0
               for v in (exact(e) for e in np.asarray(array, dtype=object).flat))

