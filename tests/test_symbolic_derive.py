"""ad.derive on scalars: the textbook example, every step's chain rule, fan-in and broadcast
steps, forward against reverse mode, values at numbers, costs and clear errors."""
from __future__ import annotations

import numpy as np
import pytest
import sympy

import autodiff as ad


def classic():
    w0, x0, w1, x1, w2 = ad.symbols("w0 x0 w1 x1 w2")
    return (w0, x0, w1, x1, w2), ad.sigmoid(w0 * x0 + w1 * x1 + w2)


CLASSIC_AT = {"w0": 2, "x0": -1, "w1": -3, "x1": -2, "w2": -3}


def numeric(value, at=None):
    value = sympy.sympify(value)
    return float(value.subs(at) if at else value)


def test_the_textbook_example_gives_the_textbook_numbers():
    leaves, L = classic()
    d = ad.derive(L).at(CLASSIC_AT)
    assert round(float(d.value), 2) == 0.73
    expected = {"w0": -0.20, "x0": 0.39, "w1": -0.39, "x1": -0.59, "w2": 0.20}
    for leaf in leaves:
        assert round(float(d.gradients[leaf]), 2) == expected[leaf.name]
    assert {k: round(float(v), 2) for k, v in d.gradients.by_name().items()} == expected


def test_one_step_per_edge_in_backward_order_and_each_is_upstream_times_local():
    _, L = classic()
    d = ad.derive(L)
    edges = [(s.node_name, s.input_name) for s in d.steps]
    assert edges == [("L", "v4"), ("v4", "v3"), ("v4", "w2"), ("v3", "v1"), ("v3", "v2"),
                     ("v2", "w1"), ("v2", "x1"), ("v1", "w0"), ("v1", "x0")]
    assert d.steps[0].upstream == 1                     # dL/dL at the loss
    for step in d.steps + d.at(CLASSIC_AT).steps:
        assert step.kind == "chain" and step.verify()
        assert sympy.expand(step.downstream_form - step.upstream_form * step.local_form) == 0


def test_sigmoid_local_gradient_is_written_a_times_one_minus_a():
    z = ad.symbols("z")
    d = ad.derive(ad.sigmoid(z))
    (step,) = d.steps
    a = sympy.Symbol(step.node_name, real=True)
    assert sympy.expand(step.local_form - a * (1 - a)) == 0
    zs = z.array[()]
    exact = sympy.diff(1 / (1 + sympy.exp(-zs)), zs)
    assert sympy.simplify(step.local - exact) == 0
    assert "L*(1 - L)" in d.text()


def test_the_rule_of_each_edge_is_the_primitives_latex_line():
    _, L = classic()
    d = ad.derive(L)
    assert d.steps[0].rule == ad.PRIMITIVES["sigmoid"].latex
    mul_rules = [s.rule for s in d.steps if s.op == "mul"]
    assert mul_rules[0] == r"\bar{x} = \bar{y}\, z" and mul_rules[1] == r"\bar{z} = \bar{y}\, x"


def test_a_node_with_several_consumers_sums_their_contributions_in_its_own_step():
    x, b = ad.symbols("x b")
    d = ad.derive(x * x + ad.exp(x) * b)
    sums = [s for s in d.steps if s.kind == "sum"]
    assert len(sums) == 1 and sums[0].node is x and len(sums[0].upstream) == 3
    assert sums[0].verify()
    xs, bs = x.array[()], b.array[()]
    assert sympy.simplify(d.gradients[x] - (2 * xs + bs * sympy.exp(xs))) == 0
    assert d.steps.index(sums[0]) == len(d.steps) - 1    # after every contribution arrived


def test_broadcasting_is_undone_in_its_own_step():
    X = ad.symbols("X", shape=(2, 3))
    c = ad.symbols("c", shape=(3,))
    d = ad.derive((X * c).sum())
    (unbroadcast,) = [s for s in d.steps if s.kind == "unbroadcast"]
    assert unbroadcast.node is c and unbroadcast.axes == (0,) and unbroadcast.verify()
    grad_c = d.gradients[c]
    for j in range(3):
        assert sympy.expand(grad_c[j] - (X.array[0, j] + X.array[1, j])) == 0
    assert all(s.verify() for s in d.steps)


def test_forward_and_reverse_modes_agree():
    leaves, L = classic()
    reverse = ad.derive(L)
    rng = np.random.default_rng(0)
    point = {leaf.array[()]: sympy.Rational(int(rng.integers(-9, 9)), 4) for leaf in leaves}
    for leaf in leaves:
        forward = ad.derive(L, mode="forward", wrt=leaf)
        assert all(s.verify() for s in forward.steps)
        assert numeric(forward.gradients[leaf], point) == pytest.approx(
            numeric(reverse.gradients[leaf], point), rel=1e-12)
        at = forward.at(CLASSIC_AT)
        assert float(at.gradients[leaf.name]) == pytest.approx(
            float(reverse.at(CLASSIC_AT).gradients[leaf.name]), rel=1e-12)


def test_forward_mode_pushes_the_tangent_from_the_input():
    x, y = ad.symbols("x y")
    d = ad.derive(x * y + ad.exp(x), mode="forward", wrt=x)
    assert d.steps[0].input is x and d.steps[0].upstream == 1      # dx/dx
    assert [s.kind for s in d.steps][-1] == "sum"
    xs, ys = x.array[()], y.array[()]
    assert sympy.simplify(d.gradients[x] - (ys + sympy.exp(xs))) == 0
    with pytest.raises(ValueError, match="wrt="):
        ad.derive(x * y, mode="forward")


def test_gradients_are_keyed_by_tensor_symbol_and_name():
    x, b = ad.symbols("x b")
    d = ad.derive(x * b)
    assert d.gradients[x] == d.gradients[x.array[()]] == d.gradients["x"] == b.array[()]
    assert d.gradients[sympy.Symbol("x")] == b.array[()]      # a symbol without assumptions
    assert list(d.gradients) == [x, b] and x in d.gradients
    K = ad.symbols("K", shape=(2, 2))
    dk = ad.derive((K * K).sum())
    grad = dk.gradients[K]
    assert isinstance(grad, sympy.NDimArray) and grad.shape == (2, 2)
    assert dk.gradients[K.array[0, 1]] == 2 * K.array[0, 1]
    with pytest.raises(KeyError, match="gradients for K"):
        dk.gradients["nope"]


def test_at_takes_tensors_symbols_or_names_and_reports_values():
    (w0, x0, _, x1, w2), L = classic()
    by_mixed = ad.derive(L).at({w0: 2, x0.array[()]: -1, "w1": -3, x1: -2.0, w2: -3})
    assert by_mixed.values["x1"] == -2 and by_mixed.numeric
    text = by_mixed.text()
    assert "v1 = w0 * x0     = -2" in text and "= 0.7311" in text and "-0.5898" in text
    assert float(by_mixed.gradients[x1]) == pytest.approx(-0.5898, abs=1e-4)


def test_at_errors_are_clear():
    x, y = ad.symbols("x y")
    d = ad.derive(ad.log(x) * y)
    with pytest.raises(ValueError, match="unknown name 'q'"):
        d.at({"q": 1, "x": 1, "y": 1})
    with pytest.raises(ValueError, match="no value for y"):
        d.at({"x": 1})
    with pytest.raises(ValueError, match="log.*not a real number"):
        d.at({"x": -2, "y": 1})
    with pytest.raises(ValueError, match="sqrt: the local gradient .* undefined"):
        ad.derive(ad.sqrt(x)).at({x: 0})
    K = ad.symbols("K", shape=(2,))
    with pytest.raises(ValueError, match=r"shape \(2,\)"):
        ad.derive(K.sum()).at({K: [1, 2, 3]})


def test_derive_refuses_what_it_cannot_read():
    with pytest.raises(TypeError, match="symbolic tensors"):
        ad.derive(ad.tensor([1.0, 2.0], requires_grad=True).sum())
    x = ad.symbols("x")
    out = x * x
    ad.gradients(out, [x])                     # keeps structure and values (issue 16.1)
    assert ad.derive(out).gradients[x] == 2 * x.array[()]
    with pytest.raises(ValueError, match="mode"):
        ad.derive(x * 2, mode="sideways")
    with pytest.raises(ValueError, match="not an input"):
        ad.derive(x * 2, wrt="y")


def test_cost_counts_products_per_mode():
    _, L = classic()
    cost = ad.derive(L).cost()
    assert (cost.inputs, cost.outputs) == (5, 1)
    assert cost.reverse == cost.per_pass and cost.forward == 5 * cost.per_pass
    assert "cheaper: reverse mode" in str(cost)
    x = ad.symbols("x")
    wide = ad.derive(ad.exp(x) * ad.tensor(np.array([1, 2, 3], dtype=object)))   # R^1 -> R^3
    c = wide.cost()
    assert (c.inputs, c.outputs) == (1, 3) and c.forward < c.reverse


SCALAR_CASES = {
    "add": lambda x, y: x + y, "sub": lambda x, y: x - y, "mul": lambda x, y: x * y,
    "div": lambda x, y: x / y, "power": lambda x, y: x ** y, "neg": lambda x, y: -x,
    "exp": lambda x, y: ad.exp(x), "log": lambda x, y: ad.log(x), "sqrt": lambda x, y: ad.sqrt(x),
    "sin": lambda x, y: ad.sin(x), "cos": lambda x, y: ad.cos(x), "tanh": lambda x, y: ad.tanh(x),
    "sigmoid": lambda x, y: ad.sigmoid(x), "relu": lambda x, y: ad.relu(x),
    "leaky_relu": lambda x, y: ad.leaky_relu(x, 0.1), "abs": lambda x, y: abs(x),
    "clip": lambda x, y: ad.clip(x, -1, 2), "maximum": lambda x, y: ad.maximum(x, y),
    "minimum": lambda x, y: ad.minimum(x, y), "where": lambda x, y: ad.where(x > 1, x, y),
}
CONSTANT = ad.tensor(np.array([[1, -2], [3, 5], [-1, 4]], dtype=object))     # 3x2, no gradient
TENSOR_CASES = {
    "sum": lambda X: X.sum(axis=0), "max": lambda X: X.amax(axis=1),
    "logsumexp": lambda X: ad.logsumexp(X, axis=1), "matmul": lambda X: X @ CONSTANT,
    "transpose": lambda X: X.T, "reshape": lambda X: X.reshape(6),
    "getitem": lambda X: X[1, ::2], "getitem_scalar": lambda X: X[1, 2],
    "pad": lambda X: ad.pad(X, 1),
    "concatenate": lambda X: ad.concatenate([X, CONSTANT.T], axis=0),
    "broadcast_to": lambda X: ad.broadcast_to(X, (2, 2, 3)),
}


def _jacobian_of(step) -> np.ndarray:
    local = np.array(step.local.tolist() if hasattr(step.local, "tolist") else step.local,
                     dtype=object)
    if step.local_kind == "elementwise":
        out = np.zeros(local.shape * 2, dtype=object)
        for k in np.ndindex(*local.shape):
            out[k + k] = local[k]
        return out
    return local


@pytest.mark.parametrize("name", list(SCALAR_CASES) + list(TENSOR_CASES))
def test_each_local_gradient_is_sympy_diff_of_the_forward(name):
    """Locals read off the VJP rules equal d out / d input from sympy.diff (checked at numbers)."""
    rng = np.random.default_rng(1)
    if name in SCALAR_CASES:
        x, y = ad.symbols("x y")
        leaves, out = [x, y], SCALAR_CASES[name](x, y)
    else:
        X = ad.symbols("X", shape=(2, 3))
        leaves, out = [X], TENSOR_CASES[name](X)
    assert out._op is not None
    d = ad.derive(out)
    leaf_steps = [s for s in d.steps if s.kind == "chain" and any(s.input is t for t in leaves)
                  and s.node is out]
    assert leaf_steps, "the op's own edge is in the derivation"
    for step in leaf_steps:
        jac = _jacobian_of(step)
        node, leaf = np.asarray(out.array, dtype=object), np.asarray(step.input.array, dtype=object)
        if jac.shape != node.shape + leaf.shape:
            continue                                          # a broadcast edge
        symbols = [s for t in leaves for s in np.asarray(t.array, dtype=object).flat]
        point = {s: sympy.Rational(int(rng.integers(5, 30)), 10) for s in symbols}
        if name in ("max", "clip", "where"):
            point = {s: sympy.Rational(int(v), 7) for s, v in
                     zip(symbols, rng.permutation(len(symbols)) + 3)}
        for j in np.ndindex(*node.shape):
            for k in np.ndindex(*leaf.shape):
                expected = sympy.diff(node[j], leaf[k])
                got, want = (sympy.sympify(e).subs(point) for e in (jac[j + k], expected))
                want = want.rewrite(sympy.Piecewise).doit() if want.has(sympy.Heaviside) else want
                assert float(got) == pytest.approx(float(want), rel=1e-9, abs=1e-12), (j, k)
    assert all(s.verify() for s in d.steps)
