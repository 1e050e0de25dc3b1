"""Making tensors, with PyTorch's names, defaults and dtypes.

``tensor`` copies its data, ``as_tensor`` and ``from_numpy`` share it when they can. Sizes
are given as ``zeros(2, 3)`` or ``zeros((2, 3))``. Without ``dtype``, floating results take
the default dtype (float32) and integer ones int64, as in PyTorch.
"""
from __future__ import annotations

import numpy as np

from .. import dtypes
from ..backend import to_device
from ..tensor import Tensor
from ..tensor import as_tensor as _as_tensor
from .dims import sizes
from .promotion import scalar_dtype
from .random import generator as numpy_generator


def _made(array, dtype, device, requires_grad, default=None) -> Tensor:
    """A host array made here, in ``dtype`` (or ``default``), on ``device``."""
    dtype = dtypes.as_dtype(dtype) if dtype is not None else default
    if dtype is not None and array.dtype != dtype:
        array = array.astype(dtype)
    if device is not None:
        array = to_device(array, str(device))
    return Tensor._wrap(array).requires_grad_(True) if requires_grad else Tensor._wrap(array)


def as_tensor(data, dtype=None, device=None) -> Tensor:
    """``data`` itself when it is a tensor of that dtype and device, else a tensor sharing
    ``data``'s memory where it can (a NumPy array of the right dtype), else a copy."""
    if isinstance(data, Tensor) and dtype is None and device is None:
        return data
    if isinstance(data, Tensor):
        out = data.to(dtype=dtype) if dtype is not None else data
        return out.to(device) if device is not None else out
    if dtype is None and device is None:
        return _as_tensor(data)
    return Tensor(data, dtype=dtype, device=None if device is None else str(device))


def from_numpy(array: np.ndarray) -> Tensor:
    """A tensor sharing ``array``'s memory and dtype (a float64 array stays float64)."""
    if not isinstance(array, np.ndarray):
        raise TypeError(f"from_numpy: expected a numpy.ndarray, got {type(array).__name__}")
    return Tensor._wrap(array)


# ---- filled tensors ---------------------------------------------------------------------
def zeros(*size, dtype=None, device=None, requires_grad: bool = False) -> Tensor:
    return _made(np.zeros(sizes(size, "zeros")), dtype, device, requires_grad,
                 dtypes.get_default_dtype())


def ones(*size, dtype=None, device=None, requires_grad: bool = False) -> Tensor:
    return _made(np.ones(sizes(size, "ones")), dtype, device, requires_grad,
                 dtypes.get_default_dtype())


def empty(*size, dtype=None, device=None, requires_grad: bool = False) -> Tensor:
    """Uninitialised in PyTorch; zeros here (a learner never reads garbage)."""
    return zeros(*size, dtype=dtype, device=device, requires_grad=requires_grad)


def full(size, fill_value, dtype=None, device=None, requires_grad: bool = False) -> Tensor:
    """``fill_value`` everywhere; its type gives the dtype (bool, int64 or the default)."""
    return _made(np.full(sizes((size,), "full"), fill_value), dtype, device, requires_grad,
                 scalar_dtype(fill_value))


def eye(n: int, m: int | None = None, dtype=None, device=None,
        requires_grad: bool = False) -> Tensor:
    return _made(np.eye(n, m), dtype, device, requires_grad, dtypes.get_default_dtype())


def arange(start, end=None, step=1, dtype=None, device=None,
           requires_grad: bool = False) -> Tensor:
    """[start, end) in steps; int64 when every bound is an integer, else the default float."""
    if end is None:
        start, end = 0, start
    integral = all(isinstance(v, (int, np.integer)) for v in (start, end, step))
    return _made(np.arange(start, end, step), dtype, device, requires_grad,
                 dtypes.int64 if integral else dtypes.get_default_dtype())


def linspace(start, end, steps: int, dtype=None, device=None,
             requires_grad: bool = False) -> Tensor:
    return _made(np.linspace(start, end, steps), dtype, device, requires_grad,
                 dtypes.get_default_dtype())


# ---- random tensors (one generator: ad.manual_seed) ------------------------------------------
def rand(*size, generator=None, dtype=None, device=None, requires_grad: bool = False) -> Tensor:
    """Uniform on [0, 1)."""
    return _made(numpy_generator(generator).random(sizes(size, "rand")), dtype, device,
                 requires_grad, dtypes.get_default_dtype())


def randn(*size, generator=None, dtype=None, device=None, requires_grad: bool = False) -> Tensor:
    """Standard normal."""
    return _made(numpy_generator(generator).standard_normal(sizes(size, "randn")), dtype, device,
                 requires_grad, dtypes.get_default_dtype())


def randint(low, high=None, size=None, generator=None, dtype=None, device=None,
            requires_grad: bool = False) -> Tensor:
    """Integers in [low, high): ``randint(high, size)`` or ``randint(low, high, size)``."""
    if size is None:
        low, high, size = 0, low, high
    if size is None:
        raise TypeError("randint: give size, e.g. randint(0, 10, (3,))")
    return _made(numpy_generator(generator).integers(low, high, sizes((size,), "randint")),
                 dtype, device, requires_grad, dtypes.int64)


def randperm(n: int, generator=None, dtype=None, device=None,
             requires_grad: bool = False) -> Tensor:
    """0, ..., n-1 in a random order."""
    return _made(numpy_generator(generator).permutation(n), dtype, device, requires_grad,
                 dtypes.int64)


# ---- the *_like forms: the input's shape, dtype and device unless told otherwise -------------
def _like(fn, x, dtype, device, requires_grad, *args):
    x = _as_tensor(x)
    return fn(*args, x.shape, dtype=dtype or x.dtype, device=device or x.device,
              requires_grad=requires_grad)


def zeros_like(input, dtype=None, device=None, requires_grad: bool = False) -> Tensor:
    return _like(zeros, input, dtype, device, requires_grad)


def ones_like(input, dtype=None, device=None, requires_grad: bool = False) -> Tensor:
    return _like(ones, input, dtype, device, requires_grad)


def empty_like(input, dtype=None, device=None, requires_grad: bool = False) -> Tensor:
    return _like(zeros, input, dtype, device, requires_grad)


def full_like(input, fill_value, dtype=None, device=None, requires_grad: bool = False) -> Tensor:
    return _like(lambda value, shape, **kw: full(shape, value, **kw), input, dtype, device,
                 requires_grad, fill_value)


def rand_like(input, dtype=None, device=None, requires_grad: bool = False) -> Tensor:
    return _like(rand, input, dtype, device, requires_grad)


def randn_like(input, dtype=None, device=None, requires_grad: bool = False) -> Tensor:
    return _like(randn, input, dtype, device, requires_grad)


def randint_like(input, low, high=None, dtype=None, device=None,
                 requires_grad: bool = False) -> Tensor:
    if high is None:
        low, high = 0, low
    return _like(randint, input, dtype, device, requires_grad, low, high)


# ---- x.new_zeros(...): a new tensor with x's dtype and device -------------------------------
def new_tensor(x, data, dtype=None, device=None, requires_grad: bool = False) -> Tensor:
    from ..tensor import tensor
    return tensor(data, dtype=dtype or x.dtype, device=device or x.device,
                  requires_grad=requires_grad)


def new_zeros(x, *size, dtype=None, device=None, requires_grad: bool = False) -> Tensor:
    return zeros(*size, dtype=dtype or x.dtype, device=device or x.device,
                 requires_grad=requires_grad)


def new_ones(x, *size, dtype=None, device=None, requires_grad: bool = False) -> Tensor:
    return ones(*size, dtype=dtype or x.dtype, device=device or x.device,
                requires_grad=requires_grad)


def new_full(x, size, fill_value, dtype=None, device=None, requires_grad: bool = False) -> Tensor:
    return full(size, fill_value, dtype=dtype or x.dtype, device=device or x.device,
                requires_grad=requires_grad)
