"""Global switches read by ``apply``: gradient recording, named scopes, anomaly checks.

They live in one small object so ``apply`` pays a single attribute look-up for each.
"""
from __future__ import annotations

import contextlib
import threading


class _State(threading.local):
    def __init__(self):
        self.grad_enabled = True
        self.anomaly = False
        self.scope: tuple[str, ...] = ()


STATE = _State()


def is_grad_enabled() -> bool:
    return STATE.grad_enabled


class _GradMode(contextlib.ContextDecorator):
    def __init__(self, enabled: bool):
        self.enabled = enabled

    def __enter__(self):
        self.previous = STATE.grad_enabled
        STATE.grad_enabled = self.enabled

    def __exit__(self, *exc):
        STATE.grad_enabled = self.previous
        return False


def no_grad():
    """Record nothing inside: ops run, no graph is kept (evaluation, optimizer steps)."""
    return _GradMode(False)


def enable_grad():
    """Record again inside a ``no_grad`` block (used by double backward)."""
    return _GradMode(True)


class ScopeName(str):
    """A scope's name that remembers who opened it (a module): pictures then name the
    module's parameters as ``named_parameters()`` does (``fc1.weight``). It compares, hashes
    and prints as the plain name. The graph holds the module (``draw(model(x).sum())`` names
    the weights of a model no one else holds); the module never holds the graph, so
    reference counting still frees both."""

    def owner(self):
        return self.__dict__.get("_owner")

    def __deepcopy__(self, memo):
        return self

    def __reduce__(self):                 # pickles as the plain name
        return (str, (str(self),))


class scope:
    """Tag every node made inside with ``name``: pictures show a scope as one box.

    The engine ignores scopes; they exist for learners (a softmax, a loss, a layer).
    ``owner``: the module whose call this is (see ``ScopeName``).
    A plain class, not a generator, because every layer call enters one.
    """
    __slots__ = ("name", "previous")

    def __init__(self, name: str, owner=None):
        if owner is not None:
            name = ScopeName(name)
            name._owner = owner
        self.name = name

    def __enter__(self):
        self.previous = STATE.scope
        STATE.scope = self.previous + (self.name,)

    def __exit__(self, *exc):
        STATE.scope = self.previous
        return False
