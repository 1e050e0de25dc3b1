"""In-place ops, ``x[idx] = v`` and the version counter, side by side with PyTorch (issue 13)."""
from __future__ import annotations

import numpy as np
import pytest

import autodiff as ad
import nn

torch = pytest.importorskip("torch")

VERSION_ERROR = "modified by an inplace operation"


def pair(values, requires_grad=False):
    """The same float64 data as ours and as PyTorch's."""
    array = np.array(values, dtype=np.float64)
    return (ad.tensor(array, requires_grad=requires_grad),
            torch.tensor(array, requires_grad=requires_grad))


def both(program):
    """Run ``program(lib, make)`` with autodiff and with torch; return both results."""
    results = []
    for lib, k in ((ad, 0), (torch, 1)):
        results.append(program(lib, lambda v, rg=False, k=k: pair(v, rg)[k]))
    return results


def same(program):
    ours, theirs = both(program)
    np.testing.assert_allclose(np.array(ours, dtype=float), np.array(theirs, dtype=float))


def raises_in_both(program, match):
    for lib, k in ((ad, 0), (torch, 1)):
        with pytest.raises(RuntimeError, match=match):
            program(lib, lambda v, rg=False, k=k: pair(v, rg)[k])


# ---- plain writes (nothing recorded) --------------------------------------------------------
@pytest.mark.parametrize("name, call", [
    ("add_", lambda x, o: x.add_(o)), ("add_ alpha", lambda x, o: x.add_(o, alpha=-2)),
    ("sub_", lambda x, o: x.sub_(o)), ("mul_", lambda x, o: x.mul_(o)),
    ("div_", lambda x, o: x.div_(o)), ("zero_", lambda x, o: x.zero_()),
    ("fill_", lambda x, o: x.fill_(2.5)), ("copy_", lambda x, o: x.copy_(o)),
    ("clamp_", lambda x, o: x.clamp_(min=1.5, max=2.5)), ("clamp_ min", lambda x, o: x.clamp_(2)),
    ("iadd", lambda x, o: x.__iadd__(o)), ("isub", lambda x, o: x.__isub__(o)),
    ("imul", lambda x, o: x.__imul__(o)), ("itruediv", lambda x, o: x.__itruediv__(o)),
])
def test_each_inplace_op_matches_torch_and_returns_the_same_object(name, call):
    def program(lib, make):
        x, o = make([1.0, 2.0, 3.0]), make([4.0, -5.0, 0.5])
        out = call(x, o)
        assert out is x
        return [*x.tolist(), x._version]
    same(program)


def test_setitem_matches_torch_for_basic_advanced_and_boolean_indices():
    def program(lib, make):
        x = make(np.arange(12.0).reshape(3, 4))
        x[0] = 7.0
        x[1, 1:3] = make([-1.0, -2.0])
        x[[2, 0], [3, 0]] = 9.0
        x[x > 8] = 0.5
        return x.numpy().ravel().tolist() + [x._version]
    same(program)


def test_inplace_errors_match_torch():
    raises_in_both(lambda lib, make: make([1.0, 2.0]).add_(make([[1.0, 2.0]] * 2)),
                   r"output with shape \[2\] doesn't match the broadcast shape \[2, 2\]")
    for lib, make in ((ad, ad.tensor), (torch, torch.tensor)):
        with pytest.raises(RuntimeError, match="can't be cast to the desired output type"):
            make([1, 2]).add_(1.5)


# ---- the optimizer update of issue 13: same object, same memory ------------------------------
def test_no_grad_update_is_in_place_as_in_torch():
    def program(lib, make):
        w = make([1.0, -2.0, 3.0], True)
        (w * w).sum().backward()
        before = w
        memory = w.numpy() if lib is ad else None
        with lib.no_grad():
            w -= 0.1 * w.grad
            w.grad.zero_()
        assert w is before and w.is_leaf and w.requires_grad
        if lib is ad:
            assert np.shares_memory(memory, w.array)
        return w.tolist() + w.grad.tolist()
    same(program)


def test_inplace_on_a_leaf_that_requires_grad_raises_as_in_torch():
    raises_in_both(lambda lib, make: make([1.0], True).add_(1), "a leaf Variable that requires grad")
    raises_in_both(lambda lib, make: make([1.0, 2.0], True)[0].mul_(2),
                   "a view of a leaf Variable that requires grad")

    def setitem(lib, make):
        make([1.0, 2.0], True)[0] = 5.0
    raises_in_both(setitem, "a leaf Variable that requires grad")


# ---- the version counter -----------------------------------------------------------------------
def test_changing_a_saved_tensor_raises_naming_the_op_and_versions():
    def program(lib, make):
        x = make([1.0, 2.0], True)
        y = x.exp()
        y.add_(1)
        y.sum().backward()
    raises_in_both(program, VERSION_ERROR)
    x = ad.tensor([1.0, 2.0], requires_grad=True)
    y = x.exp()
    y.add_(1)
    with pytest.raises(RuntimeError, match=r"\[float32 tensor \[2\]\], which is output 0 of "
                       r"ExpBackward0 \(op 'exp'\), is at version 1; expected version 0 "
                       r"instead \(changed by add_\)"):
        y.sum().backward()


def test_a_value_no_rule_reads_may_change_as_in_torch():
    def program(lib, make):                  # mul's rule for x reads only the constant 3
        x = make([1.0, 2.0], True)
        h = x * 3
        h += 1
        (h * h).sum().backward()
        return x.grad.tolist()
    same(program)


def test_editing_x_data_after_forward_is_caught():
    """Issue 15.7: PyTorch's .data hides the change and gives a silently wrong gradient; here
    .data shares the version counter, so backward refuses."""
    x = ad.tensor([1.0, 2.0], requires_grad=True)
    y = (x * x).sum()
    x.data.mul_(2)
    with pytest.raises(RuntimeError, match=VERSION_ERROR):
        y.backward()
    x = ad.tensor([1.0, 2.0], requires_grad=True)
    y = (x * x).sum()
    x.data[0] = 5.0
    with pytest.raises(RuntimeError, match=VERSION_ERROR):
        y.backward()


def test_views_detach_and_data_share_the_version_counter():
    def program(lib, make):
        x = make([[1.0, 2.0], [3.0, 4.0]])
        v, d = x[0], x.detach()
        v.add_(1)
        d.mul_(2)
        return [x._version, v._version, d._version, *x.numpy().ravel().tolist()]
    same(program)


def test_optimizer_step_between_forward_and_backward_raises_as_in_torch():
    """Issue 15.7: the optimizers' in-place updates raise the parameters' versions (a
    two-layer model: the first layer's gradient reads the second layer's weight)."""
    for cls in (nn.optim.SGD, nn.optim.Adam, nn.optim.RMSprop, nn.optim.Adagrad):
        model = nn.Sequential(nn.Linear(3, 4), nn.Tanh(), nn.Linear(4, 2))
        opt = cls(model.parameters(), lr=0.1)
        x = ad.tensor(np.ones((4, 3), dtype=np.float32))
        (model(x) ** 2).sum().backward()
        loss = (model(x) ** 2).sum()
        opt.step()
        with pytest.raises(RuntimeError, match=rf"{VERSION_ERROR}.*changed by {cls.__name__}.step"):
            loss.backward()
    tmodel = torch.nn.Sequential(torch.nn.Linear(3, 4), torch.nn.Tanh(), torch.nn.Linear(4, 2))
    topt = torch.optim.SGD(tmodel.parameters(), lr=0.1)
    (tmodel(torch.ones(4, 3)) ** 2).sum().backward()
    tloss = (tmodel(torch.ones(4, 3)) ** 2).sum()
    topt.step()
    with pytest.raises(RuntimeError, match=VERSION_ERROR):
        tloss.backward()


def test_a_step_after_backward_is_the_ordinary_loop():
    model = nn.Sequential(nn.Linear(3, 4), nn.Tanh(), nn.Linear(4, 2))
    opt = nn.optim.SGD(model.parameters(), lr=0.1, momentum=0.9)
    x = ad.tensor(np.ones((4, 3), dtype=np.float32))
    for _ in range(3):
        opt.zero_grad()
        loss = (model(x) ** 2).sum()
        loss.backward()
        opt.step()
    assert all(p._version == 3 for p in model.parameters())


# ---- in place on a tensor made by an op: recorded --------------------------------------------
@pytest.mark.parametrize("step", [
    lambda y, w: y.mul_(w), lambda y, w: y.add_(w, alpha=2), lambda y, w: y.div_(w),
    lambda y, w: y.sub_(w), lambda y, w: y.clamp_(0.5, 7.0), lambda y, w: y.copy_(w * 2),
    lambda y, w: y.zero_(), lambda y, w: y.fill_(3.0),
])
def test_inplace_on_a_non_leaf_is_recorded_as_in_torch(step):
    def program(lib, make):
        x, w = make([1.0, 2.0, 3.0], True), make([3.0, 0.5, -1.0], True)
        y = x * 2
        step(y, w)
        (y * y).sum().backward()
        return [*y.tolist(), *x.grad.tolist(), *(w.grad.tolist() if w.grad is not None else [0] * 3)]
    same(program)


def test_setitem_builds_a_tensor_from_pieces_as_in_torch():
    def program(lib, make):
        x = make([1.0, 2.0, 3.0], True)
        h = make(np.zeros(3))
        h[0] = x[1] * 3
        h[2] = x[0] ** 2
        (h * make([1.0, 2.0, 3.0])).sum().backward()
        return [*h.tolist(), *x.grad.tolist(), h.requires_grad, h.is_leaf]
    same(program)


def test_augmented_assignment_on_a_slice_writes_through_as_in_torch():
    def program(lib, make):
        x = make([[1.0, 2.0], [3.0, 4.0]], True)
        h = x * 1
        h[0] += 5
        h[:, 1] *= x[:, 0]
        (h * x).sum().backward()
        return [*h.detach().numpy().ravel().tolist(), *x.grad.numpy().ravel().tolist()]
    same(program)


def test_a_tensor_rebound_after_another_op_used_it_is_an_error_not_a_wrong_gradient():
    """PyTorch's edges point at nodes, ours at tensors: an op that used y before y.mul_(2)
    would now see the new node, so backward through it refuses (documented difference)."""
    x = ad.tensor([1.0, 2.0], requires_grad=True)
    y = x * x
    z = y * 3
    y.mul_(2)
    with pytest.raises(RuntimeError, match=f"{VERSION_ERROR}.*stand for a new node"):
        z.sum().backward()


def test_inplace_ops_and_setitem_stay_on_the_device(fake_cuda):
    """The strict fake GPU: in-place writes, recorded ones included, never touch the host."""
    w = ad.tensor([1.0, 2.0, 3.0], requires_grad=True).to("cuda")
    w = w.detach().requires_grad_()
    h = ad.tensor(np.zeros(3)).to("cuda")
    h[1] = w[0] * 2
    h += w
    (h * h).sum().backward()
    with ad.no_grad():
        w -= 0.5 * w.grad
        w.grad.zero_()
    assert w.device == "cuda" and w._version == 1
    np.testing.assert_allclose(w.cpu().numpy(), [1.0 - 0.5 * 18, 2.0 - 0.5 * 8, 3.0 - 0.5 * 6])
