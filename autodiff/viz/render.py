"""Turning a picture into a file: PNG, SVG or PDF, with or without a system Graphviz.

The DOT text (``picture.source``) is plain Python and always works. Images come from the
system's ``dot`` when it is on PATH, else from the ``graphviz-pure`` package (installed with
chainrule, see ``programs``): the same API either way (``write``, ``save``, ``render``,
``pipe``, the Jupyter display). A graph that Graphviz would not finish is never handed to it
whole (``bounds``); a layout that passes its time limit is stopped and replaced by a reduced
picture that says so.
"""
from __future__ import annotations

import os
import threading
import warnings
from pathlib import Path

import graphviz

from . import bounds
from .frames import pdf_of
from .programs import INSTALL_HELP, GraphvizMissing, GraphvizTimeout, find_program, run

FORMATS = ("png", "svg", "pdf")
TEXT_FORMATS = ("dot", "gv")
SECONDS_VARIABLE = "CHAINRULE_DOT_SECONDS"
DEFAULT_SECONDS = 30.0

__all__ = ["INSTALL_HELP", "GraphvizMissing", "Picture", "render_bytes", "render_source", "save"]


def time_limit() -> float:
    """Seconds one layout may take (``$CHAINRULE_DOT_SECONDS``, default 30)."""
    try:
        return max(0.1, float(os.environ.get(SECONDS_VARIABLE, DEFAULT_SECONDS)))
    except ValueError:
        return DEFAULT_SECONDS


def render_source(source: str, format: str, engine: str = "dot") -> bytes:
    """DOT text as ``format`` bytes (svg, png, pdf), bounded in size and in time."""
    program = find_program()
    reason = bounds.too_big(source)
    if reason is not None:
        warnings.warn(f"the graph was reduced before layout: {reason}", stacklevel=3)
        source = bounds.reduced(source, reason)
    seconds = time_limit()
    try:
        return _image(program, source, format, engine, seconds)
    except GraphvizTimeout as e:
        reason = f"{program.kind} did not finish its layout in {seconds:g} s"
        warnings.warn(f"{e}; drawing a reduced picture instead", stacklevel=3)
    try:
        return _image(program, bounds.reduced(source, reason, bounds.WORK_LIMIT // 8),
                      format, engine, seconds)
    except GraphvizTimeout:
        return _image(program, bounds.note_only(reason), format, engine, seconds)


def _image(program, source: str, format: str, engine: str, seconds: float) -> bytes:
    if format in program.formats():
        return run(program, source, format, seconds, engine)
    if format == "pdf":                  # graphviz-pure writes no PDF: the PNG on a page
        return pdf_of(run(program, source, "png", seconds, engine))
    raise ValueError(f"unknown picture format {format!r}; expected one of {', '.join(FORMATS)}")


class Picture(graphviz.Digraph):
    """A ``graphviz.Digraph`` rendered by the system ``dot`` or by graphviz-pure.

    It displays itself as inline SVG in Jupyter; ``picture.write("graph.png")`` writes a file.
    """

    def pipe(self, format=None, renderer=None, formatter=None, neato_no_op=None,
             quiet=False, *, engine=None, encoding=None):
        """The picture as bytes (or text, given ``encoding``), as graphviz's ``pipe``."""
        chosen = (format or self.format or "svg").lower()
        data = (self.source.encode("utf-8") if chosen in TEXT_FORMATS
                else render_source(self.source, chosen, engine or self.engine))
        return data.decode(encoding) if encoding else data

    def render(self, filename=None, directory=None, view=False, cleanup=False, format=None,
               renderer=None, formatter=None, neato_no_op=None, quiet=False,
               quiet_view=False, *, outfile=None, engine=None, raise_if_result_exists=False,
               overwrite_source=False):
        """graphviz's ``render``: the DOT text saved as ``filename``, the image beside it
        (``graph`` -> ``graph.png``), or the image at ``outfile``; returns the image's path."""
        if outfile is not None:
            outfile = Path(directory or "", outfile)
            chosen = picture_format(outfile, format)
            source = graphviz.Digraph.save(self, outfile.with_suffix(".gv").name,
                                           directory=str(outfile.parent))
        else:
            chosen = picture_format("x", format or self.format)
            source = graphviz.Digraph.save(self, filename, directory=directory)
            outfile = Path(f"{source}.{chosen}")
        write_bytes(outfile, self.pipe(format=chosen, engine=engine))
        if cleanup:
            os.unlink(source)
        if view:
            graphviz.view(str(outfile), quiet=quiet_view)
        return str(outfile)

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
    return render_source(graph.source, format, getattr(graph, "engine", "dot"))


def save(graph: graphviz.Digraph, path, format: str | None = None) -> Path:
    """Render ``graph`` to ``path``: .png, .svg, .pdf or .dot/.gv (the DOT text)."""
    chosen = picture_format(path, format)
    path = Path(path)
    if str(path.parent):
        writable_folder(path.parent)
    return write_bytes(path, render_bytes(graph, chosen))
