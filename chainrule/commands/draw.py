"""``chainrule draw EXPR --at w=2,x=-1 -o graph.png [--steps FOLDER]``: pictures of a graph.

The expression is read by the project's own small parser (never ``eval``), built on
symbols, and drawn: values forward, gradients back, local gradients on the edges. With
``--steps`` every step of the backward pass also becomes a picture, plus an animated GIF.
"""
from __future__ import annotations

from .derive import parse_values


def _at_numbers(out, variables: dict, values: dict):
    """The graph again with the numbers in its leaves (floats, as ``derive --at`` uses):
    evaluating the symbolic graph at the end would redo exp(exp(...)) exactly."""
    import numpy as np

    from autodiff.symbolic.graph import Graph, replay
    leaf_values = {id(variables[name]): np.array(value, dtype=object)
                   for name, value in values.items()}
    return replay(Graph(out), leaf_values)[0]


def run(args) -> int:
    from pathlib import Path

    import autodiff as ad
    from autodiff.symbolic.parser import symbolic_graph
    from autodiff.viz.render import picture_format, render_bytes

    from ..budget import BudgetExceeded, symbolic_budget
    from ..cli import UserError
    from ..output import check_target, write_output

    check_target(args.output, "graph.png")       # a folder or a bad suffix fails before any work
    chosen = picture_format(args.output)
    if args.steps and Path(args.steps).exists() and not Path(args.steps).is_dir():
        raise UserError(f"--steps {args.steps!r} is a file; give a folder for the step pictures")
    out, variables = symbolic_graph(args.expr)
    values = parse_values(args.at, list(variables))
    style = {"values": not args.no_values, "grads": not args.no_grads, "rankdir": args.rankdir}
    try:        # edges labelled by their expressions and numbers, if that fits half the budget
        with symbolic_budget("drawing the graph", share=0.5 if values else 1.0):
            at = {variables[name]: value for name, value in values.items()}
            picture = ad.draw(out, at=at or None, **style)
    except BudgetExceeded:
        if not values:
            raise
        with symbolic_budget("drawing the graph", share=0.5):     # numbers only
            picture = ad.draw(_at_numbers(out, variables, values), **style)
        print("the symbolic labels grew too large: the picture shows numbers only")
    note = write_output(args.output, render_bytes(picture, chosen))
    if note:
        print(note)
    print(f"wrote {args.output} ({picture.shown_nodes} nodes)")
    if args.steps:
        from autodiff.symbolic.derive import derive
        with symbolic_budget("the derivation behind the step pictures"):
            derivation = derive(out)
            if values:
                derivation = derivation.at({name: value for name, value in values.items()})
        created = not Path(args.steps).exists()
        frames = ad.draw_steps(derivation, args.steps, format=args.steps_format,
                               rankdir=args.rankdir)
        if created:
            print(f"created the folder {args.steps}")
        print(f"wrote {len(frames)} frames to {args.steps}"
              + (f" and the animation {frames.gif}" if frames.gif else ""))
    return 0


def register(subparsers) -> None:
    parser = subparsers.add_parser(
        "draw", help="draw an expression's graph: values, gradients, one frame per step",
        description="Draw the computational graph of EXPR (e.g. \"sigmoid(w*x + b)\") with "
                    "each node's value and gradient, and the local gradient on each edge.")
    parser.add_argument("expr", metavar="EXPR", help='the expression, e.g. "sigmoid(w*x + b)"')
    parser.add_argument("--at", metavar="NAME=VALUE,...",
                        help="numbers for the variables, e.g. w=2,x=-1,b=-3")
    parser.add_argument("-o", "--output", default="graph.png", metavar="FILE",
                        help="the picture to write: .png, .svg, .pdf (or .dot for the DOT "
                             "text); default graph.png")
    parser.add_argument("--steps", metavar="FOLDER",
                        help="also write one picture per backward step, and an animated GIF")
    parser.add_argument("--steps-format", default="png", choices=["png", "svg", "pdf"],
                        help="format of the step pictures (default png)")
    parser.add_argument("--rankdir", choices=["LR", "TB", "RL", "BT"], default=None,
                        help="direction of the graph (default left to right)")
    parser.add_argument("--no-values", action="store_true", help="leave the values out")
    parser.add_argument("--no-grads", action="store_true", help="leave the gradients out")
    parser.set_defaults(run=run)
