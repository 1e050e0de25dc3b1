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
    """A ``with`` block, or a decorator (``@ad.no_grad()`` or ``@ad.no_grad``), that sets
    whether ops are recorded and restores the previous setting after."""

    def __new__(cls, *args):
        if cls is not _GradMode and len(args) == 1 and callable(args[0]):
            return cls()(args[0])                     # used bare as a decorator
        return super().__new__(cls)

    def __init__(self, enabled: bool):
        self.enabled = enabled

    def _recreate_cm(self):
        return _GradMode(self.enabled)    # each decorated call keeps its own previous setting

    def __enter__(self):
        self.previous = STATE.grad_enabled
        STATE.grad_enabled = self.enabled

    def __exit__(self, *exc):
        STATE.grad_enabled = self.previous
        return False


class no_grad(_GradMode):
    """Record nothing inside: ops run, no graph is kept (evaluation, optimizer steps)."""

    def __init__(self, func=None):
        super().__init__(False)


class enable_grad(_GradMode):
    """Record again inside a ``no_grad`` block (used by double backward)."""

    def __init__(self, func=None):
        super().__init__(True)


class inference_mode(_GradMode):
    """PyTorch's ``inference_mode``: here the same as ``no_grad`` (``mode=False``: recording)."""

    def __init__(self, mode: bool = True):
        super().__init__(not mode)


class set_grad_enabled(_GradMode):
    """``set_grad_enabled(False)`` switches recording off now (a call), or inside a ``with``
    block, restoring the previous setting after (PyTorch's ``torch.set_grad_enabled``)."""

    def __init__(self, mode: bool):
        super().__init__(bool(mode))
        self.previous = STATE.grad_enabled
        STATE.grad_enabled = self.enabled

    def __enter__(self):
        pass

    def _recreate_cm(self):
        return _GradMode(self.enabled)


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
