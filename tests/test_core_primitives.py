"""Tests generated from the primitive table (see ``test_core_spec.py`` for the inputs).

For every primitive: the forward against NumPy; and for every differentiable one: a float64
gradcheck and gradgradcheck over random shapes (with broadcasting), the adjoint identity
<jvp(u), v> = <u, vjp(v)> tying forward mode to reverse mode, and the symbolic rule against
``sympy.diff`` of the symbolic forward.
"""
from __future__ import annotations

import numpy as np
import pytest
import sympy
from hypothesis import given, settings
from hypothesis import strategies as st
from test_core_spec import SPECS

import autodiff as ad

ALL = sorted(SPECS)
DIFFERENTIABLE = sorted(n for n, s in SPECS.items() if s.differentiable)
NOT_DIFFERENTIABLE = sorted(n for n, s in SPECS.items() if not s.differentiable)
FEW = settings(max_examples=15, deadline=None)


def draw_case(name, data):
    s = SPECS[name]
    structure = data.draw(s.shapes, label="structure")
    seed = data.draw(st.integers(0, 2**32 - 1), label="seed")
    return s.build(structure, np.random.default_rng(seed))


def as_function(case):
    """The case as a function of its float inputs only (constants closed over)."""
    return lambda *xs: case.call(*xs, *case.consts)


@pytest.mark.parametrize("name", ALL)
@FEW
@given(data=st.data())
def test_forward_matches_numpy(name, data):
    case = draw_case(name, data)
    out = case.call(*[ad.tensor(a) for a in case.arrays], *case.consts)
    expected = np.asarray(case.ref(*case.arrays, *case.consts))
    assert out.shape == expected.shape
    np.testing.assert_allclose(out.numpy(), expected, rtol=1e-12, atol=1e-12)
    if SPECS[name].differentiable:
        assert out.dtype == np.float64            # float64 in, float64 out


@pytest.mark.parametrize("name", NOT_DIFFERENTIABLE)
def test_non_differentiable_outputs_record_nothing(name):
    s = SPECS[name]
    case = s.build(s.default, np.random.default_rng(0))
    out = case.call(*[ad.tensor(a, requires_grad=True) for a in case.arrays], *case.consts)
    assert not out.requires_grad and out.op is None
    with pytest.raises(RuntimeError, match="does not require a gradient"):
        out.sum().backward()


@pytest.mark.parametrize("name", DIFFERENTIABLE)
@FEW
@given(data=st.data())
def test_gradcheck(name, data):
    case = draw_case(name, data)
    assert ad.gradcheck(as_function(case), case.arrays)


@pytest.mark.parametrize("name", DIFFERENTIABLE)
@settings(max_examples=6, deadline=None)
@given(data=st.data())
def test_gradgradcheck(name, data):
    case = draw_case(name, data)
    assert ad.gradgradcheck(as_function(case), case.arrays)


@pytest.mark.parametrize("name", DIFFERENTIABLE)
@FEW
@given(data=st.data())
def test_adjoint_identity(name, data):
    """Forward mode (J u) and reverse mode (vᵀ J) are transposes: <J u, v> = <u, Jᵀ v>."""
    case = draw_case(name, data)
    rng = np.random.default_rng(data.draw(st.integers(0, 2**16), label="direction seed"))
    f = as_function(case)
    u = [rng.standard_normal(a.shape) for a in case.arrays]
    out, tangent = ad.jvp(f, [ad.tensor(a) for a in case.arrays], [ad.tensor(t) for t in u])
    v = rng.standard_normal(out.shape)
    out2, vjp_fn = ad.vjp(f, *[ad.tensor(a) for a in case.arrays])
    cotangents = vjp_fn(ad.tensor(v))
    np.testing.assert_allclose(out.numpy(), out2.numpy())
    assert tangent.shape == out.shape
    assert all(c.shape == a.shape for c, a in zip(cotangents, case.arrays))
    forward = np.sum(tangent.numpy() * v)
    reverse = sum(np.sum(ui * c.numpy()) for ui, c in zip(u, cotangents))
    assert forward == pytest.approx(reverse, rel=1e-9, abs=1e-9)


# ---- the symbolic rule is the derivative of the symbolic forward ------------------------------
def _numerically_zero(expr, values, rng, points=2) -> bool:
    """``expr`` vanishes at the case's own point and at nearby points (same domain)."""
    symbols = sorted(expr.free_symbols, key=str)
    for k in range(points):
        scale = 1 + 0.01 * k * rng.standard_normal(len(symbols))
        at = {s: values.get(s, 0.7 * rng.standard_normal()) * f for s, f in zip(symbols, scale)}
        number = complex(expr.subs(at).evalf())
        if abs(number) > 1e-9:
            return False
    return True


PIECEWISE = (sympy.Piecewise, sympy.Heaviside, sympy.Max, sympy.Min, sympy.Abs, sympy.sign)


def _agree(actual, expected, values, rng) -> bool:
    """Algebra first (simplify to 0); piecewise or large expressions, where simplify is slow
    or cannot decide, are compared numerically at the case's points instead."""
    difference = actual - expected
    if difference == 0:
        return True
    if not difference.has(*PIECEWISE) and sympy.count_ops(difference) <= 40 \
            and sympy.simplify(difference) == 0:
        return True
    return _numerically_zero(difference, values, rng)


SYMBOLIC = [n for n in DIFFERENTIABLE if not SPECS[n].symbolic]


@pytest.mark.parametrize("name", SYMBOLIC)
def test_symbolic_rule_equals_sympy_diff(name):
    """The VJP with a symbolic upstream g equals sum_j g_j d out_j / d x_i, element by element."""
    s = SPECS[name]
    assert not s.no_symbolic(s.default), "the default structure must be symbolic-capable"
    rng = np.random.default_rng(1)
    case = s.build(s.default, rng)
    xs = [ad.symbols(f"x{k}", shape=a.shape) for k, a in enumerate(case.arrays)]
    out = case.call(*xs, *case.consts)
    assert out.device == "sympy"
    g = ad.symbols("g", shape=out.shape)
    grads = ad.gradients(out, xs, grad_outputs=g)
    values = {}
    for x, a in zip(xs, case.arrays):
        values.update({x.array[i]: float(a[i]) for i in np.ndindex(a.shape)})
    upstream = [(g.array[j], out.array[j]) for j in np.ndindex(out.shape)]
    for k, (x, dx) in enumerate(zip(xs, grads)):
        assert dx.shape == x.shape
        for i in np.ndindex(x.shape):
            expected = sum((gj * sympy.diff(oj, x.array[i]) for gj, oj in upstream),
                           sympy.Integer(0))
            assert _agree(sympy.sympify(dx.array[i]), expected, values, rng), \
                f"{name}: input {k} element {i}: rule {dx.array[i]} != {expected}"


def test_symbolic_skips_say_why():
    skipped = [n for n in DIFFERENTIABLE if SPECS[n].symbolic]
    assert all(SPECS[n].symbolic.strip() for n in skipped)
