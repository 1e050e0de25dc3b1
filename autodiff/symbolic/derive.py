"""derive(): the chain rule written out, one step per edge of the recorded graph.

Reverse mode walks the graph from the output back to the leaves. For every edge
(node -> one of its inputs) the step shows::

    downstream  =  upstream  x  local
    dL/d input  =  dL/d node x  d node / d input

computed with the op's own VJP rule (no other derivative knowledge exists). A node that feeds
several consumers receives several downstream gradients: adding them is its own step. A
gradient that arrives in a broadcast shape is summed back to its input's shape: its own step
too. Forward mode (``mode="forward", wrt=x``) pushes the tangent dx/dx = 1 the other way.

>>> import autodiff as ad
>>> w, x, b = ad.symbols("w x b")
>>> d = ad.derive(w * x + b)
>>> d.gradients[w]
x
"""
from __future__ import annotations

import numpy as np
import sympy

from ..tensor import Tensor
from .graph import Graph, replay, symbol_array, to_sympy
from .namespace import SYMPY_NAMESPACE, exact
from .printing import number_text
from .results import Cost, Gradients, tidy
from .step import Step, as_array
from .walk import NeedsNumbers, backward_steps, forward_steps


class Derivation:
    """The steps of one derivation, its gradients, and its views (text, LaTeX, HTML...)."""

    def __init__(self, output: Tensor, mode: str = "reverse", wrt=None, seed=None,
                 names: dict | None = None):
        if not isinstance(output, Tensor):
            raise TypeError(f"derive: expected a Tensor, got {type(output).__name__}")
        if output.device != "sympy":
            raise TypeError(f"derive: the output lives on {output.device!r}; derivations need "
                            "symbolic tensors: make the inputs with ad.symbols(...)")
        if not output.requires_grad:
            raise ValueError("derive: the output does not depend on any symbol (nothing "
                             "requires a gradient)")
        if mode not in ("reverse", "forward"):
            raise ValueError(f"derive: mode must be 'reverse' or 'forward', not {mode!r}")
        self.output, self.mode, self._seed_arg = output, mode, seed
        self.graph = Graph(output, names)
        self.numeric_leaves = self.graph.numeric     # every leaf holds numbers
        self.wrt = self._resolve_wrt(wrt)
        self.values = None                       # {name: value} once at() gave numbers
        self._steps: list[Step] = []
        self._gradients = None
        self._pending = None                     # why the steps need numbers first
        try:
            if mode == "reverse":
                self.seed = self._seed(seed, output, "bar", 1)
                grads = backward_steps(self, self.seed)
            else:
                leaf = self.graph.node(self.wrt[0])
                self.seed = self._seed(seed, self.wrt[0], "dot", 1)
                grads = forward_steps(self, leaf, self.seed)
        except NeedsNumbers as e:
            self._pending = e                    # at() can still give the numbers
            return
        self._gradients = Gradients(
            [(t, to_sympy(tidy(g))) for t, g in grads],
            {self.graph.node(t).name: id(t) for t, _ in grads})
        if self.numeric_leaves:
            _check_real(self)

    @property
    def steps(self) -> list[Step]:
        """The steps, in the order they happen (backward for reverse mode)."""
        if self._pending is not None:
            raise self._pending
        return self._steps

    @property
    def gradients(self) -> Gradients:
        """Reverse mode: dL/d input for every input (or ``wrt``); forward mode: the output's
        tangent keyed by ``wrt``. Simplified SymPy expressions, SymPy Arrays for tensors."""
        if self._pending is not None:
            raise self._pending
        return self._gradients

    # ---- set-up ------------------------------------------------------------------------
    def _resolve_wrt(self, wrt) -> list[Tensor]:
        leaves = [n.tensor for n in self.graph.leaves]
        if wrt is None:
            if self.mode == "forward" and len(leaves) != 1:
                raise ValueError("derive: forward mode pushes one tangent; choose the input "
                                 "with wrt= (one of " + ", ".join(self._leaf_names()) + ")")
            return leaves
        wanted = list(wrt) if isinstance(wrt, (list, tuple)) else [wrt]
        if self.mode == "forward" and len(wanted) != 1:
            raise ValueError("derive: forward mode takes exactly one wrt= input")
        found = []
        for w in wanted:
            t = self._find_leaf(w)
            if t is None:
                raise ValueError(f"derive: wrt={w!r} is not an input of this output; its "
                                 f"inputs are {', '.join(self._leaf_names())}")
            found.append(t)
        return found

    def _find_leaf(self, key):
        if isinstance(key, Tensor):
            node = self.graph.node(key)
            if node is not None or not key.name:
                return key if node is not None and node.is_leaf else None
            key = key.name                   # the same input in the derivation before at()
        name = key.name if isinstance(key, sympy.Symbol) else key
        for n in self.graph.leaves:
            if isinstance(name, str) and name == n.name:
                return n.tensor
        return None

    def _leaf_names(self) -> list[str]:
        return [n.name for n in self.graph.leaves]

    def _seed(self, seed, like: Tensor, suffix: str, default) -> np.ndarray:
        """1 for a scalar; for a tensor, symbols ``Ybar_i_j`` (reverse) / ``Xdot_i_j`` (forward)."""
        if seed is not None:
            data = seed.array if isinstance(seed, Tensor) else SYMPY_NAMESPACE.asarray(seed)
            data = np.asarray(data, dtype=object)
            if data.shape != like.shape:
                raise ValueError(f"derive: seed has shape {data.shape}, expected {like.shape}")
            return data
        if like.numel() == 1 and like.shape == ():
            return np.asarray(sympy.Integer(default), dtype=object)
        name = self.graph.fresh_name(self.graph.node(like).name + suffix)
        return symbol_array(name, like.shape)

    # ---- results -------------------------------------------------------------------------
    @property
    def value(self):
        """The output: a SymPy expression (a SymPy Array for a tensor)."""
        return to_sympy(self.output.array)

    @property
    def numeric(self) -> bool:
        return self.graph.numeric

    def at(self, values: dict) -> Derivation:
        """The same derivation with numbers in its leaves (keys: tensor, symbol or name)."""
        leaf_values = {}
        given = dict(values.items()) if isinstance(values, dict) else dict(values)
        for key, value in given.items():
            t = self._find_leaf(key)
            if t is None:
                name = key.name if isinstance(key, (Tensor, sympy.Symbol)) else key
                raise ValueError(f"at(): unknown name {name!r}; this derivation's inputs are "
                                 f"{', '.join(self._leaf_names())}")
            array = SYMPY_NAMESPACE.asarray(value.array if isinstance(value, Tensor) else value)
            array = np.asarray(array, dtype=object)
            if array.shape != t.shape:
                raise ValueError(f"at(): {self.graph.node(t).name} has shape {t.shape}, "
                                 f"but its value has shape {array.shape}")
            leaf_values[id(t)] = array
        missing = [n.name for n in self.graph.leaves if id(n.tensor) not in leaf_values]
        if missing:
            raise ValueError(f"at(): no value for {', '.join(missing)}")
        return _evaluated(self.graph, leaf_values, self.mode, self.wrt, self._seed_arg)

    def cost(self) -> Cost:
        """Products each mode needs for the whole Jacobian (see :class:`Cost`)."""
        reverse = self if self.mode == "reverse" else Derivation(self.output)
        per_pass = sum(s.nonzeros for s in reverse.steps if s.kind == "chain")
        n = sum(node.tensor.numel() for node in reverse.graph.leaves)
        return Cost(n, self.output.numel(), per_pass)

    # ---- views -------------------------------------------------------------------------------
    def text(self) -> str:
        from .formats import text
        return text(self)

    def markdown(self) -> str:
        from .formats import markdown
        return markdown(self)

    def latex(self) -> str:
        from .formats import latex
        return latex(self)

    def html(self, standalone: bool = True) -> str:
        from .html import html
        return html(self, standalone=standalone)

    def _repr_latex_(self) -> str:
        from .formats import latex
        return latex(self, environment="aligned", display=True)

    def _repr_html_(self) -> str:
        return self.html(standalone=False)

    def __str__(self) -> str:
        return self.text()

    def __repr__(self) -> str:
        name = self.graph.node(self.output).name
        where = " at numbers" if self.values else ""
        count = "steps after .at(...)" if self._pending else f"{len(self._steps)} steps"
        return f"<Derivation ({self.mode} mode) of {name}{where}: {count}>"


def _evaluated(graph: Graph, leaf_values: dict, mode: str, wrt, seed) -> Derivation:
    """The derivation of ``graph`` replayed with ``leaf_values[id(leaf)]`` in its leaves."""
    output, names = replay(graph, leaf_values)
    new_leaves = {names[id(t)]: t for t in _leaves_of(output)}
    wrt = [new_leaves[graph.node(t).name] for t in wrt]
    made = Derivation(output, mode, wrt if mode == "forward" or len(wrt) < len(graph.leaves)
                      else None, seed, names)
    made.values = {n.name: to_sympy(leaf_values[id(n.tensor)]) for n in graph.leaves}
    return made


def derive_at(output: Tensor, values: dict, wrt=None, mode: str = "reverse") -> Derivation:
    """``derive(output, wrt, mode).at(values)`` without writing the steps in symbols first.

    The symbolic steps can be far larger than the numeric ones (nested ``maximum`` doubles
    its terms at every level), so the command line goes straight to the numbers.
    ``values`` maps each input's name to its value.
    """
    graph = Graph(output)
    by_name = {n.name: n.tensor for n in graph.leaves}
    leaf_values = {id(by_name[name]): np.asarray(SYMPY_NAMESPACE.asarray(value), dtype=object)
                   for name, value in values.items()}
    if mode == "forward" and wrt is None and len(graph.leaves) == 1:
        wrt = [graph.leaves[0].tensor]
    chosen = [n.tensor for n in graph.leaves] if wrt is None else list(wrt)
    return _evaluated(graph, leaf_values, mode, chosen, None)


def _leaves_of(output: Tensor) -> list[Tensor]:
    from ..reverse import topological_order
    return [t for t in topological_order([output]) if t._op is None]


def _check_real(d: Derivation) -> None:
    """At numbers, every value and every step must be a real, finite number."""
    for node in d.graph.forward:
        if node.is_leaf:
            continue
        bad = _first_bad(node.value)
        if bad is not None:
            from .formats import definition
            raise ValueError(f"{node.tensor._op.name}: {node.name} = {definition(d, node)} = "
                             f"{bad} is not a real number "
                             "at these values (e.g. the log or square root of a negative, "
                             "or a division by zero)")
    for step in d.steps:
        for what in ("local", "downstream"):
            if getattr(step, what) is None:
                continue
            bad = _first_bad(as_array(getattr(step, what)))
            if bad is not None:
                raise ValueError(f"{step.op}: the {what} gradient d{step.node_name}/"
                                 f"d{step.input_name} = {bad} is undefined at these values")


def _first_bad(array: np.ndarray):
    for v in np.asarray(array, dtype=object).flat:
        v = exact(v)
        # an infinity is a float overflow (exp(1000.0)) and prints as inf; x/0 and NaN are not
        if v.is_number and (v.has(sympy.zoo, sympy.nan) or v.is_extended_real is False):
            return number_text(v)
    return None


def derive(output: Tensor, wrt=None, mode: str = "reverse", seed=None) -> Derivation:
    """The chain rule for ``output``, step by step (see the module docstring).

    ``wrt`` picks the inputs whose gradients are reported (reverse mode) or the one input
    whose tangent is pushed (forward mode). A non-scalar output is seeded with symbols
    ``Ybar_i_j`` standing for dL/dY (or give ``seed=``), so a tensor derivation shows the
    rule itself (``Xbar = Ybar @ W.T``).
    """
    return Derivation(output, mode=mode, wrt=wrt, seed=seed)


__all__ = ["Cost", "Derivation", "Gradients", "Step", "derive", "derive_at"]
