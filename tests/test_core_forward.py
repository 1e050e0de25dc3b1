"""Forward mode and the functional transforms (grad, value_and_grad, vjp, jvp, jacobian,
hessian) against closed forms; gradcheck's own behaviour, including per-op blame."""
from __future__ import annotations

import numpy as np
import pytest

import autodiff as ad
from autodiff import reverse


def f64(a):
    return ad.tensor(np.asarray(a, dtype=np.float64))


X = np.array([0.3, -1.2, 2.0])
W = np.array([[1.0, 2.0], [-0.5, 0.25], [3.0, -1.0]])


def test_grad_of_a_closed_form():
    """d/dx sum(sin(x) * x^2) = cos(x) x^2 + 2 x sin(x)."""
    g = ad.grad(lambda x: (ad.sin(x) * x ** 2).sum())(f64(X))
    np.testing.assert_allclose(g.numpy(), np.cos(X) * X ** 2 + 2 * X * np.sin(X), rtol=1e-12)
    assert not g.requires_grad


def test_grad_argnums_and_plain_arrays():
    f = lambda x, w: (x @ w).sum()
    gx, gw = ad.grad(f, argnums=(0, 1))(X, W)
    np.testing.assert_allclose(gx.numpy(), W.sum(axis=1))
    np.testing.assert_allclose(gw.numpy(), np.repeat(X[:, None], 2, axis=1))
    np.testing.assert_allclose(ad.grad(f, argnums=1)(X, W).numpy(), gw.numpy())
    np.testing.assert_allclose(ad.grad(f, argnums=-1)(X, W).numpy(), gw.numpy())


def test_value_and_grad():
    value, g = ad.value_and_grad(lambda x: (x * x).sum())(f64(X))
    assert value.item() == pytest.approx(np.sum(X * X))
    np.testing.assert_allclose(g.numpy(), 2 * X)


def test_grad_of_grad_is_the_second_derivative():
    d2 = ad.grad(ad.grad(lambda x: x ** 3 + ad.exp(x)))(f64(0.7))
    assert d2.item() == pytest.approx(6 * 0.7 + np.exp(0.7), rel=1e-12)
    d3 = ad.grad(ad.grad(ad.grad(lambda x: ad.sin(x) * x)))(f64(0.7))
    assert d3.item() == pytest.approx(-3 * np.sin(0.7) - 0.7 * np.cos(0.7), rel=1e-12)


def test_grad_of_a_constant_function_is_zero():
    assert ad.grad(lambda x: ad.tensor(3.0))(f64(X)).numpy().tolist() == [0.0, 0.0, 0.0]


def test_vjp():
    out, vjp_fn = ad.vjp(lambda x, w: ad.tanh(x @ w), f64(X), f64(W))
    y = np.tanh(X @ W)
    np.testing.assert_allclose(out.numpy(), y)
    v = np.array([1.0, -2.0])
    gx, gw = vjp_fn(f64(v))
    local = v * (1 - y ** 2)
    np.testing.assert_allclose(gx.numpy(), W @ local, rtol=1e-12)
    np.testing.assert_allclose(gw.numpy(), np.outer(X, local), rtol=1e-12)
    gx2, _ = vjp_fn(f64(v))                       # callable again
    np.testing.assert_allclose(gx2.numpy(), gx.numpy())


def test_jvp():
    u = np.array([1.0, 0.5, -1.0])
    out, tangent = ad.jvp(lambda x: ad.exp(x) * x, (f64(X),), (f64(u),))
    np.testing.assert_allclose(out.numpy(), np.exp(X) * X)
    np.testing.assert_allclose(tangent.numpy(), (np.exp(X) * X + np.exp(X)) * u, rtol=1e-12)


def test_jvp_is_true_forward_mode(monkeypatch):
    """No reverse pass runs inside jvp: it pushes tangents through each op's JVP rule."""
    def no_reverse(*args, **kwargs):
        raise AssertionError("jvp ran a backward pass")
    monkeypatch.setattr(reverse, "run_backward", no_reverse)
    f = lambda x, w: ad.softmax(ad.relu(x @ w) + ad.logsumexp(x), axis=0).sum() * 2
    _, tangent = ad.jvp(f, (f64(X), f64(W)), (f64(np.ones(3)), f64(np.zeros((3, 2)))))
    assert tangent.shape == ()


@pytest.mark.parametrize("f", [
    lambda x: ad.tanh(x) * x[::-1],
    lambda x: ad.softmax(x),
    lambda x: ad.reshape(x, (3, 1)) @ ad.reshape(ad.exp(x), (1, 3)),
    lambda x: ad.amax(ad.stack([x, x * x]), axis=0),
], ids=["tanh", "softmax", "outer", "max"])
def test_jacobian_reverse_equals_forward(f):
    rev = ad.jacobian(f, mode="rev")(f64(X))
    fwd = ad.jacobian(f, mode="fwd")(f64(X))
    assert rev.shape == fwd.shape == f(f64(X)).shape + X.shape
    np.testing.assert_allclose(rev.numpy(), fwd.numpy(), rtol=1e-12, atol=1e-12)


def test_jacobian_closed_form():
    """y = W^T x  ->  J = W^T."""
    jac = ad.jacobian(lambda x: x @ f64(W))(f64(X))
    np.testing.assert_allclose(jac.numpy(), W.T)
    jac = ad.jacobian(lambda x, w: x @ w, argnums=1)(f64(X), f64(W))
    assert jac.shape == (2, 3, 2)


def test_hessian_closed_forms():
    """f = x^T A x / 2 has Hessian (A + A^T) / 2; f = sum(exp(x)) has diag(exp(x))."""
    A = np.array([[2.0, 1.0, 0.0], [3.0, 4.0, -1.0], [0.5, 0.0, 1.0]])
    h = ad.hessian(lambda x: (x @ f64(A) @ x) / 2)(f64(X))
    np.testing.assert_allclose(h.numpy(), (A + A.T) / 2, atol=1e-12)
    h = ad.hessian(lambda x: ad.exp(x).sum())(f64(X))
    np.testing.assert_allclose(h.numpy(), np.diag(np.exp(X)), rtol=1e-12)


def test_forward_over_reverse_hessian_vector_product():
    """jvp of grad: H u without forming H (forward mode through a recorded backward)."""
    A = np.array([[2.0, 1.0, 0.0], [1.0, 4.0, -1.0], [0.0, -1.0, 1.0]])
    u = np.array([1.0, -1.0, 0.5])
    grad_f = ad.grad(lambda x: (x @ f64(A) @ x) / 2)
    _, hvp = ad.jvp(grad_f, (f64(X),), (f64(u),))
    np.testing.assert_allclose(hvp.numpy(), A @ u, atol=1e-12)


def test_transform_errors_are_clear():
    with pytest.raises(TypeError, match="one-element"):
        ad.grad(lambda x: x * 2)(f64(X))
    with pytest.raises(ValueError, match="argnums 3"):
        ad.grad(lambda x: x.sum(), argnums=3)(f64(X))
    with pytest.raises(ValueError, match=r"mode must be 'rev' or 'fwd'"):
        ad.jacobian(ad.exp, mode="sideways")
    with pytest.raises(ValueError, match=r"tangent shape \(2,\) differs from primal shape \(3,\)"):
        ad.jvp(ad.exp, (f64(X),), (f64([1.0, 2.0]),))


# ---- gradcheck itself -------------------------------------------------------------------------
def test_gradcheck_returns_true_and_raises_naming_the_worst_element():
    assert ad.gradcheck(lambda x, w: ad.sigmoid(x @ w), [X, W]) is True
    wrong = lambda x: x * x + ad.tensor(np.array([0.0, 0.0, 1.0])) * x.detach() ** 2
    with pytest.raises(ad.GradcheckError, match=r"input 0 element \(2,\)") as info:
        ad.gradcheck(lambda x: wrong(x), [np.array([1.0, 1.0, 3.0])])
    assert "reverse mode gives" in str(info.value) and "finite differences give" in str(info.value)


@pytest.fixture
def broken_op():
    """A throwaway primitive whose rule is wrong (d/dx x^2 claimed to be x); removed after."""
    from autodiff.primitive import ELEMENTWISE, PRIMITIVES, Primitive
    op = Primitive("broken_square", lambda xp, x: x * x,
                   vjp=(lambda g, out, x: g * x,), jvp=ELEMENTWISE)
    try:
        yield lambda x: ad.apply(op, x)
    finally:
        del PRIMITIVES["broken_square"]


def test_gradcheck_per_op_names_the_broken_op(broken_op):
    f = lambda x: ad.tanh(broken_op(ad.sin(x) * 2)).sum() + ad.exp(x).sum()
    with pytest.raises(ad.GradcheckError, match="wrong rule in op.*broken_square") as info:
        ad.gradcheck(f, [X], per_op=True)
    named = str(info.value).split("wrong rule in op(s): ")[1]
    assert named.split(", ") == ["broken_square"]


def test_the_broken_op_is_gone_afterwards():
    assert "broken_square" not in ad.PRIMITIVES


def test_gradcheck_per_op_blames_the_composition_when_every_op_is_right():
    """A function that hides a constant from the graph: each op is right, the whole is not."""
    def f(x):
        return x * ad.tensor(x.numpy())              # treats x as a constant on one side
    with pytest.raises(ad.GradcheckError, match="composition"):
        ad.gradcheck(f, [X], per_op=True)
