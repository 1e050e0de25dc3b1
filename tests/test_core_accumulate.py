"""Fan-out gradients are summed in place only when nobody else can see the memory."""
import numpy as np

import autodiff as ad
from autodiff.ops import elementwise

RNG = np.random.default_rng(0)


def count_adds(monkeypatch):
    calls = []
    forward = elementwise.ADD.forward
    monkeypatch.setattr(elementwise.ADD, "forward",
                        lambda *a, **k: calls.append(1) or forward(*a, **k))
    return calls


def test_x_times_x_sums_its_two_gradients_in_place(monkeypatch):
    x = ad.tensor(RNG.standard_normal(5), requires_grad=True)
    y = x * x
    adds = count_adds(monkeypatch)
    y.backward(ad.tensor(np.ones(5)))
    np.testing.assert_allclose(x.grad.numpy(), 2 * x.numpy())
    assert adds == []                      # g*x went into the other g*x's memory


def test_a_gradient_routed_to_two_places_is_never_written_in_place():
    x = ad.tensor(RNG.standard_normal(4), requires_grad=True)
    seed = np.ones(4)
    (x + x).backward(ad.tensor(seed))      # add's rule hands the same g to both inputs
    np.testing.assert_array_equal(seed, np.ones(4))
    np.testing.assert_array_equal(x.grad.numpy(), 2 * np.ones(4))


def test_a_kept_gradient_is_not_changed_by_later_accumulation():
    x = ad.tensor(RNG.standard_normal(3), requires_grad=True)
    u = x * 2
    m = u + 1                              # m's gradient flows on to u unchanged (the same g)
    m.retain_grad()
    (ad.sum(m * 3) + ad.sum(u * 5)).backward()
    np.testing.assert_array_equal(m.grad.numpy(), np.full(3, 3.0))
    np.testing.assert_array_equal(x.grad.numpy(), np.full(3, 16.0))


def test_recorded_backward_passes_keep_every_value(monkeypatch):
    x = ad.tensor(RNG.standard_normal(3), requires_grad=True)
    y = x * x
    adds = count_adds(monkeypatch)
    (g,) = ad.gradients(ad.sum(y), [x], create_graph=True)
    assert len(adds) == 1                  # recorded as an add node, not written in place
    (gg,) = ad.gradients(ad.sum(g), [x])
    np.testing.assert_allclose(gg.numpy(), np.full(3, 2.0))
