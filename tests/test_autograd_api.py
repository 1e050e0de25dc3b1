"""torch.autograd's surface on autodiff: backward(gradient=), autograd.grad/backward, grad_fn,
retain_grad, is_leaf, no_grad/enable_grad/set_grad_enabled, detach, .data (issue 13)."""
from __future__ import annotations

import numpy as np
import pytest

import autodiff as ad

torch = pytest.importorskip("torch")

X = np.array([1.0, -2.0, 3.0])


def pair(values=X, requires_grad=True):
    array = np.array(values, dtype=np.float64)
    return (ad.tensor(array, requires_grad=requires_grad),
            torch.tensor(array, requires_grad=requires_grad))


def test_backward_takes_gradient_by_pytorchs_name_and_the_old_one():
    for kwargs in ({"gradient": [1.0, 0.0, 2.0]}, {"grad": [1.0, 0.0, 2.0]}):
        x, tx = pair()
        (x * x).backward(**kwargs)
        (tx * tx).backward(gradient=torch.tensor([1.0, 0.0, 2.0], dtype=torch.float64))
        np.testing.assert_allclose(x.grad.numpy(), tx.grad.numpy())
    x, _ = pair()
    (x * x).backward(ad.tensor([1.0, 1.0, 1.0], dtype=ad.float64))      # positional
    np.testing.assert_allclose(x.grad.numpy(), 2 * X)


def test_autograd_grad_matches_torch_with_create_graph():
    x, tx = pair()
    (g,) = ad.autograd.grad((x ** 3).sum(), x, create_graph=True)
    (tg,) = torch.autograd.grad((tx ** 3).sum(), tx, create_graph=True)
    np.testing.assert_allclose(g.detach().numpy(), tg.detach().numpy())
    assert g.requires_grad and x.grad is None
    (h,) = ad.autograd.grad(g.sum(), x)
    (th,) = torch.autograd.grad(tg.sum(), tx)
    np.testing.assert_allclose(h.numpy(), th.numpy())


def test_autograd_grad_several_outputs_and_grad_outputs():
    x, tx = pair()
    w, tw = pair([0.5, 0.5, 0.5])
    ours = ad.autograd.grad([x * w, (x * x).sum()], [x, w],
                            grad_outputs=[ad.tensor(np.ones(3)), ad.tensor(2.0, dtype=ad.float64)])
    theirs = torch.autograd.grad([tx * tw, (tx * tx).sum()], [tx, tw],
                                 grad_outputs=[torch.ones(3, dtype=torch.float64),
                                               torch.tensor(2.0, dtype=torch.float64)])
    for a, b in zip(ours, theirs):
        np.testing.assert_allclose(a.numpy(), b.numpy())
    assert isinstance(ours, tuple)


def test_autograd_grad_unused_inputs_as_in_torch():
    for lib, (x, unused) in ((ad, (pair()[0], pair()[0])), (torch, (pair()[1], pair()[1]))):
        with pytest.raises(RuntimeError, match="appears to not have been used in the graph"):
            lib.autograd.grad((x * 2).sum(), [x, unused])
        y = (x * 2).sum()
        assert lib.autograd.grad(y, [x, unused], allow_unused=True)[1] is None
    x, unused = pair()[0], pair()[0]
    g = ad.autograd.grad((x * 2).sum(), [x, unused], materialize_grads=True)[1]
    np.testing.assert_array_equal(g.numpy(), np.zeros(3))


def test_autograd_grad_frees_the_graph_unless_retained():
    for lib, x in ((ad, pair()[0]), (torch, pair()[1])):
        y = (x.exp() * 2).sum()
        lib.autograd.grad(y, x, retain_graph=True)
        lib.autograd.grad(y, x)
        with pytest.raises(RuntimeError, match="backward through the graph a second time"):
            lib.autograd.grad(y, x)


def test_autograd_backward_of_several_outputs_matches_torch():
    x, tx = pair()
    ad.autograd.backward([(x * x).sum(), (3 * x).sum()])
    torch.autograd.backward([(tx * tx).sum(), (3 * tx).sum()])
    np.testing.assert_allclose(x.grad.numpy(), tx.grad.numpy())
    x, tx = pair()
    w, tw = pair()
    ((x * w).sum()).backward(inputs=[x])
    ((tx * tw).sum()).backward(inputs=[tx])
    np.testing.assert_allclose(x.grad.numpy(), tx.grad.numpy())
    assert w.grad is None and tw.grad is None


@pytest.mark.parametrize("name, f", [
    ("MulBackward0", lambda x: x * x), ("AddBackward0", lambda x: x + x),
    ("ExpBackward0", lambda x: x.exp()), ("TanhBackward0", lambda x: x.tanh()),
    ("SubBackward0", lambda x: x - 1), ("DivBackward0", lambda x: x / 2),
])
def test_grad_fn_names_the_op_as_torch_does(name, f):
    x, tx = pair()
    y, ty = f(x), f(tx)
    assert y.grad_fn.name() == ty.grad_fn.name() == name
    assert name in repr(y.grad_fn)
    assert x.grad_fn is None and tx.grad_fn is None
    assert ad.tensor([1.0]).grad_fn is None


def test_grad_fn_next_functions_lead_to_the_inputs():
    x, tx = pair()
    y, ty = (x * 2).exp(), (tx * 2).exp()
    (mul, _), = y.grad_fn.next_functions
    (tmul, _), = ty.grad_fn.next_functions
    assert mul.name() == tmul.name() == "MulBackward0"
    (acc, _), (const, _) = mul.next_functions
    assert acc.name() == "AccumulateGrad" and acc.variable is x and const is None


def test_retain_grad_and_is_leaf_match_torch():
    x, tx = pair()
    y, ty = x * 2, tx * 2
    y.retain_grad()
    ty.retain_grad()
    z, tz = y * y, ty * ty
    z.sum().backward()
    tz.sum().backward()
    np.testing.assert_allclose(y.grad.numpy(), ty.grad.numpy())
    assert z.grad is None
    assert (x.is_leaf, y.is_leaf, ad.tensor(1.0).is_leaf) == (tx.is_leaf, ty.is_leaf, True)


def test_grad_modes_as_blocks_calls_and_decorators():
    for lib in (ad, torch):
        x = lib.tensor([1.0], requires_grad=True)

        @lib.no_grad()
        def called(t):
            return t * 2

        @lib.no_grad
        def bare(t):
            return t * 2

        @lib.enable_grad()
        def recorded(t):
            return t * 2

        with lib.no_grad():
            inner = recorded(x)
            assert not lib.is_grad_enabled()
        assert not called(x).requires_grad and not bare(x).requires_grad and inner.requires_grad
        with lib.set_grad_enabled(False):
            assert not (x * 2).requires_grad
        assert (x * 2).requires_grad
        lib.set_grad_enabled(False)
        assert not lib.is_grad_enabled()
        lib.set_grad_enabled(True)
        assert (x * 2).requires_grad


def test_a_decorated_function_may_call_itself():
    @ad.no_grad()
    def depth(n):
        return 0 if n == 0 else depth(n - 1) + 1
    assert depth(3) == 3 and ad.is_grad_enabled()


def test_detach_data_and_detach_inplace():
    x, tx = pair()
    y, ty = x * 2, tx * 2
    for t in (y.detach(), y.data):
        assert not t.requires_grad and t.is_leaf and np.shares_memory(t.array, y.array)
    d, td = y.detach_(), ty.detach_()
    assert d is y and td is ty
    assert (y.is_leaf, y.requires_grad, y.grad_fn) == (ty.is_leaf, ty.requires_grad, None)
