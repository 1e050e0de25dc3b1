"""Element-wise maths, operators and products against PyTorch (float64 values and gradients)."""
from __future__ import annotations

import numpy as np
import pytest
from _torch_compare import compare

import autodiff as ad

RNG = np.random.default_rng(2)
M = RNG.standard_normal((3, 4))
P = RNG.uniform(0.5, 2.0, (3, 4))
S = np.array([[-2.6, -1.5, -0.4, 0.0], [0.3, 0.5, 1.5, 2.5], [-0.5, 3.7, -3.2, 1.2]])
SPECIAL = np.array([0.0, -1.5, np.inf, -np.inf, np.nan, 2.0])
B = np.array([1.0, -0.5, 2.0, 0.25])

UNARY = {
    "neg": (lambda lib, x: x.neg(), M), "exp": (lambda lib, x: x.exp(), M),
    "expm1": (lambda lib, x: lib.expm1(x * 1e-9), M), "log": (lambda lib, x: x.log(), P),
    "log1p": (lambda lib, x: lib.log1p(x * 1e-9), P), "sqrt": (lambda lib, x: x.sqrt(), P),
    "rsqrt": (lambda lib, x: x.rsqrt(), P), "sin": (lambda lib, x: lib.sin(x), M),
    "cos": (lambda lib, x: x.cos(), M), "tanh": (lambda lib, x: x.tanh(), M),
    "sigmoid": (lambda lib, x: x.sigmoid(), M), "relu": (lambda lib, x: x.relu(), M),
    "sign": (lambda lib, x: x.sign(), S), "floor": (lambda lib, x: x.floor(), S),
    "ceil": (lambda lib, x: lib.ceil(x), S), "round": (lambda lib, x: x.round(), S),
    "round decimals": (lambda lib, x: lib.round(x * 10.01, decimals=1), S),
    "trunc": (lambda lib, x: x.trunc(), S),
    "reciprocal": (lambda lib, x: x.reciprocal(), P), "square": (lambda lib, x: x.square(), M),
    "abs": (lambda lib, x: x.abs(), M),
    "clamp numbers": (lambda lib, x: x.clamp(-0.5, 0.5), M),
    "clamp min only": (lambda lib, x: x.clamp(min=0.1), M),
    "clamp tensor bounds": (lambda lib, x: x.clamp(x.flip(0) * 0 - 0.3, lib.ones(4) * 0.4), M),
    "clip alias": (lambda lib, x: x.clip(-0.2, 0.2), M),
    "clamp_min": (lambda lib, x: x.clamp_min(0.0), M),
    "clamp_max": (lambda lib, x: lib.clamp_max(x, 0.3), M),
    "pow": (lambda lib, x: x.pow(3), M), "pow tensor": (lambda lib, x: lib.pow(x, x), P),
    "maximum": (lambda lib, x: lib.maximum(x, x.flip(1)), M),
    "minimum": (lambda lib, x: x.minimum(x.flip(0)), M),
    "softmax": (lambda lib, x: x.softmax(1), M),
    "softmax dim=": (lambda lib, x: lib.softmax(x, dim=0), M),
    "log_softmax": (lambda lib, x: x.log_softmax(-1), M),
    "nan_to_num": (lambda lib, x: x.nan_to_num(), SPECIAL),
    "nan_to_num values": (lambda lib, x: lib.nan_to_num(x, nan=1.0, posinf=9.0, neginf=-9.0),
                          SPECIAL),
    "isnan": (lambda lib, x: x.isnan(), SPECIAL), "isinf": (lambda lib, x: lib.isinf(x), SPECIAL),
    "isfinite": (lambda lib, x: x.isfinite(), SPECIAL),
    "remainder": (lambda lib, x: x % 0.7, S),
    "remainder tensor": (lambda lib, x: x % (x.abs() + 1.0), S),
    "logical_and": (lambda lib, x: lib.logical_and(x > 0, x < 1), M),
    "logical_or": (lambda lib, x: (x > 1).logical_or(x < -1), M),
    "logical_xor": (lambda lib, x: lib.logical_xor(x > 0, x > 1), M),
    "logical_not": (lambda lib, x: lib.logical_not(x > 0), M),
    "& | ^ ~ on bools": (lambda lib, x: ((x > 0) & (x < 1)) | ~(x > -1) ^ (x > 2), M),
    "bitwise on ints": (lambda lib, x: (x.long() & 6) | (x.long() ^ 3), S * 3),
    "~ on ints": (lambda lib, x: ~x.long(), S * 3),
    "comparison methods": (lambda lib, x: (x.eq(0), x.ne(0), x.lt(0), x.le(0), x.gt(0), x.ge(0)), S),
}


@pytest.mark.parametrize("name", list(UNARY))
def test_elementwise_matches_torch(name):
    fn, x = UNARY[name]
    with np.errstate(all="ignore"):
        compare(fn, x)


NO_TORCH_GRADIENT = {        # PyTorch has no derivative for these: values and dtypes only
    "floor_divide": (lambda lib, x: x // 0.7, S), "rfloordiv": (lambda lib, x: 2 // x, P),
    "floor_divide ints": (lambda lib, x: x.long() // 3, S * 4),
    "rmod": (lambda lib, x: 5.0 % x, P), "remainder ints": (lambda lib, x: x.long() % 3, S * 4),
}


@pytest.mark.parametrize("name", list(NO_TORCH_GRADIENT))
def test_integer_division_matches_torch(name):
    fn, x = NO_TORCH_GRADIENT[name]
    compare(fn, x, grads=False)


LINALG = {
    "matmul": (lambda lib, x, y: x @ y.T, M, M),
    "mm": (lambda lib, x, y: lib.mm(x, y.t()), M, M),
    "bmm": (lambda lib, x, y: lib.bmm(x.reshape(1, 3, 4), y.reshape(1, 4, 3)), M, M),
    "mv": (lambda lib, x, y: x.mv(y[0]), M, M),
    "dot": (lambda lib, x, y: lib.dot(x[0], y[1]), M, M),
    "outer": (lambda lib, x, y: lib.outer(x[0], y[:, 1]), M, M),
    "einsum matmul": (lambda lib, x, y: lib.einsum("ij,kj->ik", x, y), M, M),
    "einsum trace": (lambda lib, x, y: lib.einsum("ii", x[:, :3]), M, M),
    "einsum diagonal": (lambda lib, x, y: lib.einsum("ii->i", x[:, :3] * y[:, :3]), M, M),
    "einsum batch": (lambda lib, x, y: lib.einsum("bij,bjk->bik", x.reshape(2, 2, 3),
                                                  y.reshape(2, 3, 2)), M, M),
    "einsum ellipsis": (lambda lib, x, y: lib.einsum("...i,...i->...", x, y), M, M),
    "einsum three operands": (lambda lib, x, y: lib.einsum("ij,jk,kl->il", x, y.t(), x), M, M),
    "einsum sum out": (lambda lib, x, y: lib.einsum("ij->j", x), M, M),
    "einsum implicit outer": (lambda lib, x, y: lib.einsum("i,j", x[0], y[1]), M, M),
    "linalg.norm": (lambda lib, x, y: lib.linalg.norm(x), M, M),
    "linalg.norm dim": (lambda lib, x, y: lib.linalg.norm(x, dim=1, keepdim=True), M, M),
    "linalg.norm ord inf": (lambda lib, x, y: lib.linalg.norm(x[0], ord=float("inf")), M, M),
    "linalg.vector_norm ord 3": (lambda lib, x, y: lib.linalg.vector_norm(x, ord=3), M, M),
}


@pytest.mark.parametrize("name", list(LINALG))
def test_products_match_torch(name):
    fn, x, y = LINALG[name]
    compare(fn, x, y)


def test_norm_of_zero_has_zero_gradient():
    compare(lambda lib, x: x.norm() + lib.linalg.norm(x, dim=0).sum(), np.zeros((2, 3)))


def test_floor_has_a_zero_gradient_not_none():
    x = ad.tensor(S, requires_grad=True)
    (x.floor() + x.ceil() + x.round()).sum().backward()
    np.testing.assert_array_equal(x.grad.numpy(), np.zeros_like(S))


def test_expm1_and_log1p_keep_precision_near_zero():
    x = ad.tensor([1e-12], dtype=ad.float64)
    assert abs(ad.expm1(x).item() / 1e-12 - 1) < 1e-9
    assert abs(ad.log1p(x).item() / 1e-12 - 1) < 1e-9


def test_clamp_with_tensor_bounds_sends_the_gradient_to_the_bound_that_wins():
    compare(lambda lib, x, lo: x.clamp(min=lo), B, B[::-1].copy())
