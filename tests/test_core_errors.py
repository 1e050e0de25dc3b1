"""Bad input gets a clear error naming the op and the shapes, never a bare NumPy traceback.

Each case: what the user did, the exception type, and a regular expression the message must
match (the op's name, the shapes involved, what was expected).
"""
from __future__ import annotations

import numpy as np
import pytest

import autodiff as ad


def ones(*shape):
    return ad.tensor(np.ones(shape))


X = ad.tensor(np.ones((2, 3)), requires_grad=True)

CASES = {
    # shape mismatches name the op and both shapes
    "add": (lambda: X + ones(4), ValueError, r"add: .*\(2, 3\) and \(4,\)"),
    "mul with an array": (lambda: X * np.ones((3, 2)), ValueError, r"mul: .*\(2, 3\) and \(3, 2\)"),
    "sub": (lambda: ones(2, 1, 3) - ones(4, 3, 1) * ones(2, 1), ValueError,
            r"mul: .*\(4, 3, 1\) and \(2, 1\)"),
    "where": (lambda: ad.where(np.ones(4, bool), X, 0.0), ValueError, r"where: .*\(4,\).*\(2, 3\)"),
    "maximum": (lambda: ad.maximum(X, ones(2)), ValueError, r"maximum: .*\(2, 3\) and \(2,\)"),
    "matmul": (lambda: X @ X, ValueError, r"matmul: shapes \(2, 3\) and \(2, 3\) do not align"),
    "matmul 0-d": (lambda: X @ ad.tensor(2.0), ValueError, r"matmul: .*at least 1-d.*\(\)"),
    "matmul batch": (lambda: ones(2, 2, 3) @ ones(3, 3, 2), ValueError,
                     r"matmul: .*\(2, 2, 3\) and \(3, 3, 2\)"),
    "concatenate": (lambda: ad.concatenate([X, ones(3, 3)], axis=1), ValueError,
                    r"concatenate: shapes \(2, 3\), \(3, 3\) differ outside axis 1"),
    "stack": (lambda: ad.stack([X, ones(3, 3)]), ValueError, r"stack: .*\(2, 3\), \(3, 3\)"),
    "reshape": (lambda: X.reshape(4), ValueError, r"reshape: .*size 6.*\(4,\).*\(2, 3\)"),
    "broadcast_to": (lambda: X.broadcast_to((3, 3)), ValueError,
                     r"broadcast_to: .*\(2, 3\) to \(3, 3\)"),
    "permute": (lambda: X.permute(0, 0), ValueError, r"transpose: axes \(0, 0\)"),
    "sum axis": (lambda: X.sum(axis=2), IndexError, r"sum: Dimension out of range.*got 2"),
    "mean axis": (lambda: X.mean(axis=5), IndexError, r"mean: Dimension out of range.*got 5"),
    "amax axis": (lambda: X.amax(axis=(0, 7)), IndexError, r"amax: .*got 7"),
    "softmax axis": (lambda: ad.softmax(X, axis=3), ValueError, r"axis 3 is out of range"),
    "squeeze": (lambda: X.squeeze(2), IndexError, r"squeeze: .*\[-2, 1\], but got 2"),
    "expand_dims": (lambda: ad.expand_dims(X, 7), IndexError, r"unsqueeze: .*got 7"),
    "flatten": (lambda: ad.flatten(X, 5), IndexError, r"flatten: .*got 5"),
    "index out of range": (lambda: X[5], IndexError, r"getitem: .*5.*\(2, 3\)"),
    "too many indices": (lambda: X[0, 0, 0], IndexError, r"getitem: too many indices.*\(2, 3\)"),
    "float index": (lambda: X[np.array([0.5])], IndexError, r"getitem: .*integers or booleans"),
    "pad mode": (lambda: ad.pad(X, 1, mode="reflect"), ValueError, r"pad: mode 'reflect'"),
    "clip bounds": (lambda: ad.clip(X), ValueError, r"clip: give lo, hi or both"),
    # convolution and pooling
    "conv channels": (lambda: ad.conv2d(ones(1, 3, 5, 5), ones(2, 2, 3, 3)), ValueError,
                      r"conv2d: input has 3 channels but the weight \(2, 2, 3, 3\) expects 2"),
    "conv kernel too big": (lambda: ad.conv2d(ones(1, 1, 2, 2), ones(1, 1, 3, 3)), ValueError,
                            r"conv2d: kernel \(3, 3\).*larger.*\(1, 1, 2, 2\)"),
    "conv 2-d input": (lambda: ad.conv2d(ones(5, 5), ones(1, 1, 3, 3)), ValueError,
                       r"conv2d: expected a 3-d \(C, H, W\) or 4-d .*input.*\(5, 5\)"),
    "conv 3-d weight": (lambda: ad.conv2d(ones(1, 1, 5, 5), ones(1, 3, 3)), ValueError,
                        r"conv2d: expected a 4-d weight.*\(1, 3, 3\)"),
    "conv groups": (lambda: ad.conv2d(ones(1, 3, 5, 5), ones(2, 1, 3, 3), groups=2), ValueError,
                    r"conv2d: groups=2 must divide.*\(3\).*\(2\)"),
    "conv padding mode": (lambda: ad.conv2d(ones(1, 1, 5, 5), ones(1, 1, 3, 3), padding=1,
                                            padding_mode="circular"), ValueError,
                          r"conv2d: padding_mode must be 'zeros' or 'replicate'"),
    "conv same stride": (lambda: ad.conv2d(ones(1, 1, 5, 5), ones(1, 1, 3, 3), padding="same",
                                           stride=2), ValueError, r"conv2d: padding='same'"),
    "conv bias": (lambda: ad.conv2d(ones(1, 1, 5, 5), ones(2, 1, 3, 3), ones(3)), ValueError,
                  r"conv2d: bias has shape \(3,\), expected \(2,\)"),
    "conv stride type": (lambda: ad.conv2d(ones(1, 1, 5, 5), ones(1, 1, 3, 3), stride=1.5),
                         TypeError, r"conv2d: stride must be an int or a pair"),
    "pool padding": (lambda: ad.max_pool2d(ones(1, 1, 5, 5), 2, padding=2), ValueError,
                     r"max_pool2d: padding \(2, 2\) must be at most half the kernel"),
    "pool 2-d": (lambda: ad.avg_pool2d(ones(5, 5), 2), ValueError,
                 r"avg_pool2d: expected a 3-d \(C, H, W\) or 4-d .*input.*\(5, 5\)"),
    "pool kernel too big": (lambda: ad.max_pool2d(ones(1, 1, 2, 2), 3), ValueError,
                            r"max_pool2d: kernel \(3, 3\).*larger"),
    # backward
    "backward of a non-scalar": (lambda: (X * 2).backward(), RuntimeError,
                                 r"backward: the output has shape \(2, 3\).*pass grad="),
    "backward grad shape": (lambda: (X * 2).backward(np.ones(3)), ValueError,
                            r"backward: grad has shape \(3,\) but the output has \(2, 3\)"),
    "gradient of a comparison": (lambda: (X > 0).sum().backward(), RuntimeError,
                                 r"does not require a gradient.*comparison"),
    "gradient without inputs": (lambda: ones(2).sum().backward(), RuntimeError,
                                r"does not require a gradient.*requires_grad=True"),
    # construction
    "integer requires_grad": (lambda: ad.tensor([1, 2], requires_grad=True), TypeError,
                              r"only floating-point tensors.*int64"),
    "unknown dtype": (lambda: ad.tensor([1.0], dtype="float17"), TypeError,
                      r"unknown dtype 'float17'"),
    "complex dtype": (lambda: ad.tensor([1.0], dtype=np.complex128), TypeError, r"unknown dtype"),
    "unknown device": (lambda: ad.tensor([1.0], device="tpu"), ValueError,
                       r"unknown device 'tpu'.*'cpu'"),
    "unknown device in to": (lambda: X.to("tpu"), ValueError, r"unknown device 'tpu'"),
    "not numbers": (lambda: ad.tensor({"a": 1}), TypeError, r"tensor\(\): .*dict"),
    "ragged": (lambda: ad.tensor([[1.0], [1.0, 2.0]]), TypeError, r"tensor\(\): .*list"),
    "symbolic mixed with numeric": (lambda: ad.symbols("w") * X, TypeError,
                                    r"mul: inputs live on different devices \('sympy' and 'cpu'\)"),
}


@pytest.mark.parametrize("name", list(CASES))
def test_bad_input_gets_a_clear_error(name):
    action, kind, pattern = CASES[name]
    with pytest.raises(kind, match=pattern):
        action()


def test_second_backward_names_the_op_and_what_to_do():
    y = (ad.tanh(X) * 2).sum()
    y.backward()
    with pytest.raises(RuntimeError, match=r"op 'sum' was already differentiated.*retain_graph"):
        y.backward()


def test_second_backward_through_a_shared_freed_node():
    h = ad.exp(X)
    (h * 2).sum().backward()
    with pytest.raises(RuntimeError, match=r"op 'exp'.*freed.*retain_graph=True"):
        (h * 3).sum().backward()


def test_jvp_through_a_graph_after_backward_still_reads_its_values():
    y = ad.tanh(X)
    z = y * 2
    z.sum().backward()                    # keeps structure and values (issue 16.1)
    from autodiff.forward import forward_tangents
    (tangent,) = forward_tangents([z], [X], [ones(2, 3)])
    np.testing.assert_allclose(tangent.numpy(), 2 * (1 - np.tanh(X.numpy()) ** 2), rtol=1e-5)


def test_cuda_without_cupy_is_a_clear_error():
    pytest.importorskip("autodiff")
    import importlib.util
    if importlib.util.find_spec("cupy") is not None:
        pytest.skip("CuPy is installed here")
    with pytest.raises(RuntimeError, match=r"device 'cuda' needs CuPy.*pip install"):
        ad.tensor([1.0], device="cuda")
