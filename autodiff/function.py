"""``ad.autograd.Function``: a learner's own op, with a forward and a hand-written backward.

This is how a course has students write a layer's backward pass (PyTorch's API)::

    class MyReLU(ad.autograd.Function):
        @staticmethod
        def forward(ctx, x):
            ctx.save_for_backward(x)
            return x.clamp(min=0)          # any tensor ops; nothing is recorded here

        @staticmethod
        def backward(ctx, g):
            (x,) = ctx.saved_tensors
            return g * (x > 0)

    y = MyReLU.apply(x)
    ad.gradcheck(MyReLU.apply, [x])        # the student's backward against finite differences

Each subclass becomes one primitive (not in the built-in table ``PRIMITIVES``): the graph
holds one node named after the class, so ``ad.draw`` shows one oval ``MyReLU`` and
``ad.derive`` one step per input, and every engine (reverse mode, pictures, derivations,
double backward when ``backward`` is written in tensor ops) treats it like a built-in.
The context ``ctx`` is what the forward saved: it is the node's saved extra, freed after
backward like a built-in's.
"""
from __future__ import annotations

from dataclasses import dataclass

from .modes import no_grad
from .primitive import Primitive
from .tensor import Tensor, apply


@dataclass(eq=False)
class _FunctionPrimitive(Primitive):
    """A primitive made from a ``Function`` subclass: kept out of the built-in table."""

    def __post_init__(self):
        self.display = self.display or self.name


class FunctionCtx:
    """What ``forward`` leaves for ``backward``: saved tensors and any attributes set on it."""

    def __init__(self, needs_input_grad: tuple[bool, ...]):
        self.needs_input_grad = needs_input_grad
        self._saved = ()                 # ("input", k) / ("output",) / ("value", tensor)
        self._bound = None               # (out, inputs) of the node backward is running at
        self._cache = None               # (g, gradients) of the latest backward call
        self.non_differentiable = False
        self.materialize_grads = True

    def save_for_backward(self, *tensors) -> None:
        """Keep tensors for ``backward`` (read back as ``ctx.saved_tensors``)."""
        self._to_save = tensors

    def mark_non_differentiable(self, *outputs) -> None:
        """The output carries no gradient (an index, a mask)."""
        self.non_differentiable = True

    def set_materialize_grads(self, value: bool) -> None:
        self.materialize_grads = value

    @property
    def saved_tensors(self) -> tuple:
        """The saved tensors, as the graph holds them now: an input or the output comes back
        as that graph tensor, so a recorded backward (create_graph) differentiates through
        it, and a derivation sees it by its name."""
        if self._bound is None:
            raise RuntimeError("saved_tensors can only be read in backward")
        out, inputs = self._bound
        picked = []
        for kind, *rest in self._saved:
            picked.append(inputs[rest[0]] if kind == "input" else out if kind == "output"
                          else rest[0])
        return tuple(picked)


def _forward(xp, *arrays, function, layout):
    """The primitive's forward: run the user's ``forward`` on tensors, recording nothing."""
    ctx = FunctionCtx(tuple(kind == "tensor" and needs for kind, needs in layout))
    ins, args, it = [], [], iter(arrays)
    for kind, value in layout:
        if kind == "tensor":
            ins.append(Tensor._wrap(next(it)))
            args.append(ins[-1])
        else:
            args.append(value)
    ctx._to_save = ()
    with no_grad():
        out = function.forward(ctx, *args)
    if not isinstance(out, Tensor):
        raise TypeError(f"{function.__name__}.forward must return one Tensor, got "
                        f"{type(out).__name__} (several outputs are not supported)")
    saved = []
    for t in ctx._to_save:
        k = next((k for k, x in enumerate(ins) if x is t), None)
        saved.append(("input", k) if k is not None else ("output",) if t is out
                     else ("value", t))
    ctx._saved = tuple(saved)
    del ctx._to_save
    return out.array, {"ctx": ctx}


def _jvp(tangents, out, *inputs, function, layout, ctx):
    """Forward mode: the class's own ``jvp(ctx, *tangents)`` (PyTorch's name), if it has one."""
    if function.jvp is Function.jvp:
        raise RuntimeError(f"{function.__name__}: forward mode (jvp) needs a "
                           "jvp(ctx, *tangents) staticmethod; reverse mode needs only backward")
    tangents = [t if t is not None else Tensor._wrap(x.backend.xp.zeros(x.shape, x.dtype))
                for t, x in zip(tangents, inputs)]
    full, it = [], iter(tangents)
    for kind, _ in layout:
        full.append(next(it) if kind == "tensor" else None)
    ctx._bound = (out, inputs)
    try:
        return function.jvp(ctx, *full)
    finally:
        ctx._bound = None


def _rule(i: int):
    def rule(g, out, *inputs, function, layout, ctx):
        return _gradients(function, layout, ctx, g, out, inputs)[i]
    return rule


def _gradients(function, layout, ctx: FunctionCtx, g, out, inputs) -> list:
    """The user's ``backward`` for upstream ``g``: one gradient per tensor input (zeros where
    it returned None), computed once for all the node's inputs."""
    if ctx._cache is not None and ctx._cache[0] is g:
        return ctx._cache[1]
    ctx._bound = (out, inputs)
    try:
        grads = function.backward(ctx, g)
    finally:
        ctx._bound = None
    grads = grads if isinstance(grads, tuple) else (grads,)
    if len(grads) != len(layout):
        raise RuntimeError(f"function {function.__name__}Backward returned an incorrect number "
                           f"of gradients (expected {len(layout)}, got {len(grads)})")
    positions = [k for k, (kind, _) in enumerate(layout) if kind == "tensor"]
    result = []
    for x, k in zip(inputs, positions):
        dx = grads[k]
        if dx is None:
            dx = Tensor._wrap(x.backend.xp.zeros(x.array.shape, dtype=x.dtype))
        elif not isinstance(dx, Tensor):
            dx = Tensor._wrap(x.backend.xp.asarray(dx, dtype=x.dtype))
        if dx.shape != x.shape:
            raise RuntimeError(f"function {function.__name__}Backward returned an invalid "
                               f"gradient at index {k} - got {list(dx.shape)} but expected "
                               f"shape compatible with {list(x.shape)}")
        result.append(dx)
    ctx._cache = (g, result)
    return result


class Function:
    """Subclass with ``forward(ctx, *args)`` and ``backward(ctx, *grads)`` (static methods),
    then call ``YourOp.apply(*args)``. Tensor arguments become the node's inputs; other
    arguments (numbers, flags) are passed through and get a None gradient."""

    _primitive: Primitive

    def __init_subclass__(cls, **kwargs):
        super().__init_subclass__(**kwargs)
        cls._primitive = _FunctionPrimitive(cls.__name__, _forward, vjp=_rule, jvp=_jvp,
                                            variadic=True, saves=("ctx",),
                                            meta={"function": cls})

    @staticmethod
    def forward(ctx, *args):
        raise NotImplementedError("write forward(ctx, *args) as a @staticmethod")

    @staticmethod
    def backward(ctx, *grads):
        raise NotImplementedError("write backward(ctx, *grads) as a @staticmethod, returning "
                                  "one gradient (or None) per argument of forward")

    @staticmethod
    def jvp(ctx, *tangents):
        raise NotImplementedError("write jvp(ctx, *tangents) for forward mode (optional)")

    @classmethod
    def apply(cls, *args):
        layout = tuple(("tensor", a.requires_grad) if isinstance(a, Tensor) else ("value", a)
                       for a in args)
        tensors = [a for a in args if isinstance(a, Tensor)]
        if not tensors:
            raise TypeError(f"{cls.__name__}.apply needs at least one Tensor argument")
        out = apply(cls._primitive, *tensors, function=cls, layout=layout)
        ctx = (out._params or {}).get("ctx")
        if ctx is not None and ctx.non_differentiable:
            return out.detach()
        return out
