"""Which tensors a picture draws one by one, and which scopes it folds into one box.

Every op records the scopes it ran in (``t._scope``, outermost first: a model, a layer, a
composite such as softmax). A scope is *open* (its nodes drawn inside a cluster) or *closed*
(one box standing for all of it). Small graphs are drawn fully open. One that would not fit
a slide (its rendered size estimated by ``sizing``, not its count of nodes) or that has more
than ``max_nodes`` nodes is opened level by level, as deep as it can go while it fits: a
ResNet then shows one box per layer. A graph with no scopes to fold is cut instead: the
nodes nearest the output are kept and the rest become one "... more" node; so is an op of
thousands of inputs, which dot would take minutes to lay out. All of it is said in the
picture.
"""
from __future__ import annotations

from collections import deque
from dataclasses import dataclass, field

from ..reverse import topological_order
from ..tensor import Tensor
from .sizing import estimate, fits

HARD_LIMIT = 1000          # never hand dot more nodes (it takes seconds), even when asked to expand
MAX_FAN = 40               # an op drawn with more inputs than this shows its first and last 20


@dataclass
class Box:
    """A closed scope drawn as one node: its tensors, and those that leave it."""
    key: tuple[str, ...]
    members: list[Tensor] = field(default_factory=list)
    absorbed: list[Tensor] = field(default_factory=list)   # parameters hidden inside
    outputs: list[Tensor] = field(default_factory=list)


@dataclass
class Layout:
    tensors: list[Tensor]                      # every tensor drawn or folded, inputs first
    consumers: dict[int, list[Tensor]]
    place: dict[int, tuple[str, ...]]          # id -> cluster path of a tensor drawn alone
    box_of: dict[int, tuple[str, ...]]         # id -> key of the box holding it
    boxes: dict[tuple[str, ...], Box]
    absorbed: set[int] = field(default_factory=set)   # ids of leaves hidden in a box
    hidden: set = field(default_factory=set)   # items cut to keep the picture bounded
    hidden_nodes: int = 0
    total_nodes: int = 0                       # tensors plus ops, before folding
    folded: bool = False
    rankdir: str = "LR"                        # the direction the picture reads in
    fan_cut: bool = False                      # ops of too many inputs were thinned out

    def item(self, t: Tensor):
        """The node a tensor shows up as: ("t", id), ("b", box key), or None when absorbed."""
        if id(t) in self.place:
            return ("t", id(t))
        key = self.box_of.get(id(t))
        if key is None:
            return None
        return None if id(t) in self.absorbed else ("b", key)


def walk(output: Tensor) -> list[Tensor]:
    """Every tensor that ``output`` was computed from, each after all of its inputs."""
    return topological_order([output], constants=True)[::-1]


def _is_composite(scope_name: str) -> bool:
    """A function's scope ("conv2d", "softmax"), not a module call ("conv1 (Conv2d)",
    "ResNet"): once a graph is folded, composites stay closed, whatever the depth."""
    return not scope_name.endswith(")") and not scope_name[:1].isupper()


def _names(scope_name: str) -> set[str]:
    """"layer1 (Sequential)" answers to itself, to "layer1" and to "Sequential"."""
    names = {scope_name}
    if scope_name.endswith(")") and " (" in scope_name:
        attr, cls = scope_name[:-1].split(" (", 1)
        names |= {attr, cls}
    return names


def plan(output: Tensor, expand=False, max_nodes: int = 300, rankdir: str | None = None) -> Layout:
    """Decide what to draw (see the module docstring); ``expand`` is False, True or names."""
    tensors = walk(output)
    consumers: dict[int, list[Tensor]] = {id(t): [] for t in tensors}
    for t in tensors:
        for x in t._inputs or ():
            consumers[id(x)].append(t)
    scopes = {id(t): _scope_of(t, consumers[id(t)]) for t in tensors}
    total = sum(1 if t._op is None else 2 for t in tensors)

    if isinstance(expand, str):
        expand = [expand]
    wanted = set() if isinstance(expand, bool) else {str(n) for n in expand}
    paths = {s[:k] for s in scopes.values() for k in range(1, len(s) + 1)}
    forced = set()
    for p in paths:
        if wanted & _names(p[-1]):
            forced.update(p[:k] for k in range(1, len(p) + 1))

    def closed_at(depth, also=frozenset()):
        def closed(prefix):
            if prefix in also:
                return True
            if depth is None or prefix in forced or any(wanted & _names(n) for n in prefix):
                return False
            return len(prefix) > depth or _is_composite(prefix[-1])
        return closed

    make = lambda depth: _fold(output, tensors, consumers, scopes, closed_at(depth))
    layout = make(None)
    modules = any(not _is_composite(name) for p in paths for name in p)
    layout.rankdir = rankdir or _direction(layout, "TB" if modules else None)
    too_many = _count(layout) > max_nodes
    too_big = not fits(estimate(layout, layout.rankdir))
    if expand is not True and (too_many or (too_big and paths)):
        direction = rankdir or "TB"
        deepest = max((len(p) for p in paths), default=0)
        for depth in range(deepest - 1, -1, -1):
            layout = make(depth)
            if _count(layout) <= max_nodes and (
                    depth <= 1 or fits(estimate(layout, direction))):
                break
        # a cluster holding nothing but one box is one box: "conv1 (Conv2d)", not a
        # conv1 cluster around a conv2d box
        single = _single_box_scopes(layout, tensors, scopes)
        if single:
            layout = _fold(output, tensors, consumers, scopes, closed_at(depth, single))
        layout.folded = True
        layout.rankdir = direction
    limit = max_nodes if expand is False else max(max_nodes, HARD_LIMIT)
    crowded = max((len(t._inputs or ()) for t in tensors if id(t) in layout.place), default=0)
    if _count(layout) > limit or crowded > MAX_FAN:
        _cut(layout, output, limit)
        layout.fan_cut = crowded > MAX_FAN
    layout.total_nodes = total
    return layout


def _direction(layout: Layout, preferred: str | None) -> str:
    """Top to bottom for a model; else left to right, unless only top to bottom fits."""
    if preferred:
        return preferred
    return "LR" if fits(estimate(layout, "LR")) or not fits(estimate(layout, "TB")) else "TB"


def _scope_of(t: Tensor, users: list[Tensor]) -> tuple[str, ...]:
    """An op's own scope; a leaf sits in the deepest scope shared by all its consumers."""
    if t._op is not None or not users:
        return tuple(t._scope)
    common = tuple(users[0]._scope)
    for u in users[1:]:
        s = u._scope
        k = 0
        while k < min(len(common), len(s)) and common[k] == s[k]:
            k += 1
        common = common[:k]
    return common


def _single_box_scopes(layout: Layout, tensors, scopes) -> frozenset:
    """Open scopes whose ops all fall into one and the same box."""
    keys: dict[tuple, set] = {}
    for t in tensors:
        if t._op is None:
            continue
        scope = scopes[id(t)]
        key = layout.box_of.get(id(t))
        for k in range(1, len(scope) + 1):
            if key is None or len(key) > k:
                keys.setdefault(scope[:k], set()).add(key)
    return frozenset(p for p, found in keys.items() if len(found) == 1 and None not in found)


def _absorbable(t: Tensor) -> bool:
    """Parameters and constants (scalars, per-channel vectors such as running statistics,
    even reshaped to (1, C, 1, 1)) disappear into a closed box; data such as images stays."""
    return t._op is None and (t.requires_grad or sum(n > 1 for n in t.shape) <= 1)


def _fold(output, tensors, consumers, scopes, closed) -> Layout:
    place, box_of, boxes = {}, {}, {}
    for t in tensors:
        scope = scopes[id(t)]
        key = next((scope[:k] for k in range(1, len(scope) + 1) if closed(scope[:k])), None)
        if key is None:
            place[id(t)] = scope
            continue
        if t._op is None and (t is output or not _absorbable(t)):
            place[id(t)] = key[:-1]
            continue
        box = boxes.setdefault(key, Box(key))
        (box.absorbed if t._op is None else box.members).append(t)
        box_of[id(t)] = key
    for box in boxes.values():
        box.outputs = [t for t in box.members if t is output or any(
            box_of.get(id(u)) != box.key for u in consumers[id(t)])]
    absorbed = {id(t) for box in boxes.values() for t in box.absorbed}
    return Layout(tensors, consumers, place, box_of, boxes, absorbed)


def _count(layout: Layout) -> int:
    alone = sum(1 if t._op is None else 2 for t in layout.tensors if id(t) in layout.place)
    return alone + len(layout.boxes)


def _cut(layout: Layout, output: Tensor, limit: int) -> None:
    """Keep the ``limit`` nodes nearest the output (breadth first), and of an op with more
    than ``MAX_FAN`` inputs only its first and last ones (dot takes minutes to lay out a
    rank of thousands); hide the rest."""
    by_id = {id(t): t for t in layout.tensors}
    size = lambda item: 1 if item[0] == "b" or by_id[item[1]]._op is None else 2
    start = layout.item(output)
    kept, used, queue = {start}, size(start), deque([start])
    while queue:
        found = _inputs_of(layout, queue.popleft(), by_id)
        if len(found) > MAX_FAN:                # a stack of 10,000 slices: both ends
            found = found[:MAX_FAN // 2] + found[-(MAX_FAN // 2):]
        for other in found:
            if other in kept:
                continue
            if used + size(other) > limit - 1:
                queue.clear()
                break
            kept.add(other)
            used += size(other)
            queue.append(other)
    every = {("t", i) for i in layout.place} | {("b", k) for k in layout.boxes}
    layout.hidden = every - kept
    layout.hidden_nodes = sum(size(item) for item in layout.hidden)


def _inputs_of(layout: Layout, item, by_id) -> list:
    kind, key = item
    members = [by_id[key]] if kind == "t" else layout.boxes[key].members
    found = {}
    for t in members:
        for x in t._inputs or ():
            other = layout.item(x)
            if other is not None and other != item:
                found[other] = None
    return list(found)
