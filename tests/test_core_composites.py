"""Composites (softmax, mean, var, conv2d, pooling) and the indexing/selection ops a user sees,
against closed forms and NumPy references, with gradients checked by finite differences.
"""
from __future__ import annotations

import numpy as np
import pytest
from test_core_spec import np_unfold

import autodiff as ad

RNG = np.random.default_rng(7)


def t64(a, grad=True):
    return ad.tensor(np.asarray(a, dtype=np.float64), requires_grad=grad)


# ---- softmax family, mean, var --------------------------------------------------------------
@pytest.mark.parametrize("axis", [-1, 0, 1])
def test_softmax_and_log_softmax(axis):
    x = RNG.standard_normal((3, 4))
    e = np.exp(x - x.max(axis=axis, keepdims=True))
    expected = e / e.sum(axis=axis, keepdims=True)
    np.testing.assert_allclose(ad.softmax(t64(x), axis).numpy(), expected, rtol=1e-12)
    np.testing.assert_allclose(ad.log_softmax(t64(x), axis).numpy(), np.log(expected),
                               rtol=1e-12, atol=1e-12)
    assert ad.gradcheck(lambda a: ad.softmax(a, axis), [x])
    assert ad.gradcheck(lambda a: ad.log_softmax(a, axis), [x])


def test_softmax_survives_huge_logits():
    x = ad.tensor([[1000.0, 0.0, -1000.0]], requires_grad=True)
    p = ad.softmax(x)
    np.testing.assert_allclose(p.numpy(), [[1.0, 0.0, 0.0]])
    lp = ad.log_softmax(x)
    assert np.isfinite(lp.numpy()[0, :2]).all() and lp.numpy()[0, 2] == pytest.approx(-2000)
    lp[0, 0].backward()
    assert np.isfinite(x.grad.numpy()).all()


def test_softmax_gradient_closed_form():
    """d softmax_i / d x_j = p_i (δ_ij - p_j)."""
    x = RNG.standard_normal(4)
    p = ad.softmax(t64(x)).numpy()
    jac = ad.jacobian(ad.softmax)(t64(x, grad=False)).numpy()
    np.testing.assert_allclose(jac, np.diag(p) - np.outer(p, p), atol=1e-12)


@pytest.mark.parametrize("axis,keepdims", [(None, False), (0, True), ((0, 2), False), (-1, False)])
def test_mean_and_var(axis, keepdims):
    x = RNG.standard_normal((2, 3, 4))
    np.testing.assert_allclose(ad.mean(t64(x), axis, keepdims).numpy(),
                               np.mean(x, axis=axis, keepdims=keepdims), rtol=1e-12)
    np.testing.assert_allclose(ad.var(t64(x), axis, keepdim=keepdims).numpy(),
                               np.var(x, axis=axis, keepdims=keepdims, ddof=1), rtol=1e-12)
    np.testing.assert_allclose(ad.var(t64(x), axis, unbiased=False, keepdims=keepdims).numpy(),
                               np.var(x, axis=axis, keepdims=keepdims), rtol=1e-12)
    assert t64(x).var(axis, keepdim=keepdims).shape == np.var(x, axis=axis, keepdims=keepdims).shape
    assert ad.gradcheck(lambda a: ad.var(a, axis, keepdim=keepdims), [x])


def test_mean_and_var_gradients_closed_form():
    """d mean / dx = 1/n, d var / dx = 2 (x - mean) / (n - 1) (PyTorch's unbiased var)."""
    x = RNG.standard_normal(5)
    np.testing.assert_allclose(ad.grad(ad.mean)(t64(x, False)).numpy(), np.full(5, 0.2))
    np.testing.assert_allclose(ad.grad(ad.var)(t64(x, False)).numpy(), 2 * (x - x.mean()) / 4,
                               atol=1e-12)


# ---- conv2d ----------------------------------------------------------------------------------
def np_conv2d(x, w, b=None, stride=1, padding=0, dilation=1, groups=1, padding_mode="zeros"):
    """Independent reference: NumPy padding, a naive window copy, one einsum per group."""
    pair = lambda v: (v, v) if isinstance(v, int) else tuple(v)
    stride, dilation = pair(stride), pair(dilation)
    kh, kw = w.shape[2:]
    padding = 0 if padding == "valid" else padding
    if padding == "same":
        th, tw = dilation[0] * (kh - 1), dilation[1] * (kw - 1)
        widths = ((0, 0), (0, 0), (th // 2, th - th // 2), (tw // 2, tw - tw // 2))
    else:
        ph, pw = pair(padding)
        widths = ((0, 0), (0, 0), (ph, ph), (pw, pw))
    x = np.pad(x, widths, mode="edge" if padding_mode == "replicate" else "constant")
    cols = np_unfold(x, (kh, kw), stride, dilation)
    o, cg = w.shape[:2]
    og = o // groups
    out = np.concatenate([
        np.einsum("nckhij,ockh->noij", cols[:, g * cg:(g + 1) * cg], w[g * og:(g + 1) * og])
        for g in range(groups)], axis=1)
    return out if b is None else out + b.reshape(1, -1, 1, 1)


CONV_CASES = [
    {},
    {"stride": 2},
    {"stride": (2, 1), "padding": (1, 2)},
    {"padding": 1, "dilation": 2},
    {"groups": 2},
    {"groups": 4, "padding": 1},                       # depthwise
    {"padding": 1, "padding_mode": "replicate"},
    {"padding": (2, 1), "stride": 2, "padding_mode": "replicate"},
    {"padding": "same"},
    {"padding": "same", "dilation": 2},
    {"padding": "same", "kernel": (2, 3)},             # even kernel: extra pixel on the far side
    {"padding": "same", "kernel": (2, 2), "padding_mode": "replicate"},
    {"padding": "valid", "bias": False},
]


def _conv_inputs(case, rng=RNG):
    case = dict(case)
    kernel = case.pop("kernel", (3, 3))
    bias = case.pop("bias", True)
    groups = case.get("groups", 1)
    x = rng.standard_normal((2, 4, 6, 5))
    w = rng.standard_normal((4, 4 // groups) + kernel)
    b = rng.standard_normal(4) if bias else None
    return x, w, b, case


@pytest.mark.parametrize("case", CONV_CASES, ids=str)
def test_conv2d_forward_matches_numpy(case):
    x, w, b, kw = _conv_inputs(case)
    out = ad.conv2d(t64(x), t64(w), None if b is None else t64(b), **kw)
    np.testing.assert_allclose(out.numpy(), np_conv2d(x, w, b, **kw), rtol=1e-10, atol=1e-10)


@pytest.mark.parametrize("case", CONV_CASES, ids=str)
def test_conv2d_gradcheck(case):
    rng = np.random.default_rng(3)
    case = dict(case)
    kernel = case.pop("kernel", (2, 2))
    groups = case.get("groups", 1)
    x = rng.standard_normal((1, 4, 4, 3))
    w = rng.standard_normal((4, 4 // groups) + kernel)
    if case.pop("bias", True):
        assert ad.gradcheck(lambda a, k, c: ad.conv2d(a, k, c, **case),
                            [x, w, rng.standard_normal(4)])
    else:
        assert ad.gradcheck(lambda a, k: ad.conv2d(a, k, **case), [x, w])


@pytest.mark.parametrize("case", [{"stride": 2, "padding": 1, "dilation": 2, "groups": 2},
                                  {"padding": "same", "kernel": (2, 3)},
                                  {"padding": 1, "padding_mode": "replicate"}], ids=str)
@pytest.mark.filterwarnings("ignore:Using padding='same'")
def test_conv2d_matches_pytorch_values_and_gradients(case):
    torch = pytest.importorskip("torch")
    x, w, b, kw = _conv_inputs(case)
    tx, tw, tb = (torch.tensor(a, requires_grad=True) for a in (x, w, b))
    if kw.get("padding_mode") == "replicate":
        ph = kw["padding"]
        expected = torch.nn.functional.conv2d(
            torch.nn.functional.pad(tx, (ph, ph, ph, ph), mode="replicate"), tw, tb)
    else:
        expected = torch.nn.functional.conv2d(tx, tw, tb, **kw)
    g = RNG.standard_normal(tuple(expected.shape))
    expected.backward(torch.tensor(g))
    ax, aw, ab = t64(x), t64(w), t64(b)
    out = ad.conv2d(ax, aw, ab, **kw)
    out.backward(ad.tensor(g))
    np.testing.assert_allclose(out.numpy(), expected.detach().numpy(), rtol=1e-10, atol=1e-10)
    for mine, theirs in [(ax, tx), (aw, tw), (ab, tb)]:
        np.testing.assert_allclose(mine.grad.numpy(), theirs.grad.numpy(), rtol=1e-10, atol=1e-10)


def test_conv2d_second_derivative():
    rng = np.random.default_rng(4)
    assert ad.gradgradcheck(lambda a, k: ad.conv2d(a, k, stride=2, padding=1),
                            [rng.standard_normal((1, 2, 4, 4)), rng.standard_normal((2, 2, 2, 2))])


def test_conv2d_records_a_named_scope():
    out = ad.conv2d(t64(RNG.standard_normal((1, 1, 3, 3))), t64(np.ones((1, 1, 2, 2))))
    assert "conv2d" in out._scope


# ---- pooling ---------------------------------------------------------------------------------
def np_pool(x, kernel, stride, padding, how, count_include_pad=True):
    fill = -np.inf if how == "max" else 0.0
    p = padding
    xp = np.pad(x, ((0, 0), (0, 0), (p, p), (p, p)), constant_values=fill)
    cols = np_unfold(xp, (kernel, kernel), (stride, stride), (1, 1))
    if how == "max":
        return cols.max(axis=(2, 3))
    if count_include_pad:
        return cols.mean(axis=(2, 3))
    ones = np_unfold(np.pad(np.ones_like(x), ((0, 0), (0, 0), (p, p), (p, p))),
                     (kernel, kernel), (stride, stride), (1, 1))
    return cols.sum(axis=(2, 3)) / ones.sum(axis=(2, 3))


POOL_CASES = [(2, None, 0), (3, 1, 1), (3, 2, 1), (2, 1, 0)]


@pytest.mark.parametrize("kernel,stride,padding", POOL_CASES)
def test_max_pool2d(kernel, stride, padding):
    rng = np.random.default_rng(5)
    x = rng.permutation(2 * 3 * 5 * 5).reshape(2, 3, 5, 5) * 0.1    # no ties
    out = ad.max_pool2d(t64(x), kernel, stride, padding)
    np.testing.assert_allclose(out.numpy(), np_pool(x, kernel, stride or kernel, padding, "max"))
    assert ad.gradcheck(lambda a: ad.max_pool2d(a, kernel, stride, padding), [x[:1, :1]])


@pytest.mark.parametrize("kernel,stride,padding", POOL_CASES)
@pytest.mark.parametrize("count_include_pad", [True, False])
def test_avg_pool2d(kernel, stride, padding, count_include_pad):
    x = RNG.standard_normal((2, 3, 5, 5))
    out = ad.avg_pool2d(t64(x), kernel, stride, padding, count_include_pad=count_include_pad)
    np.testing.assert_allclose(
        out.numpy(), np_pool(x, kernel, stride or kernel, padding, "avg", count_include_pad),
        rtol=1e-12)
    assert ad.gradcheck(lambda a: ad.avg_pool2d(a, kernel, stride, padding,
                                                count_include_pad=count_include_pad), [x[:1, :1]])


def test_max_pool2d_ties_send_the_gradient_to_the_first_maximum_only():
    x = ad.tensor(np.ones((1, 1, 4, 4)), requires_grad=True)
    ad.max_pool2d(x, 2).sum().backward()
    expected = np.zeros((4, 4))
    expected[::2, ::2] = 1                          # the first (top-left) of each 2x2 window
    np.testing.assert_array_equal(x.grad.numpy()[0, 0], expected)
    y = ad.tensor(np.ones((1, 1, 3, 3)), requires_grad=True)    # overlapping windows
    ad.max_pool2d(y, 2, stride=1).sum().backward()
    np.testing.assert_array_equal(y.grad.numpy()[0, 0], [[1, 1, 0], [1, 1, 0], [0, 0, 0]])


def test_max_pool2d_matches_pytorch_on_ties():
    torch = pytest.importorskip("torch")
    x = np.round(RNG.standard_normal((2, 2, 6, 6)))           # many ties
    tx = torch.tensor(x, requires_grad=True)
    torch.nn.functional.max_pool2d(tx, 3, 2, 1).sum().backward()
    ax = t64(x)
    ad.max_pool2d(ax, 3, 2, 1).sum().backward()
    np.testing.assert_array_equal(ax.grad.numpy(), tx.grad.numpy())


def test_maximum_and_max_ties_split_evenly():
    x, y = t64([1.0, 2.0, 3.0]), t64([1.0, 5.0, 0.0])
    ad.maximum(x, y).sum().backward()
    np.testing.assert_array_equal(x.grad.numpy(), [0.5, 0.0, 1.0])
    np.testing.assert_array_equal(y.grad.numpy(), [0.5, 1.0, 0.0])
    a, b = t64([4.0, 2.0]), t64([4.0, 1.0])
    ad.minimum(a, b).sum().backward()
    np.testing.assert_array_equal(a.grad.numpy(), [0.5, 0.0])
    np.testing.assert_array_equal(b.grad.numpy(), [0.5, 1.0])
    z = t64([1.0, 3.0, 3.0, 2.0])
    z.max().backward()
    np.testing.assert_array_equal(z.grad.numpy(), [0.0, 0.5, 0.5, 0.0])


# ---- indexing, masks, where, clip -------------------------------------------------------------
def test_integer_array_indexing_with_repeated_indices_accumulates():
    x = t64(np.arange(5.0))
    y = x[np.array([0, 0, 3, 0])]
    np.testing.assert_array_equal(y.numpy(), [0, 0, 3, 0])
    (y * ad.tensor([1.0, 2.0, 3.0, 4.0], dtype=ad.float64)).sum().backward()
    np.testing.assert_array_equal(x.grad.numpy(), [7, 0, 0, 3, 0])


def test_two_dimensional_integer_indexing_and_tensor_indices():
    x = t64(np.arange(12.0).reshape(3, 4))
    rows = ad.tensor([2, 2, 0])
    y = x[rows, ad.tensor([1, 1, 3])]
    np.testing.assert_array_equal(y.numpy(), [9, 9, 3])
    y.sum().backward()
    expected = np.zeros((3, 4))
    expected[2, 1], expected[0, 3] = 2, 1
    np.testing.assert_array_equal(x.grad.numpy(), expected)


def test_boolean_mask_selects_and_routes_the_gradient():
    x = t64([[1.0, -2.0], [-3.0, 4.0]])
    mask = x > 0
    y = x[mask]
    np.testing.assert_array_equal(y.numpy(), [1.0, 4.0])
    (y * y).sum().backward()
    np.testing.assert_array_equal(x.grad.numpy(), [[2.0, 0.0], [0.0, 8.0]])


def test_basic_slicing_gradient_and_negative_steps():
    x = t64(np.arange(6.0).reshape(2, 3))
    y = x[:, ::-2]
    np.testing.assert_array_equal(y.numpy(), [[2, 0], [5, 3]])
    y.sum().backward()
    np.testing.assert_array_equal(x.grad.numpy(), [[1, 0, 1], [1, 0, 1]])


def test_where_gradients():
    c = np.array([True, False, True])
    x, y = t64([1.0, 2.0, 3.0]), t64([10.0, 20.0, 30.0])
    out = ad.where(c, x, y)
    np.testing.assert_array_equal(out.numpy(), [1, 20, 3])
    out.backward(ad.tensor([1.0, 2.0, 3.0], dtype=ad.float64))
    np.testing.assert_array_equal(x.grad.numpy(), [1, 0, 3])
    np.testing.assert_array_equal(y.grad.numpy(), [0, 2, 0])


def test_where_with_a_scalar_branch_broadcasts_its_gradient():
    x = t64(np.array([[1.0, -1.0], [2.0, -2.0]]))
    s = t64(5.0)
    ad.where(x > 0, x, s).sum().backward()
    assert s.grad.shape == () and s.grad.item() == 2.0
    np.testing.assert_array_equal(x.grad.numpy(), [[1, 0], [1, 0]])


def test_clip_forward_and_gradient():
    x = t64([-2.0, -1.0, 0.0, 1.0, 2.0])
    out = ad.clip(x, -1.0, 1.0)
    np.testing.assert_array_equal(out.numpy(), [-1, -1, 0, 1, 1])
    out.sum().backward()
    np.testing.assert_array_equal(x.grad.numpy(), [0, 1, 1, 1, 0])   # boundaries pass (PyTorch)
    y = t64([-2.0, 3.0])
    y.clip(max=0.0).sum().backward()
    np.testing.assert_array_equal(y.grad.numpy(), [1, 0])


def test_stack_squeeze_expand_dims_flatten():
    a, b = t64(np.ones((2, 3))), t64(np.zeros((2, 3)))
    s = ad.stack([a, b], axis=1)
    assert s.shape == (2, 2, 3)
    assert ad.expand_dims(a, -1).shape == (2, 3, 1)
    assert ad.squeeze(ad.expand_dims(a, 0)).shape == (2, 3)
    assert ad.flatten(s, 1).shape == (2, 6) and ad.flatten(s).shape == (12,)
    (s * ad.tensor(np.arange(12.0).reshape(2, 2, 3))).sum().backward()
    np.testing.assert_array_equal(a.grad.numpy(), np.arange(12.0).reshape(2, 2, 3)[:, 0])
    np.testing.assert_array_equal(b.grad.numpy(), np.arange(12.0).reshape(2, 2, 3)[:, 1])
