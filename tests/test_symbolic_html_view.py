"""The HTML stepper at a glance, in headless Chromium at 1280x900: the graph and the current
step side by side, the step's edge in red, values on the graph and each gradient (in red)
once the steps have reached it, all in view while the arrow keys step."""
from __future__ import annotations

import json
import re
import shutil
import subprocess

import pytest

import autodiff as ad

CHROMIUM = shutil.which("chromium") or shutil.which("chromium-browser")
pytestmark = pytest.mark.skipif(not (CHROMIUM and shutil.which("dot")),
                                reason="needs headless Chromium and Graphviz's dot")

# appended to a copy of the page: where the current card and the shown gradients landed
PROBE = """<script>//<![CDATA[
(function () {
  function box(e) { var r = e.getBoundingClientRect();
    return [r.left, r.top, r.right, r.bottom]; }
  var card = document.querySelector('li.step:not([hidden])');
  var grads = Array.prototype.slice.call(document.querySelectorAll('svg text.grad'));
  var shown = grads.filter(function (t) { return t.style.visibility !== 'hidden'; });
  var lit = document.querySelector('svg g.edge.lit');
  document.body.setAttribute('data-probe', JSON.stringify({
    card: box(card), step: card.getAttribute('data-step'), grads: grads.length,
    shown: shown.map(box), edge: lit ? box(lit) : null,
    view: [window.innerWidth, window.innerHeight]}));
})();
//]]></script>"""


def chromium(tmp_path, url: str, *extra: str) -> str:
    result = subprocess.run(
        [CHROMIUM, "--headless", "--no-sandbox", "--disable-gpu",
         "--disable-background-networking", "--disable-component-update", "--no-first-run",
         f"--user-data-dir={tmp_path / 'profile'}", "--window-size=1280,900",
         "--hide-scrollbars", *extra, url],
        capture_output=True, text=True, timeout=90, check=False)
    return result.stdout


@pytest.fixture(scope="module")
def derivation():
    w0, x0, w1, x1, w2 = ad.symbols("w0 x0 w1 x1 w2")
    d = ad.derive(ad.sigmoid(w0 * x0 + w1 * x1 + w2))
    return d.at({"w0": 2, "x0": -1, "w1": -3, "x1": -2, "w2": -3})


def probe(tmp_path, page: str, keys: str) -> dict:
    path = tmp_path / "probe.html"
    path.write_text(page.replace("</body>", PROBE + "</body>"), encoding="utf-8")
    dom = chromium(tmp_path, f"file://{path}?keys={keys}", "--dump-dom")
    found = re.search(r'data-probe="([^"]*)"', dom)
    assert found, dom[-2000:]
    return json.loads(found.group(1).replace("&quot;", '"'))


def inside(rect, view) -> bool:
    left, top, right, bottom = rect
    return left >= 0 and top >= 0 and right <= view[0] and bottom <= view[1]


def test_card_edge_and_gradients_are_in_view_while_the_keys_step(derivation, tmp_path):
    page = derivation.html()
    at_start = probe(tmp_path, page, "")
    assert at_start["step"] == "1" and len(at_start["shown"]) == 2     # L, then v4 by step 1
    five = probe(tmp_path, page, "ArrowRight,ArrowRight,ArrowRight,ArrowRight")
    assert five["step"] == "5" and five["view"][0] == 1280 and five["view"][1] >= 700
    assert inside(five["card"], five["view"])                          # no scrolling needed
    assert five["edge"] and inside(five["edge"], five["view"])
    assert five["card"][0] > five["edge"][2] - 1 or five["card"][0] > 1280 / 2 - 200  # beside
    assert 2 < len(five["shown"]) < five["grads"]                      # gradients flow back
    assert all(inside(rect, five["view"]) for rect in five["shown"])
    end = probe(tmp_path, page, "End")
    assert len(end["shown"]) == end["grads"] == len(derivation.graph.forward)
    assert all(inside(rect, end["view"]) for rect in end["shown"])


def test_screenshot_at_1280_by_900_shows_the_graph_and_the_step(derivation, tmp_path):
    from PIL import Image
    path = tmp_path / "page.html"
    path.write_text(derivation.html(), encoding="utf-8")
    shot = tmp_path / "step5.png"
    chromium(tmp_path, f"file://{path}?keys=ArrowRight,ArrowRight,ArrowRight,ArrowRight",
             f"--screenshot={shot}")
    with Image.open(shot) as image:
        assert image.size == (1280, 900)
        pixels = image.convert("RGB").load()
        red = sum(1 for x in range(0, 1280, 2) for y in range(0, 900, 2)
                  if pixels[x, y][0] > 170 and pixels[x, y][1] < 90 and pixels[x, y][2] < 90)
    assert red > 50            # the lit edge, the card's frame and the gradients, in red
