"""Where a step's time goes: a per-primitive timer, switched on for one block.

    with ad.profile() as p:
        train_step()
    print(p.table())

Why it is built this way: a timer must cost nothing while it is off, so the hot path
(``apply`` and ``reverse``) has no "is profiling on?" test. Entering the block instead swaps
every primitive's ``forward``, backward rules (``vjp``) and ``vjp_all`` for timed wrappers,
and leaving it, also on an exception, puts the very same callables back.

A backward rule is written in Tensor ops, so it runs other primitives' forwards on its way:
their time belongs to the rule (to the op whose gradient cost it). So the main rows count only
outermost calls; their intervals never overlap, and what they leave of the block's wall time
is the engine's own work between primitives: ``apply``'s checks and node records, the
topological order, un-broadcasting and accumulation, the layers' and the optimizer's Python.
The rows' shares and that rest add up to the whole block. The calls made directly inside an
outermost one are listed apart (``inside``), as a part of its time, not in addition to it.
A forward computed outside ``op.forward`` (a node made by ``known()``) counts as the rest.
"""
from __future__ import annotations

import functools
import time
from dataclasses import dataclass

from .primitive import PRIMITIVES

REST = "engine (the rest)"
INSIDE_SHOWN = 8                             # the table lists the costliest inner calls only


@dataclass
class Timing:
    """Calls and seconds of one primitive's forwards or backward rules."""
    calls: int = 0
    seconds: float = 0.0


class Profile:
    """Per-primitive forward and backward times of one block (``ad.profile()``)."""

    _active: Profile | None = None          # one at a time: wrappers must not be wrapped

    def __init__(self):
        self.forward: dict[str, Timing] = {}
        self.backward: dict[str, Timing] = {}
        self.total_s = 0.0
        self._start = None
        self._originals = []                 # (primitive, forward, vjp, vjp_all)
        self.inside: dict[str, Timing] = {}  # calls made directly inside an outermost one
        self._depth = 0                      # how many timed calls are running

    # ---- switching on and off -----------------------------------------------------------
    def __enter__(self):
        if Profile._active is not None:
            raise RuntimeError("ad.profile(): a profile is already running; nest none")
        Profile._active = self
        try:
            for op in list(PRIMITIVES.values()):
                self._wrap(op)
        except BaseException:
            self._restore()
            raise
        self._start = time.perf_counter()
        return self

    def __exit__(self, *exc) -> bool:
        self.total_s += time.perf_counter() - self._start
        self._start = None
        self._restore()
        return False

    def _wrap(self, op) -> None:
        self._originals.append((op, op.forward, op.vjp, op.vjp_all))
        op.forward = self._timed(op.forward, self.forward, op.name)
        if op.vjp_all is not None:
            op.vjp_all = self._timed(op.vjp_all, self.backward, op.name)
        if op.vjp is None:
            return
        if op.variadic:                      # vjp(i) makes input i's rule
            make = op.vjp

            def make_timed(i, make=make, name=op.name):
                rule = make(i)
                return None if rule is None else self._timed(rule, self.backward, name)
            op.vjp = make_timed
        else:
            op.vjp = tuple(None if rule is None else self._timed(rule, self.backward, op.name)
                           for rule in op.vjp)

    def _restore(self) -> None:
        for op, forward, vjp, vjp_all in reversed(self._originals):
            op.forward, op.vjp, op.vjp_all = forward, vjp, vjp_all
        self._originals = []
        Profile._active = None

    def _timed(self, fn, book: dict, name: str):
        clock = time.perf_counter

        @functools.wraps(fn)
        def timed(*args, **kwargs):
            depth = self._depth
            if depth > 1:                    # deeper still: part of its caller's time
                return fn(*args, **kwargs)
            self._depth = depth + 1
            start = clock()
            try:
                return fn(*args, **kwargs)
            finally:
                elapsed = clock() - start
                self._depth = depth
                into = book if depth == 0 else self.inside
                entry = into.get(name)
                if entry is None:
                    entry = into[name] = Timing()
                entry.calls += 1
                entry.seconds += elapsed
        return timed

    # ---- reading the result -------------------------------------------------------------
    @property
    def elapsed_s(self) -> float:
        """Wall time of the block (so far, when read inside it)."""
        running = time.perf_counter() - self._start if self._start is not None else 0.0
        return self.total_s + running

    def rows(self) -> list[dict]:
        """One dict per primitive (most time first), then the rest: name, forward_calls,
        forward_s, backward_calls, backward_s, total_s, share (of the block's wall time)."""
        total = self.elapsed_s
        none = Timing()
        rows = []
        for name in set(self.forward) | set(self.backward):
            f, b = self.forward.get(name, none), self.backward.get(name, none)
            rows.append({"name": name, "forward_calls": f.calls, "forward_s": f.seconds,
                         "backward_calls": b.calls, "backward_s": b.seconds,
                         "total_s": f.seconds + b.seconds})
        rows.sort(key=lambda r: -r["total_s"])
        rest = max(total - sum(r["total_s"] for r in rows), 0.0)
        rows.append({"name": REST, "forward_calls": 0, "forward_s": 0.0, "backward_calls": 0,
                     "backward_s": 0.0, "total_s": rest})
        for r in rows:
            r["share"] = r["total_s"] / total if total else 0.0
        return rows

    def inside_rows(self) -> list[dict]:
        """Calls made directly inside the main rows' calls (most time first): name, calls,
        total_s, share (of the block's wall time; already part of the main rows' shares)."""
        total = self.elapsed_s
        rows = [{"name": name, "calls": t.calls, "total_s": t.seconds,
                 "share": t.seconds / total if total else 0.0} for name, t in self.inside.items()]
        return sorted(rows, key=lambda r: -r["total_s"])

    def table(self, steps: int = 1, title: str | None = None) -> str:
        """The breakdown as text, per step when the block ran ``steps`` steps."""
        header = (f"{'primitive':<24} {'fwd calls':>9} {'fwd ms':>8} {'bwd calls':>9} "
                  f"{'bwd ms':>8} {'total ms':>9} {'share':>6}")
        lines = [title] if title else []
        lines += [header, "-" * len(header)]

        def ms(seconds):
            return f"{1000 * seconds / steps:.2f}"

        def calls(n):
            return f"{n / steps:g}" if n else ""
        for r in self.rows():
            if r["name"] == REST:
                lines.append("-" * len(header))
            lines.append(f"{r['name']:<24} {calls(r['forward_calls']):>9} "
                         f"{ms(r['forward_s']) if r['forward_calls'] else '':>8} "
                         f"{calls(r['backward_calls']):>9} "
                         f"{ms(r['backward_s']) if r['backward_calls'] else '':>8} "
                         f"{ms(r['total_s']):>9} {100 * r['share']:>5.1f}%")
        lines.append(f"{'total (wall time)':<24} {'':>9} {'':>8} {'':>9} {'':>8} "
                     f"{ms(self.elapsed_s):>9} {100.0:>5.1f}%")
        lines.append("bwd = the backward rules, including the ops they run; the rest = the "
                     "engine's own work between primitives")
        inside = self.inside_rows()
        if inside:
            lines.append("run inside the calls above (already part of their time):")
        for r in inside[:INSIDE_SHOWN]:
            lines.append(f"  {r['name']:<22} {calls(r['calls']):>9} {'':>8} {'':>9} {'':>8} "
                         f"{ms(r['total_s']):>9} {100 * r['share']:>5.1f}%")
        if len(inside) > INSIDE_SHOWN:
            more = inside[INSIDE_SHOWN:]
            lines.append(f"  ({len(more)} more: {ms(sum(r['total_s'] for r in more))} ms)")
        return "\n".join(lines)


def profile() -> Profile:
    """Time every primitive's forward and backward inside a ``with`` block (see the module)."""
    return Profile()
