"""What a training script gets wrong by accident: a ``.grad`` of the wrong shape or type,
a stride of 0, and anomaly mode pointing at the user's line when a layer or a loss makes
the NaN. Errors are PyTorch's (compared with torch where it is installed)."""
from __future__ import annotations

import numpy as np
import pytest

import autodiff as ad
import nn

HERE = __file__.removesuffix("c")       # this file, as anomaly mode should name it


def _leaf(*shape):
    return ad.tensor(np.zeros(shape, np.float32), requires_grad=True)


@pytest.mark.parametrize("shape", [(3,), (2, 1), (1,), ()])
def test_assigning_a_grad_of_another_shape_is_refused(shape):
    x = _leaf(2)
    with pytest.raises(RuntimeError, match=r"attempting to assign a gradient of size "
                                           rf"'\[{', '.join(map(str, shape))}\]' to a tensor "
                                           r"of size '\[2\]'"):
        x.grad = ad.tensor(np.zeros(shape, np.float32))
    assert x.grad is None, "nothing was assigned"


def test_assigning_a_string_or_an_array_as_grad_is_refused():
    x = _leaf(2)
    with pytest.raises(TypeError, match="expected to be a Tensor or None but got grad of type "
                                        "str"):
        x.grad = "a"
    with pytest.raises(TypeError, match="of type ndarray"):
        x.grad = np.zeros(2, np.float32)


def test_a_right_grad_is_kept_and_accumulated_into():
    x = _leaf(2)
    x.grad = ad.tensor(np.ones(2, np.float32))
    (x * 3).sum().backward()
    assert x.grad.numpy().tolist() == [4.0, 4.0]
    x.grad = None
    assert x.grad is None


def test_the_same_errors_as_pytorch():
    torch = pytest.importorskip("torch")
    t = torch.zeros(2, requires_grad=True)
    for value, ours in ((torch.zeros(3), ad.tensor(np.zeros(3, np.float32))), ("a", "a")):
        with pytest.raises((RuntimeError, TypeError)) as theirs:
            t.grad = value
        with pytest.raises(type(theirs.value)) as mine:
            _leaf(2).grad = ours
        assert str(mine.value) == str(theirs.value)


@pytest.mark.parametrize("build, message", [
    (lambda: nn.Conv2d(1, 1, 3, stride=0), "conv2d: non-positive stride is not supported"),
    (lambda: nn.Conv2d(1, 1, 3, stride=(1, 0)), "conv2d: non-positive stride is not supported"),
    (lambda: nn.MaxPool2d(2, stride=0), "max_pool2d: stride should not be zero"),
    (lambda: nn.AvgPool2d(2, stride=0), "avg_pool2d: stride should not be zero"),
    (lambda: nn.Conv2d(1, 1, 3, dilation=0), "conv2d: dilation should be greater than zero"),
])
def test_a_stride_of_zero_is_pytorchs_error_not_a_zero_division(build, message):
    with pytest.raises(RuntimeError, match=message):
        build()(ad.tensor(np.zeros((1, 1, 6, 6), np.float32)))


def test_pytorch_refuses_the_same_strides():
    torch = pytest.importorskip("torch")
    with pytest.raises(RuntimeError, match="non-positive stride is not supported"):
        torch.nn.Conv2d(1, 1, 3, stride=0)(torch.zeros(1, 1, 6, 6))
    with pytest.raises(RuntimeError, match="stride should not be zero"):
        torch.nn.MaxPool2d(2, stride=0)(torch.zeros(1, 1, 6, 6))


# ---- anomaly mode names the user's line ----------------------------------------------------------
@pytest.mark.filterwarnings("ignore::RuntimeWarning")
def test_anomaly_inside_a_loss_names_the_users_line():
    prediction = ad.tensor(np.array([1e30, 1.0], np.float32), requires_grad=True)
    target = ad.tensor(np.zeros(2, np.float32))
    with ad.detect_anomaly(), pytest.raises(FloatingPointError) as error:
        nn.functional.mse_loss(prediction, target)          # the square overflows to inf
    message = str(error.value)
    assert f"{HERE}:" in message and "nn.functional.mse_loss(prediction, target)" in message
    assert "nn/functional.py" not in message and "nn/losses.py" not in message


@pytest.mark.filterwarnings("ignore::RuntimeWarning")
def test_anomaly_inside_a_layer_names_the_users_line():
    layer = nn.Linear(2, 1)
    with ad.no_grad():
        layer.weight.array[...] = 1e30
    x = ad.tensor(np.full((1, 2), 1e30, np.float32))
    with ad.detect_anomaly(), pytest.raises(FloatingPointError) as error:
        layer(x)                                            # the product overflows
    message = str(error.value)
    assert f"{HERE}:" in message and "layer(x)" in message and "nn/layers" not in message


@pytest.mark.filterwarnings("ignore::RuntimeWarning")
def test_anomaly_in_backward_names_the_users_line_of_the_op():
    x = ad.tensor(np.array([0.0, 1.0], np.float32), requires_grad=True)
    with ad.detect_anomaly():
        out = nn.functional.relu(x).sqrt().sum()            # sqrt'(0) = inf
        with pytest.raises(FloatingPointError) as error:
            out.backward()
    message = str(error.value)
    assert "backward of op" in message and f"{HERE}:" in message
