"""Reverse mode as a user meets it: deep graphs, freed graphs, accumulation, fan-out,
no_grad, double backward and anomaly mode."""
from __future__ import annotations

import gc
import weakref

import numpy as np
import pytest

import autodiff as ad
from autodiff.reverse import topological_order


def test_a_chain_of_200_000_ops_backward_without_recursion():
    x = ad.tensor(2.0, requires_grad=True)
    y = x
    for _ in range(200_000):
        y = y * 1.0
    y.backward()
    assert x.grad.item() == 1.0


def test_topological_order_puts_consumers_first():
    x = ad.tensor([1.0], requires_grad=True)
    a = x * 2
    b = a + x
    c = b * a
    order = topological_order([c])
    position = {id(t): i for i, t in enumerate(order)}
    for node in order:
        for parent in node.inputs:
            if parent.requires_grad:
                assert position[id(node)] < position[id(parent)]
    assert order[0] is c and order[-1] is x


def test_backward_keeps_the_graph_while_the_output_is_held_then_refcounting_frees_it():
    gc.disable()                      # freed by reference counting alone, no cycle collector
    try:
        x = ad.tensor([1.0, 2.0], requires_grad=True)
        hidden = ad.exp(x * 3)
        ref = weakref.ref(hidden)
        loss = (hidden * 2).sum()
        del hidden
        assert ref() is not None      # kept alive by the graph
        loss.backward()
        assert ref() is not None      # still there for ad.draw(loss) (issue 16.1)
        del loss
        assert ref() is None
    finally:
        gc.enable()
    np.testing.assert_allclose(x.grad.numpy(), 6 * np.exp(3 * np.array([1.0, 2.0])), rtol=1e-6)


def test_a_dropped_graph_is_freed_without_backward():
    gc.disable()
    try:
        x = ad.tensor([1.0, 2.0], requires_grad=True)
        hidden = ad.tanh(x)
        ref = weakref.ref(hidden)
        loss = hidden.sum()
        del hidden, loss
        assert ref() is None
    finally:
        gc.enable()


def test_second_backward_without_retain_graph_is_a_clear_error():
    x = ad.tensor([1.0, 2.0], requires_grad=True)
    loss = (x * x).sum()
    loss.backward()
    with pytest.raises(RuntimeError, match=r"(?s)sum.*retain_graph=True"):
        loss.backward()


def test_retain_graph_allows_a_second_backward_and_gradients_accumulate():
    x = ad.tensor([1.0, 2.0], requires_grad=True)
    loss = (x * x).sum()
    loss.backward(retain_graph=True)
    np.testing.assert_allclose(x.grad.numpy(), [2.0, 4.0])
    loss.backward()
    np.testing.assert_allclose(x.grad.numpy(), [4.0, 8.0])


def test_accumulation_over_two_graphs_and_zero_grad():
    w = ad.tensor(3.0, requires_grad=True)
    (w * 2).backward()
    (w * w).backward()
    assert w.grad.item() == 2 + 6
    w.zero_grad()
    assert w.grad is None


def test_fan_out_sums_the_gradients():
    x = ad.tensor(2.0, requires_grad=True)
    y = x * x             # used three times below
    z = y + y * x + ad.sin(y)
    z.backward()
    expected = 2 * 2 + 3 * 2 ** 2 + np.cos(4.0) * 2 * 2
    assert x.grad.item() == pytest.approx(expected, rel=1e-6)


def test_the_same_tensor_on_both_sides():
    x = ad.tensor([1.5], requires_grad=True)
    (x * x * x).sum().backward()
    assert x.grad.item() == pytest.approx(3 * 1.5 ** 2)


def test_broadcast_gradients_are_reduced_to_the_input_shape():
    a = ad.tensor(np.ones((2, 1, 3)), requires_grad=True)
    b = ad.tensor(np.ones((4, 1)), requires_grad=True)
    c = ad.tensor(2.0, requires_grad=True)
    (a * b * c).sum().backward()
    assert a.grad.shape == (2, 1, 3) and np.all(a.grad.numpy() == 8.0)
    assert b.grad.shape == (4, 1) and np.all(b.grad.numpy() == 12.0)
    assert c.grad.shape == () and c.grad.item() == 24.0


def test_no_grad_records_nothing():
    x = ad.tensor([1.0, 2.0], requires_grad=True)
    with ad.no_grad():
        y = x * 2 + 1
        assert not ad.is_grad_enabled()
        with ad.enable_grad():
            z = x * 2
    assert ad.is_grad_enabled()
    assert not y.requires_grad and y.op is None and y.inputs == ()
    assert z.requires_grad and z.op.name == "mul"

    @ad.no_grad()
    def step(t):
        return t * 3
    assert not step(x).requires_grad


def test_detach_cuts_the_graph():
    x = ad.tensor([1.0, 2.0], requires_grad=True)
    y = (x * 2).detach()
    assert not y.requires_grad and y.is_leaf
    (x * y).sum().backward()
    np.testing.assert_allclose(x.grad.numpy(), [2.0, 4.0])


def test_non_leaf_gradients_are_kept_only_on_request():
    x = ad.tensor([1.0, 2.0], requires_grad=True)
    h = x * 3
    k = (x * 4).retain_grad()
    (h * k).sum().backward()
    assert h.grad is None
    np.testing.assert_allclose(k.grad.numpy(), [3.0, 6.0])


def test_create_graph_gives_double_backward():
    x = ad.tensor(1.5, dtype=ad.float64, requires_grad=True)
    y = x ** 3 + ad.sin(x)
    y.backward(create_graph=True)
    first = x.grad
    assert first.requires_grad
    assert first.item() == pytest.approx(3 * 1.5 ** 2 + np.cos(1.5))
    x.grad = None
    first.backward()
    assert x.grad.item() == pytest.approx(6 * 1.5 - np.sin(1.5))


def test_gradients_function_is_torch_autograd_grad():
    x = ad.tensor([1.0, 2.0], dtype=ad.float64, requires_grad=True)
    w = ad.tensor([3.0, 4.0], dtype=ad.float64, requires_grad=True)
    y = (x * w).sum()
    gx, gw = ad.gradients(y, [x, w])
    np.testing.assert_array_equal(gx.numpy(), [3.0, 4.0])
    np.testing.assert_array_equal(gw.numpy(), [1.0, 2.0])
    assert x.grad is None and w.grad is None            # .grad untouched
    unused = ad.tensor([0.0], requires_grad=True)
    z = (x * 2).sum()
    assert ad.gradients(z, unused).numpy().tolist() == [0.0]


def test_backward_with_an_explicit_gradient():
    x = ad.tensor([1.0, 2.0], requires_grad=True)
    (x * x).backward(ad.tensor([1.0, 10.0]))
    np.testing.assert_allclose(x.grad.numpy(), [2.0, 40.0])
    y = ad.tensor([1.0, 2.0], requires_grad=True)
    (y * 3).backward([1.0, 1.0])                        # plain data is accepted too
    np.testing.assert_allclose(y.grad.numpy(), [3.0, 3.0])


# ---- anomaly mode ---------------------------------------------------------------------------
def _line_of(marker: str) -> int:
    with open(__file__) as f:
        return next(i for i, line in enumerate(f, 1) if marker in line and "_line_of" not in line)


def test_detect_anomaly_names_the_op_and_line_of_a_forward_nan():
    x = ad.tensor([1.0, -1.0], requires_grad=True)
    with ad.detect_anomaly(), pytest.raises(FloatingPointError) as info, \
            np.errstate(invalid="ignore"):
        ad.log(x - 1.5)  # ANOMALY-FORWARD
    message = str(info.value)
    assert "'log'" in message and "forward" in message
    assert f"test_core_reverse.py:{_line_of('ANOMALY-FORWARD')}" in message


def test_detect_anomaly_names_the_op_and_line_of_a_backward_nan():
    x = ad.tensor([0.0, 4.0], requires_grad=True)
    with ad.detect_anomaly():
        y = ad.sqrt(x)  # ANOMALY-BACKWARD
        loss = y.sum()
        with pytest.raises(FloatingPointError) as info, np.errstate(divide="ignore"):
            loss.backward()
    message = str(info.value)
    assert "'sqrt'" in message and "backward" in message
    assert f"test_core_reverse.py:{_line_of('ANOMALY-BACKWARD')}" in message


def test_detect_anomaly_is_off_outside_and_quiet_when_all_is_finite():
    with ad.detect_anomaly():
        x = ad.tensor([1.0, 4.0], requires_grad=True)
        ad.sqrt(x).sum().backward()
    np.testing.assert_allclose(x.grad.numpy(), [0.5, 0.25])
    with np.errstate(divide="ignore"):
        assert np.isinf(ad.log(ad.tensor([0.0])).numpy()[0])   # no anomaly mode: no error
