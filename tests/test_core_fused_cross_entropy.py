"""cross_entropy's common case is one primitive (autodiff/ops/crossentropy.py): it must give
what the composite (log_softmax, then nll_loss) gives, on both of its backward paths."""
import numpy as np
import pytest

import autodiff as ad
import nn

F = nn.functional
LOGITS = np.array([[0.0, -np.inf, 1.0], [2.0, 2.0, 2.0], [-np.inf, 0.0, -np.inf],
                   [1e3, -1e3, 0.0], [0.3, -0.2, 0.1]])
TARGET = np.array([2, 1, 1, 0, -100])


@pytest.mark.parametrize("reduction", ["mean", "sum"])
def test_the_fused_loss_equals_the_composite(reduction):
    fused_x = ad.tensor(LOGITS, requires_grad=True)
    composite_x = ad.tensor(LOGITS, requires_grad=True)
    fused = F.cross_entropy(fused_x, TARGET, reduction=reduction)
    assert fused.grad_fn is not None and fused._op.name == "softmax_cross_entropy"
    # a weight of ones gives the same numbers through the composite ops
    composite = F.cross_entropy(composite_x, TARGET, weight=np.ones(3), reduction=reduction)
    assert composite._op.name != "softmax_cross_entropy"
    np.testing.assert_allclose(fused.item(), composite.item(), rtol=1e-14)
    fused.backward()
    composite.backward()
    np.testing.assert_allclose(fused_x.grad.numpy(), composite_x.grad.numpy(), rtol=1e-14,
                               atol=1e-300)


def test_its_plain_backward_equals_its_graph_rule():
    """A plain backward computes from the saved log-probabilities; a recorded one runs the
    rule in graph ops (what double backward needs): the same gradient."""
    rng = np.random.default_rng(0)
    x = ad.tensor(rng.standard_normal((6, 4)), requires_grad=True)
    target = rng.integers(0, 4, 6)
    plain = ad.autograd.grad(F.cross_entropy(x, target), [x])[0].numpy()
    recorded = ad.autograd.grad(F.cross_entropy(x, target), [x], create_graph=True)[0]
    np.testing.assert_allclose(plain, recorded.numpy(), rtol=1e-13, atol=1e-15)
    assert recorded.requires_grad                    # and it can be differentiated again
    (hessian_row,) = ad.autograd.grad(recorded[0, 0], [x])
    assert np.isfinite(hessian_row.numpy()).all()


def test_a_fully_ignored_batch_is_nan_with_zero_gradients():
    x = ad.tensor(LOGITS[1:2], requires_grad=True)
    loss = F.cross_entropy(x, np.array([-100]))
    loss.backward()
    assert np.isnan(loss.item()) and (x.grad.numpy() == 0).all()
