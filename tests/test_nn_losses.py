"""Losses: closed forms, reductions, stability at huge logits, gradients, bad input."""
import numpy as np
import pytest
from _nn_helpers import rng

import autodiff as ad
import nn
import nn.functional as F


def t64(a):
    return ad.tensor(np.asarray(a, dtype=np.float64))


def log_softmax(x, axis=1):
    m = x.max(axis=axis, keepdims=True)
    return x - m - np.log(np.exp(x - m).sum(axis=axis, keepdims=True))


def test_mse_loss_reductions():
    a, b = rng().standard_normal((3, 4)), rng(1).standard_normal((3, 4))
    assert np.isclose(F.mse_loss(t64(a), t64(b)).item(), ((a - b) ** 2).mean())
    assert np.isclose(F.mse_loss(t64(a), t64(b), reduction="sum").item(), ((a - b) ** 2).sum())
    np.testing.assert_allclose(nn.MSELoss(reduction="none")(t64(a), t64(b)).numpy(), (a - b) ** 2)
    with pytest.raises(ValueError, match=r"input shape \(3, 1\) and target shape \(3,\)"):
        F.mse_loss(t64(np.ones((3, 1))), t64(np.ones(3)))
    with pytest.raises(ValueError, match="reduction must be one of"):
        nn.MSELoss(reduction="avg")


def test_cross_entropy_with_class_indices():
    x = rng(2).standard_normal((5, 4))
    y = np.array([0, 3, 1, 1, 2])
    picked = -log_softmax(x)[np.arange(5), y]
    assert np.isclose(F.cross_entropy(t64(x), ad.tensor(y)).item(), picked.mean())
    assert np.isclose(F.cross_entropy(t64(x), y, reduction="sum").item(), picked.sum())
    np.testing.assert_allclose(F.cross_entropy(t64(x), y, reduction="none").numpy(), picked)
    assert np.isclose(nn.CrossEntropyLoss()(t64(x), y).item(), picked.mean())


def test_cross_entropy_weights_ignore_index_and_spatial_targets():
    x = rng(3).standard_normal((4, 3))
    y = np.array([0, 2, -100, 2])
    w = np.array([1.0, 2.0, 0.5])
    logp = log_softmax(x)
    keep = y != -100
    losses = -w[y[keep]] * logp[np.arange(4)[keep], y[keep]]
    got = F.cross_entropy(t64(x), y, weight=t64(w)).item()
    assert np.isclose(got, losses.sum() / w[y[keep]].sum())
    images = rng(4).standard_normal((2, 3, 2, 2))
    labels = rng(5).integers(0, 3, (2, 2, 2))
    want = -np.take_along_axis(log_softmax(images), labels[:, None], axis=1).mean()
    assert np.isclose(F.cross_entropy(t64(images), labels).item(), want)


def test_cross_entropy_with_probabilities_and_unbatched_input():
    x = rng(6).standard_normal((3, 4))
    p = rng(7).random((3, 4))
    p /= p.sum(axis=1, keepdims=True)
    want = -(p * log_softmax(x)).sum(axis=1)
    np.testing.assert_allclose(F.cross_entropy(t64(x), t64(p), reduction="none").numpy(), want)
    assert np.isclose(F.cross_entropy(t64(x[0]), ad.tensor(np.array(2))).item(),
                      -log_softmax(x[:1])[0, 2])
    assert F.cross_entropy(t64(x[0]), t64(p[0]), reduction="none").shape == ()


def test_cross_entropy_is_stable_at_huge_logits():
    x = t64([[1e4, 0.0, -1e4], [0.0, 1e4, 1e4]])
    loss = F.cross_entropy(x, np.array([0, 1]), reduction="none")
    np.testing.assert_allclose(loss.numpy(), [0.0, np.log(2.0)], atol=1e-12)
    x = ad.tensor(np.array([[1e4, 0.0, -1e4]], dtype=np.float32), requires_grad=True)
    F.cross_entropy(x, np.array([2])).backward()
    assert np.isfinite(x.grad.numpy()).all()
    np.testing.assert_allclose(x.grad.numpy(), [[1.0, 0.0, -1.0]], atol=1e-6)


def test_cross_entropy_gradients():
    y = np.array([1, 0, 2])
    w = np.array([0.5, 1.0, 2.0])
    assert ad.gradcheck(lambda x: F.cross_entropy(x, y, weight=w), [rng(8).standard_normal((3, 3))])
    p = rng(9).random((3, 3))
    assert ad.gradcheck(lambda x, q: F.cross_entropy(x, q), [rng(10).standard_normal((3, 3)), p])


def test_cross_entropy_bad_targets():
    x = t64(np.zeros((2, 3)))
    with pytest.raises(IndexError, match="out of range for 3 classes"):
        F.cross_entropy(x, np.array([0, 3]))
    with pytest.raises(ValueError, match="needs target of shape \\(2,\\)"):
        F.cross_entropy(x, np.array([[0, 1]]))
    with pytest.raises(ValueError, match="one entry per class"):
        F.cross_entropy(x, np.array([0, 1]), weight=np.ones(2))


def test_nll_loss_is_cross_entropy_after_log_softmax():
    x = rng(11).standard_normal((4, 5))
    y = np.array([4, 0, 1, 1])
    a = F.nll_loss(F.log_softmax(t64(x), dim=1), y).item()
    assert np.isclose(a, F.cross_entropy(t64(x), y).item())
    assert np.isclose(nn.NLLLoss()(F.log_softmax(t64(x), dim=1), y).item(), a)


def test_bce_with_logits_matches_the_definition_and_is_stable():
    x = rng(12).standard_normal((4, 3))
    t = rng(13).random((4, 3))
    s = 1 / (1 + np.exp(-x))
    want = -(t * np.log(s) + (1 - t) * np.log(1 - s))
    np.testing.assert_allclose(F.binary_cross_entropy_with_logits(t64(x), t64(t),
                                                                  reduction="none").numpy(), want)
    pw = np.array([1.0, 2.0, 3.0])
    want_pw = -(pw * t * np.log(s) + (1 - t) * np.log(1 - s))
    got = nn.BCEWithLogitsLoss(pos_weight=t64(pw), reduction="sum")(t64(x), t64(t)).item()
    assert np.isclose(got, want_pw.sum())
    big = F.binary_cross_entropy_with_logits(t64([1e4, -1e4]), t64([0.0, 1.0]), reduction="none")
    np.testing.assert_allclose(big.numpy(), [1e4, 1e4])
    assert ad.gradcheck(lambda z: F.binary_cross_entropy_with_logits(z, t64(t), pos_weight=pw),
                        [x])


def test_bce_gradient_at_zero_logit_is_sigmoid_minus_target():
    z = ad.tensor(np.zeros(2), requires_grad=True)
    F.binary_cross_entropy_with_logits(z, t64([1.0, 0.0]), reduction="sum").backward()
    np.testing.assert_allclose(z.grad.numpy(), [-0.5, 0.5])
