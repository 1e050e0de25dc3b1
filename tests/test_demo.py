"""``chainrule demo`` opens the door: it says where its pictures are and what to try next,
and the commands it suggests run as printed."""
from __future__ import annotations

import re
import shlex

from chainrule.cli import main


def test_demo_names_its_pictures_and_three_next_steps(tmp_path, capsys, monkeypatch):
    monkeypatch.setenv("CHAINRULE_DEMO_EPOCHS", "1")
    assert main(["demo", "--quiet", "--out", str(tmp_path / "demo")]) == 0
    out = capsys.readouterr().out
    assert f"Pictures and pages are in {tmp_path / 'demo'}" in out
    for name in ("graph.png", "curves.png", "derivation.html"):
        assert f"  {name}\n" in out
    steps = re.findall(r"^  [123]\. .*$", out, flags=re.MULTILINE)
    assert len(steps) == 3, out
    derive = re.search(r"(\S*chainrule) (derive .*)$", steps[0]).group(2)
    assert main(shlex.split(derive)) == 0          # the suggested derivation runs as printed
    assert "dL/dw" in capsys.readouterr().out
    assert "tutorials/01_chain_rule.py" in steps[1] and "train --model" in steps[2]
