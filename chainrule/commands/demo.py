"""``chainrule demo`` (run by ``make demo``): the chain rule worked by hand, then a real CNN.

1. L = sigmoid(w*x + b): every backward step printed as downstream = upstream x local,
   in algebra and in numbers at w=2, x=-1, b=-3; written as HTML.
2. The graph of L with values and gradients, as PNG.
3. ``lenet5_mini`` trained on scikit-learn's 8x8 digits with a progress bar, its checkpoint,
   metrics and training curves written beside, and its test accuracy printed.

Everything goes into ./chainrule-demo/ (``--out`` elsewhere). A part whose tool is missing
(Graphviz, a module) is skipped with a message; the rest still runs.
"""
from __future__ import annotations

import os
import sys

from chainrule.commands import train as training

POINT = {"w": 2.0, "x": -1.0, "b": -3.0}
DEFAULT_EPOCHS = 30   # the recipe that brings lenet5_mini to 98% (see train.Options)
EPOCHS_VARIABLE = "CHAINRULE_DEMO_EPOCHS"   # tests shorten the training with it


def _heading(text: str) -> None:
    print(f"\n== {text} " + "=" * max(0, 72 - len(text)))


def derivation(folder: str, written: list) -> None:
    """Print the derivation of sigmoid(w*x + b) and write it as derivation.html."""
    import autodiff as ad
    from nn.checkpoint import atomic_write
    _heading("1. the chain rule, step by step: L = sigmoid(w*x + b)")
    if not hasattr(ad, "derive"):
        print("skipped: symbolic derivations (ad.derive) are not available in this build")
        return
    w, x, b = ad.symbols("w x b")
    worked = ad.derive(ad.sigmoid(w * x + b)).at({w: POINT["w"], x: POINT["x"],
                                                   b: POINT["b"]})
    print(worked.text())
    path = os.path.join(folder, "derivation.html")
    page = worked.html()
    atomic_write(path, lambda file: file.write(page.encode("utf-8")))
    written.append(path)


def graph(folder: str, written: list) -> None:
    """The graph of L with values and gradients at the same point, as graph.png."""
    import autodiff as ad
    _heading("2. the graph, values forward and gradients back")
    draw = getattr(ad, "draw", None)
    if draw is None:
        try:
            from autodiff.viz import draw
        except ImportError as e:
            print(f"skipped graph.png: pictures are not available ({e})")
            return
    w, x, b = (ad.tensor(POINT[n], requires_grad=True, name=n) for n in "wxb")
    picture = draw(ad.sigmoid(w * x + b), values=True, grads=True)
    path = os.path.join(folder, "graph.png")
    try:
        picture.save(path)
    except RuntimeError as e:      # Graphviz's dot missing: say how to get it, carry on
        print(f"skipped graph.png: {e}")
        return
    written.append(path)


def epochs_from(args) -> int:
    if getattr(args, "epochs", None) is not None:
        return args.epochs
    value = os.environ.get(EPOCHS_VARIABLE)
    if value is None:
        return DEFAULT_EPOCHS
    try:
        return int(value)
    except ValueError:
        raise ValueError(f"{EPOCHS_VARIABLE} must be a whole number, got {value!r}") from None


def run(args) -> int:
    folder = training.prepare_folder(args.out)
    written: list[str] = []
    derivation(folder, written)
    graph(folder, written)
    epochs = epochs_from(args)
    _heading(f"3. lenet5_mini learns the 8x8 digits ({epochs} epochs, CPU)")
    options = training.Options(model="lenet5_mini", dataset="digits", epochs=epochs,
                               out=folder, progress=not args.quiet)
    document = training.train(options)
    written += options.written
    held_out = sum(map(sum, document["confusion"]))
    print(f"\ntest accuracy of lenet5_mini on {held_out} held-out digits (20%), never seen "
          f"in training: {document['test_accuracy']:.2%}")
    _heading("files written")
    for path in written:
        print(f"  {path}")
    next_steps(folder, written)
    return 0


def command_name() -> str:
    """How to call ``chainrule`` from this shell: plain when it is on PATH, else by its path
    (``make demo`` installs it into .venv/bin, which is on PATH only after activating)."""
    import shutil
    beside = os.path.join(os.path.dirname(sys.executable), "chainrule")
    if shutil.which("chainrule") and os.path.exists(beside) and \
            os.path.samefile(shutil.which("chainrule"), beside):
        return "chainrule"
    return os.path.relpath(beside) if os.path.exists(beside) else "python -m chainrule"


def next_steps(folder: str, written: list) -> None:
    """Where the pictures are, and three things to try next."""
    pictures = [p for p in written if p.endswith((".png", ".svg", ".html"))]
    _heading("what next")
    print(f"Pictures and pages are in {os.path.abspath(folder)}:")
    for path in pictures:
        print(f"  {os.path.basename(path)}")
    command = command_name()
    python = "python" if command == "chainrule" else os.path.relpath(sys.executable)
    print("\nThree things to try:")
    print(f'  1. a derivation of your own:  {command} derive "tanh(w*x + b)" --at w=0.5,x=2,b=-1')
    print(f"  2. the course, from its first tutorial:  {python} tutorials/01_chain_rule.py"
          "  (or `make notebooks` for Jupyter)")
    print(f"  3. a deeper network:  {command} train --model resnet_mini --dataset digits "
          "--epochs 5")
    if command != "chainrule":
        print(f"\n({command} is the command; `source .venv/bin/activate` puts `chainrule` on "
              "your PATH)")


def register(subparsers) -> None:
    parser = subparsers.add_parser(
        "demo", help="a worked derivation, its graph, then a small CNN trained on digits",
        description=__doc__.split("\n\n")[0])
    parser.add_argument("--out", default="chainrule-demo", help="folder for every file")
    parser.add_argument("--epochs", type=int, default=None,
                        help=f"training epochs (default {DEFAULT_EPOCHS}, or ${EPOCHS_VARIABLE})")
    parser.add_argument("--quiet", action="store_true", help="no progress bars")
    parser.set_defaults(run=run)
