"""Helpers shared by the nn idioms."""
import numpy as np

from harness import rng


def fill(T, m, seed=0, scale=0.5):
    """Deterministic parameters (same on both sides), by named_parameters order."""
    r = rng(seed)
    for name, p in m.named_parameters():
        arr = r.standard_normal(tuple(p.shape)) * scale
        try:
            with T.no_grad():
                p.copy_(T.tensor(arr, dtype=p.dtype))
        except Exception:
            if hasattr(p, "array"):
                p.array[...] = arr
            else:
                raise
    return m


def inp(T, *shape, seed=1, dtype=None, rg=True):
    x = T.tensor(rng(seed).standard_normal(shape), dtype=dtype or T.float32)
    if rg:
        x.requires_grad_(True)
    return x


def run_layer(T, m, x, seed=0, weights=None):
    fill(T, m, seed)
    y = m(x)
    w = T.tensor(rng(99).standard_normal(tuple(y.shape)), dtype=y.dtype)
    (y * w).sum().backward()
    grads = {n: p.grad for n, p in m.named_parameters()}
    return y, x.grad, grads


_ = np
