"""RAdam (rectified Adam, PyTorch's rule): Adam whose adaptive step is switched on only once
the variance of its estimate of v is tractable, and then scaled by a rectification r_t.

    m = b1 m + (1 - b1) g;   v = b2 v + (1 - b2) g^2;   m^ = m / (1 - b1^t)
    rho_inf = 2 / (1 - b2) - 1;   rho_t = rho_inf - 2 t b2^t / (1 - b2^t)
    rho_t > 5:  r = sqrt((rho_t - 4)(rho_t - 2) rho_inf / ((rho_inf - 4)(rho_inf - 2) rho_t))
                p = p - lr m^ r sqrt(1 - b2^t) / (sqrt(v) + eps)
    otherwise:  p = p - lr m^               (plain momentum for the first few steps)
"""
from __future__ import annotations

import math

from .adam import adam_moments
from .optimizer import Optimizer


class RAdam(Optimizer):
    def __init__(self, params, lr: float = 1e-3, betas=(0.9, 0.999), eps: float = 1e-8,
                 weight_decay: float = 0, decoupled_weight_decay: bool = False,
                 maximize: bool = False):
        super().__init__(params, {"lr": lr, "betas": tuple(betas), "eps": eps,
                                  "weight_decay": weight_decay,
                                  "decoupled_weight_decay": decoupled_weight_decay,
                                  "maximize": maximize})

    def update(self, p, g, group, state):
        xp, (beta1, beta2), lr = p.backend.xp, group["betas"], group["lr"]
        t, m, v = adam_moments(p, g, group, state)
        corrected = m / (1 - beta1 ** t)
        correction2 = 1 - beta2 ** t
        rho_inf = 2 / (1 - beta2) - 1
        rho_t = rho_inf - 2 * t * beta2 ** t / correction2
        if rho_t > 5:
            rect = math.sqrt((rho_t - 4) * (rho_t - 2) * rho_inf
                             / ((rho_inf - 4) * (rho_inf - 2) * rho_t))
            p.array -= corrected * lr * (math.sqrt(correction2) / (xp.sqrt(v) + group["eps"])) \
                * rect
        else:
            p.array -= corrected * lr
