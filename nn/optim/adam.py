"""Adam and its relatives: a running mean of gradients (momentum, m) divided by the root of
a running mean of squared gradients (v), both corrected for starting at zero.

Adam:    m = b1 m + (1 - b1) g;  v = b2 v + (1 - b2) g^2
         p = p - lr / (1 - b1^t) * m / (sqrt(v) / sqrt(1 - b2^t) + eps)
         (amsgrad: use the largest v seen so far)
AdamW:   the same, but weight decay shrinks p directly: p = p (1 - lr wd), not via g
         (also ``Adam(decoupled_weight_decay=True)``, as in PyTorch).
Adamax:  u = max(b2 u, |g| + eps);  p = p - lr / (1 - b1^t) * m / u
NAdam:   Nesterov momentum: mu_t = b1 (1 - 0.5 * 0.96^(t psi)), psi the momentum decay;
         p = p - lr (1 - mu_t) / (1 - prod mu) * g / d
               - lr mu_{t+1} / (1 - prod mu * mu_{t+1}) * m / d
         with d = sqrt(v / (1 - b2^t)) + eps.
"""
from __future__ import annotations

import math

from .optimizer import Optimizer


def adam_moments(p, g, group, state, extra=()):
    """One step of the running means m and v (Adam's, RAdam's), weight decay included
    (coupled: into g; decoupled: p shrinks); the state (and ``extra`` zero buffers) is made on
    the first step. Returns (step, m, v)."""
    xp, (beta1, beta2), lr = p.backend.xp, group["betas"], group["lr"]
    if not state:
        state["step"] = 0
        for name in ("exp_avg", "exp_avg_sq", *extra):
            state[name] = xp.zeros_like(p.array)
    state["step"] += 1
    m, v = state["exp_avg"], state["exp_avg_sq"]
    if group["weight_decay"]:
        if group.get("decoupled_weight_decay"):
            p.array *= 1 - lr * group["weight_decay"]
        else:
            g = g + group["weight_decay"] * p.array
    m += (1 - beta1) * (g - m)
    v *= beta2
    v += (1 - beta2) * g * g
    return state["step"], m, v


class Adam(Optimizer):
    def __init__(self, params, lr: float = 1e-3, betas=(0.9, 0.999), eps: float = 1e-8,
                 weight_decay: float = 0, amsgrad: bool = False, maximize: bool = False,
                 decoupled_weight_decay: bool = False):
        super().__init__(params, {"lr": lr, "betas": tuple(betas), "eps": eps,
                                  "weight_decay": weight_decay, "amsgrad": amsgrad,
                                  "maximize": maximize,
                                  "decoupled_weight_decay": decoupled_weight_decay})

    def update(self, p, g, group, state):
        xp, (beta1, beta2), lr = p.backend.xp, group["betas"], group["lr"]
        step, m, v = adam_moments(p, g, group, state,
                                  ("max_exp_avg_sq",) if group["amsgrad"] else ())
        if group["amsgrad"]:
            state["max_exp_avg_sq"][...] = xp.maximum(state["max_exp_avg_sq"], v)
            v = state["max_exp_avg_sq"]
        denom = xp.sqrt(v) / math.sqrt(1 - beta2 ** step) + group["eps"]
        p.array -= lr / (1 - beta1 ** step) * m / denom


class AdamW(Adam):
    """Adam with decoupled weight decay: ``Adam(..., decoupled_weight_decay=True)``."""

    def __init__(self, params, lr: float = 1e-3, betas=(0.9, 0.999), eps: float = 1e-8,
                 weight_decay: float = 1e-2, amsgrad: bool = False, maximize: bool = False):
        super().__init__(params, lr, betas, eps, weight_decay, amsgrad, maximize,
                         decoupled_weight_decay=True)


class Adamax(Optimizer):
    def __init__(self, params, lr: float = 2e-3, betas=(0.9, 0.999), eps: float = 1e-8,
                 weight_decay: float = 0, maximize: bool = False):
        super().__init__(params, {"lr": lr, "betas": tuple(betas), "eps": eps,
                                  "weight_decay": weight_decay, "maximize": maximize})

    def update(self, p, g, group, state):
        xp, (beta1, beta2) = p.backend.xp, group["betas"]
        if not state:
            state["step"] = 0
            state["exp_avg"] = xp.zeros_like(p.array)
            state["exp_inf"] = xp.zeros_like(p.array)
        state["step"] += 1
        if group["weight_decay"]:
            g = g + group["weight_decay"] * p.array
        m, u = state["exp_avg"], state["exp_inf"]
        m += (1 - beta1) * (g - m)
        u[...] = xp.maximum(u * beta2, xp.abs(g) + group["eps"])
        p.array -= group["lr"] / (1 - beta1 ** state["step"]) * m / u


class NAdam(Optimizer):
    def __init__(self, params, lr: float = 2e-3, betas=(0.9, 0.999), eps: float = 1e-8,
                 weight_decay: float = 0, momentum_decay: float = 4e-3,
                 decoupled_weight_decay: bool = False, maximize: bool = False):
        super().__init__(params, {"lr": lr, "betas": tuple(betas), "eps": eps,
                                  "weight_decay": weight_decay, "momentum_decay": momentum_decay,
                                  "decoupled_weight_decay": decoupled_weight_decay,
                                  "maximize": maximize})

    def update(self, p, g, group, state):
        xp, (beta1, beta2), lr = p.backend.xp, group["betas"], group["lr"]
        if not state:
            state["step"] = 0
            state["mu_product"] = 1.0
            state["exp_avg"] = xp.zeros_like(p.array)
            state["exp_avg_sq"] = xp.zeros_like(p.array)
        state["step"] += 1
        step, psi = state["step"], group["momentum_decay"]
        if group["weight_decay"]:
            if group["decoupled_weight_decay"]:
                p.array *= 1 - lr * group["weight_decay"]
            else:
                g = g + group["weight_decay"] * p.array
        mu = beta1 * (1 - 0.5 * 0.96 ** (step * psi))
        mu_next = beta1 * (1 - 0.5 * 0.96 ** ((step + 1) * psi))
        state["mu_product"] *= mu
        mu_product = state["mu_product"]
        m, v = state["exp_avg"], state["exp_avg_sq"]
        m += (1 - beta1) * (g - m)
        v *= beta2
        v += (1 - beta2) * g * g
        denom = xp.sqrt(v / (1 - beta2 ** step)) + group["eps"]
        p.array -= lr * (1 - mu) / (1 - mu_product) * g / denom
        p.array -= lr * mu_next / (1 - mu_product * mu_next) * m / denom
