"""Elementwise ops: values and gradients, methods and functions, operators."""
import numpy as np

from harness import add, rng


def X(T, *shape, seed=0):
    return T.tensor(rng(seed).standard_normal(shape))


def POS(T):
    return T.tensor(rng(2).uniform(0.2, 3.0, (2, 3)))


S = add
UNARY = ["neg", "exp", "expm1", "log", "log1p", "sqrt", "rsqrt", "sin", "cos", "tan", "tanh",
         "sigmoid", "relu", "abs", "sign", "floor", "ceil", "round", "trunc", "frac",
         "reciprocal", "square", "exp2", "log2", "log10", "asin", "acos", "atan", "sinh", "cosh",
         "asinh", "erf", "sgn", "positive"]
DOMAIN = {"log", "sqrt", "rsqrt", "log1p", "log2", "log10"}
UNIT = {"asin", "acos"}


def _inp(T, op):
    if op in DOMAIN:
        return POS(T)
    if op in UNIT:
        return T.tensor(rng(4).uniform(-0.9, 0.9, (2, 3)))
    return X(T, 2, 3)


for op in UNARY:
    S(f"method_{op}", lambda T, op=op: getattr(_inp(T, op), op)())
    S(f"fn_{op}", lambda T, op=op: getattr(T, op)(_inp(T, op)))

    def _g(T, op=op):
        x = _inp(T, op).requires_grad_()
        y = getattr(x, op)()
        (y * T.tensor([[1.0, 2.0, -1.0], [0.5, -3.0, 1.5]], dtype=T.float64)).sum().backward()
        return y, x.grad
    S(f"grad_{op}", _g)

S("sigmoid_f32_list", lambda T: T.sigmoid(T.tensor([0.0, 1.0])))
S("clamp_both", lambda T: X(T, 2, 3).clamp(-0.5, 0.5))
S("clamp_min_kw", lambda T: X(T, 2, 3).clamp(min=0))
S("clamp_max_kw", lambda T: X(T, 2, 3).clamp(max=0.1))
S("clamp_tensor_bounds", lambda T: X(T, 2, 3).clamp(T.zeros(3, dtype=T.float64) - 0.2,
                                                      T.ones(3, dtype=T.float64) * 0.3))
S("clamp_min_fn", lambda T: T.clamp_min(X(T, 4), 0.0))
S("clamp_max_m", lambda T: X(T, 4).clamp_max(0.0))
S("clip_alias", lambda T: T.clip(X(T, 4), -0.1, 0.1))
S("clamp_int", lambda T: T.tensor([1, 5, 9]).clamp(2, 6))
S("clamp_int_float_bound", lambda T: T.tensor([1, 5, 9]).clamp(2.5, 6))
S("clamp_min_gt_max", lambda T: X(T, 4).clamp(1.0, -1.0))


def _gc(T, f):
    x = T.tensor([-2.0, -0.5, 0.0, 0.5, 1.0, 2.0], dtype=T.float64, requires_grad=True)
    y = f(x)
    (y * T.arange(1.0, 7.0, dtype=T.float64)).sum().backward()
    return y, x.grad


S("grad_clamp_at_bounds", lambda T: _gc(T, lambda x: x.clamp(-0.5, 1.0)))
S("grad_clamp_min_at", lambda T: _gc(T, lambda x: x.clamp(min=0.0)))
S("grad_clamp_tensor_bounds", lambda T: _grad_ctb(T))


def _grad_ctb(T):
    x = T.tensor([-2.0, 0.0, 3.0], dtype=T.float64, requires_grad=True)
    lo = T.tensor([-1.0, 0.0, 0.0], dtype=T.float64, requires_grad=True)
    hi = T.tensor([1.0, 1.0, 2.0], dtype=T.float64, requires_grad=True)
    x.clamp(lo, hi).sum().backward()
    return x.grad, lo.grad, hi.grad


S("grad_relu_at0", lambda T: _gc(T, lambda x: x.relu()))
S("grad_abs_at0", lambda T: _gc(T, lambda x: x.abs()))
S("grad_sign", lambda T: _gc(T, lambda x: x.sign()))
S("grad_round", lambda T: _gc(T, lambda x: x.round()))
S("grad_maximum_ties", lambda T: _g2(T, T.maximum))
S("grad_minimum_ties", lambda T: _g2(T, T.minimum))
S("grad_fmax", lambda T: _g2(T, T.fmax))
S("grad_pow_tt", lambda T: _g2(T, T.pow, pos=True))
S("grad_mul", lambda T: _g2(T, lambda a, b: a * b))
S("grad_div", lambda T: _g2(T, lambda a, b: a / b, pos=True))
S("grad_sub", lambda T: _g2(T, T.sub))
S("grad_atan2", lambda T: _g2(T, T.atan2))
S("grad_hypot", lambda T: _g2(T, T.hypot))


def _g2(T, f, pos=False):
    lo = 0.5 if pos else -2
    a = T.tensor(np.r_[rng(5).uniform(lo, 2, 4), 1.0], requires_grad=True)
    b = T.tensor(np.r_[rng(6).uniform(lo, 2, 4), 1.0], requires_grad=True)
    y = f(a, b)
    (y * T.arange(5.0, dtype=T.float64)).sum().backward()
    return y, a.grad, b.grad


S("pow_scalar", lambda T: X(T, 3).pow(2))
S("pow_method_tensor", lambda T: POS(T).pow(X(T, 2, 3)))
S("rpow", lambda T: 2 ** X(T, 3))
S("pow_fn_scalar_base", lambda T: T.pow(2.0, X(T, 3)))
S("pow_neg_frac_nan", lambda T: T.tensor([-8.0]) ** (1 / 3))
S("pow_int_neg_raises", lambda T: T.tensor([2]) ** -1)
S("maximum", lambda T: T.maximum(X(T, 2, 3), X(T, 3, seed=1)))
S("minimum", lambda T: T.minimum(X(T, 2, 3), X(T, 2, 3, seed=1)))
S("maximum_nan", lambda T: T.maximum(T.tensor([1.0, np.nan]), T.tensor([np.nan, 0.0])))
S("fmax_nan", lambda T: T.fmax(T.tensor([1.0, np.nan]), T.tensor([np.nan, 0.0])))
S("logical_and", lambda T: T.logical_and(T.tensor([True, False, True]), T.tensor([1, 1, 0])))
S("logical_or", lambda T: T.logical_or(T.tensor([True, False]), T.tensor([False, False])))
S("logical_not", lambda T: T.logical_not(T.tensor([0.0, 2.0])))
S("logical_xor", lambda T: T.tensor([True, False]).logical_xor(T.tensor([True, True])))
S("isnan", lambda T: T.isnan(T.tensor([1.0, np.nan, np.inf])))
S("isinf", lambda T: T.tensor([1.0, np.nan, -np.inf]).isinf())
S("isfinite", lambda T: T.isfinite(T.tensor([1.0, np.nan, -np.inf])))
S("isposinf", lambda T: T.isposinf(T.tensor([1.0, np.inf, -np.inf])))
S("nan_to_num", lambda T: T.nan_to_num(T.tensor([1.0, np.nan, np.inf, -np.inf])))
S("nan_to_num_args", lambda T: T.tensor([np.nan, np.inf, -np.inf]).nan_to_num(0.0, 1e3, -1e3))
S("nan_to_num_f64", lambda T: T.tensor([np.nan, np.inf], dtype=T.float64).nan_to_num())
S("floordiv_float", lambda T: T.tensor([7.5, -7.5]) // 2)
S("mod_int", lambda T: T.tensor([7, -7]) % 3)
S("mod_float", lambda T: T.tensor([7.5, -7.5]) % 2)
S("fmod", lambda T: T.fmod(T.tensor([7.5, -7.5]), 2))
S("remainder", lambda T: T.remainder(T.tensor([-3, 3]), 2))
S("invert_bool", lambda T: ~T.tensor([True, False]))
S("invert_int", lambda T: ~T.tensor([0, 5]))
S("and_bool", lambda T: T.tensor([True, False]) & T.tensor([True, True]))
S("or_bool", lambda T: T.tensor([True, False]) | T.tensor([False, False]))
S("xor_int", lambda T: T.tensor([5, 3]) ^ T.tensor([1, 1]))
S("invert_float_raises", lambda T: ~T.tensor([1.0]))
S("softmax_method", lambda T: X(T, 2, 3).softmax(1))
S("softmax_dim_kw", lambda T: X(T, 2, 3).softmax(dim=0))
S("T_softmax", lambda T: T.softmax(X(T, 2, 3), dim=-1))
S("log_softmax_method", lambda T: X(T, 2, 3).log_softmax(dim=1))
S("T_log_softmax", lambda T: T.log_softmax(X(T, 2, 3), 1))
S("softmax_inf_row", lambda T: T.tensor([[0.0, -np.inf, 1.0], [-np.inf, -np.inf, 0.0]]).softmax(1))
S("log_softmax_big", lambda T: T.tensor([[1000.0, 0.0, -1000.0]]).log_softmax(1))
S("eq_ne", lambda T: (X(T, 3) == X(T, 3), X(T, 3) != 0))
S("lt_scalar_tensor", lambda T: 0 < X(T, 3))
S("eq_method", lambda T: T.tensor([1, 2]).eq(T.tensor([1, 3])))
S("gt_ge_lt_le", lambda T: (T.tensor([1, 2]).gt(1), T.tensor([1, 2]).ge(1),
                            T.tensor([1, 2]).lt(2), T.tensor([1, 2]).le(1)))
S("equal_fn", lambda T: T.equal(T.tensor([1.0, 2.0]), T.tensor([1.0, 2.0])))
S("allclose", lambda T: T.allclose(T.tensor([1.0]), T.tensor([1.0 + 1e-9])))
S("isclose", lambda T: T.isclose(T.tensor([1.0, np.nan]), T.tensor([1.0, np.nan]), equal_nan=True))
S("add_alpha", lambda T: T.add(X(T, 3), X(T, 3, seed=1), alpha=2))
S("sub_alpha", lambda T: X(T, 3).sub(X(T, 3, seed=1), alpha=0.5))
S("mul_method", lambda T: X(T, 3).mul(2))
S("div_method", lambda T: X(T, 3).div(2))
S("div_floor", lambda T: T.div(T.tensor([7, -7]), 2, rounding_mode="floor"))
S("div_trunc", lambda T: T.tensor([7.0, -7.0]).div(2, rounding_mode="trunc"))
S("true_divide", lambda T: T.true_divide(T.tensor([1, 2]), 2))
S("lerp", lambda T: T.lerp(X(T, 3), X(T, 3, seed=1), 0.3))
S("addcmul", lambda T: T.addcmul(X(T, 3), X(T, 3), X(T, 3, seed=1), value=0.5))
S("sigmoid_big", lambda T: T.sigmoid(T.tensor([-800.0, 800.0], dtype=T.float64)))
S("tanh_big", lambda T: T.tanh(T.tensor([-800.0, 800.0], dtype=T.float64)))
S("exp_overflow", lambda T: T.exp(T.tensor([1000.0])))
S("log_zero", lambda T: T.log(T.tensor([0.0, -1.0])))
S("sqrt_neg", lambda T: T.sqrt(T.tensor([-1.0])))
S("round_half_even", lambda T: T.round(T.tensor([0.5, 1.5, 2.5, -0.5])))
S("round_decimals", lambda T: T.round(T.tensor([1.2345, 2.3456], dtype=T.float64), decimals=2))
S("int_div_by_zero_float", lambda T: T.tensor([1, 0, -1]) / 0)
S("float_div_by_zero", lambda T: T.tensor([1.0, 0.0, -1.0]) / 0.0)
S("neg_zero", lambda T: 1 / (-T.tensor([0.0])))
S("abs_int", lambda T: T.tensor([-3, 2]).abs())
S("neg_bool_raises", lambda T: -T.tensor([True]))
S("sign_nan_zero", lambda T: T.sign(T.tensor([np.nan, 0.0, -0.0, -2.0])))
S("square_int", lambda T: T.tensor([3, -2]).square())
S("erfinv", lambda T: T.erfinv(T.tensor([0.0, 0.5])))
S("xlogy", lambda T: T.xlogy(T.tensor([0.0, 1.0]), T.tensor([0.0, 2.0])))
S("heaviside", lambda T: T.heaviside(T.tensor([-1.0, 0.0, 2.0]), T.tensor(0.5)))
S("broadcast_add", lambda T: X(T, 3, 1) + X(T, 1, 4))
S("broadcast_error", lambda T: X(T, 3) + X(T, 4))
S("broadcast_grad", lambda T: _bg(T))
S("broadcast_to", lambda T: T.broadcast_to(X(T, 3), (2, 3)))
S("broadcast_tensors", lambda T: T.broadcast_tensors(X(T, 3, 1), X(T, 4)))
S("diff", lambda T: T.diff(T.tensor([1.0, 4.0, 9.0])))


def _bg(T):
    a = X(T, 3, 1).requires_grad_()
    b = X(T, 1, 4, seed=1).requires_grad_()
    (a * b).sum().backward()
    return a.grad, b.grad
