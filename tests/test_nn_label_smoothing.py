"""cross_entropy(label_smoothing=e): PyTorch's values and gradients, for class indices (with
weights, ignore_index, spatial targets) and for probability targets; gradcheck in float64."""
import numpy as np
import pytest
from _nn_helpers import rng

import autodiff as ad
import nn
import nn.functional as F

SMOOTHINGS = (0.0, 0.05, 0.1, 0.5, 1.0)
REDUCTIONS = ("mean", "sum", "none")


def _log_softmax(x, axis=1):
    m = x.max(axis=axis, keepdims=True)
    return x - m - np.log(np.exp(x - m).sum(axis=axis, keepdims=True))


# Class-index cases: (logits shape, targets, weight or None, ignore_index).
INDEX_CASES = {
    "plain": ((5, 4), np.array([0, 3, 1, 1, 2]), None, -100),
    "weights": ((5, 4), np.array([0, 3, 1, 1, 2]), np.array([0.5, 1.0, 2.0, 0.25]), -100),
    "ignore_index with weights": ((5, 4), np.array([0, -1, 1, -1, 2]),
                                  np.array([0.5, 1.0, 2.0, 0.25]), -1),
    "ignore_index, a valid class": ((5, 4), np.array([0, 3, 1, 3, 2]), None, 3),
    "spatial": ((2, 3, 2, 2), np.array([[[0, 1], [2, 1]], [[2, 2], [0, 1]]]), None, -100),
    "unbatched": ((4,), np.array(2), None, -100),
}


def _ours(x, target, weight, ignore_index, reduction, smoothing):
    xt = ad.tensor(x, requires_grad=True)
    loss = F.cross_entropy(xt, target, weight=weight, ignore_index=ignore_index,
                           reduction=reduction, label_smoothing=smoothing)
    loss.sum().backward()
    return loss.numpy(), xt.grad.numpy()


def _theirs(torch, x, target, weight, ignore_index, reduction, smoothing):
    xt = torch.tensor(x, requires_grad=True)
    loss = torch.nn.functional.cross_entropy(
        xt, torch.tensor(target), weight=None if weight is None else torch.tensor(weight),
        ignore_index=ignore_index, reduction=reduction, label_smoothing=smoothing)
    loss.sum().backward()
    return loss.detach().numpy(), xt.grad.numpy()


@pytest.mark.parametrize("smoothing", SMOOTHINGS)
@pytest.mark.parametrize("reduction", REDUCTIONS)
@pytest.mark.parametrize("case", INDEX_CASES)
def test_class_index_targets_match_torch(case, reduction, smoothing):
    torch = pytest.importorskip("torch")
    shape, target, weight, ignore_index = INDEX_CASES[case]
    x = rng(1).standard_normal(shape) * 2
    got = _ours(x, target, weight, ignore_index, reduction, smoothing)
    want = _theirs(torch, x, target, weight, ignore_index, reduction, smoothing)
    for a, b in zip(got, want):
        np.testing.assert_allclose(a, b, rtol=1e-10, atol=1e-12)


@pytest.mark.parametrize("smoothing", SMOOTHINGS)
@pytest.mark.parametrize("reduction", REDUCTIONS)
@pytest.mark.parametrize("weighted", [False, True])
def test_probability_targets_match_torch(weighted, reduction, smoothing):
    torch = pytest.importorskip("torch")
    x = rng(2).standard_normal((4, 3, 2))
    p = rng(3).random((4, 3, 2))
    p /= p.sum(axis=1, keepdims=True)
    weight = np.array([2.0, 0.5, 1.0]) if weighted else None
    got = _ours(x, p, weight, -100, reduction, smoothing)
    want = _theirs(torch, x, p, weight, -100, reduction, smoothing)
    for a, b in zip(got, want):
        np.testing.assert_allclose(a, b, rtol=1e-10, atol=1e-12)


def test_the_formula_without_torch():
    """(1 - e) nll + e mean_c(-log p): the mix of the usual loss and a uniform target."""
    x = rng(4).standard_normal((6, 5))
    y = np.array([4, 0, 1, 1, 3, 2])
    logp = _log_softmax(x)
    nll = -logp[np.arange(6), y]
    for e in (0.1, 0.3):
        want = (1 - e) * nll + e * (-logp.mean(axis=1))
        got = F.cross_entropy(ad.tensor(x), y, reduction="none", label_smoothing=e).numpy()
        np.testing.assert_allclose(got, want, rtol=1e-12)
        mixed = (1 - e) * np.eye(5)[y] + e / 5          # the same as softened probabilities
        soft = F.cross_entropy(ad.tensor(x), ad.tensor(mixed), reduction="none").numpy()
        np.testing.assert_allclose(got, soft, rtol=1e-12)


@pytest.mark.parametrize("reduction", REDUCTIONS)
def test_gradcheck_in_float64(reduction):
    y = np.array([1, 0, -100, 2])
    w = np.array([0.5, 1.0, 2.0])
    assert ad.gradcheck(lambda x: F.cross_entropy(x, y, weight=w, reduction=reduction,
                                                  label_smoothing=0.2),
                        [rng(5).standard_normal((4, 3))])
    p = rng(6).random((4, 3))
    assert ad.gradcheck(lambda x: F.cross_entropy(x, ad.tensor(p), weight=w, reduction=reduction,
                                                  label_smoothing=0.3),
                        [rng(7).standard_normal((4, 3))])


def test_module_form_and_zero_smoothing_is_the_plain_loss():
    x = ad.tensor(rng(8).standard_normal((5, 4)))
    y = np.array([0, 3, 1, 1, 2])
    module = nn.CrossEntropyLoss(reduction="sum", label_smoothing=0.25)
    assert module.label_smoothing == 0.25
    assert module(x, y).item() == F.cross_entropy(x, y, reduction="sum",
                                                  label_smoothing=0.25).item()
    plain = F.cross_entropy(x, y).numpy().tobytes()
    assert F.cross_entropy(x, y, label_smoothing=0.0).numpy().tobytes() == plain
    assert nn.CrossEntropyLoss()(x, y).numpy().tobytes() == plain
    assert F.cross_entropy(x, y, label_smoothing=0.1).item() != F.cross_entropy(x, y).item()


def test_float32_stays_float32():
    x = ad.tensor(rng(9).standard_normal((3, 4)).astype(np.float32), requires_grad=True)
    loss = F.cross_entropy(x, np.array([0, 1, 3]), label_smoothing=0.1)
    loss.backward()
    assert loss.dtype == np.float32 and x.grad.dtype == np.float32


@pytest.mark.parametrize("bad", [-0.1, 1.5, float("nan"), "a lot"])
def test_label_smoothing_outside_0_1_is_refused(bad):
    x = ad.tensor(np.zeros((2, 3)))
    with pytest.raises(ValueError, match=r"cross_entropy: label_smoothing must be a number in "
                                         r"\[0, 1\]"):
        F.cross_entropy(x, np.array([0, 1]), label_smoothing=bad)
    with pytest.raises(ValueError, match="label_smoothing"):
        nn.CrossEntropyLoss(label_smoothing=bad)


def test_bad_targets_still_name_the_problem():
    x = ad.tensor(np.zeros((2, 3)))
    with pytest.raises(IndexError, match="out of range for 3 classes"):
        F.cross_entropy(x, np.array([0, 3]), label_smoothing=0.1)
    with pytest.raises(ValueError, match=r"probability targets must have the input's shape"):
        F.cross_entropy(x, np.ones((2, 4)), label_smoothing=0.1)
