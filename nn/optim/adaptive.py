"""Per-parameter step sizes from the history of squared gradients.

Adagrad (sums every squared gradient, so steps shrink for ever):
    s = s + g^2;   p = p - lr / (1 + (t - 1) lr_decay) * g / (sqrt(s) + eps)
RMSprop (forgets old gradients at rate 1 - alpha):
    v = alpha v + (1 - alpha) g^2;   centered: m = alpha m + (1 - alpha) g, v~ = v - m^2
    d = g / (sqrt(v~) + eps);   momentum: b = momentum b + d, p = p - lr b;  else p = p - lr d
"""
from __future__ import annotations

from .optimizer import Optimizer


class Adagrad(Optimizer):
    def __init__(self, params, lr: float = 1e-2, lr_decay: float = 0, weight_decay: float = 0,
                 initial_accumulator_value: float = 0, eps: float = 1e-10,
                 maximize: bool = False):
        super().__init__(params, {"lr": lr, "lr_decay": lr_decay, "weight_decay": weight_decay,
                                  "initial_accumulator_value": initial_accumulator_value,
                                  "eps": eps, "maximize": maximize})

    def update(self, p, g, group, state):
        xp = p.backend.xp
        if not state:
            state["step"] = 0
            state["sum"] = xp.full_like(p.array, group["initial_accumulator_value"])
        state["step"] += 1
        if group["weight_decay"]:
            g = g + group["weight_decay"] * p.array
        clr = group["lr"] / (1 + (state["step"] - 1) * group["lr_decay"])
        state["sum"] += g * g
        p.array -= clr * g / (xp.sqrt(state["sum"]) + group["eps"])


class RMSprop(Optimizer):
    def __init__(self, params, lr: float = 1e-2, alpha: float = 0.99, eps: float = 1e-8,
                 weight_decay: float = 0, momentum: float = 0, centered: bool = False,
                 maximize: bool = False):
        super().__init__(params, {"lr": lr, "alpha": alpha, "eps": eps,
                                  "weight_decay": weight_decay, "momentum": momentum,
                                  "centered": centered, "maximize": maximize})

    def update(self, p, g, group, state):
        xp, alpha = p.backend.xp, group["alpha"]
        if not state:
            state["step"] = 0
            state["square_avg"] = xp.zeros_like(p.array)
            if group["momentum"] > 0:
                state["momentum_buffer"] = xp.zeros_like(p.array)
            if group["centered"]:
                state["grad_avg"] = xp.zeros_like(p.array)
        state["step"] += 1
        if group["weight_decay"]:
            g = g + group["weight_decay"] * p.array
        square_avg = state["square_avg"]
        square_avg *= alpha
        square_avg += (1 - alpha) * g * g
        if group["centered"]:
            grad_avg = state["grad_avg"]
            grad_avg += (1 - alpha) * (g - grad_avg)
            avg = xp.sqrt(square_avg - grad_avg * grad_avg) + group["eps"]
        else:
            avg = xp.sqrt(square_avg) + group["eps"]
        if group["momentum"] > 0:
            buf = state["momentum_buffer"]
            buf *= group["momentum"]
            buf += g / avg
            p.array -= group["lr"] * buf
        else:
            p.array -= group["lr"] * g / avg
