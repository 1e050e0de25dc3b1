"""The recorded graph as a derivation reads it: a name and a symbol for every node, the local
Jacobian of every edge, and a replay of the whole graph with numbers in its leaves.

A derivation works in *form space*: every intermediate node is stood in for by symbols of its
own name (``v1``, ``L``...), so a step shows ``dL/dv4 = L*(1 - L)`` rather than the whole
expression, and substituting each node's value (:meth:`Graph.values_of`) turns a form into
the full expression in the leaves (or into a number once the leaves hold numbers).
"""
from __future__ import annotations

import itertools
from dataclasses import dataclass, field

import numpy as np
import sympy

from ..modes import STATE, no_grad
from ..reverse import topological_order
from ..tensor import Tensor, apply
from .namespace import clamp_to_float64, exact


def symbol_array(name: str, shape: tuple[int, ...]) -> np.ndarray:
    """An object array of real symbols: ``name`` for a scalar, ``name_i_j`` for a tensor."""
    array = np.empty(shape, dtype=object)
    if shape == ():
        array[()] = sympy.Symbol(name, real=True)
        return array
    for index in itertools.product(*(range(n) for n in shape)):
        array[index] = sympy.Symbol("_".join([name, *map(str, index)]), real=True)
    return array


def to_sympy(array):
    """An object array as SymPy: its element for a scalar, a SymPy Array for a tensor."""
    array = np.asarray(array, dtype=object)
    if array.shape == ():
        return exact(array[()])
    if array.size == 0:
        return sympy.Array([], array.shape)
    flat = [exact(v) for v in array.flat]
    return sympy.ImmutableDenseNDimArray(flat, array.shape)


@dataclass(eq=False)
class GraphNode:
    """One tensor of the graph: its name, its stand-in symbols and its value."""
    tensor: Tensor
    name: str
    symbols: np.ndarray            # the symbols steps are written in (a leaf's own symbols)
    index: int                     # position in forward order

    @property
    def value(self) -> np.ndarray:
        return self.tensor.array

    @property
    def is_leaf(self) -> bool:
        return self.tensor._op is None

    @property
    def shape(self) -> tuple[int, ...]:
        return self.tensor.shape

    @property
    def symbol(self):
        """A scalar's Symbol, or a SymPy Array of a tensor's symbols."""
        return to_sympy(self.symbols)


@dataclass
class Local:
    """d out / d input for one edge, from the op's own VJP rule.

    ``kind`` is "scalar" (one number), "elementwise" (``array`` in out's shape: the diagonal
    of the Jacobian, downstream = upstream ⊙ local) or "jacobian" (``array`` of shape
    ``out.shape + input.shape``: downstream = upstream contracted with it over out's axes).
    """
    kind: str
    array: np.ndarray
    dx_shape: tuple[int, ...]
    nonzeros: int = field(default=0)


class Graph:
    """Every node that leads to ``output``, named, with stand-in symbols for the non-leaves."""

    def __init__(self, output: Tensor, names: dict | None = None):
        if output._op is not None and output._inputs is None:
            raise RuntimeError("derive: the graph of this output was freed by an earlier "
                               "backward pass; build it again (or pass retain_graph=True)")
        forward = forward_order(output)
        self.output = output
        for t in forward:
            if t._op is not None and (t._inputs is None or t._freed and t._op.saves):
                raise RuntimeError(f"derive: op '{t._op.name}' in this graph was already "
                                   "differentiated and its inputs freed; build the graph again")
        taken = set()
        chosen = node_names(forward, output, names, taken)
        self.nodes: dict[int, GraphNode] = {}
        for index, t in enumerate(forward):
            name = chosen[id(t)]
            own = _own_symbols(t) if t._op is None else None
            self.nodes[id(t)] = GraphNode(t, name, own if own is not None
                                          else symbol_array(name, t.shape), index)
        self.taken = taken
        self.forward = [self.nodes[id(t)] for t in forward]
        self.backward = list(reversed(self.forward))
        self.leaves = [n for n in self.forward if n.is_leaf]
        self._values = {}
        for n in self.forward:
            for s, v in zip(n.symbols.flat, np.asarray(n.value, dtype=object).flat):
                if s is not v:
                    self._values[s] = exact(v)

    def node(self, t: Tensor) -> GraphNode | None:
        return self.nodes.get(id(t))

    def fresh_name(self, wanted: str) -> str:
        """``wanted``, or ``wanted`` with a number, unused by any node."""
        name, k = wanted, 1
        while name in self.taken:
            k += 1
            name = f"{wanted}{k}"
        self.taken.add(name)
        return name

    def form(self, t: Tensor) -> Tensor:
        """The stand-in of ``t``: its symbols (a constant outside the graph stays itself)."""
        node = self.nodes.get(id(t))
        return t if node is None else Tensor._wrap(node.symbols)

    def values_of(self, form):
        """``form`` with every stand-in symbol replaced by its node's value."""
        if not self._values:
            return form
        if isinstance(form, np.ndarray):
            return np.vectorize(self.values_of, otypes=[object])(form) if form.size else form
        return exact(form).xreplace(self._values)

    @property
    def numeric(self) -> bool:
        """True when every leaf holds numbers (a derivation ``at`` values)."""
        return all(getattr(exact(v), "is_number", False)
                   for n in self.leaves for v in np.asarray(n.value, dtype=object).flat)


def node_names(forward, output: Tensor, names: dict | None = None,
               taken: set | None = None) -> dict[int, str]:
    """The name of every tensor in ``forward`` (inputs first), keyed by id: leaves keep their
    own names (``w``, a symbol's name, else ``u1``...), the output is ``L`` (``Y`` when not a
    scalar) and the others ``v1, v2, ...`` in forward order. ``ad.draw`` names nodes this way
    too, so a picture and its derivation tell one story."""
    taken = set() if taken is None else taken
    found = {}
    for t in forward:                       # leaves first: they keep their own names
        if t._op is None:
            name = (names or {}).get(id(t)) or _leaf_name(t, len(taken))
            if name in taken:
                raise ValueError(f"derive: two different inputs are both named {name!r}; "
                                 "give them distinct names")
            taken.add(name)
            found[id(t)] = name
    counter = itertools.count(1)
    for t in forward:
        if t._op is None:
            continue
        name = (names or {}).get(id(t)) or t.name
        if not name or name in taken:
            preferred = ("L" if t.numel() == 1 else "Y") if t is output else ""
            name = preferred if preferred and preferred not in taken else ""
            while not name or name in taken:
                name = f"v{next(counter)}"
        taken.add(name)
        found[id(t)] = name
    return found


def forward_order(output: Tensor) -> list[Tensor]:
    """Every tensor that needs a gradient and leads to ``output``, inputs before consumers,
    read left to right (v1 = w0*x0, v2 = w1*x1, v3 = v1 + v2): the engine's order, reversed."""
    return topological_order([output])[::-1]


def _own_symbols(t: Tensor):
    data = np.asarray(t.array, dtype=object)
    if data.size and all(isinstance(v, sympy.Symbol) for v in data.flat):
        return data
    return None


def _leaf_name(t: Tensor, k: int) -> str:
    if t.name:
        return t.name
    data = np.asarray(t.array, dtype=object)
    if data.shape == () and isinstance(data[()], sympy.Symbol):
        return data[()].name
    return f"u{k + 1}"


# ---- the local Jacobian of one edge, read off the VJP rule ------------------------------------
def local_jacobian(out_shape, call) -> Local:
    """d out / d input from ``call(g) = rule(g, ...)``, which is linear in ``g``.

    The rule is applied once to a tensor ``G`` of fresh symbols; the coefficient of
    ``G[j]`` in ``dx[k]`` is the Jacobian entry d out[j] / d x[k].
    """
    g = np.empty(out_shape, dtype=object)
    for j in np.ndindex(*out_shape):
        g[j] = sympy.Dummy("g")
    position = {s: j for j, s in np.ndenumerate(g)} if out_shape else {g[()]: ()}
    dx = np.asarray(call(Tensor._wrap(g)).array, dtype=object)
    jac = np.full(tuple(out_shape) + dx.shape, sympy.Integer(0), dtype=object)
    nonzeros = 0
    diagonal = tuple(out_shape) == dx.shape
    for k in np.ndindex(*dx.shape):
        entry = exact(dx[k])
        for s in entry.free_symbols & position.keys():
            d = sympy.diff(entry, s)
            if d != 0:
                jac[position[s] + k] = d
                nonzeros += 1
                diagonal = diagonal and position[s] == k
    if not out_shape and not dx.shape:
        return Local("scalar", jac, dx.shape, nonzeros)
    if diagonal:
        diag = np.empty(dx.shape, dtype=object)
        for k in np.ndindex(*dx.shape):
            diag[k] = jac[k + k]
        return Local("elementwise", diag, dx.shape, nonzeros)
    return Local("jacobian", jac, dx.shape, nonzeros)


def call_rule(graph: Graph, node: GraphNode, i: int, g: Tensor, forms: bool = True):
    """rule_i(g, out, *inputs, **params) on the stand-ins (or, with ``forms=False``, the values)."""
    t = node.tensor
    rule = t._op.rule(i)
    with no_grad():
        if forms:
            return rule(g, graph.form(t), *[graph.form(x) for x in t._inputs], **t._params)
        return rule(g, t, *t._inputs, **t._params)


# ---- the same graph again, with numbers in its leaves -------------------------------------------
def _without_saved(t: Tensor) -> dict:
    """The params an op was called with (not the arrays its forward saved for its rules)."""
    return {k: v for k, v in t._params.items() if k not in t._op.saves}


def _clamp(array: np.ndarray) -> None:
    """Floats past float64's range become infinities, in place (see ``clamp_to_float64``)."""
    if isinstance(array, np.ndarray) and array.dtype == object:
        for index, v in np.ndenumerate(array):
            if isinstance(v, sympy.Float):
                array[index] = clamp_to_float64(v)


def replay(graph: Graph, leaf_values: dict) -> tuple[Tensor, dict]:
    """Run every op of ``graph`` again on new leaf data; ``leaf_values[id(leaf)]`` is an array.

    Returns the new output and ``{id(new tensor): name}`` so the replay keeps every name.
    """
    made, names = {}, {}
    for node in graph.forward:
        t = node.tensor
        if node.is_leaf:
            new = Tensor._wrap(leaf_values[id(t)])
            new.requires_grad = True
            new.name = t.name
        else:
            inputs = [made.get(id(x), x) for x in t._inputs]
            previous, STATE.scope = STATE.scope, t._scope
            try:
                new = apply(t._op, *inputs, **_without_saved(t))
            except (ValueError, TypeError) as e:
                raise ValueError(f"at(): {node.name} = {t._op.name}(...) cannot be evaluated "
                                 f"at these values: {e}") from None
            finally:
                STATE.scope = previous
            _clamp(new.array)
        made[id(t)] = new
        names[id(new)] = node.name
    return made[id(graph.output)], names
