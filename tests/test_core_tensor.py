"""The Tensor as API.md describes it: construction, dtypes, attributes, operators, methods."""
from __future__ import annotations

import numpy as np
import pytest

import autodiff as ad


# ---- dtypes ---------------------------------------------------------------------------------
def test_python_floats_become_float32_and_float64_arrays_keep_their_dtype():
    assert ad.tensor(1.0).dtype == ad.float32
    assert ad.tensor([[1.0, 2.0]]).dtype == ad.float32
    assert ad.tensor(np.ones(3)).dtype == ad.float64
    assert ad.tensor(np.float64(2.0)).dtype == ad.float64      # a NumPy scalar keeps its dtype
    assert ad.tensor(np.ones(3, np.float32)).dtype == ad.float32
    assert ad.tensor([1, 2]).dtype.kind == "i"
    assert ad.tensor(True).dtype == np.bool_
    assert ad.tensor([1.0], dtype=ad.float64).dtype == ad.float64
    assert ad.tensor(np.ones(2), dtype="float32").dtype == ad.float32


def test_set_default_dtype(default_dtype):
    ad.set_default_dtype(ad.float64)
    assert ad.get_default_dtype() == ad.float64
    assert ad.tensor(1.0).dtype == ad.float64
    assert ad.tensor(np.ones(2, np.float32)).dtype == ad.float32      # arrays keep theirs
    ad.set_default_dtype("float32")
    assert ad.tensor([1.0]).dtype == ad.float32
    with pytest.raises(TypeError, match="default dtype must be floating"):
        ad.set_default_dtype("int64")


def test_integer_tensors_cannot_require_a_gradient():
    with pytest.raises(TypeError, match="only floating-point tensors can require a gradient"):
        ad.tensor([1, 2], requires_grad=True)
    labels = ad.tensor([0, 2])
    with pytest.raises(TypeError, match="int64"):
        labels.requires_grad_()
    assert not labels.requires_grad


def test_weak_python_scalars_keep_the_tensor_dtype():
    x32 = ad.tensor([1.0, 2.0], requires_grad=True)
    for y in (x32 + 1, x32 * 2.5, 2.5 - x32, x32 / 3, 2 ** x32, x32 ** 2, -x32, abs(x32),
              ad.maximum(x32, 0.5), ad.where(x32 > 1, x32, 0.0), ad.clip(x32, 0.0, 1.5)):
        assert y.dtype == ad.float32
    x64 = ad.tensor(np.array([1.0, 2.0]), requires_grad=True)
    assert (x64 * 2.5).dtype == ad.float64 and (1 - x64).dtype == ad.float64


def test_arrays_follow_numpy_promotion_and_gradients_keep_the_input_dtype():
    a = ad.tensor(np.ones(2, np.float32), requires_grad=True)
    b = ad.tensor(np.full(2, 3.0), requires_grad=True)
    out = a * b
    assert out.dtype == ad.float64
    out.sum().backward()
    assert a.grad.dtype == ad.float32 and b.grad.dtype == ad.float64
    np.testing.assert_array_equal(a.grad.numpy(), [3.0, 3.0])


def test_astype_round_trip_and_gradient_dtype():
    x = ad.tensor([1.0, 2.0], requires_grad=True)
    y = x.astype(ad.float64)
    assert y.dtype == ad.float64
    (y * y).sum().backward()
    assert x.grad.dtype == ad.float32
    np.testing.assert_array_equal(x.grad.numpy(), [2.0, 4.0])
    z = ad.tensor([1.0, 2.0], requires_grad=True)
    w = z.to(dtype=ad.float64)
    w.sum().backward()
    assert w.dtype == ad.float64 and z.grad.dtype == ad.float32


def test_comparisons_and_integer_results_carry_no_gradient():
    x = ad.tensor([1.0, 2.0, 3.0], requires_grad=True)
    for c in (x < 2, x <= 2, x > 2, x >= 2, x == 2, x != 2):
        assert c.dtype == np.bool_ and not c.requires_grad
    np.testing.assert_array_equal((x >= 2).numpy(), [False, True, True])
    np.testing.assert_array_equal(ad.sign(x - 2).numpy(), [-1, 0, 1])
    np.testing.assert_array_equal(ad.step(x - 2).numpy(), [0, 0, 1])


# ---- attributes and conversion ---------------------------------------------------------------
def test_attributes_and_host_conversion():
    x = ad.tensor([[1.0, 2.0], [3.0, 4.0]], requires_grad=True)
    assert x.shape == (2, 2) and x.ndim == 2 and x.numel() == 4 and len(x) == 2
    assert x.device == "cpu" and x.requires_grad and x.grad is None and x.is_leaf
    assert isinstance(x.array, np.ndarray) and isinstance(x.numpy(), np.ndarray)
    assert x.tolist() == [[1.0, 2.0], [3.0, 4.0]]
    assert ad.tensor([2.5]).item() == 2.5 and isinstance(ad.tensor(2.5).item(), float)
    assert float(ad.tensor(2.5)) == 2.5 and int(ad.tensor(3.0)) == 3
    np.testing.assert_array_equal(np.asarray(x), x.numpy())
    with pytest.raises(ValueError, match=r"one-element tensor.*\(2, 2\)"):
        x.item()
    with pytest.raises(TypeError, match="0-d"):
        len(ad.tensor(1.0))


def test_tensor_from_a_tensor_and_names():
    x = ad.tensor([1.0, 2.0], requires_grad=True, name="x")
    y = ad.tensor(x)
    assert x.name == "x" and not y.requires_grad
    np.testing.assert_array_equal(y.numpy(), x.numpy())


def test_detach_to_and_cpu():
    x = ad.tensor([1.0, 2.0], requires_grad=True)
    d = x.detach()
    assert not d.requires_grad and d.array is x.array
    assert x.to("cpu") is x and x.cpu() is x
    assert x.to("cpu:0") is x


def test_repr_is_readable():
    assert repr(ad.tensor([1.0, 2.0])) == "tensor([1., 2.])"
    assert "requires_grad=True" in repr(ad.tensor([1.0], requires_grad=True))
    assert "op='mul'" in repr(ad.tensor([1.0], requires_grad=True) * 2)
    assert "dtype=float64" in repr(ad.tensor(np.ones(1)))


# ---- operators and methods ------------------------------------------------------------------
def test_operators_match_numpy():
    a, b = np.array([[1.0, 2.0], [3.0, 4.0]]), np.array([0.5, -2.0])
    x, y = ad.tensor(a), ad.tensor(b)
    pairs = [(x + y, a + b), (x - y, a - b), (x * y, a * b), (x / y, a / b), (x ** 2, a ** 2),
             (2.0 ** x, 2.0 ** a), (x @ y, a @ b), (y @ x, b @ a), (-x, -a), (abs(y), abs(b)),
             (1 - x, 1 - a), (3 / x, 3 / a), (a + y, a + b), (b * x, b * a), (x.T, a.T),
             (x[1], a[1]), (x[:, 0], a[:, 0]), (x[..., None], a[..., None])]
    for got, expected in pairs:
        np.testing.assert_allclose(got.numpy(), expected, rtol=1e-12)
    assert isinstance(a + y, ad.Tensor)               # ndarray op Tensor gives a Tensor


def test_numpy_style_methods():
    a = np.array([[0.5, -1.0, 2.0], [1.5, 0.25, -0.75]])
    x = ad.tensor(a)
    checks = [(x.exp(), np.exp(a)), (x.abs().log(), np.log(np.abs(a))),
              (x.abs().sqrt(), np.sqrt(np.abs(a))), (x.sin(), np.sin(a)), (x.cos(), np.cos(a)),
              (x.tanh(), np.tanh(a)), (x.sigmoid(), 1 / (1 + np.exp(-a))),
              (x.relu(), np.maximum(a, 0)), (x.clip(-0.5, 0.5), np.clip(a, -0.5, 0.5)),
              (x.sum(), a.sum()), (x.sum(axis=0), a.sum(0)),
              (x.mean(1, True), a.mean(1, keepdims=True)),
              (x.var(), a.var(ddof=1)), (x.max(axis=1).values, a.max(1)), (x.min(), a.min()),
              (x.reshape(3, 2), a.reshape(3, 2)), (x.reshape((-1,)), a.reshape(-1)),
              (x.transpose(), a.T), (x.transpose(1, 0), a.T), (x.flatten(), a.flatten()),
              (x.expand_dims(0), a[None]), (x.expand_dims(0).squeeze(0), a),
              (x.broadcast_to((2, 2, 3)), np.broadcast_to(a, (2, 2, 3))),
              (ad.leaky_relu(x), np.where(a > 0, a, 0.01 * a)),
              (ad.logsumexp(x, axis=1), np.log(np.exp(a).sum(1))),
              (ad.concatenate([x, x], axis=1), np.concatenate([a, a], 1)),
              (ad.pad(x, 1), np.pad(a, 1))]
    for got, expected in checks:
        np.testing.assert_allclose(got.numpy(), expected, rtol=1e-12)


def test_scopes_are_recorded_on_nodes():
    x = ad.tensor([1.0, 2.0], requires_grad=True)
    with ad.scope("layer"):
        with ad.scope("inner"):
            y = x * 2
        z = y + 1
    assert y._scope == ("layer", "inner") and z._scope == ("layer",)
    assert (z * 1)._scope == ()
    assert "softmax" in ad.softmax(x)._scope
