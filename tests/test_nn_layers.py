"""Every layer: forward against a NumPy reference or closed form, float64 finite-difference
gradients through input and parameters, and clear errors for bad input."""
import math

import numpy as np
import pytest
from _nn_helpers import gradcheck_layer, rng

import autodiff as ad
import nn


def t64(a):
    return ad.tensor(np.asarray(a, dtype=np.float64))


# ---- NumPy references ------------------------------------------------------------------------
def conv_reference(x, w, b, stride, padding, dilation, groups, mode="constant"):
    x = np.pad(x, ((0, 0), (0, 0), (padding[0],) * 2, (padding[1],) * 2), mode=mode)
    n, _c, h, wd = x.shape
    o, cg, kh, kw = w.shape
    oh = (h - dilation[0] * (kh - 1) - 1) // stride[0] + 1
    ow = (wd - dilation[1] * (kw - 1) - 1) // stride[1] + 1
    out = np.zeros((n, o, oh, ow))
    per_group = o // groups
    for oc in range(o):
        g = oc // per_group
        for i in range(oh):
            for j in range(ow):
                rows = i * stride[0] + dilation[0] * np.arange(kh)
                cols = j * stride[1] + dilation[1] * np.arange(kw)
                patch = x[:, g * cg:(g + 1) * cg][:, :, rows][:, :, :, cols]
                out[:, oc, i, j] = (patch * w[oc]).sum(axis=(1, 2, 3))
    return out if b is None else out + b[None, :, None, None]


def pool_reference(x, k, s, p, reduce, pad_value):
    x = np.pad(x, ((0, 0), (0, 0), (p, p), (p, p)), constant_values=pad_value)
    oh, ow = (x.shape[2] - k) // s + 1, (x.shape[3] - k) // s + 1
    out = np.zeros(x.shape[:2] + (oh, ow))
    for i in range(oh):
        for j in range(ow):
            out[:, :, i, j] = reduce(x[:, :, i * s:i * s + k, j * s:j * s + k], axis=(2, 3))
    return out


# ---- Linear and Flatten ----------------------------------------------------------------------
def test_linear_forward_shapes_and_gradients():
    layer = nn.Linear(3, 2)
    assert layer.weight.shape == (2, 3) and layer.bias.shape == (2,)
    x = rng().standard_normal((4, 3))
    w, b = layer.weight.numpy(), layer.bias.numpy()
    np.testing.assert_allclose(layer(ad.tensor(x.astype(np.float32))).numpy(), x @ w.T + b,
                               rtol=1e-5, atol=1e-6)
    assert layer(ad.tensor(np.ones((2, 5, 3), np.float32))).shape == (2, 5, 2)
    assert nn.Linear(3, 2, bias=False).bias is None
    assert gradcheck_layer(nn.Linear(3, 2), x)


def test_flatten_merges_the_chosen_axes():
    x = ad.tensor(np.arange(24.0).reshape(2, 3, 2, 2))
    assert nn.Flatten()(x).shape == (2, 12)
    assert nn.Flatten(0, 1)(x).shape == (6, 2, 2)
    assert nn.Flatten(2)(x).shape == (2, 3, 4)


# ---- convolution -----------------------------------------------------------------------------
@pytest.mark.parametrize("kwargs", [
    {},
    {"stride": 2, "padding": 1},
    {"padding": (1, 2), "dilation": 2},
    {"groups": 2, "bias": False},
    {"padding": 1, "padding_mode": "replicate"},
])
def test_conv2d_matches_a_direct_loop(kwargs):
    layer = nn.Conv2d(4, 6, 3, **kwargs)
    x = rng(1).standard_normal((2, 4, 7, 6))
    mode = "edge" if kwargs.get("padding_mode") == "replicate" else "constant"
    bias = None if layer.bias is None else layer.bias.numpy()
    want = conv_reference(x, layer.weight.numpy().astype(np.float64), bias, layer.stride,
                          layer.padding, layer.dilation, layer.groups, mode)
    layer.double()
    np.testing.assert_allclose(layer(t64(x)).numpy(), want, rtol=1e-10, atol=1e-10)


@pytest.mark.parametrize("kwargs", [{"stride": 2, "padding": 1}, {"groups": 2, "dilation": (1, 2)},
                                    {"padding": "same", "padding_mode": "replicate"}])
def test_conv2d_gradients(kwargs):
    x = rng(2).standard_normal((1, 2, 5, 5))
    assert gradcheck_layer(nn.Conv2d(2, 2, 3, **kwargs), x)


def test_conv2d_same_padding_keeps_the_size_even_for_even_kernels():
    for k in (3, 4, 5):
        out = nn.Conv2d(2, 3, k, padding="same")(ad.tensor(np.ones((1, 2, 9, 7), np.float32)))
        assert out.shape == (1, 3, 9, 7)
    assert nn.Conv2d(2, 3, 3, padding="valid")(ad.tensor(np.ones((1, 2, 5, 5)))).shape[2:] == (3, 3)


def test_conv2d_parameter_count_and_unbatched_input():
    layer = nn.Conv2d(3, 10, 5)
    assert sum(p.numel() for p in layer.parameters()) == 760
    assert layer(ad.tensor(np.ones((3, 32, 32), np.float32))).shape == (10, 28, 28)


def test_conv2d_bad_input_names_the_layer_and_what_it_expected():
    layer = nn.Conv2d(3, 8, 5)
    with pytest.raises(ValueError, match=r"Conv2d\(3, 8.*expected input with 3 channels, got 1"):
        layer(ad.tensor(np.ones((2, 1, 8, 8))))
    with pytest.raises(ValueError, match="expected a 3 or 4-d input"):
        layer(ad.tensor(np.ones((8, 8))))
    with pytest.raises(ValueError, match="kernel 5x5.*larger than the padded input 3x3"):
        layer(ad.tensor(np.ones((1, 3, 3, 3))))
    with pytest.raises(ValueError, match="groups=2 must divide in_channels \\(3\\)"):
        nn.Conv2d(3, 8, 3, groups=2)
    with pytest.raises(ValueError, match="padding='same'"):
        nn.Conv2d(3, 8, 3, stride=2, padding="same")
    with pytest.raises(ValueError, match="reflect"):
        nn.Conv2d(3, 8, 3, padding_mode="mirror")


# ---- pooling ---------------------------------------------------------------------------------
def test_max_and_avg_pool_match_loops():
    x = rng(3).standard_normal((2, 3, 7, 7))
    np.testing.assert_allclose(nn.MaxPool2d(3, 2, 1)(t64(x)).numpy(),
                               pool_reference(x, 3, 2, 1, np.max, -np.inf))
    np.testing.assert_allclose(nn.AvgPool2d(3, 2, 1)(t64(x)).numpy(),
                               pool_reference(x, 3, 2, 1, np.mean, 0.0))
    np.testing.assert_allclose(nn.MaxPool2d(2)(t64(x)).numpy(),
                               pool_reference(x, 2, 2, 0, np.max, -np.inf))


def test_max_pool_ceil_mode_keeps_the_partial_last_window():
    x = rng(4).standard_normal((1, 2, 7, 7))
    out = nn.MaxPool2d(2, 2, ceil_mode=True)(t64(x)).numpy()
    assert out.shape == (1, 2, 4, 4)
    assert out[0, 0, 3, 3] == x[0, 0, 6, 6]
    assert out[0, 1, 3, 1] == x[0, 1, 6, 2:4].max()
    assert nn.MaxPool2d(3, 2, ceil_mode=True)(t64(np.ones((1, 1, 112, 112)))).shape[2:] == (56, 56)


def test_pool_gradients():
    x = rng(5).standard_normal((1, 2, 5, 5))
    assert gradcheck_layer(nn.MaxPool2d(2, 2, ceil_mode=True), x)
    assert gradcheck_layer(nn.AvgPool2d(3, 2, 1, count_include_pad=False), x)


@pytest.mark.parametrize("size", [(1, 1), (2, 2), (3, 2), (4, 3), (7, 7), 5])
def test_adaptive_avg_pool_uses_pytorch_bins(size):
    x = rng(6).standard_normal((2, 3, 5, 7))
    oh, ow = (size, size) if isinstance(size, int) else size
    want = np.zeros((2, 3, oh, ow))
    for i in range(oh):
        for j in range(ow):
            r0, r1 = (i * 5) // oh, math.ceil((i + 1) * 5 / oh)
            c0, c1 = (j * 7) // ow, math.ceil((j + 1) * 7 / ow)
            want[:, :, i, j] = x[:, :, r0:r1, c0:c1].mean(axis=(2, 3))
    np.testing.assert_allclose(nn.AdaptiveAvgPool2d(size)(t64(x)).numpy(), want, atol=1e-12)


def test_adaptive_avg_pool_gradients_and_even_split():
    assert gradcheck_layer(nn.AdaptiveAvgPool2d((2, 3)), rng(7).standard_normal((1, 2, 5, 4)))
    x = rng(8).standard_normal((1, 2, 6, 6))
    np.testing.assert_allclose(nn.AdaptiveAvgPool2d(3)(t64(x)).numpy(),
                               pool_reference(x, 2, 2, 0, np.mean, 0.0))


def test_pool_errors():
    with pytest.raises(ValueError, match="MaxPool2d.*larger than the padded input 2x2"):
        nn.MaxPool2d(3)(ad.tensor(np.ones((1, 1, 2, 2))))
    with pytest.raises(ValueError, match="at most half the kernel"):
        nn.MaxPool2d(2, padding=2)


# ---- dropout ---------------------------------------------------------------------------------
def test_dropout_is_inverted_and_off_in_eval():
    nn.manual_seed(0)
    layer = nn.Dropout(0.25)
    x = ad.tensor(np.ones((200, 100), np.float32))
    out = layer(x).numpy()
    assert set(np.unique(out)) <= {0.0, np.float32(1 / 0.75)}
    assert abs((out == 0).mean() - 0.25) < 0.02
    assert abs(out.mean() - 1.0) < 0.03
    layer.eval()
    assert layer(x) is x
    assert (nn.Dropout(1.0)(x).numpy() == 0).all()
    with pytest.raises(ValueError, match="between 0 and 1"):
        nn.Dropout(1.5)


def test_dropout_gradient_uses_the_same_mask():
    assert gradcheck_layer(nn.Dropout(0.5), rng(9).standard_normal((3, 4)), seed_each_call=3)


# ---- batch norm ------------------------------------------------------------------------------
def test_batchnorm2d_training_normalises_and_updates_running_stats():
    layer = nn.BatchNorm2d(3, momentum=0.2).double()
    x = rng(10).standard_normal((4, 3, 2, 5)) * 3 + 1
    out = layer(t64(x)).numpy()
    mean, var = x.mean(axis=(0, 2, 3)), x.var(axis=(0, 2, 3))
    want = (x - mean[None, :, None, None]) / np.sqrt(var[None, :, None, None] + 1e-5)
    np.testing.assert_allclose(out, want, atol=1e-10)
    n = 4 * 2 * 5
    np.testing.assert_allclose(layer.running_mean.numpy(), 0.2 * mean)
    np.testing.assert_allclose(layer.running_var.numpy(), 0.8 + 0.2 * var * n / (n - 1))
    assert layer.num_batches_tracked.item() == 1
    layer.eval()
    want = (x - 0.2 * mean[None, :, None, None]) / np.sqrt(
        layer.running_var.numpy()[None, :, None, None] + 1e-5)
    np.testing.assert_allclose(layer(t64(x)).numpy(), want, atol=1e-10)


def test_batchnorm_momentum_none_is_a_cumulative_average():
    layer = nn.BatchNorm1d(2, momentum=None).double()
    batches = [rng(i).standard_normal((5, 2)) for i in range(3)]
    for b in batches:
        layer(t64(b))
    np.testing.assert_allclose(layer.running_mean.numpy(),
                               np.mean([b.mean(axis=0) for b in batches], axis=0))


def test_batchnorm_without_running_stats_or_affine():
    layer = nn.BatchNorm1d(2, affine=False, track_running_stats=False)
    assert list(layer.state_dict()) == []
    x = rng(11).standard_normal((6, 2, 3))
    layer.eval()                                # still batch statistics: none are kept
    out = layer(t64(x)).numpy()
    np.testing.assert_allclose(out.mean(axis=(0, 2)), 0, atol=1e-12)


def test_batchnorm_gradients_in_both_modes():
    x = rng(12).standard_normal((3, 2, 2, 2))
    layer = nn.BatchNorm2d(2)
    assert gradcheck_layer(layer, x)
    layer.eval()
    assert gradcheck_layer(layer, x)
    assert gradcheck_layer(nn.BatchNorm1d(3), rng(13).standard_normal((4, 3)))


def test_batchnorm_errors():
    with pytest.raises(ValueError, match="expected input with 3 channels"):
        nn.BatchNorm2d(3)(ad.tensor(np.ones((2, 4, 2, 2))))
    with pytest.raises(ValueError, match="4-d input"):
        nn.BatchNorm2d(3)(ad.tensor(np.ones((2, 3))))
    with pytest.raises(ValueError, match="more than 1 value per channel"):
        nn.BatchNorm1d(3)(ad.tensor(np.ones((1, 3))))


# ---- local response norm ---------------------------------------------------------------------
def test_local_response_norm_matches_the_formula():
    size, alpha, beta, k = 3, 0.1, 0.75, 2.0
    x = rng(14).standard_normal((2, 5, 2, 2))
    want = np.zeros_like(x)
    for c in range(5):
        lo, hi = max(0, c - size // 2), min(4, c + (size - 1) // 2)
        energy = (x[:, lo:hi + 1] ** 2).sum(axis=1)
        want[:, c] = x[:, c] / (k + alpha / size * energy) ** beta
    out = nn.LocalResponseNorm(size, alpha, beta, k)(t64(x)).numpy()
    np.testing.assert_allclose(out, want, rtol=1e-12)
    assert gradcheck_layer(nn.LocalResponseNorm(4, 0.5, 0.75, 1.0), x[:1])


# ---- activations -----------------------------------------------------------------------------
@pytest.mark.parametrize("layer, fn", [
    (nn.ReLU(), lambda x: np.maximum(x, 0)),
    (nn.LeakyReLU(0.2), lambda x: np.where(x > 0, x, 0.2 * x)),
    (nn.Sigmoid(), lambda x: 1 / (1 + np.exp(-x))),
    (nn.Tanh(), np.tanh),
    (nn.Softmax(dim=1), lambda x: np.exp(x) / np.exp(x).sum(axis=1, keepdims=True)),
    (nn.LogSoftmax(dim=0), lambda x: x - np.log(np.exp(x).sum(axis=0, keepdims=True))),
    (nn.Step(), lambda x: (x > 0).astype(float)),
])
def test_activations_match_closed_forms_and_gradients(layer, fn):
    x = rng(15).standard_normal((3, 4)) + 0.05     # keep clear of the kinks at 0
    np.testing.assert_allclose(layer(t64(x)).numpy(), fn(x), rtol=1e-12, atol=1e-15)
    if not isinstance(layer, nn.Step):
        assert gradcheck_layer(layer, x)


def test_softmax_default_dim_follows_pytorch():
    x = rng(16).standard_normal((2, 3))
    np.testing.assert_allclose(nn.Softmax()(t64(x)).numpy().sum(axis=1), 1.0)
    np.testing.assert_allclose(nn.Softmax()(t64(x[0])).numpy().sum(), 1.0)


# ---- blocks ----------------------------------------------------------------------------------
def test_residual_block_shortcut_and_names():
    same = nn.ResidualBlock(4, 4)
    assert same.downsample is None
    assert [n for n, _ in same.named_parameters()] == [
        "conv1.weight", "bn1.weight", "bn1.bias", "conv2.weight", "bn2.weight", "bn2.bias"]
    down = nn.ResidualBlock(4, 8, stride=2)
    assert list(down.state_dict())[-6:] == [
        "downsample.0.weight", "downsample.1.weight", "downsample.1.bias",
        "downsample.1.running_mean", "downsample.1.running_var",
        "downsample.1.num_batches_tracked"]
    assert down(ad.tensor(np.ones((2, 4, 6, 6), np.float32))).shape == (2, 8, 3, 3)


def test_residual_block_is_relu_of_branch_plus_identity():
    block = nn.ResidualBlock(2, 2).double().eval()
    x = t64(rng(17).standard_normal((1, 2, 4, 4)))
    branch = block.bn2(block.conv2(block.relu(block.bn1(block.conv1(x)))))
    np.testing.assert_allclose(block(x).numpy(), np.maximum(branch.numpy() + x.numpy(), 0))


def test_block_gradients():
    x = rng(18).standard_normal((2, 2, 3, 3))
    assert gradcheck_layer(nn.ResidualBlock(2, 3, stride=2), x, atol=1e-5, rtol=1e-4)
    assert gradcheck_layer(nn.Inception(2, 1, 1, 1, 1, 1, 1), x, atol=1e-5, rtol=1e-4)


def test_bottleneck_and_inception_shapes_and_names():
    b = nn.Bottleneck(8, 4, 16, stride=2)
    assert b(ad.tensor(np.ones((1, 8, 6, 6), np.float32))).shape == (1, 16, 3, 3)
    assert [n.split(".")[0] for n, _ in b.named_parameters()] == [
        "conv1", "bn1", "bn1", "conv2", "bn2", "bn2", "conv3", "bn3", "bn3",
        "downsample", "downsample", "downsample"]
    inc = nn.Inception(8, 4, 3, 5, 2, 6, 7)
    assert inc(ad.tensor(np.ones((2, 8, 5, 5), np.float32))).shape == (2, 4 + 5 + 6 + 7, 5, 5)
    assert inc.branch3[1].conv.kernel_size == (5, 5)
    assert "branch4.1.conv.weight" in inc.state_dict()
