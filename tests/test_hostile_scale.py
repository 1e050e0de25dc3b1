"""Issue 15.8: backward through stack/concatenate of n pieces is linear (one rule slices the
gradient for every piece at once), and derive() builds a step's quantities in the leaves only
when read."""
from __future__ import annotations

import numpy as np

import autodiff as ad
from autodiff.ops import shape
from autodiff.reverse import topological_order


def test_backward_of_a_join_of_many_pieces_slices_the_gradient_in_one_call(monkeypatch):
    n = 5000
    xs = [ad.tensor(float(i), requires_grad=True) for i in range(n)]
    stacked = ad.stack(xs)
    np.testing.assert_array_equal(stacked.numpy(), np.arange(n, dtype=np.float32))
    out = (stacked * ad.tensor(np.arange(n, dtype=np.float32))).sum()
    per_piece = []      # each per-piece rule is handed all n inputs: n calls would cost n^2
    monkeypatch.setattr(shape.CONCATENATE, "vjp",
                        lambda i: per_piece.append(i) or shape._concatenate_rule(i))
    out.backward()
    assert per_piece == []
    np.testing.assert_array_equal([x.grad.item() for x in xs], np.arange(n))


def test_concatenate_of_uneven_pieces_keeps_values_and_gradients():
    rng = np.random.default_rng(0)
    arrays = [rng.normal(size=(2, int(k % 3) + 1)) for k in range(200)]
    pieces = [ad.tensor(a, requires_grad=True) for a in arrays]
    joined = ad.concatenate(pieces, axis=1)
    np.testing.assert_allclose(joined.numpy(), np.concatenate(arrays, axis=1))
    weights = rng.normal(size=joined.shape)
    (joined * ad.tensor(weights)).sum().backward()
    starts = np.cumsum([0] + [a.shape[1] for a in arrays])
    for k, p in enumerate(pieces):
        np.testing.assert_allclose(p.grad.numpy(), weights[:, starts[k]:starts[k + 1]])


def mixed_graph(hidden: int):
    """A scalar MLP: mul, add, tanh, sigmoid and a sum over hidden units."""
    xs = ad.symbols("x0 x1 x2")
    out = None
    for j in range(hidden):
        z = ad.symbols(f"b{j}")
        for i, x in enumerate(xs):
            z = z + ad.symbols(f"w{j}_{i}") * x
        term = ad.symbols(f"v{j}") * ad.sigmoid(ad.tanh(z))
        out = term if out is None else out + term
    return out, xs


def test_derive_builds_values_in_the_leaves_only_when_read():
    out, (x0, _, _) = mixed_graph(3)
    d = ad.derive(out)
    assert all(not step.cache for step in d.steps)           # nothing built yet
    last = d.steps[-1]
    assert last.downstream is not None and last.cache           # built on reading
    assert d.steps[0].verify()
    assert d.gradients[x0] != 0


def test_derive_of_a_mixed_graph_of_hundreds_of_nodes_and_its_text():
    out, (x0, _, _) = mixed_graph(25)
    assert len(topological_order([out])) > 300
    d = ad.derive(out)
    text = d.text()
    assert text.count("  step ") == len(d.steps) and "dL/dx0 = " in text
    at = d.at({s: 0.5 for s in [n.tensor for n in d.graph.leaves]})
    assert float(at.gradients[x0]) == float(at.gradients[x0])          # a real number


def test_a_symbolic_chain_too_deep_for_sympy_is_a_clear_error():
    """SymPy recurses through an expression's depth; past a few hundred nested ops the error
    names the op and says what to do, instead of a traceback from deep inside SymPy."""
    import pytest
    x = ad.symbols("x")
    h = x
    with pytest.raises(RecursionError, match="nested too deeply for SymPy"):
        for k in range(3000):
            h = ad.tanh(h * 2 + 1) if k % 2 else ad.sigmoid(h) * x
