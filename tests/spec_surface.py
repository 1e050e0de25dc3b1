"""Spec-table entries for the primitives the PyTorch surface added (autodiff/ops/pointwise.py
and autodiff/ops/scan.py); imported by test_core_spec.py, whose helpers they use."""
from __future__ import annotations

import numpy as np
from hypothesis import strategies as st
from test_core_spec import SHAPE, SHAPE_1D, Case, grid, real, spec, unary

import autodiff as ad


def off_grid(rng, shape):
    """Values at least 0.1 away from every integer and half-integer: rounding is flat there."""
    return grid(rng, shape, 0.0) + rng.choice([0.2, 0.3, 0.7, 0.8], shape)


unary("expm1", ad.expm1, np.expm1)
unary("log1p", ad.log1p, np.log1p, lambda r, s: np.asarray(r.uniform(-0.5, 2.0, s)))
unary("clone", ad.clone, np.copy)
for _name in ("floor", "ceil"):
    unary(_name, getattr(ad, _name), getattr(np, _name), off_grid,
          symbolic="piecewise constant: SymPy leaves d floor(x)/dx unevaluated")
spec("round", st.tuples(SHAPE, st.sampled_from([0, 1])), ((2, 3), 0),
     lambda s, rng: Case((off_grid(rng, s[0]),), lambda x: ad.round(x, decimals=s[1]),
                         lambda x: np.round(x, s[1])),
     symbolic="piecewise constant, and SymPy has no elementwise round of symbols")


def _remainder(shape, rng):
    """x / y stays at least 0.2 away from an integer: no step of finite differences jumps."""
    y = rng.choice([-2.0, -1.25, 1.25, 2.0], shape)
    x = (rng.integers(-3, 3, shape) + rng.uniform(0.2, 0.8, shape)) * y
    return Case((np.asarray(x), np.asarray(y)), lambda a, b: a % b, np.remainder)


spec("remainder", SHAPE, (2, 3), _remainder,
     symbolic="SymPy leaves the derivative of Mod unevaluated")


def _ints(rng, shape):
    return rng.integers(-4, 5, shape)


def constant(name, fn, ref, inputs=1, domain=_ints):
    """A primitive with no gradient: its inputs are constants (integers or booleans)."""
    def build(shape, rng):
        return Case((), fn, ref, consts=tuple(domain(rng, shape) for _ in range(inputs)))
    spec(name, SHAPE, (2, 3), build, differentiable=False,
         symbolic="integer and boolean results")


for _name in ("logical_and", "logical_or", "logical_xor", "bitwise_and", "bitwise_or",
              "bitwise_xor"):
    constant(_name, getattr(ad, _name), getattr(np, _name), 2)
constant("logical_not", ad.logical_not, np.logical_not)
constant("bitwise_not", ad.bitwise_not, np.invert)
constant("floor_divide", ad.floor_divide, np.floor_divide, 2,
         lambda r, s: r.integers(1, 5, s) * r.choice([-1, 1], s))
_SPECIAL = np.array([0.0, -1.5, np.inf, -np.inf, np.nan, 2.0])
for _name in ("isnan", "isinf", "isfinite"):
    constant(_name, getattr(ad, _name), getattr(np, _name),
             domain=lambda r, s: r.choice(_SPECIAL, s))


@st.composite
def _one_axis(draw):
    shape = draw(SHAPE_1D)
    return shape, draw(st.integers(0, len(shape) - 1))


spec("cumsum", _one_axis(), ((2, 3), 1),
     lambda s, rng: Case((real(rng, s[0]),), lambda x: ad.cumsum(x, s[1]),
                         lambda x: np.cumsum(x, axis=s[1])))


def _prod(structure, rng):
    shape, axis, keepdim, zeros = structure
    x = real(rng, shape)
    if zeros and x.size > 1:                     # a zero, where prod / x would divide by it
        x.reshape(-1)[rng.integers(x.size)] = 0.0
    fn = (lambda t: ad.prod(t)) if axis is None else (lambda t: ad.prod(t, axis, keepdim))
    return Case((x,), fn, lambda a: np.prod(a, axis=axis, keepdims=keepdim and axis is not None))


spec("prod", _one_axis().flatmap(lambda s: st.tuples(
         st.just(s[0]), st.sampled_from([None, s[1]]), st.booleans(), st.booleans())),
     ((2, 3), 1, False, False), _prod, no_symbolic=lambda s: s[3])
