"""After backward the graph stays while the output is held (draw shows backward's gradients),
its saved extras are freed, and a second backward raises PyTorch's error (issue 16.1)."""
from __future__ import annotations

import gc
import re
import weakref

import numpy as np
import pytest

import autodiff as ad


def neuron():
    w = ad.tensor([0.5, -1.0], requires_grad=True, name="w")
    x = ad.tensor([2.0, 3.0], name="x")
    hidden = ad.tanh(w * x)
    hidden.retain_grad()
    return w, hidden, (hidden * hidden).sum()


def test_draw_after_backward_shows_leaf_and_node_gradients_from_backward():
    w, hidden, loss = neuron()
    loss.backward()
    source = ad.draw(loss).source
    assert "gradients from backward()" in source
    for g in [*w.grad.numpy(), *hidden.grad.numpy()]:
        assert f"{g:.4g}" in source


def test_the_gradients_drawn_are_the_ones_backward_computed_not_new_ones():
    w, _, loss = neuron()
    loss.backward(gradient=ad.tensor(3.0))       # a seed a recomputation would not know
    source = ad.draw(loss).source
    assert f"grad [{w.grad.numpy()[0]:.4g}, " in source and "grad 3<" in source


def test_a_second_backward_still_raises_as_in_torch():
    *_, loss = neuron()
    loss.backward()
    with pytest.raises(RuntimeError, match="backward through the graph a second time"):
        loss.backward()
    torch = pytest.importorskip("torch")
    t = torch.tensor([1.0], requires_grad=True)
    out = t.exp().sum()
    out.backward()
    with pytest.raises(RuntimeError, match="backward through the graph a second time"):
        out.backward()


def test_retain_graph_allows_a_second_backward():
    w, _, loss = neuron()
    loss.backward(retain_graph=True)
    first = w.grad.numpy().copy()
    loss.backward()
    np.testing.assert_allclose(w.grad.numpy(), 2 * first)


def test_saved_extras_are_freed_but_structure_and_values_stay():
    x = ad.tensor(np.random.default_rng(0).standard_normal((1, 1, 6, 6)), requires_grad=True)
    k = ad.tensor(np.ones((2, 1, 3, 3)), requires_grad=True)
    out = ad.conv2d(x, k).sum()
    convs = [t for t in ad.reverse.topological_order([out]) if t._op is not None and t._op.saves]
    assert convs and all(any(s in t._params for s in t._op.saves) for t in convs)
    out.backward()
    assert all(not any(s in t._params for s in t._op.saves) for t in convs)
    assert all(t._inputs is not None and t.array is not None for t in convs)
    assert "conv" in ad.draw(out).source


def test_the_held_graph_is_freed_by_refcounting_when_the_output_goes():
    gc.disable()
    try:
        _, hidden, loss = neuron()
        ref = weakref.ref(hidden)
        del hidden
        loss.backward()
        source = ad.draw(loss).source
        assert ref() is not None and re.search("tanh", source)
        del loss, source
        assert ref() is None
    finally:
        gc.enable()


def test_create_graph_keeps_no_cycle_through_kept_gradients():
    gc.disable()
    try:
        x = ad.tensor([1.0, 2.0], requires_grad=True)
        y = ad.exp(x)
        ref = weakref.ref(y)
        loss = (y * y).sum()
        del y
        loss.backward(create_graph=True)
        del loss
        x.grad = None
        assert ref() is None
    finally:
        gc.enable()


def test_derive_after_backward_reads_the_kept_graph():
    a = ad.symbols("a")
    out = ad.sin(a) * a
    out.backward()
    assert ad.derive(out).gradients[a] == (ad.sin(a) * a).array[()].diff(a.array[()])
