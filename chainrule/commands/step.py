"""``chainrule step EXPR --at ...``: walk the backward pass one step per Enter.

Works with piped input too: each line read is one step, and once the input ends the
remaining steps are printed without waiting. Type q (then Enter) to stop early.
"""
from __future__ import annotations

import sys

from .derive import add_expression_arguments, build_derivation


def _read_line(stdin) -> str:
    """The next line of input, or "" once it has ended (also when stdin is closed)."""
    if stdin is None:
        return ""
    try:
        return stdin.readline()
    except (OSError, ValueError):          # closed (``<&-``) or unreadable: no more input
        return ""


def _interactive(stdin) -> bool:
    try:
        return stdin is not None and stdin.isatty()
    except (OSError, ValueError):
        return False


def run(args) -> int:
    from autodiff.symbolic.formats import text_gradients, text_header, text_step, text_widths

    from ..budget import symbolic_budget
    with symbolic_budget():
        derivation = build_derivation(args)
        steps = derivation.steps
        widths = text_widths(derivation)
        header = text_header(derivation)
    stdin = sys.stdin
    interactive = _interactive(stdin)
    print("\n".join(header))
    waiting = True
    for k in range(1, len(steps) + 1):
        if waiting:
            if interactive:
                print(f"[Enter: step {k} of {len(steps)}, q: quit] ", end="", flush=True)
            line = _read_line(stdin)
            if not line:
                waiting = False           # input ended: show the rest without waiting
            elif line.strip().lower() in ("q", "quit", "exit"):
                print("stopped.")
                return 0
        with symbolic_budget("this step"):
            shown = text_step(derivation, k, widths)
        print("\n".join(shown), flush=True)
    print("\n".join(text_gradients(derivation)))
    return 0


def register(subparsers) -> None:
    parser = subparsers.add_parser(
        "step", help="walk the backward pass one step per Enter",
        description="Show the forward pass, then one step of the chain rule each time you "
                    "press Enter (q to stop). Works with piped input.")
    add_expression_arguments(parser)
    parser.set_defaults(run=run)
