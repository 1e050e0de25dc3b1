"""``ad.autograd``: PyTorch's ``torch.autograd`` names over the one backward loop.

* ``grad(outputs, inputs, ...)`` returns gradients without touching any ``.grad``;
* ``backward(tensors, grad_tensors, ...)`` is ``tensor.backward()`` for several outputs;
* ``Function`` is a learner's own op with a hand-written backward (``autodiff/function.py``);
* ``tensor.grad_fn`` is a small view of the node that made a tensor: ``<MulBackward0>``,
  with ``next_functions`` leading to its inputs' nodes (``AccumulateGrad`` for a leaf).

>>> import autodiff as ad
>>> x = ad.tensor(3.0, requires_grad=True)
>>> ad.autograd.grad(x * x, x)[0].item()
6.0
"""
from __future__ import annotations

from .function import Function, FunctionCtx
from .modes import enable_grad, no_grad, set_grad_enabled
from .reverse import _seed, run_backward
from .reverse import backward as _backward
from .tensor import Tensor
from .testing import gradcheck, gradgradcheck

__all__ = ["Function", "FunctionCtx", "backward", "enable_grad", "grad", "gradcheck",
           "gradgradcheck", "no_grad", "set_grad_enabled"]


def grad(outputs, inputs, grad_outputs=None, retain_graph: bool | None = None,
         create_graph: bool = False, allow_unused: bool | None = None,
         materialize_grads: bool = False) -> tuple:
    """d(outputs)/d(inputs) as a tuple, one per input (``torch.autograd.grad``).

    An input that ``outputs`` does not depend on raises unless ``allow_unused`` (then its
    gradient is None, or zeros with ``materialize_grads``).
    """
    outputs = [outputs] if isinstance(outputs, Tensor) else list(outputs)
    inputs = [inputs] if isinstance(inputs, Tensor) else list(inputs)
    if grad_outputs is None or isinstance(grad_outputs, Tensor):
        grad_outputs = [grad_outputs] * len(outputs)
    if len(grad_outputs) != len(outputs):
        raise RuntimeError(f"grad requires one grad_output per output: got {len(grad_outputs)} "
                           f"for {len(outputs)} outputs")
    for k, x in enumerate(inputs):
        if not x.requires_grad:
            raise RuntimeError(f"One of the differentiated Tensors (input {k}, shape "
                               f"{tuple(x.shape)}) does not require grad")
    seeds = [_seed(o, g) for o, g in zip(outputs, grad_outputs)]
    keep = create_graph if retain_graph is None else retain_graph
    found = run_backward(outputs, seeds, keep, create_graph, capture=inputs)
    if allow_unused is None:
        allow_unused = materialize_grads
    result = []
    for k, (g, x) in enumerate(zip(found, inputs)):
        if g is None:
            if not allow_unused:
                raise RuntimeError(
                    f"One of the differentiated Tensors (input {k}, shape {tuple(x.shape)}) "
                    "appears to not have been used in the graph. Set allow_unused=True if "
                    "this is the desired behavior.")
            if materialize_grads:
                g = Tensor._wrap(x.backend.xp.zeros(x.array.shape, x.dtype))
        result.append(g)
    return tuple(result)


def backward(tensors, grad_tensors=None, retain_graph: bool | None = None,
             create_graph: bool = False, inputs=None) -> None:
    """Accumulate into ``.grad`` the gradients of ``tensors`` (``torch.autograd.backward``)."""
    _backward(tensors, grad_tensors, retain_graph=retain_graph, create_graph=create_graph,
              inputs=inputs)


# ---- grad_fn: the node behind a tensor, named as PyTorch names it -------------------------
def backward_name(op) -> str:
    """``mul`` -> ``MulBackward0``, ``scatter_add`` -> ``ScatterAddBackward0``; a custom
    ``Function`` subclass ``MyReLU`` -> ``MyReLUBackward``, as in PyTorch."""
    if op.meta.get("function"):
        return f"{op.name}Backward"
    return "".join(part[:1].upper() + part[1:] for part in op.name.split("_")) + "Backward0"


class Node:
    """``tensor.grad_fn``: which op made the tensor and where backward goes next."""
    __slots__ = ("_tensor",)

    def __init__(self, tensor: Tensor):
        self._tensor = tensor

    def name(self) -> str:
        op = self._tensor._op
        return "AccumulateGrad" if op is None else backward_name(op)

    @property
    def op(self):
        """The primitive (its rule table entry) this node differentiates."""
        return self._tensor._op

    @property
    def next_functions(self) -> tuple:
        """``(node, 0)`` per input: the input's grad_fn, AccumulateGrad for a leaf that
        requires a gradient, None for a constant (PyTorch's layout)."""
        if self._tensor._op is None:
            return ()
        return tuple((Node(x) if x.requires_grad else None, 0)
                     for x in self._tensor._inputs or ())

    @property
    def variable(self) -> Tensor:
        """The leaf an ``AccumulateGrad`` node accumulates into."""
        if self._tensor._op is not None:
            raise AttributeError(f"{self.name()} has no attribute 'variable'")
        return self._tensor

    def __eq__(self, other):
        return isinstance(other, Node) and other._tensor is self._tensor

    def __hash__(self):
        return id(self._tensor)

    def __repr__(self) -> str:
        return f"<{self.name()} object at {id(self._tensor):#x}>"


def grad_fn_of(t: Tensor) -> Node | None:
    return Node(t) if t._op is not None and t.requires_grad else None
