"""L-BFGS (PyTorch's ``LBFGS``): a quasi-Newton method, the course's second-order contrast
to gradient descent. It keeps the last ``history_size`` pairs s = step taken,
y = change of gradient, and turns the gradient into a step d ~ -H^-1 g with the
"two-loop recursion", an estimate of the inverse Hessian H^-1 built from those pairs
(each pair says: along s, the curvature is y . s / |s|^2). On a quadratic bowl this finds
the bottom in about as many steps as there are dimensions, where gradient descent zigzags.

One ``step(closure)`` runs up to ``max_iter`` iterations, so the closure (which clears the
gradients, computes the loss, calls backward and returns the loss) is called several times.
The line search is a fixed step t = lr (the first one scaled by 1 / sum|g|), or
``line_search_fn="strong_wolfe"``: a step satisfying the strong Wolfe conditions
(f(x + t d) <= f(x) + c1 t g.d, |g(x + t d).d| <= -c2 g.d), found by bracketing and cubic
interpolation.
"""
from __future__ import annotations

import numpy as np

from autodiff import enable_grad, no_grad

from .lbfgs_line_search import strong_wolfe
from .optimizer import Optimizer


class LBFGS(Optimizer):
    def __init__(self, params, lr: float = 1, max_iter: int = 20, max_eval: int | None = None,
                 tolerance_grad: float = 1e-7, tolerance_change: float = 1e-9,
                 history_size: int = 100, line_search_fn: str | None = None):
        if max_eval is None:
            max_eval = max_iter * 5 // 4
        if line_search_fn not in (None, "strong_wolfe"):
            raise ValueError(f"LBFGS: line_search_fn must be None or 'strong_wolfe', got "
                             f"{line_search_fn!r}")
        super().__init__(params, {"lr": lr, "max_iter": max_iter, "max_eval": max_eval,
                                  "tolerance_grad": tolerance_grad,
                                  "tolerance_change": tolerance_change,
                                  "history_size": history_size,
                                  "line_search_fn": line_search_fn})
        if len(self.param_groups) != 1:
            raise ValueError("LBFGS doesn't support per-parameter options (parameter groups)")
        self._params = self.param_groups[0]["params"]

    # ---- the parameters as one flat vector ---------------------------------------------------
    def _flat_grad(self) -> np.ndarray:
        xp = self._params[0].backend.xp
        return xp.concatenate([xp.zeros(p.array.size, p.dtype) if p.grad is None
                               else p.grad.array.reshape(-1) for p in self._params])

    def _add_to_params(self, t: float, d) -> None:
        offset = 0
        with no_grad():
            for p in self._params:
                n = p.array.size
                p.array += t * d[offset:offset + n].reshape(p.shape)
                offset += n

    def _evaluate(self, closure, x, t: float, d):
        """Loss and flat gradient at x + t d (the parameters are put back to x after)."""
        self._add_to_params(t, d)
        with enable_grad():
            loss = float(closure())
        flat_grad = self._flat_grad()
        self._set_params(x)
        return loss, flat_grad

    def _set_params(self, x) -> None:
        offset = 0
        with no_grad():
            for p in self._params:
                n = p.array.size
                p.array[...] = x[offset:offset + n].reshape(p.shape)
                offset += n

    def _copy_params(self):
        xp = self._params[0].backend.xp
        return xp.concatenate([p.array.reshape(-1) for p in self._params]).copy()

    # ---- one step: up to max_iter iterations ---------------------------------------------------
    def step(self, closure=None):
        if closure is None:
            raise RuntimeError("LBFGS: step() requires a closure that re-evaluates the model "
                               "and returns the loss")
        group = self.param_groups[0]
        lr, max_iter, max_eval = group["lr"], group["max_iter"], group["max_eval"]
        tolerance_grad, tolerance_change = group["tolerance_grad"], group["tolerance_change"]
        history_size = group["history_size"]
        xp = self._params[0].backend.xp
        state = self.state.setdefault(self._params[0], {})
        state.setdefault("func_evals", 0)
        state.setdefault("n_iter", 0)

        with enable_grad():
            orig_loss = closure()
        loss = float(orig_loss)
        current_evals = 1
        state["func_evals"] += 1
        flat_grad = self._flat_grad()
        if float(xp.abs(flat_grad).max()) <= tolerance_grad:
            return orig_loss

        d, t = state.get("d"), state.get("t")
        old_dirs, old_stps = state.get("old_dirs", []), state.get("old_stps", [])
        ro, h_diag = state.get("ro", []), state.get("H_diag", 1.0)
        prev_flat_grad, prev_loss = state.get("prev_flat_grad"), state.get("prev_loss")

        n_iter = 0
        while n_iter < max_iter:
            n_iter += 1
            state["n_iter"] += 1
            if state["n_iter"] == 1:
                d = -flat_grad
                old_dirs, old_stps, ro, h_diag = [], [], [], 1.0
            else:
                y = flat_grad - prev_flat_grad
                s = d * t
                ys = float(y @ s)
                if ys > 1e-10:                     # keep only pairs with positive curvature
                    if len(old_dirs) == history_size:
                        old_dirs.pop(0)
                        old_stps.pop(0)
                        ro.pop(0)
                    old_dirs.append(y)
                    old_stps.append(s)
                    ro.append(1.0 / ys)
                    h_diag = ys / float(y @ y)
                d = _two_loop(flat_grad, old_dirs, old_stps, ro, h_diag)
            prev_flat_grad = flat_grad.copy()
            prev_loss = loss

            t = min(1.0, 1.0 / float(xp.abs(flat_grad).sum())) * lr if state["n_iter"] == 1 \
                else lr
            gtd = float(flat_grad @ d)
            if gtd > -tolerance_change:            # not a descent direction any more
                break

            ls_func_evals = 0
            if group["line_search_fn"] == "strong_wolfe":
                x = self._copy_params()
                loss, flat_grad, t, ls_func_evals = strong_wolfe(
                    lambda x_, t_, d_: self._evaluate(closure, x_, t_, d_),
                    x, t, d, loss, flat_grad, gtd)
                self._add_to_params(t, d)
                opt_cond = float(xp.abs(flat_grad).max()) <= tolerance_grad
            else:
                self._add_to_params(t, d)
                opt_cond = False
                if n_iter != max_iter:
                    with enable_grad():
                        loss = float(closure())
                    flat_grad = self._flat_grad()
                    opt_cond = float(xp.abs(flat_grad).max()) <= tolerance_grad
                    ls_func_evals = 1
            current_evals += ls_func_evals
            state["func_evals"] += ls_func_evals

            if n_iter == max_iter or current_evals >= max_eval or opt_cond:
                break
            if float(xp.abs(d * t).max()) <= tolerance_change:
                break
            if abs(loss - prev_loss) < tolerance_change:
                break

        state.update(d=d, t=t, old_dirs=old_dirs, old_stps=old_stps, ro=ro, H_diag=h_diag,
                     prev_flat_grad=prev_flat_grad, prev_loss=prev_loss)
        return orig_loss


def _two_loop(flat_grad, old_dirs, old_stps, ro, h_diag):
    """d = -H g with H the L-BFGS inverse-Hessian estimate from the stored (s, y) pairs."""
    q = -flat_grad
    alphas = [0.0] * len(old_dirs)
    for i in reversed(range(len(old_dirs))):
        alphas[i] = float(old_stps[i] @ q) * ro[i]
        q = q - alphas[i] * old_dirs[i]
    r = q * h_diag
    for i in range(len(old_dirs)):
        beta = float(old_dirs[i] @ r) * ro[i]
        r = r + (alphas[i] - beta) * old_stps[i]
    return r
