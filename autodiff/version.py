"""Version counters: how backward notices that a value it needs was changed in place.

PyTorch's rule: every block of memory has a version, raised by each in-place write
(``x.add_(1)``, ``x[0] = 5``, an optimizer's step). A node that will need a tensor in its
backward remembers when it was made; if the tensor's memory was written after that, the
gradient would be computed from the wrong numbers, so backward raises instead.

A tensor, its views (``x[0]``, ``x.reshape(...)``), ``x.detach()`` and ``x.data`` share
memory, so they share one counter: it belongs to the memory (the array at the root of the
NumPy ``.base`` chain), not to a Tensor object. One global clock counts in-place writes; a
node stores the clock's reading when it was made (one integer, so ``apply`` stays cheap),
and each counter stores the clock readings of its writes. Backward looks at counters only
when the clock moved since the node was made.
"""
from __future__ import annotations

import collections
import weakref

CLOCK = [0]        # in-place writes so far, anywhere (a list: one mutable cell, cheap to read)


class VersionCounter:
    """The in-place writes into one block of memory: how many, and the latest ``KEPT`` as
    ``(clock reading, op name)``. Only recent writes are kept: a parameter is written once per
    optimizer step, and a list of all of them would grow for as long as training runs."""
    __slots__ = ("count", "edits")
    KEPT = 64

    def __init__(self):
        self.count = 0
        self.edits: collections.deque[tuple[int, str]] = collections.deque(maxlen=self.KEPT)

    def record(self, time: int, op_name: str) -> None:
        self.count += 1
        self.edits.append((time, op_name))

    @property
    def version(self) -> int:
        return self.count

    def version_at(self, time: int) -> int:
        """The version this memory had when the clock read ``time`` (at most this, when more
        than ``KEPT`` writes came after it)."""
        return self.count - sum(1 for t, _ in self.edits if t > time)


_COUNTERS: dict[int, tuple[weakref.ref, VersionCounter]] = {}


def memory_of(array):
    """The array that owns ``array``'s memory (itself unless it is a view)."""
    while True:
        base = getattr(array, "base", None)
        if base is None or not hasattr(base, "shape"):
            return array
        array = base


def counter_of(array, create: bool = False) -> VersionCounter | None:
    """The counter of ``array``'s memory (None when it was never written in place)."""
    root = memory_of(array)
    key = id(root)
    entry = _COUNTERS.get(key)
    if entry is not None and entry[0]() is root:
        return entry[1]
    if not create:
        return None
    counter = VersionCounter()
    try:
        ref = weakref.ref(root, lambda _, key=key: _COUNTERS.pop(key, None))
    except TypeError:           # memory we cannot watch (a NumPy scalar): count nothing
        return counter
    _COUNTERS[key] = (ref, counter)
    return counter


def bump(array, op_name: str) -> None:
    """Record an in-place write by ``op_name`` into ``array``'s memory."""
    CLOCK[0] += 1
    counter_of(array, create=True).record(CLOCK[0], op_name)


def version(array) -> int:
    counter = counter_of(array)
    return 0 if counter is None else counter.version


def written_since(array, time: int) -> VersionCounter | None:
    """The counter of ``array``'s memory if it was written after clock reading ``time``."""
    counter = counter_of(array)
    if counter is not None and counter.edits and counter.edits[-1][0] > time:
        return counter
    return None


# ---- which saved values a rule reads ------------------------------------------------------------
_READS: dict = {}


def reads(rule) -> tuple[bool, ...] | None:
    """For a VJP rule ``rule(g, out, x0, x1, ...)``: whether it reads ``out``, ``x0``, ``x1``...

    Read off the rule's code once (a parameter it never loads cannot matter): ``mul``'s rule
    for x is ``g * y``, so changing x in place after ``x * y`` harms nothing when only x needs
    a gradient, as in PyTorch. None when the code does not say (``*inputs``): assume all.
    """
    import dis  # here: only a backward after an in-place write gets this far
    import inspect
    code = getattr(rule, "__code__", None)
    if code is None or code.co_flags & inspect.CO_VARARGS:
        return None
    found = _READS.get(code)
    if found is None:
        loaded = set(code.co_cellvars)           # used by a function nested in the rule
        for ins in dis.get_instructions(code):
            if ins.opname.startswith("LOAD_FAST") or ins.opname == "LOAD_DEREF":
                loaded.update(ins.argval if isinstance(ins.argval, tuple) else (ins.argval,))
        names = code.co_varnames[1:code.co_argcount]          # after g
        found = _READS[code] = tuple(name in loaded for name in names)
    return found
