"""Shape and indexing names against PyTorch (float64 values and gradients)."""
from __future__ import annotations

import numpy as np
import pytest
from _torch_compare import compare

import autodiff as ad

RNG = np.random.default_rng(0)
A = RNG.standard_normal((2, 3, 4))
M = RNG.standard_normal((3, 4))

SHAPE_CASES = {
    "transpose(0, 1) of a matrix": (lambda lib, x: x.transpose(0, 1), M),
    "transpose of 3-d": (lambda lib, x: x.transpose(0, 2), A),
    "transpose negative": (lambda lib, x: lib.transpose(x, -1, -2), A),
    "t()": (lambda lib, x: x.t(), M),
    "T": (lambda lib, x: x.T, M),
    "mT": (lambda lib, x: x.mT, A),
    "view": (lambda lib, x: x.view(4, -1), A),
    "view tuple": (lambda lib, x: x.view((6, 4)), A),
    "view_as": (lambda lib, x: x.view_as(x.reshape(4, 6)), A),
    "reshape": (lambda lib, x: x.reshape(-1), A),
    "lib.reshape": (lambda lib, x: lib.reshape(x, (3, 8)), A),
    "permute": (lambda lib, x: x.permute(2, 0, 1), A),
    "permute tuple": (lambda lib, x: x.permute((1, 2, 0)), A),
    "unsqueeze": (lambda lib, x: x.unsqueeze(1), M),
    "unsqueeze -1": (lambda lib, x: x.unsqueeze(-1), M),
    "squeeze": (lambda lib, x: x.reshape(1, 3, 1, 4).squeeze(), M),
    "squeeze(dim)": (lambda lib, x: x.reshape(1, 3, 1, 4).squeeze(2), M),
    "squeeze of a size>1 dim is a no-op": (lambda lib, x: x.squeeze(0), M),
    "flatten": (lambda lib, x: x.flatten(), A),
    "flatten(1)": (lambda lib, x: x.flatten(1), A),
    "flatten(0, 1)": (lambda lib, x: lib.flatten(x, 0, 1), A),
    "unflatten": (lambda lib, x: x.unflatten(1, (2, 2)), M),
    "expand": (lambda lib, x: x[:, :1].expand(3, 5), M),
    "expand -1 and new dims": (lambda lib, x: x[:1].expand(2, -1, 4), M),
    "expand_as": (lambda lib, x: x[:1].expand_as(x), M),
    "repeat": (lambda lib, x: x.repeat(2, 3), M),
    "repeat more dims": (lambda lib, x: x.repeat(2, 1, 2), M),
    "contiguous": (lambda lib, x: x.t().contiguous(), M),
    "chunk": (lambda lib, x: x.chunk(3, dim=2), A),
    "chunk uneven": (lambda lib, x: lib.chunk(x, 2, 0), M),
    "split int": (lambda lib, x: x.split(3, dim=-1), A),
    "split sizes": (lambda lib, x: lib.split(x, [1, 3], 1), M),
    "unbind": (lambda lib, x: x.unbind(1), A),
    "cat": (lambda lib, x: lib.cat([x, x * 2], dim=1), M),
    "cat negative dim": (lambda lib, x: lib.cat((x, x), -1), A),
    "stack": (lambda lib, x: lib.stack([x, x + 1], 1), M),
    "narrow": (lambda lib, x: x.narrow(1, 1, 2), M),
    "flip": (lambda lib, x: x.flip(0), M),
    "flip dims": (lambda lib, x: lib.flip(x, dims=(0, 2)), A),
    "roll": (lambda lib, x: x.roll(1, 1), M),
    "roll flat": (lambda lib, x: lib.roll(x, 5), M),
    "roll several": (lambda lib, x: x.roll((1, -2), (0, 2)), A),
    "movedim": (lambda lib, x: x.movedim(0, -1), A),
    "movedim several": (lambda lib, x: lib.movedim(x, (0, 1), (2, 0)), A),
    "clone": (lambda lib, x: x.clone() * 2, M),
}


@pytest.mark.parametrize("name", list(SHAPE_CASES))
def test_shape_op_matches_torch(name):
    fn, x = SHAPE_CASES[name]
    compare(fn, x)


def test_size_is_a_method_and_numel_counts():
    x = ad.zeros(2, 3)
    assert x.size() == (2, 3) and x.size(1) == 3 and x.size(-2) == 2
    assert x.numel() == 6 and x.dim() == 2 and x.size().numel() == 6
    assert x.shape == (2, 3) and ad.numel(x) == 6
    with pytest.raises(IndexError):
        x.size(2)


INDEX = np.array([[0, 2, 1, 0], [1, 1, 0, 2], [2, 0, 0, 1]])
INDEXING_CASES = {
    "basic": (lambda lib, x: x[1:, ::2], M),
    "negative index": (lambda lib, x: x[-1, 1:3], M),
    "ellipsis and None": (lambda lib, x: x[..., None, 1], A),
    "integer array": (lambda lib, x: x[[0, 2, 2]], M),
    "two integer arrays": (lambda lib, x: x[[0, 1], [3, 2]], M),
    "boolean mask": (lambda lib, x: x[x > 0], M),
    "tensor index": (lambda lib, x: x[lib.tensor([1, 0, 1])], M),
    "mixed slice and array": (lambda lib, x: x[:, [0, 2]], A),
    "index_select": (lambda lib, x: x.index_select(1, lib.tensor([3, 0, 0])), M),
    "gather": (lambda lib, x: x.gather(1, lib.tensor(INDEX)), M),
    "gather dim 0": (lambda lib, x: lib.gather(x, 0, lib.tensor(INDEX[:2])), M),
    "scatter src": (lambda lib, x: x.scatter(1, lib.tensor([[0], [2], [3]]), x[:, :1] * 10), M),
    "scatter value": (lambda lib, x: x.scatter(0, lib.tensor([[1, 0, 2, 1]]), 5.0), M),
    "scatter_add": (lambda lib, x: x.scatter_add(1, lib.tensor(INDEX), x * 2), M),
    "masked_fill": (lambda lib, x: x.masked_fill(x > 0.5, -1.0), M),
    "where": (lambda lib, x: lib.where(x > 0, x, x * 3), M),
    "where scalar": (lambda lib, x: lib.where(x > 0, x, 0.0), M),
    "where one argument": (lambda lib, x: lib.where(x > 0), M),
    "nonzero": (lambda lib, x: (x > 0).nonzero(), M),
    "nonzero as_tuple": (lambda lib, x: lib.nonzero(x > 0, as_tuple=True), M),
    "select": (lambda lib, x: x.select(1, 2), M),
}


@pytest.mark.parametrize("name", list(INDEXING_CASES))
def test_indexing_matches_torch(name):
    fn, x = INDEXING_CASES[name]
    compare(fn, x)


def test_old_numpy_names_still_work():
    x = ad.tensor(M)
    np.testing.assert_array_equal(ad.concatenate([x, x], axis=1).numpy(), np.concatenate([M, M], 1))
    np.testing.assert_array_equal(ad.expand_dims(x, 0).numpy(), M[None])
    np.testing.assert_array_equal(x.transpose().numpy(), M.T)      # NumPy's reverse-all
    np.testing.assert_array_equal(ad.transpose(ad.tensor(A), (2, 0, 1)).numpy(),
                                  A.transpose(2, 0, 1))
    np.testing.assert_array_equal(x.sum(axis=0, keepdims=True).numpy(), M.sum(0, keepdims=True))
    with pytest.raises(TypeError, match="both dim= and its alias axis="):
        x.sum(dim=0, axis=0)
