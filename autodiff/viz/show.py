"""Show a figure where the learner is: inline in Jupyter, as a file when run as a script.

A matplotlib ``Figure`` made without pyplot has no inline display of its own (a notebook prints
``<Figure size 900x340 with 2 Axes>``), and a script has no screen. ``show`` handles both:

    figure = ad.viz.figure(figsize=(9, 3.4))      # displays itself as PNG in Jupyter
    ...
    ad.viz.show(figure, "04_losses.png")           # notebook: inline; script: saved, path printed

Files go to one output folder, never the current directory: ``$CHAINRULE_OUTPUT`` when set,
otherwise ``output/`` beside the running script (in a notebook: beside the notebook).
"""
from __future__ import annotations

import functools
import os
import sys
from pathlib import Path

OUTPUT_VARIABLE = "CHAINRULE_OUTPUT"


def in_notebook() -> bool:
    """True inside a Jupyter kernel (where ``display`` reaches a page), False in a script."""
    shell = sys.modules.get("IPython")
    if shell is None:
        return False
    ipython = shell.get_ipython()
    return ipython is not None and type(ipython).__name__ == "ZMQInteractiveShell"


def output_folder() -> Path:
    """The folder a tutorial or script writes its files into (created when missing)."""
    chosen = os.environ.get(OUTPUT_VARIABLE) or os.environ.get("CHAINRULE_TUTORIAL_FIGURES")
    if chosen:
        folder = Path(chosen)
    else:
        main = sys.modules.get("__main__")
        script = getattr(main, "__file__", None)
        beside = Path(script).resolve().parent if script and not in_notebook() else Path.cwd()
        folder = beside / "output"
    folder.mkdir(parents=True, exist_ok=True)
    return folder


def output_path(name: str) -> Path:
    """``output_folder() / name``: where a tutorial writes a file called ``name``."""
    return output_folder() / name


def _png_bytes(figure, dpi: float = 80) -> bytes:
    from io import BytesIO
    buffer = BytesIO()
    figure.savefig(buffer, format="png", dpi=dpi)
    return buffer.getvalue()


@functools.cache
def _inline_figure_class():
    from matplotlib.figure import Figure  # imported on first use: viz stays light

    class InlineFigure(Figure):
        """A Figure whose notebook display is its PNG, not ``<Figure size ...>``."""

        def _repr_png_(self):
            return _png_bytes(self)

    return InlineFigure


def figure(*args, layout: str = "constrained", **kwargs):
    """A matplotlib Figure (no pyplot, no global state) that shows itself inline in Jupyter."""
    return _inline_figure_class()(*args, layout=layout, **kwargs)


def show(picture, name: str, dpi: float = 60):
    """Display ``picture`` (a matplotlib Figure or a graph from ``ad.draw``) inline in Jupyter;
    in a script, save it as ``output_folder() / name`` and print where. Returns the path
    written, or None in a notebook."""
    if in_notebook():
        from IPython.display import Image, display
        if hasattr(picture, "savefig"):
            display(Image(data=_png_bytes(picture, dpi=max(dpi, 80))))
        else:
            display(picture)
        return None
    path = output_path(name)
    if hasattr(picture, "savefig"):
        picture.savefig(path, dpi=dpi)
    else:
        picture.write(path)
    print(f"figure saved: {path}")
    return path
