"""``Module.register_full_backward_hook``: see the gradients flowing through a module.

``hook(module, grad_input, grad_output)`` runs during backward, once the gradients with
respect to the module's tensor inputs are known; ``grad_output`` holds the gradient with
respect to its output. Returning a tuple replaces ``grad_input`` (PyTorch's meaning).

How: the call is wrapped in two identity ops written as ``ad.autograd.Function``s, one on
the output (its backward records grad_output) and one on each input (its backward hands
grad_input to the hooks). They carry no derivative of their own: the identity passes the
gradient through unchanged, or replaced by the hook's.
"""
from __future__ import annotations

import autodiff as ad
from autodiff import Tensor

_PROBES: dict[str, type] = {}


def _function_class():
    function = getattr(getattr(ad, "autograd", None), "Function", None)
    if function is None:
        raise NotImplementedError(
            "register_full_backward_hook needs ad.autograd.Function, which this autodiff does "
            "not have; read an output's gradient with out.retain_grad() and out.grad instead")
    return function


class _Call:
    """What the probes of one module call share: the hooks, the gradients seen so far."""

    def __init__(self, module, hooks, n_inputs: int, pending: int):
        self.module, self.hooks, self.pending = module, hooks, pending
        self.grad_input: list = [None] * n_inputs     # one per tensor input (None: no grad)
        self.grad_output = None
        self.replaced = None

    def run_hooks(self):
        grad_input = tuple(self.grad_input)
        for hook in list(self.hooks.values()):
            result = hook(self.module, grad_input, self.grad_output)
            if result is not None:
                result = tuple(result) if isinstance(result, (tuple, list)) else (result,)
                if len(result) != len(grad_input):
                    raise RuntimeError(f"backward hook of {type(self.module).__name__} "
                                       f"returned {len(result)} gradients, expected "
                                       f"{len(grad_input)}")
                grad_input = result
        self.replaced = grad_input


def _probes():
    if _PROBES:
        return _PROBES["input"], _PROBES["output"]
    function = _function_class()

    class ModuleInputGrad(function):
        @staticmethod
        def forward(ctx, x, call, position):
            ctx.call, ctx.position = call, position
            return x * 1

        @staticmethod
        def backward(ctx, g):
            call, position = ctx.call, ctx.position
            call.grad_input[position] = g
            call.pending -= 1
            if call.pending == 0:
                call.run_hooks()
            replaced = call.replaced[position] if call.replaced is not None else g
            return replaced, None, None

    class ModuleOutputGrad(function):
        @staticmethod
        def forward(ctx, out, call):
            ctx.call = call
            return out * 1

        @staticmethod
        def backward(ctx, g):
            call = ctx.call
            call.grad_output = (g,)
            if call.pending == 0:                 # no input needs a gradient: hooks now
                call.run_hooks()
            return g, None

    _PROBES.update(input=ModuleInputGrad, output=ModuleOutputGrad)
    return ModuleInputGrad, ModuleOutputGrad


def call_with_backward_hooks(module, hooks, args, kwargs, run):
    """``run(*args, **kwargs)`` with probes around it (when a gradient will flow)."""
    if not ad.is_grad_enabled():
        return run(*args, **kwargs)
    probe_in, probe_out = _probes()
    tensors = [i for i, a in enumerate(args) if isinstance(a, Tensor)]
    needing = [k for k, i in enumerate(tensors) if args[i].requires_grad]
    call = _Call(module, hooks, len(tensors), len(needing))
    args = list(args)
    for k in needing:
        args[tensors[k]] = probe_in.apply(args[tensors[k]], call, k)
    out = run(*args, **kwargs)
    if not isinstance(out, Tensor):
        raise TypeError(f"register_full_backward_hook: {type(module).__name__} returned a "
                        f"{type(out).__name__}; hooks support a module with one Tensor output")
    if not out.requires_grad:
        return out
    return probe_out.apply(out, call)
