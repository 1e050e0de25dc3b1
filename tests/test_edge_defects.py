"""Issue 12's thirteen edge-value defects, each reproduced and compared with PyTorch.

Every test here failed before its fix. The broad sweep over every primitive, layer and loss
lives in test_edge_sweep.py; these are the cases a careful user reported.
"""
import warnings

import numpy as np
import pytest

import autodiff as ad
import nn

torch = pytest.importorskip("torch")
F = nn.functional
tF = torch.nn.functional

pytestmark = pytest.mark.filterwarnings("ignore::RuntimeWarning")


def leaf(values):
    return ad.tensor(np.array(values, dtype=float), requires_grad=True)


def torch_leaf(values):
    return torch.tensor(np.array(values, dtype=float), requires_grad=True)


def same(ours, theirs, rtol=1e-10):
    """Equal values, NaN where PyTorch has NaN and the same infinities."""
    ours = np.asarray(ours.numpy() if hasattr(ours, "numpy") else ours, dtype=float)
    theirs = np.asarray(theirs.detach().numpy() if hasattr(theirs, "detach") else theirs,
                        dtype=float)
    np.testing.assert_allclose(ours, theirs, rtol=rtol, atol=1e-12, equal_nan=True)


def constant(m, values):
    return m.tensor(np.array(values)) if m is ad else torch.tensor(values, dtype=torch.float64)


# ---- 1: masks select ----------------------------------------------------------------------
SELECTING = {
    "sqrt(relu(x))": (lambda m, x: m.sqrt(m.relu(x)), [-1.0, 4.0, 0.0]),
    "sqrt(clip(x, 0))": (lambda m, x: m.sqrt(m.clip(x, 0)), [-1.0, 4.0, 0.0]),
    "log(clip(p, 0, 1))": (lambda m, x: m.log(m.clip(x, 0, 1)), [-0.5, 0.5, 1.5, 0.0]),
    "sqrt(maximum(x, 0))": (lambda m, x: m.sqrt(m.maximum(x, constant(m, [0.0, 0.0, 0.0]))),
                            [-1.0, 4.0, 0.0]),
    "log(minimum(x, 1 - x))": (lambda m, x: m.log(m.minimum(x, 1 - x)), [-1.0, 0.25, 0.0]),
}


@pytest.mark.parametrize("name", SELECTING)
def test_masks_select_an_infinite_upstream_gradient(name):
    f, values = SELECTING[name]
    x, tx = leaf(values), torch_leaf(values)
    f(ad, x).sum().backward()
    f(torch, tx).sum().backward()
    same(x.grad, tx.grad)


def test_max_and_max_pool_select_too():
    x, tx = leaf([[1.0, 0.0, 3.0, 3.0]]), torch_leaf([[1.0, 0.0, 3.0, 3.0]])
    ad.log(ad.max(x) - 3 + x * 0).sum().backward()     # upstream inf at every element
    torch.log(torch.max(tx) - 3 + tx * 0).sum().backward()
    same(x.grad, tx.grad)
    img = np.array([[[[0.0, 1.0], [2.0, 0.5]]]])
    x, tx = leaf(img), torch_leaf(img)
    ad.log(F.max_pool2d(x, 2) - 2).sum().backward()
    torch.log(tF.max_pool2d(tx, 2) - 2).sum().backward()
    same(x.grad, tx.grad)


# ---- 2, 3, 10, 11: the class-index losses ---------------------------------------------------
def test_a_minus_infinite_non_target_log_probability_adds_nothing():
    logits = np.array([[0.0, -np.inf, 1.0]])
    x, tx = leaf(logits), torch_leaf(logits)
    loss, tloss = F.cross_entropy(x, np.array([2])), tF.cross_entropy(tx, torch.tensor([2]))
    same(loss, tloss)
    loss.backward()
    tloss.backward()
    same(x.grad, tx.grad)
    logp = np.log([[0.5, 0.0, 0.5]])
    same(F.nll_loss(ad.tensor(logp), np.array([0])),
         tF.nll_loss(torch.tensor(logp), torch.tensor([0])))


def test_a_fully_ignored_batch_has_a_nan_loss_and_zero_gradients():
    logits = np.random.default_rng(0).standard_normal((2, 3))
    x, tx = leaf(logits), torch_leaf(logits)
    loss = F.cross_entropy(x, np.array([-100, -100]))
    tloss = tF.cross_entropy(tx, torch.tensor([-100, -100]))
    same(loss, tloss)
    loss.backward()
    tloss.backward()
    same(x.grad, tx.grad)
    assert np.all(x.grad.numpy() == 0)


@pytest.mark.parametrize("reduction", ["mean", "sum", "none"])
def test_an_empty_batch(reduction):
    x = leaf(np.zeros((0, 3)))
    loss = F.cross_entropy(x, np.zeros(0, dtype=int), reduction=reduction)
    tloss = tF.cross_entropy(torch.zeros((0, 3), dtype=torch.float64),
                             torch.zeros(0, dtype=torch.long), reduction=reduction)
    assert loss.shape == tuple(tloss.shape)
    same(loss, tloss)


CLASS_INDEX_LOSSES = {
    "cross_entropy": (lambda x: F.cross_entropy(x, np.array([0, 2])),
                      lambda x: tF.cross_entropy(x, torch.tensor([0, 2]))),
    "nll_loss": (lambda x: F.nll_loss(ad.log_softmax(x, 1), np.array([1, 0]), reduction="sum"),
                 lambda x: tF.nll_loss(torch.log_softmax(x, 1), torch.tensor([1, 0]),
                                       reduction="sum")),
}


@pytest.mark.parametrize("name", CLASS_INDEX_LOSSES)
def test_derive_with_integer_class_targets(name):
    ours, theirs = CLASS_INDEX_LOSSES[name]
    X = ad.symbols("X", shape=(2, 3))
    gradient = ad.derive(ours(X)).gradients[X]
    values = np.random.default_rng(1).standard_normal((2, 3))
    symbols = {s.name: s for s in gradient.free_symbols}
    at = {symbols[f"X_{i}_{j}"]: values[i, j] for i in range(2) for j in range(3)}
    exact = np.array([[float(gradient[i, j].subs(at)) for j in range(3)] for i in range(2)])
    tx = torch_leaf(values)
    theirs(tx).backward()
    same(exact, tx.grad)


# ---- 4: optimizer state of 0-d parameters -----------------------------------------------------
OPTIMIZERS = {
    "SGD": {"lr": 0.1, "momentum": 0.9, "weight_decay": 0.1},
    "SGD maximize": {"lr": 0.1, "momentum": 0.9, "maximize": True},
    "SGD nesterov": {"lr": 0.1, "momentum": 0.9, "nesterov": True, "weight_decay": 0.1},
    "Adam": {"lr": 0.1, "weight_decay": 0.1, "amsgrad": True},
    "AdamW": {"lr": 0.1, "maximize": True},
    "Adamax": {"lr": 0.1, "weight_decay": 0.1},
    "NAdam": {"lr": 0.1, "weight_decay": 0.1},
    "Adagrad": {"lr": 0.1, "weight_decay": 0.1, "lr_decay": 0.01},
    "RMSprop": {"lr": 0.01, "momentum": 0.9, "centered": True, "weight_decay": 0.1},
}


@pytest.mark.parametrize("case", OPTIMIZERS)
def test_every_optimizer_updates_a_0d_parameter_like_pytorch(case):
    name, settings = case.split()[0], OPTIMIZERS[case]
    p = nn.Parameter(np.array(1.5))
    tp = torch.nn.Parameter(torch.tensor(1.5, dtype=torch.float64))
    opt = getattr(nn.optim, name)([p], **settings)
    topt = getattr(torch.optim, name)([tp], **settings)
    for _ in range(5):
        opt.zero_grad()
        (p * p).backward()
        opt.step()
        topt.zero_grad()
        (tp * tp).backward()
        topt.step()
    same(p, tp, rtol=1e-7)        # the same rule, the terms in another order
    saved = opt.state_dict()["state"][0]           # 0-d state arrays are saved as copies
    for key, value in opt.state[p].items():
        if isinstance(value, np.ndarray):
            assert isinstance(saved[key], ad.Tensor)
            assert not np.shares_memory(saved[key].array, value)
    resumed = getattr(nn.optim, name)([nn.Parameter(p.numpy().copy())], **settings)
    resumed.load_state_dict(opt.state_dict())
    q = resumed.param_groups[0]["params"][0]
    for optimizer, param in ((opt, p), (resumed, q)):
        optimizer.zero_grad()
        (param * param).backward()
        optimizer.step()
    same(q, p, rtol=0)


# ---- 5: power at base 0 ---------------------------------------------------------------------
@pytest.mark.parametrize("base, exponent", [(0.0, 0.0), (0.0, 2.0), (0.0, -1.0), (0.0, 0.5),
                                            (2.0, 0.0), (-1.0, 2.0), (0.0, 1.0)])
def test_power_at_base_zero(base, exponent):
    x, y = leaf(base), leaf(exponent)
    tx, ty = torch_leaf(base), torch_leaf(exponent)
    out, tout = x ** y, tx ** ty
    same(out, tout)
    out.backward()
    tout.backward()
    same(x.grad, tx.grad)
    same(y.grad, ty.grad)


def test_power_with_a_constant_exponent_at_zero():
    x, tx = leaf([0.0, 1.0]), torch_leaf([0.0, 1.0])
    (x ** 0).sum().backward()
    (tx ** 0).sum().backward()
    same(x.grad, tx.grad)


# ---- 6, 7: pooling -------------------------------------------------------------------------
def test_avg_pool_divisor_override_without_padding_counts():
    x = np.ones((1, 1, 3, 3))
    ours = F.avg_pool2d(ad.tensor(x), 3, 1, 1, count_include_pad=False, divisor_override=2)
    theirs = tF.avg_pool2d(torch.tensor(x), 3, 1, 1, count_include_pad=False, divisor_override=2)
    same(ours, theirs)
    layer = nn.AvgPool2d(3, 1, 1, count_include_pad=False, divisor_override=2)
    same(layer(ad.tensor(x)), theirs)


UNBATCHED = {
    "F.conv2d": (lambda m, x, w: m.conv2d(x, w, padding=1)),
    "F.max_pool2d": (lambda m, x, w: m.max_pool2d(x, 2)),
    "F.max_pool2d ceil": (lambda m, x, w: m.max_pool2d(x, 2, ceil_mode=True)),
    "F.avg_pool2d": (lambda m, x, w: m.avg_pool2d(x, 3, 1, 1, count_include_pad=False)),
    "MaxPool2d": (lambda m, x, w: m.MaxPool2d(2)(x)),
    "AvgPool2d": (lambda m, x, w: m.AvgPool2d(2, 1)(x)),
    "AdaptiveAvgPool2d": (lambda m, x, w: m.AdaptiveAvgPool2d((3, 2))(x)),
    "AdaptiveAvgPool2d even": (lambda m, x, w: m.AdaptiveAvgPool2d(3)(x)),
}


@pytest.mark.parametrize("name", UNBATCHED)
def test_one_image_without_a_batch_axis(name):
    f = UNBATCHED[name]
    r = np.random.default_rng(2)
    image, weight = r.standard_normal((2, 6, 7)), r.standard_normal((3, 2, 3, 3))
    x, tx = leaf(image), torch_leaf(image)
    ours_ns = F if name.startswith("F.") else nn
    theirs_ns = tF if name.startswith("F.") else torch.nn
    if name == "AdaptiveAvgPool2d even":
        image = r.standard_normal((2, 6, 6))
        x, tx = leaf(image), torch_leaf(image)
    out = f(ours_ns, x, ad.tensor(weight))
    tout = f(theirs_ns, tx, torch.tensor(weight))
    assert out.shape == tuple(tout.shape)
    same(out, tout)
    out.sum().backward()
    tout.sum().backward()
    same(x.grad, tx.grad)


# ---- 8, 9: every .grad owns its memory --------------------------------------------------------
def test_a_gradient_from_a_broadcast_is_writable():
    w = nn.Parameter(np.ones(3))
    opt = nn.optim.SGD([w], lr=0.1)
    w.sum().backward()
    assert w.grad.array.flags.writeable and w.grad.array.flags.c_contiguous
    opt.zero_grad(set_to_none=False)
    assert np.all(w.grad.numpy() == 0)
    w.sum().backward()
    w.grad.array *= 0.5                                # clipping in place
    np.testing.assert_array_equal(w.grad.numpy(), 0.5)


def test_two_leaves_of_one_add_do_not_share_a_gradient():
    a, b = leaf(np.ones(3)), leaf(np.ones(3))
    (a + b).sum().backward()
    a.grad.array *= 2
    np.testing.assert_array_equal(b.grad.numpy(), 1)
    assert not np.shares_memory(a.grad.array, b.grad.array)


def test_the_callers_seed_is_not_a_leafs_gradient():
    a = leaf(np.ones(3))
    seed = ad.tensor(np.full(3, 2.0))
    (a + 0).backward(seed)
    a.grad.array[...] = 0
    np.testing.assert_array_equal(seed.numpy(), 2.0)
    b = leaf(np.ones(2))
    b.backward(seed[:2] * 1)
    assert b.grad.array.flags.writeable


# ---- 12: zero fan ---------------------------------------------------------------------------
@pytest.mark.parametrize("shape", [(0, 3), (3, 0)])
def test_linear_with_a_zero_fan_warns_and_skips_initialisation(shape):
    with pytest.warns(UserWarning, match="Initializing zero-element tensors is a no-op"):
        layer = nn.Linear(shape[1], shape[0])
    assert layer.weight.shape == shape
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        tlayer = torch.nn.Linear(shape[1], shape[0])
    assert tuple(tlayer.weight.shape) == shape
    with pytest.warns(UserWarning):
        nn.init.kaiming_normal_(ad.tensor(np.zeros((0, 4))))


# ---- 13: argument validation with PyTorch's messages -------------------------------------------
BAD_ARGUMENTS = [
    ("Adagrad", {"initial_accumulator_value": -1}), ("Adagrad", {"lr_decay": -1}),
    ("Adagrad", {"eps": -1}), ("Adagrad", {"lr": -0.5}),
    ("SGD", {"lr": -1}), ("SGD", {"momentum": -1}), ("SGD", {"weight_decay": -1}),
    ("SGD", {"lr": 0.1, "nesterov": True}),
    ("Adam", {"eps": -1}), ("Adam", {"betas": (1.0, 0.9)}), ("Adam", {"betas": (0.9, -1)}),
    ("Adam", {"weight_decay": -1}), ("Adam", {"lr": float("nan")}),
    ("AdamW", {"lr": -1}), ("Adamax", {"betas": (0.9, 1.5)}), ("NAdam", {"momentum_decay": -1}),
    ("RMSprop", {"alpha": -1}), ("RMSprop", {"momentum": -1}), ("RMSprop", {"eps": -1}),
]


@pytest.mark.parametrize("name, settings", BAD_ARGUMENTS)
def test_optimizer_arguments_are_refused_with_pytorchs_message(name, settings):
    with pytest.raises(ValueError) as theirs:
        getattr(torch.optim, name)([torch.nn.Parameter(torch.ones(2))], **settings)
    with pytest.raises(ValueError) as ours:
        getattr(nn.optim, name)([nn.Parameter(np.ones(2))], **settings)
    assert str(theirs.value) in str(ours.value)
    assert str(ours.value).startswith(name)


def test_optimizer_and_scheduler_structure_errors_carry_pytorchs_message():
    cases = [
        (lambda o: o.SGD([], lr=0.1), "optimizer got an empty parameter list"),
        (lambda o: o.SGD([1.0], lr=0.1), "optimizer can only optimize Tensors"),
    ]
    for make, message in cases:
        for optim in (torch.optim, nn.optim):
            with pytest.raises((ValueError, TypeError), match=message):
                make(optim)
    with pytest.raises(TypeError, match="is not an Optimizer"):
        nn.optim.StepLR(object(), 2)
    opt = nn.optim.SGD([nn.Parameter(np.ones(2))], lr=0.1)
    with pytest.raises(KeyError, match="initial_lr"):
        nn.optim.StepLR(opt, 2, last_epoch=3)
