"""Tensor derivations the course teaches, checked as exact algebra: matmul, conv2d, max pooling."""
from __future__ import annotations

import numpy as np
import pytest
import sympy

import autodiff as ad


def matrix(array) -> sympy.Matrix:
    return sympy.Matrix(np.asarray(array, dtype=object).tolist())


def test_matmul_gradients_are_ybar_wt_and_xt_ybar():
    X = ad.symbols("X", shape=(2, 2))
    W = ad.symbols("W", shape=(2, 2))
    d = ad.derive(X @ W)
    ybar = matrix(d.seed)                                 # symbols standing for dL/dY
    assert {str(s) for s in ybar} == {"Ybar_0_0", "Ybar_0_1", "Ybar_1_0", "Ybar_1_1"}
    x, w = matrix(X.array), matrix(W.array)
    assert sympy.expand(matrix(d.gradients[X].tolist()) - ybar * w.T) == sympy.zeros(2, 2)
    assert sympy.expand(matrix(d.gradients[W].tolist()) - x.T * ybar) == sympy.zeros(2, 2)
    assert [s.local_kind for s in d.steps] == ["jacobian", "jacobian"]
    assert all(s.verify() for s in d.steps)
    assert d.steps[0].rule == r"\bar{X} = \bar{Y} W^{\top}"


@pytest.fixture(scope="module")
def conv():
    X = ad.symbols("X", shape=(1, 1, 3, 3))
    K = ad.symbols("K", shape=(1, 1, 2, 2))
    Y = ad.conv2d(X, K)
    return X, K, Y, ad.derive(Y)


def test_conv2d_output_is_the_cross_correlation(conv):
    X, K, Y, _ = conv
    x, k, y = (np.asarray(t.array)[0, 0] for t in (X, K, Y))
    for r in range(2):
        for c in range(2):
            expected = sum(x[r + a, c + b] * k[a, b] for a in range(2) for b in range(2))
            assert sympy.expand(y[r, c] - expected) == 0


def test_conv2d_kernel_gradient_reads_the_input_window(conv):
    """dY(r, c)/dK(a, b) = X(r + a, c + b)."""
    X, K, _, d = conv
    x = np.asarray(X.array)[0, 0]
    g = d.seed[0, 0]                                      # the upstream symbols dL/dY
    grad_k = d.gradients[K]
    for a in range(2):
        for b in range(2):
            for r in range(2):
                for c in range(2):
                    assert sympy.diff(grad_k[0, 0, a, b], g[r, c]) == x[r + a, c + b]


def test_conv2d_input_gradient_is_the_full_convolution_with_the_flipped_kernel(conv):
    X, K, _, d = conv
    k = np.asarray(K.array)[0, 0]
    g = np.pad(d.seed[0, 0], 1, constant_values=sympy.Integer(0))     # full: pad by k - 1
    flipped = k[::-1, ::-1]
    grad_x = d.gradients[X]
    for i in range(3):
        for j in range(3):
            full = sum(g[i + a, j + b] * flipped[a, b] for a in range(2) for b in range(2))
            assert sympy.expand(grad_x[0, 0, i, j] - full) == 0
    assert all(s.verify() for s in d.steps)
    assert all(s.scope == ("conv2d",) for s in d.steps if s.kind == "chain")


POOL_INPUT = np.array([[[[1, 5, 2, 2], [3, 4, 2, 2]]]])          # second window: all tied


def test_max_pooling_routes_the_gradient_to_the_first_maximum_only_at_numbers():
    P = ad.symbols("P", shape=(1, 1, 2, 4))
    d = ad.derive(ad.max_pool2d(P, 2).sum())
    with pytest.raises(ValueError, match=r"\.at"):           # which element is largest?
        _ = d.steps
    at = d.at({P: POOL_INPUT})
    expected = [[[[0, 1, 1, 0], [0, 0, 0, 0]]]]
    assert at.gradients[P].tolist() == expected
    assert at.gradients["P"].tolist() == expected
    assert all(s.verify() for s in at.steps)


def test_max_pooling_with_numbers_in_the_symbolic_tensor():
    P = ad.tensor(POOL_INPUT.astype(object), requires_grad=True)
    assert P.device == "sympy"
    d = ad.derive(ad.max_pool2d(P, 2).sum())
    (grad,) = [d.gradients[t] for t in d.gradients]
    assert grad.tolist() == [[[[0, 1, 1, 0], [0, 0, 0, 0]]]]


def test_a_tensor_output_is_seeded_with_named_upstream_symbols():
    v = ad.symbols("v", shape=(3,))
    d = ad.derive(ad.tanh(v))
    assert [str(s) for s in d.seed] == ["Ybar_0", "Ybar_1", "Ybar_2"]
    (step,) = d.steps
    assert step.local_kind == "elementwise"
    y = sympy.Symbol("Y_0", real=True)
    assert sympy.expand(step.local_form[0] - (1 - y ** 2)) == 0
    seeded = ad.derive(ad.tanh(v), seed=np.ones(3, dtype=object))
    assert sympy.simplify(seeded.gradients[v][1] - (1 - sympy.tanh(v.array[1]) ** 2)) == 0
