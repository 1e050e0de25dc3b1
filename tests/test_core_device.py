"""The device boundary, tested on a strict fake GPU (see ``fake_device.py``).

Its arrays refuse implicit host conversion and refuse to mix with NumPy arrays, as CuPy's do,
so every primitive that runs here without error keeps its data on the device. The same
checks run on real CuPy in ``test_core_gpu.py``.
"""
from __future__ import annotations

import numpy as np
import pytest
from fake_device import FakeArray, HostConversionError
from test_core_spec import SPECS, run_case

import autodiff as ad


# ---- the checks, shared with test_core_gpu.py (``array_type``: the device's array class) ------
def check_primitive(name, array_type, tolerance=1e-12):
    s = SPECS[name]
    case = s.build(s.default, np.random.default_rng(0))
    out_cpu, grads_cpu = run_case(case, s.differentiable, "cpu")
    out, grads = run_case(case, s.differentiable, "cuda")
    assert isinstance(out.array, array_type) and out.device == "cuda"
    np.testing.assert_allclose(out.numpy(), out_cpu.numpy(), rtol=tolerance, atol=tolerance)
    for g, g_cpu in zip(grads, grads_cpu):
        assert isinstance(g.array, array_type) and g.device == "cuda"
        np.testing.assert_allclose(g.numpy(), g_cpu.numpy(), rtol=tolerance, atol=tolerance)


def check_moving(array_type):
    x = ad.tensor([1.0, 2.0], requires_grad=True)
    y = x.to("cuda")
    assert y.device == "cuda" and isinstance(y.array, array_type) and y.requires_grad
    assert y.to("cuda") is y and ad.tensor(y).device == "cuda"
    back = y.cpu()
    assert back.device == "cpu" and isinstance(back.array, np.ndarray)
    assert isinstance(y.numpy(), np.ndarray) and y.numpy().tolist() == [1.0, 2.0]
    assert ad.tensor([3.0], device="cuda").item() == 3.0
    assert "device='cuda'" in repr(y)
    (y * y).sum().backward()                                 # the gradient moves back
    assert x.grad.device == "cpu" and x.grad.numpy().tolist() == [2.0, 4.0]
    z = ad.tensor([1.0], device="cuda", requires_grad=True)
    z.cpu().sum().backward()
    assert z.grad.device == "cuda"


def check_no_implicit_host_conversion():
    y = ad.tensor([1.0, 2.0], device="cuda")
    with pytest.raises(TypeError):
        np.asarray(y.array)
    with pytest.raises(TypeError, match="on 'cuda' cannot become a NumPy array implicitly"):
        np.asarray(y)


def check_mixing_devices():
    x = ad.tensor([1.0, 2.0])
    y = ad.tensor([1.0, 2.0], device="cuda")
    with pytest.raises(TypeError,
                       match=r"add: inputs live on different devices \('cpu' and 'cuda'\)"):
        x + y
    with pytest.raises(TypeError, match=r"matmul: inputs live on different devices"):
        y @ x
    with pytest.raises(TypeError, match="different devices"):
        ad.where(ad.tensor([True, False]), y, 0.0)


def check_host_constants():
    y = ad.tensor([1.0, -2.0], device="cuda", requires_grad=True)
    out = y * np.array([3.0, 4.0], dtype=np.float32) + 1.0
    assert out.device == "cuda" and out.dtype == np.float32
    out = ad.where(np.array([True, False]), y, 0.0)
    out.sum().backward()
    assert y.grad.numpy().tolist() == [1.0, 0.0]
    picked = y[np.array([1, 1, 0])]                           # host index arrays move over
    assert picked.device == "cuda" and picked.numpy().tolist() == [-2.0, -2.0, 1.0]


def check_transforms():
    x = ad.tensor(np.array([0.5, -1.0, 2.0]), device="cuda")
    f = lambda t: ad.tanh(t) * t
    rev = ad.jacobian(f, mode="rev")(x)
    fwd = ad.jacobian(f, mode="fwd")(x)
    assert rev.device == fwd.device == "cuda"
    np.testing.assert_allclose(rev.numpy(), fwd.numpy(), atol=1e-12)
    h = ad.hessian(lambda t: (t ** 3).sum())(x)
    np.testing.assert_allclose(h.numpy(), np.diag(6 * np.array([0.5, -1.0, 2.0])))
    g = ad.grad(lambda t: ad.softmax(t)[0])(x)
    assert g.device == "cuda"
    _, tangent = ad.jvp(f, (x,), (ad.tensor(np.ones(3), device="cuda"),))
    assert tangent.device == "cuda"


def check_anomaly():
    x = ad.tensor([0.0, 1.0], device="cuda", requires_grad=True)
    with ad.detect_anomaly():
        y = ad.sqrt(x)
        with pytest.raises(FloatingPointError, match="sqrt"), np.errstate(divide="ignore"):
            y.sum().backward()


def check_conv_net(array_type):
    rng = np.random.default_rng(0)
    dev = "cuda"
    images = ad.tensor(rng.standard_normal((4, 1, 8, 8)).astype(np.float32), device=dev)
    labels = ad.tensor(np.array([0, 1, 2, 1]), device=dev)
    w1 = ad.tensor(rng.standard_normal((4, 1, 3, 3)).astype(np.float32) * 0.3, device=dev,
                   requires_grad=True)
    b1 = ad.tensor(np.zeros(4, np.float32), device=dev, requires_grad=True)
    w2 = ad.tensor(rng.standard_normal((4 * 4 * 4, 3)).astype(np.float32) * 0.1, device=dev,
                   requires_grad=True)
    params = [w1, b1, w2]

    def loss_fn():
        h = ad.conv2d(images, w1, b1, padding=1)
        h = ad.max_pool2d(ad.relu(h), 2)
        h = ad.avg_pool2d(h, 3, stride=1, padding=1, count_include_pad=False)
        logits = ad.flatten(h, 1) @ w2
        logp = ad.log_softmax(logits, axis=1)
        picked = logp[ad.tensor(np.arange(4), device=dev), labels]
        return -ad.mean(picked) + 1e-3 * ad.var(w2)

    losses = []
    for _ in range(5):
        loss = loss_fn()
        losses.append(loss.item())
        for p in params:
            p.zero_grad()
        loss.backward()
        with ad.no_grad():
            for p in params:
                assert isinstance(p.grad.array, array_type) and p.grad.dtype == np.float32
                p.array = (p - 0.5 * p.grad).array
    assert losses[-1] < losses[0]
    assert all(isinstance(p.array, array_type) for p in params)


# ---- on the fake device ---------------------------------------------------------------------
@pytest.mark.parametrize("name", sorted(SPECS))
def test_every_primitive_runs_forward_and_backward_on_the_device(fake_cuda, name):
    check_primitive(name, FakeArray)


def test_moving_between_devices(fake_cuda):
    check_moving(FakeArray)


def test_device_arrays_refuse_implicit_host_conversion(fake_cuda):
    check_no_implicit_host_conversion()
    with pytest.raises(HostConversionError):
        np.asarray(ad.tensor([1.0], device="cuda").array)


def test_mixing_devices_is_a_clear_type_error(fake_cuda):
    check_mixing_devices()


def test_host_constants_are_lifted_onto_the_device(fake_cuda):
    check_host_constants()


def test_transforms_on_the_device(fake_cuda):
    check_transforms()


def test_anomaly_mode_on_the_device(fake_cuda):
    check_anomaly()


def test_a_small_conv_net_trains_without_touching_the_host(fake_cuda):
    check_conv_net(FakeArray)


def test_the_fake_backend_is_removed_afterwards():
    from autodiff import backend
    current = backend._BACKENDS.get("cuda")
    assert current is None or type(current.xp).__name__ != "FakeNamespace"
