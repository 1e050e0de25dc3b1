"""The names a picture writes on its nodes: the derivation's (``v1, v2, ..., L``), and for the
weights of a model the names ``named_parameters()`` gives them (``layer1.0.conv1.weight``).

A module's call opens a scope that remembers the module (``ScopeName.owner``), so a leaf used
inside ``fc1 (Linear)`` that is that module's ``weight`` is ``fc1.weight``: the path of module
names from the outermost call down to the owner, then the attribute.
"""
from __future__ import annotations

from ..modes import ScopeName
from ..symbolic.graph import forward_order, node_names
from ..tensor import Tensor


def picture_names(output: Tensor, tensors, consumers) -> dict[int, str]:
    """Names keyed by id: the derivation's for every tensor that takes a gradient, and the
    parameter and buffer names of modules for their leaves (constants included)."""
    owned = module_names(tensors, consumers)
    try:
        names = node_names(forward_order(output), output, owned)
    except ValueError:                  # two inputs share a name: keep the names as given
        names = {}
    return {**owned, **names}


def module_names(tensors, consumers) -> dict[int, str]:
    """``{id(leaf): "fc1.weight"}`` for the leaves that a module of the graph owns."""
    found = {}
    for t in tensors:
        if t._op is not None or t.name:
            continue
        for user in consumers.get(id(t), ()):
            name = _owned_name(t, user._scope)
            if name:
                found[id(t)] = name
                break
    return found


def _owned_name(t: Tensor, path) -> str | None:
    for depth in range(len(path) - 1, -1, -1):
        entry = path[depth]
        owner = entry.owner() if isinstance(entry, ScopeName) else None
        if owner is None:
            continue
        attr = _attribute_of(owner, t)
        if attr is not None:
            prefix = [_module_attr(e) for e in path[:depth + 1] if isinstance(e, ScopeName)]
            return ".".join([p for p in prefix if p] + [attr])
    return None


def _attribute_of(module, t: Tensor) -> str | None:
    for store in ("_parameters", "_buffers"):
        for attr, value in getattr(module, store, {}).items():
            if value is t:
                return attr
    return None


def _module_attr(entry: str) -> str:
    """"layer1 (Sequential)" -> "layer1"; the outermost call ("ResNet") has no name."""
    return entry[:-1].split(" (", 1)[0] if entry.endswith(")") and " (" in entry else ""
