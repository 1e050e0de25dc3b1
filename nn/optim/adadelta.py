"""Adadelta (PyTorch's rule): steps whose size comes from the history of past steps, so the
units of the update match the units of the parameter and lr can stay at 1.

    v = rho v + (1 - rho) g^2
    delta = sqrt(u + eps) / sqrt(v + eps) * g
    u = rho u + (1 - rho) delta^2
    p = p - lr delta
"""
from __future__ import annotations

from .optimizer import Optimizer


class Adadelta(Optimizer):
    def __init__(self, params, lr: float = 1.0, rho: float = 0.9, eps: float = 1e-6,
                 weight_decay: float = 0, maximize: bool = False):
        if not 0 <= rho <= 1:
            raise ValueError(f"Adadelta: Invalid rho value: {rho}")
        super().__init__(params, {"lr": lr, "rho": rho, "eps": eps,
                                  "weight_decay": weight_decay, "maximize": maximize})

    def update(self, p, g, group, state):
        xp, rho, eps = p.backend.xp, group["rho"], group["eps"]
        if not state:
            state["step"] = 0
            state["square_avg"] = xp.zeros_like(p.array)
            state["acc_delta"] = xp.zeros_like(p.array)
        state["step"] += 1
        if group["weight_decay"]:
            g = g + group["weight_decay"] * p.array
        v, u = state["square_avg"], state["acc_delta"]
        v *= rho
        v += (1 - rho) * g * g
        delta = xp.sqrt(u + eps) / xp.sqrt(v + eps) * g
        u *= rho
        u += (1 - rho) * delta * delta
        p.array -= group["lr"] * delta
