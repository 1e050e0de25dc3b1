"""Memory layout is an implementation detail users never see, but a slow one if lost.

Convolutions hand on (N, C, H, W) arrays laid out as (C, H, W, N) in memory; these tests
check that element-wise arithmetic with a broadcast operand keeps that layout (NumPy alone
would fall back to C order), and that values are unchanged whatever the layout.
"""
import numpy as np
import pytest

import autodiff as ad

RNG = np.random.default_rng(0)


def batch_innermost(shape):
    """A (N, C, H, W) array whose memory is ordered (C, H, W, N), as conv2d returns."""
    data = RNG.standard_normal((shape[1], shape[2], shape[3], shape[0]))
    return data.transpose(3, 0, 1, 2)


def is_batch_innermost(array):
    return array.strides[0] == array.itemsize and not array.flags.c_contiguous


@pytest.mark.filterwarnings("ignore:divide by zero")     # a float divided by a False mask
@pytest.mark.parametrize("op", ["add", "sub", "mul", "div"])
@pytest.mark.parametrize("other_shape", [(4, 3, 1, 1), (1, 3, 1, 1), (5,), "broadcast view",
                                         "bool mask"])
def test_arithmetic_with_a_broadcast_operand_keeps_the_layout(op, other_shape):
    x = batch_innermost((4, 3, 2, 5))
    if other_shape == "broadcast view":
        other = np.broadcast_to(RNG.standard_normal((4, 3, 1, 1)), x.shape)
    elif other_shape == "bool mask":                 # ReLU's backward: g * (x > 0)
        x, other = x > 0, np.broadcast_to(RNG.standard_normal((4, 3, 1, 1)) + 3.0, x.shape)
    else:
        other = RNG.standard_normal(other_shape) + 3.0
    fn = {"add": np.add, "sub": np.subtract, "mul": np.multiply, "div": np.divide}[op]
    mine = {"add": ad.add, "sub": ad.sub, "mul": ad.mul, "div": ad.div}[op]
    for a, b in [(x, other), (other, x)]:
        out = mine(ad.as_tensor(a), ad.as_tensor(b)).array
        np.testing.assert_array_equal(out, fn(a, b))
        assert out.dtype == fn(a, b).dtype
        assert is_batch_innermost(out), (op, other_shape, out.strides)


def test_same_shape_operands_take_numpys_own_path():
    x = batch_innermost((2, 3, 2, 2))
    assert is_batch_innermost(ad.mul(ad.tensor(x), ad.tensor(x)).array)
    y = np.ascontiguousarray(x)
    np.testing.assert_array_equal(ad.add(ad.tensor(x), ad.tensor(y)).array, x + y)


def test_integer_division_is_not_forced_into_an_integer_output():
    x = np.arange(24).reshape(2, 3, 4).transpose(2, 0, 1)        # permuted ints
    out = ad.div(ad.tensor(x), ad.tensor(np.array([1, 2, 4])))
    np.testing.assert_array_equal(out.array, x / np.array([1, 2, 4]))


def test_a_resnet_gradient_stays_batch_innermost_through_the_pooling_backward():
    """Global average pooling's gradient (N, C, 1, 1) meets the ReLU mask of a conv output:
    before the layout rule, everything after it in the backward pass was C-ordered."""
    x = ad.tensor(RNG.standard_normal((4, 2, 6, 6)), requires_grad=True)
    w = ad.tensor(RNG.standard_normal((3, 2, 3, 3)), requires_grad=True)
    y = ad.relu(ad.conv2d(x, w, padding=1))
    assert is_batch_innermost(y.array)
    pre = ad.conv2d(x, w, padding=1)
    g = ad.gradients(ad.sum(ad.mean(ad.relu(pre), (2, 3))), [pre])[0]
    assert is_batch_innermost(g.array)
