"""Run one expression on autodiff and on PyTorch and compare values, dtypes and gradients.

``fn(lib, *tensors)`` is written once for both libraries (``lib`` is ``ad`` or ``torch``),
e.g. ``lambda lib, x: lib.cat([x, x.t()], 1)`` or ``lambda lib, x: x.max(1)[1]``. Inputs are
float64 leaves that require a gradient (integer arrays stay constant); every floating
output is multiplied by a fixed random upstream gradient and summed, and the inputs'
gradients must match PyTorch's.
"""
from __future__ import annotations

import numpy as np
import pytest

import autodiff as ad

torch = pytest.importorskip("torch")


def _leaf(lib, array):
    array = np.asarray(array)
    grad = array.dtype.kind == "f"
    if lib is ad:
        return ad.tensor(array, requires_grad=grad)
    return torch.tensor(array, requires_grad=grad)


def _flat(out):
    """Outputs as a list of (array, dtype name, tensor or None)."""
    if isinstance(out, (tuple, list)) and not isinstance(out, ad.api.shape.Size) and \
            not isinstance(out, torch.Size):
        return [item for o in out for item in _flat(o)]
    if isinstance(out, ad.Tensor):
        return [(out.detach().numpy(), str(out.dtype), out)]
    if isinstance(out, torch.Tensor):
        return [(out.detach().numpy(), str(out.dtype).replace("torch.", ""), out)]
    return [(np.asarray(tuple(out) if isinstance(out, tuple) else out), type(out).__name__,
             None)]


def compare(fn, *arrays, grads: bool = True, rtol: float = 1e-10, atol: float = 1e-12,
            dtypes: bool = True):
    """Assert autodiff's ``fn`` equals PyTorch's: values, dtypes, and input gradients."""
    results = {}
    for lib in (ad, torch):
        leaves = [_leaf(lib, a) for a in arrays]
        outs = _flat(fn(lib, *leaves))
        rng = np.random.default_rng(0)
        loss = None
        for value, _, t in outs:
            if t is not None and t.requires_grad and value.dtype.kind == "f":
                g = rng.standard_normal(value.shape)
                term = (t * (ad.tensor(g) if lib is ad else torch.tensor(g))).sum()
                loss = term if loss is None else loss + term
        gradients = []
        if grads and loss is not None:
            loss.backward()
            gradients = [None if leaf.grad is None else leaf.grad.detach().numpy()
                         for leaf in leaves if leaf.requires_grad]
        results[lib.__name__] = outs, gradients
    (ours, our_grads), (theirs, their_grads) = results["autodiff"], results["torch"]
    assert len(ours) == len(theirs), (len(ours), len(theirs))
    for (a, da, _), (b, db, _) in zip(ours, theirs):
        assert a.shape == b.shape, (a.shape, b.shape)
        np.testing.assert_allclose(a, b, rtol=rtol, atol=atol, equal_nan=True)
        if dtypes:
            assert da == db, (da, db)
    for a, b in zip(our_grads, their_grads):
        if b is None:
            assert a is None or not np.any(a), "PyTorch gives no gradient here"
            continue
        assert a is not None, "PyTorch gives a gradient here, autodiff none"
        np.testing.assert_allclose(a, b, rtol=rtol, atol=atol, equal_nan=True)
