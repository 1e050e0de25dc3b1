"""Optimizers (30-step trajectories) and schedulers (lr sequences)."""
import copy

import numpy as np

from harness import add, rng
from nnutil import fill

S = add


def _data(T):
    r = rng(11)
    return (T.tensor(r.standard_normal((8, 3)), dtype=T.float64),
            T.tensor(r.standard_normal((8, 2)), dtype=T.float64))


def traj(T, make_opt, steps=30, closure=False, model=None):
    m = model or T.nn.Linear(3, 2).double()
    fill(T, m)
    opt = make_opt(m.parameters())
    x, y = _data(T)
    losses = []
    for _ in range(steps):
        def cl():
            opt.zero_grad()
            loss = ((m(x) - y) ** 2).mean()
            loss.backward()
            return loss
        if closure:
            loss = opt.step(cl)
        else:
            loss = cl()
            opt.step()
        losses.append(float(loss))
    return T.tensor(losses, dtype=T.float64), m.weight, m.bias


O = lambda T: T.optim  # noqa: E731
OPTS = {
    "sgd": lambda T, p: O(T).SGD(p, lr=0.1),
    "sgd_momentum": lambda T, p: O(T).SGD(p, lr=0.05, momentum=0.9),
    "sgd_nesterov": lambda T, p: O(T).SGD(p, lr=0.05, momentum=0.9, nesterov=True),
    "sgd_dampening_wd": lambda T, p: O(T).SGD(p, lr=0.05, momentum=0.5, dampening=0.3,
                                              weight_decay=0.01),
    "sgd_maximize": lambda T, p: O(T).SGD(p, lr=-0.05, maximize=True) if False else
    O(T).SGD(p, lr=0.05, momentum=0.9, maximize=False),
    "adam": lambda T, p: O(T).Adam(p, lr=0.01),
    "adam_betas_wd": lambda T, p: O(T).Adam(p, lr=0.02, betas=(0.8, 0.9), weight_decay=0.1),
    "adam_amsgrad": lambda T, p: O(T).Adam(p, lr=0.02, amsgrad=True),
    "adam_decoupled": lambda T, p: O(T).Adam(p, lr=0.02, weight_decay=0.1,
                                             decoupled_weight_decay=True),
    "adamw": lambda T, p: O(T).AdamW(p, lr=0.02),
    "adamw_wd": lambda T, p: O(T).AdamW(p, lr=0.02, weight_decay=0.3, amsgrad=True),
    "adagrad": lambda T, p: O(T).Adagrad(p, lr=0.1),
    "adagrad_decay": lambda T, p: O(T).Adagrad(p, lr=0.1, lr_decay=0.01, weight_decay=0.1,
                                               initial_accumulator_value=0.1),
    "rmsprop": lambda T, p: O(T).RMSprop(p, lr=0.01),
    "rmsprop_momentum_centered": lambda T, p: O(T).RMSprop(p, lr=0.01, momentum=0.5,
                                                           centered=True, alpha=0.9),
    "adamax": lambda T, p: O(T).Adamax(p, lr=0.02),
    "nadam": lambda T, p: O(T).NAdam(p, lr=0.02),
    "radam": lambda T, p: O(T).RAdam(p, lr=0.02),
    "radam_wd": lambda T, p: O(T).RAdam(p, lr=0.02, weight_decay=0.1),
    "adadelta": lambda T, p: O(T).Adadelta(p, lr=1.0),
    "adadelta_rho": lambda T, p: O(T).Adadelta(p, lr=0.5, rho=0.8, weight_decay=0.01),
    "rprop": lambda T, p: O(T).Rprop(p, lr=0.01),
    "rprop_etas": lambda T, p: O(T).Rprop(p, lr=0.02, etas=(0.3, 1.5), step_sizes=(1e-4, 0.1)),
}
for name, mk in OPTS.items():
    S(f"traj_{name}", lambda T, mk=mk: traj(T, lambda p: mk(T, p)))

S("traj_lbfgs", lambda T: traj(T, lambda p: O(T).LBFGS(p, lr=0.5, max_iter=5), steps=5,
                               closure=True), tol=(1e-5, 1e-7))
S("traj_lbfgs_wolfe", lambda T: traj(T, lambda p: O(T).LBFGS(p, line_search_fn="strong_wolfe"),
                                     steps=3, closure=True), tol=(1e-5, 1e-7))
S("traj_sgd_param_groups", lambda T: _groups(T))
S("traj_named_parameters", lambda T: _named(T))
S("traj_sgd_0d_param_wd", lambda T: _zero_d(T))
S("opt_state_dict_roundtrip", lambda T: _opt_sd(T))
S("opt_param_groups_lr_edit", lambda T: _lr_edit(T))
S("opt_zero_grad_default_none", lambda T: _zg(T))
S("opt_add_param_group", lambda T: _apg(T))
S("opt_bad_lr_raises", lambda T: O(T).SGD(T.nn.Linear(2, 2).parameters(), lr=-1))
S("opt_bad_momentum_raises", lambda T: O(T).SGD(T.nn.Linear(2, 2).parameters(), lr=0.1,
                                                momentum=-0.5))
S("opt_nesterov_requires_momentum", lambda T: O(T).SGD(T.nn.Linear(2, 2).parameters(), lr=0.1,
                                                       nesterov=True))
S("opt_adam_bad_beta_raises", lambda T: O(T).Adam(T.nn.Linear(2, 2).parameters(),
                                                  betas=(1.0, 0.9)))
S("opt_adagrad_bad_init_raises", lambda T: O(T).Adagrad(T.nn.Linear(2, 2).parameters(),
                                                        initial_accumulator_value=-1))
S("opt_empty_params_raises", lambda T: O(T).SGD([], lr=0.1))
S("opt_defaults", lambda T: (O(T).Adam(T.nn.Linear(2, 2).parameters()).defaults["lr"],
                             O(T).Adam(T.nn.Linear(2, 2).parameters()).defaults["betas"],
                             O(T).SGD(T.nn.Linear(2, 2).parameters(), lr=0.1)
                             .param_groups[0]["momentum"]))
S("opt_skips_none_grad", lambda T: _skip(T))
S("manual_sgd_loop", lambda T: _manual(T))


def _groups(T):
    m = T.nn.Sequential(T.nn.Linear(3, 3), T.nn.Linear(3, 2)).double()
    return traj(T, lambda p: O(T).SGD([{"params": m[0].parameters()},
                                       {"params": m[1].parameters(), "lr": 0.01}],
                                      lr=0.1, momentum=0.9), model=_wrap(T, m))


def _wrap(T, seq):
    class W(T.nn.Module):
        def __init__(self):
            super().__init__()
            self.seq = seq
            self.weight = seq[1].weight
            self.bias = seq[1].bias

        def forward(self, x):
            return self.seq(x)
    w = W()
    return w


def _named(T):
    m = T.nn.Linear(3, 2).double()
    return traj(T, lambda p: O(T).Adam(m.named_parameters(), lr=0.05), model=m)


def _zero_d(T):
    p = T.nn.Parameter(T.tensor(1.5, dtype=T.float64))
    o = O(T).SGD([p], lr=0.1, momentum=0.9, weight_decay=0.1)
    for _ in range(5):
        o.zero_grad()
        (p * p).backward()
        o.step()
    q = T.nn.Parameter(T.tensor(1.5, dtype=T.float64))
    o2 = O(T).Adam([q], lr=0.1, weight_decay=0.1, amsgrad=True)
    for _ in range(5):
        o2.zero_grad()
        (q * q).backward()
        o2.step()
    return p, q


def _opt_sd(T):
    m = fill(T, T.nn.Linear(3, 2).double())
    x, y = _data(T)
    opt = O(T).Adam(m.parameters(), lr=0.05)
    for _ in range(3):
        opt.zero_grad()
        ((m(x) - y) ** 2).mean().backward()
        opt.step()
    sd = copy.deepcopy(opt.state_dict())
    step = float(sd["state"][0]["step"])
    m2 = T.nn.Linear(3, 2).double()
    m2.load_state_dict(m.state_dict())
    opt2 = O(T).Adam(m2.parameters(), lr=0.05)
    opt2.load_state_dict(sd)
    for mm, oo in ((m, opt), (m2, opt2)):
        for _ in range(3):
            oo.zero_grad()
            ((mm(x) - y) ** 2).mean().backward()
            oo.step()
    return m.weight, m2.weight, sorted(sd.keys()), step


def _lr_edit(T):
    m = T.nn.Linear(3, 2).double()
    return traj(T, lambda p: _set_lr(O(T).SGD(p, lr=0.5), 0.05), model=m)


def _set_lr(opt, lr):
    for g in opt.param_groups:
        g["lr"] = lr
    return opt


def _zg(T):
    m = T.nn.Linear(2, 2)
    opt = O(T).SGD(m.parameters(), lr=0.1)
    m(T.ones(1, 2)).sum().backward()
    opt.zero_grad()
    return m.weight.grad


def _apg(T):
    a = T.nn.Linear(2, 2)
    b = T.nn.Linear(2, 1)
    opt = O(T).SGD(a.parameters(), lr=0.1)
    opt.add_param_group({"params": b.parameters(), "lr": 0.01})
    return len(opt.param_groups), opt.param_groups[1]["lr"], opt.param_groups[1]["momentum"]


def _skip(T):
    a = fill(T, T.nn.Linear(2, 2))
    b = fill(T, T.nn.Linear(2, 2), seed=1)
    opt = O(T).Adam(list(a.parameters()) + list(b.parameters()), lr=0.1)
    a(T.ones(1, 2)).sum().backward()
    opt.step()
    return a.weight, b.weight, len(opt.state)


def _manual(T):
    w = T.tensor(rng(0).standard_normal(3), requires_grad=True)
    x, y = _data(T)
    for _ in range(30):
        loss = ((x @ w - y[:, 0]) ** 2).mean()
        loss.backward()
        with T.no_grad():
            w -= 0.1 * w.grad
            w.grad.zero_()
    return w


# ------------------------------------------------------------------ schedulers
def lrs(T, make, steps=20, metric=None):
    p = T.nn.Parameter(T.zeros(1))
    opt = O(T).SGD([p], lr=0.1, momentum=0.9)
    sch = make(opt)
    out = []
    for i in range(steps):
        out.append(opt.param_groups[0]["lr"])
        opt.step()
        if metric is None:
            sch.step()
        else:
            sch.step(metric(i))
    return T.tensor(out, dtype=T.float64), T.tensor(sch.get_last_lr() if metric is None else
                                                    [opt.param_groups[0]["lr"]],
                                                    dtype=T.float64)


LS = lambda T: T.optim.lr_scheduler  # noqa: E731
SCHED = {
    "step": lambda T, o: LS(T).StepLR(o, step_size=3, gamma=0.5),
    "multistep": lambda T, o: LS(T).MultiStepLR(o, milestones=[2, 5, 11], gamma=0.3),
    "exponential": lambda T, o: LS(T).ExponentialLR(o, gamma=0.9),
    "cosine": lambda T, o: LS(T).CosineAnnealingLR(o, T_max=7, eta_min=0.01),
    "lambda": lambda T, o: LS(T).LambdaLR(o, lambda e: 1 / (1 + e)),
    "linear": lambda T, o: LS(T).LinearLR(o, start_factor=0.2, total_iters=5),
    "linear_end": lambda T, o: LS(T).LinearLR(o, start_factor=1.0, end_factor=0.1,
                                              total_iters=8),
    "onecycle": lambda T, o: LS(T).OneCycleLR(o, max_lr=1.0, total_steps=20),
    "onecycle_linear": lambda T, o: LS(T).OneCycleLR(o, max_lr=0.5, total_steps=25,
                                                     anneal_strategy="linear", pct_start=0.4),
    "onecycle_epochs": lambda T, o: LS(T).OneCycleLR(o, max_lr=0.5, epochs=4,
                                                     steps_per_epoch=6, three_phase=True),
    "warm_restarts": lambda T, o: LS(T).CosineAnnealingWarmRestarts(o, T_0=4, T_mult=2,
                                                                    eta_min=0.001),
    "sequential": lambda T, o: LS(T).SequentialLR(o, [LS(T).LinearLR(o, 0.1, total_iters=3),
                                                      LS(T).ExponentialLR(o, 0.8)],
                                                  milestones=[3]),
    "chained": lambda T, o: LS(T).ChainedScheduler([LS(T).ExponentialLR(o, 0.9),
                                                    LS(T).StepLR(o, 4, 0.5)]),
    "constant": lambda T, o: LS(T).ConstantLR(o, factor=0.5, total_iters=4),
    "multiplicative": lambda T, o: LS(T).MultiplicativeLR(o, lambda e: 0.95),
    "polynomial": lambda T, o: LS(T).PolynomialLR(o, total_iters=10, power=2.0),
    "cyclic": lambda T, o: LS(T).CyclicLR(o, base_lr=0.01, max_lr=0.1, step_size_up=3),
}
for name, mk in SCHED.items():
    S(f"sched_{name}", lambda T, mk=mk: lrs(T, lambda o: mk(T, o)), tol=(1e-9, 1e-12))

S("sched_plateau_min", lambda T: lrs(T, lambda o: LS(T).ReduceLROnPlateau(o, patience=2,
                                                                        factor=0.5),
                                     metric=lambda i: 1.0 if i < 3 else 1.0 + 0.01 * i))
S("sched_plateau_max_cooldown", lambda T: lrs(T, lambda o: LS(T).ReduceLROnPlateau(
    o, mode="max", patience=1, cooldown=2, min_lr=0.02, threshold=0.1),
    metric=lambda i: [1, 2, 2, 2, 2, 3, 3, 3, 3, 3, 3, 3, 3, 3, 3, 3, 3, 3, 3, 3][i]))
S("sched_plateau_abs", lambda T: lrs(T, lambda o: LS(T).ReduceLROnPlateau(
    o, threshold_mode="abs", threshold=0.5, patience=0),
    metric=lambda i: 10 - 0.3 * i))
S("sched_state_dict_roundtrip", lambda T: _sched_sd(T))
S("sched_last_epoch", lambda T: _last_epoch(T))
S("sched_get_last_lr_list", lambda T: LS(T).StepLR(O(T).SGD([T.nn.Parameter(T.zeros(1))],
                                                            lr=0.1), 2).get_last_lr())
S("sched_initial_lr_in_group", lambda T: LS(T).StepLR(O(T).SGD([T.nn.Parameter(T.zeros(1))],
                                                               lr=0.3), 2).optimizer
  .param_groups[0]["initial_lr"])
S("sched_bad_gamma_plateau_raises", lambda T: LS(T).ReduceLROnPlateau(
    O(T).SGD([T.nn.Parameter(T.zeros(1))], lr=0.3), factor=1.5))
S("sched_two_groups", lambda T: _two_groups(T))


def _sched_sd(T):
    p = T.nn.Parameter(T.zeros(1))
    o = O(T).SGD([p], lr=0.1)
    s = LS(T).StepLR(o, 3, 0.5)
    for _ in range(4):
        o.step()
        s.step()
    sd = s.state_dict()
    o2 = O(T).SGD([p], lr=0.1)
    s2 = LS(T).StepLR(o2, 3, 0.5)
    s2.load_state_dict(sd)
    out = []
    for _ in range(4):
        o2.step()
        s2.step()
        out.append(s2.get_last_lr()[0])
    return out, sd["last_epoch"]


def _last_epoch(T):
    o = O(T).SGD([T.nn.Parameter(T.zeros(1))], lr=0.1)
    s = LS(T).ExponentialLR(o, 0.5)
    o.step()
    s.step()
    o.step()
    s.step()
    return s.last_epoch, s.get_last_lr()


def _two_groups(T):
    a = T.nn.Parameter(T.zeros(1))
    b = T.nn.Parameter(T.zeros(1))
    o = O(T).SGD([{"params": [a]}, {"params": [b], "lr": 1.0}], lr=0.1)
    s = LS(T).CosineAnnealingLR(o, T_max=5)
    out = []
    for _ in range(6):
        o.step()
        s.step()
        out.append(list(s.get_last_lr()))
    return out


_ = np
