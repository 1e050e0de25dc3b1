"""Reductions against PyTorch: dim (int or tuple), keepdim, named tuples, values and gradients."""
from __future__ import annotations

import numpy as np
import pytest
from _torch_compare import compare, torch

import autodiff as ad

RNG = np.random.default_rng(1)
A = RNG.standard_normal((2, 3, 4))
M = RNG.standard_normal((3, 4))
TIES = np.array([[1.0, 3.0, 3.0, 0.0], [2.0, 2.0, -1.0, 2.0]])
ZEROS = np.array([[0.0, 2.0, 3.0], [0.0, 0.0, 1.5], [1.0, -2.0, 0.5]])

CASES = {
    "sum": (lambda lib, x: x.sum(), A),
    "sum dim": (lambda lib, x: x.sum(1), A),
    "sum tuple keepdim": (lambda lib, x: x.sum(dim=(0, 2), keepdim=True), A),
    "sum axis alias": (lambda lib, x: x.sum(axis=-1, keepdims=True), A),
    "sum of bools is int64": (lambda lib, x: (x > 0).sum(), A),
    "sum dtype": (lambda lib, x: (x > 0).sum(1, dtype=lib.float64), M),
    "mean": (lambda lib, x: x.mean((0, 1)), A),
    "lib.mean keepdim": (lambda lib, x: lib.mean(x, 1, True), A),
    "prod": (lambda lib, x: x.prod(), M),
    "prod dim": (lambda lib, x: x.prod(1, keepdim=True), M),
    "prod with zeros": (lambda lib, x: x.prod(1), ZEROS),
    "prod with zeros, all": (lambda lib, x: x.prod(), ZEROS[:, 1:]),
    "var is unbiased": (lambda lib, x: x.var(), A),
    "var dim": (lambda lib, x: x.var(1), A),
    "var unbiased=False": (lambda lib, x: x.var(1, unbiased=False), A),
    "var correction": (lambda lib, x: lib.var(x, (0, 2), correction=0, keepdim=True), A),
    "std": (lambda lib, x: x.std(), A),
    "std dim keepdim": (lambda lib, x: x.std(dim=2, keepdim=True), A),
    "amax": (lambda lib, x: x.amax(1), TIES),
    "amax all, ties": (lambda lib, x: x.amax(), TIES),
    "amin tuple": (lambda lib, x: lib.amin(x, (0, 1)), TIES),
    "max() is the scalar, ties share": (lambda lib, x: x.max(), TIES),
    "max(dim) is (values, indices)": (lambda lib, x: x.max(1), TIES),
    "logits.max(1)[1] is the argmax": (lambda lib, x: x.max(1)[1], TIES),
    "max keepdim": (lambda lib, x: lib.max(x, dim=0, keepdim=True), TIES),
    "max(a, b)": (lambda lib, x: lib.max(x, x.flip(0)), M),
    "min(dim)": (lambda lib, x: x.min(dim=-1), TIES),
    "min()": (lambda lib, x: x.min(), TIES),
    "argmax": (lambda lib, x: x.argmax(), TIES),
    "argmax dim": (lambda lib, x: x.argmax(1), TIES),
    "argmin keepdim": (lambda lib, x: lib.argmin(x, 0, keepdim=True), TIES),
    "logsumexp": (lambda lib, x: x.logsumexp(1), A),
    "logsumexp tuple": (lambda lib, x: lib.logsumexp(x, (0, 2), keepdim=True), A),
    "norm": (lambda lib, x: x.norm(), A),
    "norm p=1 dim": (lambda lib, x: x.norm(1, dim=1), A),
    "all": (lambda lib, x: (x > -5).all(), A),
    "all dim": (lambda lib, x: (x > 0).all(1), M),
    "any dim keepdim": (lambda lib, x: lib.any(x > 1, dim=0, keepdim=True), M),
    "cumsum": (lambda lib, x: x.cumsum(1), M),
    "cumsum negative dim": (lambda lib, x: lib.cumsum(x, dim=-1), A),
    "cumsum of ints": (lambda lib, x: (x > 0).long().cumsum(0), M),
    "count_nonzero": (lambda lib, x: (x > 0).count_nonzero(), M),
    "count_nonzero dim": (lambda lib, x: lib.count_nonzero(x > 0, dim=1), M),
    "sort": (lambda lib, x: x.sort(), M),
    "sort descending with ties": (lambda lib, x: x.sort(dim=1, descending=True, stable=True),
                                  TIES),
    "sort stable ascending ties": (lambda lib, x: lib.sort(x, dim=0, stable=True), TIES),
    "argsort": (lambda lib, x: x.argsort(dim=0), M),
    "topk": (lambda lib, x: x.topk(2), M),
    "topk smallest dim 0": (lambda lib, x: x.topk(2, dim=0, largest=False), M),
    "median()": (lambda lib, x: x.median(), M),
    "median() with ties": (lambda lib, x: x.median(), TIES),
    "median(dim)": (lambda lib, x: x.median(1), M),
    "median(dim) keepdim": (lambda lib, x: x.median(0, keepdim=True), M),
}


@pytest.mark.parametrize("name", list(CASES))
def test_reduction_matches_torch(name):
    fn, x = CASES[name]
    compare(fn, x)


def test_named_tuples_have_fields():
    x = ad.tensor(TIES)
    result = x.max(dim=1)
    assert type(result).__name__ == "max" and result.values.shape == (2,)
    assert result.indices.dtype == np.int64 and result.indices.tolist() == [1, 0]
    values, indices = x.sort()
    assert values.shape == indices.shape == (2, 4)
    assert x.topk(1).indices.shape == (2, 1)


@pytest.mark.filterwarnings("ignore::UserWarning")   # torch: degrees of freedom <= 0
def test_var_of_one_element_is_nan_as_in_torch():
    with np.errstate(all="ignore"):
        assert np.isnan(ad.tensor([2.0]).var().item())
    assert np.isnan(torch.tensor([2.0]).var().item())


def test_mean_of_integers_raises():
    with pytest.raises(RuntimeError, match="mean"):
        ad.arange(3).mean()
