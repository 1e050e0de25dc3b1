"""The README's examples run as written.

Every fenced block of README.md is run the way a reader would run it, in a fresh folder:
- a ```python block as a script of its own (each block stands alone: no name from another);
- a block of ``>>>`` lines as a doctest (its printed output must match, ``...`` elides);
- a transcript (lines starting ``$ ``): each command in bash, and its output must be the text
  the README shows under it;
- any other block: each line is a shell command that must succeed. ``make`` and ``pip``
  lines are the install steps that CI itself runs, so they are not run again here.
``chainrule`` and ``.venv/bin/python`` stand for this checkout's command and interpreter.
"""
from __future__ import annotations

import doctest
import os
import re
import stat
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
README = (ROOT / "README.md").read_text(encoding="utf-8")
FENCE = re.compile(r"^```(\w*)\n(.*?)^```", re.MULTILINE | re.DOTALL)
INSTALL_STEPS = ("make ", "pip ", "source ", "git clone")


def blocks() -> list[tuple[int, str, str]]:
    """(line number, language, text) of every fenced block."""
    return [(README[:m.start()].count("\n") + 1, m.group(1), m.group(2))
            for m in FENCE.finditer(README)]


def kind(language: str, text: str) -> str:
    if language == "python":
        return "python"
    lines = [line for line in text.splitlines() if line.strip()]
    if lines and lines[0].startswith(">>> "):
        return "doctest"
    if lines and lines[0].startswith("$ "):
        return "transcript"
    return "commands"


BLOCKS = blocks()
IDS = [f"line{line}-{kind(lang, text)}" for line, lang, text in BLOCKS]


@pytest.fixture
def reader(tmp_path: Path) -> dict:
    """A fresh folder with this checkout's ``chainrule`` and ``.venv/bin/python`` in reach,
    the tutorials beside it, pictures and outputs landing inside it. Returns the environment."""
    bin_dir = tmp_path / ".venv" / "bin"
    bin_dir.mkdir(parents=True)
    for name, args in (("python", ""), ("chainrule", " -m chainrule")):
        wrapper = bin_dir / name
        wrapper.write_text(f'#!/bin/sh\nexec "{sys.executable}"{args} "$@"\n')
        wrapper.chmod(wrapper.stat().st_mode | stat.S_IEXEC)
    (tmp_path / "tutorials").symlink_to(ROOT / "tutorials")
    env = dict(os.environ)
    env["PATH"] = f"{bin_dir}{os.pathsep}{env['PATH']}"
    env["PYTHONPATH"] = os.pathsep.join(filter(None, [str(ROOT), env.get("PYTHONPATH")]))
    env["MPLBACKEND"] = "Agg"
    env["CHAINRULE_OUTPUT"] = str(tmp_path / "output")
    env["COLUMNS"] = "100"
    return env


def run(command: list[str], cwd: Path, env: dict, what: str,
        stdin: str | None = None) -> subprocess.CompletedProcess:
    result = subprocess.run(command, cwd=cwd, env=env, capture_output=True, text=True,
                            timeout=300, input=stdin, check=False)
    if result.returncode != 0:
        pytest.fail(f"{what} failed (exit {result.returncode}):\n{result.stdout[-3000:]}\n"
                    f"{result.stderr[-3000:]}", pytrace=False)
    return result


def tidy(text: str) -> str:
    return "\n".join(line.rstrip() for line in text.strip("\n").splitlines())


@pytest.mark.parametrize("line, language, text", BLOCKS, ids=IDS)
def test_readme_block_runs_as_written(line, language, text, reader, tmp_path):
    what = f"README.md line {line}"
    form = kind(language, text)
    if form == "python":
        script = tmp_path / "block.py"
        script.write_text(text, encoding="utf-8")
        run([sys.executable, str(script)], tmp_path, reader, what)
    elif form == "doctest":
        script = tmp_path / "block.py"
        script.write_text(
            "import doctest, sys\nimport autodiff as ad\nimport nn\n"
            f"text = {text!r}\n"
            "test = doctest.DocTestParser().get_doctest(text, {'ad': ad, 'nn': nn}, 'README', "
            "'README.md', 0)\n"
            f"flags = {doctest.ELLIPSIS | doctest.NORMALIZE_WHITESPACE}\n"
            "runner = doctest.DocTestRunner(optionflags=flags)\n"
            "runner.run(test)\nsys.exit(1 if runner.failures else 0)\n", encoding="utf-8")
        run([sys.executable, str(script)], tmp_path, reader, what)
    elif form == "transcript":
        for command, shown in transcript(text):
            out = run(["bash", "-c", command], tmp_path, reader, f"{what}: {command}").stdout
            assert tidy(out) == tidy(shown), f"{what}: `{command}` printed:\n{out}"
    else:
        for command in text.splitlines():
            command = command.split("  #")[0].strip()
            if command and not command.startswith(INSTALL_STEPS):
                run(["bash", "-c", command], tmp_path, reader, f"{what}: {command}")


def transcript(text: str) -> list[tuple[str, str]]:
    """The ``$ command`` lines of a transcript, each with the output shown below it."""
    pairs: list[tuple[str, list[str]]] = []
    for line in text.splitlines():
        if line.startswith("$ "):
            pairs.append((line[2:], []))
        elif pairs:
            pairs[-1][1].append(line)
    return [(command, "\n".join(shown)) for command, shown in pairs]


def test_every_block_is_checked():
    """A block in a language the test does not know would slip through unchecked."""
    for line, language, _ in BLOCKS:
        assert language in ("", "python"), f"README.md line {line}: ```{language} is not run"
