"""Reading an ``.npz`` archive without trusting it: sizes and dtypes are checked before a
single array byte is read.

``np.load`` believes what a file says: a 262-byte file whose header claims an array of
10^11 elements makes it allocate 800 GB, and a 1 MB zip of zeros expands to 1 GB. Here
every member is checked first, from the small parts of the file that describe it:

* the zip's own record of the member (its stored and its expanded size) must fit inside
  the file, and the whole archive may expand to at most ``max_bytes`` (and, for compressed
  members, at most ``MAX_EXPANSION`` times the file's size: a zip bomb is refused);
* the member's ``.npy`` header (shape, dtype) must describe exactly as many bytes as the
  member holds;
* the dtype must be a number (bool, integer or float): object arrays would need pickle,
  and strings, bytes, dates and complex numbers are never weights.

Every failure, whatever the damage, is a :class:`CheckpointError` naming the file (and the
key, when one is to blame).
"""
from __future__ import annotations

import os
import struct
import tokenize
import zipfile
import zlib

import numpy as np

MAX_BYTES = 8 * 2**30          # the most an archive may expand to (8 GiB: VGG-16 and Adam fit)
MAX_EXPANSION = 100            # compressed members: expanded size / file size, at most
SMALL = 64 * 2**20             # ...unless the whole expands to less than this (64 MiB)
NUMBER_KINDS = "biuf"          # bool, signed and unsigned integers, floats
_NPY_MAGIC, _ZIP_MAGICS = b"\x93NUMPY", (b"PK\x03\x04", b"PK\x05\x06")

# What parsing a damaged file can raise, from zipfile, zlib, struct and NumPy's header reader.
_DAMAGE = (ValueError, TypeError, KeyError, IndexError, OverflowError, SyntaxError,
           RecursionError, EOFError, OSError, NotImplementedError, zipfile.BadZipFile,
           zlib.error, struct.error, tokenize.TokenError)


class CheckpointError(ValueError):
    """A file that is not a checkpoint this library wrote, or one that was damaged."""


def _size(n: float) -> str:
    for unit in ("bytes", "KB", "MB", "GB", "TB"):
        if n < 1000 or unit == "TB":
            return f"{n:.0f} {unit}" if unit == "bytes" else f"{n:.1f} {unit}"
        n /= 1000
    return f"{n} bytes"


def read_npz(path, text_keys: tuple[str, ...] = (), max_bytes: int = MAX_BYTES
             ) -> dict[str, np.ndarray]:
    """Every array of the ``.npz`` at ``path``, each checked before it is read.

    ``text_keys`` may hold a unicode string (a checkpoint's JSON description); every other
    key must hold numbers.
    """
    path = os.fspath(path)
    if not os.path.exists(path):
        raise FileNotFoundError(f"load: no checkpoint at {path!r}")
    if os.path.isdir(path):
        raise CheckpointError(f"load: {path!r} is a folder, not an .npz checkpoint")
    try:
        with open(path, "rb") as file:
            head = file.read(len(_NPY_MAGIC))
            file.seek(0)
            if head.startswith(_NPY_MAGIC):
                raise CheckpointError(_npy_instead(path, file))
            if head[:1] == b"\x80":
                raise CheckpointError(f"load: {path!r} is a Python pickle; refusing to "
                                      "unpickle it (only numeric .npz checkpoints load)")
            if head[:4] not in _ZIP_MAGICS:
                raise CheckpointError(f"load: {path!r} is not an .npz checkpoint (unknown "
                                      "format: it does not start as a zip archive)")
            with zipfile.ZipFile(file) as archive:
                members = _checked_members(path, archive, os.fstat(file.fileno()).st_size,
                                           max_bytes)
                return {key: _read_member(path, archive, info, key, key in text_keys)
                        for key, info in members.items()}
    except CheckpointError:
        raise
    except _DAMAGE as e:
        raise CheckpointError(f"load: {path!r} is truncated or corrupt "
                              f"({type(e).__name__}: {e})") from None


def _npy_instead(path: str, file) -> str:
    """The message for a bare ``.npy`` array given where an ``.npz`` archive was expected."""
    try:
        dtype = _npy_header(file)[2]
    except _DAMAGE:
        dtype = None
    if dtype is not None and dtype.hasobject:
        return (f"load: {path!r} is a single .npy array of Python objects; refusing to "
                "unpickle it (only numeric .npz checkpoints load)")
    return (f"load: {path!r} is a single .npy array (a .npy file renamed .npz?), not an "
            ".npz checkpoint; read it with np.load, or save the state dict with nn.save")


def _checked_members(path: str, archive: zipfile.ZipFile, file_size: int,
                     max_bytes: int) -> dict[str, zipfile.ZipInfo]:
    """The members by key (``w.npy`` holds key ``w``), once their declared sizes are sane."""
    members: dict[str, zipfile.ZipInfo] = {}
    expanded, compressed = 0, False
    for info in archive.infolist():
        if not info.filename.endswith(".npy"):
            raise CheckpointError(f"load: {path!r} holds {info.filename!r}, which is not an "
                                  ".npy array (not an .npz checkpoint)")
        key = info.filename[:-len(".npy")]
        if key in members:
            raise CheckpointError(f"load: {path!r} holds the key {key!r} twice")
        if info.header_offset + info.compress_size > file_size:
            raise CheckpointError(f"load: {path!r} is truncated or corrupt (key {key!r} "
                                  "claims more bytes than the file has)")
        if info.flag_bits & 0x1:
            raise CheckpointError(f"load: {path!r} is corrupt or not a checkpoint (key {key!r} "
                                  "is encrypted)")
        stored = info.compress_type == zipfile.ZIP_STORED
        if stored and info.file_size != info.compress_size:
            raise CheckpointError(f"load: {path!r} is corrupt (key {key!r}: its stored and "
                                  "declared sizes differ)")
        compressed |= not stored
        expanded += info.file_size
        members[key] = info
    if expanded > max_bytes:
        raise CheckpointError(f"load: {path!r} declares {_size(expanded)} of arrays, more "
                              f"than the limit of {_size(max_bytes)}; refusing to read it")
    if compressed and expanded > max(SMALL, MAX_EXPANSION * file_size):
        raise CheckpointError(f"load: {path!r} would expand from {_size(file_size)} to "
                              f"{_size(expanded)} (over {MAX_EXPANSION} times its size: a zip "
                              "bomb?); refusing to expand it")
    return members


def _npy_header(file) -> tuple[tuple[int, ...], bool, np.dtype]:
    """(shape, fortran_order, dtype) from the header of the ``.npy`` stream ``file``, which
    is left at the first data byte."""
    version = np.lib.format.read_magic(file)
    readers = {(1, 0): np.lib.format.read_array_header_1_0,
               (2, 0): np.lib.format.read_array_header_2_0}
    if version not in readers:
        raise ValueError(f"unsupported .npy format version {version}")
    return readers[version](file)


def _read_member(path: str, archive: zipfile.ZipFile, info: zipfile.ZipInfo, key: str,
                 text: bool) -> np.ndarray:
    with archive.open(info) as member:
        shape, fortran, dtype = _npy_header(member)
        _check_dtype(path, key, dtype, text)
        if any(n < 0 for n in shape):
            raise CheckpointError(f"load: {path!r} is corrupt (key {key!r} has the negative "
                                  f"shape {shape})")
        count = int(np.prod(shape, dtype=object))
        nbytes = count * dtype.itemsize
        held = info.file_size - member.tell()
        if nbytes != held:
            raise CheckpointError(
                f"load: {path!r} is truncated or corrupt (key {key!r} declares shape "
                f"{shape} of {dtype}, {_size(nbytes)}, but holds {_size(max(held, 0))})")
        array = np.empty(count, dtype)
        buffer, filled = array.view(np.uint8), 0
        while filled < nbytes:
            got = member.readinto(buffer[filled:])
            if not got:
                raise EOFError(f"key {key!r} ends after {filled} of {nbytes} bytes")
            filled += got
        member.read(1)                 # reach the end, where zipfile checks the CRC
    if fortran:
        return array.reshape(shape[::-1]).transpose()
    return array.reshape(shape)


def _check_dtype(path: str, key: str, dtype: np.dtype, text: bool) -> None:
    if dtype.hasobject:
        raise CheckpointError(f"load: {path!r} key {key!r} contains pickled Python objects; "
                              "refusing to unpickle them (only numeric .npz checkpoints load)")
    if dtype.kind in NUMBER_KINDS or (text and dtype.kind == "U"):
        return
    kinds = {"c": "complex numbers", "M": "dates", "m": "time spans", "U": "text",
             "S": "bytes", "V": "records"}
    raise CheckpointError(f"load: {path!r} key {key!r} holds {kinds.get(dtype.kind, 'data')} "
                          f"(dtype {dtype}), not numbers; a checkpoint holds bool, integer or "
                          "float arrays only")
