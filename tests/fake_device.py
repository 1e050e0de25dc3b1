"""A strict fake GPU: arrays that live "on the device" and refuse to leave it implicitly.

``FakeArray`` wraps a NumPy array the way a CuPy array wraps device memory. Like CuPy it
refuses implicit host conversion (``__array__`` raises) and refuses to mix with raw NumPy
arrays, so any place in the engine that leaks a device array into NumPy, or mixes devices,
fails on a machine without a GPU. ``FAKE_XP`` is its array namespace: every NumPy function,
wrapped generically (fake arrays in are unwrapped, results are wrapped again).

``fake_backend()`` builds an ``autodiff.backend.Backend`` named "cuda" around them; the
``fake_cuda`` fixture in ``conftest.py`` installs it and restores the real one afterwards.

``TRANSFERS`` counts the explicit trips across the boundary (reads back to the host, each a
synchronisation on a real GPU, and copies onto the device), so a test can assert that a
training step never waits for the device.
"""
from __future__ import annotations

import numbers
import os
import traceback

import numpy as np

from autodiff.backend import Backend


class HostConversionError(TypeError):
    """A device array was about to become a NumPy array without an explicit copy."""


class DeviceSyncError(RuntimeError):
    """A value was read back from the fake device while ``TRANSFERS.strict`` forbade it."""


_THIS_FILE = os.path.abspath(__file__)


class TransferLog:
    """How often data crossed the fake device's boundary since the last ``reset()``.

    ``downloads``: explicit reads back to the host (``to_host``/``get()``, ``item()``,
    ``float()``, ``int()``, ``bool()``, use as an index), and the calls whose result's shape
    depends on the values (``DATA_DEPENDENT_SHAPES``, boolean-mask indexing), for which
    CuPy reads a count back. On a GPU each one waits for every queued kernel to finish,
    which is what a training step must not do. ``sites`` says
    where each download came from ("file:line in function"), for failure messages.
    ``uploads``: host data copied onto the device (``from_host``, ``xp.asarray(host data)``);
    not a synchronisation, but a copy per call. With ``strict = True`` a download raises
    ``DeviceSyncError``, whose traceback points at the line that synchronised.
    """

    def __init__(self):
        self.strict = False
        self.reset()

    def reset(self) -> None:
        self.downloads = 0
        self.uploads = 0
        self.sites: list[str] = []

    def download(self, what: str) -> None:
        if self.strict:
            raise DeviceSyncError(f"{what} read a value back from the fake device while "
                                  "TRANSFERS.strict was set")
        self.downloads += 1
        self.sites.append(f"{what} at {_caller()}")

    def upload(self) -> None:
        self.uploads += 1


def _caller() -> str:
    """The innermost frame outside this file: the code that asked for the transfer."""
    for frame in reversed(traceback.extract_stack()):
        if os.path.abspath(frame.filename) != _THIS_FILE:
            return f"{frame.filename}:{frame.lineno} in {frame.name}"
    return "<unknown>"


TRANSFERS = TransferLog()

# Functions whose result's shape depends on the values: CuPy must read a count back from the
# GPU to allocate the result, so each call is a synchronisation (counted as a download).
DATA_DEPENDENT_SHAPES = frozenset({"nonzero", "flatnonzero", "argwhere", "unique", "compress",
                                   "extract"})


class FakeArray:
    """A device array: a NumPy array inside, but it never turns into one by accident."""

    __slots__ = ("__weakref__", "_a")   # CuPy arrays take weak references too
    __array_ufunc__ = None        # NumPy ufuncs (np.exp, ndarray + fake) refuse it

    def __array_function__(self, func, types, args, kwargs):
        raise HostConversionError(f"numpy.{func.__name__} was called on a fake device array; "
                                  "use the backend's namespace (xp) instead")

    def __init__(self, array: np.ndarray):
        if not isinstance(array, np.ndarray):
            raise TypeError(f"FakeArray wraps NumPy arrays, not {type(array).__name__}")
        if array.dtype == object:
            raise TypeError("the fake device holds numbers, not objects")
        self._a = array

    # ---- what CuPy refuses --------------------------------------------------------------
    def __array__(self, dtype=None, copy=None):
        raise HostConversionError(
            "implicit conversion of a fake device array to a NumPy array is not allowed; "
            "copy it explicitly (as cupy.asnumpy / .get() must be called on a GPU)")

    def __iter__(self):
        raise HostConversionError("iterating over a fake device array element by element")

    def tolist(self):
        raise HostConversionError("tolist() on a fake device array")

    # ---- what CuPy allows (an explicit, synchronising read of one value) -------------------
    # each of these is counted in TRANSFERS.downloads: on a GPU it waits for the device
    def get(self) -> np.ndarray:
        TRANSFERS.download("get()")
        return self._a.copy()

    def item(self):
        TRANSFERS.download("item()")
        return self._a.item()

    def __bool__(self):
        TRANSFERS.download("bool()")
        return bool(self._a)

    def __float__(self):
        TRANSFERS.download("float()")
        return float(self._a)

    def __int__(self):
        TRANSFERS.download("int()")
        return int(self._a)

    def __index__(self):
        TRANSFERS.download("use as an index")
        return self._a.__index__()

    def __len__(self):
        return len(self._a)

    def __repr__(self) -> str:
        return f"FakeArray(shape={self._a.shape}, dtype={self._a.dtype})"

    # ---- attributes and methods -----------------------------------------------------------
    shape = property(lambda self: self._a.shape)
    ndim = property(lambda self: self._a.ndim)
    size = property(lambda self: self._a.size)
    dtype = property(lambda self: self._a.dtype)
    itemsize = property(lambda self: self._a.itemsize)
    nbytes = property(lambda self: self._a.nbytes)
    T = property(lambda self: FakeArray(self._a.T))

    def __getattr__(self, name):
        if name.startswith("__"):             # no __array_interface__ & co: no back door to NumPy
            raise AttributeError(name)
        method = getattr(self._a, name)       # reshape, astype, sum, max, nonzero, copy...
        if not callable(method):
            return wrap(method)
        if name in DATA_DEPENDENT_SHAPES:
            TRANSFERS.download(f".{name}() (a shape that depends on the values)")
        return lambda *args, **kwargs: wrap(method(*unwrap(args), **unwrap(kwargs)))

    def __getitem__(self, index):
        parts = index if isinstance(index, tuple) else (index,)
        if any(isinstance(p, FakeArray) and p.dtype == bool and p.ndim for p in parts):
            TRANSFERS.download("boolean-mask indexing (a shape that depends on the values)")
        return wrap(self._a[unwrap_index(index)])

    def __setitem__(self, index, value):
        self._a[unwrap_index(index)] = unwrap(value)


def _binary(name):
    def method(self, other):
        return wrap(getattr(self._a, name)(unwrap(other)))
    method.__name__ = name
    return method


for _name in ("add", "radd", "sub", "rsub", "mul", "rmul", "truediv", "rtruediv", "pow",
              "rpow", "matmul", "rmatmul", "lt", "le", "gt", "ge", "eq", "ne", "and", "rand",
              "or", "ror", "xor", "rxor", "floordiv", "rfloordiv", "mod", "rmod",
              "iadd", "isub", "imul", "itruediv"):
    setattr(FakeArray, f"__{_name}__", _binary(f"__{_name}__"))
def _unary(name):
    def method(self):
        return wrap(getattr(self._a, name)())
    method.__name__ = name
    return method


for _name in ("neg", "pos", "abs", "invert"):
    setattr(FakeArray, f"__{_name}__", _unary(f"__{_name}__"))
FakeArray.__hash__ = None


def unwrap(value):
    """Fake arrays become their NumPy arrays; raw non-scalar NumPy arrays are refused."""
    if isinstance(value, FakeArray):
        return value._a
    if isinstance(value, np.ndarray):
        if value.ndim == 0 and value.dtype != object:
            return value[()]               # a 0-d host array acts as a scalar, as in CuPy
        raise TypeError(f"a host NumPy array of shape {value.shape} was mixed with fake device "
                        "arrays; move it to the device first")
    if isinstance(value, (list, tuple)):
        return type(value)(unwrap(v) for v in value)
    if isinstance(value, dict):
        return {k: unwrap(v) for k, v in value.items()}
    return value


def unwrap_index(index):
    """Indices: device arrays, slices, integers, None and Ellipsis; no host arrays, no lists."""
    parts = index if isinstance(index, tuple) else (index,)
    for part in parts:
        if isinstance(part, (np.ndarray, list)) and not (
                isinstance(part, np.ndarray) and part.ndim == 0):
            raise TypeError(f"indexing a fake device array with a host {type(part).__name__}; "
                            "index arrays must live on the device")
    out = tuple(p._a if isinstance(p, FakeArray) else p for p in parts)
    return out if isinstance(index, tuple) else out[0]


def wrap(value):
    """NumPy results back onto the fake device (scalars become 0-d arrays, as in CuPy)."""
    if isinstance(value, np.ndarray):
        return FakeArray(value)
    if isinstance(value, np.generic):
        return FakeArray(np.asarray(value))
    if isinstance(value, tuple):
        return tuple(wrap(v) for v in value)
    if isinstance(value, list):
        return [wrap(v) for v in value]
    return value


class FakeNamespace:
    """``numpy``, seen through the device boundary: any function, wrapped generically."""

    __name__ = "fake_cupy"

    def __getattr__(self, name):
        attr = getattr(np, name)
        if isinstance(attr, (type, np.dtype, numbers.Number)) or not callable(attr):
            return attr                    # dtypes, constants (np.float32, np.inf, np.newaxis)

        def function(*args, **kwargs):
            if name in DATA_DEPENDENT_SHAPES:
                TRANSFERS.download(f"xp.{name} (a shape that depends on the values)")
            return wrap(attr(*unwrap(args), **unwrap(kwargs)))
        function.__name__ = name
        return function

    @staticmethod
    def asarray(value, dtype=None):
        """Like ``cupy.asarray``: device arrays pass through; host data is copied over."""
        if isinstance(value, FakeArray):
            return value if dtype is None else FakeArray(value._a.astype(dtype))
        TRANSFERS.upload()
        return FakeArray(np.array(value, dtype=dtype))

    array = asarray


FAKE_XP = FakeNamespace()


def to_host(array: FakeArray) -> np.ndarray:
    if not isinstance(array, FakeArray):
        raise TypeError(f"to_host: expected a fake device array, got {type(array).__name__}")
    return array.get()


def from_host(array) -> FakeArray:
    if isinstance(array, FakeArray):
        return array
    TRANSFERS.upload()
    array = np.array(array)
    if array.dtype == object:
        raise TypeError("symbolic (object) arrays cannot move to the fake device")
    return FakeArray(array)


def scatter_add(target: FakeArray, index, values) -> None:
    """``cupyx.scatter_add``: repeated indices accumulate."""
    np.add.at(target._a, unwrap_index(index), unwrap(values))


def fake_backend(name: str = "cuda") -> Backend:
    return Backend(name, FAKE_XP, lambda a: isinstance(a, FakeArray), to_host, from_host,
                   scatter_add)
