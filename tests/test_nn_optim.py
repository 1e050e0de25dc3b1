"""Optimizers: one hand-computed step of each documented rule, identical float64
trajectories against torch.optim, schedules, state dicts and bad settings."""
import copy
import math

import numpy as np
import pytest

import autodiff as ad
import nn
from nn import optim

G = np.array([0.5, -1.0, 2.0])
P0 = np.array([1.0, -2.0, 0.5])


def one_param(grad=G):
    p = nn.Parameter(P0.copy())
    p.grad = ad.tensor(np.array(grad, dtype=np.float64))
    return p


def steps(opt_class, n=1, grads=None, **kwargs):
    """Parameter values after ``n`` steps with a constant (or given) gradient."""
    p = one_param()
    opt = opt_class([p], **kwargs)
    for i in range(n):
        p.grad = ad.tensor(G if grads is None else grads[i])
        opt.step()
    return p.numpy()


# ---- one documented step at a time --------------------------------------------------------------
def test_sgd_plain_momentum_nesterov_decay():
    np.testing.assert_allclose(steps(optim.SGD, lr=0.1), P0 - 0.1 * G)
    # momentum: b1 = g, b2 = 0.9 g + g
    np.testing.assert_allclose(steps(optim.SGD, 2, lr=0.1, momentum=0.9),
                               P0 - 0.1 * G - 0.1 * 1.9 * G)
    # dampening only from the second step on: b2 = 0.9 g + 0.5 g
    np.testing.assert_allclose(steps(optim.SGD, 2, lr=0.1, momentum=0.9, dampening=0.5),
                               P0 - 0.1 * G - 0.1 * 1.4 * G)
    # nesterov: g + m b, with b1 = g
    np.testing.assert_allclose(steps(optim.SGD, lr=0.1, momentum=0.9, nesterov=True),
                               P0 - 0.1 * 1.9 * G)
    np.testing.assert_allclose(steps(optim.SGD, lr=0.1, weight_decay=0.5),
                               P0 - 0.1 * (G + 0.5 * P0))
    np.testing.assert_allclose(steps(optim.SGD, lr=0.1, maximize=True), P0 + 0.1 * G)


def test_adagrad_step():
    eps = 1e-10
    np.testing.assert_allclose(steps(optim.Adagrad, lr=0.1), P0 - 0.1 * G / (np.abs(G) + eps))
    p1 = P0 - 0.1 * G / (np.sqrt(G ** 2 + 0.5) + eps)
    p2 = p1 - 0.1 / (1 + 0.2) * G / (np.sqrt(2 * G ** 2 + 0.5) + eps)
    np.testing.assert_allclose(steps(optim.Adagrad, 2, lr=0.1, lr_decay=0.2,
                                     initial_accumulator_value=0.5), p2)


def test_rmsprop_steps():
    eps = 1e-8
    np.testing.assert_allclose(steps(optim.RMSprop, lr=0.01),
                               P0 - 0.01 * G / (np.sqrt(0.01 * G ** 2) + eps))
    centered = np.sqrt(0.01 * G ** 2 - (0.01 * G) ** 2) + eps
    np.testing.assert_allclose(steps(optim.RMSprop, lr=0.01, centered=True),
                               P0 - 0.01 * G / centered)
    d1 = G / (np.sqrt(0.1 * G ** 2) + eps)
    d2 = G / (np.sqrt(0.9 * 0.1 * G ** 2 + 0.1 * G ** 2) + eps)
    np.testing.assert_allclose(steps(optim.RMSprop, 2, lr=0.01, alpha=0.9, momentum=0.5),
                               P0 - 0.01 * d1 - 0.01 * (0.5 * d1 + d2))


def test_adam_and_adamw_first_step_is_lr_times_sign():
    eps = 1e-8
    np.testing.assert_allclose(steps(optim.Adam, lr=0.1), P0 - 0.1 * G / (np.abs(G) + eps))
    np.testing.assert_allclose(steps(optim.AdamW, lr=0.1, weight_decay=0.5),
                               P0 * (1 - 0.05) - 0.1 * G / (np.abs(G) + eps))
    g2 = G + 0.5 * P0
    np.testing.assert_allclose(steps(optim.Adam, lr=0.1, weight_decay=0.5),
                               P0 - 0.1 * g2 / (np.abs(g2) + eps))


def test_adam_second_step_and_amsgrad():
    b1, b2, eps, lr = 0.9, 0.999, 1e-8, 0.1
    g1, g2 = G, -0.5 * G
    grads = [g1, g2]
    p1 = P0 - lr * g1 / (np.abs(g1) + eps)
    m = 0.9 * 0.1 * g1 + 0.1 * g2
    v = 0.999 * 0.001 * g1 ** 2 + 0.001 * g2 ** 2
    want = p1 - lr / (1 - b1 ** 2) * m / (np.sqrt(v) / np.sqrt(1 - b2 ** 2) + eps)
    np.testing.assert_allclose(steps(optim.Adam, 2, grads=grads, lr=lr), want)
    v_max = np.maximum(0.001 * g1 ** 2, v)             # v fell: amsgrad keeps the larger one
    want = p1 - lr / (1 - b1 ** 2) * m / (np.sqrt(v_max) / np.sqrt(1 - b2 ** 2) + eps)
    np.testing.assert_allclose(steps(optim.Adam, 2, grads=grads, lr=lr, amsgrad=True), want)


def test_adamax_and_nadam_first_steps():
    eps = 1e-8
    np.testing.assert_allclose(steps(optim.Adamax, lr=0.1),
                               P0 - 0.1 / 0.1 * (0.1 * G) / (np.abs(G) + eps))
    mu1 = 0.9 * (1 - 0.5 * 0.96 ** 0.004)
    mu2 = 0.9 * (1 - 0.5 * 0.96 ** 0.008)
    denom = np.sqrt(0.001 * G ** 2 / 0.001) + eps
    want = P0 - 0.1 * (1 - mu1) / (1 - mu1) * G / denom - 0.1 * mu2 / (1 - mu1 * mu2) * (
        0.1 * G) / denom
    np.testing.assert_allclose(steps(optim.NAdam, lr=0.1), want)


def test_parameters_without_gradient_are_left_alone_and_zero_grad_clears():
    a, b = one_param(), nn.Parameter(P0.copy())
    opt = optim.Adam([a, b], lr=0.1)
    opt.step()
    np.testing.assert_array_equal(b.numpy(), P0)
    opt.zero_grad()
    assert a.grad is None
    a.grad = ad.tensor(G)
    opt.zero_grad(set_to_none=False)
    np.testing.assert_array_equal(a.grad.numpy(), 0)


def test_param_groups_with_their_own_settings():
    a, b = one_param(), one_param()
    opt = optim.SGD([{"params": [a]}, {"params": [b], "lr": 0.5}], lr=0.1)
    opt.step()
    np.testing.assert_allclose(a.numpy(), P0 - 0.1 * G)
    np.testing.assert_allclose(b.numpy(), P0 - 0.5 * G)


def test_bad_settings_are_refused_at_construction():
    with pytest.raises(ValueError, match="SGD: optimizer got an empty parameter list"):
        optim.SGD([], lr=0.1)
    with pytest.raises(ValueError, match="Adam: optimizer got an empty parameter list"):
        optim.Adam(nn.ReLU().parameters())
    with pytest.raises(ValueError, match="Invalid learning rate: -0.1"):
        optim.Adam([one_param()], lr=-0.1)
    with pytest.raises(ValueError, match="beta parameter at index 1"):
        optim.Adam([one_param()], betas=(0.9, 1.0))
    with pytest.raises(ValueError, match="Nesterov"):
        optim.SGD([one_param()], lr=0.1, nesterov=True)
    with pytest.raises(TypeError, match="not a single tensor"):
        optim.SGD(one_param(), lr=0.1)
    with pytest.raises(ValueError, match="more than one parameter group"):
        p = one_param()
        optim.SGD([{"params": [p]}, {"params": [p]}], lr=0.1)


# ---- save and resume ---------------------------------------------------------------------------
def regression_problem(seed=0):
    r = np.random.default_rng(seed)
    x = ad.tensor(r.standard_normal((8, 3)))
    y = ad.tensor(r.standard_normal((8, 2)))
    w = nn.Parameter(r.standard_normal((3, 2)))
    b = nn.Parameter(r.standard_normal(2))
    return x, y, w, b


def loss_of(x, y, w, b):
    return ad.mean((ad.tanh(x @ w + b) - y) ** 2)


def test_state_dict_resumes_the_same_trajectory():
    x, y, w, b = regression_problem()
    opt = optim.Adam([w, b], lr=0.05, amsgrad=True)
    for _ in range(3):
        opt.zero_grad()
        loss_of(x, y, w, b).backward()
        opt.step()
    saved = copy.deepcopy(opt.state_dict())
    w2, b2 = nn.Parameter(w.numpy().copy()), nn.Parameter(b.numpy().copy())
    resumed = optim.Adam([w2, b2], lr=0.5)
    resumed.load_state_dict(saved)
    assert resumed.param_groups[0]["lr"] == 0.05
    for o, params in ((opt, (w, b)), (resumed, (w2, b2))):
        for _ in range(3):
            o.zero_grad()
            loss_of(x, y, *params).backward()
            o.step()
    np.testing.assert_array_equal(w.numpy(), w2.numpy())
    assert saved["param_groups"][0]["params"] == [0, 1]
    assert set(saved["state"][0]) == {"step", "exp_avg", "exp_avg_sq", "max_exp_avg_sq"}


# ---- schedules --------------------------------------------------------------------------------
def test_step_lr_and_cosine_closed_forms():
    opt = optim.SGD([one_param()], lr=1.0)
    sched = optim.StepLR(opt, step_size=3, gamma=0.5)
    lrs = []
    for _ in range(7):
        lrs.append(sched.get_last_lr()[0])
        sched.step()
    assert lrs == [1, 1, 1, 0.5, 0.5, 0.5, 0.25]
    opt = optim.SGD([one_param()], lr=0.1)
    sched = optim.CosineAnnealingLR(opt, T_max=10, eta_min=0.001)
    for epoch in range(11):
        want = 0.001 + (0.1 - 0.001) * (1 + math.cos(math.pi * epoch / 10)) / 2
        assert math.isclose(opt.param_groups[0]["lr"], want, rel_tol=1e-9, abs_tol=1e-12)
        sched.step()


# ---- against PyTorch --------------------------------------------------------------------------
CASES = [
    ("SGD", {"lr": 0.1}),
    ("SGD", {"lr": 0.05, "momentum": 0.9, "dampening": 0.1, "weight_decay": 0.01}),
    ("SGD", {"lr": 0.05, "momentum": 0.8, "nesterov": True, "maximize": False}),
    ("Adagrad", {"lr": 0.1, "lr_decay": 0.01, "weight_decay": 0.1,
                 "initial_accumulator_value": 0.1}),
    ("RMSprop", {"lr": 0.01}),
    ("RMSprop", {"lr": 0.01, "alpha": 0.9, "momentum": 0.5, "centered": True,
                 "weight_decay": 0.01}),
    ("Adam", {"lr": 0.05}),
    ("Adam", {"lr": 0.05, "betas": (0.8, 0.99), "weight_decay": 0.1, "amsgrad": True}),
    ("AdamW", {"lr": 0.05}),
    ("AdamW", {"lr": 0.05, "weight_decay": 0.3, "amsgrad": True}),
    ("Adamax", {"lr": 0.05, "weight_decay": 0.01}),
    ("NAdam", {"lr": 0.05}),
    ("NAdam", {"lr": 0.05, "weight_decay": 0.1, "momentum_decay": 0.01}),
    ("NAdam", {"lr": 0.05, "weight_decay": 0.1, "decoupled_weight_decay": True}),
]


@pytest.mark.torch
@pytest.mark.parametrize("name, kwargs", CASES)
def test_trajectory_equals_torch_optim(name, kwargs):
    torch = pytest.importorskip("torch")
    previous = torch.get_default_dtype()
    torch.set_default_dtype(torch.float64)     # torch keeps step counts and NAdam's mu
    try:                                       # product in the default dtype
        run_against_torch(torch, name, kwargs)
    finally:
        torch.set_default_dtype(previous)


def run_against_torch(torch, name, kwargs):
    x, y, w, b = regression_problem(1)
    tw = torch.tensor(w.numpy(), requires_grad=True)
    tb = torch.tensor(b.numpy(), requires_grad=True)
    tx, ty = torch.tensor(x.numpy()), torch.tensor(y.numpy())
    ours = getattr(optim, name)([w, b], **kwargs)
    theirs = getattr(torch.optim, name)([tw, tb], **kwargs)
    for _ in range(20):
        ours.zero_grad()
        loss_of(x, y, w, b).backward()
        ours.step()
        theirs.zero_grad()
        ((torch.tanh(tx @ tw + tb) - ty) ** 2).mean().backward()
        theirs.step()
    np.testing.assert_allclose(w.numpy(), tw.detach().numpy(), rtol=0, atol=1e-10)
    np.testing.assert_allclose(b.numpy(), tb.detach().numpy(), rtol=0, atol=1e-10)


@pytest.mark.torch
def test_schedules_equal_torch():
    torch = pytest.importorskip("torch")
    for make, kwargs in (("StepLR", {"step_size": 3, "gamma": 0.3}),
                         ("CosineAnnealingLR", {"T_max": 4, "eta_min": 0.01})):
        opt = optim.SGD([one_param()], lr=0.2)
        topt = torch.optim.SGD([torch.zeros(1, requires_grad=True)], lr=0.2)
        ours = getattr(optim, make)(opt, **kwargs)
        theirs = getattr(torch.optim.lr_scheduler, make)(topt, **kwargs)
        for _ in range(13):
            assert math.isclose(ours.get_last_lr()[0], theirs.get_last_lr()[0], rel_tol=1e-12,
                                abs_tol=1e-15)
            topt.step()
            ours.step()
            theirs.step()
