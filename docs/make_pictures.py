"""Make the pictures the README shows: ``python docs/make_pictures.py`` (needs Graphviz's dot).

* docs/sigmoid_graph.svg  the textbook neuron sigmoid(w0*x0 + w1*x1 + w2) at w0=2, x0=-1,
                          w1=-3, x1=-2, w2=-3: values forward, gradients back, and the local
                          gradient on every edge;
* docs/sigmoid_step.svg   one frame of its backward pass (``ad.draw_steps``), the current
                          edge in red with upstream x local = downstream written above.
"""
from __future__ import annotations

import shutil
import sys
import tempfile
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE.parent))

# imported after the path set-up, so the script runs from anywhere
import autodiff as ad
from autodiff.symbolic.derive import derive

VALUES = {"w0": 2, "x0": -1, "w1": -3, "x1": -2, "w2": -3}


def main() -> None:
    w0, x0, w1, x1, w2 = ad.symbols("w0 x0 w1 x1 w2")
    out = ad.sigmoid(w0 * x0 + w1 * x1 + w2)
    at = {t: VALUES[t.name] for t in (w0, x0, w1, x1, w2)}
    ad.draw(out, at=at).write(HERE / "sigmoid_graph.svg")
    with tempfile.TemporaryDirectory() as folder:
        frames = ad.draw_steps(derive(out).at(VALUES), folder, format="svg", gif=False)
        shutil.copyfile(frames[3], HERE / "sigmoid_step.svg")   # the step into w0*x0 + w1*x1
    print("wrote", HERE / "sigmoid_graph.svg", "and", HERE / "sigmoid_step.svg")


if __name__ == "__main__":
    main()
