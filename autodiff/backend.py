"""Array backends: the one place that tells NumPy, CuPy and SymPy arrays apart.

Every op is written once against an array namespace ``xp``. This module finds the
namespace that owns an array (``backend_of``), moves arrays between devices, and holds
the few helpers that differ between namespaces (scatter-add, host conversion).

Three devices exist out of the box:

* ``"cpu"``   NumPy arrays of float32/float64/int/bool,
* ``"cuda"``  CuPy arrays, imported only when first asked for (``import cupy`` lives here only),
* ``"sympy"`` NumPy arrays of dtype ``object`` holding SymPy expressions: the very same
  forward and gradient code then produces exact algebra.

Tests may register a stand-in under any name (see ``register_backend``), which is how the
device boundary is tested on machines without a GPU.
"""
from __future__ import annotations

import sys
from collections.abc import Callable
from typing import Any

import numpy as np

from .symbolic.namespace import SYMPY_NAMESPACE


class Backend:
    """A device: its array namespace and how arrays get on and off it."""

    def __init__(self, name: str, xp: Any, owns: Callable[[Any], bool],
                 to_host: Callable[[Any], np.ndarray], from_host: Callable[[np.ndarray], Any],
                 scatter_add: Callable[[Any, Any, Any], None]):
        self.name = name
        self.xp = xp
        self.owns = owns
        self.to_host = to_host
        self.from_host = from_host
        self.scatter_add = scatter_add  # scatter_add(target, index, values), in place

    def __repr__(self) -> str:
        return f"Backend({self.name!r})"


def _numpy_scatter_add(target, index, values):
    np.add.at(target, index, values)


CPU = Backend("cpu", np, lambda a: isinstance(a, np.ndarray) and a.dtype != object,
              lambda a: a, lambda a: a, _numpy_scatter_add)
SYMPY = Backend("sympy", SYMPY_NAMESPACE, lambda a: isinstance(a, np.ndarray) and a.dtype == object,
                lambda a: a, lambda a: np.asarray(a, dtype=object), _numpy_scatter_add)

_BACKENDS: dict[str, Backend] = {"cpu": CPU, "sympy": SYMPY}
_LAZY: dict[str, Callable[[], Backend]] = {}


def register_backend(backend: Backend) -> Backend | None:
    """Install ``backend`` under its name; returns the one it replaces (tests restore it)."""
    old = _BACKENDS.get(backend.name)
    _BACKENDS[backend.name] = backend
    return old


def unregister_backend(name: str, previous: Backend | None = None) -> None:
    """Undo ``register_backend``."""
    if previous is None:
        _BACKENDS.pop(name, None)
    else:
        _BACKENDS[name] = previous


def _make_cuda() -> Backend:
    try:
        import cupy  # the only import of CuPy in the project
        import cupyx
    except ImportError as e:  # pragma: no cover - depends on the machine
        raise RuntimeError(
            "device 'cuda' needs CuPy, which is not installed: "
            "pip install 'chainrule[cuda12]' (or [cuda13] for CUDA 13)") from e
    try:
        count = cupy.cuda.runtime.getDeviceCount()
    except Exception as e:  # pragma: no cover - depends on the machine
        raise RuntimeError(f"device 'cuda': CuPy is installed but no GPU is usable ({e})") from e
    if count == 0:  # pragma: no cover
        raise RuntimeError("device 'cuda': CuPy is installed but no GPU was found")
    return Backend("cuda", cupy, lambda a: isinstance(a, cupy.ndarray), cupy.asnumpy,
                   cupy.asarray, lambda t, i, v: cupyx.scatter_add(t, i, v))


_LAZY["cuda"] = _make_cuda


def get_backend(device: str) -> Backend:
    """The backend for a device name such as ``"cpu"``, ``"cuda"`` or ``"cuda:0"``."""
    if not isinstance(device, str):
        device = str(device)
    name = device.split(":")[0]
    backend = _BACKENDS.get(name)
    if backend is None:
        if name not in _LAZY:
            raise ValueError(f"unknown device {device!r}; expected one of "
                             f"{sorted(set(_BACKENDS) | set(_LAZY))}")
        backend = _BACKENDS[name] = _LAZY[name]()
    return backend


def backend_of(array: Any) -> Backend:
    """The backend that owns ``array`` (fast path for NumPy, then every registered one)."""
    if type(array) is np.ndarray:
        return SYMPY if array.dtype == object else CPU
    for backend in _BACKENDS.values():
        if backend.owns(array):
            return backend
    if "cupy" in sys.modules and "cuda" not in _BACKENDS:  # a CuPy array made by the user
        cupy_backend = get_backend("cuda")
        if cupy_backend.owns(array):
            return cupy_backend
    raise TypeError(f"no backend owns an array of type {type(array).__name__}")


def asnumpy(array: Any) -> np.ndarray:
    """A host NumPy array, whatever the device (explicit copy off the GPU)."""
    return backend_of(array).to_host(array)


def to_device(array: Any, device: str) -> Any:
    """Move ``array`` to ``device`` through host memory (a no-op when it is there already)."""
    source, target = backend_of(array), get_backend(device)
    if source is target:
        return array
    return target.from_host(source.to_host(array))
