"""A budget for the symbolic work of one command: it answers in seconds or says why not.

A few characters can ask for an expression with millions of terms (twelve nested
``maximum``), and SymPy would work on it for hours. The commands run that work under a time
limit (``CHAINRULE_BUDGET`` seconds, default 5) and refuse output past a size limit, with
one line that says so.
"""
from __future__ import annotations

import os
import signal
import threading
from contextlib import contextmanager

import numpy as np

MAX_OUTPUT = 2_000_000          # characters of one derivation written out


class BudgetExceeded(BaseException):
    """The symbolic work did not fit its budget.

    A ``BaseException``, like ``KeyboardInterrupt``: SymPy's own ``except Exception`` blocks
    must not swallow it (and the timer repeats, in case one does).
    """


def seconds() -> float:
    try:
        return max(0.1, float(os.environ.get("CHAINRULE_BUDGET", "5")))
    except ValueError:
        return 5.0


@contextmanager
def symbolic_budget(what: str = "the derivation", share: float = 1.0):
    """Raise :class:`BudgetExceeded` when the block runs past ``share`` of the time budget."""
    limit = seconds() * share
    usable = hasattr(signal, "setitimer") and threading.current_thread() is threading.main_thread()
    if not usable:
        with np.errstate(over="ignore", invalid="ignore"):
            yield
        return

    def expired(signum, frame):
        raise BudgetExceeded(f"{what} took longer than its budget of {limit:g} s: the "
                             "expression grows too large to write out (nested calls "
                             "multiply its terms); try a smaller expression")

    previous = signal.signal(signal.SIGALRM, expired)
    signal.setitimer(signal.ITIMER_REAL, limit, 0.5)
    try:
        with np.errstate(over="ignore", invalid="ignore"):  # float overflow prints as inf
            yield
    finally:
        signal.setitimer(signal.ITIMER_REAL, 0)
        signal.signal(signal.SIGALRM, previous)


def check_size(text: str, what: str = "the derivation") -> str:
    if len(text) > MAX_OUTPUT:
        raise BudgetExceeded(f"{what} is {len(text):,} characters long, past the budget of "
                             f"{MAX_OUTPUT:,}; try a smaller expression")
    return text
