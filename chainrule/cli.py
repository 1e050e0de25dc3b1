"""The ``chainrule`` command: one sub-command per thing a learner does.

Each sub-command lives in ``chainrule/commands/<name>.py`` and defines
``register(subparsers)``, which adds its parser and sets ``run=function(args) -> int``.
"""
from __future__ import annotations

import argparse
import importlib
import itertools
import pkgutil
import re
import sys

from . import commands


class PlainHelpFormatter(argparse.HelpFormatter):
    """Help as plain text: the docstrings' reStructuredText ````code```` loses its quotes."""

    def _format_text(self, text):
        return super()._format_text(_plain(text))

    def _expand_help(self, action):
        return _plain(super()._expand_help(action))


def _plain(text: str) -> str:
    return re.sub(r"``([^`]+)``", r"\1", text) if text else text


class Parser(argparse.ArgumentParser):
    """An ``ArgumentParser`` whose help is plain text (every sub-command gets one)."""

    def __init__(self, *args, **kwargs):
        kwargs.setdefault("formatter_class", PlainHelpFormatter)
        super().__init__(*args, **kwargs)


EXPRESSION_COMMANDS = ("derive", "step", "draw")


def expression_arguments(argv: list[str]) -> list[str]:
    """``derive "-log(p)"``: an expression that starts with '-' is not an option.

    argparse reads any argument that starts with '-' as an option, but one containing a space
    as a value; so a leading space (which the expression parser skips) keeps it a value.
    """
    if not argv or argv[0] not in EXPRESSION_COMMANDS:
        return argv
    fixed = [argv[0]]
    for before, arg in itertools.pairwise(argv):
        takes_value = before.startswith("-") and before not in ("-h", "--help", "--no-values",
                                                                  "--no-grads")
        looks_like_option = re.fullmatch(r"--[A-Za-z].*|-o.*|-h|-", arg)   # -h, -o: the short ones
        if arg.startswith("-") and not takes_value and not looks_like_option:
            arg = " " + arg
        fixed.append(arg)
    return fixed


def build_parser() -> argparse.ArgumentParser:
    parser = Parser(
        prog="chainrule",
        description="See the chain rule at work, then train a CNN on the same engine.")
    subparsers = parser.add_subparsers(dest="command", required=True, metavar="COMMAND",
                                       parser_class=Parser)
    for info in sorted(pkgutil.iter_modules(commands.__path__), key=lambda m: m.name):
        module = importlib.import_module(f"{commands.__name__}.{info.name}")
        module.register(subparsers)
    return parser


class UserError(Exception):
    """A mistake in the command line or its input: printed as one line, no traceback."""


def main(argv=None) -> int:
    from .budget import BudgetExceeded
    argv = list(sys.argv[1:] if argv is None else argv)
    args = build_parser().parse_args(expression_arguments(argv))
    try:
        return int(args.run(args) or 0)
    except (UserError, ValueError, TypeError, RuntimeError, ArithmeticError,
            BudgetExceeded) as e:
        message = str(e).strip().splitlines()[0] if str(e).strip() else type(e).__name__
        if isinstance(e, RecursionError):
            message = "the expression nests too deeply to work on; try a smaller one"
        elif isinstance(e, ArithmeticError):
            message = f"a number grew past what can be computed ({message})"
        print(f"chainrule {args.command}: error: {message}", file=sys.stderr)
        return 2
    except OSError as e:
        where = f" {str(e.filename)!r}" if e.filename else ""
        print(f"chainrule {args.command}: error: {e.strerror or e}{where}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        print(f"chainrule {args.command}: interrupted", file=sys.stderr)
        return 130


if __name__ == "__main__":
    sys.exit(main())
