"""The two ways ``conv2d_input_grad`` computes x̄ agree with each other and with NumPy.

The full-convolution way is taken only for stride 1 when its columns are no larger than
col2im's; these cases call both ways directly, so each is tested whichever one is chosen.
"""
import numpy as np
import pytest

from autodiff.ops import conv

# (x shape, w shape, padding, dilation, groups)
CASES = [
    ((2, 4, 6, 5), (4, 4, 3, 3), (1, 1), (1, 1), 1),     # a ResNet block: "same" padding
    ((2, 4, 6, 5), (6, 2, 3, 2), (1, 0), (1, 1), 2),     # groups, a rectangular kernel
    ((1, 3, 7, 7), (2, 3, 3, 3), (0, 0), (1, 1), 1),     # no padding, fewer outputs
    ((2, 2, 8, 6), (2, 2, 3, 3), (2, 1), (2, 1), 1),     # dilation
    ((2, 4, 5, 5), (4, 1, 3, 3), (1, 1), (1, 1), 4),     # depthwise
    ((1, 2, 4, 4), (3, 2, 1, 1), (0, 0), (1, 1), 1),     # 1x1
]


def reference_input_grad(g, w, x_shape, padding, dilation, groups):
    """x̄ by brute force: every output position sends g * w back to the pixels it read."""
    n, c, h, wd = x_shape
    o, cg, kh, kw = w.shape
    og = o // groups
    ph, pw = padding
    dx = np.zeros((n, c, h + 2 * ph, wd + 2 * pw))
    for i in range(g.shape[2]):
        for j in range(g.shape[3]):
            for a in range(kh):
                for b in range(kw):
                    r, s = i + a * dilation[0], j + b * dilation[1]
                    for k in range(groups):
                        dx[:, k * cg:(k + 1) * cg, r, s] += (
                            g[:, k * og:(k + 1) * og, i, j] @ w[k * og:(k + 1) * og, :, a, b])
    return dx[:, :, ph:ph + h, pw:pw + wd]


@pytest.mark.parametrize("x_shape, w_shape, padding, dilation, groups", CASES)
def test_both_input_gradient_ways_match_brute_force(x_shape, w_shape, padding, dilation,
                                                    groups):
    rng = np.random.default_rng(0)
    x, w = rng.standard_normal(x_shape), rng.standard_normal(w_shape)
    out, _ = conv._conv2d(np, x, w, stride=(1, 1), padding=padding, dilation=dilation,
                          groups=groups)
    g = rng.standard_normal(out.shape)
    expected = reference_input_grad(g, w, x_shape, padding, dilation, groups)
    by_col2im = conv.input_grad_by_col2im(np, g, w, x_shape, (1, 1), padding, dilation,
                                          groups)
    full = tuple(d * (k - 1) - p for d, k, p in zip(dilation, w_shape[2:], padding))
    by_full = conv.input_grad_by_full_convolution(np, g, w, full, dilation, groups)
    np.testing.assert_allclose(by_col2im, expected, rtol=1e-12, atol=1e-12)
    np.testing.assert_allclose(by_full, expected, rtol=1e-12, atol=1e-12)
    chosen = conv._conv2d_input_grad(np, g, w, x_shape, (1, 1), padding, dilation, groups)
    np.testing.assert_allclose(chosen, expected, rtol=1e-12, atol=1e-12)


def test_the_full_convolution_is_chosen_for_same_padding_only(monkeypatch):
    calls = []
    original = conv.input_grad_by_full_convolution
    monkeypatch.setattr(conv, "input_grad_by_full_convolution",
                        lambda *args: calls.append(args) or original(*args))
    w = np.ones((2, 2, 3, 3))
    conv._conv2d_input_grad(np, np.ones((1, 2, 4, 4)), w, (1, 2, 4, 4), (1, 1), (1, 1),
                            (1, 1), 1)
    assert len(calls) == 1                                  # same padding: full convolution
    conv._conv2d_input_grad(np, np.ones((1, 2, 2, 2)), w, (1, 2, 4, 4), (1, 1), (0, 0),
                            (1, 1), 1)
    assert len(calls) == 1                                  # valid: its columns would be 4x
    conv._conv2d_input_grad(np, np.ones((1, 2, 2, 2)), w, (1, 2, 4, 4), (2, 2), (1, 1),
                            (1, 1), 1)
    assert len(calls) == 1                                  # stride 2: col2im
