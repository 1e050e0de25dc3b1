"""ad.autograd.Function: a learner's own op, written once and run by autodiff and by PyTorch,
drawn and derived as one named op and checked by gradcheck (issue 13)."""
from __future__ import annotations

import numpy as np
import pytest

import autodiff as ad


def make_scaled_mul(base):
    """The same source for both libraries: out = x * w * scale."""
    class ScaledMul(base):
        @staticmethod
        def forward(ctx, x, w, scale):
            ctx.save_for_backward(x, w)
            ctx.scale = scale
            return x * w * scale

        @staticmethod
        def backward(ctx, g):
            x, w = ctx.saved_tensors
            return g * w * ctx.scale, g * x * ctx.scale, None
    return ScaledMul


class MyReLU(ad.autograd.Function):
    @staticmethod
    def forward(ctx, x):
        ctx.save_for_backward(x)
        return ad.maximum(x, 0.0)

    @staticmethod
    def backward(ctx, g):
        (x,) = ctx.saved_tensors
        return g * (x > 0)


def test_a_function_gives_torchs_values_and_gradients():
    torch = pytest.importorskip("torch")
    ours, theirs = make_scaled_mul(ad.autograd.Function), make_scaled_mul(torch.autograd.Function)
    x0, w0 = np.array([1.0, -2.0, 3.0]), np.array([0.5, 4.0, -1.0])
    x, w = ad.tensor(x0, requires_grad=True), ad.tensor(w0, requires_grad=True)
    tx, tw = torch.tensor(x0, requires_grad=True), torch.tensor(w0, requires_grad=True)
    y, ty = ours.apply(x, w, 2.0), theirs.apply(tx, tw, 2.0)
    np.testing.assert_allclose(y.detach().numpy(), ty.detach().numpy())
    (y * y).sum().backward()
    (ty * ty).sum().backward()
    np.testing.assert_allclose(x.grad.numpy(), tx.grad.numpy())
    np.testing.assert_allclose(w.grad.numpy(), tw.grad.numpy())
    assert y.grad_fn.name() == ty.grad_fn.name() == "ScaledMulBackward"


def test_gradcheck_checks_a_function_like_a_builtin():
    assert ad.gradcheck(MyReLU.apply, [np.array([1.0, -2.0, 0.5])])

    class WrongBackward(MyReLU):
        @staticmethod
        def backward(ctx, g):
            return 2 * g
    with pytest.raises(ad.GradcheckError, match="input 0"):
        ad.gradcheck(WrongBackward.apply, [np.array([1.0, -2.0, 0.5])])


def test_a_function_is_one_named_op_in_pictures_and_derivations():
    x = ad.tensor([1.0, -2.0], requires_grad=True, name="x")
    assert "MyReLU" in ad.draw(MyReLU.apply(x).sum()).source
    a, b = ad.symbols("a b")
    d = ad.derive(make_scaled_mul(ad.autograd.Function).apply(a, b, 3) * a)
    assert [s.op for s in d.steps].count("ScaledMul") == 2
    assert d.gradients[a] == 6 * a.array[()] * b.array[()]
    assert "ScaledMul(a, b)" in d.at({a: 2.0, b: 5.0}).text()


def test_needs_input_grad_none_gradients_and_non_tensor_arguments():
    seen = []

    class Probe(ad.autograd.Function):
        @staticmethod
        def forward(ctx, x, y, flag):
            seen.append(ctx.needs_input_grad)
            return x + y

        @staticmethod
        def backward(ctx, g):
            return g, None, None
    x = ad.tensor([1.0, 2.0], requires_grad=True)
    y = ad.tensor([3.0, 4.0], requires_grad=True)
    Probe.apply(x, y, True).sum().backward()
    assert seen == [(True, True, False)]
    np.testing.assert_array_equal(x.grad.numpy(), [1.0, 1.0])
    np.testing.assert_array_equal(y.grad.numpy(), [0.0, 0.0])


def test_double_backward_through_a_backward_written_in_tensor_ops():
    square = make_scaled_mul(ad.autograd.Function)
    x = ad.tensor([1.0, 2.0], requires_grad=True, dtype=ad.float64)
    (g,) = ad.autograd.grad(square.apply(x, x, 1.0).sum(), x, create_graph=True)
    (h,) = ad.autograd.grad(g.sum(), x)
    np.testing.assert_allclose(g.detach().numpy(), [2.0, 4.0])
    np.testing.assert_allclose(h.numpy(), [2.0, 2.0])


def test_mark_non_differentiable_and_clear_errors():
    class ArgMax(ad.autograd.Function):
        @staticmethod
        def forward(ctx, x):
            ctx.mark_non_differentiable()
            return ad.tensor(np.argmax(x.numpy()))

        @staticmethod
        def backward(ctx, g):
            return None
    assert not ArgMax.apply(ad.tensor([1.0, 3.0], requires_grad=True)).requires_grad

    class TooFew(MyReLU):
        @staticmethod
        def backward(ctx, g):
            return g, g
    with pytest.raises(RuntimeError, match="incorrect number of gradients"):
        TooFew.apply(ad.tensor([1.0], requires_grad=True)).sum().backward()

    class TwoOutputs(MyReLU):
        @staticmethod
        def forward(ctx, x):
            return x, x
    with pytest.raises(TypeError, match="must return one Tensor"):
        TwoOutputs.apply(ad.tensor([1.0], requires_grad=True))


def test_functions_stay_out_of_the_builtin_table_and_free_their_context():
    assert "MyReLU" not in ad.PRIMITIVES
    y = MyReLU.apply(ad.tensor([1.0, -1.0], requires_grad=True)).sum()
    y.backward()
    with pytest.raises(RuntimeError, match="second time"):
        y.backward()


def test_forward_mode_uses_the_functions_own_jvp_or_says_it_needs_one():
    class Cube(ad.autograd.Function):
        @staticmethod
        def forward(ctx, x):
            ctx.save_for_backward(x)
            return x * x * x

        @staticmethod
        def backward(ctx, g):
            (x,) = ctx.saved_tensors
            return 3 * x * x * g

        @staticmethod
        def jvp(ctx, dx):
            (x,) = ctx.saved_tensors
            return 3 * x * x * dx
    x = np.array([1.0, 2.0])
    _, tangent = ad.jvp(Cube.apply, (x,), (np.ones(2),))
    np.testing.assert_allclose(np.asarray(tangent.numpy() if hasattr(tangent, "numpy")
                                          else tangent), 3 * x * x)
    with pytest.raises(RuntimeError, match="MyReLU: forward mode"):
        ad.jvp(MyReLU.apply, (x,), (np.ones(2),))
