"""The edge-value sweep's tables: inputs at 0, -0.0, +-inf, NaN, ties, kinks and clip bounds,
0-d and 0-size shapes, and how each case runs in autodiff and in PyTorch (float64).

``PRIMITIVE_CASES`` has an entry per primitive of ``autodiff.PRIMITIVES`` (or a reason in
``SWEPT_THROUGH``: internal primitives reached through a public op's gradients), so a new
primitive fails ``test_every_primitive_is_swept`` until it is added. ``LAYER_CASES`` and
``LOSS_CASES`` do the same for every module ``nn`` exports. ``DELIBERATE`` lists, in one
place, where the engine differs from PyTorch on purpose, and why. The tests are in
``test_edge_sweep.py``.
"""
from __future__ import annotations

import itertools
from collections.abc import Callable
from dataclasses import dataclass, field

import numpy as np

import autodiff as ad
import nn
from autodiff.ops import shape as shp
from autodiff.tensor import apply

INF, NAN = np.inf, np.nan
EDGE = np.array([0.0, -0.0, 1.0, -1.0, 0.5, -2.0, INF, -INF, NAN])
# upstream gradients: plain ones, and one holding infinities, NaN and zeros (a select must
# turn an infinite upstream into 0 where it does not pass, never into inf * 0 = NaN)
UPSTREAM = np.array([1.0, INF, -INF, 0.0, NAN, -2.0, 0.5])


@dataclass
class Case:
    """``ours(*tensors)`` against ``theirs(*torch_tensors)`` on ``inputs`` (float64 arrays).

    ``grad``: whether gradients are compared too (for every input, with each upstream)."""
    family: str
    ours: Callable
    theirs: Callable
    inputs: tuple
    grad: bool = True
    second_order: bool = False        # also the gradient of <gradient, v> (double backward)
    tangents: bool = True             # also forward mode against torch.func.jvp
    tol: float = 1e-9
    finite_upstream: bool = False     # a composite: see DELIBERATE (inf - inf in its terms)
    extra: dict = field(default_factory=dict)


CASES: dict[str, Case] = {}


def case(name, family, ours, theirs, *inputs, dtype=float, **kw):
    """Register a case; its inputs are float64 unless ``dtype`` says otherwise (bitwise ops)."""
    CASES[name] = Case(family, ours, theirs, tuple(np.asarray(a, dtype=dtype) for a in inputs),
                       **kw)


def pairs(values=EDGE):
    """Every ordered pair of edge values: (x, y) as two flat arrays."""
    x, y = zip(*itertools.product(values, values))
    return np.array(x), np.array(y)


def edge_filled(shape, shift=0):
    """An array of ``shape`` cycling through the edge values (shifted, so two inputs differ)."""
    n = int(np.prod(shape))
    return np.resize(np.roll(EDGE, shift), n).reshape(shape)


def torch_name(name):
    return lambda *xs: getattr(_torch(), name)(*xs)


def _torch():
    import torch
    return torch


def _tf():
    import torch.nn.functional as tf
    return tf


# ---- element-wise: one input --------------------------------------------------------------------
KINKS = np.array([0.0, -0.0, 1e-300, -1e-300, 3.0, -3.0])
X1 = np.concatenate([EDGE, KINKS])
for _name in ("exp", "log", "sqrt", "sin", "cos", "tanh", "sigmoid", "relu", "abs"):
    case(f"{_name}", "elementwise", getattr(ad, _name), torch_name(_name), X1)
    case(f"{_name} 0-d", "elementwise", getattr(ad, _name), torch_name(_name), 0.0)
    case(f"{_name} 0-size", "elementwise", getattr(ad, _name), torch_name(_name), np.zeros((2, 0)))
case("neg", "elementwise", lambda x: -x, lambda x: -x, X1)
case("sign", "elementwise", ad.sign, torch_name("sign"), X1)
case("step", "elementwise", ad.step,
     lambda x: _torch().heaviside(x, _torch().zeros((), dtype=x.dtype)), X1, grad=False)
case("astype", "elementwise", lambda x: ad.astype(x, ad.float64),
     lambda x: x.to(_torch().float64), X1)
for _slope in (0.01, 0.2, -0.5, 1.0):
    case(f"leaky_relu {_slope}", "elementwise", lambda x, s=_slope: ad.leaky_relu(x, s),
         lambda x, s=_slope: _tf().leaky_relu(x, s), X1)
for _lo, _hi in ((-1.0, 1.0), (0.0, None), (None, 0.5), (0.5, 0.5), (1.0, -1.0), (-INF, INF)):
    case(f"clip {_lo} {_hi}", "elementwise", lambda x, lo=_lo, hi=_hi: ad.clip(x, lo, hi),
         lambda x, lo=_lo, hi=_hi: _torch().clamp(x, lo, hi),
         np.concatenate([X1, [v for v in (_lo, _hi) if v is not None]]))

# ---- element-wise: two inputs, every pair of edge values ------------------------------------------
XY = pairs()
for _name, _torch_fn in (("add", "add"), ("sub", "sub"), ("mul", "mul"), ("div", "div"),
                         ("power", "pow"), ("maximum", "maximum"), ("minimum", "minimum")):
    case(_name, "elementwise", getattr(ad, _name), torch_name(_torch_fn), *XY)
    case(f"{_name} 0-d with 1-d", "elementwise", getattr(ad, _name), torch_name(_torch_fn),
         0.0, EDGE)
    case(f"{_name} 0-size", "elementwise", getattr(ad, _name), torch_name(_torch_fn),
         np.zeros((0, 3)), np.ones(3))
for _exponent in (0, 1, 2, 0.5, -1, 3.5):
    case(f"power constant {_exponent}", "elementwise", lambda x, e=_exponent: x ** e,
         lambda x, e=_exponent: x ** e,
         X1[~(np.signbit(X1) & (np.isinf(X1) | (X1 == 0)))] if _exponent == 0.5 else X1)
for _name, _torch_fn in (("less", "lt"), ("less_equal", "le"), ("greater", "gt"),
                         ("greater_equal", "ge"), ("equal", "eq"), ("not_equal", "ne")):
    case(_name, "elementwise", getattr(ad, _torch_fn), torch_name(_torch_fn), *XY, grad=False)
_COND = np.resize([True, False, False], XY[0].size)
case("where", "elementwise", lambda x, y: ad.where(_COND, x, y),
     lambda x, y: _torch().where(_torch().tensor(_COND), x, y), *XY)

# ---- reductions ---------------------------------------------------------------------------------
ROWS = np.array([[1.0, 2.0, 2.0, 0.0], [INF, -INF, 0.0, 1.0], [NAN, 1.0, 2.0, NAN],
                 [-INF, -INF, -INF, -INF], [0.0, -0.0, 0.0, -0.0], [INF, INF, 1.0, -1.0],
                 [-1.0, -1.0, -3.0, -1.0]])
NO_NAN_ROWS = ROWS[[0, 1, 3, 4, 5, 6]]
for _axis in (None, 0, 1, (0, 1)):
    case(f"sum axis={_axis}", "reduction", lambda x, a=_axis: ad.sum(x, a),
         lambda x, a=_axis: x.sum() if a is None else x.sum(a), ROWS)
    case(f"logsumexp axis={_axis}", "reduction", lambda x, a=_axis: ad.logsumexp(x, a),
         lambda x, a=_axis: _torch().logsumexp(x, tuple(range(x.ndim)) if a is None else a),
         ROWS)
case("logsumexp 0-size", "reduction", lambda x: ad.logsumexp(x, 1),
     lambda x: _torch().logsumexp(x, 1), np.zeros((3, 0)), tangents=False)  # DELIBERATE
case("sum 0-size", "reduction", lambda x: ad.sum(x, 1), lambda x: x.sum(1), np.zeros((3, 0)))
case("sum 0-d", "reduction", ad.sum, lambda x: x.sum(), 2.0)
for _name in ("max", "min"):
    # the whole-tensor reduction is torch.max(x); over a dim it is the named tuple (values,
    # indices), the gradient to the first extreme; amax/amin share ties (see DELIBERATE)
    case(f"{_name}", "reduction", getattr(ad, _name), torch_name(_name), ROWS)
    for _row in range(len(ROWS)):
        case(f"{_name} row {_row}", "reduction", getattr(ad, _name), torch_name(_name),
             ROWS[_row])
    case(f"{_name} axis=1", "reduction", lambda x, n=_name: getattr(ad, n)(x, 1).values,
         lambda x, n=_name: getattr(_torch(), n)(x, 1).values, ROWS, second_order=True)
    case(f"{_name} axis=1 indices", "reduction",
         lambda x, n=_name: getattr(ad, n)(x, 1).indices,
         lambda x, n=_name: getattr(_torch(), n)(x, 1).indices, ROWS, grad=False)
    case(f"{_name} axis=0 keepdims", "reduction",
         lambda x, n=_name: getattr(ad, n)(x, 0, keepdim=True).values,
         lambda x, n=_name: getattr(_torch(), n)(x, 0, keepdim=True).values, ROWS)
    case(f"{_name} amax axis=1", "reduction", lambda x, n=_name: getattr(ad, "a" + n)(x, 1),
         lambda x, n=_name: getattr(_torch(), "a" + n)(x, 1), NO_NAN_ROWS,
         finite_upstream=True, second_order=True)
    case(f"{_name} amax axis=(0, 1) keepdims", "reduction",
         lambda x, n=_name: getattr(ad, "a" + n)(x, (0, 1), keepdim=True),
         lambda x, n=_name: getattr(_torch(), "a" + n)(x, (0, 1), keepdim=True), NO_NAN_ROWS,
         finite_upstream=True)
    case(f"{_name} amax with NaN", "reduction", lambda x, n=_name: getattr(ad, "a" + n)(x, 1),
         lambda x, n=_name: getattr(_torch(), "a" + n)(x, 1), ROWS, grad=False)
    case(f"{_name} first axis=1", "reduction",        # max pooling's rule: the first extreme
         lambda x, n=_name: apply(ad.PRIMITIVES[n], x, axis=1, keepdims=False, first=True),
         lambda x, n=_name: getattr(_torch(), n)(x, 1).values, ROWS)
    case(f"{_name} 0-d", "reduction", getattr(ad, _name), torch_name(_name), NAN)
    case(f"{_name} 0-d dim", "reduction", lambda x, n=_name: getattr(ad, n)(x, 0).values,
         lambda x, n=_name: getattr(_torch(), n)(x, 0).values, -INF)
case("mean", "reduction", lambda x: ad.mean(x, 1), lambda x: x.mean(1), ROWS)
case("mean 0-size", "reduction", lambda x: ad.mean(x), lambda x: x.mean(), np.zeros((2, 0)))
_VAR_ROWS = ROWS[[0, 1, 2, 3, 4, 6]]                               # row 5: see DELIBERATE
case("var", "reduction", lambda x: ad.var(x, 1), lambda x: x.var(1), _VAR_ROWS)
case("var unbiased=False", "reduction", lambda x: ad.var(x, 1, unbiased=False),
     lambda x: x.var(1, unbiased=False), _VAR_ROWS)
case("var correction=2 keepdim", "reduction", lambda x: ad.var(x, 0, correction=2, keepdim=True),
     lambda x: x.var(0, correction=2, keepdim=True), ROWS[[0, 4, 6]],
     finite_upstream=True)                            # see DELIBERATE (var and std)
case("var one element", "reduction", lambda x: ad.var(x, 1), lambda x: x.var(1),
     np.array([[1.0], [0.0], [INF]]))                 # n - 1 = 0: 0/0 = NaN, as PyTorch
case("std", "reduction", lambda x: ad.std(x, 1), lambda x: x.std(1), _VAR_ROWS[[0, 3, 5]],
     finite_upstream=True)                            # a composite: see DELIBERATE

# ---- shape and indexing (values pass through; the gradient is the upstream moved back) -----------
M = edge_filled((3, 4))
case("reshape", "shape", lambda x: ad.reshape(x, (4, 3)), lambda x: x.reshape(4, 3), M)
case("reshape 0-size", "shape", lambda x: ad.reshape(x, (0, 5)), lambda x: x.reshape(0, 5),
     np.zeros((5, 0)))
case("transpose", "shape", lambda x: ad.transpose(x, (1, 0)), lambda x: x.permute(1, 0), M)
case("broadcast_to", "shape", lambda x: ad.broadcast_to(x, (2, 3, 4)),
     lambda x: x.expand(2, 3, 4), M)
case("to_device", "shape", lambda x: shp.to_device(x, "cpu"), lambda x: x.to("cpu") * 1, M)
case("concatenate", "shape", lambda x, y: ad.concatenate([x, y], 1),
     lambda x, y: _torch().cat([x, y], 1), M, edge_filled((3, 2), 3))
case("concatenate 0-size", "shape", lambda x, y: ad.concatenate([x, y], 0),
     lambda x, y: _torch().cat([x, y], 0), np.zeros((0, 4)), M)
case("pad constant", "shape", lambda x: ad.pad(x, ((1, 0), (2, 1)), constant_values=NAN),
     lambda x: _tf().pad(x, (2, 1, 1, 0), value=NAN), M)
case("pad edge", "shape", lambda x: ad.pad(x, ((1, 1), (0, 2)), mode="edge"),
     lambda x: _tf().pad(x[None], (0, 2, 1, 1), mode="replicate")[0], M)
_INDEX = np.array([2, 0, 2, 1])
case("getitem", "shape", lambda x: x[_INDEX], lambda x: x[_torch().tensor(_INDEX)], M)
case("getitem mask", "shape", lambda x: x[np.isfinite(M)],
     lambda x: x[_torch().tensor(np.isfinite(M))], M)
case("scatter_add", "shape", lambda v: shp.scatter_add(v, (_INDEX,), (3, 4)),
     lambda v: _torch().zeros(3, 4, dtype=v.dtype).index_add(0, _torch().tensor(_INDEX), v),
     edge_filled((4, 4), 2))

# ---- linear algebra, normalisation ---------------------------------------------------------------
case("matmul", "linalg", ad.matmul, torch_name("matmul"), edge_filled((3, 4)),
     edge_filled((4, 2), 4))
case("matmul vector", "linalg", ad.matmul, torch_name("matmul"), EDGE, EDGE[::-1].copy())
case("matmul 0-size", "linalg", ad.matmul, torch_name("matmul"), np.zeros((2, 0)),
     np.zeros((0, 3)))
case("linear", "linalg", ad.linear, lambda x, w, b: _tf().linear(x, w, b), edge_filled((2, 3)),
     edge_filled((4, 3), 2), edge_filled((4,), 5))
_NORM_ROWS = np.array([[1.0, 2.0, 3.0, 4.0], [2.0, 2.0, 2.0, 2.0], [0.0, -0.0, 0.0, 1e-8],
                       [1.0, INF, 0.0, 1.0], [NAN, 1.0, 2.0, 3.0]])


def _torch_normalize(x, dims, eps=1e-5):
    mean = x.mean(dims, keepdim=True)
    return (x - mean) / _torch().sqrt(x.var(dims, unbiased=False, keepdim=True) + eps)


case("normalize", "normalize", lambda x: ad.normalize(x, (1,)),
     lambda x: _torch_normalize(x, (1,)), _NORM_ROWS, tol=1e-7, second_order=True)

# ---- windows: convolution and pooling -----------------------------------------------------------
IMAGE = edge_filled((1, 2, 4, 5))
KERNEL = np.resize([1.0, -1.0, 0.5, 0.0, 2.0], 2 * 2 * 3 * 3).reshape(2, 2, 3, 3)
case("conv2d edge input", "window", lambda x, w: ad.conv2d(x, w, padding=1),
     lambda x, w: _tf().conv2d(x, w, padding=1), IMAGE, KERNEL, second_order=True)
case("conv2d edge weight", "window", lambda x, w: ad.conv2d(x, w, stride=2),
     lambda x, w: _tf().conv2d(x, w, stride=2), np.arange(40.0).reshape(1, 2, 4, 5) / 7,
     edge_filled((3, 2, 2, 2), 1), second_order=True)
case("conv2d edge weight stride 1", "window", ad.conv2d,  # input grad's fast path
     lambda x, w: _tf().conv2d(x, w),
     np.arange(40.0).reshape(1, 2, 4, 5) / 7, edge_filled((1, 2, 2, 2), 1))
case("conv2d edge bias", "window", lambda x, w, b: ad.conv2d(x, w, b, padding=1),
     lambda x, w, b: _tf().conv2d(x, w, b, padding=1), IMAGE, KERNEL,
     np.array([INF, -0.0]), second_order=True)
case("conv2d empty batch", "window", lambda x, w: ad.conv2d(x, w, padding=1),
     lambda x, w: _tf().conv2d(x, w, padding=1), np.zeros((0, 2, 4, 5)), KERNEL)
case("conv2d unbatched", "window", lambda x, w: ad.conv2d(x, w),
     lambda x, w: _tf().conv2d(x, w), IMAGE[0], KERNEL)
POOL = np.array([[[[1.0, 1.0, 2.0, 2.0, 0.0], [1.0, 1.0, 2.0, NAN, -INF],
                   [-INF, -INF, INF, 0.0, -0.0], [-INF, -INF, INF, -0.0, 0.0]]]])
for _kernel, _stride, _padding in ((2, 2, 0), (2, 1, 0), (3, 1, 1), (2, 2, 1)):
    case(f"max_pool2d k{_kernel} s{_stride} p{_padding}", "window",
         lambda x, k=_kernel, s=_stride, p=_padding: ad.max_pool2d(x, k, s, p),
         lambda x, k=_kernel, s=_stride, p=_padding: _tf().max_pool2d(x, k, s, p), POOL,
         second_order=True)
    case(f"avg_pool2d k{_kernel} s{_stride} p{_padding}", "window",
         lambda x, k=_kernel, s=_stride, p=_padding: ad.avg_pool2d(x, k, s, p),
         lambda x, k=_kernel, s=_stride, p=_padding: _tf().avg_pool2d(x, k, s, p), POOL)
case("unfold", "window", lambda x: ad.reshape(ad.unfold(x, (2, 3)), (1, 2 * 6, -1)),
     lambda x: _tf().unfold(x, (2, 3)), IMAGE)
case("fold", "window", lambda c: ad.fold(ad.reshape(c, (1, 2, 2, 3, 3, 3)), (4, 5), (2, 3)),
     lambda c: _tf().fold(c, (4, 5), (2, 3)), edge_filled((1, 12, 9)))

# internal primitives, each reached through the gradients of a public op above
SWEPT_THROUGH = {
    "conv2d_input_grad": "conv2d's input gradient (and its second order)",
    "conv2d_weight_grad": "conv2d's weight gradient (and its second order)",
    "softmax_cross_entropy": "cross_entropy with class indices (the loss cases below)",
    "relu_grad": "relu's gradient",
    "tanh_grad": "tanh's gradient (and its second order)",
    "sigmoid_grad": "sigmoid's gradient (and its second order)",
    "max_pool2d_routes": "max_pool2d's gradient (which element of each window wins)",
    "max_pool2d_scatter": "max_pool2d's gradient",
    "max_pool2d_gather": "max_pool2d's second-order gradient",
    "first_argmax_mask": "max with first=True (max pooling's rule)",
    "first_argmin_mask": "min with first=True",
    "inv_std": "normalize's second-order gradient, BatchNorm layers",
    "project_out": "normalize's gradient and its second order, BatchNorm layers",
    "normalize_affine": "BatchNorm1d/BatchNorm2d in training mode",
}


# ---- layers: every module nn exports, converted with nn.to_torch -----------------------------------
@dataclass
class LayerCase:
    build: Callable                  # () -> our module (float64)
    input: tuple | np.ndarray        # a shape (filled with edge values), or the input itself
    train: bool = False
    tol: float = 1e-8
    few_nans: bool = False           # NaN spreads over whole channels: keep only a few
    finite_upstream: bool = False    # a composite: see DELIBERATE (inf - inf in its terms)


LAYER_CASES = {
    "Linear": LayerCase(lambda: nn.Linear(5, 3), (2, 5), few_nans=True),
    "Linear 0-d batch": LayerCase(lambda: nn.Linear(5, 3), (5,), few_nans=True),
    "Linear 0-size batch": LayerCase(lambda: nn.Linear(5, 3), (0, 5), few_nans=True),
    "Conv2d": LayerCase(lambda: nn.Conv2d(2, 3, 3, padding=1), (2, 2, 4, 4), few_nans=True),
    "Conv2d unbatched": LayerCase(lambda: nn.Conv2d(2, 3, 2, stride=2), (2, 4, 4), few_nans=True),
    "MaxPool2d": LayerCase(lambda: nn.MaxPool2d(2), (2, 2, 4, 4)),
    "MaxPool2d ceil": LayerCase(lambda: nn.MaxPool2d(3, 2, ceil_mode=True), (1, 2, 5, 5)),
    "AvgPool2d": LayerCase(lambda: nn.AvgPool2d(3, 1, 1, count_include_pad=False), (1, 2, 4, 4)),
    "AvgPool2d divisor": LayerCase(lambda: nn.AvgPool2d(2, divisor_override=3), (1, 2, 4, 4)),
    "AdaptiveAvgPool2d": LayerCase(lambda: nn.AdaptiveAvgPool2d((2, 3)), (1, 2, 5, 4)),
    "Flatten": LayerCase(lambda: nn.Flatten(), (2, 2, 3)),
    "Dropout": LayerCase(lambda: nn.Dropout(0.5).eval(), (2, 6)),
    "BatchNorm1d": LayerCase(lambda: nn.BatchNorm1d(3), (4, 3), train=True, tol=1e-7,
                             few_nans=True),
    "BatchNorm1d eval": LayerCase(lambda: nn.BatchNorm1d(3).eval(), (4, 3), few_nans=True),
    "BatchNorm2d": LayerCase(lambda: nn.BatchNorm2d(2), (2, 2, 3, 3), train=True, tol=1e-7,
                             few_nans=True),
    "BatchNorm2d eval": LayerCase(lambda: nn.BatchNorm2d(2).eval(), (2, 2, 3, 3), few_nans=True),
    "LocalResponseNorm": LayerCase(lambda: nn.LocalResponseNorm(3), (1, 4, 2, 2), few_nans=True),
    "ReLU": LayerCase(lambda: nn.ReLU(), (3, 6)),
    "LeakyReLU": LayerCase(lambda: nn.LeakyReLU(0.1), (3, 6)),
    "Sigmoid": LayerCase(lambda: nn.Sigmoid(), (3, 6)),
    "Tanh": LayerCase(lambda: nn.Tanh(), (3, 6)),
    "Softmax": LayerCase(lambda: nn.Softmax(dim=1), (3, 6)),
    "Softmax 0 classes": LayerCase(lambda: nn.Softmax(dim=1), (3, 0)),
    "LogSoftmax": LayerCase(lambda: nn.LogSoftmax(dim=1), (3, 6)),
    "Identity": LayerCase(lambda: nn.Identity(), (3, 6)),
    "Sequential": LayerCase(lambda: nn.Sequential(nn.Linear(4, 3), nn.ReLU()), (2, 4),
                            few_nans=True),
    "BasicConv2d": LayerCase(lambda: nn.BasicConv2d(2, 3, kernel_size=3, padding=1).eval(),
                             (1, 2, 4, 4), few_nans=True),
    "ResidualBlock": LayerCase(lambda: nn.ResidualBlock(2, 3, stride=2).eval(), (1, 2, 4, 4),
                               few_nans=True),
    "Bottleneck": LayerCase(lambda: nn.Bottleneck(2, 2, 4).eval(), (1, 2, 4, 4), few_nans=True),
    "Inception": LayerCase(lambda: nn.Inception(2, 1, 1, 2, 1, 1, 1).eval(), (1, 2, 4, 4),
                           few_nans=True),
}
NOT_LAYERS = {
    "Module": "the base class", "ModuleList": "a container without a forward",
    "Step": "the perceptron's Heaviside activation: PyTorch has no module (swept as ad.step)",
    "Summary": "a report, not a layer",
    "Callback": "training callback", "EarlyStopping": "training callback",
}


# ---- losses ---------------------------------------------------------------------------------------
@dataclass
class LossCase:
    ours: Callable                   # (input tensor) -> loss, in nn.functional / nn terms
    theirs: Callable                 # (input torch tensor) -> loss
    input: np.ndarray
    tol: float = 1e-9
    finite_upstream: bool = False    # see DELIBERATE: composites' terms add to inf - inf
    grad: bool = True                # also the input's gradient (see DELIBERATE where not)


LOGITS = np.array([[0.0, -INF, 1.0], [2.0, 2.0, 2.0], [-INF, 0.0, -INF], [1e3, -1e3, 0.0]])
with np.errstate(divide="ignore"):                       # log 0 = -inf on purpose
    LOGP = np.log(np.array([[0.5, 0.0, 0.5], [1.0, 0.0, 0.0], [0.2, 0.3, 0.5], [0.0, 1.0, 0.0]]))
TARGET = np.array([2, 1, 1, 0])
PROBS = np.array([[0.0, 0.0, 1.0], [0.2, 0.3, 0.5], [0.0, 1.0, 0.0], [1.0, 0.0, 0.0]])
REG = np.array([[0.0, -0.0, 1.0], [INF, 2.0, -1.0], [NAN, 0.5, 3.0]])
BCE_LOGITS = np.array([[0.0, -INF, INF], [1e3, -1e3, 2.0], [-0.0, 0.5, -3.0]])
BCE_TARGET = np.array([[0.0, 0.0, 1.0], [1.0, 0.0, 0.5], [0.5, 1.0, 0.0]])


def _loss_cases():
    torch, tf, F = _torch(), _tf(), nn.functional
    t = torch.tensor
    cases = {}
    for reduction in ("mean", "sum", "none"):
        cases[f"cross_entropy {reduction}"] = LossCase(
            lambda x, r=reduction: F.cross_entropy(x, TARGET, reduction=r),
            lambda x, r=reduction: tf.cross_entropy(x, t(TARGET), reduction=r), LOGITS)
        cases[f"nll_loss {reduction}"] = LossCase(
            lambda x, r=reduction: F.nll_loss(x, np.array([0, 1, 2, 1]), reduction=r),
            lambda x, r=reduction: tf.nll_loss(x, t([0, 1, 2, 1]), reduction=r), LOGP)
        cases[f"mse_loss {reduction}"] = LossCase(
            lambda x, r=reduction: F.mse_loss(x, REG[::-1].copy(), reduction=r),
            lambda x, r=reduction: tf.mse_loss(x, t(REG[::-1].copy()), reduction=r), REG)
        cases[f"bce_with_logits {reduction}"] = LossCase(
            lambda x, r=reduction: F.binary_cross_entropy_with_logits(x, BCE_TARGET, reduction=r),
            lambda x, r=reduction: tf.binary_cross_entropy_with_logits(x, t(BCE_TARGET),
                                                                      reduction=r), BCE_LOGITS,
            finite_upstream=True)
    weight = np.array([0.5, 2.0, 0.0])
    cases["cross_entropy weight"] = LossCase(
        lambda x: F.cross_entropy(x, TARGET, weight=weight),
        lambda x: tf.cross_entropy(x, t(TARGET), weight=t(weight)), LOGITS)
    cases["cross_entropy ignore_index"] = LossCase(
        lambda x: F.cross_entropy(x, np.array([2, -100, 1, -100])),
        lambda x: tf.cross_entropy(x, t([2, -100, 1, -100])), LOGITS)
    cases["cross_entropy all ignored"] = LossCase(
        lambda x: F.cross_entropy(x, np.full(4, 1), ignore_index=1),
        lambda x: tf.cross_entropy(x, t([1, 1, 1, 1]), ignore_index=1), LOGITS)
    cases["cross_entropy smoothing"] = LossCase(
        lambda x: F.cross_entropy(x, TARGET[[1, 3]], label_smoothing=0.1),
        lambda x: tf.cross_entropy(x, t(TARGET[[1, 3]]), label_smoothing=0.1),
        LOGITS[[1, 3]].copy())
    cases["cross_entropy smoothing -inf"] = LossCase(
        lambda x: F.cross_entropy(x, TARGET, weight=weight + 1, label_smoothing=0.3),
        lambda x: tf.cross_entropy(x, t(TARGET), weight=t(weight + 1), label_smoothing=0.3),
        LOGITS)                                   # a zero weight here: see DELIBERATE
    cases["cross_entropy probabilities -inf"] = LossCase(
        lambda x: F.cross_entropy(x, PROBS), lambda x: tf.cross_entropy(x, t(PROBS)), LOGITS)
    cases["nll_loss weight ignore"] = LossCase(
        lambda x: F.nll_loss(x, np.array([0, -100, 2, 1]), weight=weight),
        lambda x: tf.nll_loss(x, t([0, -100, 2, 1]), weight=t(weight)), LOGP)
    cases["cross_entropy probabilities"] = LossCase(
        lambda x: F.cross_entropy(x, PROBS[[1, 3]]),
        lambda x: tf.cross_entropy(x, t(PROBS[[1, 3]])),
        LOGITS[[1, 3]].copy())
    cases["cross_entropy empty"] = LossCase(
        lambda x: F.cross_entropy(x, np.zeros(0, dtype=int)),
        lambda x: tf.cross_entropy(x, t(np.zeros(0, dtype=int))), np.zeros((0, 3)))
    cases["cross_entropy one example"] = LossCase(
        lambda x: F.cross_entropy(x, np.array(2)), lambda x: tf.cross_entropy(x, t(2)),
        LOGITS[0])
    cases["cross_entropy images"] = LossCase(
        lambda x: F.cross_entropy(x, np.array([[[0, 2], [1, 1]]])),
        lambda x: tf.cross_entropy(x, t([[[0, 2], [1, 1]]])),
        np.where(edge_filled((1, 3, 2, 2)) == INF, 3.0, edge_filled((1, 3, 2, 2))))
    cases["nll_loss all ignored sum"] = LossCase(
        lambda x: F.nll_loss(x, np.full(4, -100), reduction="sum"),
        lambda x: tf.nll_loss(x, t([-100] * 4), reduction="sum"), LOGP)
    cases["bce_with_logits pos_weight"] = LossCase(
        lambda x: F.binary_cross_entropy_with_logits(x, BCE_TARGET, pos_weight=np.array(
            [1.0, 3.0, 0.0])),
        lambda x: tf.binary_cross_entropy_with_logits(x, t(BCE_TARGET), pos_weight=t(
            [1.0, 3.0, 0.0])), BCE_LOGITS)
    cases["mse_loss 0-d"] = LossCase(lambda x: F.mse_loss(x, np.array(INF)),
                                     lambda x: tf.mse_loss(x, t(INF)), np.array(INF))
    cases["mse_loss empty"] = LossCase(lambda x: F.mse_loss(x, np.zeros(0)),
                                       lambda x: tf.mse_loss(x, t(np.zeros(0))), np.zeros(0))
    cases["MSELoss"] = LossCase(lambda x: nn.MSELoss()(x, REG.T.copy()),
                                lambda x: torch.nn.MSELoss()(x, t(REG.T.copy())), REG)
    cases["CrossEntropyLoss"] = LossCase(
        lambda x: nn.CrossEntropyLoss(label_smoothing=0.2)(x, TARGET[:2]),
        lambda x: torch.nn.CrossEntropyLoss(label_smoothing=0.2)(x, t(TARGET[:2])),
        LOGITS[[1, 3]].copy())
    cases["NLLLoss"] = LossCase(lambda x: nn.NLLLoss(reduction="sum")(x, TARGET),
                                lambda x: torch.nn.NLLLoss(reduction="sum")(x, t(TARGET)), LOGP)
    cases["BCEWithLogitsLoss"] = LossCase(
        lambda x: nn.BCEWithLogitsLoss()(x, BCE_TARGET),
        lambda x: torch.nn.BCEWithLogitsLoss()(x, t(BCE_TARGET)), BCE_LOGITS)
    return cases


LOSS_MODULES = ("MSELoss", "CrossEntropyLoss", "NLLLoss", "BCEWithLogitsLoss")

# ---- where the engine differs from PyTorch on purpose ------------------------------------------
DELIBERATE = {
    "amax/amin over a dim with a NaN": (
        "the gradient goes to the NaN (shared among NaNs), as torch.max(x) sends it; "
        "torch.amax/amin give the whole row NaN gradients (0/0 from their tie count). Ties "
        "without NaN share evenly, as amax/amin do. max/min(x, dim) give PyTorch's named "
        "tuple (values, indices) and send the gradient to the first extreme, as PyTorch."),
    "amax/amin with an infinite upstream": (
        "the gradient is selected (0 off the maximum), as torch.max(x) does; torch.amax "
        "multiplies its mask, so inf * 0 = NaN off the maximum."),
    "StepLR step_size < 1, CosineAnnealingLR T_max < 1": (
        "refused at construction with a ValueError; PyTorch accepts them and fails later "
        "with ZeroDivisionError (or divides by zero silently)."),
    "logsumexp over an empty axis, forward mode": (
        "the tangent is 0 (an empty sum); torch.func.jvp gives NaN. Value (-inf) and "
        "gradient (empty) agree."),
    "conv2d with 0 input channels": (
        "the output has the weight's output channels, all zeros (an empty sum); PyTorch "
        "returns 0 channels."),
    "nn.Step": "no PyTorch module exists; ad.step(x) is torch.heaviside(x, 0).",
    "log_softmax / softmax / cross_entropy of a row holding +inf (and no NaN)": (
        "x - logsumexp(x): -inf (probability 0) at the finite entries and NaN only at the "
        "+inf ones; PyTorch's kernels subtract the row maximum first, inf - inf, and return "
        "NaN for the whole row. torch.logsumexp itself agrees with ours."),
    "cross_entropy with label_smoothing, a class weight 0 and a -inf log-probability": (
        "the class with weight 0 adds 0 (selected, as every coefficient 0 is); PyTorch's "
        "smoothing term multiplies, -inf * 0 = NaN."),
    "an infinite upstream gradient into a loss with reduction='none'": (
        "a loss is a composite (binary_cross_entropy_with_logits is (1 - t) x plus a "
        "softplus), so an infinite upstream reaches x through two terms whose parts, +inf and "
        "-inf, add to NaN; PyTorch's closed-form backward gives +-inf. Finite upstreams and "
        "infinite inputs agree."),
    "x ** 0.5 at x = -0.0 and x = -inf": (
        "the gradient 0.5 x^-0.5 is IEEE pow: +inf and 0; PyTorch computes it as "
        "0.5 / sqrt(x): -inf and NaN. (The value, sqrt, agrees: -0.0 and NaN.)"),
    "var and std with an infinity (of one sign) and finite values in a row": (
        "var is a composite, mean((x - mean(x))^2): its gradient also carries the term "
        "through mean(x) (zero in exact arithmetic, NaN once x - mean(x) holds infinities), "
        "so the whole row is NaN where PyTorch's closed form keeps -inf at the finite "
        "elements. std (sqrt of var) alike. With an infinite upstream the same terms add "
        "to inf - inf = NaN where PyTorch gives +-inf: such cases compare finite upstreams."),
    "prod's gradient at an infinite or NaN element": (
        "x̄_i = ȳ prod(x) / x_i for a slice without zeros (NaN at an infinite or NaN "
        "x_i), and 0 * (that quotient of the non-zero elements) for the non-zero elements "
        "of a slice with one zero (NaN again at an infinite x_i). "
        "PyTorch uses prod / x for the whole tensor when it holds no zero (agreeing with "
        "ours), but once any element anywhere is 0 it switches every slice to exclusive "
        "products (finite there): the same row's gradient then depends on the other rows. "
        "Values agree everywhere; gradients are compared on rows where the rules agree."),
    "floor_divide's result does not require a gradient": (
        "it is a constant of the graph (piecewise constant, no derivative), like a "
        "comparison; PyTorch's result claims requires_grad=True, but its backward raises "
        "'derivative for aten::floor_divide is not implemented'. Both refuse a gradient "
        "through it alone; through x * floor_divide(x, y) both give floor_divide(x, y)."),
    # issue 14's layers, losses and functionals (cases in edge_cases_nn.py)
    "an infinite upstream gradient into gelu, silu (GELU, SiLU) and binary_cross_entropy "
    "with reduction='none'": (
        "composites again: x sigmoid(x) differentiates to g sigmoid(x) + (g x) sigmoid'(x), "
        "and at x = 0 with g = inf the second term is inf * 0 = NaN; PyTorch's closed-form "
        "backward gives inf. Their cases compare the finite upstream only."),
    "the gradient of elu and hardtanh (ELU, Hardtanh) at x = NaN": (
        "1, PyTorch's formula (NaN is neither <= 0 nor at a bound, so it takes the linear "
        "branch). PyTorch's CPU kernels disagree with themselves: the scalar loop gives 1, "
        "the vectorised one NaN (elu) or 0 (hardtanh), depending on the element's position. "
        "Values agree; gradients are compared without NaN inputs."),
    "binary_cross_entropy's gradient where p (1 - p) < 1e-12 (p at or next to 0 or 1)": (
        "the derivative of the loss computed (each log clamped at -100): e.g. 1 at p = 0, "
        "t = 0 and 0 at p = 0, t = 1. PyTorch's hand-written backward divides by "
        "max(p (1 - p), 1e-12) instead, so it gives 0 and -1e12 there, and a gradient "
        "shrunk by p / 1e-12 next to them. Values agree everywhere; gradients are compared "
        "where p (1 - p) >= 1e-12."),
    "cosine_similarity of a vector whose norm is below eps": (
        "the clamped norm is the constant eps, so no gradient flows through it (the exact "
        "derivative of x . y / (eps ||y||)); PyTorch clamps in place under no_grad, so its "
        "gradient still flows through the unclamped norm: 1999.98 instead of 2000 for "
        "x = y = (1e-13, 0, 0), and the other vector's NaN reaches every element. Values "
        "agree; such rows are compared by value."),
    "embedding with padding_idx, forward mode": (
        "the padding row is looked up detached (that is how its gradient is 0), so its "
        "tangent is 0 too; torch.func.jvp passes the padding row's tangent (PyTorch masks "
        "padding_idx in the backward kernel only). Values and gradients agree."),
}
