"""Views of a derivation: aligned text, Markdown, a LaTeX align block, and an HTML page that
steps (driven in headless Chromium where it is installed)."""
from __future__ import annotations

import re
import shutil
import subprocess
import xml.etree.ElementTree as ET

import pytest

import autodiff as ad


@pytest.fixture(scope="module")
def classic():
    w0, x0, w1, x1, w2 = ad.symbols("w0 x0 w1 x1 w2")
    d = ad.derive(ad.sigmoid(w0 * x0 + w1 * x1 + w2))
    return d, d.at({"w0": 2, "x0": -1, "w1": -3, "x1": -2, "w2": -3})


def test_text_aligns_every_step_and_shows_the_numbers(classic):
    symbolic, at = classic
    text = at.text()
    assert text.startswith("reverse mode: L = 0.7311 at w0 = 2, x0 = -1")
    assert "backward pass: downstream = upstream × local" in text
    quantity_lines = [line for line in text.splitlines()
                      if line.startswith("    ") and line.split()[0] in
                      ("upstream", "local", "downstream")]
    assert len(quantity_lines) == 3 * len(at.steps)
    assert len({line.index(" = ") for line in quantity_lines}) == 1      # one '=' column
    assert "    local       dv1/dw0 = x0           = -1" in text
    assert "dL/dx1 = -0.5898" in text
    assert "L*(1 - L)" in symbolic.text() and "0.1966" not in symbolic.text()
    assert str(at) == text


def test_markdown_has_the_forward_table_the_step_table_and_gradients(classic):
    _, at = classic
    md = at.markdown()
    assert "| node | definition | value |" in md
    assert "| step | edge | rule | upstream | local | downstream |" in md
    rows = [line for line in md.splitlines() if re.match(r"\| \d+ \|", line)]
    assert len(rows) == len(at.steps)
    assert all(line.count("|") == 7 for line in rows)              # no stray pipes in cells
    assert r"- $\frac{\partial L}{\partial w_{0}}$ = -0.1966" in md


def test_latex_is_one_balanced_align_block(classic):
    _, at = classic
    tex = at.latex()
    assert tex.startswith(r"\begin{align}") and tex.endswith(r"\end{align}")
    assert tex.count("{") == tex.count("}")
    assert r"\underbrace{L \left(1 - L\right)}_{\text{local}}" in tex
    assert tex.count(r"\\") == 5 + len(at.steps) + 5 - 1            # one row per line
    assert at._repr_latex_().startswith("$$\n\\begin{aligned}")


def test_html_page_is_self_contained_well_formed_and_has_mathml(classic):
    _, at = classic
    page = at.html()
    root = ET.fromstring(page.split("\n", 1)[1])          # well-formed (after the doctype)
    assert root.tag.endswith("html")
    assert "<math" in page and "<script>" in page
    assert not re.search(r"""(src|href)\s*=\s*["']?(https?:)?//""", page)   # nothing fetched
    assert page.count('class="step"') == len(at.steps)
    if shutil.which("dot"):
        assert "<svg" in page and 'id="e' in page
    fragment = at._repr_html_()
    assert "<html" not in fragment and "chainrule-derivation" in fragment


def _dom(path, query: str) -> str:
    chromium = shutil.which("chromium") or shutil.which("chromium-browser")
    result = subprocess.run(
        [chromium, "--headless", "--no-sandbox", "--disable-gpu", "--dump-dom",
         f"file://{path}?{query}"], capture_output=True, text=True, timeout=60, check=False)
    return result.stdout


@pytest.mark.skipif(not (shutil.which("chromium") or shutil.which("chromium-browser")),
                    reason="headless Chromium is not installed")
def test_html_steps_with_the_arrow_keys_in_chromium(classic, tmp_path):
    _, at = classic
    path = tmp_path / "derivation.html"
    path.write_text(at.html(), encoding="utf-8")
    dom = _dom(path, "keys=ArrowRight,ArrowRight,ArrowRight,ArrowLeft,ArrowRight,ArrowRight")
    assert 'data-current="5"' in dom
    assert "step 5 of 9" in dom
    shown = re.findall(r'<li class="step" data-step="(\d+)"[^>]*?(hidden="hidden")?>', dom)
    assert [k for k, hidden in shown if not hidden] == ["5"]
    if shutil.which("dot"):
        assert re.search(r'<g id="e\d+_\d+" class="edge lit"', dom)     # its edge lights up
    end = _dom(path, "step=2&keys=End,ArrowRight,ArrowLeft")
    assert 'data-current="8"' in end


def test_html_without_graphviz_has_no_picture_but_still_steps(classic, monkeypatch):
    from autodiff.viz import render

    def missing(*args, **kwargs):
        raise render.GraphvizMissing()     # neither the system dot nor the in-process one
    monkeypatch.setattr(render, "render_source", missing)
    _, at = classic
    page = at.html()
    assert "<svg" not in page and page.count('class="step"') == len(at.steps)
    ET.fromstring(page.split("\n", 1)[1])
