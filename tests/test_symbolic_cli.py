"""`chainrule derive` and `chainrule step`: real output, piped input, and clear errors."""
from __future__ import annotations

import io
import os
import subprocess
import sys
from pathlib import Path

import pytest

from chainrule.cli import main

CLASSIC = ["sigmoid(w0*x0 + w1*x1 + w2)", "--at", "w0=2,x0=-1,w1=-3,x1=-2,w2=-3"]
ROOT = Path(__file__).resolve().parents[1]


def run(argv, capsys, stdin: str | None = None, monkeypatch=None):
    if stdin is not None:
        monkeypatch.setattr(sys, "stdin", io.StringIO(stdin))
    code = main(argv)
    out, err = capsys.readouterr()
    return code, out, err


def test_derive_prints_the_textbook_example(capsys):
    code, out, err = run(["derive", *CLASSIC], capsys)
    assert code == 0 and err == ""
    assert out.startswith("reverse mode: L = 0.7311 at w0 = 2")
    for line in ("dL/dw0 = -0.1966", "dL/dx0 = 0.3932", "dL/dw1 = -0.3932",
                 "dL/dx1 = -0.5898", "dL/dw2 = 0.1966"):
        assert line in out


@pytest.mark.parametrize("fmt, marker", [("markdown", "| step | edge |"),
                                         ("latex", r"\begin{align}"),
                                         ("html", "<!DOCTYPE html>")])
def test_derive_formats_and_output_file(fmt, marker, capsys, tmp_path):
    target = tmp_path / f"out.{fmt}"
    code, out, _ = run(["derive", *CLASSIC, "--format", fmt, "-o", str(target)], capsys)
    assert code == 0 and str(target) in out
    assert marker in target.read_text(encoding="utf-8")


def test_derive_forward_mode_with_wrt(capsys):
    code, out, _ = run(["derive", "x*y + exp(x)", "--mode", "forward", "--wrt", "x",
                        "--at", "x=0,y=3"], capsys)
    assert code == 0 and "tangent out" in out and "dL/dx = 4" in out
    code, _, err = run(["derive", "x*y", "--mode", "forward"], capsys)
    assert code == 2 and "--wrt" in err


def test_step_walks_one_step_per_line_of_piped_input(capsys, monkeypatch):
    code, out, _ = run(["step", "w*x + b", "--at", "w=2,x=3,b=1"], capsys, "\n", monkeypatch)
    assert code == 0
    assert out.count("  step ") == 4 and "dL/dw = 3" in out      # input ended: the rest shown
    code, out, _ = run(["step", "w*x + b", "--at", "w=2,x=3,b=1"], capsys, "\nq\n",
                       monkeypatch)
    assert code == 0 and out.count("  step ") == 1 and "stopped." in out


def test_step_with_a_real_pipe():
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    result = subprocess.run([sys.executable, "-m", "chainrule", "step", *CLASSIC],
                            input="\n" * 20, capture_output=True, text=True, timeout=120,
                            check=False,
                            cwd=ROOT, env=env)
    assert result.returncode == 0, result.stderr
    assert result.stdout.count("  step ") == 9 and "dL/dx1 = -0.5898" in result.stdout


@pytest.mark.parametrize("argv, message", [
    (["derive", "__import__('os').system('touch HACKED')"], "'__import__' at column 1"),
    (["derive", "x.__class__"], "column 2"),
    (["derive", "lambda: 1"], "'lambda' at column 1"),
    (["derive", "'rm -rf'"], "strings"),
    (["derive", "w*x", "--at", "w=1,q=2"], "unknown name 'q'"),
    (["derive", "w*x", "--at", "w=1"], "no value for x"),
    (["derive", "w*x", "--at", "w=one,x=2"], "not a number"),
    (["derive", "w*x", "--at", "w"], "name=value"),
    (["derive", "log(x)", "--at", "x=-2"], "not a real number"),
    (["derive", "w*x", "--wrt", "z"], "unknown name 'z'"),
    (["step", "foo(x)"], "unknown function 'foo'"),
])
def test_bad_input_is_one_clear_line_and_exit_2(argv, message, capsys, tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    code, _, err = run(argv, capsys)
    assert code == 2 and message in err and len(err.strip().splitlines()) == 1
    assert not (tmp_path / "HACKED").exists()


def readme_block(command: str) -> str:
    """The output printed under ``$ command`` in the README's symbolic section."""
    text = (ROOT / "README.md").read_text(encoding="utf-8")
    section = text.split("<!-- section: symbolic -->")[1].split("<!-- /section: symbolic -->")[0]
    after = section.split(f"$ {command}\n", 1)[1]
    return after.split("\n```", 1)[0] + "\n"


def test_the_readme_shows_the_real_output(capsys, monkeypatch):
    _, out, _ = run(["derive", *CLASSIC], capsys)
    assert readme_block('chainrule derive "sigmoid(w0*x0 + w1*x1 + w2)" --at '
                        "w0=2,x0=-1,w1=-3,x1=-2,w2=-3") == out
    _, out, _ = run(["step", "sigmoid(w*x + b)", "--at", "w=2,x=-1,b=-3"], capsys,
                    "\n\nq\n", monkeypatch)
    assert readme_block("printf '\\n\\nq\\n' | chainrule step \"sigmoid(w*x + b)\" --at "
                        "w=2,x=-1,b=-3") == out
