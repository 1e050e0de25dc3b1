"""What a picture writes on a node: short value summaries, and colours for gradient magnitude.

A learner should read a node at a glance: a scalar in full, a tiny tensor in full, a larger
one as two numbers (its mean and its norm). Gradients are coloured on a log scale, so a
gradient that vanishes (1e-8) or explodes (1e4) stands out from healthy ones.
"""
from __future__ import annotations

import html
import itertools
import math

import numpy as np

TINY = 6                  # tensors with at most this many elements are written in full
MAX_TEXT = 120            # longer text (SymPy expressions) is cut with an ellipsis
GRAD_COLOUR = "#b03a2e"   # the second colour: gradients, beside the values

# Fill colours for the root-mean-square of a gradient, anchored at powers of ten and
# interpolated in between: blue (vanishing), pale green (healthy), orange-red (exploding).
_ANCHORS = [(-8.0, (0x6b, 0xae, 0xd6)), (-4.0, (0xc6, 0xdb, 0xef)), (-1.5, (0xe5, 0xf5, 0xe0)),
            (1.0, (0xe5, 0xf5, 0xe0)), (3.0, (0xfd, 0xbb, 0x84)), (5.0, (0xef, 0x65, 0x48))]
ZERO_FILL = "#d9d9d9"     # a gradient that is exactly zero (a dead ReLU, an unused input)
NO_GRAD_FILL = "#ffffff"  # a tensor that takes no gradient


def escape(text: str) -> str:
    """Text made safe inside a Graphviz HTML-like label."""
    return html.escape(str(text), quote=True)


def shorten(text: str, limit: int = MAX_TEXT) -> str:
    text = " ".join(str(text).split())
    return text if len(text) <= limit else text[:limit - 1] + "…"


def wrap(text: str, width: int = 30) -> list[str]:
    """``text`` as lines of about ``width`` characters, broken only at spaces, and at spaces
    outside parentheses where it can: an expression is wrapped, never cut."""
    words, depth, current = [], 0, ""
    for ch in " ".join(str(text).split()):
        depth += (ch == "(") - (ch == ")")
        if ch == " " and depth == 0:
            words.append(current)
            current = ""
        else:
            current += ch
    words.append(current)
    pieces: list[str] = []
    for word in words:                     # a long parenthesised term: break inside it too
        for piece in (word.split(" ") if len(word) > width else [word]):
            if pieces and pieces[-1] in ("+", "-", "=", "×"):   # a line starts with "- w2"
                pieces[-1] += " " + piece
            else:
                pieces.append(piece)
    lines = [""]
    for piece in pieces:
        if lines[-1] and len(lines[-1]) + 1 + len(piece) > width:
            lines.append(piece)
        else:
            lines[-1] = f"{lines[-1]} {piece}" if lines[-1] else piece
    return lines


def number(value) -> str:
    """A float in 4 significant digits (``0.7311``, ``-1.5e-07``); exact SymPy stays exact."""
    if isinstance(value, (bool, np.bool_)):
        return str(bool(value))
    if isinstance(value, (int, np.integer)):
        return str(int(value))
    try:
        f = float(value)
    except (TypeError, ValueError):
        return shorten(str(value))
    if hasattr(value, "is_Rational") and value.is_Rational:   # a SymPy number such as 1/2
        return str(value)
    return f"{f:.4g}"


def summary(array: np.ndarray) -> str:
    """A host array as text: in full when tiny, else its mean and its Euclidean norm."""
    if array.dtype == object:
        numbers = as_floats(array)
        if numbers is not None:
            return summary(numbers)
        if array.size == 1:
            return shorten(str(array.reshape(())[()]))
        if array.size <= TINY:
            return shorten("[" + ", ".join(str(v) for v in array.flat) + "]")
        return f"{array.size} expressions"
    if array.size == 1:
        return number(array.reshape(())[()])
    if array.size <= TINY:
        return "[" + ", ".join(number(v) for v in array.reshape(-1)) + "]"
    if array.dtype.kind in "biu":
        return f"min {array.min()} · max {array.max()}"
    values = array.astype(np.float64)
    return f"mean {number(values.mean())} · ‖·‖ {number(np.sqrt((values * values).sum()))}"


def as_floats(array: np.ndarray) -> np.ndarray | None:
    """An object array of SymPy numbers as float64 (None when a free symbol is left)."""
    if array.size > 10_000 or not all(getattr(v, "is_number", True) for v in array.flat):
        return None
    try:
        return np.array([float(v) for v in array.flat], dtype=np.float64).reshape(array.shape)
    except (TypeError, ValueError):
        return None


def magnitude(array: np.ndarray) -> float | None:
    """Root-mean-square of a gradient (independent of the tensor's size); None when the
    gradient has no numeric value (a SymPy expression with free symbols)."""
    if array.dtype == object:
        array = as_floats(array)
        if array is None:
            return None
    values = array.astype(np.float64)
    if values.size == 0:
        return None
    return float(np.sqrt(np.mean(values * values)))


def fill_for(rms: float | None) -> str:
    """The fill colour of a node whose gradient has root-mean-square ``rms``."""
    if rms is None:
        return NO_GRAD_FILL
    if rms == 0:
        return ZERO_FILL
    if not math.isfinite(rms):
        return "#cb181d"
    level = math.log10(rms)
    if level <= _ANCHORS[0][0]:
        return _hex(_ANCHORS[0][1])
    for (lo, c0), (hi, c1) in itertools.pairwise(_ANCHORS):
        if level <= hi:
            t = (level - lo) / (hi - lo)
            return _hex(tuple(round(a + (b - a) * t) for a, b in zip(c0, c1)))
    return _hex(_ANCHORS[-1][1])


def _hex(rgb) -> str:
    return "#{:02x}{:02x}{:02x}".format(*rgb)


def legend_label(note: str = "") -> str:
    """An HTML-like table: the colour of each decade of gradient magnitude."""
    cells = "".join(
        f'<td bgcolor="{fill_for(10.0 ** p)}">1e{p:+d}</td>' for p in range(-8, 5, 2))
    extra = (f'<td bgcolor="{ZERO_FILL}">0</td>'
             f'<td bgcolor="{NO_GRAD_FILL}">no grad</td>')
    title = "rms |gradient|, log scale: blue vanishes, red explodes"
    note_row = f'<tr><td colspan="9"><i>{escape(note)}</i></td></tr>' if note else ""
    return (f'<<table border="0" cellborder="1" cellspacing="0" cellpadding="3">'
            f'<tr><td colspan="9"><b>{escape(title)}</b></td></tr>'
            f'<tr>{cells}{extra}</tr>{note_row}</table>>')
