"""What every optimizer shares: parameter groups, per-parameter state, zero_grad, step,
and saving/loading that state (PyTorch's ``torch.optim.Optimizer``).

A subclass writes one method, ``update(p, g, group, state)``: the documented rule for one
parameter, done in place on ``p.array`` with array operations (NumPy or CuPy), no graph.
``step`` then raises the parameter's version (``autodiff/version.py``), so a backward through
a graph built before the step raises PyTorch's error instead of using the new weights.
"""
from __future__ import annotations

from collections.abc import Callable, Iterable
from typing import Any

import numpy as np

from autodiff import Tensor, enable_grad, no_grad
from autodiff.backend import asnumpy, backend_of
from autodiff.version import bump

# PyTorch's ValueError for a setting that must be >= 0 (NaN included), by setting name
INVALID = {
    "lr": "Invalid learning rate", "eps": "Invalid epsilon value",
    "momentum": "Invalid momentum value", "weight_decay": "Invalid weight_decay value",
    "lr_decay": "Invalid lr_decay value", "alpha": "Invalid alpha value",
    "initial_accumulator_value": "Invalid initial_accumulator_value value",
    "momentum_decay": "Invalid momentum_decay value",
}


def _is_at_least_zero(value) -> bool:
    try:
        return bool(0 <= value)
    except TypeError:
        return False


def buffer_like(p: Tensor, value=None):
    """A new state array shaped like ``p`` (a copy of ``value``, or zeros): always an array,
    also for a 0-d parameter, whose arithmetic gives NumPy scalars that ``buf *= m`` would
    rebind instead of updating in place."""
    xp = p.backend.xp
    if value is None:
        return xp.zeros_like(p.array)
    out = xp.empty_like(p.array)
    out[...] = value
    return out


class Optimizer:
    def __init__(self, params: Iterable, defaults: dict[str, Any]):
        self.defaults = defaults
        self.state: dict[Tensor, dict[str, Any]] = {}
        self.param_groups: list[dict[str, Any]] = []
        if isinstance(params, Tensor):
            raise TypeError(f"{type(self).__name__}: params argument given to the optimizer "
                            "should be an iterable of Tensors or dicts, but got a Tensor "
                            "(pass e.g. model.parameters(), not a single tensor)")
        groups = list(params)
        if not groups:
            raise ValueError(f"{type(self).__name__}: optimizer got an empty parameter list "
                             "(a model without parameters, or a generator already used up?)")
        for group in groups if isinstance(groups[0], dict) else [{"params": groups}]:
            self.add_param_group(group)

    def add_param_group(self, group: dict[str, Any]) -> None:
        """Add parameters with their own settings (e.g. a smaller lr for a pretrained part)."""
        params = group["params"]
        params = [params] if isinstance(params, Tensor) else list(params)
        params, names = _split_names(params, type(self).__name__)
        if names:                              # model.named_parameters(): PyTorch keeps them
            group = {**group, "param_names": names}
        if self.param_groups and ("param_names" in self.param_groups[0]) != bool(names):
            raise ValueError(f"{type(self).__name__}: all optimizer param groups should be "
                             "with/without names.")
        for p in params:
            if not isinstance(p, Tensor):
                raise TypeError(f"{type(self).__name__}: optimizer can only optimize Tensors, "
                                f"but one of the params is {type(p).__name__}")
            if not p.is_leaf:
                raise ValueError(f"{type(self).__name__}: can't optimize a non-leaf Tensor "
                                 "(one computed by an op); pass the parameters themselves")
        known = {id(p) for g in self.param_groups for p in g["params"]}
        if any(id(p) in known for p in params):
            raise ValueError(f"{type(self).__name__}: some parameters appear in more than one "
                             "parameter group")
        group = {**self.defaults, **group, "params": params}
        self.check_settings(group)
        self.param_groups.append(group)

    def check_settings(self, group: dict[str, Any]) -> None:
        """Refuse impossible hyperparameters at construction, naming the optimizer, with
        PyTorch's message (``INVALID``; a new optimizer adds its settings there)."""
        for key, value in group.items():
            if key in INVALID:
                self.require(_is_at_least_zero(value), f"{INVALID[key]}: {value}")
        for i, beta in enumerate(group.get("betas", ())):
            self.require(0 <= beta < 1, f"Invalid beta parameter at index {i}: {beta}")

    def require(self, ok: bool, message: str) -> None:
        """PyTorch's ValueError ``message`` (named after the optimizer) unless ``ok``: what a
        subclass's own ``check_settings`` calls for a rule ``INVALID`` cannot say, e.g.
        ``self.require(0 <= rho <= 1, f"Invalid rho value: {rho}")``."""
        if not ok:
            raise ValueError(f"{type(self).__name__}: {message}")

    def zero_grad(self, set_to_none: bool = True) -> None:
        """Forget the gradients (backward adds to ``.grad``, so clear it before each step)."""
        for group in self.param_groups:
            for p in group["params"]:
                if set_to_none or p.grad is None:
                    p.grad = None
                else:
                    p.grad.array[...] = 0

    def step(self, closure: Callable | None = None):
        """Update every parameter that has a gradient; ``closure`` re-evaluates the loss."""
        loss = None
        if closure is not None:
            with enable_grad():
                loss = closure()
        with no_grad():
            for group in self.param_groups:
                for p in group["params"]:
                    if p.grad is None:
                        continue
                    g = p.grad.array
                    if group.get("maximize"):
                        g = -g
                    self.update(p, g, group, self.state.setdefault(p, {}))
                    bump(p.array, f"{type(self).__name__}.step")   # p changed in place
        return loss

    def update(self, p: Tensor, g, group: dict[str, Any], state: dict[str, Any]) -> None:
        raise NotImplementedError

    # ---- saving and loading -------------------------------------------------------------------
    def state_dict(self) -> dict[str, Any]:
        """{"state": {index: {name: value}}, "param_groups": [{settings, "params": [index]}]}
        with parameters numbered in order across groups, as PyTorch does."""
        index, groups = {}, []
        for group in self.param_groups:
            ids = []
            for p in group["params"]:
                index.setdefault(id(p), len(index))
                ids.append(index[id(p)])
            groups.append({**{k: v for k, v in group.items() if k != "params"}, "params": ids})
        state = {index[id(p)]: {k: Tensor(v.copy()) if _is_array(v) else v for k, v in s.items()}
                 for p, s in self.state.items() if id(p) in index}
        return {"state": state, "param_groups": groups}

    def load_state_dict(self, state_dict: dict[str, Any]) -> None:
        """Restore settings and state; arrays go to each parameter's own device and dtype."""
        groups = state_dict["param_groups"]
        sizes = [len(g["params"]) for g in groups]
        if sizes != [len(g["params"]) for g in self.param_groups]:
            raise ValueError(f"{type(self).__name__}.load_state_dict: the saved parameter groups "
                             "do not match this optimizer's (different number of groups or sizes)")
        params = {}
        for saved, own in zip(groups, self.param_groups):
            own.update({k: v for k, v in saved.items() if k != "params"})
            params.update(zip(saved["params"], own["params"]))
        self.state = {}
        for i, values in state_dict["state"].items():
            p = params[int(i)]
            self.state[p] = {k: _to_like(v, p) if _is_array(v) else v for k, v in values.items()}


def _split_names(params: list, optimizer: str) -> tuple[list, list]:
    """(tensors, names) from a list of tensors or of (name, tensor) pairs."""
    named = [isinstance(p, tuple) for p in params]
    if any(named) and not all(named):
        raise ValueError(f"{optimizer}: all optimizer params should be with/without names. "
                         "Some param names are missing")
    if not any(named):
        return params, []
    return [p for _, p in params], [name for name, _ in params]


def _is_array(value) -> bool:
    """An array of state (also 0-d, for a 0-d parameter), not a number such as ``step``."""
    return isinstance(value, Tensor) or hasattr(value, "shape") and hasattr(value, "dtype") \
        and not isinstance(value, np.generic)


def _to_like(value, p: Tensor):
    array = value.array if isinstance(value, Tensor) else value
    if backend_of(array) is p.backend:
        return array.astype(p.dtype, copy=True)
    return p.backend.from_host(np.array(asnumpy(array), dtype=p.dtype))
