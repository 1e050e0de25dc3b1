"""Rprop (resilient backpropagation, PyTorch's rule): only the sign of the gradient is used.
Each weight has its own step size, which grows (x eta_plus) while the gradient keeps its
sign and shrinks (x eta_minus) when it flips, i.e. when the last step jumped over a minimum.

    s = clip(s * (eta_plus if g g_prev > 0, eta_minus if < 0, else 1), step_min, step_max)
    g = 0 where the sign flipped (no step, and no flip counted next time)
    p = p - sign(g) s;   g_prev = g
Meant for full-batch training: mini-batch noise flips the signs at random.
"""
from __future__ import annotations

from .optimizer import Optimizer


class Rprop(Optimizer):
    def __init__(self, params, lr: float = 1e-2, etas=(0.5, 1.2), step_sizes=(1e-6, 50),
                 maximize: bool = False):
        eta_minus, eta_plus = etas
        if not 0.0 < eta_minus < 1.0 < eta_plus:
            raise ValueError(f"Rprop: Invalid eta values: {eta_minus}, {eta_plus}")
        super().__init__(params, {"lr": lr, "etas": tuple(etas),
                                  "step_sizes": tuple(step_sizes), "maximize": maximize})

    def update(self, p, g, group, state):
        xp = p.backend.xp
        (eta_minus, eta_plus), (step_min, step_max) = group["etas"], group["step_sizes"]
        if not state:
            state["step"] = 0
            state["prev"] = xp.zeros_like(p.array)
            state["step_size"] = xp.full_like(p.array, group["lr"])
        state["step"] += 1
        agreement = g * state["prev"]
        factor = xp.where(agreement > 0, eta_plus, xp.where(agreement < 0, eta_minus, 1.0))
        step_size = state["step_size"]
        step_size *= factor.astype(p.dtype)
        xp.clip(step_size, step_min, step_max, out=step_size)
        g = xp.where(agreement < 0, 0.0, g).astype(p.dtype)
        p.array -= xp.where(xp.isnan(g), 0.0, xp.sign(g)) * step_size   # torch: sign(NaN) = 0
        state["prev"][...] = g
