"""nn.init: PyTorch's gains, fans and bounds; statistics of the draws; in-place filling."""
import math

import numpy as np
import pytest

import autodiff as ad
import nn
from nn import init


def empty(*shape, dtype=np.float32):
    return nn.Parameter(np.zeros(shape, dtype=dtype))


def test_gains_are_pytorchs():
    assert init.calculate_gain("linear") == 1 and init.calculate_gain("sigmoid") == 1
    assert init.calculate_gain("conv2d") == 1
    assert math.isclose(init.calculate_gain("tanh"), 5 / 3)
    assert math.isclose(init.calculate_gain("relu"), math.sqrt(2))
    assert math.isclose(init.calculate_gain("leaky_relu"), math.sqrt(2 / (1 + 0.01 ** 2)))
    assert math.isclose(init.calculate_gain("leaky_relu", math.sqrt(5)), math.sqrt(1 / 3))
    assert init.calculate_gain("selu") == 0.75
    with pytest.raises(ValueError, match="unsupported nonlinearity 'swish'"):
        init.calculate_gain("swish")


def test_fans_of_linear_and_conv_weights():
    assert init.calculate_fan_in_and_fan_out(empty(5, 3)) == (3, 5)
    assert init.calculate_fan_in_and_fan_out(empty(8, 4, 3, 3)) == (36, 72)
    with pytest.raises(ValueError, match="at least 2 dimensions"):
        init.calculate_fan_in_and_fan_out(empty(4))


def test_constant_fills_keep_the_array():
    p = empty(3, 2)
    array = p.array
    assert init.ones_(p) is p and p.array is array and (p.numpy() == 1).all()
    init.zeros_(p)
    assert (p.numpy() == 0).all()
    init.constant_(p, 0.25)
    assert (p.numpy() == 0.25).all() and p.dtype == np.float32


@pytest.mark.parametrize("fill, mean, std", [
    (lambda p: init.uniform_(p, -2, 4), 1.0, 6 / math.sqrt(12)),
    (lambda p: init.normal_(p, 0.5, 2.0), 0.5, 2.0),
    (lambda p: init.xavier_uniform_(p, gain=2.0), 0.0, 2.0 * math.sqrt(2 / (400 + 300))),
    (lambda p: init.xavier_normal_(p), 0.0, math.sqrt(2 / 700)),
    (lambda p: init.kaiming_uniform_(p, nonlinearity="relu"), 0.0, math.sqrt(2 / 300)),
    (lambda p: init.kaiming_normal_(p, mode="fan_out", nonlinearity="relu"), 0.0,
     math.sqrt(2 / 400)),
    (lambda p: init.kaiming_normal_(p, a=0.2), 0.0, math.sqrt(2 / (1.04 * 300))),
])
def test_draws_have_the_documented_mean_and_spread(fill, mean, std):
    nn.manual_seed(0)
    for dtype in (np.float32, np.float64):
        p = empty(400, 300, dtype=dtype)
        fill(p)
        values = p.numpy()
        assert p.dtype == dtype
        assert abs(values.mean() - mean) < 5 * std / math.sqrt(values.size) + 1e-12
        assert abs(values.std() / std - 1) < 0.01


def test_uniform_bounds_and_trunc_normal_range():
    p = empty(100, 50)
    init.kaiming_uniform_(p, a=math.sqrt(5))
    bound = 1 / math.sqrt(50)
    assert np.abs(p.numpy()).max() <= bound and np.abs(p.numpy()).max() > 0.95 * bound
    init.trunc_normal_(p, std=1.0, a=-0.5, b=0.5)
    assert np.abs(p.numpy()).max() <= 0.5


def test_default_linear_and_conv_init_are_pytorchs_bounds():
    nn.manual_seed(1)
    conv = nn.Conv2d(4, 8, 3)
    bound = 1 / math.sqrt(4 * 9)
    for p in (conv.weight, conv.bias):
        assert np.abs(p.numpy()).max() <= bound
        assert np.abs(p.numpy()).max() > 0.8 * bound
    grouped = nn.Conv2d(4, 8, 3, groups=4)
    assert np.abs(grouped.weight.numpy()).max() <= 1 / 3
    bn = nn.BatchNorm2d(3)
    assert (bn.weight.numpy() == 1).all() and (bn.bias.numpy() == 0).all()


def test_init_works_on_a_float64_tensor_and_needs_no_gradient():
    p = ad.tensor(np.zeros((3, 3)))
    init.xavier_uniform_(p)
    assert p.dtype == np.float64 and not p.requires_grad and np.abs(p.numpy()).sum() > 0
