"""Which Graphviz program lays the pictures out, and running it under a time limit.

Two programs give the same pictures from the same DOT text:

- the system's ``dot`` (Graphviz), when it is on PATH: fastest, every format;
- ``graphviz-pure`` (a pip package, a default dependency of chainrule): Graphviz 16.1
  ported to Rust as one self-contained program with its own fonts, for the machines where
  ``dot`` is not installed (Windows, a locked-down lab machine, Colab without apt). It writes
  SVG and PNG; a PDF is then the PNG on a PDF page.

Either runs as a child process in its own process group, killed with that group when it
passes its time limit, and (on Linux) when the Python process that started it dies.
"""
from __future__ import annotations

import os
import shutil
import signal
import subprocess
import sys
from dataclasses import dataclass
from importlib import metadata
from pathlib import Path

import graphviz

PURE = "graphviz-pure"
INSTALL_HELP = (
    "No Graphviz program was found to render the picture: neither Graphviz's 'dot' on PATH "
    "nor the graphviz-pure package. Fix it with one command:  pip install graphviz-pure  "
    "(a system Graphviz works too: apt-get install graphviz, brew install graphviz, winget "
    "install graphviz). The DOT text needs neither: picture.source in Python, or -o graph.dot "
    "on the command line")


PNG_INCHES = 100         # a PNG's longer side at most 9600 px (96 dpi): larger graphs scale
                         # down (a 300-node chain is 20,000 px tall, 150 million pixels)


class GraphvizMissing(graphviz.ExecutableNotFound):
    """No program renders pictures here (a ``RuntimeError``, as graphviz's own error)."""

    def __init__(self, message: str = INSTALL_HELP):
        RuntimeError.__init__(self, message)


class GraphvizTimeout(RuntimeError):
    """The layout program passed its time limit and was killed."""


@dataclass(frozen=True)
class Program:
    """A Graphviz command line: ``kind`` is "dot" (the system's) or "graphviz-pure"."""
    kind: str
    path: str

    def formats(self) -> tuple[str, ...]:
        return ("svg", "png", "pdf") if self.kind == "dot" else ("svg", "png")


def find_program() -> Program:
    """The system ``dot`` when it is on PATH, else graphviz-pure; GraphvizMissing if neither."""
    dot = shutil.which("dot")
    if dot:
        return Program("dot", dot)
    pure = _pure_path()
    if pure:
        return Program(PURE, pure)
    raise GraphvizMissing()


def _pure_path() -> str | None:
    """graphviz-pure's program, found through its installed files (so it is found in a
    notebook whose PATH lacks the environment's bin folder), else on PATH."""
    try:
        files = metadata.distribution(PURE).files or ()
    except metadata.PackageNotFoundError:
        files = ()
    for file in files:
        if file.name in (PURE, f"{PURE}.exe"):
            path = Path(file.locate()).resolve()
            if path.is_file():
                return str(path)
    for folder in (Path(sys.executable).parent, Path(sys.prefix) / "bin"):
        for name in (PURE, f"{PURE}.exe"):
            if (folder / name).is_file():
                return str(folder / name)
    return shutil.which(PURE)


def _die_with_parent() -> None:       # runs in the child between fork and exec (Linux)
    try:
        import ctypes
        ctypes.CDLL(None, use_errno=True).prctl(1, signal.SIGKILL)   # PR_SET_PDEATHSIG
    except (OSError, AttributeError):
        pass


def run(program: Program, source: str, format: str, seconds: float,
        engine: str = "dot") -> bytes:
    """``source`` laid out by ``program`` as ``format`` bytes, within ``seconds``.

    Raises GraphvizTimeout when the limit passes (the program and its group are killed), and
    graphviz's CalledProcessError naming the program's own message when it fails.
    """
    command = [program.path, f"-K{engine}", f"-T{format}"]
    if format == "png":
        command.append(f"-Gsize={PNG_INCHES},{PNG_INCHES}")
    options = {}
    if os.name == "posix":
        options["start_new_session"] = True          # its own process group, killed whole
        if sys.platform.startswith("linux"):
            options["preexec_fn"] = _die_with_parent
    elif os.name == "nt":
        options["creationflags"] = subprocess.CREATE_NEW_PROCESS_GROUP
    try:
        child = subprocess.Popen(command, stdin=subprocess.PIPE, stdout=subprocess.PIPE,
                                 stderr=subprocess.PIPE, **options)
    except FileNotFoundError:
        raise GraphvizMissing() from None
    try:
        out, err = child.communicate(source.encode("utf-8"), timeout=seconds)
    except subprocess.TimeoutExpired:
        _kill(child)
        raise GraphvizTimeout(f"{program.kind} did not finish the picture in {seconds:g} s "
                              "and was stopped") from None
    except BaseException:                            # Ctrl-C: leave nothing running
        _kill(child)
        raise
    if child.returncode != 0:
        raise graphviz.CalledProcessError(child.returncode, command, output=out,
                                          stderr=err.decode("utf-8", "replace"))
    return out


def _kill(child: subprocess.Popen) -> None:
    try:
        if os.name == "posix":
            os.killpg(child.pid, signal.SIGKILL)
        else:
            child.kill()
    except (ProcessLookupError, PermissionError):
        pass
    child.communicate()
