"""``chainrule draw``: a picture of an expression, its step frames, and clear errors."""
from __future__ import annotations

import pytest

from chainrule.cli import main

PNG_SIGNATURE = b"\x89PNG\r\n\x1a\n"


def test_draw_writes_the_picture_and_the_step_frames(tmp_path, capsys, renderer):
    out = tmp_path / "graph.png"
    code = main(["draw", "sigmoid(w*x + b)", "--at", "w=2,x=-1,b=-3", "-o", str(out),
                 "--steps", str(tmp_path / "frames")])
    assert code == 0
    assert out.read_bytes().startswith(PNG_SIGNATURE)
    frames = sorted((tmp_path / "frames").glob("step_*.png"))
    printed = capsys.readouterr().out
    assert f"wrote {len(frames)} frames" in printed and len(frames) >= 4
    assert (tmp_path / "frames" / "reverse.gif").exists()


def test_draw_without_values_is_symbolic(tmp_path):
    out = tmp_path / "graph.dot"
    assert main(["draw", "tanh(w*x)", "-o", str(out)]) == 0
    source = out.read_text()
    assert "w*x" in source and "label=tanh" in source


@pytest.mark.parametrize("argv, message", [
    (["draw", "w*x", "-o", "g.gif"], "unknown picture format"),
    (["draw", "w*x", "--at", "w=1,q=2"], "'q' is not a variable"),
    (["draw", "w*x", "--at", "w=1"], "no value for x"),
    (["draw", "w*x", "--at", "w"], "expected name=value"),
    (["draw", "w.__class__", "-o", "g.svg"], "column 2"),
])
def test_bad_input_is_one_clear_line(argv, message, capsys, tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    assert main(argv) == 2
    err = capsys.readouterr().err
    assert message in err and err.count("\n") == 1
    assert not list(tmp_path.iterdir())


def test_missing_graphviz_says_how_to_install(tmp_path, capsys, no_graphviz):
    assert main(["draw", "w*x", "-o", str(tmp_path / "g.svg")]) == 2
    assert "pip install graphviz-pure" in capsys.readouterr().err.lower()
