"""Turning a picture into a file: PNG, SVG or PDF through Graphviz's ``dot`` program.

The DOT text (``picture.source``) is plain Python and always works. Images need the ``dot``
program; when it is missing, every way of rendering (``save``, ``render``, ``pipe``, the
Jupyter display) says how to install it instead of failing with a bare "file not found".
"""
from __future__ import annotations

import os
import threading
from pathlib import Path

import graphviz

FORMATS = ("png", "svg", "pdf")
TEXT_FORMATS = ("dot", "gv")

INSTALL_HELP = (
    "Graphviz's 'dot' program was not found on PATH, so the picture cannot be rendered. "
    "Install Graphviz (Debian/Ubuntu: sudo apt-get install graphviz; macOS: brew install "
    "graphviz; conda: conda install graphviz; Windows: winget install graphviz), then try "
    "again. The DOT text needs no Graphviz: picture.source in Python, or -o graph.dot "
    "on the command line")


class GraphvizMissing(graphviz.ExecutableNotFound):
    """Graphviz's ``dot`` is not installed (a ``RuntimeError``, as graphviz's own error)."""

    def __init__(self, message: str = INSTALL_HELP):
        RuntimeError.__init__(self, message)


class Picture(graphviz.Digraph):
    """A ``graphviz.Digraph`` whose rendering errors explain how to install Graphviz.

    It displays itself as inline SVG in Jupyter; ``picture.write("graph.png")`` writes a file.
    """

    def pipe(self, *args, **kwargs):
        try:
            return super().pipe(*args, **kwargs)
        except graphviz.ExecutableNotFound:
            raise GraphvizMissing() from None

    def render(self, *args, **kwargs):
        try:
            return super().render(*args, **kwargs)
        except graphviz.ExecutableNotFound:
            raise GraphvizMissing() from None

    def _repr_mimebundle_(self, include=None, exclude=None, **kwargs):
        try:
            return super()._repr_mimebundle_(include, exclude, **kwargs)
        except GraphvizMissing as e:   # show the DOT text rather than a traceback
            return {"text/plain": f"{e}\n\n{self.source}"}

    def write(self, path, format: str | None = None) -> Path:
        """Write the picture to ``path`` (format from the suffix unless given): .png, .svg,
        .pdf, or .dot for the DOT text."""
        return save(self, path, format)

    def save(self, filename=None, directory=None, *, skip_existing=False) -> str:
        """graphviz's ``save`` writes the DOT text; given an image name (``graph.png``,
        ``.svg``, ``.pdf``) this one writes the image, as a reader would expect."""
        suffix = Path(str(filename)).suffix.lower().lstrip(".") if filename else ""
        if suffix in FORMATS and directory is None and skip_existing is False:
            return str(save(self, filename))
        return super().save(filename, directory=directory, skip_existing=skip_existing)


def picture_format(path, format: str | None = None, allowed=FORMATS + TEXT_FORMATS) -> str:
    """The format asked for by ``format`` or by the file's suffix; a clear error otherwise."""
    chosen = (format or Path(path).suffix.lstrip(".")).lower()
    if chosen not in allowed:
        what = f"format {format!r}" if format else f"the suffix of {str(path)!r}"
        raise ValueError(f"unknown picture format: {what}; expected one of "
                         f"{', '.join(allowed)}")
    return chosen


def writable_folder(folder, create: bool = True) -> Path:
    """``folder`` as a Path, created when missing; a clear error when it cannot be written."""
    folder = Path(folder)
    if folder.exists() and not folder.is_dir():
        raise NotADirectoryError(f"{str(folder)!r} is a file, not a folder")
    if not folder.exists():
        if not create:
            raise FileNotFoundError(f"the folder {str(folder)!r} does not exist")
        try:
            folder.mkdir(parents=True, exist_ok=True)
        except OSError as e:
            raise PermissionError(f"cannot create the folder {str(folder)!r}: "
                                  f"{e.strerror or e}") from None
    if not os.access(folder, os.W_OK | os.X_OK):
        raise PermissionError(f"the folder {str(folder)!r} is not writable")
    return folder


def write_bytes(path, data: bytes) -> Path:
    """Write ``data`` to ``path`` atomically (a temporary file, then a rename)."""
    path = Path(path)
    if path.is_dir():
        raise IsADirectoryError(f"{str(path)!r} is a folder; give a file name such as "
                                f"{str(path / 'graph.svg')!r}")
    writable_folder(path.parent if str(path.parent) else ".")
    tmp = path.with_name(f".{path.name}.{os.getpid()}.{threading.get_ident()}.part")
    try:
        with open(tmp, "wb") as f:       # open(), not mkstemp: the file gets the usual mode
            f.write(data)
        os.replace(tmp, path)
    except BaseException:
        if os.path.exists(tmp):
            os.unlink(tmp)
        raise
    return path


def render_bytes(graph: graphviz.Digraph, format: str) -> bytes:
    """The picture as image bytes (or the DOT text for "dot"/"gv")."""
    if format in TEXT_FORMATS:
        return graph.source.encode("utf-8")
    try:
        return graph.pipe(format=format)
    except graphviz.ExecutableNotFound:
        raise GraphvizMissing() from None


def save(graph: graphviz.Digraph, path, format: str | None = None) -> Path:
    """Render ``graph`` to ``path``: .png, .svg, .pdf (needs ``dot``) or .dot/.gv (text)."""
    chosen = picture_format(path, format)
    path = Path(path)
    if str(path.parent):
        writable_folder(path.parent)
    return write_bytes(path, render_bytes(graph, chosen))
