"""``sum`` over many leading rows runs as a BLAS vector-matrix product; fewer rows use
NumPy's reduction. Both give NumPy's answer, and the un-broadcast of a bias gradient is one
node."""
import numpy as np
import pytest

import autodiff as ad
from autodiff.ops import reduce

RNG = np.random.default_rng(0)


@pytest.mark.parametrize("shape, axis", [((300, 6), 0), ((30, 20, 3), (0, 1)), ((64, 5), 0),
                                         ((300, 2, 2), 0), ((256, 1), 0)])
@pytest.mark.parametrize("keepdims", [False, True])
def test_both_ways_of_summing_rows_agree_with_numpy(shape, axis, keepdims):
    x = RNG.standard_normal(shape).astype(np.float32)
    calls = []

    class CountingOnes:                       # NumPy, noting when the BLAS way makes its ones
        def __getattr__(self, name):
            return getattr(np, name)

        def ones(self, *args, **kwargs):
            calls.append(args)
            return np.ones(*args, **kwargs)
    out = reduce._sum(CountingOnes(), x, axis, keepdims)
    np.testing.assert_allclose(out, x.sum(axis=axis, keepdims=keepdims), rtol=1e-5, atol=1e-5)
    rows = np.prod([shape[a] for a in np.atleast_1d(axis)])
    assert bool(calls) == (rows >= 256)                   # which way was taken


def test_a_bias_gradient_is_one_sum_node():
    x = ad.tensor(RNG.standard_normal((4, 3)), requires_grad=True)
    b = ad.tensor(RNG.standard_normal(3), requires_grad=True)
    seed = ad.tensor(np.ones((4, 3)), requires_grad=True)   # so the backward is recorded
    g = ad.gradients(x + b, [b], grad_outputs=seed, create_graph=True)[0]
    assert g.op.name == "sum" and g.inputs[0] is seed      # no reshape after the sum
    np.testing.assert_allclose(g.numpy(), np.full(3, 4.0))
