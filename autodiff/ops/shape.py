"""Shape primitives: they move numbers around without changing them, so each VJP moves the
gradient back the same way (reshape back, transpose back, slice back, scatter back).
"""
from __future__ import annotations

import numpy as np

from ..backend import backend_of
from ..backend import to_device as _move_array
from ..primitive import LINEAR, Primitive
from ..tensor import Tensor, apply, as_tensor
from . import reduce as _reduce

RESHAPE = Primitive(
    "reshape", lambda xp, x, shape: xp.reshape(x, shape),
    vjp=(lambda g, out, x, shape: reshape(g, x.shape),), jvp=LINEAR,
    latex=r"\bar{x} = \mathrm{reshape}(\bar{y}, \mathrm{shape}(x))")
TRANSPOSE = Primitive(
    "transpose", lambda xp, x, axes: xp.transpose(x, axes),
    vjp=(lambda g, out, x, axes: transpose(g, tuple(np.argsort(axes))),), jvp=LINEAR,
    latex=r"\bar{x} = \bar{y}^{\top}")
BROADCAST_TO = Primitive(
    "broadcast_to", lambda xp, x, shape: xp.broadcast_to(x, shape),
    vjp=(lambda g, out, x, shape: _reduce.sum_to(g, x.shape),), jvp=LINEAR,
    latex=r"\bar{x} = \textstyle\sum_{\text{broadcast axes}} \bar{y}")
TO_DEVICE = Primitive(
    "to_device", lambda xp, x, device: _move_array(x, device),
    vjp=(lambda g, out, x, device: to_device(g, x.device),), jvp=LINEAR,
    latex=r"\bar{x} = \bar{y} \text{ (moved back)}")


# ---- concatenation: the gradient is cut back into the pieces ---------------------------------
def _concatenate_rule(i):
    def rule(g, out, *xs, axis):
        start = sum(x.shape[axis] for x in xs[:i])
        index = (slice(None),) * axis + (slice(start, start + xs[i].shape[axis]),)
        return getitem(g, index)
    return rule


def _concatenate_all(g, out, *xs, axis):
    """Every piece's slice of ``g`` in one pass (the offsets summed once)."""
    pieces, start = [], 0
    for x in xs:
        width = x.shape[axis]
        pieces.append(getitem(g, (slice(None),) * axis + (slice(start, start + width),)))
        start += width
    return pieces


CONCATENATE = Primitive(
    "concatenate", lambda xp, *xs, axis: xp.concatenate(xs, axis=axis),
    vjp=_concatenate_rule, vjp_all=_concatenate_all, jvp=LINEAR, variadic=True,
    latex=r"\bar{x}_i = \text{the slice of } \bar{y} \text{ that came from } x_i")


# ---- padding ------------------------------------------------------------------------------
def _pad_forward(xp, x, pad_width, mode, value):
    if mode == "constant":
        return xp.pad(x, pad_width, mode="constant", constant_values=value)
    return xp.pad(x, pad_width, mode=mode)


def _pad_rule(g, out, x, pad_width, mode, value):
    inner = tuple(slice(before, before + n) for (before, _), n in zip(pad_width, x.shape))
    if mode == "constant":
        return getitem(g, inner)
    return _edge_pad_adjoint(g, x.shape, pad_width)


def _edge_pad_adjoint(g, shape, pad_width):
    """Edge padding copies border values outwards, so their gradients fold back onto the border."""
    for axis, ((before, after), n) in enumerate(zip(pad_width, shape)):
        if not before and not after:
            continue
        at = (slice(None),) * axis
        core = getitem(g, at + (slice(before, before + n),))
        head = _reduce.sum(getitem(g, at + (slice(0, before),)), axis, True) if before else 0
        tail = _reduce.sum(getitem(g, at + (slice(before + n, None),)), axis, True) if after else 0
        if n == 1:
            g = core + head + tail
        else:
            first = getitem(core, at + (slice(0, 1),)) + head
            last = getitem(core, at + (slice(n - 1, n),)) + tail
            g = concatenate([first, getitem(core, at + (slice(1, n - 1),)), last], axis)
    return g


PAD = Primitive(
    "pad", _pad_forward, vjp=(_pad_rule,),
    # affine, not linear, when the fill value is not 0: tangents are padded with zeros
    jvp=lambda tangents, out, x, pad_width, mode, value:
        apply(PAD, tangents[0], pad_width=pad_width, mode=mode, value=0),
    latex=r"\bar{x} = \bar{y} \text{ without its border (edge mode: border sums folded in)}")


# ---- indexing and its adjoint, scatter-add ---------------------------------------------------
def _scatter_forward(xp, g, index, shape, basic):
    out = xp.zeros(shape, dtype=g.dtype)
    if g.dtype == object and g.ndim == 0:
        g = g[()]             # NumPy would store a 0-d object array whole, not its element
    if basic:
        out[index] = g        # slices and integers never repeat an element
    else:
        backend_of(out).scatter_add(out, index, g)   # repeated indices accumulate
    return out


GETITEM = Primitive(
    "getitem", lambda xp, x, index, basic: x[index],
    vjp=(lambda g, out, x, index, basic: scatter_add(g, index, x.shape, basic),), jvp=LINEAR,
    display="[]", latex=r"\bar{x}[i] \mathrel{+}= \bar{y} \text{ for each selected } i")
SCATTER_ADD = Primitive(
    "scatter_add", _scatter_forward,
    vjp=(lambda g, out, y, index, shape, basic: apply(GETITEM, g, index=index, basic=basic),),
    jvp=LINEAR, latex=r"\bar{y} = \bar{x}[i]")


def _normalize_index(x: Tensor, index):
    """Tensors to arrays on x's device, boolean masks to integer arrays; says if it is basic."""
    parts = index if isinstance(index, tuple) else (index,)
    backend = backend_of(x.array)
    out, basic = [], True
    for part in parts:
        if isinstance(part, Tensor):
            part = part.array
        if isinstance(part, (list, np.ndarray)) or (hasattr(part, "shape") and hasattr(part, "dtype")):
            array = part if not isinstance(part, list) else np.asarray(part)
            if isinstance(array, np.ndarray) and backend.name not in ("cpu", "sympy"):
                array = backend.from_host(array)
            if array.dtype == bool:
                out.extend(array.nonzero())
            else:
                if array.dtype.kind not in "iu":
                    raise IndexError(f"getitem: index arrays must be integers or booleans, "
                                     f"not {array.dtype}")
                out.append(array)
            basic = False
        else:
            out.append(part)
    return tuple(out), basic


# ---- the public functions -------------------------------------------------------------------
def reshape(x, shape):
    """NumPy's reshape (one dimension may be -1)."""
    shape = (shape,) if isinstance(shape, int) else tuple(int(n) for n in shape)
    return apply(RESHAPE, x, shape=shape)


def transpose(x, axes=None):
    """Permute the axes (reverse them when ``axes`` is None)."""
    x = as_tensor(x)
    axes = tuple(reversed(range(x.ndim))) if axes is None else tuple(a % x.ndim for a in axes)
    if sorted(axes) != list(range(x.ndim)):
        raise ValueError(f"transpose: axes {axes} are not a permutation of a {x.ndim}-d tensor's")
    return apply(TRANSPOSE, x, axes=axes)


def broadcast_to(x, shape):
    """A view with ``shape`` (NumPy broadcasting); the gradient is summed back."""
    x, shape = as_tensor(x), tuple(shape)
    ok = len(shape) >= x.ndim and all(
        n in (1, m) for n, m in zip(reversed(x.shape), reversed(shape)))
    if not ok:
        raise ValueError(f"broadcast_to: cannot broadcast shape {x.shape} to {shape} "
                         "(NumPy broadcasting: each axis must match or be 1)")
    return apply(BROADCAST_TO, x, shape=shape)


def _axis_in(axis: int, n: int, op: str) -> int:
    """``axis`` in range(n), negative axes counted from the end; else a clear error."""
    if not -n <= axis < n:
        raise ValueError(f"{op}: axis {axis} is out of range ({-n} to {n - 1})")
    return axis % n


def to_device(x, device):
    """Move to ``device``; the gradient moves back."""
    from ..backend import get_backend
    return apply(TO_DEVICE, x, device=get_backend(device).name)


def expand_dims(x, axis: int):
    """A new axis of size 1 (stack's building block; the public name is autodiff/api's)."""
    x = as_tensor(x)
    axis = _axis_in(axis, x.ndim + 1, f"expand_dims of a {x.ndim}-d tensor")
    return reshape(x, x.shape[:axis] + (1,) + x.shape[axis:])


def concatenate(tensors, axis: int = 0):
    """Join along an existing axis (NumPy's ``concatenate``)."""
    tensors = [as_tensor(t) for t in tensors]
    if not tensors:
        raise ValueError("concatenate: needs at least one tensor")
    ndim = tensors[0].ndim
    axis = axis % ndim
    for t in tensors:
        if t.ndim != ndim or t.shape[:axis] + t.shape[axis + 1:] != \
                tensors[0].shape[:axis] + tensors[0].shape[axis + 1:]:
            raise ValueError("concatenate: shapes " + ", ".join(str(t.shape) for t in tensors)
                             + f" differ outside axis {axis}")
    return apply(CONCATENATE, *tensors, axis=axis)


def stack(tensors, axis: int = 0):
    """Join along a new axis (NumPy's ``stack``)."""
    tensors = [as_tensor(t) for t in tensors]
    if len({t.shape for t in tensors}) > 1:
        raise ValueError("stack: all shapes must be equal, got "
                         + ", ".join(str(t.shape) for t in tensors))
    axis = axis % (tensors[0].ndim + 1)
    return concatenate([expand_dims(t, axis) for t in tensors], axis)


def pad(x, pad_width, mode: str = "constant", constant_values=0):
    """NumPy's ``pad`` for modes "constant" and "edge" (PyTorch's "replicate")."""
    x = as_tensor(x)
    if mode not in ("constant", "edge"):
        raise ValueError(f"pad: mode {mode!r} is not supported; use 'constant' or 'edge'")
    widths = np.broadcast_to(np.asarray(pad_width, dtype=int), (x.ndim, 2))
    if (widths < 0).any():
        raise ValueError(f"pad: widths must be non-negative, got {pad_width}")
    widths = tuple((int(a), int(b)) for a, b in widths)
    return apply(PAD, x, pad_width=widths, mode=mode, value=constant_values)


def getitem(x, index):
    """``x[index]``: basic slicing and integer-array indexing (repeats accumulate gradient)."""
    x = as_tensor(x)
    index, basic = _normalize_index(x, index)
    return apply(GETITEM, x, index=index, basic=basic)


def scatter_add(values, index, shape, basic: bool = False):
    """Zeros of ``shape`` with ``values`` added at ``index`` (the adjoint of getitem)."""
    return apply(SCATTER_ADD, values, index=index, shape=tuple(shape), basic=basic)
