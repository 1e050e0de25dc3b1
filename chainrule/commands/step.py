"""``chainrule step EXPR --at ...``: walk the backward pass one step per Enter.

Works with piped input too: each line read is one step, and once the input ends the
remaining steps are printed without waiting. Type q (then Enter) to stop early.
"""
from __future__ import annotations

import sys

from .derive import add_expression_arguments, build_derivation


def run(args) -> int:
    from autodiff.symbolic.formats import text_gradients, text_header, text_step, text_widths
    derivation = build_derivation(args)
    steps = derivation.steps
    interactive = sys.stdin.isatty()
    widths = text_widths(derivation)
    print("\n".join(text_header(derivation)))
    waiting = True
    for k in range(1, len(steps) + 1):
        if waiting:
            if interactive:
                print(f"[Enter: step {k} of {len(steps)}, q: quit] ", end="", flush=True)
            line = sys.stdin.readline()
            if not line:
                waiting = False           # input ended: show the rest without waiting
            elif line.strip().lower() in ("q", "quit", "exit"):
                print("stopped.")
                return 0
        print("\n".join(text_step(derivation, k, widths)), flush=True)
    print("\n".join(text_gradients(derivation)))
    return 0


def register(subparsers) -> None:
    parser = subparsers.add_parser(
        "step", help="walk the backward pass one step per Enter",
        description="Show the forward pass, then one step of the chain rule each time you "
                    "press Enter (q to stop). Works with piped input.")
    add_expression_arguments(parser)
    parser.set_defaults(run=run)
