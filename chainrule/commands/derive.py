"""``chainrule derive EXPR``: the chain rule for an expression, written out step by step.

The expression is read by our own small grammar (``autodiff.symbolic.parser``): names,
numbers, ``+ - * / **``, parentheses and a fixed list of functions. Nothing is evaluated.
"""
from __future__ import annotations

import sys

from ..cli import UserError

FORMATS = ("text", "markdown", "latex", "html")
SUFFIXES = {"text": "txt", "markdown": "md", "latex": "tex", "html": "html"}


def parse_values(text: str | None, names) -> dict:
    """``"w=2,x=-1.5"`` as ``{"w": 2.0, "x": -1.5}`` (SymPy floats), checked against ``names``.

    Numbers at evaluation are floating point: a derivation prints four digits, so exact
    arithmetic (``3**7625597484987`` has trillions of digits) is never needed; a float
    overflows to ``inf`` as NumPy's would.
    """
    import sympy

    from autodiff.symbolic.parser import ExpressionError, exact_number
    if text is None:
        return {}
    values = {}
    for item in filter(None, (part.strip() for part in text.replace(";", ",").split(","))):
        name, sep, number = (s.strip() for s in item.partition("="))
        if not sep or not name or not number:
            raise UserError(f"--at: expected name=value, got {item!r}")
        if name not in names:
            raise UserError(f"--at: unknown name {name!r} ({name!r} is not a variable of the "
                            f"expression; its names are {', '.join(names)})")
        if name in values:
            raise UserError(f"--at: {name!r} is given twice")
        try:
            values[name] = sympy.Float(exact_number(number), 15)
        except ExpressionError as e:
            raise UserError(f"--at: the value of {name} ({number!r}) is not a number"
                            + (" (digits of other scripts are not numbers here; write 0-9)"
                               if "other scripts" in str(e) else "")) from None
    missing = [n for n in names if n not in values]
    if values and missing:
        raise UserError(f"--at: no value for {', '.join(missing)} (the expression's names are "
                        f"{', '.join(names)})")
    return values


def build_derivation(args):
    """The derivation that ``args`` (expression, --at, --wrt, --mode) ask for.

    With ``--at`` the graph is built on the numbers themselves, so no step is ever written
    out in symbols first (the symbolic form can be far larger than the numeric one).
    """
    from autodiff.symbolic.derive import derive, derive_at
    from autodiff.symbolic.parser import symbolic_graph
    output, variables = symbolic_graph(args.expression)
    names = list(variables)
    values = parse_values(args.at, names)
    wrt = None
    if args.wrt:
        wrt = [w.strip() for w in args.wrt.split(",") if w.strip()]
        unknown = [w for w in wrt if w not in variables]
        if unknown:
            raise UserError(f"--wrt: unknown name {unknown[0]!r}; the expression's names are "
                            f"{', '.join(names)}")
        wrt = [variables[w] for w in wrt]
    if args.mode == "forward" and wrt is None and len(names) > 1:
        raise UserError(f"--mode forward pushes one tangent: choose it with --wrt (one of "
                        f"{', '.join(names)})")
    if values:
        return derive_at(output, values, wrt=wrt, mode=args.mode)
    return derive(output, wrt=wrt, mode=args.mode)


def add_expression_arguments(parser) -> None:
    parser.add_argument("expression", help='e.g. "sigmoid(w*x + b)"')
    parser.add_argument("--at", metavar="NAME=VALUE,...",
                        help="numbers for every name, e.g. w=2,x=-1,b=-3")
    parser.add_argument("--wrt", metavar="NAME[,NAME...]",
                        help="the inputs to report (forward mode: the one to push)")
    parser.add_argument("--mode", choices=("reverse", "forward"), default="reverse",
                        help="reverse (backpropagation, the default) or forward (tangents)")


def run(args) -> int:
    from ..budget import check_size, symbolic_budget
    from ..output import check_target, write_output
    if args.output:
        check_target(args.output, "derivation." + SUFFIXES[args.format])  # before any work
    with symbolic_budget():
        derivation = build_derivation(args)
        rendered = check_size(getattr(derivation, args.format)())
    if args.output:
        note = write_output(args.output, rendered.encode("utf-8"))
        print(f"chainrule derive: wrote {args.output} ({args.format})"
              + (f"; {note}" if note else ""))
    else:
        sys.stdout.write(rendered)
    return 0


def register(subparsers) -> None:
    parser = subparsers.add_parser(
        "derive", help="the chain rule for an expression, step by step",
        description="Write out reverse-mode (or forward-mode) differentiation of an "
                    "expression: every edge as downstream = upstream x local.")
    add_expression_arguments(parser)
    parser.add_argument("--format", choices=FORMATS, default="text",
                        help="text (default), markdown, latex or html (a page that steps)")
    parser.add_argument("-o", "--output", metavar="FILE", help="write to FILE instead of stdout")
    parser.set_defaults(run=run)
