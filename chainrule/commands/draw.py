"""``chainrule draw EXPR --at w=2,x=-1 -o graph.png [--steps FOLDER]``: pictures of a graph.

The expression is read by the project's own small parser (never ``eval``), built on
symbols, and drawn: values forward, gradients back, local gradients on the edges. With
``--steps`` every step of the backward pass also becomes a picture, plus an animated GIF.
"""
from __future__ import annotations

from .derive import parse_values


def run(args) -> int:
    from pathlib import Path

    import autodiff as ad
    from autodiff.symbolic.parser import symbolic_graph
    from autodiff.viz.render import picture_format, render_bytes

    from ..budget import symbolic_budget
    from ..cli import UserError
    from ..output import check_target, write_output

    check_target(args.output, "graph.png")       # a folder or a bad suffix fails before any work
    chosen = picture_format(args.output)
    if args.steps and Path(args.steps).exists() and not Path(args.steps).is_dir():
        raise UserError(f"--steps {args.steps!r} is a file; give a folder for the step pictures")
    with symbolic_budget("drawing the graph"):
        out, variables = symbolic_graph(args.expr)
        values = parse_values(args.at, list(variables))
        at = {variables[name]: value for name, value in values.items()}
        picture = ad.draw(out, values=not args.no_values, grads=not args.no_grads,
                          rankdir=args.rankdir, at=at or None)
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
