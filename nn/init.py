"""Weight initialisation, PyTorch's ``torch.nn.init``: the same formulas and default gains.

Why it matters: with fan_in inputs of variance 1 a unit's pre-activation has variance
fan_in * Var(w). Xavier/Glorot keeps it near 1 both ways, Var(w) = 2 / (fan_in + fan_out);
Kaiming/He compensates for ReLU zeroing half the inputs, Var(w) = gain^2 / fan with gain
sqrt(2). A uniform U(-a, a) has variance a^2 / 3, hence the sqrt(3) in the bounds.

Every function fills a tensor in place (on its own device, in its own dtype), draws from
``nn.manual_seed``'s generator, and returns the tensor.
"""
from __future__ import annotations

import math
import warnings

import numpy as np

from autodiff import Tensor, no_grad

from .rng import generator

__all__ = [
    "calculate_gain", "constant_", "dirac_", "eye_", "kaiming_normal_", "kaiming_uniform_",
    "normal_", "ones_", "orthogonal_", "trunc_normal_", "uniform_", "xavier_normal_",
    "xavier_uniform_", "zeros_",
]

_GAINS = {"linear": 1.0, "identity": 1.0, "conv1d": 1.0, "conv2d": 1.0, "conv3d": 1.0,
          "conv_transpose1d": 1.0, "conv_transpose2d": 1.0, "conv_transpose3d": 1.0,
          "sigmoid": 1.0, "tanh": 5.0 / 3, "relu": math.sqrt(2.0), "selu": 3.0 / 4}


def calculate_gain(nonlinearity: str, param: float | None = None) -> float:
    """The factor that keeps activations' variance steady through ``nonlinearity``:
    1 for linear/sigmoid, 5/3 for tanh, sqrt(2) for relu, sqrt(2 / (1 + slope^2)) for
    leaky_relu (slope 0.01 by default), 3/4 for selu."""
    if nonlinearity == "leaky_relu":
        slope = 0.01 if param is None else param
        if isinstance(slope, bool) or not isinstance(slope, (int, float)):
            raise ValueError(f"calculate_gain: negative_slope {param} not a valid number")
        return math.sqrt(2.0 / (1 + slope ** 2))
    if nonlinearity not in _GAINS:
        raise ValueError(f"calculate_gain: unsupported nonlinearity {nonlinearity!r}; expected "
                         f"one of {sorted(_GAINS) + ['leaky_relu']}")
    return _GAINS[nonlinearity]


def calculate_fan_in_and_fan_out(tensor: Tensor) -> tuple[int, int]:
    """For a weight (out, in, *kernel): fan_in = in * prod(kernel), fan_out = out * prod(kernel)."""
    if tensor.ndim < 2:
        raise ValueError(f"fan in and fan out need a tensor of at least 2 dimensions, "
                         f"got shape {tensor.shape}")
    receptive = math.prod(tensor.shape[2:])
    return tensor.shape[1] * receptive, tensor.shape[0] * receptive


def _fan(tensor: Tensor, mode: str) -> int:
    if mode not in ("fan_in", "fan_out"):
        raise ValueError(f"mode must be 'fan_in' or 'fan_out', got {mode!r}")
    fan_in, fan_out = calculate_fan_in_and_fan_out(tensor)
    return fan_in if mode == "fan_in" else fan_out


def _host_buffer(tensor: Tensor) -> np.ndarray:
    """Where to draw the numbers: the tensor's own array when it is a contiguous float32 or
    float64 NumPy array (no copy for a 100-million-weight layer), else a host array."""
    data = tensor.array
    if isinstance(data, np.ndarray) and data.dtype in (np.float32, np.float64) \
            and data.flags.c_contiguous and data.flags.writeable:
        return data
    return np.empty(tensor.shape, dtype=np.float64)


def _store(tensor: Tensor, values: np.ndarray) -> Tensor:
    """Write host ``values`` into ``tensor`` in place, in its dtype, on its device."""
    if values is not tensor.array:
        with no_grad():
            tensor.array[...] = tensor.backend.from_host(values.astype(tensor.dtype))
    return tensor


def zeros_(tensor: Tensor) -> Tensor:
    with no_grad():
        tensor.array[...] = 0
    return tensor


def ones_(tensor: Tensor) -> Tensor:
    with no_grad():
        tensor.array[...] = 1
    return tensor


def constant_(tensor: Tensor, val: float) -> Tensor:
    with no_grad():
        tensor.array[...] = val
    return tensor


def uniform_(tensor: Tensor, a: float = 0.0, b: float = 1.0) -> Tensor:
    """Fill from U(a, b)."""
    values = _host_buffer(tensor)
    generator().random(dtype=values.dtype, out=values)
    values *= b - a
    values += a
    return _store(tensor, values)


def normal_(tensor: Tensor, mean: float = 0.0, std: float = 1.0) -> Tensor:
    """Fill from N(mean, std^2)."""
    values = _host_buffer(tensor)
    generator().standard_normal(dtype=values.dtype, out=values)
    values *= std
    values += mean
    return _store(tensor, values)


def trunc_normal_(tensor: Tensor, mean: float = 0.0, std: float = 1.0, a: float = -2.0,
                  b: float = 2.0) -> Tensor:
    """Fill from N(mean, std^2) restricted to [a, b] (values outside are drawn again)."""
    values = np.empty(tensor.shape, dtype=np.float64).reshape(-1)
    todo = np.arange(values.size)
    while todo.size:
        values[todo] = generator().standard_normal(todo.size) * std + mean
        todo = todo[(values[todo] < a) | (values[todo] > b)]
    return _store(tensor, values.reshape(tensor.shape))


def xavier_uniform_(tensor: Tensor, gain: float = 1.0) -> Tensor:
    """Glorot: U(-a, a) with a = gain * sqrt(6 / (fan_in + fan_out))."""
    fan_in, fan_out = calculate_fan_in_and_fan_out(tensor)
    bound = math.sqrt(3.0) * gain * math.sqrt(2.0 / (fan_in + fan_out))
    return uniform_(tensor, -bound, bound)


def xavier_normal_(tensor: Tensor, gain: float = 1.0) -> Tensor:
    """Glorot: N(0, std^2) with std = gain * sqrt(2 / (fan_in + fan_out))."""
    fan_in, fan_out = calculate_fan_in_and_fan_out(tensor)
    return normal_(tensor, 0.0, gain * math.sqrt(2.0 / (fan_in + fan_out)))


def _is_empty(tensor: Tensor) -> bool:
    """A tensor with a zero-size axis (``nn.Linear(0, 3)``'s weight): its fan may be 0, and
    there is nothing to fill, so PyTorch warns and leaves it alone."""
    if 0 in tensor.shape:
        warnings.warn("Initializing zero-element tensors is a no-op", stacklevel=3)
        return True
    return False


def kaiming_uniform_(tensor: Tensor, a: float = 0.0, mode: str = "fan_in",
                     nonlinearity: str = "leaky_relu") -> Tensor:
    """He: U(-bound, bound) with bound = gain * sqrt(3 / fan), gain = calculate_gain(
    nonlinearity, a). PyTorch's Linear and Conv2d use a = sqrt(5): bound = 1 / sqrt(fan_in)."""
    if _is_empty(tensor):
        return tensor
    std = calculate_gain(nonlinearity, a) / math.sqrt(_fan(tensor, mode))
    bound = math.sqrt(3.0) * std
    return uniform_(tensor, -bound, bound)


def kaiming_normal_(tensor: Tensor, a: float = 0.0, mode: str = "fan_in",
                    nonlinearity: str = "leaky_relu") -> Tensor:
    """He: N(0, std^2) with std = gain / sqrt(fan)."""
    if _is_empty(tensor):
        return tensor
    std = calculate_gain(nonlinearity, a) / math.sqrt(_fan(tensor, mode))
    return normal_(tensor, 0.0, std)


# The structured initialisations live in their own file; they are part of nn.init.
from .init_structured import dirac_, eye_, orthogonal_
