"""In-place ops (``x.add_(y)``, ``x -= y``, ``x[i] = v``) with PyTorch's safety rules.

Each one computes the new value with the ordinary (recorded) ops, then writes it into the
tensor's own memory, so views and ``x.data`` see the change, and raises the memory's version
(``autodiff.version``) so a backward that needed the old numbers refuses to run.

* Under ``no_grad`` (or when nothing involved requires a gradient) it is a plain write:
  ``with ad.no_grad(): w -= lr * w.grad`` updates ``w`` itself, the same object and memory.
* On a leaf that requires a gradient, outside ``no_grad``, it raises (PyTorch's error): the
  leaf's old value is what the gradient is about.
* On a tensor made by an op, it is recorded as PyTorch does: the tensor now stands for the
  new node ``op(old value, y)``. Its old node moves to a new Tensor object (keeping a copy of
  the old numbers when the new op's rule needs them, ``mul_``); ops that already used the
  tensor would now see the wrong node, so backward through them raises the version error.
  ``v = h[0]; v.add_(1)`` writes through to ``h`` (recorded as ``h[0] = h[0] + 1``); an
  in-place op on any other view of a recorded tensor (reshape, transpose) raises.
"""
from __future__ import annotations

from . import version
from .modes import STATE, no_grad
from .ops import elementwise as ew
from .ops import shape as shp
from .primitive import LINEAR
from .tensor import Tensor

LEAF_ERROR = ("a leaf Variable that requires grad is being used in an in-place operation "
              "({op}); do it inside `with ad.no_grad():` (an optimizer step) or on a copy")
VIEW_OF_LEAF_ERROR = ("a view of a leaf Variable that requires grad is being used in an "
                      "in-place operation ({op})")


def _requires_grad(value) -> bool:
    return isinstance(value, Tensor) and value.requires_grad


def write(target: Tensor, op: str, compute, *operands, uses_old: bool = False) -> Tensor:
    """``target <- compute(target, *operands)`` in ``target``'s memory; returns ``target``.

    ``uses_old``: the new node's rule reads the old value (``mul_``), so a recorded write
    keeps a copy of it.
    """
    recording = STATE.grad_enabled and (target.requires_grad
                                        or any(_requires_grad(o) for o in operands))
    if not recording:
        with no_grad():
            new = compute(target, *operands)
        _store(target, new.array, op)
        return target
    if target._op is None and target.requires_grad:
        raise RuntimeError(LEAF_ERROR.format(op=op))
    base = _view_base(target)
    if base is not None:
        return _write_through_view(target, base, op, compute, operands, uses_old)
    old = Tensor._wrap(target.array.copy() if uses_old else target.array)
    _move_node(target, old)
    new = compute(old, *operands)
    if new.dtype != target.dtype:
        new = ew.astype(new, target.dtype)
    _store(target, new.array, op)
    _move_node(new, target)
    target._epoch = target._rebound_at = version.CLOCK[0]
    return target


def _store(target: Tensor, array, op: str) -> None:
    """Write ``array`` into ``target``'s memory (PyTorch's shape and dtype rules)."""
    if array.shape != target.shape:
        raise RuntimeError(f"{op}: output with shape {list(target.shape)} doesn't match the "
                           f"broadcast shape {list(array.shape)}")
    if target.dtype.kind in "iub" and array.dtype.kind == "f" or \
            target.dtype.kind == "b" and array.dtype.kind != "b":
        raise RuntimeError(f"{op}: result type {array.dtype} can't be cast to the desired "
                           f"output type {target.dtype}")
    target.array[...] = array
    version.bump(target.array, op)


def _move_node(source: Tensor, dest: Tensor) -> None:
    """Make ``dest`` stand for the node ``source`` stood for."""
    for slot in ("requires_grad", "_op", "_inputs", "_params", "_scope", "_site"):
        setattr(dest, slot, getattr(source, slot))
    if source._op is not None:
        dest._epoch, dest._freed = source._epoch, source._freed


def _view_base(target: Tensor):
    """The recorded tensor whose memory ``target`` (made by a view op) shares, if any."""
    op = target._op
    if op is None or op.jvp != LINEAR:
        return None
    if op is shp.GETITEM and target._params["basic"]:
        return target._inputs[0]          # a view in PyTorch, even where NumPy copied (x[0])
    for x in target._inputs or ():
        if x.array is not target.array and x.backend.xp.may_share_memory(x.array, target.array):
            return x
    return None


def _write_through_view(target, base, op, compute, operands, uses_old):
    """``v = base[i]; v.add_(1)`` is recorded as ``base[i] = base[i] + 1``, computed from
    base's value before the write (so no node refers to a tensor that changed meaning)."""
    if base._op is None and base.requires_grad:
        raise RuntimeError(VIEW_OF_LEAF_ERROR.format(op=op))
    if target._op is not shp.GETITEM or not target._params["basic"]:
        raise RuntimeError(f"{op}: in-place on a view ({target._op.name}) of a tensor that "
                           "is recorded for backward is not supported; use the out-of-place "
                           "op, or clone() first")
    index = target._params["index"]
    put = _placer(base, index, True)
    write(base, op, lambda t, *ops: put(t, compute(shp.getitem(t, index), *ops)), *operands,
          uses_old=uses_old)
    view = shp.getitem(base, index)
    target.array[...] = view.array        # already there when NumPy made a view
    _move_node(view, target)
    version.bump(target.array, op)
    return target


# ---- the ops -------------------------------------------------------------------------------
def add_(x, other, alpha=1):
    return write(x, "add_", lambda t, o: t + (o if alpha == 1 else alpha * o), other)


def sub_(x, other, alpha=1):
    return write(x, "sub_", lambda t, o: t - (o if alpha == 1 else alpha * o), other)


def mul_(x, other):
    # the old value is read only by the other factor's gradient
    return write(x, "mul_", lambda t, o: t * o, other, uses_old=_requires_grad(other))


def div_(x, other):
    return write(x, "div_", lambda t, o: t / o, other)     # div's rules read y and out only


def fill_(x, value, op: str = "fill_"):
    """Every element becomes ``value`` (cast to x's dtype); the old value gets a zero
    gradient (a select)."""
    everywhere = Tensor._wrap(x.backend.xp.ones(x.shape, dtype=bool))
    return write(x, op, lambda t, v: ew.where(everywhere, _cast(v, t), t), value)


def _cast(value, like: Tensor) -> Tensor:
    """``value`` as a tensor of ``like``'s dtype (recorded, so its gradient flows back)."""
    if not isinstance(value, Tensor):
        return Tensor._wrap(like.backend.xp.asarray(value, dtype=like.dtype))
    return value if value.dtype == like.dtype else ew.astype(value, like.dtype)


def zero_(x):
    return fill_(x, 0, "zero_")


def copy_(x, src):
    return fill_(x, src, "copy_")


def clamp_(x, min=None, max=None):
    if min is None and max is None:
        raise RuntimeError("clamp_: at least one of 'min' or 'max' must not be None")
    if not isinstance(min, Tensor) and not isinstance(max, Tensor):
        return write(x, "clamp_", lambda t: ew.clip(t, min, max), uses_old=True)

    def clamped(t, lo, hi):
        t = t if lo is None else ew.where(t < lo, lo, t)
        return t if hi is None else ew.where(t > hi, hi, t)
    return write(x, "clamp_", clamped, min, max, uses_old=True)


def relu_(x):
    return write(x, "relu_", ew.relu)                      # relu's rule reads its output only


def masked_fill_(x, mask, value):
    from .api.shape import masked_fill
    return write(x, "masked_fill_", lambda t, v: masked_fill(t, mask, v), value)


def scatter_(x, dim, index, src=None, value=None):
    from .api.shape import scatter
    return write(x, "scatter_", lambda t, s: scatter(t, dim, index, s, value), src)


def normal_(x, mean=0.0, std=1.0):
    """Fresh draws from N(mean, std²) (``w.data.normal_(0, 0.01)``), from ``ad.manual_seed``'s
    generator."""
    from .api.creation import randn
    return fill_(x, randn(*x.shape, dtype=x.dtype, device=x.device) * std + mean, "normal_")


def uniform_(x, a=0.0, b=1.0):
    from .api.creation import rand
    return fill_(x, rand(*x.shape, dtype=x.dtype, device=x.device) * (b - a) + a, "uniform_")


def _reads_back(x, parts, basic, value) -> bool:
    """``x[i] = x[i]``, as Python ends ``x[i] += 1`` after the view wrote through to x."""
    return (basic and isinstance(value, Tensor) and value._op is shp.GETITEM
            and value._inputs[0] is x and value._epoch >= getattr(x, "_rebound_at", 0)
            and value._params["basic"] and value._params["index"] == parts)


def setitem(x, index, value) -> None:
    """``x[index] = value``: the written elements take ``value``'s gradient, the rest keep
    the old value's (a select, so an infinite old value never turns into NaN)."""
    recording = STATE.grad_enabled and (x.requires_grad or _requires_grad(value))
    if not recording:
        parts, _ = shp._normalize_index(x, index)
        x.array[parts] = value.array if isinstance(value, Tensor) else value
        version.bump(x.array, "setitem")
        return
    parts, basic = shp._normalize_index(x, index)
    if _reads_back(x, parts, basic, value):
        return
    write(x, "setitem", _placer(x, parts, basic), value)


def _placer(x, parts, basic):
    """``put(t, v)``: t with ``v`` at ``parts`` (a select: where(written, scatter(v), t))."""
    mask = x.backend.xp.zeros(x.shape, dtype=bool)
    mask[parts] = True
    mask = Tensor._wrap(mask)
    selected_shape = x.array[parts].shape

    def put(t, v):
        v = _cast(v, t)
        if v.shape != selected_shape:
            v = shp.broadcast_to(v, selected_shape)
        return ew.where(mask, shp.scatter_add(v, parts, x.shape, basic), t)
    return put
