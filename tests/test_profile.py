"""ad.profile(): per-primitive forward and backward times, switched on for one block only.

No test asserts a time: they check what is counted, that the shares add up, and that every
primitive gets its own callables back.
"""
import math

import numpy as np
import pytest

import autodiff as ad
import nn
from autodiff.profiler import REST


def _callables():
    return {name: (op.forward, op.vjp, op.vjp_all) for name, op in ad.PRIMITIVES.items()}


def _same(before, after):
    return all(before[n][k] is after[n][k] for n in before for k in range(3))


def _lenet_step(batch=4):
    nn.manual_seed(0)
    model = nn.Sequential(
        nn.Conv2d(1, 6, 5, padding=2), nn.ReLU(), nn.MaxPool2d(2),
        nn.Conv2d(6, 16, 5), nn.ReLU(), nn.MaxPool2d(2),
        nn.Flatten(), nn.Linear(16 * 5 * 5, 120), nn.ReLU(),
        nn.Linear(120, 84), nn.ReLU(), nn.Linear(84, 10))
    opt = nn.optim.SGD(model.parameters(), lr=0.01, momentum=0.9)
    rng = np.random.default_rng(0)
    x = ad.tensor(rng.standard_normal((batch, 1, 28, 28)).astype(np.float32))
    y = ad.tensor(rng.integers(0, 10, batch))

    def step():
        opt.zero_grad()
        loss = nn.functional.cross_entropy(model(x), y)
        loss.backward()
        opt.step()
        return loss
    return step


def test_a_lenet_step_breaks_down_into_its_primitives_and_the_rest():
    step = _lenet_step()
    with ad.profile() as p:
        step()
        step()
    rows = {r["name"]: r for r in p.rows()}
    for name in ("conv2d", "linear", "max_pool2d", "relu"):
        assert rows[name]["forward_calls"] > 0 and rows[name]["backward_calls"] > 0, name
    assert rows["conv2d"]["forward_calls"] == 4          # two layers, two steps
    assert math.isclose(sum(r["share"] for r in rows.values()), 1.0, abs_tol=1e-9)
    assert rows[REST]["total_s"] >= 0
    inside = {r["name"]: r for r in p.inside_rows()}   # the convolution's gradient primitives
    assert inside["conv2d_weight_grad"]["calls"] == 4 and "conv2d_input_grad" in inside
    assert sum(r["total_s"] for r in inside.values()) <= p.elapsed_s - rows[REST]["total_s"]
    text = p.table(steps=2, title="LeNet-5")
    assert text.splitlines()[0] == "LeNet-5"
    assert "\n  conv2d_weight_grad " in text
    assert "conv2d" in text and "linear" in text and REST in text and "100.0%" in text
    conv_line = next(line for line in text.splitlines() if line.startswith("conv2d"))
    assert conv_line.split()[1] == "2"                   # calls per step


def test_matmul_and_calls_made_inside_a_rule_belong_to_the_rule():
    x = ad.tensor(np.ones((3, 3)), requires_grad=True)
    with ad.profile() as p:
        ((x @ x) * x).sum().backward()
    rows = {r["name"]: r for r in p.rows()}
    # the rules of matmul and mul run matmul and mul forwards: not counted as forwards
    assert rows["matmul"]["forward_calls"] == 1 and rows["matmul"]["backward_calls"] == 2
    assert rows["mul"]["forward_calls"] == 1 and rows["mul"]["backward_calls"] == 2
    inside = {r["name"]: r["calls"] for r in p.inside_rows()}
    assert inside["matmul"] >= 2 and inside["mul"] >= 2
    assert sum(r["total_s"] for r in rows.values() if r["name"] != REST) <= p.elapsed_s


def test_values_and_gradients_are_the_same_with_the_profiler_on():
    def run():
        x = ad.tensor(np.linspace(-1, 1, 6).reshape(2, 3), requires_grad=True)
        parts = ad.cat([x, x * 2], dim=0)               # a variadic primitive's rules too
        loss = ad.tanh(parts).sum()
        loss.backward()
        return loss.item(), x.grad.numpy()
    plain = run()
    with ad.profile() as p:
        timed = run()
    assert plain[0] == timed[0] and np.array_equal(plain[1], timed[1])
    assert {r["name"]: r for r in p.rows()}["concatenate"]["backward_calls"] >= 1


def test_every_primitive_gets_its_own_callables_back():
    before = _callables()
    with ad.profile():
        during = _callables()
    assert not _same(before, during)                     # they were wrapped
    assert _same(before, _callables())


def test_an_exception_in_the_block_unwraps_too():
    before = _callables()
    with pytest.raises(ZeroDivisionError), ad.profile():
        (ad.tensor([1.0], requires_grad=True) * 2).sum().backward()
        raise ZeroDivisionError("in the middle of a step")
    assert _same(before, _callables())
    with ad.profile() as p:                              # and a new one starts afresh
        pass
    assert [r["name"] for r in p.rows()] == [REST]


def test_profiles_do_not_nest():
    before = _callables()
    with ad.profile(), pytest.raises(RuntimeError, match="already running"), ad.profile():
        pass
    assert _same(before, _callables())
