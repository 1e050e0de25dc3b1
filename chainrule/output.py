"""Files the commands write (``-o``): atomically, with one-line errors a learner can act on.

A regular file is written to a temporary name beside it, then renamed over it, so a full disk
or a Ctrl-C never leaves half a file. A device or pipe that already exists (``/dev/stdout``,
``/dev/full``) is written directly: renaming over it would replace the device itself.
"""
from __future__ import annotations

import os
import stat
from pathlib import Path

from .cli import UserError


def check_target(path, example: str = "out.txt", option: str = "-o") -> Path:
    """``path`` as a Path, refused at once when it names a folder."""
    path = Path(path)
    if path.is_dir():
        raise UserError(f"{option} {str(path)!r} is a folder; give a file name, e.g. "
                        f"{str(path / example)!r}")
    return path


def write_output(path, data: bytes, option: str = "-o") -> str:
    """Write ``data`` to ``path``; returns a note when the folder had to be created."""
    path = check_target(path, option=option)
    note = ""
    folder = path.parent
    if not folder.exists():
        try:
            folder.mkdir(parents=True)
        except OSError as e:
            raise UserError(f"{option}: cannot create the folder {str(folder)!r}: "
                            f"{e.strerror or e}") from None
        note = f"created the folder {folder}"
    try:
        if path.exists() and not stat.S_ISREG(path.stat().st_mode):
            with open(path, "wb") as f:                  # a device or a pipe: never renamed
                f.write(data)
            return note
        tmp = path.with_name(f".{path.name}.{os.getpid()}.part")
        try:
            with open(tmp, "wb") as f:
                f.write(data)
            os.replace(tmp, path)
        finally:
            if tmp.exists():
                tmp.unlink()
    except OSError as e:
        raise UserError(f"{option}: cannot write {str(path)!r}: {e.strerror or e}") from None
    return note
