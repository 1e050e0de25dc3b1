"""Module: a piece of a network that owns its parameters and its sub-modules.

Assigning a ``Parameter`` or a ``Module`` to an attribute registers it (``self.fc =
nn.Linear(4, 2)``), exactly as in PyTorch; everything else is found by walking that tree:
``parameters()``, ``state_dict()`` (keys like ``layer1.0.conv1.weight``), ``to(device)``,
``train()``/``eval()``. Each call runs ``forward`` inside a named scope ("conv1 (Conv2d)"),
so a picture of the graph can show every module call as one box.
"""
from __future__ import annotations

from collections import OrderedDict, namedtuple
from collections.abc import Callable, Iterator
from typing import Any

import numpy as np

from autodiff import Tensor, no_grad, scope
from autodiff.backend import asnumpy, backend_of, get_backend, to_device
from autodiff.dtypes import as_dtype

from .parameter import Parameter


class StateDictError(RuntimeError, ValueError):
    """``load_state_dict`` found missing, unexpected or mis-shaped keys."""


IncompatibleKeys = namedtuple("IncompatibleKeys", ["missing_keys", "unexpected_keys"])


class RemovableHandle:
    """What ``register_forward_hook`` returns: ``handle.remove()`` takes the hook off again."""

    _next_id = 0

    def __init__(self, hooks: dict):
        self.hooks, self.id = hooks, RemovableHandle._next_id
        RemovableHandle._next_id += 1

    def remove(self) -> None:
        self.hooks.pop(self.id, None)


class Module:
    """Base class of every layer and model: subclass it, build sub-modules and parameters in
    ``__init__`` (after ``super().__init__()``), and compute the output in ``forward``."""

    training: bool

    def __init__(self):
        for store in ("_parameters", "_buffers", "_modules", "_forward_hooks",
                      "_forward_pre_hooks", "_backward_hooks"):
            object.__setattr__(self, store, OrderedDict())
        object.__setattr__(self, "_non_persistent", set())
        object.__setattr__(self, "_name", None)
        object.__setattr__(self, "training", True)

    def forward(self, *args, **kwargs):
        raise NotImplementedError(f"{type(self).__name__} defines no forward()")

    def __call__(self, *args, **kwargs):
        if self._forward_pre_hooks:
            for hook in list(self._forward_pre_hooks.values()):
                hook(self, args)
        label = f"{self._name} ({type(self).__name__})" if self._name else type(self).__name__
        with scope(label, owner=self):
            if self.__dict__.get("_backward_hooks"):
                from .backward_hooks import call_with_backward_hooks
                out = call_with_backward_hooks(self, self._backward_hooks, args, kwargs,
                                               self.forward)
            else:
                out = self.forward(*args, **kwargs)
        if self._forward_hooks:
            for hook in list(self._forward_hooks.values()):
                result = hook(self, args, out)
                out = out if result is None else result
        return out

    # ---- registration by attribute --------------------------------------------------------
    def __setattr__(self, name: str, value: Any) -> None:
        stores = self.__dict__.get("_parameters")
        if isinstance(value, (Parameter, Module)) and stores is None:
            raise AttributeError(f"cannot assign {name!r} before Module.__init__() is called: "
                                 f"call super().__init__() first in {type(self).__name__}")
        if isinstance(value, Parameter):
            self._forget(name)
            self._parameters[name] = value
        elif isinstance(value, Module):
            self._forget(name)
            self._modules[name] = value
            object.__setattr__(value, "_name", name)
        elif stores is not None and name in self._parameters:
            if value is not None:
                raise TypeError(f"cannot assign a {type(value).__name__} to parameter {name!r} "
                                "(a Parameter or None is expected)")
            self._parameters[name] = None
        elif stores is not None and name in self._modules:
            if value is not None:
                raise TypeError(f"cannot assign a {type(value).__name__} to sub-module {name!r} "
                                "(a Module or None is expected)")
            self._modules[name] = None
        elif stores is not None and name in self._buffers:
            if value is not None and not isinstance(value, Tensor):
                raise TypeError(f"cannot assign a {type(value).__name__} to buffer {name!r} "
                                "(a Tensor or None is expected)")
            self._buffers[name] = value
        else:
            object.__setattr__(self, name, value)

    def __getattr__(self, name: str) -> Any:
        d = self.__dict__
        for store in ("_parameters", "_buffers", "_modules"):
            if store in d and name in d[store]:
                return d[store][name]
        raise AttributeError(f"'{type(self).__name__}' object has no attribute '{name}'")

    def __delattr__(self, name: str) -> None:
        if not self._forget(name):
            raise AttributeError(f"'{type(self).__name__}' object has no attribute '{name}'")

    def _forget(self, name: str) -> bool:
        found = False
        for store in (self.__dict__, self._parameters, self._buffers, self._modules):
            if name in store:
                del store[name]
                found = True
        return found

    def register_parameter(self, name: str, param: Parameter | None) -> None:
        """Register ``param`` (None marks an absent one, such as a bias turned off)."""
        if param is not None and not isinstance(param, Parameter):
            raise TypeError(f"register_parameter: {name!r} must be a Parameter or None")
        self._forget(name)
        self._parameters[name] = param

    def register_buffer(self, name: str, value, persistent: bool = True) -> None:
        """A tensor that is state but not learned (BatchNorm's running mean): saved in the
        state dict (unless ``persistent=False``) and moved by ``to()``, never optimized."""
        if value is not None and not isinstance(value, Tensor):
            value = Tensor(value)
        self._forget(name)
        self._buffers[name] = value
        (self._non_persistent.discard if persistent else self._non_persistent.add)(name)

    def add_module(self, name: str, module: Module | None) -> None:
        if module is not None and not isinstance(module, Module):
            hint = f" (did you mean {module.__name__}()?)" if isinstance(module, type) \
                and issubclass(module, Module) else ""
            raise TypeError(f"{type(self).__name__}: {name!r} is a {type(module).__name__}, "
                            f"not a Module{hint}")
        if module is None:
            self._forget(name)
            self._modules[name] = None
        else:
            setattr(self, name, module)

    register_module = add_module                    # PyTorch's other name for it

    # ---- walking the tree -------------------------------------------------------------------
    def named_modules(self, memo: set | None = None, prefix: str = "") -> Iterator:
        """(dotted name, module) for this module and every descendant, each once, parents first."""
        memo = set() if memo is None else memo
        if id(self) in memo:
            return
        memo.add(id(self))
        yield prefix, self
        for name, module in self._modules.items():
            if module is not None:
                yield from module.named_modules(memo, f"{prefix}.{name}" if prefix else name)

    def modules(self) -> Iterator[Module]:
        for _, module in self.named_modules():
            yield module

    def named_children(self) -> Iterator:
        for name, module in self._modules.items():
            if module is not None:
                yield name, module

    def children(self) -> Iterator[Module]:
        for _, module in self.named_children():
            yield module

    def _named_tensors(self, store: str, prefix: str, recurse: bool) -> Iterator:
        seen = set()
        owners = self.named_modules(prefix=prefix) if recurse else [(prefix, self)]
        for owner_name, owner in owners:
            for name, t in getattr(owner, store).items():
                if t is None or id(t) in seen:
                    continue
                seen.add(id(t))
                yield (f"{owner_name}.{name}" if owner_name else name), t

    def named_parameters(self, prefix: str = "", recurse: bool = True) -> Iterator:
        """(dotted name, parameter) pairs; a parameter shared by two layers appears once."""
        return self._named_tensors("_parameters", prefix, recurse)

    def parameters(self, recurse: bool = True) -> Iterator[Parameter]:
        for _, p in self.named_parameters(recurse=recurse):
            yield p

    def named_buffers(self, prefix: str = "", recurse: bool = True) -> Iterator:
        return self._named_tensors("_buffers", prefix, recurse)

    def buffers(self, recurse: bool = True) -> Iterator[Tensor]:
        for _, b in self.named_buffers(recurse=recurse):
            yield b

    def apply(self, fn: Callable[[Module], Any]) -> Module:
        """Call ``fn`` on every sub-module (children first) and on this one."""
        for child in self.children():
            child.apply(fn)
        fn(self)
        return self

    # ---- modes, gradients, devices ------------------------------------------------------------
    def train(self, mode: bool = True) -> Module:
        """Training mode: dropout drops, batch norm uses (and updates) batch statistics."""
        for module in self.modules():
            object.__setattr__(module, "training", mode)
        return self

    def eval(self) -> Module:
        """Evaluation mode: dropout off, batch norm uses its running statistics."""
        return self.train(False)

    def requires_grad_(self, requires_grad: bool = True) -> Module:
        """Turn gradients of every parameter on or off (freeze a pretrained part)."""
        for p in self.parameters():
            p.requires_grad_(requires_grad)
        return self

    def get_submodule(self, target: str) -> Module:
        """The sub-module at dotted path ``target`` ("layer1.0.conv1"); "" is this module."""
        module = self
        for part in target.split(".") if target else []:
            if part not in module._modules or module._modules[part] is None:
                raise AttributeError(f"{type(module).__name__} has no attribute `{part}`")
            module = module._modules[part]
        return module

    def zero_grad(self, set_to_none: bool = True) -> None:
        for p in self.parameters():
            if set_to_none or p.grad is None:
                p.grad = None
            else:
                p.grad = Tensor(p.backend.xp.zeros_like(p.grad.array))

    def to(self, *args, device=None, dtype=None) -> Module:
        """Move every parameter and buffer (and gradient) to ``device`` and/or convert the
        floating ones to ``dtype``, in place: ``model.to("cuda")``, ``model.to(ad.float64)``."""
        for arg in args:
            if isinstance(arg, str) and arg.split(":")[0] not in ("float32", "float64",
                                                                  "float", "double"):
                device = arg
            else:
                dtype = arg
        dtype = None if dtype is None else as_dtype(dtype)
        if device is not None:
            get_backend(device)            # an unknown device fails before anything moves
        tensors = [t for m in self.modules() for store in (m._parameters, m._buffers)
                   for t in store.values() if t is not None]
        tensors += [p.grad for p in tensors if isinstance(p, Parameter) and p.grad is not None]
        for t in {id(t): t for t in tensors}.values():
            if dtype is not None and t.dtype.kind == "f" and t.dtype != dtype:
                t.array = t.array.astype(dtype)
            if device is not None:
                t.array = to_device(t.array, device)
        return self

    def cpu(self) -> Module:
        return self.to("cpu")

    def cuda(self) -> Module:
        return self.to("cuda")

    def float(self) -> Module:
        return self.to(dtype="float32")

    def double(self) -> Module:
        return self.to(dtype="float64")

    # ---- saving and loading -----------------------------------------------------------------
    def state_dict(self, destination: dict | None = None, prefix: str = "",
                   keep_vars: bool = False) -> OrderedDict:
        """Every parameter and persistent buffer under its dotted name (PyTorch's keys), as
        tensors that share the module's arrays (``keep_vars=True``: the parameters themselves)."""
        out = OrderedDict() if destination is None else destination
        for name, p in self._parameters.items():
            if p is not None:
                out[prefix + name] = p if keep_vars else p.detach()
        for name, b in self._buffers.items():
            if b is not None and name not in self._non_persistent:
                out[prefix + name] = b if keep_vars else b.detach()
        for name, module in self.named_children():
            module.state_dict(out, f"{prefix}{name}.", keep_vars)
        return out

    def load_state_dict(self, state_dict: dict, strict: bool = True) -> IncompatibleKeys:
        """Copy values into the parameters and buffers, converted to each one's own dtype and
        device. Raises one ``StateDictError`` listing every missing, unexpected (with
        ``strict``) and mis-shaped key; nothing is copied when it raises."""
        own = self.state_dict(keep_vars=True)
        missing = [k for k in own if k not in state_dict]
        unexpected = [k for k in state_dict if k not in own]
        mis_shaped = [(k, _shape_of(state_dict[k]), own[k].shape) for k in own
                      if k in state_dict and _shape_of(state_dict[k]) != own[k].shape]
        if mis_shaped or (strict and (missing or unexpected)):
            lines = [f"Error(s) in loading state_dict for {type(self).__name__}:"]
            if strict and missing:
                lines.append("  missing keys (in the model, not in the state dict): "
                             + ", ".join(missing))
            if strict and unexpected:
                lines.append("  unexpected keys (in the state dict, not in the model): "
                             + ", ".join(unexpected))
            for key, given, wanted in mis_shaped:
                lines.append(f"  size mismatch for {key}: the state dict has shape {given}, "
                             f"the model has {wanted}")
            raise StateDictError("\n".join(lines))
        with no_grad():
            for key, target in own.items():
                if key in state_dict:
                    target.array = _converted(state_dict[key], target)
        return IncompatibleKeys(missing, unexpected)

    # ---- hooks and printing ---------------------------------------------------------------
    def register_forward_hook(self, hook: Callable) -> RemovableHandle:
        """``hook(module, inputs, output)`` runs after every call (a non-None result replaces
        the output); ``nn.summary`` uses it to see each layer's output."""
        handle = RemovableHandle(self._forward_hooks)
        self._forward_hooks[handle.id] = hook
        return handle

    def register_full_backward_hook(self, hook: Callable) -> RemovableHandle:
        """``hook(module, grad_input, grad_output)`` runs during backward once the gradients
        with respect to the module's inputs are known (see nn/backward_hooks.py): how a
        learner pulls gradients out of a model; a returned tuple replaces grad_input."""
        from .backward_hooks import _function_class
        _function_class()                       # refuse now if autodiff cannot do it
        handle = RemovableHandle(self._backward_hooks)
        self._backward_hooks[handle.id] = hook
        return handle

    def register_forward_pre_hook(self, hook: Callable) -> RemovableHandle:
        """``hook(module, inputs)`` runs before every call."""
        handle = RemovableHandle(self._forward_pre_hooks)
        self._forward_pre_hooks[handle.id] = hook
        return handle

    def extra_repr(self) -> str:
        """The settings shown between the parentheses of ``repr`` (override in layers)."""
        return ""

    def __repr__(self) -> str:
        extra = self.extra_repr().split("\n") if self.extra_repr() else []
        children = [f"({name}): " + repr(m).replace("\n", "\n  ")
                    for name, m in self.named_children()]
        if len(extra) == 1 and not children:
            return f"{type(self).__name__}({extra[0]})"
        lines = extra + children
        body = "\n  " + "\n  ".join(lines) + "\n" if lines else ""
        return f"{type(self).__name__}({body})"


def _shape_of(value) -> tuple[int, ...]:
    return tuple(int(n) for n in getattr(value, "shape", np.shape(value)))


def _converted(value, target: Tensor):
    """``value`` as a fresh array in ``target``'s dtype, on ``target``'s device."""
    array = value.array if isinstance(value, Tensor) else value
    backend = target.backend
    try:
        source = backend_of(array)
    except TypeError:                      # a list or a Python number
        source, array = None, np.asarray(array)
    if source is backend:
        return array.astype(target.dtype, copy=True)
    host = asnumpy(array) if source is not None else array   # explicit copy off a device
    return backend.from_host(np.array(host, dtype=target.dtype))


# The containers live in their own file; they are part of this module's public names.
from .containers import Identity, ModuleList, Sequential  # noqa: F401
