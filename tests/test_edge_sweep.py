"""The differential edge-value sweep: every primitive, layer and loss against PyTorch float64.

Inputs hold 0, -0.0, +-inf, NaN, ties, values at kinks and clip bounds, and come in 0-d and
0-size shapes (tables in edge_cases.py). Values and gradients must agree, including which
elements are NaN or infinite and the sign of each infinity (zeros' signs are not compared).
Gradients are taken with two upstreams: ones, and one holding inf, -inf, 0 and NaN.
Deliberate differences are listed in ``edge_cases.DELIBERATE``, nowhere else.
"""
from __future__ import annotations

import warnings

import numpy as np
import pytest

torch = pytest.importorskip("torch")      # before the cases: some build PyTorch calls

from edge_cases import (
    CASES,
    LAYER_CASES,
    LOSS_MODULES,
    NOT_LAYERS,
    SWEPT_THROUGH,
    UPSTREAM,
    _loss_cases,
    edge_filled,
)
from edge_cases_nn import NN_LAYER_CASES, NN_LOSS_MODULES, NN_NOT_LAYERS, nn_loss_cases
from edge_cases_torch import PROD_ROWS  # noqa: F401  (adds issue 13's primitives' cases)
from test_core_spec import SPECS

import autodiff as ad
import nn
from autodiff.reverse import gradients

LAYER_CASES = {**LAYER_CASES, **NN_LAYER_CASES}            # issue 14's layers: edge_cases_nn
pytestmark = [pytest.mark.filterwarnings("ignore::RuntimeWarning"),
              pytest.mark.filterwarnings("ignore:`torch.jit.script` is deprecated")]


def agree(ours, theirs, what, tol=1e-9):
    ours = np.asarray(ours.numpy() if isinstance(ours, ad.Tensor) else ours, dtype=float)
    theirs = theirs.detach().numpy() if isinstance(theirs, torch.Tensor) else theirs
    theirs = np.asarray(theirs, dtype=float)
    assert ours.shape == theirs.shape, f"{what}: shape {ours.shape}, PyTorch {theirs.shape}"
    np.testing.assert_allclose(ours, theirs, rtol=tol, atol=1e-12, equal_nan=True,
                               err_msg=what)


def upstreams(shape):
    """The upstream gradients each case is differentiated with."""
    n = int(np.prod(shape))
    return {"ones": np.ones(shape), "inf/nan": np.resize(UPSTREAM, n).reshape(shape)}


def compare_gradients(out, tout, xs, ts, tol, label="", finite_upstream=False):
    for kind, up in upstreams(out.shape).items():
        if finite_upstream and kind != "ones":
            continue
        ours = gradients(out, xs, ad.tensor(up), retain_graph=True)
        theirs = torch.autograd.grad(tout, ts, torch.tensor(up), retain_graph=True,
                                     allow_unused=True)
        for i, (g, tg) in enumerate(zip(ours, theirs)):
            tg = torch.zeros_like(ts[i]) if tg is None else tg
            agree(g, tg, f"{label}gradient of input {i}, upstream {kind}", tol)


# ---- primitives -----------------------------------------------------------------------------
def test_every_primitive_is_swept():
    swept = {name.split()[0] for name in CASES} | set(SWEPT_THROUGH)
    missing = sorted(set(ad.PRIMITIVES) - swept)
    assert not missing, f"add edge-value cases to tests/edge_cases.py for: {missing}"


@pytest.mark.parametrize("name", CASES)
def test_primitive_edge_values_agree_with_pytorch(name):
    case = CASES[name]
    xs = [ad.tensor(a, requires_grad=case.grad) for a in case.inputs]
    ts = [torch.tensor(a, requires_grad=case.grad) for a in case.inputs]
    out, tout = case.ours(*xs), case.theirs(*ts)
    agree(out, tout, "value", case.tol)
    if not case.grad:
        return
    compare_gradients(out, tout, xs, ts, case.tol, finite_upstream=case.finite_upstream)
    if case.second_order:                # through the gradient's own graph (double backward)
        shape = out.shape
        n = int(np.prod(shape))                                      # a finite upstream
        up = np.resize(UPSTREAM[[0, 5, 6]], n).reshape(shape)
        u, tu = ad.tensor(up, requires_grad=True), torch.tensor(up, requires_grad=True)
        g = gradients(out, xs, u, create_graph=True)
        tg = torch.autograd.grad(tout, ts, tu, create_graph=True)
        weights = [np.resize([1.0, -0.5, 2.0], int(np.prod(gi.shape))).reshape(gi.shape)
                   for gi in g]
        inner = sum(ad.sum(gi * ad.tensor(w)) for gi, w in zip(g, weights))
        tinner = sum((gi * torch.tensor(w)).sum() for gi, w in zip(tg, weights))
        compare_gradients(inner, tinner, [u] + xs, [tu] + ts, case.tol, "second order: ")


@pytest.mark.parametrize("name", sorted(SPECS))
def test_every_primitive_runs_on_edge_values(name):
    """From the spec table: each primitive's own inputs, refilled with edge values, give the
    NumPy reference's values (NaN and infinities included) and a gradient of each input's
    shape. A new primitive is covered here without anyone writing an edge case."""
    spec = SPECS[name]
    case = spec.build(spec.default, np.random.default_rng(0))
    arrays = [edge_filled(a.shape, i) for i, a in enumerate(case.arrays)]
    xs = [ad.tensor(a, requires_grad=spec.differentiable) for a in arrays]
    out = case.call(*xs, *case.consts)
    with np.errstate(all="ignore"):
        expected = case.ref(*arrays, *case.consts)
    if name not in NUMPY_DIFFERS:
        np.testing.assert_allclose(out.numpy().astype(float), np.asarray(expected, dtype=float),
                                   rtol=1e-7, atol=1e-12, equal_nan=True)
    if spec.differentiable and out.requires_grad:
        for x, g in zip(xs, gradients(out, xs, ad.tensor(np.ones(out.shape)))):
            assert g.shape == x.shape


# where NumPy itself is not the reference for edge values (PyTorch is, above)
NUMPY_DIFFERS = {
    "sign": "PyTorch's sign(NaN) is 0; NumPy's is NaN",
    "normalize": "the reference computes var in another order: inf - inf differs from NaN",
    "inv_std": "as normalize",
    "normalize_affine": "as normalize",
    "max_pool2d_routes": "the spec's reference has no NaN rule (NaN wins, as in PyTorch: "
                         "checked against PyTorch in the max_pool2d cases)",
    "max_pool2d_scatter": "as max_pool2d_routes",
    "max_pool2d_gather": "as max_pool2d_routes",
}


@pytest.mark.parametrize("call", ["max(x, 1)", "min(x, 1)", "amax(x, 1)", "amin(x, (0, 1))",
                                  "max(x)", "min(x)"])
def test_max_min_over_nothing_raise_pytorchs_error_type(call):
    """A max or min over an empty dim has no value: PyTorch's error type, naming the op."""
    with pytest.raises(Exception) as theirs:
        eval("torch." + call, {"torch": torch, "x": torch.zeros(3, 0)})
    with pytest.raises(type(theirs.value), match=call.split("(")[0].lstrip("a")):
        eval("ad." + call, {"ad": ad, "x": ad.zeros(3, 0)})


# ---- layers ---------------------------------------------------------------------------------
def test_every_layer_is_swept():
    exported = [n for n in nn.__all__
                if isinstance(getattr(nn, n), type) and issubclass(getattr(nn, n), nn.Module)]
    covered = ({name.split()[0] for name in LAYER_CASES} | set(LOSS_MODULES + NN_LOSS_MODULES)
               | set(NOT_LAYERS) | set(NN_NOT_LAYERS))
    missing = sorted(set(exported) - covered)
    assert not missing, f"add cases to LAYER_CASES in tests/edge_cases.py for: {missing}"


@pytest.fixture
def float64_default():
    old, torch_old = ad.get_default_dtype(), torch.get_default_dtype()
    ad.set_default_dtype(ad.float64)
    torch.set_default_dtype(torch.float64)       # nn.to_torch builds in torch's default
    yield
    ad.set_default_dtype(old)
    torch.set_default_dtype(torch_old)


@pytest.mark.parametrize("name", LAYER_CASES)
def test_layer_edge_values_agree_with_pytorch(name, float64_default):
    case = LAYER_CASES[name]
    nn.manual_seed(0)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        model = case.build()
        model.train(case.train)
        twin = nn.to_torch(model).double()
    twin.train(case.train)
    x = case.input.copy() if isinstance(case.input, np.ndarray) else edge_filled(case.input)
    if case.few_nans:
        x = np.where(np.isnan(x), 0.25, x)       # NaN spreads over whole channels: keep a few
        x.flat[::7] = np.nan
    real = x.dtype.kind == "f"                   # integer inputs (indices) take no gradient
    xs, ts = ad.tensor(x, requires_grad=real), torch.tensor(x, requires_grad=real)
    out, tout = model(xs), twin(ts)
    agree(out, tout, "value", case.tol)
    params = [p for _, p in model.named_parameters()]
    tparams = [p for _, p in twin.named_parameters()]
    compare_gradients(out, tout, [xs] * real + params, [ts] * real + tparams, case.tol,
                      finite_upstream=case.finite_upstream)


# ---- losses ---------------------------------------------------------------------------------
LOSSES = {**_loss_cases(), **nn_loss_cases()}


@pytest.mark.parametrize("name", LOSSES)
def test_loss_edge_values_agree_with_pytorch(name):
    case = LOSSES[name]
    x, tx = ad.tensor(case.input, requires_grad=True), torch.tensor(case.input,
                                                                    requires_grad=True)
    out, tout = case.ours(x), case.theirs(tx)
    agree(out, tout, "value", case.tol)
    if case.grad:
        compare_gradients(out, tout, [x], [tx], case.tol, finite_upstream=case.finite_upstream)


@pytest.mark.parametrize("name", [n for n, c in CASES.items() if c.grad and c.tangents])
def test_primitive_tangents_agree_with_pytorch(name):
    """Forward mode (ad.jvp, dual numbers) against torch.func.jvp, with unit tangents, where
    the value is a number (a NaN value's tangent means nothing, and PyTorch's forward-mode
    formulas disagree with its own backward there; see DELIBERATE)."""
    case = CASES[name]
    tangents = [np.ones(a.shape) for a in case.inputs]
    out, ours = ad.jvp(case.ours, [ad.tensor(a) for a in case.inputs],
                       [ad.tensor(t) for t in tangents])
    _, theirs = torch.func.jvp(case.theirs, tuple(torch.tensor(a) for a in case.inputs),
                               tuple(torch.tensor(t) for t in tangents))
    number = ~np.isnan(out.numpy())
    agree(ours.numpy()[number], theirs.numpy()[number], "tangent", case.tol)
