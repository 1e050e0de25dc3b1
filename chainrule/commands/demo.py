"""``chainrule demo``: the best demonstration the engine has (run by ``make demo``)."""
from __future__ import annotations


def run(args) -> int:
    import autodiff as ad
    w, x, b = ad.symbols("w x b")
    out = ad.sigmoid(w * x + b)
    print("L = sigmoid(w*x + b) =", out.item())
    for name, g in zip("wxb", ad.gradients(out, [w, x, b])):
        print(f"dL/d{name} =", g.item())
    return 0


def register(subparsers) -> None:
    parser = subparsers.add_parser("demo", help="a worked derivation, then a small CNN trained")
    parser.set_defaults(run=run)
