"""Batch norm's primitives beyond the table's generic checks: the moments handed back for
the running averages, the saved values reused by backward, and the errors."""
import numpy as np
import pytest

import autodiff as ad
from autodiff.ops import normalize as nz

RNG = np.random.default_rng(0)
AXES = (0, 2, 3)


def test_with_moments_returns_the_batch_mean_and_biased_variance():
    x = RNG.standard_normal((5, 3, 2, 2)) * 4 + 100       # a large mean: the stable formula
    out, mean, var = nz.normalize_affine_with_moments(ad.tensor(x), np.ones(3), np.zeros(3),
                                                      AXES)
    np.testing.assert_allclose(mean, x.mean(axis=AXES, keepdims=True), rtol=1e-14)
    np.testing.assert_allclose(var, x.var(axis=AXES, keepdims=True), rtol=1e-12)
    np.testing.assert_allclose(out.numpy(), ad.normalize(x, AXES).numpy(), rtol=1e-12)


def test_with_moments_differentiates_like_the_primitive_applied_directly():
    x, w, b = RNG.standard_normal((4, 3, 2, 2)), RNG.standard_normal(3), RNG.standard_normal(3)
    g = RNG.standard_normal(x.shape)
    results = []
    for make in (lambda *t: nz.normalize_affine_with_moments(*t, AXES)[0],
                 lambda *t: ad.normalize_affine(*t, AXES)):
        inputs = [ad.tensor(a, requires_grad=True) for a in (x, w, b)]
        results.append([d.numpy() for d in ad.gradients(make(*inputs), inputs, ad.tensor(g))])
    for one, other in zip(*results):
        np.testing.assert_array_equal(one, other)


def test_backward_reuses_the_saved_inverse_std_instead_of_computing_it(monkeypatch):
    x = ad.tensor(RNG.standard_normal((4, 3, 2, 2)), requires_grad=True)
    out = ad.normalize_affine(x, np.ones(3), np.zeros(3), AXES)
    calls = []
    monkeypatch.setattr(nz.INV_STD, "forward", lambda *a, **k: calls.append(a))
    monkeypatch.setattr(nz.NORMALIZE, "forward", lambda *a, **k: calls.append(a))
    ad.sum(out * out).backward()
    assert calls == [] and x.grad is not None


def test_second_derivative_through_the_saved_values():
    rng = np.random.default_rng(1)
    assert ad.gradgradcheck(lambda x, w, b: ad.normalize_affine(x, w, b, (0,)),
                            [rng.standard_normal((4, 2)), rng.standard_normal(2),
                             rng.standard_normal(2)])


def test_weight_of_the_wrong_shape_names_the_op_and_the_shapes():
    for make in (ad.normalize_affine, nz.normalize_affine_with_moments):
        with pytest.raises(ValueError, match=r"normalize_affine: .*\(3,\).*\(4,\)"):
            make(RNG.standard_normal((2, 3, 2, 2)), np.ones(4), np.zeros(4), AXES)


def test_inputs_on_different_devices_are_refused(fake_cuda):
    x = ad.tensor(RNG.standard_normal((2, 3, 2, 2)), device="cuda")
    out, mean, _ = nz.normalize_affine_with_moments(x, np.ones(3), np.zeros(3), AXES)
    assert out.device == "cuda" and type(mean) is not np.ndarray   # arrays join x's device
    with pytest.raises(TypeError, match="different devices"):
        nz.normalize_affine_with_moments(x, ad.tensor(np.ones(3)), np.zeros(3), AXES)


def test_batch_norms_fast_backward_equals_its_rules():
    """A plain backward takes normalize_affine's fused numeric path; a recorded one
    (create_graph) takes the graph rules: the same gradients, in the (C, H, W, N) memory
    order the convolutions leave."""
    rng = np.random.default_rng(3)
    chwn = rng.standard_normal((3, 4, 5, 6)) * 2 + 1
    x = ad.tensor(np.ascontiguousarray(chwn).transpose(3, 0, 1, 2), requires_grad=True)
    w = ad.tensor(rng.standard_normal(3), requires_grad=True)
    b = ad.tensor(rng.standard_normal(3), requires_grad=True)
    upstream = ad.tensor(rng.standard_normal((6, 3, 4, 5)))

    def grads(create_graph):
        out = nz.normalize_affine(x, w, b, (0, 2, 3))
        return [g.numpy() for g in ad.autograd.grad((out * upstream).sum(), [x, w, b],
                                                      create_graph=create_graph)]
    for fast, rule in zip(grads(False), grads(True)):
        np.testing.assert_allclose(fast, rule, rtol=1e-12, atol=1e-12)
