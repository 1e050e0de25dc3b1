"""The edge-value sweep's tables for issue 14's layers, losses and functionals (GELU to
Upsample, L1Loss to KLDivLoss, F.pad to F.one_hot), in the style of edge_cases.py.

Importing this module adds the functional cases to ``edge_cases.CASES`` (family
"functional"); ``NN_LAYER_CASES``, ``nn_loss_cases()`` and ``NN_LOSS_MODULES`` are merged
with edge_cases' tables in test_edge_sweep.py. Deliberate differences stay in
``edge_cases.DELIBERATE``.
"""
from __future__ import annotations

import numpy as np
from edge_cases import EDGE, INF, NAN, POOL, LayerCase, LossCase, _tf, _torch, case, edge_filled

import autodiff as ad
import nn

F = nn.functional

# activations' kinks: 0 and -0.0, erf's switch at |x| = 3 (x / sqrt 2 = 3 at 4.2426...),
# softplus' threshold (20), where e^x under- and overflows, and the Hardtanh bounds
ACTIVATION = np.concatenate([EDGE, [3.0, -3.0, 3 * 2 ** 0.5, -3 * 2 ** 0.5, 40.0, -40.0,
                                    20.0, 20.5, 10.0, -20.0, 1e-300, 710.0, -750.0, 0.25,
                                    -0.25, 1.0]])
NO_NAN = ACTIVATION[~np.isnan(ACTIVATION)]
# name: ours, PyTorch's, whether a composite (x times a function of x: finite upstreams only,
# see DELIBERATE), whether its gradient at NaN is compared (see DELIBERATE)
_ACTIVATIONS = {
    "gelu": (F.gelu, lambda x: _tf().gelu(x), True, True),
    "gelu tanh": (lambda x: F.gelu(x, "tanh"), lambda x: _tf().gelu(x, approximate="tanh"),
                  True, True),
    "silu": (F.silu, lambda x: _tf().silu(x), True, True),
    "elu": (F.elu, lambda x: _tf().elu(x), False, False),
    "elu alpha=0.5": (lambda x: F.elu(x, 0.5), lambda x: _tf().elu(x, 0.5), False, False),
    "softplus": (F.softplus, lambda x: _tf().softplus(x), False, True),
    "softplus beta=2 threshold=10": (lambda x: F.softplus(x, 2.0, 10.0),
                                     lambda x: _tf().softplus(x, 2.0, 10.0), False, True),
    "hardtanh": (F.hardtanh, lambda x: _tf().hardtanh(x), False, False),
    "hardtanh 0.25 0.25": (lambda x: F.hardtanh(x, 0.25, 0.25),
                           lambda x: _tf().hardtanh(x, 0.25, 0.25), False, False),
}
for _name, (_ours, _theirs, _composite, _at_nan) in _ACTIVATIONS.items():
    case(f"F.{_name}", "functional", _ours, _theirs, ACTIVATION if _at_nan else NO_NAN,
         finite_upstream=_composite)
    if not _at_nan:
        case(f"F.{_name} NaN", "functional", _ours, _theirs, ACTIVATION, grad=False)
    case(f"F.{_name} 0-d", "functional", _ours, _theirs, -0.0)
    case(f"F.{_name} 0-size", "functional", _ours, _theirs, np.zeros((2, 0)))

# feature normalisation: ordinary, tied (variance 0), zeros, tiny, infinite and NaN rows
FEATURES = np.array([[1.0, 2.0, 3.0, 4.0], [2.0, 2.0, 2.0, 2.0], [0.0, -0.0, 0.0, 1e-8],
                     [1.0, INF, 0.0, 1.0], [NAN, 1.0, 2.0, 3.0], [1e150, -1e150, 0.0, 1.0]])
_AFFINE = (np.array([1.0, -0.5, 0.0, 2.0]), np.array([0.0, 1.0, -1.0, 0.5]))
case("F.layer_norm", "functional", lambda x: F.layer_norm(x, (4,)),
     lambda x: _tf().layer_norm(x, (4,)), FEATURES, tol=1e-7)
case("F.layer_norm affine", "functional", lambda x, w, b: F.layer_norm(x, (4,), w, b),
     lambda x, w, b: _tf().layer_norm(x, (4,), w, b), FEATURES, *_AFFINE, tol=1e-7,
     second_order=True)
case("F.layer_norm 2 axes", "functional", lambda x: F.layer_norm(x, (2, 2)),
     lambda x: _tf().layer_norm(x, (2, 2)), FEATURES.reshape(6, 2, 2), tol=1e-7)
case("F.layer_norm 0-size", "functional", lambda x: F.layer_norm(x, (4,)),
     lambda x: _tf().layer_norm(x, (4,)), np.zeros((0, 4)))
case("F.group_norm", "functional", lambda x, w, b: F.group_norm(x, 2, w, b),
     lambda x, w, b: _tf().group_norm(x, 2, w, b), FEATURES.reshape(3, 4, 2), *_AFFINE,
     tol=1e-7)
case("F.group_norm one group", "functional", lambda x: F.group_norm(x, 1),
     lambda x: _tf().group_norm(x, 1), FEATURES.reshape(6, 2, 2), tol=1e-7)
case("F.group_norm 0-size", "functional", lambda x: F.group_norm(x, 2),
     lambda x: _tf().group_norm(x, 2), np.zeros((0, 4, 3)))

# unit vectors and cosines: zero vectors (the eps clamp), infinite, NaN and tied rows
VECTORS = np.array([[3.0, 4.0, 0.0], [0.0, -0.0, 0.0], [1e-13, 0.0, 0.0], [INF, 1.0, 0.0],
                    [NAN, 1.0, 2.0], [-1.0, -1.0, -1.0]])
UNCLAMPED = VECTORS[[0, 1, 3, 4, 5]]           # a norm below eps: see DELIBERATE
for _p in (2.0, 1.0, 3.0):
    case(f"F.normalize p={_p}", "functional", lambda x, p=_p: F.normalize(x, p),
         lambda x, p=_p: _tf().normalize(x, p), VECTORS)
case("F.normalize dim=0", "functional", lambda x: F.normalize(x, dim=0),
     lambda x: _tf().normalize(x, dim=0), VECTORS[[0, 1, 2, 5]])
case("F.normalize 0-size", "functional", F.normalize, lambda x: _tf().normalize(x),
     np.zeros((0, 3)))
case("F.cosine_similarity", "functional", F.cosine_similarity,
     lambda x, y: _tf().cosine_similarity(x, y), UNCLAMPED, UNCLAMPED[::-1].copy())
case("F.cosine_similarity same", "functional", lambda x: F.cosine_similarity(x, x),
     lambda x: _tf().cosine_similarity(x, x), UNCLAMPED)
case("F.cosine_similarity clamped", "functional", F.cosine_similarity,
     lambda x, y: _tf().cosine_similarity(x, y), VECTORS, VECTORS[::-1].copy(), grad=False)
case("F.cosine_similarity 0-size", "functional", F.cosine_similarity,
     lambda x, y: _tf().cosine_similarity(x, y), np.zeros((0, 3)), np.zeros((0, 3)))

# padding: every mode on edge values, and a negative width (a crop)
IMAGE = edge_filled((1, 2, 3, 4))
for _mode, _widths in (("constant", (1, 2, 0, 1)), ("constant", (-1, 2, 1, -1)),
                       ("reflect", (3, 2, 2, 1)), ("replicate", (2, 3, 1, 2)),
                       ("circular", (4, 1, 3, 2))):
    case(f"F.pad {_mode} {_widths}", "functional", lambda x, m=_mode, w=_widths: F.pad(x, w, m),
         lambda x, m=_mode, w=_widths: _tf().pad(x, w, m), IMAGE)
case("F.pad constant value=inf", "functional", lambda x: F.pad(x, (1, 1), value=INF),
     lambda x: _tf().pad(x, (1, 1), value=INF), EDGE)
case("F.pad reflect 3-d", "functional", lambda x: F.pad(x, (2, 1), "reflect"),
     lambda x: _tf().pad(x, (2, 1), "reflect"), edge_filled((1, 2, 4)))

# resampling: exact and uneven scales, every mode, corners aligned or not
for _mode, _size, _corners in (("nearest", (5, 7), None), ("nearest", (2, 3), None),
                               ("bilinear", (5, 7), False), ("bilinear", (5, 7), True),
                               ("bilinear", (2, 2), False), ("bilinear", (1, 1), True)):
    case(f"F.interpolate {_mode} {_size} {_corners}", "functional",
         lambda x, m=_mode, s=_size, c=_corners: F.interpolate(x, s, mode=m, align_corners=c),
         lambda x, m=_mode, s=_size, c=_corners: _tf().interpolate(x, s, mode=m,
                                                                   align_corners=c), IMAGE)
case("F.interpolate bilinear scale 2", "functional",
     lambda x: F.interpolate(x, scale_factor=2, mode="bilinear"),
     lambda x: _tf().interpolate(x, scale_factor=2, mode="bilinear"), IMAGE)
case("F.interpolate nearest scale 1.5", "functional",
     lambda x: F.interpolate(x, scale_factor=1.5),
     lambda x: _tf().interpolate(x, scale_factor=1.5), IMAGE)
case("F.interpolate bilinear scale 0.5 corners", "functional",
     lambda x: F.interpolate(x, scale_factor=0.5, mode="bilinear", align_corners=True),
     lambda x: _tf().interpolate(x, scale_factor=0.5, mode="bilinear", align_corners=True),
     edge_filled((1, 1, 5, 6)))
case("F.interpolate linear scale 1.5", "functional",
     lambda x: F.interpolate(x, scale_factor=1.5, mode="linear"),
     lambda x: _tf().interpolate(x, scale_factor=1.5, mode="linear"), edge_filled((1, 2, 5)))
case("F.interpolate nearest 0-size", "functional", lambda x: F.interpolate(x, (4, 4)),
     lambda x: _tf().interpolate(x, (4, 4)), np.zeros((0, 2, 2, 2)))

# class indices as vectors: repeats, the last class, empty and 0-d labels (no gradient)
_LABELS = np.array([[0, 3, 3], [2, 0, 1]])
for _labels in (_LABELS, np.zeros(0), np.array(2)):
    case(f"F.one_hot {_labels.shape}", "functional",
         lambda x: F.one_hot(ad.astype(x, np.int64), 4),
         lambda x: _tf().one_hot(x.long(), 4), _labels, grad=False, tangents=False)
case("F.embedding", "functional", lambda w: F.embedding(_LABELS, w),
     lambda w: _tf().embedding(_torch().tensor(_LABELS), w), edge_filled((4, 3)))
case("F.embedding padding_idx", "functional", lambda w: F.embedding(_LABELS, w, padding_idx=3),
     lambda w: _tf().embedding(_torch().tensor(_LABELS), w, padding_idx=3), edge_filled((4, 3)),
     tangents=False)                                                     # see DELIBERATE

# 1-d and transposed convolutions and pools: their functional forms (the layers are below)
SIGNAL = POOL[0].reshape(2, 1, 10).transpose(1, 0, 2).copy()           # (1, 2, 10)
case("F.max_pool1d", "functional", lambda x: F.max_pool1d(x, 3, 2, 1),
     lambda x: _tf().max_pool1d(x, 3, 2, 1), SIGNAL)
case("F.avg_pool1d", "functional", lambda x: F.avg_pool1d(x, 2),
     lambda x: _tf().avg_pool1d(x, 2), SIGNAL)
case("F.conv1d", "functional", lambda x, w: F.conv1d(x, w, padding=1),
     lambda x, w: _tf().conv1d(x, w, padding=1), SIGNAL, edge_filled((3, 2, 2), 4))
case("F.conv_transpose2d", "functional", lambda x, w: F.conv_transpose2d(x, w, stride=2),
     lambda x, w: _tf().conv_transpose2d(x, w, stride=2), IMAGE, edge_filled((2, 1, 2, 2), 3),
     second_order=True)
case("F.conv_transpose2d stride 1", "functional", F.conv_transpose2d,    # the fast path's shape
     lambda x, w: _tf().conv_transpose2d(x, w), np.arange(12.0).reshape(1, 1, 3, 4) / 5,
     edge_filled((1, 2, 2, 2), 3))


# ---- layers -------------------------------------------------------------------------------
def _with(module, **values):
    """``module`` with its parameters set to ``values`` (edge values in the weights)."""
    for name, value in values.items():
        getattr(module, name).array[...] = value
    return module


_INDICES = np.array([[0, 2, 2], [4, 1, 0]])
NN_LAYER_CASES = {
    "GELU": LayerCase(lambda: nn.GELU(), ACTIVATION.reshape(5, 5), finite_upstream=True),
    "GELU tanh": LayerCase(lambda: nn.GELU("tanh"), ACTIVATION.reshape(5, 5),
                           finite_upstream=True),
    "SiLU": LayerCase(lambda: nn.SiLU(), ACTIVATION.reshape(5, 5), finite_upstream=True),
    "ELU": LayerCase(lambda: nn.ELU(0.5), NO_NAN.reshape(4, 6)),
    "Softplus": LayerCase(lambda: nn.Softplus(0.5, 5.0), ACTIVATION.reshape(5, 5)),
    "Hardtanh": LayerCase(lambda: nn.Hardtanh(-2.0, 0.5), NO_NAN.reshape(4, 6)),
    "Hardtanh 0-d": LayerCase(lambda: nn.Hardtanh(), np.array(1.0)),
    "Softplus 0-d": LayerCase(lambda: nn.Softplus(), np.array(20.0)),
    "ReLU6": LayerCase(lambda: nn.ReLU6(), np.concatenate([NO_NAN, [6.0, -0.0]]).reshape(2, 13)),
    "Mish": LayerCase(lambda: nn.Mish(), ACTIVATION.reshape(5, 5), finite_upstream=True),
    "PReLU": LayerCase(lambda: nn.PReLU(), NO_NAN.reshape(4, 6)),
    "PReLU per channel": LayerCase(lambda: nn.PReLU(6, 0.1), NO_NAN.reshape(4, 6)),
    "GELU 0-size": LayerCase(lambda: nn.GELU(), (0, 3)),
    "LayerNorm": LayerCase(lambda: _with(nn.LayerNorm(4), weight=_AFFINE[0], bias=_AFFINE[1]),
                           FEATURES, tol=1e-7),
    "LayerNorm no affine": LayerCase(lambda: nn.LayerNorm((2, 2), elementwise_affine=False),
                                     FEATURES.reshape(3, 2, 2, 2), tol=1e-7),
    "LayerNorm 0-size batch": LayerCase(lambda: nn.LayerNorm(4), (0, 4)),
    "LayerNorm one example": LayerCase(lambda: nn.LayerNorm(4), FEATURES[1]),
    "GroupNorm": LayerCase(lambda: _with(nn.GroupNorm(2, 4), weight=_AFFINE[0],
                                         bias=_AFFINE[1]), FEATURES.reshape(3, 4, 2), tol=1e-7),
    "GroupNorm 0-size batch": LayerCase(lambda: nn.GroupNorm(2, 4), (0, 4, 3)),
    "Embedding": LayerCase(lambda: _with(nn.Embedding(5, 3), weight=edge_filled((5, 3))),
                           _INDICES),
    "Embedding padding_idx": LayerCase(
        lambda: _with(nn.Embedding(5, 3, padding_idx=2), weight=edge_filled((5, 3), 1)),
        _INDICES),
    "Embedding 0-d index": LayerCase(lambda: nn.Embedding(5, 3), np.array(4)),
    "Embedding no indices": LayerCase(lambda: nn.Embedding(5, 3), np.zeros((0, 2), int)),
    "Dropout2d": LayerCase(lambda: nn.Dropout2d(0.5), (2, 2, 2, 3)),
    "Dropout2d p=1": LayerCase(lambda: nn.Dropout2d(1.0), (2, 2, 2, 3), train=True),
    "Dropout2d p=0": LayerCase(lambda: nn.Dropout2d(0.0), (2, 2, 2, 3), train=True),
    "Dropout2d 0-size batch": LayerCase(lambda: nn.Dropout2d(1.0), (0, 2, 2, 3), train=True),
    "Conv1d": LayerCase(lambda: nn.Conv1d(2, 3, 3, padding=1), (2, 2, 5), few_nans=True),
    "Conv1d unbatched": LayerCase(lambda: nn.Conv1d(2, 3, 2, stride=2), (2, 6), few_nans=True),
    "Conv1d reflect": LayerCase(lambda: nn.Conv1d(2, 2, 3, padding=2, padding_mode="reflect",
                                                  dilation=2), (1, 2, 5), few_nans=True),
    "Conv1d circular": LayerCase(lambda: nn.Conv1d(2, 2, 3, padding=1, padding_mode="circular"),
                                 (1, 2, 5), few_nans=True),
    "Conv1d 0-size batch": LayerCase(lambda: nn.Conv1d(2, 3, 3), (0, 2, 5)),
    "ConvTranspose2d": LayerCase(lambda: nn.ConvTranspose2d(2, 3, 3, stride=2, padding=1,
                                                            output_padding=1), (1, 2, 3, 3),
                                 few_nans=True),
    "ConvTranspose2d unbatched groups": LayerCase(
        lambda: nn.ConvTranspose2d(2, 4, 2, groups=2, dilation=2), (2, 3, 3), few_nans=True),
    "ConvTranspose2d 0-size batch": LayerCase(lambda: nn.ConvTranspose2d(2, 3, 3), (0, 2, 3, 3)),
    "MaxPool1d": LayerCase(lambda: nn.MaxPool1d(2), SIGNAL),
    "MaxPool1d padded ceil": LayerCase(lambda: nn.MaxPool1d(3, 2, 1, ceil_mode=True), SIGNAL),
    "MaxPool1d unbatched": LayerCase(lambda: nn.MaxPool1d(3, 1), SIGNAL[0]),
    "MaxPool1d 0-size batch": LayerCase(lambda: nn.MaxPool1d(2), (0, 2, 4)),
    "AvgPool1d": LayerCase(lambda: nn.AvgPool1d(3, 1, 1, count_include_pad=False), SIGNAL),
    "AvgPool1d 0-size batch": LayerCase(lambda: nn.AvgPool1d(2), (0, 2, 4)),
    "Upsample": LayerCase(lambda: nn.Upsample(scale_factor=2), (1, 2, 2, 3)),
    "Upsample bilinear": LayerCase(lambda: nn.Upsample((3, 5), mode="bilinear"), (1, 2, 2, 3)),
    "Upsample bilinear corners": LayerCase(
        lambda: nn.Upsample(scale_factor=2, mode="bilinear", align_corners=True), (1, 2, 2, 3)),
    "Upsample linear": LayerCase(lambda: nn.Upsample(7, mode="linear"), SIGNAL),
    "Upsample 0-size batch": LayerCase(lambda: nn.Upsample(scale_factor=2), (0, 2, 2, 3)),
    "Unflatten": LayerCase(lambda: nn.Unflatten(1, (2, 3)), (2, 6)),
    "Unflatten -1": LayerCase(lambda: nn.Unflatten(-1, (-1, 2)), (3, 4)),
    "Unflatten 0-size batch": LayerCase(lambda: nn.Unflatten(1, (2, 3)), (0, 6)),
}
NN_NOT_LAYERS = {
    "ModuleDict": "a container without a forward",
    "ParameterDict": "a container of parameters, without a forward",
    "ParameterList": "a container of parameters, without a forward",
}


# ---- losses -------------------------------------------------------------------------------
# regression: 0 and -0.0, infinite and NaN differences, and |d| exactly at beta / delta
REG = np.array([[0.0, -0.0, 1.0, 0.5], [INF, 2.0, -1.0, 3.0], [NAN, 0.5, 3.0, -INF]])
REG_TARGET = np.array([[0.0, 0.0, 0.0, 1.0], [1.0, 1.0, 1.0, 1.0], [1.0, NAN, 1.0, -INF]])
# probabilities at 0 and 1 (log clamped at -100), tiny and ordinary
PROB = np.array([[0.0, 1.0, 0.5, 1e-50], [0.0, 1.0, 0.25, 1.0 - 1e-16], [0.0, 1.0, 0.9, 1e-3]])
PROB_TARGET = np.array([[0.0, 1.0, 0.5, 0.0], [1.0, 0.0, 1.0, 1.0], [0.5, 0.5, 0.0, 1.0]])
# gradients where p (1 - p) >= 1e-12 (closer to 0 or 1: see DELIBERATE)
INNER = np.array([[1e-11, 1.0 - 1e-11, 0.5, 1e-6], [0.25, 0.75, 0.9, 1e-3]])
INNER_TARGET = np.array([[0.0, 1.0, 0.5, 1.0], [1.0, 0.0, 0.3, 0.0]])
# KL divergence: targets 0 (the term is 0), log-probabilities -inf, 0 and ordinary
with np.errstate(divide="ignore"):
    KL_INPUT = np.log(np.array([[0.5, 0.0, 0.5], [1.0, 0.0, 0.0], [0.2, 0.3, 0.5]]))
KL_TARGET = np.array([[0.5, 0.0, 0.5], [0.0, 0.5, 0.5], [0.2, 0.3, 0.5]])


def nn_loss_cases():
    torch, tf, t = _torch(), _tf(), _torch().tensor
    cases = {}
    # name (in nn.functional and torch.nn.functional), keywords, input, target, and whether
    # gradients are compared (see DELIBERATE for BCE at 0 and 1)
    per_reduction = (("l1_loss", {}, REG, REG_TARGET, True),
                     ("smooth_l1_loss", {}, REG, REG_TARGET, True),
                     ("huber_loss", {"delta": 2.0}, REG, REG_TARGET, True),
                     ("binary_cross_entropy", {}, INNER, INNER_TARGET, True),
                     ("binary_cross_entropy at 0 and 1", {}, PROB, PROB_TARGET, False))
    for r in ("mean", "sum", "none"):
        for label, kw, x, y, grad in per_reduction:
            name = label.split()[0]
            cases[f"{label} {r}"] = LossCase(
                lambda x, n=name, r=r, kw=kw, y=y: getattr(F, n)(x, y, reduction=r, **kw),
                lambda x, n=name, r=r, kw=kw, y=y: getattr(tf, n)(x, t(y), reduction=r, **kw),
                x, grad=grad, finite_upstream=name == "binary_cross_entropy" and r == "none")
    for r in ("mean", "sum", "none", "batchmean"):
        for log_target in (False, True):
            with np.errstate(divide="ignore"):
                target = np.log(KL_TARGET) if log_target else KL_TARGET
            cases[f"kl_div {r} log_target={log_target}"] = LossCase(
                lambda x, r=r, g=log_target, y=target: F.kl_div(x, y, reduction=r,
                                                                log_target=g),
                lambda x, r=r, g=log_target, y=target: tf.kl_div(x, t(y), reduction=r,
                                                                 log_target=g), KL_INPUT)
    for beta in (0.0, 0.5, 2.0):
        cases[f"smooth_l1_loss beta={beta}"] = LossCase(
            lambda x, b=beta: F.smooth_l1_loss(x, REG_TARGET, beta=b),
            lambda x, b=beta: tf.smooth_l1_loss(x, t(REG_TARGET), beta=b), REG)
    cases["huber_loss delta=0.5"] = LossCase(
        lambda x: F.huber_loss(x, REG_TARGET, delta=0.5),
        lambda x: tf.huber_loss(x, t(REG_TARGET), delta=0.5), REG)
    weight = np.array([1.0, 0.0, 2.0, 0.5])
    cases["binary_cross_entropy weight"] = LossCase(
        lambda x: F.binary_cross_entropy(x, INNER_TARGET, weight),
        lambda x: tf.binary_cross_entropy(x, t(INNER_TARGET), t(weight)), INNER)
    for name, ours, theirs, x in (
            ("l1_loss", F.l1_loss, tf.l1_loss, REG),
            ("smooth_l1_loss", F.smooth_l1_loss, tf.smooth_l1_loss, REG),
            ("huber_loss", F.huber_loss, tf.huber_loss, REG),
            ("binary_cross_entropy", F.binary_cross_entropy, tf.binary_cross_entropy, INNER),
            ("kl_div", F.kl_div, tf.kl_div, KL_INPUT)):
        y = KL_TARGET if name == "kl_div" else REG_TARGET if x is REG else INNER_TARGET
        cases[f"{name} empty"] = LossCase(lambda x, f=ours: f(x, np.zeros((0, 3))),
                                          lambda x, f=theirs: f(x, t(np.zeros((0, 3)))),
                                          np.zeros((0, 3)))
        cases[f"{name} 0-d"] = LossCase(lambda x, f=ours, y=y: f(x, y[0, 1]),
                                        lambda x, f=theirs, y=y: f(x, t(y[0, 1])), x[0, 1])
    cases["kl_div batchmean empty"] = LossCase(
        lambda x: F.kl_div(x, np.zeros((0, 3)), reduction="batchmean"),
        lambda x: tf.kl_div(x, t(np.zeros((0, 3))), reduction="batchmean"), np.zeros((0, 3)))
    cases["L1Loss"] = LossCase(lambda x: nn.L1Loss("sum")(x, REG_TARGET),
                               lambda x: torch.nn.L1Loss(reduction="sum")(x, t(REG_TARGET)), REG)
    cases["SmoothL1Loss"] = LossCase(
        lambda x: nn.SmoothL1Loss(beta=0.5)(x, REG_TARGET),
        lambda x: torch.nn.SmoothL1Loss(beta=0.5)(x, t(REG_TARGET)), REG)
    cases["HuberLoss"] = LossCase(lambda x: nn.HuberLoss(delta=3.0)(x, REG_TARGET),
                                  lambda x: torch.nn.HuberLoss(delta=3.0)(x, t(REG_TARGET)), REG)
    cases["BCELoss"] = LossCase(
        lambda x: nn.BCELoss(ad.tensor(weight))(x, INNER_TARGET),
        lambda x: torch.nn.BCELoss(t(weight))(x, t(INNER_TARGET)), INNER)
    with np.errstate(divide="ignore"):
        log_target = np.log(KL_TARGET)
    cases["KLDivLoss"] = LossCase(
        lambda x: nn.KLDivLoss(reduction="batchmean", log_target=True)(x, log_target),
        lambda x: torch.nn.KLDivLoss(reduction="batchmean", log_target=True)(x, t(log_target)),
        KL_INPUT)
    return cases


NN_LOSS_MODULES = ("L1Loss", "SmoothL1Loss", "HuberLoss", "BCELoss", "KLDivLoss")
