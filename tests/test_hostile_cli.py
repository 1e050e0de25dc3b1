"""Issue 15.2, the command-line parts of 15.9 and 16.6: tiny inputs never hang, bad ones are
one line (exit status 2), never a traceback."""
from __future__ import annotations

import io
import os
import subprocess
import sys
from pathlib import Path

import pytest

from chainrule.cli import main

ROOT = Path(__file__).resolve().parents[1]
NESTED_MAX = "x"
for _k in range(12):
    NESTED_MAX = f"maximum({NESTED_MAX},{'xy'[_k % 2]})"


@pytest.fixture(autouse=True)
def short_budget(monkeypatch):
    monkeypatch.setenv("CHAINRULE_BUDGET", "3")


def run(argv, capsys):
    code = main(argv)
    out, err = capsys.readouterr()
    return code, out, err


def one_line_error(code, err, *words):
    assert code == 2, err
    assert len(err.strip().splitlines()) == 1 and "Traceback" not in err
    for word in words:
        assert word in err


@pytest.mark.parametrize("expression, at", [
    ("x**x**x**x", "x=3"),
    ("x**y", "x=10,y=999999999999999"),
    ("exp(exp(exp(exp(exp(exp(x))))))", "x=0"),
    ("x**y", "x=2,y=1000000"),
    ("exp(exp(exp(exp(x))))", "x=10"),
])
def test_huge_numbers_are_floats_that_overflow_to_inf(expression, at, capsys):
    code, out, err = run(["derive", expression, "--at", at], capsys)
    assert code == 0 and err == ""
    gradients = out.split("\ngradients\n")[1]
    assert "= inf" in gradients and "nan" not in out


def test_division_by_zero_prints_as_undefined(capsys):
    code, out, _ = run(["derive", "x/0"], capsys)
    assert code == 0 and "dL/dx = undefined (division by zero)" in out and "nan" not in out
    code, _, err = run(["derive", "x/0", "--at", "x=1"], capsys)
    one_line_error(code, err, "undefined (division by zero)")


def test_symbolic_work_past_its_budget_is_one_line(capsys):
    code, _, err = run(["derive", NESTED_MAX], capsys)
    one_line_error(code, err, "budget")
    code, _, err = run(["step", NESTED_MAX], capsys)
    one_line_error(code, err, "budget")


def test_an_expression_may_start_with_a_minus(capsys):
    code, out, err = run(["derive", "-log(p)", "--at", "p=0.5"], capsys)
    assert code == 0 and err == "" and "dL/dp = -2" in out
    code, out, _ = run(["derive", "--at", "x=2,y=3", "-x*y", "--wrt", "x"], capsys)
    assert code == 0 and "dL/dx = -3" in out


def test_digits_of_other_scripts_are_refused(capsys):
    code, _, err = run(["derive", "x+\u0661", "--at", "x=1"], capsys)
    one_line_error(code, err, "other scripts")
    code, _, err = run(["derive", "x*2", "--at", "x=\u0661"], capsys)
    one_line_error(code, err, "not a number", "other scripts")


def test_output_naming_a_folder_or_a_full_device(capsys, tmp_path):
    code, _, err = run(["derive", "x*2", "-o", str(tmp_path)], capsys)
    one_line_error(code, err, "is a folder")
    code, _, err = run(["draw", "x*2", "--at", "x=1", "-o", str(tmp_path)], capsys)
    one_line_error(code, err, "is a folder")
    if os.path.exists("/dev/full"):
        code, _, err = run(["derive", "x*2", "-o", "/dev/full"], capsys)
        one_line_error(code, err, "/dev/full")
        assert not Path("/dev/full").is_file()          # the device was not renamed over


def test_output_is_written_atomically(capsys, tmp_path, monkeypatch):
    target = tmp_path / "d.txt"
    target.write_text("before", encoding="utf-8")

    def fail(*args):
        raise OSError(28, "No space left on device")
    monkeypatch.setattr("chainrule.output.os.replace", fail)
    code, _, err = run(["derive", "x*2", "-o", str(target)], capsys)
    one_line_error(code, err, "No space left")
    assert target.read_text(encoding="utf-8") == "before"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["d.txt"]     # no partial file left
    monkeypatch.undo()
    code, _, _ = run(["derive", "x*2", "-o", str(target)], capsys)
    assert code == 0 and "dL/dx" in target.read_text(encoding="utf-8")


def test_draw_into_a_missing_folder_says_it_created_it(capsys, tmp_path):
    target = tmp_path / "new" / "deeper" / "graph.dot"
    code, out, _ = run(["draw", "x*2", "--at", "x=1", "-o", str(target)], capsys)
    assert code == 0 and target.exists()
    assert f"created the folder {target.parent}" in out


def test_steps_naming_a_file_is_one_line(capsys, tmp_path):
    afile = tmp_path / "file.txt"
    afile.write_text("x", encoding="utf-8")
    code, _, err = run(["draw", "x*2", "--at", "x=1", "-o", str(tmp_path / "g.dot"),
                        "--steps", str(afile)], capsys)
    one_line_error(code, err, "--steps", "is a file")


@pytest.mark.parametrize("stdin", [None, "closed"])
def test_step_with_stdin_closed_shows_every_step(stdin, capsys, monkeypatch):
    if stdin == "closed":
        stdin = io.StringIO()
        stdin.close()
    monkeypatch.setattr(sys, "stdin", stdin)
    code, out, _ = run(["step", "w*x + b", "--at", "w=2,x=3,b=1"], capsys)
    assert code == 0 and out.count("  step ") == 4 and "dL/dw = 3" in out


def test_step_with_a_really_closed_stdin():
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    command = f"{sys.executable} -m chainrule step 'w*x' --at w=2,x=3 <&-"
    result = subprocess.run(["bash", "-c", command], capture_output=True, text=True,
                            timeout=120, check=False, cwd=ROOT, env=env)
    assert result.returncode == 0, result.stderr
    assert "Traceback" not in result.stderr and "dL/dw = 3" in result.stdout


def test_help_is_plain_text(capsys):
    for command in ("train", "derive", "draw", "step"):
        with pytest.raises(SystemExit):
            main([command, "--help"])
        out, _ = capsys.readouterr()
        assert "``" not in out and "usage: chainrule" in out


@pytest.mark.parametrize("expression", ["x**x**x**x", "exp(exp(exp(exp(x))))"])
def test_draw_at_huge_numbers_answers(expression, capsys, tmp_path):
    target = tmp_path / "g.dot"
    code, _, err = run(["draw", expression, "--at", "x=3", "-o", str(target)], capsys)
    assert code == 0, err
    assert "grad inf" in target.read_text(encoding="utf-8")
