"""What a primitive is: the one declaration every view of an op is derived from.

A primitive holds

* ``forward(xp, *arrays, **params)``: the numeric forward, written against an array
  namespace so it runs on NumPy, CuPy and SymPy object arrays alike;
* ``vjp``: one rule per input, ``rule(g, out, *inputs, **params) -> Tensor`` written in
  our own Tensor ops, so the backward pass is itself a graph (double backward for free).
  ``g`` is the upstream gradient dL/d(out); the rule returns g times the local Jacobian,
  still in ``out``'s shape: un-broadcasting to the input's shape is the engine's job.
  ``None`` marks an input that takes no gradient (a condition, an index);
* ``jvp``: how a tangent moves forward: a function ``(tangents, out, *inputs, **params)``
  or one of two markers that derive it,
  ``LINEAR`` (the op applied to the tangents themselves) and
  ``ELEMENTWISE`` (the local derivative is diagonal, so the VJP rule applied to a
  tangent is the JVP);
* ``vjp_all`` (variadic ops): all the inputs' rules in one call, which reverse mode uses
  (the per-input ``vjp`` rules stay for derivations and pictures);
* ``latex``: the rule as one line a learner can read;
* ``saves``: names of arrays the forward computes anyway and the rules can reuse (the
  convolution's im2col matrix): ``forward`` then returns ``(out, {name: array})`` and the
  rules receive them as extra params, freed with the node after backward.

``PRIMITIVES`` is the table: tests, derivations and pictures iterate over it.
"""
from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

LINEAR = "linear"
ELEMENTWISE = "elementwise"

PRIMITIVES: dict[str, Primitive] = {}


@dataclass(eq=False)
class Primitive:
    name: str
    forward: Callable[..., Any]
    vjp: tuple | Callable | None = None      # per-input rules; a callable(i) for variadic ops
    jvp: Callable | str | None = None
    latex: str = ""
    display: str = ""                       # how pictures and derivations write it, e.g. "+"
    saves: tuple[str, ...] = ()
    differentiable: bool = True             # False: comparisons and other piecewise-constant outputs
    variadic: bool = False                  # takes any number of tensors (concatenate)
    # every input's rule in one call, ``vjp_all(g, out, *inputs, **params) -> [dx, ...]``: a
    # join of n pieces then costs n, not n calls that each take all n inputs (n^2)
    vjp_all: Callable | None = None
    meta: dict = field(default_factory=dict)

    def __post_init__(self):
        if self.name in PRIMITIVES:
            raise ValueError(f"primitive {self.name!r} is declared twice")
        PRIMITIVES[self.name] = self
        self.display = self.display or self.name

    def rule(self, i: int):
        """The VJP rule of input ``i`` (None when that input takes no gradient)."""
        if self.vjp is None:
            return None
        if self.variadic:
            return self.vjp(i)
        return self.vjp[i]

    def __repr__(self) -> str:
        return f"Primitive({self.name!r})"
