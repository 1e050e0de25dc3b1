"""Tensor: an array that remembers how it was made, and ``apply``: the one place nodes are born.

A tensor produced by an op keeps ``_op`` (its primitive), ``_inputs`` (the tensors it was
made from) and ``_params`` (the op's settings). That is the whole graph: references point
from outputs to inputs only, so a graph nobody holds is freed by reference counting alone
(no reference cycles, no waiting for the garbage collector).
"""
from __future__ import annotations

import os
import sys
import traceback
from typing import Any

import numpy as np

from . import dtypes, version
from .backend import Backend, asnumpy, backend_of, get_backend, to_device
from .modes import STATE
from .primitive import Primitive

_PACKAGE_DIR = os.path.dirname(os.path.abspath(__file__))
# The library's own folders (autodiff and nn, side by side in this distribution): anomaly mode
# names the first frame outside them, the user's line, not a layer's or a loss's.
_LIBRARY_DIRS = tuple(os.path.join(os.path.dirname(_PACKAGE_DIR), name, "")
                      for name in ("autodiff", "nn"))
_CLOCK = version.CLOCK


class HookHandle:
    """What ``register_hook`` returns: ``remove()`` unregisters the hook."""

    def __init__(self, hooks: dict, hook):
        self.hooks, self.key = hooks, object()
        hooks[self.key] = hook

    def remove(self) -> None:
        self.hooks.pop(self.key, None)


class Tensor:
    """An n-dimensional array on a device, optionally recording the ops applied to it.

    Build one with :func:`autodiff.tensor`; ``Tensor(data)`` accepts the same data.
    """

    __slots__ = ("__weakref__", "_backward_grad", "_epoch", "_freed", "_grad", "_hooks", "_inputs",
                 "_op",
                 "_params", "_rebound_at", "_retains_grad", "_scope", "_site", "array", "name",
                 "requires_grad")
    __array_ufunc__ = None   # make NumPy hand ``ndarray * tensor`` back to Tensor.__rmul__

    def __init__(self, data: Any, requires_grad: bool = False, dtype=None, device=None,
                 name: str | None = None):
        array = _to_array(data, dtype, device)
        self._init(array)
        self.name = name
        if requires_grad:
            self.requires_grad_(True)

    def _init(self, array):
        self.array = array
        self.requires_grad = False
        self._grad = None
        self.name = None
        self._op = None
        self._inputs = None
        self._params = None
        self._scope = ()
        self._site = None
        self._retains_grad = False
        # Set only where they mean something (kept out of here: every tensor pays for this):
        # _epoch, _freed         by _node on a recorded node (the version clock then; whether
        #                        backward went through it and released its saved extras),
        # _rebound_at            by an in-place op that made the tensor stand for a new node,
        # _backward_grad         by backward: d(root)/d(self) as it computed it (for draw).

    @classmethod
    def _wrap(cls, array) -> Tensor:
        """A tensor around an array the engine just made (no checks, no copy)."""
        t = cls.__new__(cls)
        t._init(array)
        return t

    # ---- what it is -------------------------------------------------------------------
    # ``array`` is the backend array itself (NumPy, CuPy, or SymPy objects): the engine's name.
    @property
    def data(self) -> Tensor:
        """A detached tensor sharing this one's memory (PyTorch's ``.data``)."""
        return Tensor._wrap(self.array)

    @data.setter
    def data(self, value) -> None:
        self.array = value.array if isinstance(value, Tensor) else value

    @property
    def _version(self) -> int:
        """How many in-place writes this tensor's memory has had (PyTorch's ``_version``)."""
        return version.version(self.array)

    @property
    def grad_fn(self):
        """The op that made this tensor, as backward sees it (None for a leaf)."""
        from .autograd import grad_fn_of
        return grad_fn_of(self)

    @property
    def shape(self) -> tuple[int, ...]:
        return self.array.shape

    @property
    def ndim(self) -> int:
        return self.array.ndim

    @property
    def dtype(self):
        return self.array.dtype

    @property
    def device(self) -> str:
        return backend_of(self.array).name

    @property
    def backend(self) -> Backend:
        return backend_of(self.array)

    @property
    def is_leaf(self) -> bool:
        return self._op is None

    @property
    def op(self) -> Primitive | None:
        """The primitive that made this tensor (None for a leaf)."""
        return self._op

    @property
    def inputs(self) -> tuple[Tensor, ...]:
        return tuple(self._inputs or ())

    def __len__(self) -> int:
        if self.ndim == 0:
            raise TypeError("len() of a 0-d tensor")
        return self.shape[0]

    def __repr__(self) -> str:
        body = np.array2string(self.numpy(), separator=", ", precision=4, threshold=20,
                               prefix="tensor(")
        extras = []
        if self.device != "cpu":
            extras.append(f"device={self.device!r}")
        if self.dtype != dtypes.get_default_dtype() and self.device != "sympy":
            extras.append(f"dtype={self.dtype}")
        if self._op is not None and self.requires_grad:
            extras.append(f"op={self._op.name!r}")
        elif self.requires_grad:
            extras.append("requires_grad=True")
        return f"tensor({body}{''.join(', ' + e for e in extras)})"

    # ---- getting numbers out ----------------------------------------------------------
    def numpy(self) -> np.ndarray:
        """A host NumPy array (copied off the GPU when the tensor lives there)."""
        return asnumpy(self.array)

    def item(self):
        if self.array.size != 1:
            raise ValueError(f"item(): only a one-element tensor has an item, not shape {self.shape}")
        value = self.numpy().reshape(())[()]
        return value.item() if hasattr(value, "item") else value

    def tolist(self):
        return self.numpy().tolist()

    def __array__(self, dtype=None, copy=None):
        if self.device != "cpu":
            raise TypeError(f"a tensor on {self.device!r} cannot become a NumPy array "
                            "implicitly; call .numpy() or .cpu() first")
        return self.array if dtype is None else self.array.astype(dtype)

    def __float__(self):
        return float(self.item())

    def __int__(self):
        return int(self.item())

    def __bool__(self):
        return bool(self.item())

    def __index__(self):
        return int(self.item())

    # ---- gradient bookkeeping ---------------------------------------------------------
    def requires_grad_(self, flag: bool = True) -> Tensor:
        if flag and not dtypes.is_floating(self.dtype):
            raise TypeError(f"only floating-point tensors can require a gradient, "
                            f"not dtype {self.dtype} (integer data such as labels and "
                            "indices stay constant)")
        self.requires_grad = flag
        return self

    def retain_grad(self) -> Tensor:
        """Keep ``.grad`` on this non-leaf tensor after backward (leaves always keep it)."""
        self._retains_grad = True
        return self

    def register_hook(self, hook) -> HookHandle:
        """Call ``hook(grad)`` when backward has this tensor's gradient; a tensor it returns
        replaces that gradient (PyTorch's tensor hooks). ``handle.remove()`` takes it off."""
        if not self.requires_grad:
            raise RuntimeError("cannot register a hook on a tensor that doesn't require gradient")
        if getattr(self, "_hooks", None) is None:
            self._hooks = {}
        HOOKED[0] = True           # from now on backward looks for hooks on every node
        return HookHandle(self._hooks, hook)

    def detach(self) -> Tensor:
        """The same data (and memory, and version counter), cut from the graph."""
        return Tensor._wrap(self.array)

    def detach_(self) -> Tensor:
        """Cut this tensor itself from the graph: it becomes a leaf."""
        self._op = self._inputs = self._params = None
        self.requires_grad = False
        return self

    def backward(self, gradient=None, retain_graph: bool | None = None,
                 create_graph: bool = False, inputs=None, *, grad=None):
        """Accumulate d(self)/d(leaf) into every leaf's ``.grad`` (see ``reverse.backward``).

        ``gradient`` (PyTorch's name; ``grad=`` is the old one) seeds a non-scalar output.
        """
        from .reverse import backward
        backward(self, gradient if grad is None else grad, retain_graph=retain_graph,
                 create_graph=create_graph, inputs=inputs)

    def zero_grad(self) -> None:
        self.grad = None

    @property
    def grad(self) -> Tensor | None:
        """d(output)/d(self) summed over backward passes (None until one reaches it)."""
        return self._grad

    @grad.setter
    def grad(self, value: Tensor | None) -> None:
        """Assigning checks what PyTorch checks: a Tensor (or None) of this tensor's shape."""
        if value is not None:
            if not isinstance(value, Tensor):
                raise TypeError("assigned grad expected to be a Tensor or None but got grad of "
                                f"type {type(value).__name__}")
            if value.shape != self.shape:
                raise RuntimeError(f"attempting to assign a gradient of size "
                                   f"'{list(value.shape)}' to a tensor of size "
                                   f"'{list(self.shape)}'. Please ensure that the gradient and "
                                   "the tensor are the same size")
        self._grad = value

    # ---- arithmetic (NumPy broadcasting; Python numbers keep the tensor's dtype) ---------
    def __add__(self, other): return _ew.add(self, other)
    def __radd__(self, other): return _ew.add(other, self)
    def __sub__(self, other): return _ew.sub(self, other)
    def __rsub__(self, other): return _ew.sub(other, self)
    def __mul__(self, other): return _ew.mul(self, other)
    def __rmul__(self, other): return _ew.mul(other, self)
    def __truediv__(self, other): return _ew.div(self, other)
    def __rtruediv__(self, other): return _ew.div(other, self)
    def __pow__(self, other): return _ew.power(self, other)
    def __rpow__(self, other): return _ew.power(other, self)
    def __matmul__(self, other): return _lin.matmul(self, other)
    def __rmatmul__(self, other): return _lin.matmul(other, self)
    def __neg__(self): return _ew.neg(self)
    def __pos__(self): return self
    def __abs__(self): return _ew.abs(self)

    # ---- comparisons: no gradient, boolean results ----------------------------------------
    def __lt__(self, other): return _ew.less(self, other)
    def __le__(self, other): return _ew.less_equal(self, other)
    def __gt__(self, other): return _ew.greater(self, other)
    def __ge__(self, other): return _ew.greater_equal(self, other)
    def __eq__(self, other): return _ew.equal(self, other)       # type: ignore[override]
    def __ne__(self, other): return _ew.not_equal(self, other)   # type: ignore[override]
    __hash__ = object.__hash__                                   # tensors are dict keys by identity

    def __getitem__(self, index): return _shp.getitem(self, index)

    # ---- in place (autodiff/inplace.py: version counter, leaf and view rules) --------------
    def __setitem__(self, index, value): _inplace.setitem(self, index, value)
    def add_(self, other, alpha=1): return _inplace.add_(self, other, alpha)
    def sub_(self, other, alpha=1): return _inplace.sub_(self, other, alpha)
    def mul_(self, other): return _inplace.mul_(self, other)
    def div_(self, other): return _inplace.div_(self, other)
    def zero_(self): return _inplace.zero_(self)
    def fill_(self, value): return _inplace.fill_(self, value)
    def copy_(self, src): return _inplace.copy_(self, src)
    def clamp_(self, min=None, max=None): return _inplace.clamp_(self, min, max)
    def relu_(self): return _inplace.relu_(self)
    def masked_fill_(self, mask, value): return _inplace.masked_fill_(self, mask, value)
    def scatter_(self, dim, index, src=None, value=None):
        return _inplace.scatter_(self, dim, index, src, value)
    def normal_(self, mean=0.0, std=1.0): return _inplace.normal_(self, mean, std)
    def uniform_(self, a=0.0, b=1.0): return _inplace.uniform_(self, a, b)
    __iadd__ = add_
    __isub__ = sub_
    __imul__ = mul_
    __itruediv__ = div_

    # The other methods (x.sum, x.view, x.unsqueeze, x.T ...) are bound from one table of
    # PyTorch names: autodiff/api/methods.py.

    # ---- moving (x.to(device, dtype) is in the method table) -------------------------------
    def cpu(self) -> Tensor:
        return self.to("cpu")

    def cuda(self) -> Tensor:
        return self.to("cuda")


# ---- making arrays from user data -------------------------------------------------------
def _to_array(data, dtype=None, device=None, copy: bool = False):
    """A backend array from user data; ``copy``: never the caller's own memory."""
    source = data.array if isinstance(data, Tensor) else data
    array = _convert(data, dtype, device)
    return array.copy(order="K") if copy and array is source else array


def _convert(data, dtype=None, device=None):
    if isinstance(data, Tensor):
        array = data.array
    elif _is_symbolic(data):
        array = get_backend("sympy").xp.asarray(data)
    else:
        try:
            array = data if _is_backend_array(data) else np.asarray(data)
        except Exception as e:
            raise TypeError(f"tensor(): cannot make an array from {type(data).__name__} "
                            f"({e})") from e
        if array.dtype == object:
            import sympy
            if not all(isinstance(v, (int, float, np.number, sympy.Basic)) for v in array.flat):
                raise TypeError(f"tensor(): cannot make an array from {type(data).__name__}: "
                                "expected numbers, nested lists of numbers, or arrays")
            array = get_backend("sympy").xp.asarray(array)
        elif dtype is None and array.dtype == np.float64 \
                and not isinstance(data, (np.ndarray, np.generic)) and not _is_backend_array(data):
            array = array.astype(dtypes.get_default_dtype())   # Python floats: the default dtype
    if dtype is not None:
        dtype = dtypes.as_dtype(dtype)
        if array.dtype != object and array.dtype != dtype:
            array = array.astype(dtype)
    if device is not None:
        array = to_device(array, device)
    return array


def _is_backend_array(data) -> bool:
    try:
        backend_of(data)
        return True
    except TypeError:
        return False


def _is_symbolic(data) -> bool:
    import sympy
    if isinstance(data, sympy.Basic):
        return True
    if isinstance(data, (list, tuple)):
        return any(_is_symbolic(d) for d in data)
    return False


def tensor(data, dtype=None, device=None, requires_grad: bool = False,
           name: str | None = None) -> Tensor:
    """A new tensor holding a copy of ``data`` (PyTorch's ``torch.tensor``): Python floats
    become float32 (the default), a NumPy array keeps its dtype, integers stay integers
    (and cannot require a gradient).

    ``device=None`` keeps the data where it is: host data lands on "cpu", a CuPy array
    stays on "cuda", SymPy expressions on "sympy".

    >>> tensor([[1.0, 2.0]]).shape
    (1, 2)
    """
    out = Tensor._wrap(_to_array(data, dtype, device, copy=True))
    out.name = name
    return out.requires_grad_(True) if requires_grad else out


# ---- apply: the only place a node is created ----------------------------------------------
def as_tensor(value) -> Tensor:
    """``value`` itself when it is a tensor, else a new tensor made from it."""
    return value if isinstance(value, Tensor) else Tensor(value)   # shares an array's memory


def _lift(value, backend: Backend, like_dtype):
    """A constant operand (a Python number, a list, an array) as a tensor on ``backend``."""
    if backend.name == "sympy":
        return Tensor._wrap(backend.xp.asarray(value))
    if isinstance(value, (bool, np.bool_)):
        array = np.asarray(value)
    elif isinstance(value, (int, float, np.number)) and like_dtype is not None \
            and dtypes.is_floating(like_dtype):
        array = np.asarray(value, dtype=like_dtype)     # weak scalar: keeps the tensor's dtype
    else:
        array = _to_array(value)
    if array.dtype == object:
        raise TypeError("symbolic values need symbolic tensors; make them with ad.symbols")
    if backend.name == "cpu":
        return Tensor._wrap(array)
    if array.ndim == 0:
        # A number on a GPU costs an allocation and a host-to-device copy each time; the
        # same few numbers (1, 0.5, eps...) recur every step, so keep one copy of each.
        key = (backend, array.dtype.str, array.item())
        cached = _DEVICE_CONSTANTS.get(key)
        if cached is None:
            if len(_DEVICE_CONSTANTS) > 4096:
                _DEVICE_CONSTANTS.clear()
            cached = _DEVICE_CONSTANTS[key] = backend.from_host(array)
        return Tensor._wrap(cached)
    return Tensor._wrap(backend.from_host(array))


_DEVICE_CONSTANTS: dict = {}
# Whether any tensor ever had a hook: until then backward need not ask each node (reading an
# unset slot raises inside getattr, which costs more than the rest of a small node's step).
HOOKED = [False]


def apply(op: Primitive, *inputs, **params) -> Tensor:
    """Run ``op`` on ``inputs`` and, when a gradient is wanted, record the node.

    Resolves the array namespace once from the inputs (mixing devices is an error), lifts
    constants onto that device, runs the forward, and keeps inputs and params for backward.
    """
    backend = None
    like_dtype = None
    lifted = False
    for v in inputs:
        if isinstance(v, Tensor):
            b = backend_of(v.array)
            if backend is None:
                backend = b
            elif b is not backend:
                raise TypeError(f"{op.name}: inputs live on different devices "
                                f"({backend.name!r} and {b.name!r}); move them with .to(device)")
            if like_dtype is None and v.array.dtype.kind in "fO":
                like_dtype = v.array.dtype
        else:
            lifted = True
    if backend is None:
        backend = get_backend("cpu")
    tensors = [v if isinstance(v, Tensor) else _lift(v, backend, like_dtype)
               for v in inputs] if lifted else inputs
    xp = backend.xp
    try:
        out = op.forward(xp, *[t.array for t in tensors], **params)
    except (ValueError, IndexError, TypeError) as e:
        raise _explain(op, tensors, params, e) from None
    except RecursionError:
        raise _too_deep(op) from None
    if op.saves:
        out, saved = out
        params = {**params, **saved}
    if isinstance(out, np.generic) or not hasattr(out, "shape"):
        out = xp.asarray(out)              # NumPy returns scalars from 0-d ops; keep arrays
    return _node(op, out, tensors, params)


def _too_deep(op: Primitive) -> RecursionError:
    """SymPy recurses through an expression's whole depth: a symbolic chain of a few hundred
    ops is past what it (and Python's stack) can build. Say so, instead of a traceback from
    deep inside SymPy."""
    return RecursionError(
        f"{op.name}: the symbolic expression is nested too deeply for SymPy (a chain of about "
        f"{sys.getrecursionlimit() // 3} ops or more); derive a shorter expression, or use "
        "numbers (ad.tensor) for a long chain")


def known(op: Primitive, out, *inputs: Tensor, **params) -> Tensor:
    """The node ``op(*inputs, **params)`` whose value ``out`` (an array) is already known.

    A forward pass that computed an intermediate on its way (``normalize`` computes the
    inverse standard deviation) saves it; a backward rule then brings it back into the graph
    with this instead of ``apply``, so it is not computed twice, and it is still
    differentiated through when the backward pass is itself recorded (``create_graph``).
    """
    return _node(op, out, inputs, params)


def _node(op: Primitive, out, tensors, params) -> Tensor:
    """Wrap ``out`` and, when a gradient is wanted, record how it was made."""
    result = Tensor._wrap(out)
    state = STATE
    if state.grad_enabled and op.differentiable:
        for t in tensors:
            if t.requires_grad:
                result.requires_grad = True
                result._op = op
                result._inputs = tensors
                result._params = params
                result._scope = state.scope
                result._epoch = _CLOCK[0]
                result._freed = False
                break
    if state.anomaly:
        from .testing import check_forward
        result._site = creation_site()
        check_forward(op, result, tensors)
    return result


def creation_site() -> str:
    """``file:line`` of the user code that is running an op (the first frame outside the
    library: autodiff, and nn's layers and losses built on it)."""
    for frame in reversed(traceback.extract_stack()[:-1]):
        if not os.path.abspath(frame.filename).startswith(_LIBRARY_DIRS):
            return f"{frame.filename}:{frame.lineno} ({frame.line})"
    return "<unknown>"


def _explain(op: Primitive, tensors, params, error: Exception) -> Exception:
    shapes = " and ".join(str(t.shape) for t in tensors)
    message = str(error)
    if "broadcast" in message:
        text = f"{op.name}: cannot broadcast shapes {shapes} together (NumPy broadcasting rules)"
    else:
        shown = {k: v for k, v in params.items() if not hasattr(v, "shape")}
        text = f"{op.name}: {message} (input shapes {shapes}{', params ' + str(shown) if shown else ''})"
    try:
        return type(error)(text)
    except TypeError:  # an exception type that wants other arguments
        return ValueError(text)


# The ops are defined in terms of Tensor, so they are imported after it (their functions are
# looked up when a method runs).
from .ops import elementwise as _ew
from .ops import linalg as _lin
from .ops import shape as _shp

# isort: split
from . import inplace as _inplace  # after the ops: in-place ops are written with them
