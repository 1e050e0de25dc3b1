"""The optimizers and schedules of issue 14 against torch.optim in float64: 30-step
trajectories, lr sequences, state_dict round trips, named parameters and param groups."""
import numpy as np
import pytest

import autodiff as ad
import nn
from nn import optim
from nn.optim import lr_scheduler

torch = pytest.importorskip("torch")
pytestmark = pytest.mark.torch

RNG = np.random.default_rng(0)
X, Y = RNG.normal(size=(20, 3)), RNG.normal(size=(20, 2))
W0, B0 = RNG.normal(size=(3, 2)), RNG.normal(size=2)


@pytest.fixture(autouse=True)
def float64_torch():
    previous = torch.get_default_dtype()
    torch.set_default_dtype(torch.float64)
    yield
    torch.set_default_dtype(previous)


def problems():
    """(our params and closure maker, their params and closure maker) for one regression."""
    w, b = nn.Parameter(W0.copy()), nn.Parameter(B0.copy())
    tw, tb = torch.tensor(W0.copy(), requires_grad=True), torch.tensor(B0.copy(),
                                                                          requires_grad=True)
    x, y, tx, ty = ad.tensor(X), ad.tensor(Y), torch.tensor(X), torch.tensor(Y)

    def ours(opt):
        def closure():
            opt.zero_grad()
            loss = ((ad.tanh(x @ w + b) - y) ** 2).mean() + (w * w * w * w).sum() * 0.1
            loss.backward()
            return loss
        return closure

    def theirs(opt):
        def closure():
            opt.zero_grad()
            loss = ((torch.tanh(tx @ tw + tb) - ty) ** 2).mean() + (tw ** 4).sum() * 0.1
            loss.backward()
            return loss
        return closure
    return (w, b), ours, (tw, tb), theirs


@pytest.mark.parametrize("name, kwargs", [
    ("RAdam", {}), ("RAdam", {"lr": 0.01, "weight_decay": 0.1}),
    ("RAdam", {"lr": 0.01, "betas": (0.8, 0.99), "weight_decay": 0.1,
               "decoupled_weight_decay": True}),
    ("Adadelta", {}), ("Adadelta", {"lr": 0.5, "rho": 0.8, "eps": 1e-4, "weight_decay": 0.1}),
    ("Adadelta", {"maximize": True}),
    ("Rprop", {}), ("Rprop", {"lr": 0.05, "etas": (0.3, 1.5), "step_sizes": (1e-3, 0.2)}),
    ("Adam", {"lr": 0.01, "weight_decay": 0.1, "decoupled_weight_decay": True}),
    ("Adam", {"lr": 0.01, "weight_decay": 0.1, "decoupled_weight_decay": True,
              "amsgrad": True}),
])
def test_30_step_trajectory_equals_torch(name, kwargs):
    (w, b), ours, (tw, tb), theirs = problems()
    mine, reference = getattr(optim, name)([w, b], **kwargs), \
        getattr(torch.optim, name)([tw, tb], **kwargs)
    step_ours, step_theirs = ours(mine), theirs(reference)
    for _ in range(30):
        step_ours()
        mine.step()
        step_theirs()
        reference.step()
        np.testing.assert_allclose(w.numpy(), tw.detach().numpy(), rtol=1e-10, atol=1e-12)
        np.testing.assert_allclose(b.numpy(), tb.detach().numpy(), rtol=1e-10, atol=1e-12)


@pytest.mark.parametrize("kwargs", [
    {"max_iter": 5}, {"lr": 0.5, "history_size": 3, "max_iter": 10},
    {"line_search_fn": "strong_wolfe", "max_iter": 10},
    {"line_search_fn": "strong_wolfe", "lr": 2, "history_size": 2},
])
def test_lbfgs_with_closure_equals_torch(kwargs):
    """30 iterations or more in all (several step(closure) calls), the same evaluations."""
    (w, b), ours, (tw, tb), theirs = problems()
    mine, reference = optim.LBFGS([w, b], **kwargs), torch.optim.LBFGS([tw, tb], **kwargs)
    closure_ours, closure_theirs = ours(mine), theirs(reference)
    for _ in range(3):
        loss = mine.step(closure_ours)
        expected = reference.step(closure_theirs)
        assert float(loss) == pytest.approx(float(expected.detach()), rel=1e-10)
        np.testing.assert_allclose(w.numpy(), tw.detach().numpy(), rtol=1e-9, atol=1e-11)
    assert mine.state[w]["func_evals"] == reference.state[tw]["func_evals"]
    assert mine.state[w]["n_iter"] == reference.state[tw]["n_iter"]


def test_lbfgs_finds_the_bottom_of_a_quadratic_bowl_where_sgd_crawls():
    a = np.array([[10.0, 0.0], [0.0, 0.1]])              # condition number 100
    for make in (lambda p: optim.LBFGS([p], line_search_fn="strong_wolfe"),
                 lambda p: optim.SGD([p], lr=0.19)):
        p = nn.Parameter(np.array([1.0, 1.0]))
        opt = make(p)

        def closure(p=p, opt=opt):
            opt.zero_grad()
            loss = (p @ (ad.tensor(a) @ p)) * 0.5
            loss.backward()
            return loss
        for _ in range(2):
            opt.step(closure)
        loss = float(closure())
        if isinstance(opt, optim.LBFGS):
            assert loss < 1e-9                                # 0.05 at the start
        else:
            assert loss > 0.04                                # still far along the flat axis


def test_lbfgs_needs_a_closure_and_one_group():
    p = nn.Parameter(np.zeros(2))
    with pytest.raises(RuntimeError, match="closure"):
        optim.LBFGS([p]).step()
    with pytest.raises(ValueError, match="parameter groups"):
        optim.LBFGS([{"params": [p]}, {"params": [nn.Parameter(np.zeros(1))]}])
    with pytest.raises(ValueError, match="line_search_fn"):
        optim.LBFGS([p], line_search_fn="backtracking")


def test_named_parameters_and_param_group_dicts_like_torch():
    model = nn.Linear(3, 2)
    twin = nn.to_torch(model)
    ours = optim.Adam(model.named_parameters(), lr=0.1)
    theirs = torch.optim.Adam(twin.named_parameters(), lr=0.1)
    assert ours.param_groups[0]["param_names"] == theirs.param_groups[0]["param_names"] == \
        ["weight", "bias"]
    assert ours.state_dict()["param_groups"][0]["param_names"] == ["weight", "bias"]
    groups = [{"params": [model.weight], "lr": 0.5}, {"params": model.bias}]
    ours = optim.SGD(groups, lr=0.1, momentum=0.9)
    assert [g["lr"] for g in ours.param_groups] == [0.5, 0.1]
    assert ours.param_groups[1]["momentum"] == 0.9
    named_groups = [{"params": [("weight", model.weight)], "lr": 0.5},
                    {"params": [("bias", model.bias)]}]
    assert optim.SGD(named_groups, lr=0.1).param_groups[1]["param_names"] == ["bias"]
    with pytest.raises(ValueError, match="with/without names"):
        optim.SGD([("weight", model.weight), model.bias], lr=0.1)


@pytest.mark.parametrize("make, message", [
    (lambda p: optim.Rprop(p, etas=(1.5, 1.2)), "Invalid eta values"),
    (lambda p: optim.Adadelta(p, rho=1.5), "Invalid rho value"),
    (lambda p: optim.RAdam(p, betas=(1.0, 0.9)), "beta parameter at index 0"),
    (lambda p: optim.RAdam(p, lr=-1.0), "learning rate"),
])
def test_bad_settings_name_the_optimizer(make, message):
    with pytest.raises(ValueError, match=message):
        make([nn.Parameter(np.zeros(1))])


def test_state_dict_round_trip_resumes_the_trajectory():
    for name, kwargs in (("RAdam", {}), ("Adadelta", {}), ("Rprop", {})):
        (w, b), ours, _, _ = problems()
        opt = getattr(optim, name)([w, b], **kwargs)
        closure = ours(opt)
        for _ in range(4):
            closure()
            opt.step()
        saved = opt.state_dict()
        (w2, b2), ours2, _, _ = problems()
        w2.array[...], b2.array[...] = w.array, b.array
        resumed = getattr(optim, name)([w2, b2], **kwargs)
        resumed.load_state_dict(saved)
        for o, c in ((opt, closure), (resumed, ours2(resumed))):
            for _ in range(3):
                c()
                o.step()
        np.testing.assert_array_equal(w.numpy(), w2.numpy())


# ---- schedules ------------------------------------------------------------------------------
def two_group_optimizers(kind="SGD"):
    ours = getattr(optim, kind)([{"params": [nn.Parameter(np.zeros(1))]},
                                 {"params": [nn.Parameter(np.zeros(1))], "lr": 0.05}],
                                lr=0.2, **({"momentum": 0.9} if kind == "SGD" else {}))
    theirs = getattr(torch.optim, kind)([{"params": [torch.zeros(1, requires_grad=True)]},
                                         {"params": [torch.zeros(1, requires_grad=True)],
                                          "lr": 0.05}],
                                        lr=0.2, **({"momentum": 0.9} if kind == "SGD" else {}))
    return ours, theirs


def warm_then_cosine(module, opt):
    return module.SequentialLR(opt, [module.LinearLR(opt, 0.1, total_iters=4),
                                     module.CosineAnnealingLR(opt, T_max=10)], milestones=[5])


def chained(module, opt):
    return module.ChainedScheduler([module.ExponentialLR(opt, 0.9),
                                    module.MultiStepLR(opt, [3, 7], 0.5)])


SCHEDULES = [
    ("MultiStepLR", lambda m, o: m.MultiStepLR(o, milestones=[3, 7, 7, 12], gamma=0.3)),
    ("ExponentialLR", lambda m, o: m.ExponentialLR(o, gamma=0.85)),
    ("LambdaLR", lambda m, o: m.LambdaLR(o, lambda epoch: 1 / (1 + epoch))),
    ("LambdaLR per group", lambda m, o: m.LambdaLR(o, [lambda e: 0.9 ** e, lambda e: e + 1])),
    ("LinearLR", lambda m, o: m.LinearLR(o)),
    ("LinearLR down", lambda m, o: m.LinearLR(o, start_factor=1.0, end_factor=0.2,
                                              total_iters=10)),
    ("OneCycleLR", lambda m, o: m.OneCycleLR(o, max_lr=1.0, total_steps=30)),
    ("OneCycleLR linear 3-phase", lambda m, o: m.OneCycleLR(
        o, max_lr=[1.0, 0.3], epochs=3, steps_per_epoch=10, pct_start=0.4,
        anneal_strategy="linear", three_phase=True, div_factor=10.0)),
    ("CosineAnnealingWarmRestarts", lambda m, o: m.CosineAnnealingWarmRestarts(o, T_0=4)),
    ("CosineAnnealingWarmRestarts T_mult", lambda m, o: m.CosineAnnealingWarmRestarts(
        o, T_0=3, T_mult=2, eta_min=0.01)),
    ("SequentialLR", warm_then_cosine),
    ("SequentialLR step", lambda m, o: m.SequentialLR(
        o, [m.ExponentialLR(o, 0.5), m.StepLR(o, 3, 0.5), m.MultiStepLR(o, [2], 0.1)],
        milestones=[4, 12])),
    ("ChainedScheduler", chained),
]


def momentum_of(group):
    return group["betas"][0] if "betas" in group else group.get("momentum")


@pytest.mark.parametrize("kind", ["SGD", "Adam"])
@pytest.mark.parametrize("label, make", SCHEDULES, ids=[s[0] for s in SCHEDULES])
def test_lr_sequence_and_state_dict_round_trip_equal_torch(label, make, kind):
    ours_opt, theirs_opt = two_group_optimizers(kind)
    ours, theirs = make(lr_scheduler, ours_opt), make(torch.optim.lr_scheduler, theirs_opt)
    for epoch in range(30):
        assert ours.get_last_lr() == pytest.approx(theirs.get_last_lr(), rel=1e-12, abs=1e-15)
        assert [g["lr"] for g in ours_opt.param_groups] == \
            pytest.approx([g["lr"] for g in theirs_opt.param_groups], rel=1e-12, abs=1e-15)
        assert [momentum_of(g) for g in ours_opt.param_groups] == \
            pytest.approx([momentum_of(g) for g in theirs_opt.param_groups], rel=1e-12)
        if epoch == 12:            # save both, rebuild both, load both (PyTorch's recipe)
            saved, saved_opt = ours.state_dict(), ours_opt.state_dict()
            ours_opt, _ = two_group_optimizers(kind)
            ours = make(lr_scheduler, ours_opt)
            ours_opt.load_state_dict(saved_opt)
            ours.load_state_dict(saved)
        if epoch < 29:
            ours_opt.step()
            theirs_opt.step()
            ours.step()
            theirs.step()


def test_reduce_lr_on_plateau_equals_torch():
    losses = [1.0, 0.9, 0.95, 0.95, 0.96, 0.89, 0.9, 0.9, 0.9, 0.9, 0.5, 0.5, 0.5, 0.5, 0.5,
              0.5, 0.4999, 0.5, 0.5, 0.5]
    for kwargs in ({"patience": 2}, {"patience": 1, "cooldown": 2, "factor": 0.5},
                   {"mode": "max", "patience": 0, "threshold_mode": "abs", "threshold": 0.05},
                   {"patience": 0, "min_lr": [0.01, 0.04]}):
        ours_opt, theirs_opt = two_group_optimizers()
        ours = lr_scheduler.ReduceLROnPlateau(ours_opt, **kwargs)
        theirs = torch.optim.lr_scheduler.ReduceLROnPlateau(theirs_opt, **kwargs)
        for i, loss in enumerate(losses):
            ours.step(loss)
            theirs.step(loss)
            assert ours.get_last_lr() == pytest.approx(theirs.get_last_lr(), rel=1e-12)
            if i == 8:
                saved = ours.state_dict()
                ours = lr_scheduler.ReduceLROnPlateau(ours_opt)
                ours.load_state_dict(saved)
    with pytest.raises(ValueError, match="Factor should be < 1.0"):
        lr_scheduler.ReduceLROnPlateau(ours_opt, factor=1.0)
    with pytest.raises(ValueError, match="mode sideways is unknown"):
        lr_scheduler.ReduceLROnPlateau(ours_opt, mode="sideways")


def test_lambda_lr_state_dict_keeps_a_callable_objects_state():
    class Warmup:
        def __init__(self):
            self.factor = 0.5

        def __call__(self, epoch):
            return self.factor * (epoch + 1)

    opt, _ = two_group_optimizers()
    sched = lr_scheduler.LambdaLR(opt, Warmup())
    sched.lr_lambdas[0].factor = 2.0
    state = sched.state_dict()
    assert state["lr_lambdas"][0] == {"factor": 2.0} and "optimizer" not in state
    fresh = lr_scheduler.LambdaLR(opt, Warmup())
    fresh.load_state_dict(state)
    assert fresh.lr_lambdas[0].factor == 2.0
    assert lr_scheduler.LambdaLR(opt, lambda e: 1.0).state_dict()["lr_lambdas"] == [None, None]


@pytest.mark.parametrize("make, message", [
    (lambda o: lr_scheduler.LinearLR(o, start_factor=0), "Starting multiplicative factor"),
    (lambda o: lr_scheduler.OneCycleLR(o, 1.0), "total_steps OR"),
    (lambda o: lr_scheduler.OneCycleLR(o, 1.0, total_steps=10, pct_start=1),
     "pct_start"),
    (lambda o: lr_scheduler.OneCycleLR(o, 1.0, total_steps=10, anneal_strategy="exp"),
     "anneal_strategy"),
    (lambda o: lr_scheduler.CosineAnnealingWarmRestarts(o, T_0=0), "T_0"),
    (lambda o: lr_scheduler.SequentialLR(o, [lr_scheduler.ExponentialLR(o, 0.5)], [3]),
     "one more than the number of milestone"),
    (lambda o: lr_scheduler.ChainedScheduler([]), "at least one scheduler"),
    (lambda o: lr_scheduler.LambdaLR(o, [lambda e: 1.0]), "Expected 2 lr_lambdas"),
])
def test_schedule_errors_match_torch(make, message):
    opt, _ = two_group_optimizers()
    with pytest.raises(ValueError, match=message):
        make(opt)


def test_one_cycle_past_its_last_step_is_an_error():
    opt, _ = two_group_optimizers()
    sched = lr_scheduler.OneCycleLR(opt, max_lr=1.0, total_steps=3)
    for _ in range(3):
        sched.step()
    with pytest.raises(ValueError, match="Tried to step 4 times"):
        sched.step()
