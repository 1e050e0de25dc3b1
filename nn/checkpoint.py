"""Checkpoints as plain NumPy ``.npz`` archives: written atomically, read without pickle.

Why not pickle: unpickling runs code chosen by whoever wrote the file. An ``.npz`` is a zip
of ``.npy`` arrays; read with ``allow_pickle=False`` it can only ever produce numbers.

Two kinds of file, both read by :func:`load`:

* a *state dict* (``save(model, path)``): one array per key, exactly the model's
  ``state_dict()``; ``np.load(path)`` alone reads it too.
* a *training checkpoint* (``save_checkpoint``): model, optimizer and scheduler state,
  epoch, RNG states, history. Arrays are stored under their path (``model/fc.weight``,
  ``optimizer/state/0/exp_avg``), everything else in one JSON document, so the file stays
  readable and nothing in it is executable.

Writes go to a temporary file in the same folder, are flushed and fsync'ed, then renamed
over the target with ``os.replace``: a crash leaves either the old file or the new one,
never half of one.
"""
from __future__ import annotations

import json
import os
import tempfile
from typing import Any

import numpy as np

import autodiff as ad

from .npz_reader import CheckpointError, read_npz

_STRUCTURE = "__checkpoint__"   # the JSON member of a training checkpoint
_MODEL = "model"


# ---- atomic writing -------------------------------------------------------------------------
def atomic_write(path: str | os.PathLike, write) -> None:
    """Call ``write(file)`` on a temporary file beside ``path``, then rename it into place.

    The old file (if any) stays intact until the new one is complete and on disk.
    """
    path = os.fspath(path)
    folder = os.path.dirname(os.path.abspath(path))
    prefix = "." + os.path.basename(path) + "."
    _remove_stale_temporaries(folder, prefix)
    fd, temporary = tempfile.mkstemp(dir=folder, prefix=f"{prefix}{os.getpid()}.", suffix=".tmp")
    try:
        os.chmod(temporary, _file_mode(path))
        with os.fdopen(fd, "wb") as file:
            write(file)
            file.flush()
            os.fsync(file.fileno())
        os.replace(temporary, path)
    except BaseException:
        if os.path.exists(temporary):
            os.remove(temporary)
        raise
    try:  # make the rename itself durable (not possible on every platform)
        directory = os.open(folder, os.O_RDONLY)
    except OSError:
        return
    try:
        os.fsync(directory)
    except OSError:
        pass
    finally:
        os.close(directory)


def _remove_stale_temporaries(folder: str, prefix: str) -> None:
    """Delete the temporary files of earlier writes whose process died mid-write (SIGKILL,
    power loss: nothing ran to clean up). Their names carry the writer's process id; a file
    of a process still running (another writer right now) is left alone."""
    if os.name != "posix":
        return
    try:
        names = os.listdir(folder)
    except OSError:
        return
    for name in names:
        pid = name[len(prefix):].split(".")[0]
        if not (name.startswith(prefix) and name.endswith(".tmp") and pid.isdigit()):
            continue
        if int(pid) == os.getpid() or _alive(int(pid)):
            continue
        try:
            os.remove(os.path.join(folder, name))
        except OSError:
            pass


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)                      # signal 0: only asks whether the process exists
    except ProcessLookupError:
        return False
    except OSError:                          # it exists but belongs to someone else
        return True
    return True


def _file_mode(path: str) -> int:
    """The permissions the file would get from a plain open(): the old file's, or 0666
    less the umask (mkstemp's own 0600 would hide results from the rest of a team)."""
    try:
        return os.stat(path).st_mode & 0o777
    except OSError:
        umask = os.umask(0)
        os.umask(umask)
        return 0o666 & ~umask


def _host_array(value, where: str) -> np.ndarray:
    array = value.numpy() if isinstance(value, ad.Tensor) else np.asarray(value)
    if array.dtype == object:
        raise TypeError(f"save: {where} holds Python objects (dtype object), which .npz can "
                        "only store by pickling; save numbers only")
    return array


def _write_npz(path, arrays: dict[str, np.ndarray]) -> None:
    atomic_write(path, lambda file: np.savez(file, **arrays))


# ---- model state dicts ----------------------------------------------------------------------
def save(model_or_state_dict, path: str | os.PathLike) -> None:
    """Write a model's ``state_dict()`` (or a state dict itself) to ``path`` as ``.npz``.

    Keys are kept as they are (``conv1.weight``...); values become host NumPy arrays.
    """
    state = model_or_state_dict
    if hasattr(state, "state_dict") and not isinstance(state, dict):
        state = state.state_dict()
    if not isinstance(state, dict):
        raise TypeError(f"save: expected a model or a state dict, got {type(state).__name__}")
    arrays = {}
    for key, value in state.items():
        if not isinstance(key, str) or key == _STRUCTURE:
            raise TypeError(f"save: state dict keys must be strings (not {key!r})")
        arrays[key] = _host_array(value, f"key {key!r}")
    _write_npz(path, arrays)


def _open(path) -> dict[str, np.ndarray]:
    """Every array of an ``.npz``, each checked before it is read (see ``npz_reader``)."""
    return read_npz(path, text_keys=(_STRUCTURE,))


def load(path: str | os.PathLike) -> dict[str, ad.Tensor]:
    """The model state dict stored at ``path``: ``model.load_state_dict(nn.load(path))``.

    Works on both kinds of file (for a training checkpoint: its model part). Values are CPU
    tensors; ``load_state_dict`` copies them to the parameters' own device and dtype.
    """
    arrays = _open(path)
    if _STRUCTURE in arrays:
        prefix = _MODEL + "/"
        return {k[len(prefix):]: ad.tensor(v) for k, v in arrays.items() if k.startswith(prefix)}
    return {key: ad.tensor(value) for key, value in arrays.items()}


def _listed(items: list[str], limit: int = 6) -> str:
    shown = ", ".join(items[:limit])
    return shown + (f" (and {len(items) - limit} more)" if len(items) > limit else "")


def check_state_dict(model, state: dict) -> None:
    """Raise a CheckpointError naming every key that does not fit ``model``: missing,
    unexpected, or of another shape (a checkpoint of another architecture)."""
    expected = model.state_dict()
    missing = [k for k in expected if k not in state]
    unexpected = [k for k in state if k not in expected]
    reshaped = [f"{k} {tuple(state[k].shape)} (model: {tuple(expected[k].shape)})"
                for k in expected if k in state
                and tuple(state[k].shape) != tuple(expected[k].shape)]
    problems = [f"{label}: {_listed(keys)}" for label, keys in
                (("missing keys", missing), ("unexpected keys", unexpected),
                 ("shape mismatches", reshaped)) if keys]
    if problems:
        raise CheckpointError("the checkpoint does not fit this model (another architecture?); "
                              + "; ".join(problems))


# ---- training checkpoints: nested values without pickle -------------------------------------
def _encode(value, path: str, arrays: dict) -> Any:
    """A JSON-able description of ``value``; arrays go into ``arrays`` under ``path``.

    Every container is tagged ({"dict": ...}, {"list": ...}, {"tuple": ...}) so that
    integer dict keys (optimizer state by parameter index) and tuples (Adam's betas) come
    back exactly as they were.
    """
    if value is None or isinstance(value, (bool, str)):
        return value
    if isinstance(value, (int, float)) and not isinstance(value, np.generic):
        return value
    if isinstance(value, (ad.Tensor, np.ndarray, np.generic)):
        kind = "tensor" if isinstance(value, ad.Tensor) else \
            "scalar" if isinstance(value, np.generic) else "array"
        arrays[path] = _host_array(value, path)
        return {kind: path}
    if isinstance(value, dict):
        return {"dict": [[_encode(k, f"{path}/key", {}), _encode(v, f"{path}/{k}", arrays)]
                         for k, v in value.items()]}
    if isinstance(value, (list, tuple)):
        items = [_encode(v, f"{path}/{i}", arrays) for i, v in enumerate(value)]
        return {"tuple" if isinstance(value, tuple) else "list": items}
    raise TypeError(f"save_checkpoint: cannot store {type(value).__name__} at {path!r} "
                    "(numbers, strings, arrays, tensors, lists, tuples and dicts only)")


def _decode(node, arrays: dict) -> Any:
    if not isinstance(node, dict):
        return node
    (kind, body), = node.items()
    if kind in ("tensor", "array", "scalar"):
        if body not in arrays:
            raise CheckpointError(f"load_checkpoint: the array {body!r} is missing")
        array = arrays[body]
        return ad.tensor(array) if kind == "tensor" else array[()] if kind == "scalar" else array
    if kind == "dict":
        return {_decode(k, arrays): _decode(v, arrays) for k, v in body}
    if kind == "list":
        return [_decode(v, arrays) for v in body]
    if kind == "tuple":
        return tuple(_decode(v, arrays) for v in body)
    raise CheckpointError(f"load_checkpoint: unknown entry kind {kind!r}")


def save_checkpoint(path: str | os.PathLike, **parts) -> None:
    """Write a training checkpoint: ``save_checkpoint(path, model=model.state_dict(),
    optimizer=opt.state_dict(), epoch=3, rng=...)``. ``model`` must be a state dict
    (arrays under ``model/<key>``); other parts may be any nesting of numbers, strings,
    arrays, tensors, lists, tuples and dicts.
    """
    if _MODEL not in parts:
        raise TypeError("save_checkpoint: the model's state dict is required (model=...)")
    arrays: dict[str, np.ndarray] = {}
    structure = {}
    for name, value in parts.items():
        if name == _MODEL:
            value = {k: v for k, v in value.items()}
            for key, item in value.items():
                arrays[f"{_MODEL}/{key}"] = _host_array(item, f"model key {key!r}")
            structure[name] = sorted(value)
        else:
            structure[name] = _encode(value, name, arrays)
    arrays[_STRUCTURE] = np.array(json.dumps(structure))
    _write_npz(path, arrays)


def load_checkpoint(path: str | os.PathLike) -> dict[str, Any]:
    """Everything a training checkpoint holds, as given to :func:`save_checkpoint`
    (the model part as a dict of CPU tensors). A plain state-dict file gives ``{"model": ...}``.
    """
    arrays = _open(path)
    if _STRUCTURE not in arrays:
        return {_MODEL: {k: ad.tensor(v) for k, v in arrays.items()}}
    where = os.fspath(path)
    try:
        description = arrays[_STRUCTURE]
        if description.dtype.kind != "U" or description.ndim != 0:
            raise TypeError(f"{_STRUCTURE} holds {description.dtype} {description.shape}")
        structure = json.loads(str(description))
        if not isinstance(structure, dict) or not isinstance(structure.get(_MODEL), list):
            raise TypeError("no list of model keys")
        parts = {name: _decode(node, arrays) for name, node in structure.items()
                 if name != _MODEL}
        keys = [str(key) for key in structure[_MODEL]]
    except CheckpointError as e:
        raise CheckpointError(f"load_checkpoint: {where!r}: {e}") from None
    except (ValueError, TypeError, KeyError, AttributeError, RecursionError) as e:
        raise CheckpointError(f"load_checkpoint: {where!r} has a damaged description "
                              f"({type(e).__name__}: {e})") from None
    missing = [key for key in keys if f"{_MODEL}/{key}" not in arrays]
    if missing:
        raise CheckpointError(f"load_checkpoint: {where!r} lacks the arrays of "
                              f"{_listed(missing)}")
    return {_MODEL: {key: ad.tensor(arrays[f"{_MODEL}/{key}"]) for key in keys}, **parts}
