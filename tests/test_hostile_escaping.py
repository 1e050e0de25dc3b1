"""15.5: a tensor named like markup is text in every format: HTML (and its MathML), SVG,
DOT labels, Markdown and LaTeX never carry it as a tag."""
from __future__ import annotations

import re
import shutil
from pathlib import Path

import numpy as np
import pytest
import sympy

import autodiff as ad

EVIL = "<img src=x onerror=alert(1)>"


def evil_derivation():
    w = ad.tensor(np.array(sympy.Symbol(EVIL, real=True), dtype=object), requires_grad=True)
    w.name = EVIL
    x = ad.symbols("x")
    v = w * x
    v.name = "<b>v</b>"
    return ad.sigmoid(v), w, x


def no_tag(text: str) -> bool:
    return re.search(r"<\s*(img|b)[\s>]", text) is None and "onerror=alert(1)>" not in text


def no_user_tag(text: str) -> bool:
    """For DOT's HTML-like labels, whose own <b> is fine: neither user name as a tag."""
    return "<img" not in text and "<b>v</b>" not in text


@pytest.mark.parametrize("numbers", [False, True])
def test_every_derivation_format_escapes_names(numbers):
    out, w, x = evil_derivation()
    d = ad.derive(out)
    if numbers:
        d = d.at({w: 1.0, x: 2.0})
    page, fragment = d.html(), d.html(standalone=False)
    assert no_tag(page) and no_tag(fragment)
    assert "&lt;img src=x onerror=alert(1)&gt;" in page          # shown, as text
    assert no_tag(d.markdown()) and no_tag(d.latex())
    assert r"\text{\textless{}img src=x onerror=alert(1)\textgreater{}}" in d.latex()


def test_plain_names_still_typeset_by_sympy():
    w, x = ad.symbols("w_0 x")
    latex = ad.derive(ad.sigmoid(w * x)).latex()
    assert "w_{0}" in latex and r"\text{" in latex          # \text{upstream} labels only


def test_graph_pictures_escape_names_in_dot_and_svg(tmp_path):
    out, w, x = evil_derivation()
    picture = ad.draw(out)
    assert no_user_tag(picture.source) and "&lt;img" in picture.source
    if shutil.which("dot"):
        svg = picture.pipe(format="svg").decode()
        assert no_user_tag(svg)
        frames = ad.draw_steps(ad.derive(out).at({w: 1.0, x: 2.0}), tmp_path / "frames",
                               format="svg")
        for frame in frames:
            assert no_user_tag(Path(frame).read_text(encoding="utf-8"))
