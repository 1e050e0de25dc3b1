"""``nn.summary(model, input_shape)``: one forward pass on zeros, seen through hooks, as a
table of layers: output shape, parameters, activation memory, receptive field and jump.

The course's two formulas, also available on their own:

* output size of a window op:  out = floor((n + 2p - d(k - 1) - 1) / s) + 1
* receptive field:             RF_l = RF_{l-1} + (k_l - 1) d_l * J_{l-1},  J_l = J_{l-1} s_l
  where the jump J (the distance in input pixels between neighbouring outputs) is the
  product of the strides so far. Three stacked 3x3 convolutions see 1 + 2 + 2 + 2 = 7.

RF "all" (jump "-") marks outputs no longer laid out on the input's grid: after a dense
layer each one sees every input pixel, and once a flatten has dropped the spatial axes
(AlexNet's and VGG's classifier) the next dense layer mixes every position, so the whole
input is reported from the flatten on.
"""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np

import autodiff as ad
from autodiff import Tensor, no_grad

from .layers.conv import Conv2d
from .layers.linear import Linear
from .layers.norm import BatchNorm1d
from .layers.pool import AdaptiveAvgPool2d, AvgPool2d, MaxPool2d
from .module import Module


def conv_output_size(n: int, kernel_size: int, stride: int = 1, padding: int = 0,
                     dilation: int = 1) -> int:
    """Output length of a convolution or pooling: floor((n + 2p - d(k-1) - 1) / s) + 1.

    >>> conv_output_size(32, 3)        # 3x3 on 32x32, no padding
    30
    """
    return (n + 2 * padding - dilation * (kernel_size - 1) - 1) // stride + 1


def receptive_field(layers) -> int:
    """Receptive field of a chain of window layers, each ``(kernel, stride)`` or
    ``(kernel, stride, dilation)``: RF_l = RF_{l-1} + (k_l - 1) d_l prod(s_1..s_{l-1}).

    >>> receptive_field([(3, 1), (3, 1), (3, 1)])
    7
    """
    rf, jump = 1, 1
    for layer in layers:
        kernel, stride, dilation = (tuple(layer) + (1,))[:3]
        rf, jump = rf + (kernel - 1) * dilation * jump, jump * stride
    return rf


def _first(value) -> int:
    return value if isinstance(value, int) else value[0]


def window_of(module: Module, input_shape) -> tuple[int, int, int] | None:
    """(kernel, stride, dilation) along the height axis for a layer that slides a window,
    None for a dense layer (each output sees every input), (1, 1, 1) for the rest."""
    if isinstance(module, Conv2d):
        return module.kernel_size[0], module.stride[0], module.dilation[0]
    if isinstance(module, (MaxPool2d, AvgPool2d)):
        dilation = _first(module.dilation) if isinstance(module, MaxPool2d) else 1
        return _first(module.kernel_size), _first(module.stride), dilation
    if isinstance(module, AdaptiveAvgPool2d):
        n = input_shape[-2]
        out = _first(module.output_size) or n
        stride = max(n // out, 1)
        return n - (out - 1) * stride, stride, 1
    if isinstance(module, Linear):
        return None
    return 1, 1, 1


@dataclass
class LayerInfo:
    name: str
    type: str
    output_shape: tuple
    params: int
    activation_bytes: int
    receptive_field: int | None     # None: every input pixel (after a dense layer or a flatten)
    jump: int | None


@dataclass
class Summary:
    layers: list[LayerInfo]
    input_shape: tuple
    output_shape: tuple
    total_params: int
    trainable_params: int
    total_activation_bytes: int

    def __str__(self) -> str:
        head = ("layer", "type", "output shape", "params", "activation", "RF", "jump")
        rows = [head] + [(li.name, li.type, str(li.output_shape), f"{li.params:,}",
                          _bytes(li.activation_bytes),
                          "all" if li.receptive_field is None else str(li.receptive_field),
                          "-" if li.jump is None else str(li.jump)) for li in self.layers]
        widths = [max(len(r[i]) for r in rows) for i in range(len(head))]
        line = "  ".join("-" * w for w in widths)
        text = [line] + ["  ".join(c.ljust(w) if i < 3 else c.rjust(w)
                                   for i, (c, w) in enumerate(zip(row, widths)))
                         for row in rows]
        text.insert(2, line)
        text += [line, f"input shape: {self.input_shape}   output shape: {self.output_shape}",
                 f"total params: {self.total_params:,}   trainable: {self.trainable_params:,}",
                 (f"activation memory: {_bytes(self.total_activation_bytes)} "
                 f"({self.total_activation_bytes:,} bytes)")]
        return "\n".join(text)

    __repr__ = __str__


def _bytes(n: int) -> str:
    for unit in ("B", "KiB", "MiB"):
        if n < 1024:
            return f"{n:.0f} {unit}" if unit == "B" else f"{n:.1f} {unit}"
        n /= 1024
    return f"{n:.1f} GiB"


def _batched(model: Module, shape: tuple) -> tuple:
    """Add a batch axis of 1 when ``shape`` is one example's (C, H, W) or (features,)."""
    for module in model.modules():
        if isinstance(module, (Conv2d, MaxPool2d, AvgPool2d)):
            return (1,) + shape if len(shape) == 3 else shape
        if isinstance(module, (Linear, BatchNorm1d)):
            return (1,) + shape if len(shape) == 1 else shape
    return shape


class _Tracker:
    """Follows each tensor's (receptive field, jump) through the module calls of a forward.

    A leaf layer reads its input's entry; an input made by plain ops inside a parent (the
    "+" of a residual block, a concatenation) takes the largest entry seen inside that
    parent so far, which is the field of the path that feeds it.
    """

    def __init__(self, model: Module, grid_ndim: int):
        self.grid_ndim = grid_ndim              # the input's axes, when it has spatial ones
        self.names = {id(m): name or type(m).__name__ for name, m in model.named_modules()}
        self.fields: dict[int, tuple] = {}      # id(tensor) -> (rf, jump, tensor)
        self.frames: list[list] = [[None]]      # per open call (the model's first): widest field
        self.rows: list[LayerInfo] = []

    def known(self, t) -> tuple | None:
        entry = self.fields.get(id(t))
        if entry is not None:
            return entry[:2]
        return self.frames[-1][0] if self.frames and self.frames[-1][0] else None

    def note(self, t, field) -> None:
        if isinstance(t, Tensor):
            self.fields[id(t)] = field + (t,)   # keep t alive so its id stays unique
        for frame in self.frames:
            if frame[0] is None or _larger(field, frame[0]):
                frame[0] = field

    def before(self, module, inputs) -> None:
        if next(module.children(), None) is not None:
            self.frames.append([None])

    def after(self, module, inputs, out) -> None:
        x = inputs[0] if inputs else None
        if next(module.children(), None) is not None:
            frame = self.frames.pop()
            if isinstance(out, Tensor) and id(out) not in self.fields and frame[0]:
                self.note(out, frame[0])
            return
        field = self.known(x) or (1, 1)
        window = window_of(module, tuple(x.shape) if x is not None else ())
        if window is None or field[0] is None or self._flat(x) or self._flat(out):
            field = (None, None)
        else:
            kernel, stride, dilation = window
            field = (field[0] + (kernel - 1) * dilation * field[1], field[1] * stride)
        self.note(out, field)
        shape = tuple(out.shape) if isinstance(out, Tensor) else ()
        nbytes = out.numel() * out.dtype.itemsize if isinstance(out, Tensor) else 0
        if getattr(module, "inplace", False):
            nbytes = 0                          # PyTorch writes the result over its input
        params = sum(p.numel() for p in module.parameters())
        self.rows.append(LayerInfo(self.names.get(id(module), "?"), type(module).__name__,
                                   shape, params, nbytes, field[0], field[1]))

    def _flat(self, t) -> bool:
        """Has ``t`` lost the spatial axes an image input had (a flatten came before)?"""
        return isinstance(t, Tensor) and self.grid_ndim >= 3 and t.ndim < self.grid_ndim


def _larger(a, b) -> bool:
    """Is field ``a`` wider than ``b``? (None, "every pixel", is the widest.)"""
    if a[0] is None:
        return b[0] is not None
    return b[0] is not None and a[0] > b[0]


def summary(model: Module, input_shape, dtype=None, device: str = "cpu") -> Summary:
    """Run ``model`` once on zeros of ``input_shape`` (under no_grad, in eval mode; each
    module's mode is restored after) and describe every leaf layer it called, in call order.

    ``input_shape`` is a batch's shape, e.g. (1, 3, 224, 224); one example's shape,
    (3, 224, 224), gets a batch of 1 in front. Layers called twice appear twice.
    Activation memory is each layer's output size, except that a layer built with
    ``inplace=True`` (``ReLU(inplace=True)``) counts 0 bytes: PyTorch writes its result
    into its input's buffer, so it allocates nothing new.
    """
    shape = _batched(model, tuple(int(n) for n in input_shape))
    dtype = ad.get_default_dtype() if dtype is None else dtype
    tracker = _Tracker(model, len(shape))
    handles = []
    leaf_model = next(model.children(), None) is None
    for module in model.modules():
        if module is not model or leaf_model:
            handles.append(module.register_forward_pre_hook(tracker.before))
            handles.append(module.register_forward_hook(tracker.after))
    modes = [(module, module.training) for module in model.modules()]
    x = ad.tensor(np.zeros(shape, dtype=dtype), device=device)
    tracker.note(x, (1, 1))
    try:
        model.eval()
        with no_grad():
            out = model(x)
    finally:
        for module, training in modes:
            object.__setattr__(module, "training", training)
        for handle in handles:
            handle.remove()
    params = list(model.parameters())
    return Summary(tracker.rows, shape, tuple(out.shape) if isinstance(out, Tensor) else (),
                   sum(p.numel() for p in params), sum(p.numel() for p in params if p.requires_grad),
                   sum(row.activation_bytes for row in tracker.rows))


def count_parameters(model: Module, trainable_only: bool = False) -> int:
    """Number of scalar parameters (each shared parameter counted once)."""
    return sum(p.numel() for p in model.parameters() if p.requires_grad or not trainable_only)


__all__ = [
    "LayerInfo",
    "Summary",
    "conv_output_size",
    "count_parameters",
    "receptive_field",
    "summary",
    "window_of",
]
