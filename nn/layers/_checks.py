"""Input checks shared by the layers: an error names the layer, what it expected and got."""
from __future__ import annotations


def describe(layer) -> str:
    """How a message names a layer: "conv1 = Conv2d(3, 16, kernel_size=(3, 3), ...)"."""
    text = f"{type(layer).__name__}({layer.extra_repr()})"
    return f"{layer._name} = {text}" if layer._name else text


def expect_ndim(layer, x, ndims: tuple[int, ...], layout: str) -> None:
    if x.ndim not in ndims:
        wanted = " or ".join(str(n) for n in ndims)
        raise ValueError(f"{describe(layer)}: expected a {wanted}-d input {layout}, "
                         f"got shape {tuple(x.shape)}")


def expect_size(layer, x, axis: int, expected: int, what: str) -> None:
    if x.shape[axis] != expected:
        raise ValueError(f"{describe(layer)}: expected input with {expected} {what}, "
                         f"got {x.shape[axis]} (input shape {tuple(x.shape)})")


def expect_window_fits(layer, x, kernel, padding, dilation=(1, 1)) -> None:
    """The (dilated) kernel must fit inside the padded input."""
    for axis in (0, 1):
        padded = x.shape[-2 + axis] + 2 * padding[axis]
        span = dilation[axis] * (kernel[axis] - 1) + 1
        if span > padded:
            raise ValueError(
                f"{describe(layer)}: kernel {kernel[0]}x{kernel[1]} (dilation {dilation}) is "
                f"larger than the padded input {x.shape[-2] + 2 * padding[0]}x"
                f"{x.shape[-1] + 2 * padding[1]} (input shape {tuple(x.shape)}, "
                f"padding {padding})")
