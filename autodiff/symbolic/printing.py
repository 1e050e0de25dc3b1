"""Printing the pieces of a derivation: numbers as short decimals, expressions on one line
(an indicator ``Piecewise`` as an Iverson bracket ``[x > 0]``), LaTeX, and a primitive's
LaTeX rule made readable in a terminal. Large tensors are summarised, not printed.
"""
from __future__ import annotations

import re

import numpy as np
import sympy
from sympy.printing.latex import LatexPrinter
from sympy.printing.str import StrPrinter

from .namespace import exact
from .step import as_array

MAX_SHOWN = 16          # tensors with more entries are summarised, not printed


UNDEFINED = "undefined (division by zero)"


def number_text(value) -> str:
    """An exact number as a short decimal: 2, -0.1966, 1.5e-07; ``inf``, ``-inf``, and
    ``undefined (division by zero)`` for SymPy's complex infinity (``x/0``)."""
    value = exact(value)
    if value is sympy.zoo:
        return UNDEFINED
    if value is sympy.nan:
        return "undefined"
    if value in (sympy.oo, -sympy.oo):
        return "inf" if value is sympy.oo else "-inf"
    if value.is_Integer:
        if abs(value) < 10 ** 15:
            return str(int(value))
        try:
            return f"{float(value):.4g}"              # never thousands of digits
        except OverflowError:
            return "inf" if value > 0 else "-inf"
    number = complex(value.evalf(15))
    text = f"{number.real:.4g}"
    return text if not number.imag else f"{text}{number.imag:+.4g}i"


def value_text(value) -> str | None:
    """The numbers of a result (nested lists for a tensor), or None when it holds symbols."""
    array = as_array(value)
    if not all(exact(v).is_number for v in array.flat):
        return None
    if array.shape == ():
        return number_text(array[()])
    if array.size > MAX_SHOWN * 4:
        return f"({'x'.join(map(str, array.shape))} numbers)"
    return str(np.vectorize(number_text, otypes=[object])(array).tolist()).replace("'", "")


def expr_text(value, summary: str = "") -> str:
    """A SymPy expression or Array on one line (a large tensor is summarised)."""
    array = as_array(value)
    if array.size > MAX_SHOWN and array.ndim > 2:
        nonzero = sum(1 for v in array.flat if exact(v) != 0)
        return f"({'x'.join(map(str, array.shape))} {summary or 'array'}, {nonzero} non-zero)"
    return _TextPrinter().doprint(value)


def _indicator(expr):
    """The condition of ``Piecewise((1, c), (0, True))``: an Iverson bracket [c]."""
    args = expr.args
    if len(args) == 2 and args[0].expr == 1 and args[1].expr == 0 and args[1].cond is sympy.true:
        return args[0].cond
    return None


class _TextPrinter(StrPrinter):
    """SymPy's one-line printer, writing an indicator Piecewise as [x > 0]."""

    def _print_Piecewise(self, expr):
        cond = _indicator(expr)
        return f"[{self._print(cond)}]" if cond is not None else super()._print_Piecewise(expr)

    def _print_ComplexInfinity(self, expr):
        return UNDEFINED

    def _print_Infinity(self, expr):
        return "inf"

    def _print_NegativeInfinity(self, expr):
        return "-inf"


_LATEX_TEXT_ESCAPES = {"\\": r"\textbackslash{}", "{": r"\{", "}": r"\}", "$": r"\$",
                       "&": r"\&", "%": r"\%", "#": r"\#", "_": r"\_", "^": r"\textasciicircum{}",
                       "~": r"\textasciitilde{}", "<": r"\textless{}", ">": r"\textgreater{}",
                       "|": r"\textbar{}"}


def latex_text(text: str) -> str:
    """Any text as the argument of ``\\text{...}``: LaTeX's special characters (and ``< >``,
    which Markdown would read as HTML) escaped."""
    return "".join(_LATEX_TEXT_ESCAPES.get(c, c) for c in str(text))


def plain_name(name: str) -> bool:
    """A name SymPy may typeset itself (``w0``, ``K_0_1``, ``alpha``)."""
    return re.fullmatch(r"[A-Za-z0-9_]*", name) is not None


class _LatexPrinter(LatexPrinter):
    def _print_Symbol(self, expr, style="plain"):
        if plain_name(expr.name):
            return super()._print_Symbol(expr, style)
        return rf"\text{{{latex_text(expr.name)}}}"

    def _print_Piecewise(self, expr):
        cond = _indicator(expr)
        if cond is None:
            return super()._print_Piecewise(expr)
        return rf"\left[{self._print(cond)}\right]"


def latex_of(expr) -> str:
    """SymPy's LaTeX, with an indicator as an Iverson bracket and odd names as escaped text."""
    return _LatexPrinter().doprint(expr)


def expr_latex(value, summary: str = "") -> str:
    array = as_array(value)
    if array.size > MAX_SHOWN and array.ndim > 2:
        nonzero = sum(1 for v in array.flat if exact(v) != 0)
        shape = r" \times ".join(map(str, array.shape))
        return rf"\text{{({shape} {summary or 'array'}, {nonzero} non-zero)}}"
    if array.ndim == 2:
        return _LatexPrinter().doprint(sympy.Matrix(array.tolist()))
    return _LatexPrinter().doprint(value)


def plain_rule(latex: str) -> str:
    """A primitive's LaTeX rule made readable in a terminal: \\bar{x} = \\bar{y} x  ->  x̄ = ȳ x."""
    text = re.sub(r"\\bar\{(\w)\}", lambda m: m.group(1) + "\u0304", latex)
    text = re.sub(r"\\(?:text|mathrm|operatorname)\{([^}]*)\}", r"\1", text)
    for before, after in [(r"\quad", "   "), (r"\,", " "), (r"\cdot", "·"), (r"\sigma", "σ"),
                          (r"\top", "ᵀ"), (r"\ln", "ln"), (r"\sqrt", "√"), (r"\cos", "cos"),
                          (r"\sin", "sin"), (r"\max", "max"), (r"\min", "min"), (r"\lnot", "¬"),
                          (r"\le", "≤"), (r"\textstyle", ""), (r"\sum", "Σ"), (r"\alpha", "α"),
                          (r"\#", "#"), (r"\mathrel{+}=", "+="), ("^{z-1}", "^(z-1)"),
                          ("^2", "²"), ("{", ""), ("}", "")]:
        text = text.replace(before, after)
    return re.sub(r"\s+", " ", text).strip()


