"""Edge-value cases for issue 13's primitives (PyTorch's surface): expm1, log1p, rounding,
remainder and floor division, clone, the predicates (logical, bitwise, isnan...), cumsum and
prod. Importing this module adds them to ``edge_cases.CASES`` (test_edge_sweep.py does).
"""
from __future__ import annotations

import numpy as np
from edge_cases import EDGE, INF, NAN, ROWS, X1, XY, _torch, case, pairs, torch_name

import autodiff as ad

# ---- one input: smooth near 0, piecewise constant, identity ---------------------------------
TIES = np.array([0.5, 1.5, 2.5, -0.5, -2.5, 0.25, -0.35, 1e300, 2.0**52 + 0.5])
for _name in ("expm1", "log1p", "floor", "ceil", "round", "clone"):
    _inputs = np.concatenate([X1, TIES, [-1.0, -1.5, 1e-17, -1e-17]])
    case(_name, "elementwise", getattr(ad, _name), torch_name(_name), _inputs,
         second_order=_name in ("expm1", "log1p"))
    case(f"{_name} 0-d", "elementwise", getattr(ad, _name), torch_name(_name), -0.0)
    case(f"{_name} 0-size", "elementwise", getattr(ad, _name), torch_name(_name),
         np.zeros((2, 0)))
for _decimals in (1, 2, -1):
    case(f"round decimals={_decimals}", "elementwise",
         lambda x, d=_decimals: ad.round(x, decimals=d),
         lambda x, d=_decimals: _torch().round(x, decimals=d),
         np.concatenate([X1, TIES, [0.125, 0.05, 15.0, 25.0, -35.0]]))

# ---- two inputs: remainder (the sign of the divisor) and floor division -----------------------
case("remainder", "elementwise", ad.remainder, torch_name("remainder"), *XY, second_order=True)
case("remainder 0-d with 1-d", "elementwise", ad.remainder, torch_name("remainder"), -1.5, EDGE)
case("remainder 0-size", "elementwise", ad.remainder, torch_name("remainder"),
     np.zeros((0, 3)), np.ones(3))
case("remainder operator", "elementwise", lambda x, y: x % y, lambda x, y: x % y, *XY)
case("remainder scalar divisor", "elementwise", lambda x: x % -1.5, lambda x: x % -1.5, EDGE)
case("floor_divide operator", "elementwise", lambda x, y: x // y, lambda x, y: x // y, *XY,
     grad=False)
case("floor_divide", "elementwise", ad.floor_divide, torch_name("floor_divide"), *XY,
     grad=False)
_INTS = np.array([0, 1, -1, 7, -7, 3, 2**62, -2**63])
_NONZERO = _INTS[_INTS != 0]
_IX, _IY = (a.astype(np.int64) for a in np.meshgrid(_INTS[:6], _NONZERO[:5], indexing="ij"))
case("floor_divide integers", "elementwise", ad.floor_divide, torch_name("floor_divide"),
     _IX.ravel(), _IY.ravel(), grad=False, dtype=np.int64)
case("remainder integers", "elementwise", ad.remainder, torch_name("remainder"),
     _IX.ravel(), _IY.ravel(), grad=False, dtype=np.int64)

# ---- predicates: boolean results, no gradient -------------------------------------------------
for _name in ("isnan", "isinf", "isfinite", "logical_not"):
    case(_name, "predicate", getattr(ad, _name), torch_name(_name), X1, grad=False)
    case(f"{_name} 0-d", "predicate", getattr(ad, _name), torch_name(_name), NAN, grad=False)
    case(f"{_name} 0-size", "predicate", getattr(ad, _name), torch_name(_name),
         np.zeros((0, 2)), grad=False)
for _name in ("logical_and", "logical_or", "logical_xor"):
    case(_name, "predicate", getattr(ad, _name), torch_name(_name), *XY, grad=False)
    case(f"{_name} 0-d with 1-d", "predicate", getattr(ad, _name), torch_name(_name),
         NAN, EDGE, grad=False)
_BITS = pairs(_INTS)
_BOOLS = pairs(np.array([True, False]))
for _name in ("bitwise_and", "bitwise_or", "bitwise_xor"):
    case(_name, "bitwise", getattr(ad, _name), torch_name(_name), *_BITS, grad=False,
         dtype=np.int64)
    case(f"{_name} bool", "bitwise", getattr(ad, _name), torch_name(_name), *_BOOLS,
         grad=False, dtype=bool)
    case(f"{_name} 0-size", "bitwise", getattr(ad, _name), torch_name(_name),
         np.zeros((0, 2)), np.zeros(2), grad=False, dtype=np.int64)
case("bitwise_and operators", "bitwise", lambda x, y: (x & y) | (x ^ ~y),
     lambda x, y: (x & y) | (x ^ ~y), *_BITS, grad=False, dtype=np.int64)
case("bitwise_not", "bitwise", ad.bitwise_not, torch_name("bitwise_not"), _INTS, grad=False,
     dtype=np.int64)
case("bitwise_not bool", "bitwise", ad.bitwise_not, torch_name("bitwise_not"),
     [True, False], grad=False, dtype=bool)
case("bitwise_not 0-d", "bitwise", ad.bitwise_not, torch_name("bitwise_not"), -1, grad=False,
     dtype=np.int64)

# ---- running sums and products along a dim -----------------------------------------------------
for _dim in (0, 1):
    case(f"cumsum dim={_dim}", "scan", lambda x, d=_dim: ad.cumsum(x, d),
         lambda x, d=_dim: _torch().cumsum(x, d), ROWS, second_order=True)
case("cumsum 0-d", "scan", lambda x: ad.cumsum(x, 0), lambda x: _torch().cumsum(x, 0), INF)
case("cumsum 0-size", "scan", lambda x: ad.cumsum(x, 1), lambda x: _torch().cumsum(x, 1),
     np.zeros((3, 0)))
case("cumsum negative dim", "scan", lambda x: ad.cumsum(x, -2),
     lambda x: _torch().cumsum(x, -2), ROWS)
# zeros: none, one, two (the gradient Π_{j≠i} x_j without dividing by 0), with inf and NaN
PROD_ROWS = np.array([[2.0, -3.0, 0.5, 1.0], [0.0, 2.0, -3.0, 4.0], [0.0, -0.0, 2.0, 5.0],
                      [0.0, 0.0, 0.0, 1.0], [1.0, -2.0, 0.5, -4.0]])
PROD_EDGE_ROWS = np.array([[INF, 2.0, -1.0, 3.0], [NAN, 2.0, 1.0, 1.0], [0.0, INF, 1.0, 2.0],
                           [0.0, NAN, 2.0, 1.0], [-INF, 0.0, 0.0, 1.0]])
for _dim in (None, 0, 1):
    case(f"prod dim={_dim}", "scan",
         lambda x, d=_dim: ad.prod(x) if d is None else ad.prod(x, d),
         lambda x, d=_dim: x.prod() if d is None else x.prod(d), PROD_ROWS, second_order=True)
case("prod dim=1 keepdim", "scan", lambda x: ad.prod(x, 1, keepdim=True),
     lambda x: x.prod(1, keepdim=True), PROD_ROWS)
case("prod one zero whole", "scan", ad.prod, lambda x: x.prod(), PROD_ROWS[1],
     second_order=True)
case("prod two zeros whole", "scan", ad.prod, lambda x: x.prod(), PROD_ROWS[2],
     second_order=True)
case("prod edge values", "scan", lambda x: ad.prod(x, 1), lambda x: x.prod(1),
     PROD_EDGE_ROWS, grad=False)                      # gradient: see DELIBERATE
case("prod edge values without a zero", "scan", lambda x: ad.prod(x, 1),
     lambda x: x.prod(1), PROD_EDGE_ROWS[:2])
case("prod 0-d", "scan", ad.prod, lambda x: x.prod(), -2.0)
for _value in (INF, NAN, 0.0):
    case(f"prod 0-d {_value}", "scan", ad.prod, lambda x: x.prod(), _value, second_order=True)
case("prod 0-size", "scan", lambda x: ad.prod(x, 1), lambda x: x.prod(1), np.zeros((3, 0)))
case("prod empty", "scan", ad.prod, lambda x: x.prod(), np.zeros(0))
