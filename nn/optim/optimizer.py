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


class Optimizer:
    def __init__(self, params: Iterable, defaults: dict[str, Any]):
        self.defaults = defaults
        self.state: dict[Tensor, dict[str, Any]] = {}
        self.param_groups: list[dict[str, Any]] = []
        if isinstance(params, Tensor):
            raise TypeError(f"{type(self).__name__}: params must be an iterable of tensors "
                            "(e.g. model.parameters()), not a single tensor")
        groups = list(params)
        if not groups:
            raise ValueError(f"{type(self).__name__}: got an empty parameter list (a model "
                             "without parameters, or a generator already used up?)")
        for group in groups if isinstance(groups[0], dict) else [{"params": groups}]:
            self.add_param_group(group)

    def add_param_group(self, group: dict[str, Any]) -> None:
        """Add parameters with their own settings (e.g. a smaller lr for a pretrained part)."""
        params = group["params"]
        params = [params] if isinstance(params, Tensor) else list(params)
        for p in params:
            if not isinstance(p, Tensor):
                raise TypeError(f"{type(self).__name__}: can only optimize tensors, got a "
                                f"{type(p).__name__}")
            if not p.is_leaf:
                raise ValueError(f"{type(self).__name__}: can't optimize a non-leaf tensor "
                                 "(one computed by an op); pass the parameters themselves")
        known = {id(p) for g in self.param_groups for p in g["params"]}
        if any(id(p) in known for p in params):
            raise ValueError(f"{type(self).__name__}: a parameter appears in two groups")
        group = {**self.defaults, **group, "params": params}
        self.check_settings(group)
        self.param_groups.append(group)

    def check_settings(self, group: dict[str, Any]) -> None:
        """Refuse impossible hyperparameters at construction, naming the optimizer."""
        name = type(self).__name__
        if group["lr"] < 0:
            raise ValueError(f"{name}: invalid learning rate {group['lr']} (must be >= 0)")
        for key in ("eps", "weight_decay", "momentum", "lr_decay", "momentum_decay"):
            if key in group and group[key] < 0:
                raise ValueError(f"{name}: invalid {key} {group[key]} (must be >= 0)")
        for i, beta in enumerate(group.get("betas", ())):
            if not 0 <= beta < 1:
                raise ValueError(f"{name}: invalid beta parameter at index {i}: {beta} "
                                 "(must be in [0, 1))")

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


def _is_array(value) -> bool:
    return isinstance(value, Tensor) or hasattr(value, "shape") and hasattr(value, "dtype") \
        and getattr(value, "ndim", 0) > 0


def _to_like(value, p: Tensor):
    array = value.array if isinstance(value, Tensor) else value
    if backend_of(array) is p.backend:
        return array.astype(p.dtype, copy=True)
    return p.backend.from_host(np.array(asnumpy(array), dtype=p.dtype))
