"""nn.functional's newer functions and the new losses against torch.nn.functional in
float64: values and gradients of every input; and nn.functional's exported names."""
import numpy as np
import pytest

import autodiff as ad
import nn
import nn.functional as F

torch = pytest.importorskip("torch")
TF = torch.nn.functional
pytestmark = pytest.mark.torch


def data(*shape, seed=1):
    return np.random.default_rng(seed).standard_normal(shape)


def compare(ours, theirs, *inputs, tol=1e-10):
    """Same values; same gradients for a random upstream, for every float input."""
    xs = [ad.tensor(a, requires_grad=a.dtype.kind == "f") for a in inputs]
    ts = [torch.tensor(a, requires_grad=a.dtype.kind == "f") for a in inputs]
    out, ref = ours(*xs), theirs(*ts)
    np.testing.assert_allclose(out.numpy(), ref.detach().numpy(), rtol=tol, atol=tol)
    if out.dtype.kind != "f":
        return
    g = np.random.default_rng(5).standard_normal(out.shape)
    out.backward(ad.tensor(g))
    ref.backward(torch.from_numpy(g))
    for x, t in zip(xs, ts):
        if t.grad is not None:
            np.testing.assert_allclose(x.grad.numpy(), t.grad.numpy(), rtol=tol, atol=tol)


X = data(3, 5)
EDGES = np.array([-50.0, -3.0, -1.0, -0.0, 0.0, 1e-9, 1.0, 3.0, 19.9, 20.1, 50.0])


@pytest.mark.parametrize("name, kwargs", [
    ("gelu", {}), ("gelu", {"approximate": "tanh"}), ("silu", {}), ("elu", {}),
    ("elu", {"alpha": 2.0}), ("softplus", {}), ("softplus", {"beta": 0.5, "threshold": 5}),
    ("hardtanh", {}), ("hardtanh", {"min_val": -2.0, "max_val": 0.5}),
])
def test_activations(name, kwargs):
    for x in (X, EDGES):
        compare(lambda t: getattr(F, name)(t, **kwargs),
                lambda t: getattr(TF, name)(t, **kwargs), x)


@pytest.mark.parametrize("mode, pad", [
    ("constant", (1, 2)), ("constant", (1, 0, 2, 3)), ("constant", (-1, 2, 0, 1)),
    ("reflect", (2, 3)), ("reflect", (1, 2, 3, 1)), ("replicate", (3, 1)),
    ("replicate", (2, 0, 1, 4)), ("circular", (2, 1)), ("circular", (1, 3, 2, 2)),
])
def test_pad_modes(mode, pad):
    x = data(2, 3, 4, 5) if len(pad) == 4 or mode == "constant" else data(3, 4, 5)
    compare(lambda t: F.pad(t, pad, mode), lambda t: TF.pad(t, pad, mode), x)
    if mode == "constant":
        compare(lambda t: F.pad(t, pad, value=2.5), lambda t: TF.pad(t, pad, value=2.5), x)


def test_pad_errors_name_the_op():
    x = ad.tensor(data(1, 2, 3))
    with pytest.raises(ValueError, match="pad: padding size"):
        F.pad(x, (3, 0), "reflect")
    with pytest.raises(ValueError, match="pad: mode"):
        F.pad(x, (1, 1), "mirror")


def test_one_hot():
    labels = np.array([[0, 3], [1, 1]])
    compare(lambda t: F.one_hot(t), lambda t: TF.one_hot(t), labels)
    compare(lambda t: F.one_hot(t, 6), lambda t: TF.one_hot(t, 6), labels)
    assert F.one_hot(ad.tensor(labels)).dtype == np.int64
    with pytest.raises(RuntimeError, match="one_hot"):
        F.one_hot(ad.tensor([4]), 3)


@pytest.mark.parametrize("reduction", ["mean", "sum", "none"])
def test_regression_losses(reduction):
    x, t = data(4, 3), data(4, 3, seed=2)
    t[0, 0], t[0, 1], t[1, 0] = x[0, 0], x[0, 1] + 1.0, x[1, 0] - 0.5   # ties and kinks
    compare(lambda a, b: F.l1_loss(a, b, reduction=reduction),
            lambda a, b: TF.l1_loss(a, b, reduction=reduction), x, t)
    for beta in (1.0, 0.5, 0.0):
        compare(lambda a, b, beta=beta: F.smooth_l1_loss(a, b, reduction=reduction, beta=beta),
                lambda a, b, beta=beta: TF.smooth_l1_loss(a, b, reduction=reduction, beta=beta),
                x, t)
    for delta in (1.0, 0.5, 2.0):
        compare(lambda a, b, d=delta: F.huber_loss(a, b, reduction=reduction, delta=d),
                lambda a, b, d=delta: TF.huber_loss(a, b, reduction=reduction, delta=d), x, t)


@pytest.mark.parametrize("reduction", ["mean", "sum", "none"])
def test_binary_cross_entropy(reduction):
    p = 1 / (1 + np.exp(-data(4, 3)))
    t = np.random.default_rng(3).uniform(size=(4, 3))
    w = np.random.default_rng(4).uniform(size=(4, 3))
    compare(lambda a, b: F.binary_cross_entropy(a, b, reduction=reduction),
            lambda a, b: TF.binary_cross_entropy(a, b, reduction=reduction), p, t)
    compare(lambda a, b, c: F.binary_cross_entropy(a, b, c, reduction=reduction),
            lambda a, b, c: TF.binary_cross_entropy(a, b, c.detach(), reduction=reduction),
            p, t, w)
    ours = nn.BCELoss(reduction=reduction)(ad.tensor(p), ad.tensor(t)).numpy()
    theirs = torch.nn.BCELoss(reduction=reduction)(torch.tensor(p), torch.tensor(t))
    np.testing.assert_allclose(ours, theirs.numpy())


def test_binary_cross_entropy_clamps_the_log_and_checks_the_range():
    """log(0) is clamped at -100 as in PyTorch; the gradient there is finite (0 here, where
    PyTorch's own backward divides by max(x (1 - x), 1e-12) instead)."""
    p, t = np.array([0.0, 1.0, 0.5]), np.array([1.0, 0.0, 1.0])
    x = ad.tensor(p, requires_grad=True)
    loss = F.binary_cross_entropy(x, ad.tensor(t), reduction="none")
    reference = TF.binary_cross_entropy(torch.tensor(p), torch.tensor(t), reduction="none")
    np.testing.assert_allclose(loss.numpy(), reference.numpy())
    loss.sum().backward()
    assert np.all(np.isfinite(x.grad.numpy()))
    with pytest.raises(RuntimeError, match="between 0 and 1"):
        F.binary_cross_entropy(ad.tensor([1.5]), ad.tensor([1.0]))


@pytest.mark.parametrize("reduction", ["sum", "none", "batchmean", "mean"])
@pytest.mark.filterwarnings("ignore:reduction. 'mean'")
def test_kl_div(reduction):
    logp = data(4, 5)
    logp = logp - np.log(np.exp(logp).sum(1, keepdims=True))
    q = np.random.default_rng(6).dirichlet(np.ones(5), size=4)
    compare(lambda a, b: F.kl_div(a, b, reduction=reduction),
            lambda a, b: TF.kl_div(a, b, reduction=reduction), logp, q)
    q[1, 2] = 0.0                # 0 log 0 = 0 (PyTorch's gradient for the target is NaN there)
    compare(lambda a: F.kl_div(a, ad.tensor(q), reduction=reduction),
            lambda a: TF.kl_div(a, torch.tensor(q), reduction=reduction), logp)
    compare(lambda a, b: F.kl_div(a, b, reduction=reduction, log_target=True),
            lambda a, b: TF.kl_div(a, b, reduction=reduction, log_target=True),
            logp, np.log(q + 0.1))
    module = nn.KLDivLoss(reduction=reduction)
    theirs = torch.nn.KLDivLoss(reduction=reduction)
    np.testing.assert_allclose(module(ad.tensor(logp), ad.tensor(q)).numpy(),
                               theirs(torch.tensor(logp), torch.tensor(q)).numpy())


def test_loss_modules_match_torch():
    x, t = data(5, 2), data(5, 2, seed=3)
    for ours, theirs in [(nn.L1Loss(), torch.nn.L1Loss()),
                         (nn.SmoothL1Loss(beta=0.3), torch.nn.SmoothL1Loss(beta=0.3)),
                         (nn.HuberLoss(delta=0.7, reduction="sum"),
                          torch.nn.HuberLoss(delta=0.7, reduction="sum"))]:
        compare(ours, theirs, x, t)


def test_normalize_and_cosine_similarity():
    x, y = data(3, 4, 2), data(3, 4, 2, seed=2)
    compare(lambda a: F.normalize(a), lambda a: TF.normalize(a), x)
    compare(lambda a: F.normalize(a, p=1.0, dim=-1), lambda a: TF.normalize(a, p=1.0, dim=-1), x)
    compare(lambda a: F.normalize(a, p=3.0, dim=0), lambda a: TF.normalize(a, p=3.0, dim=0), x)
    compare(lambda a, b: F.cosine_similarity(a, b), lambda a, b: TF.cosine_similarity(a, b), x, y)
    compare(lambda a, b: F.cosine_similarity(a, b, dim=2),
            lambda a, b: TF.cosine_similarity(a, b, dim=2), x, y)


def test_layer_norm_group_norm_embedding():
    x = data(2, 6, 3, 4)
    compare(lambda a, w, b: F.layer_norm(a, (3, 4), w, b),
            lambda a, w, b: TF.layer_norm(a, (3, 4), w, b), x, data(3, 4), data(3, 4, seed=3))
    compare(lambda a: F.layer_norm(a, [4]), lambda a: TF.layer_norm(a, [4]), x)
    compare(lambda a, w, b: F.group_norm(a, 3, w, b, eps=1e-3),
            lambda a, w, b: TF.group_norm(a, 3, w, b, eps=1e-3), x, data(6), data(6, seed=3))
    idx = np.array([[1, 0, 1], [3, 3, 2]])
    compare(lambda i, w: F.embedding(i, w), lambda i, w: TF.embedding(i, w), idx, data(4, 3))
    compare(lambda i, w: F.embedding(i, w, padding_idx=3),
            lambda i, w: TF.embedding(i, w, padding_idx=3), idx, data(4, 3))


@pytest.mark.parametrize("kwargs", [
    {"size": (7, 3)}, {"scale_factor": 2}, {"scale_factor": (1.5, 0.5)},
    {"size": (9, 11), "mode": "bilinear"}, {"scale_factor": 1.7, "mode": "bilinear"},
    {"size": (3, 8), "mode": "bilinear", "align_corners": True},
    {"scale_factor": 2.5, "mode": "bilinear", "recompute_scale_factor": True},
])
def test_interpolate(kwargs):
    x = data(2, 3, 4, 5)
    compare(lambda a: F.interpolate(a, **kwargs), lambda a: TF.interpolate(a, **kwargs), x)


def test_interpolate_refuses_what_it_does_not_do():
    with pytest.raises(ValueError, match="interpolate: mode 'bicubic'"):
        F.interpolate(ad.tensor(data(1, 1, 2, 2)), scale_factor=2, mode="bicubic")
    with pytest.raises(ValueError, match="exactly one"):
        F.interpolate(ad.tensor(data(1, 1, 2, 2)))


def test_conv1d_pool1d_and_conv_transpose2d():
    x, w, b = data(2, 4, 9), data(6, 2, 3), data(6)
    compare(lambda a, c, d: F.conv1d(a, c, d, stride=2, padding=1, groups=2),
            lambda a, c, d: TF.conv1d(a, c, d, stride=2, padding=1, groups=2), x, w, b)
    compare(lambda a: F.max_pool1d(a, 3, 2), lambda a: TF.max_pool1d(a, 3, 2), x)
    compare(lambda a: F.avg_pool1d(a, 2), lambda a: TF.avg_pool1d(a, 2), x)
    x, w = data(2, 4, 3, 5), data(4, 2, 3, 3)
    compare(lambda a, c: F.conv_transpose2d(a, c, stride=2, padding=1, output_padding=1),
            lambda a, c: TF.conv_transpose2d(a, c, stride=2, padding=1, output_padding=1), x, w)


def test_dropout2d_functional():
    nn.manual_seed(0)
    out = F.dropout2d(ad.tensor(np.ones((4, 8, 2, 2))), 0.25).numpy()
    assert set(np.unique(out)) <= {0.0, 1 / 0.75}
    assert F.dropout2d(ad.tensor(np.ones((1, 2, 2, 2))), training=False).numpy().sum() == 8


def test_functional_exports_only_its_own_names():
    assert "ad" not in F.__all__ and "np" not in F.__all__ and "math" not in F.__all__
    assert all(callable(getattr(F, name)) for name in F.__all__)
    assert all(name in dir(TF) for name in F.__all__ if name != "step")
    assert not {"ad", "np", "math", "pair", "scope", "generator"} & set(F.__all__)


@pytest.mark.parametrize("package", ["nn", "nn.optim", "nn.init", "nn.functional", "nn.data",
                                     "nn.utils", "nn.optim.lr_scheduler"])
def test_every_package_lists_its_public_names(package):
    import importlib
    module = importlib.import_module(package)
    assert hasattr(module, "__all__"), f"{package} has no __all__"
    for name in module.__all__:
        assert hasattr(module, name), f"{package}.__all__ names {name!r}, which is missing"
    private_helpers = {"np", "ad", "math", "annotations"}
    assert not private_helpers & set(module.__all__)


EDGE_CASES = [
    ("layer_norm, empty batch", lambda m, x: m.layer_norm(x, (4,)), np.zeros((0, 4))),
    ("group_norm, empty batch", lambda m, x: m.group_norm(x, 2), np.zeros((0, 4, 3))),
    ("gelu, 0-d", lambda m, x: m.gelu(x), np.array(0.5)),
    ("elu, inf and nan", lambda m, x: m.elu(x), np.array([np.inf, -np.inf, np.nan])),
    ("softplus, inf", lambda m, x: m.softplus(x), np.array([np.inf, -np.inf, 1e3, -1e3])),
    ("silu, inf", lambda m, x: m.silu(x), np.array([np.inf, -np.inf, 0.0])),
    ("gelu, inf", lambda m, x: m.gelu(x), np.array([np.inf, -np.inf, 0.0])),
    ("hardtanh, inf and nan", lambda m, x: m.hardtanh(x), np.array([np.inf, -np.inf, np.nan])),
    ("l1_loss, empty", lambda m, x: m.l1_loss(x, x * 0), np.zeros((0,))),
    ("smooth_l1_loss, empty sum",
     lambda m, x: m.smooth_l1_loss(x, x * 0, reduction="sum"), np.zeros((0,))),
    ("interpolate, empty batch",
     lambda m, x: m.interpolate(x, scale_factor=2, mode="bilinear"), np.zeros((0, 2, 3, 3))),
    ("normalize, zero vector", lambda m, x: m.normalize(x, dim=0), np.zeros(3)),
    ("normalize p=3, zero vector", lambda m, x: m.normalize(x, p=3.0, dim=0), np.zeros(3)),
    ("cosine_similarity, zero vector", lambda m, x: m.cosine_similarity(x, x, dim=0),
     np.zeros(3)),
]


@pytest.mark.parametrize("label, f, x", EDGE_CASES, ids=[c[0] for c in EDGE_CASES])
@pytest.mark.filterwarnings("ignore")
def test_edge_values_match_torch(label, f, x):
    ours, theirs = ad.tensor(x, requires_grad=True), torch.tensor(x, requires_grad=True)
    out, ref = f(F, ours), f(TF, theirs)
    assert out.shape == tuple(ref.shape)
    np.testing.assert_allclose(out.numpy(), ref.detach().numpy(), equal_nan=True)
    out.sum().backward()
    ref.sum().backward()
    np.testing.assert_allclose(ours.grad.numpy(), theirs.grad.numpy(), equal_nan=True)
