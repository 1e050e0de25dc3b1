"""The spec table: for every primitive, how to build valid inputs and a NumPy reference.

One ``Spec`` per name in ``autodiff.PRIMITIVES`` (a new primitive without an entry fails
``test_every_primitive_has_a_spec``). A spec draws a *structure* (shapes, axes, params) with
Hypothesis, then ``build(structure, rng)`` makes a ``Case``: float64 input arrays in the op's
domain (away from kinks and ties, so finite differences are meaningful), the call that runs the
op on tensors, and the NumPy reference forward. The generated tests live in
``test_core_primitives.py``, ``test_core_device.py`` and ``test_core_gpu.py``.
"""
from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import numpy as np
from hypothesis import strategies as st
from hypothesis.extra.numpy import array_shapes, mutually_broadcastable_shapes

import autodiff as ad
from autodiff.ops import crossentropy, elementwise
from autodiff.ops import shape as shp
from autodiff.tensor import apply


@dataclass
class Case:
    """One concrete input: ``call(*tensors, *consts)`` must equal ``ref(*arrays, *consts)``.

    ``arrays`` are the float inputs gradients are taken for; ``consts`` are inputs that take
    no gradient (masks, index arrays), handed to ``call`` as host arrays or device tensors.
    """
    arrays: tuple
    call: Callable[..., Any]
    ref: Callable[..., np.ndarray]
    consts: tuple = ()


@dataclass
class Spec:
    name: str
    shapes: st.SearchStrategy            # draws a structure
    default: Any                         # a small structure for the deterministic tests
    build: Callable[[Any, np.random.Generator], Case]
    differentiable: bool = True
    symbolic: str = ""                   # why the SymPy check is skipped ("" = it runs)
    no_symbolic: Callable[[Any], bool] = lambda structure: False   # per-structure skips


SPECS: dict[str, Spec] = {}


def spec(name, shapes, default, build, **kw):
    SPECS[name] = Spec(name, shapes, default, build, **kw)


# ---- value domains -----------------------------------------------------------------------
def real(rng, shape):
    return np.asarray(rng.standard_normal(shape))


def positive(rng, shape):
    return np.asarray(rng.uniform(0.5, 2.0, shape))


def away_from_zero(rng, shape):
    """|x| in [0.2, 2]: no finite-difference step crosses a kink at 0."""
    return np.asarray(rng.choice([-1.0, 1.0], shape) * rng.uniform(0.2, 2.0, shape))


def grid(rng, shape, offset=0.0):
    """Integers plus an offset: two grids with different offsets never tie."""
    return np.asarray(rng.integers(-3, 3, shape).astype(np.float64) + offset)


def distinct(rng, shape):
    """All elements different by at least 0.37: reductions have a unique extremum."""
    n = int(np.prod(shape))
    return (rng.permutation(n) * 0.37 - 0.37 * n / 2).reshape(shape)


SHAPE = array_shapes(min_dims=0, max_dims=3, min_side=1, max_side=3)
SHAPE_1D = array_shapes(min_dims=1, max_dims=3, min_side=1, max_side=3)
PAIR = mutually_broadcastable_shapes(num_shapes=2, min_dims=0, max_dims=3, min_side=1,
                                     max_side=3).map(lambda b: b.input_shapes)
TRIPLE = mutually_broadcastable_shapes(num_shapes=3, min_dims=0, max_dims=3, min_side=1,
                                       max_side=3).map(lambda b: b.input_shapes)


# ---- element-wise --------------------------------------------------------------------------
def unary(name, fn, ref, domain=real, **kw):
    spec(name, SHAPE, (2, 3), lambda s, rng: Case((domain(rng, s),), fn, ref), **kw)


def binary(name, fn, ref, domains=(real, real), **kw):
    def build(shapes, rng):
        return Case((domains[0](rng, shapes[0]), domains[1](rng, shapes[1])), fn, ref)
    spec(name, PAIR, ((2, 3), (3,)), build, **kw)


binary("add", lambda x, y: x + y, np.add)
binary("sub", lambda x, y: x - y, np.subtract)
binary("mul", lambda x, y: x * y, np.multiply)
binary("div", lambda x, y: x / y, np.divide, (real, away_from_zero))
binary("power", lambda x, y: x ** y, np.power, (positive, real))
binary("maximum", ad.maximum, np.maximum, (lambda r, s: grid(r, s, 0.5), grid))
binary("minimum", ad.minimum, np.minimum, (lambda r, s: grid(r, s, 0.5), grid))
unary("neg", lambda x: -x, np.negative)
unary("exp", ad.exp, np.exp)
unary("log", ad.log, np.log, positive)
unary("sqrt", ad.sqrt, np.sqrt, positive)
unary("sin", ad.sin, np.sin)
unary("cos", ad.cos, np.cos)
unary("tanh", ad.tanh, np.tanh)
unary("sigmoid", ad.sigmoid, lambda x: 1 / (1 + np.exp(-x)))
unary("relu", ad.relu, lambda x: np.maximum(x, 0), away_from_zero)
unary("abs", ad.abs, np.abs, away_from_zero)
unary("astype", lambda x: ad.astype(x, ad.float64), lambda x: x)   # float32 casts: test_core_tensor
unary("sign", ad.sign, np.sign, away_from_zero,
      symbolic="piecewise constant: SymPy's d sign(x)/dx is 2 DiracDelta(x)")
binary("tanh_grad", elementwise.tanh_grad, lambda g, y: g * (1 - y * y))
binary("sigmoid_grad", elementwise.sigmoid_grad, lambda g, y: g * y * (1 - y))


def _softmax_cross_entropy(structure, rng):
    (rows, classes), mean = structure
    picks = np.eye(classes)[rng.integers(0, classes, rows)]
    picks[rng.random(rows) < 0.25] = 0                    # some rows not counted
    scale = 1 / max(picks.sum(), 1) if mean else 1.0

    def ref(x, picks):
        z = x - np.log(np.exp(x).sum(axis=1, keepdims=True))
        return -(z * picks).sum() * scale
    return Case((real(rng, (rows, classes)),),
                lambda x, p, s: crossentropy.softmax_cross_entropy(x, p, s),
                lambda x, p, s: ref(x, p), consts=(picks, np.asarray(scale)))


spec("softmax_cross_entropy",
     st.tuples(st.tuples(st.integers(1, 4), st.integers(1, 4)), st.booleans()),
     ((3, 4), True), _softmax_cross_entropy)


def _relu_grad(shapes, rng):
    y = np.maximum(away_from_zero(rng, shapes[1]), 0)
    return Case((real(rng, shapes[0]),), lambda g, y: elementwise.relu_grad(g, y),
                lambda g, y: np.where(y > 0, g, 0), consts=(y,))


spec("relu_grad", PAIR, ((2, 3), (3,)), _relu_grad)
unary("step", ad.step, lambda x: (x > 0).astype(x.dtype), away_from_zero, differentiable=False)


def _leaky(structure, rng):
    shape, slope = structure
    return Case((away_from_zero(rng, shape),), lambda x: ad.leaky_relu(x, slope),
                lambda x: np.where(x > 0, x, slope * x))


spec("leaky_relu", st.tuples(SHAPE, st.sampled_from([0.01, 0.2, 1.5])), ((2, 3), 0.2), _leaky)


def _clip(structure, rng):
    shape, (lo, hi) = structure
    return Case((grid(rng, shape, 0.25),), lambda x: ad.clip(x, lo, hi),
                lambda x: np.clip(x, -np.inf if lo is None else lo, np.inf if hi is None else hi))


spec("clip", st.tuples(SHAPE, st.sampled_from([(-1, 1), (None, 0), (-2, None), (0.0, 0.5)])),
     ((2, 3), (-1, 1)), _clip)


def _where(shapes, rng):
    cond = rng.random(shapes[0]) > 0.5
    return Case((real(rng, shapes[1]), real(rng, shapes[2])), lambda x, y, c: ad.where(c, x, y),
                lambda x, y, c: np.where(c, x, y), consts=(cond,))


spec("where", TRIPLE, ((2, 1), (3,), (2, 3)), _where)


def comparison(name, fn):
    binary(name, lambda x, y: getattr(elementwise, name)(x, y), fn,
           (lambda r, s: grid(r, s, 0.0), grid), differentiable=False)


for _name, _fn in [("less", np.less), ("less_equal", np.less_equal), ("greater", np.greater),
                   ("greater_equal", np.greater_equal), ("equal", np.equal),
                   ("not_equal", np.not_equal)]:
    comparison(_name, _fn)

import spec_surface  # noqa: F401  (the PyTorch surface's primitives: expm1, prod, ...)


# ---- shape ---------------------------------------------------------------------------------
def _reshape(structure, rng):
    shape, flat = structure
    target = (-1,) if flat else tuple(reversed(shape))
    return Case((real(rng, shape),), lambda x: ad.reshape(x, target),
                lambda x: np.reshape(x, target))


spec("reshape", st.tuples(SHAPE, st.booleans()), ((2, 3), False), _reshape)


@st.composite
def _shape_and_permutation(draw):
    shape = draw(SHAPE)
    return shape, tuple(draw(st.permutations(range(len(shape)))))


spec("transpose", _shape_and_permutation(), ((2, 3, 1), (2, 0, 1)),
     lambda s, rng: Case((real(rng, s[0]),), lambda x: ad.transpose(x, s[1]),
                         lambda x: np.transpose(x, s[1])))


@st.composite
def _broadcast_pair(draw):
    target = draw(SHAPE)
    drop = draw(st.integers(0, len(target)))
    ones = draw(st.lists(st.booleans(), min_size=len(target), max_size=len(target)))
    small = tuple(1 if one else n for one, n in zip(ones, target))[drop:]
    return small, target


spec("broadcast_to", _broadcast_pair(), ((3, 1), (2, 3, 4)),
     lambda s, rng: Case((real(rng, s[0]),), lambda x: ad.broadcast_to(x, s[1]),
                         lambda x: np.broadcast_to(x, s[1])))
spec("to_device", SHAPE, (2, 3),
     lambda s, rng: Case((real(rng, s),), lambda x: shp.to_device(x, x.device), lambda x: x))


@st.composite
def _concat_shapes(draw):
    base = draw(SHAPE_1D)
    axis = draw(st.integers(0, len(base) - 1))
    sizes = draw(st.lists(st.integers(1, 3), min_size=1, max_size=3))
    return tuple(base[:axis] + (n,) + base[axis + 1:] for n in sizes), axis


def _concatenate(structure, rng):
    shapes, axis = structure
    return Case(tuple(real(rng, s) for s in shapes), lambda *xs: ad.concatenate(xs, axis),
                lambda *xs: np.concatenate(xs, axis))


spec("concatenate", _concat_shapes(), (((2, 1), (2, 3)), 1), _concatenate)


@st.composite
def _pad_structure(draw):
    shape = draw(SHAPE_1D)
    widths = tuple((draw(st.integers(0, 2)), draw(st.integers(0, 2))) for _ in shape)
    mode = draw(st.sampled_from(["constant", "edge"]))
    return shape, widths, mode, draw(st.sampled_from([0.0, 1.5]))


def _pad(structure, rng):
    shape, widths, mode, value = structure
    if mode == "edge":
        return Case((real(rng, shape),), lambda x: ad.pad(x, widths, mode="edge"),
                    lambda x: np.pad(x, widths, mode="edge"))
    return Case((real(rng, shape),), lambda x: ad.pad(x, widths, constant_values=value),
                lambda x: np.pad(x, widths, constant_values=value))


spec("pad", _pad_structure(), ((2, 3), ((1, 0), (2, 1)), "edge", 0.0), _pad)


# ---- indexing ------------------------------------------------------------------------------
def _index(kind, shape, rng):
    """An index of ``kind`` for an array of ``shape`` (integer arrays repeat on purpose)."""
    if kind == "slices":
        return tuple(slice(int(rng.integers(0, n)), None, int(rng.choice([1, 2])))
                     for n in shape[:2])
    if kind == "reversed":
        return (slice(None, None, -1), 0) if len(shape) > 1 else slice(None, None, -1)
    if kind == "ints":
        return rng.integers(0, shape[0], size=4)
    if kind == "ints2d":
        return rng.integers(0, shape[0], size=(2, 3))
    if kind == "mask":
        return rng.random(shape) > 0.4
    if kind == "mixed":
        return (slice(None), rng.integers(0, shape[1], size=3)) if len(shape) > 1 \
            else rng.integers(0, shape[0], size=3)
    raise ValueError(kind)


INDEX_KINDS = ["slices", "reversed", "ints", "ints2d", "mask", "mixed"]


def _getitem(structure, rng):
    shape, kind = structure
    index = _index(kind, shape, rng)
    return Case((real(rng, shape),), lambda x: x[index], lambda x: x[index])


spec("getitem", st.tuples(SHAPE_1D, st.sampled_from(INDEX_KINDS)), ((3, 2), "ints"), _getitem)


def _scatter_add(structure, rng):
    shape, repeats = structure
    index = rng.integers(0, shape[0], size=repeats)     # repeated rows accumulate

    def ref(v, i):
        out = np.zeros(shape)
        np.add.at(out, (i,), v)
        return out

    def call(v, i):
        i = i.array if isinstance(i, ad.Tensor) else i
        return shp.scatter_add(v, (i,), shape)
    return Case((real(rng, (repeats,) + shape[1:]),), call, ref, consts=(index,))


spec("scatter_add", st.tuples(SHAPE_1D, st.integers(1, 5)), ((3, 2), 5), _scatter_add)


# ---- reductions ----------------------------------------------------------------------------
@st.composite
def _reduction(draw, single_axis=False):
    shape = draw(SHAPE_1D)
    axes = st.integers(-len(shape), len(shape) - 1)
    if single_axis:
        axis = draw(axes)
    else:
        axis = draw(st.one_of(st.none(), axes, st.lists(st.integers(0, len(shape) - 1),
                                                        min_size=1, unique=True).map(tuple)))
    return shape, axis, draw(st.booleans())


def reduction(name, fn, ref, domain=real, **kw):
    def build(structure, rng):
        shape, axis, keepdims = structure
        return Case((domain(rng, shape),), lambda x: fn(x, axis, keepdims),
                    lambda x: ref(x, axis=axis, keepdims=keepdims))
    spec(name, _reduction(), ((2, 3), 1, False), build, **kw)


def _np_logsumexp(x, axis, keepdims):
    return np.log(np.sum(np.exp(x), axis=axis, keepdims=keepdims))


reduction("sum", ad.sum, np.sum)
reduction("logsumexp", ad.logsumexp, _np_logsumexp)


def extremum(name, ref):
    """max/min: all ties share the gradient; ``first`` (max pooling) sends it to the first."""
    def build(structure, rng):
        shape, axis, keepdims, first = structure
        if first and not isinstance(axis, int):
            axis = 0
        fn = (lambda x: apply(ad.PRIMITIVES[name], x, axis=axis % x.ndim, keepdims=keepdims,
                              first=True)) if first else \
            (lambda x: getattr(ad, "a" + name)(x, axis, keepdims))   # amax: ties share
        return Case((distinct(rng, shape),), fn, lambda x: ref(x, axis=axis, keepdims=keepdims))
    structures = st.tuples(_reduction(), st.booleans()).map(lambda s: s[0] + (s[1],))
    spec(name, structures, ((2, 3), 1, False, False), build,
         no_symbolic=lambda s: s[3])   # first=True needs argmax, which symbols cannot order


extremum("max", np.max)
extremum("min", np.min)


def first_mask(name, arg):
    def build(structure, rng):
        shape, axis, _ = structure
        axis %= len(shape)
        op = ad.PRIMITIVES[name]

        def ref(x):
            hits = np.expand_dims(getattr(np, arg)(x, axis=axis), axis)
            return hits == np.arange(x.shape[axis]).reshape((-1,) + (1,) * (x.ndim - axis - 1))
        return Case((grid(rng, shape),), lambda x: apply(op, x, axis=axis), ref)
    spec(name, _reduction(single_axis=True), ((2, 3), 1, False), build, differentiable=False,
         symbolic="argmax/argmin cannot order symbols, and the mask takes no gradient")


first_mask("first_argmax_mask", "argmax")
first_mask("first_argmin_mask", "argmin")


# ---- matmul --------------------------------------------------------------------------------
@st.composite
def _matmul_structure(draw):
    n, k, m = (draw(st.integers(1, 3)) for _ in range(3))
    batch_x, batch_y = draw(mutually_broadcastable_shapes(num_shapes=2, max_dims=2,
                                                          max_side=2)).input_shapes
    vector_x, vector_y = draw(st.booleans()), draw(st.booleans())
    x = (k,) if vector_x else batch_x + (n, k)
    y = (k,) if vector_y else batch_y + (k, m)
    return x, y


spec("matmul", _matmul_structure(), ((2, 2, 3), (3, 2)),
     lambda s, rng: Case((real(rng, s[0]), real(rng, s[1])), ad.matmul, np.matmul))


@st.composite
def _linear_structure(draw):
    batch = draw(array_shapes(min_dims=1, max_dims=3, max_side=3))
    n_in, n_out = draw(st.integers(1, 4)), draw(st.integers(1, 4))
    return batch + (n_in,), (n_out, n_in), (n_out,)


spec("linear", _linear_structure(), ((2, 3), (4, 3), (4,)),
     lambda s, rng: Case(tuple(real(rng, shape) for shape in s), ad.linear,
                         lambda x, w, b: x @ w.T + b))



# ---- normalisation ---------------------------------------------------------------------------
@st.composite
def _normalize_structure(draw):
    shape = draw(array_shapes(min_dims=1, max_dims=3, min_side=2, max_side=3))
    axes = tuple(sorted(draw(st.sets(st.integers(0, len(shape) - 1), min_size=1))))
    return shape, axes


def np_inv_std(x, axes, eps=1e-5):
    return 1 / np.sqrt(x.var(axis=axes, keepdims=True) + eps)


spec("normalize", _normalize_structure(), ((3, 2, 2), (0, 2)),
     lambda s, rng: Case((real(rng, s[0]),), lambda x: ad.normalize(x, s[1]),
                         lambda x: (x - x.mean(axis=s[1], keepdims=True)) * np_inv_std(x, s[1])))
spec("inv_std", _normalize_structure(), ((3, 2, 2), (0, 2)),
     lambda s, rng: Case((real(rng, s[0]),),
                         lambda x: apply(ad.PRIMITIVES["inv_std"], x, axes=s[1], eps=1e-5),
                         lambda x: np_inv_std(x, s[1])))

spec("project_out", _normalize_structure(), ((3, 2, 2), (0, 2)),
     lambda s, rng: Case((real(rng, s[0]), real(rng, s[0])),
                         lambda g, u: apply(ad.PRIMITIVES["project_out"], g, u, axes=s[1]),
                         lambda g, u: g - g.mean(axis=s[1], keepdims=True)
                         - u * (g * u).mean(axis=s[1], keepdims=True)))


@st.composite
def _affine_structure(draw):
    """A shape and the axes to normalise, leaving at least one axis for the weights."""
    shape = draw(array_shapes(min_dims=2, max_dims=3, min_side=2, max_side=3))
    kept = draw(st.integers(0, len(shape) - 1))
    axes = tuple(sorted(draw(st.sets(st.integers(0, len(shape) - 1).filter(lambda a: a != kept),
                                     min_size=1))))
    return shape, axes


def _affine_case(structure, rng):
    shape, axes = structure
    kept = tuple(n for i, n in enumerate(shape) if i not in axes)
    keep = tuple(1 if i in axes else n for i, n in enumerate(shape))
    return Case((real(rng, shape), real(rng, kept), real(rng, kept)),
                lambda x, w, b: ad.normalize_affine(x, w, b, axes),
                lambda x, w, b: ((x - x.mean(axis=axes, keepdims=True)) * np_inv_std(x, axes)
                                 * w.reshape(keep) + b.reshape(keep)))


spec("normalize_affine", _affine_structure(), ((3, 2, 2), (0, 2)), _affine_case)

# ---- sliding windows -----------------------------------------------------------------------
@st.composite
def _window_structure(draw):
    kernel = (draw(st.integers(1, 3)), draw(st.integers(1, 3)))
    stride = (draw(st.integers(1, 2)), draw(st.integers(1, 2)))
    dilation = (draw(st.integers(1, 2)), draw(st.integers(1, 2)))
    span = tuple(d * (k - 1) + 1 for k, d in zip(kernel, dilation))
    size = tuple(draw(st.integers(s, s + 2)) for s in span)
    return (draw(st.integers(1, 2)), draw(st.integers(1, 2))) + size, kernel, stride, dilation


def np_unfold(x, kernel, stride, dilation):
    n, c, h, w = x.shape
    oh = (h - dilation[0] * (kernel[0] - 1) - 1) // stride[0] + 1
    ow = (w - dilation[1] * (kernel[1] - 1) - 1) // stride[1] + 1
    out = np.zeros((n, c) + tuple(kernel) + (oh, ow), dtype=x.dtype)
    for a in range(kernel[0]):
        for b in range(kernel[1]):
            for i in range(oh):
                for j in range(ow):
                    out[:, :, a, b, i, j] = x[:, :, i * stride[0] + a * dilation[0],
                                              j * stride[1] + b * dilation[1]]
    return out


def np_fold(cols, size, kernel, stride, dilation):
    n, c, kh, kw, oh, ow = cols.shape
    out = np.zeros((n, c) + tuple(size), dtype=cols.dtype)
    for a in range(kh):
        for b in range(kw):
            for i in range(oh):
                for j in range(ow):
                    out[:, :, i * stride[0] + a * dilation[0],
                        j * stride[1] + b * dilation[1]] += cols[:, :, a, b, i, j]
    return out


def _unfold(structure, rng):
    shape, kernel, stride, dilation = structure
    return Case((real(rng, shape),), lambda x: ad.unfold(x, kernel, stride, dilation),
                lambda x: np_unfold(x, kernel, stride, dilation))


def _fold(structure, rng):
    shape, kernel, stride, dilation = structure
    cols_shape = np_unfold(np.zeros(shape), kernel, stride, dilation).shape
    return Case((real(rng, cols_shape),),
                lambda c: ad.fold(c, shape[2:], kernel, stride, dilation),
                lambda c: np_fold(c, shape[2:], kernel, stride, dilation))


WINDOW_DEFAULT = ((1, 1, 3, 3), (2, 2), (1, 1), (1, 1))
spec("unfold", _window_structure(), WINDOW_DEFAULT, _unfold)
spec("fold", _window_structure(), WINDOW_DEFAULT, _fold)


# ---- convolution and max-pooling primitives (autodiff/ops/conv.py, pool.py) ------------------
@st.composite
def _conv_structure(draw):
    groups, cg, og = draw(st.integers(1, 2)), draw(st.integers(1, 2)), draw(st.integers(1, 2))
    kernel = (draw(st.integers(1, 3)), draw(st.integers(1, 3)))
    stride = (draw(st.integers(1, 2)), draw(st.integers(1, 2)))
    dilation = (draw(st.integers(1, 2)), draw(st.integers(1, 2)))
    padding = (draw(st.integers(0, 1)), draw(st.integers(0, 1)))
    span = tuple(d * (k - 1) + 1 - 2 * p for k, d, p in zip(kernel, dilation, padding))
    size = tuple(draw(st.integers(max(s, 1), max(s, 1) + 2)) for s in span)
    x_shape = (draw(st.integers(1, 2)), cg * groups) + size
    return x_shape, (og * groups, cg) + kernel, stride, padding, dilation, groups


CONV_DEFAULT = ((1, 2, 3, 3), (2, 1, 2, 2), (1, 1), (1, 0), (1, 1), 2)


def np_conv_columns(x, kernel, stride, padding, dilation):
    ph, pw = padding
    return np_unfold(np.pad(x, ((0, 0), (0, 0), (ph, ph), (pw, pw))), kernel, stride, dilation)


def np_conv(x, w, stride, padding, dilation, groups):
    cols = np_conv_columns(x, w.shape[2:], stride, padding, dilation)
    o, cg = w.shape[:2]
    og = o // groups
    return np.concatenate([np.einsum("nckhij,ockh->noij", cols[:, k * cg:(k + 1) * cg],
                                     w[k * og:(k + 1) * og]) for k in range(groups)], axis=1)


def np_conv_input_grad(g, w, x_shape, stride, padding, dilation, groups):
    """The adjoint of ``np_conv`` in x: windows' gradients folded back, padding cut off."""
    og = w.shape[0] // groups
    dcols = np.concatenate([np.einsum("noij,ockh->nckhij", g[:, k * og:(k + 1) * og],
                                      w[k * og:(k + 1) * og]) for k in range(groups)], axis=1)
    (ph, pw), (h, wd) = padding, x_shape[2:]
    full = np_fold(dcols, (h + 2 * ph, wd + 2 * pw), w.shape[2:], stride, dilation)
    return full[:, :, ph:ph + h, pw:pw + wd]


def np_conv_weight_grad(x, g, w_shape, stride, padding, dilation, groups):
    cols = np_conv_columns(x, w_shape[2:], stride, padding, dilation)
    o, cg = w_shape[:2]
    og = o // groups
    return np.concatenate([np.einsum("noij,nckhij->ockh", g[:, k * og:(k + 1) * og],
                                     cols[:, k * cg:(k + 1) * cg]) for k in range(groups)])


def _conv_specs(conv_ops):
    def conv(structure, rng):
        """Half the draws with a bias (one per output channel, added inside the primitive)."""
        x_shape, w_shape, *p = structure
        if rng.random() < 0.5:
            return Case((real(rng, x_shape), real(rng, w_shape)),
                        lambda x, w: conv_ops.conv2d(x, w, *p), lambda x, w: np_conv(x, w, *p))
        return Case((real(rng, x_shape), real(rng, w_shape), real(rng, w_shape[:1])),
                    lambda x, w, b: conv_ops.conv2d(x, w, *p, bias=b),
                    lambda x, w, b: np_conv(x, w, *p) + b[None, :, None, None])

    def out_shape(structure):
        x_shape, w_shape, *p = structure
        return np_conv(np.zeros(x_shape), np.zeros(w_shape), *p).shape

    def input_grad(structure, rng):
        x_shape, w_shape, *p = structure
        return Case((real(rng, out_shape(structure)), real(rng, w_shape)),
                    lambda g, w: conv_ops.conv2d_input_grad(g, w, x_shape, *p),
                    lambda g, w: np_conv_input_grad(g, w, x_shape, *p))

    def weight_grad(structure, rng):
        x_shape, w_shape, *p = structure
        return Case((real(rng, x_shape), real(rng, out_shape(structure))),
                    lambda x, g: conv_ops.conv2d_weight_grad(x, g, w_shape, *p),
                    lambda x, g: np_conv_weight_grad(x, g, w_shape, *p))

    spec("conv2d", _conv_structure(), CONV_DEFAULT, conv)
    spec("conv2d_input_grad", _conv_structure(), CONV_DEFAULT, input_grad)
    spec("conv2d_weight_grad", _conv_structure(), CONV_DEFAULT, weight_grad)


@st.composite
def _pool_structure(draw):
    kernel = (draw(st.integers(1, 3)), draw(st.integers(1, 3)))
    stride = (draw(st.integers(1, 2)), draw(st.integers(1, 2)))
    padding = (draw(st.integers(0, kernel[0] // 2)), draw(st.integers(0, kernel[1] // 2)))
    size = tuple(draw(st.integers(k, k + 2)) for k in kernel)
    return (draw(st.integers(1, 2)), draw(st.integers(1, 2))) + size, kernel, stride, padding


POOL_DEFAULT = ((1, 2, 3, 4), (2, 2), (1, 2), (1, 1))


def np_pool_windows(x, kernel, stride, padding, fill):
    ph, pw = padding
    padded = np.pad(x, ((0, 0), (0, 0), (ph, ph), (pw, pw)), constant_values=fill)
    cols = np_unfold(padded, kernel, stride, (1, 1))
    n, c, kh, kw, oh, ow = cols.shape
    return cols.reshape(n, c, kh * kw, oh, ow)


def np_pool_scatter(g, routes, x_shape, kernel, stride, padding):
    """Each upstream value added where its window's route mask is set, padding cut off."""
    (ph, pw), (h, w) = padding, x_shape[2:]
    one_hot = np.moveaxis(routes, 0, 2)                      # (N, C, K, OH, OW)
    cols = (g[:, :, None] * one_hot).reshape(g.shape[:2] + tuple(kernel) + g.shape[2:])
    return np_fold(cols, (h + 2 * ph, w + 2 * pw), kernel, stride, (1, 1))[
        :, :, ph:ph + h, pw:pw + w]


def _pool_specs(pool_ops):
    def pool(structure, rng):
        shape, kernel, stride, padding = structure
        return Case((distinct(rng, shape),),
                    lambda x: pool_ops.max_pool2d(x, kernel, stride, padding),
                    lambda x: np_pool_windows(x, kernel, stride, padding, -np.inf).max(axis=2))

    def random_routes(structure, rng):
        """One winner per window, at a random kernel offset: (K, N, C, OH, OW) booleans."""
        shape, kernel, stride, padding = structure
        out = np_pool_windows(np.zeros(shape), kernel, stride, padding, 0.0)
        k = kernel[0] * kernel[1]
        winner = rng.integers(0, k, out.shape[:2] + out.shape[3:])
        return winner[None] == np.arange(k).reshape((k,) + (1,) * winner.ndim)

    def params(structure):
        shape, kernel, stride, padding = structure
        return {"x_shape": shape, "kernel": kernel, "stride": stride, "padding": padding,
                "dilation": (1, 1)}

    def routes(structure, rng):
        shape, kernel, stride, padding = structure
        x = distinct(rng, shape)
        out = np_pool_windows(x, kernel, stride, padding, -np.inf).max(axis=2)

        def ref(x):
            cols = np_pool_windows(x, kernel, stride, padding, -np.inf)
            winner = cols.argmax(axis=2)                     # the first maximum
            k = cols.shape[2]
            return winner[None] == np.arange(k).reshape((k,) + (1,) * winner.ndim)
        p = {k: v for k, v in params(structure).items() if k != "x_shape"}
        return Case((x,), lambda x: apply(pool_ops.MAX_POOL2D_ROUTES, x, out, **p), ref)

    def scatter(structure, rng):
        r = random_routes(structure, rng)
        shape, kernel, stride, padding = structure
        return Case((real(rng, r.shape[1:]),),
                    lambda g, r: apply(pool_ops.MAX_POOL2D_SCATTER, g, r, **params(structure)),
                    lambda g, r: np_pool_scatter(g, r, shape, kernel, stride, padding),
                    consts=(r,))

    def gather(structure, rng):
        r = random_routes(structure, rng)
        shape, kernel, stride, padding = structure

        def ref(h, r):
            cols = np_pool_windows(h, kernel, stride, padding, 0.0)
            return (cols * np.moveaxis(r, 0, 2)).sum(axis=2)
        return Case((real(rng, shape),),
                    lambda h, r: apply(pool_ops.MAX_POOL2D_GATHER, h, r, **params(structure)),
                    ref, consts=(r,))

    spec("max_pool2d", _pool_structure(), POOL_DEFAULT, pool,
         symbolic="which element of a window is largest depends on the numbers")
    spec("max_pool2d_routes", _pool_structure(), POOL_DEFAULT, routes, differentiable=False,
         symbolic="routes compare numbers and take no gradient")
    spec("max_pool2d_scatter", _pool_structure(), POOL_DEFAULT, scatter)
    spec("max_pool2d_gather", _pool_structure(), POOL_DEFAULT, gather)


try:                       # being written alongside: covered as soon as the modules exist
    from autodiff.ops import conv as _conv_ops
    _conv_specs(_conv_ops)
except ImportError:
    pass
try:
    from autodiff.ops import pool as _pool_ops
    _pool_specs(_pool_ops)
except ImportError:
    pass


# ---- the table is complete ------------------------------------------------------------------
def test_every_primitive_has_a_spec():
    missing = sorted(set(ad.PRIMITIVES) - set(SPECS))
    assert not missing, f"primitives without a spec entry in tests/test_core_spec.py: {missing}"


def test_spec_agrees_with_the_table():
    for name, s in SPECS.items():
        assert name in ad.PRIMITIVES, f"spec {name!r} names no primitive"
        assert s.differentiable == ad.PRIMITIVES[name].differentiable, name


def test_public_function_names_of_the_api_exist():
    names = ["exp", "log", "sqrt", "sin", "cos", "tanh", "sigmoid", "relu", "leaky_relu", "abs",
             "maximum", "minimum", "where", "clip", "sum", "mean", "var", "max", "min",
             "logsumexp", "softmax", "log_softmax", "matmul", "reshape", "transpose",
             "broadcast_to", "concatenate", "stack", "pad", "squeeze", "expand_dims", "flatten",
             "conv2d", "max_pool2d", "avg_pool2d"]
    assert [n for n in names if not callable(getattr(ad, n, None))] == []


def built_ops(case: Case) -> set[str]:
    """Names of the primitives a case's call records (to prove each spec hits its op)."""
    leaves = [ad.tensor(a, requires_grad=True) for a in case.arrays]
    out = case.call(*leaves, *case.consts)
    from autodiff.reverse import topological_order
    return {n.op.name for n in topological_order([out]) if n.op is not None}


def test_each_spec_calls_its_primitive():
    rng = np.random.default_rng(0)
    for name, s in SPECS.items():
        if not s.differentiable:
            continue
        assert name in built_ops(s.build(s.default, rng)), name



def run_case(case: Case, differentiable: bool, device: str = "cpu", seed: int = 0):
    """Forward (and backward with a fixed random upstream gradient) on ``device``.

    Returns the output tensor and the inputs' gradients (tensors on ``device``); the caller
    compares their ``.numpy()`` with the CPU run.
    """
    leaves = [ad.tensor(a, requires_grad=differentiable, device=device) for a in case.arrays]
    consts = case.consts if device == "cpu" else \
        tuple(ad.tensor(c, device=device) for c in case.consts)
    out = case.call(*leaves, *consts)
    grads = []
    if differentiable:
        upstream = np.random.default_rng(seed).standard_normal(out.shape)
        out.backward(ad.tensor(upstream, device=device))
        grads = [leaf.grad for leaf in leaves]
    return out, grads
