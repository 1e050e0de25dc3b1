"""Element-wise primitives: one declaration each, and the public function that binds it.

Each rule returns ``g`` times the local derivative in the output's shape; the engine sums a
broadcast input's gradient back to its shape. Comparisons carry no gradient.
"""
from __future__ import annotations

import operator

import numpy as np

from ..api.promotion import floating, promote
from ..dtypes import as_dtype
from ..primitive import ELEMENTWISE, LINEAR, Primitive
from ..symbolic.namespace import SYMPY_NAMESPACE
from ..tensor import apply
from .pointwise import zeros_of

# ---- arithmetic -------------------------------------------------------------------------
OPERATORS = {"add": operator.add, "subtract": operator.sub, "multiply": operator.mul,
             "divide": operator.truediv}


def arithmetic(xp, name: str, x, y):
    """``x + y`` (or -, *, /), laid out in memory like the full-size operand when the other
    one is broadcast against it. NumPy falls back to C order when operands' layouts differ,
    so a reduction's gradient (N, C, 1, 1) meeting a convolution's (C, H, W, N) array would
    make the rest of the backward pass work on strided, slower copies."""
    for full, other in ((x, y), (y, x)):
        if (full.ndim > 1 and not full.flags.c_contiguous and 0 not in full.strides
                and (other.shape != full.shape or 0 in other.strides)
                and all(o in (1, f) for o, f in zip(other.shape[::-1], full.shape[::-1]))
                and full.dtype.kind in "bif" and other.dtype.kind in "bif"):
            dtype = xp.result_type(x, y)
            if dtype.kind == "f":
                return getattr(xp, name)(x, y, out=xp.empty_like(full, dtype=dtype))
    return OPERATORS[name](x, y)


ADD = Primitive(
    "add", lambda xp, x, y: arithmetic(xp, "add", x, y),
    vjp=(lambda g, out, x, y: g, lambda g, out, x, y: g),
    jvp=LINEAR, display="+", latex=r"\bar{x} = \bar{y},\quad \bar{z} = \bar{y}")
SUB = Primitive(
    "sub", lambda xp, x, y: arithmetic(xp, "subtract", x, y),
    vjp=(lambda g, out, x, y: g, lambda g, out, x, y: -g),
    jvp=LINEAR, display="-", latex=r"\bar{x} = \bar{y},\quad \bar{z} = -\bar{y}")
NEG = Primitive(
    "neg", lambda xp, x: -x, vjp=(lambda g, out, x: -g,),
    jvp=LINEAR, display="-", latex=r"\bar{x} = -\bar{y}")
MUL = Primitive(
    "mul", lambda xp, x, y: arithmetic(xp, "multiply", x, y),
    vjp=(lambda g, out, x, y: g * y, lambda g, out, x, y: g * x),
    jvp=ELEMENTWISE, display="×", latex=r"\bar{x} = \bar{y}\, z,\quad \bar{z} = \bar{y}\, x")
def _div_jvp(tangents, out, x, y):
    """(x' - y' out) / y in one division, as PyTorch's: summing x'/y and -y' out/y apart
    would make inf - inf = NaN where the output is infinite (y = 0)."""
    dx, dy = tangents
    if dy is None:
        return dx / y
    return (-dy * out if dx is None else dx - dy * out) / y


DIV = Primitive(
    "div", lambda xp, x, y: arithmetic(xp, "divide", x, y),
    vjp=(lambda g, out, x, y: g / y, lambda g, out, x, y: -g * out / y),
    jvp=_div_jvp, display="÷",
    latex=r"\bar{x} = \bar{y} / z,\quad \bar{z} = -\bar{y}\, x / z^2")


def _power_base_rule(g, out, x, y):
    """g y x^(y-1), and 0 where y == 0 (PyTorch: x^0 is the constant 1, even at x = 0)."""
    if x.dtype == object:       # exact algebra keeps the formula; the convention is for numbers
        return g * y * x ** (y - 1)
    return where(y == 0, 0, g * y * x ** (y - 1))


def _power_exponent_rule(g, out, x, y):
    """g x^y ln x, and 0 where x == 0 and y >= 0 (PyTorch's convention: 0^y is constant
    there, while 0 * ln 0 would be NaN)."""
    if x.dtype == object:
        return g * out * log(x)
    return g * where((x == 0) * (y >= 0), 0, out * log(x))


POWER = Primitive(
    "power", lambda xp, x, y: x ** y,
    vjp=(_power_base_rule, _power_exponent_rule),
    jvp=ELEMENTWISE, display="**",
    latex=r"\bar{x} = \bar{y}\, z x^{z-1},\quad \bar{z} = \bar{y}\, x^z \ln x"
          r"\quad (\bar{x} = 0 \text{ if } z = 0;\ \bar{z} = 0 \text{ if } x = 0 \le z)")

# ---- functions of one input -------------------------------------------------------------
EXP = Primitive(
    "exp", lambda xp, x: xp.exp(x), vjp=(lambda g, out, x: g * out,),
    jvp=ELEMENTWISE, latex=r"\bar{x} = \bar{y}\, e^{x}")
LOG = Primitive(
    "log", lambda xp, x: xp.log(x), vjp=(lambda g, out, x: g / x,),
    jvp=ELEMENTWISE, latex=r"\bar{x} = \bar{y} / x")
SQRT = Primitive(
    "sqrt", lambda xp, x: xp.sqrt(x), vjp=(lambda g, out, x: g / (2 * out),),
    jvp=ELEMENTWISE, latex=r"\bar{x} = \bar{y} / (2\sqrt{x})")
SIN = Primitive(
    "sin", lambda xp, x: xp.sin(x), vjp=(lambda g, out, x: g * cos(x),),
    jvp=ELEMENTWISE, latex=r"\bar{x} = \bar{y} \cos x")
COS = Primitive(
    "cos", lambda xp, x: xp.cos(x), vjp=(lambda g, out, x: -g * sin(x),),
    jvp=ELEMENTWISE, latex=r"\bar{x} = -\bar{y} \sin x")
# The activations' backward rules are primitives of their own (PyTorch's tanh_backward,
# sigmoid_backward, threshold_backward), each one node instead of three or four: a small
# op's cost is mostly the engine's bookkeeping per node. Each is written in graph ops, so
# double backward goes through them.
TANH = Primitive(
    "tanh", lambda xp, x: xp.tanh(x), vjp=(lambda g, out, x: tanh_grad(g, out),),
    jvp=ELEMENTWISE, latex=r"\bar{x} = \bar{y}\,(1 - y^2)")
TANH_GRAD = Primitive(
    "tanh_grad", lambda xp, g, y: g * (1 - y * y),
    vjp=(lambda h, out, g, y: tanh_grad(h, y), lambda h, out, g, y: h * g * (-2 * y)),
    jvp=ELEMENTWISE, latex=r"\bar{g} = \bar{x}\,(1 - y^2),\quad \bar{y} = -2\,\bar{x}\, g\, y")
SIGMOID = Primitive(
    "sigmoid", lambda xp, x: 1 / (1 + xp.exp(-x)), vjp=(lambda g, out, x: sigmoid_grad(g, out),),
    jvp=ELEMENTWISE, display="σ", latex=r"\bar{x} = \bar{y}\, \sigma(x)\,(1 - \sigma(x))")
SIGMOID_GRAD = Primitive(
    "sigmoid_grad", lambda xp, g, y: g * (y * (1 - y)),
    vjp=(lambda h, out, g, y: sigmoid_grad(h, y), lambda h, out, g, y: h * g * (1 - 2 * y)),
    jvp=ELEMENTWISE,
    latex=r"\bar{g} = \bar{x}\, y (1 - y),\quad \bar{y} = \bar{x}\, g\,(1 - 2y)")
# Masks select, never multiply: g * [x > 0] would turn an infinite g into inf * 0 = NaN where
# PyTorch (which selects) gives 0. ``where(mask, g, 0)`` is fast (see _select).
RELU = Primitive(
    # maximum(0, x), not maximum(x, 0): on a tie NumPy returns the second operand, so -0.0
    # stays -0.0, as PyTorch's relu keeps it
    "relu", lambda xp, x: xp.maximum(0, x), vjp=(lambda g, out, x: relu_grad(g, out),),
    jvp=ELEMENTWISE, latex=r"\bar{x} = \bar{y}\,[x > 0]")
# g where relu's output y is above 0 (a NaN y passes g on, as PyTorch's), else 0: linear in
# g, and the mask takes no gradient, so its VJP is itself
RELU_GRAD = Primitive(
    "relu_grad", lambda xp, g, y: _where(xp, xp.less_equal(y, 0), _zero(xp, g), g),
    vjp=(lambda h, out, g, y: relu_grad(h, y), None), jvp=LINEAR,
    latex=r"\bar{g} = \bar{x}\,[y > 0]")
LEAKY_RELU = Primitive(
    "leaky_relu",
    lambda xp, x, negative_slope: xp.where(xp.greater(x, 0), x, x * negative_slope),
    vjp=(lambda g, out, x, negative_slope: where(x > 0, g, g * negative_slope),),
    jvp=ELEMENTWISE, latex=r"\bar{x} = \bar{y}\,([x > 0] + \alpha [x \le 0])")
ABS = Primitive(
    "abs", lambda xp, x: xp.abs(x), vjp=(lambda g, out, x: g * sign(x),),
    jvp=ELEMENTWISE, display="|·|", latex=r"\bar{x} = \bar{y}\,\mathrm{sign}(x)")
CLIP = Primitive(
    "clip", lambda xp, x, lo, hi: xp.minimum(hi, xp.maximum(lo, x)),   # ties keep x (-0.0)
    vjp=(lambda g, out, x, lo, hi: where((x >= lo) * (x <= hi), g, 0),),
    jvp=ELEMENTWISE, latex=r"\bar{x} = \bar{y}\,[lo \le x \le hi]")

# ---- functions of two inputs that pick one --------------------------------------------------
# Ties split the gradient in halves, as PyTorch's maximum/minimum do; a NaN (which wins)
# gets the whole gradient, on both sides.
def _pick(g, lost, x, y):
    """0 where this input lost, g/2 on a tie, else g."""
    return where(lost, 0, where(x == y, g / 2, g))


MAXIMUM = Primitive(
    "maximum", lambda xp, x, y: xp.maximum(x, y),
    vjp=(lambda g, out, x, y: _pick(g, x < y, x, y),
         lambda g, out, x, y: _pick(g, y < x, x, y)),
    jvp=ELEMENTWISE, latex=r"\bar{x} = \bar{y}\,[x > z],\quad \bar{z} = \bar{y}\,[z > x]")
MINIMUM = Primitive(
    "minimum", lambda xp, x, y: xp.minimum(x, y),
    vjp=(lambda g, out, x, y: _pick(g, x > y, x, y),
         lambda g, out, x, y: _pick(g, y > x, x, y)),
    jvp=ELEMENTWISE, latex=r"\bar{x} = \bar{y}\,[x < z],\quad \bar{z} = \bar{y}\,[z < x]")
def select(xp, mask, x):
    """``x`` where ``mask`` holds, else 0: ``xp.where(mask, x, 0)``, faster.

    Backward rules select all the time (relu, clip, pooling). NumPy's ``where`` is ~10x
    slower than ``x * mask``, and the product is the same wherever x is finite; only an
    infinite or NaN x (times a False: NaN) needs the real select, and checking for one is
    a cheap pass.
    """
    # (below a few thousand C-ordered elements ``where`` is the cheaper one: one call, no
    # check; it makes C order, so other layouts take the product, which keeps theirs)
    if xp is np and x.dtype.kind == "f" and mask.dtype == bool \
            and (x.size > 4096 or not (x.flags.c_contiguous and mask.flags.c_contiguous)) \
            and np.isfinite(x).all():
        return arithmetic(xp, "multiply", x, mask)      # keeps the full operand's layout
    return xp.where(mask, x, xp.zeros((), dtype=x.dtype))


def _zero(xp, like):
    """A 0-d zero of ``like``'s dtype (a plain 0 on the symbolic device)."""
    return 0 if getattr(xp, "exact", False) else xp.zeros((), dtype=like.dtype)


def _where(xp, cond, x, y):
    if xp is np and cond.dtype == bool:            # the rules' selects: where(mask, g, 0)
        if y.ndim == 0 and x.dtype == y.dtype and y == 0:
            return select(xp, cond, x)
        if x.ndim == 0 and x.dtype == y.dtype and x == 0:
            return select(xp, ~cond, y)
    return xp.where(cond, x, y)


WHERE = Primitive(
    "where", _where,
    vjp=(None, lambda g, out, cond, x, y: where(cond, g, 0),
         lambda g, out, cond, x, y: where(cond, 0, g)),
    jvp=LINEAR, latex=r"\bar{x} = \bar{y}\,[c],\quad \bar{z} = \bar{y}\,[\lnot c]")


def _cast(xp, x, dtype):
    if x.dtype == dtype:
        return x
    if dtype == object:     # symbolic data holds exact SymPy numbers (a mask's 0/1), not bools
        return SYMPY_NAMESPACE.asarray(x)
    return x if x.dtype == object else x.astype(dtype)


ASTYPE = Primitive(
    "astype", _cast, vjp=(lambda g, out, x, dtype: astype(g, x.dtype),),
    jvp=LINEAR, latex=r"\bar{x} = \bar{y}")


# ---- outputs that carry no gradient -------------------------------------------------------
def _comparison(name, fn, display):
    return Primitive(name, lambda xp, x, y: getattr(xp, fn)(x, y), differentiable=False,
                     display=display)


LESS = _comparison("less", "less", "<")
LESS_EQUAL = _comparison("less_equal", "less_equal", "<=")
GREATER = _comparison("greater", "greater", ">")
GREATER_EQUAL = _comparison("greater_equal", "greater_equal", ">=")
EQUAL = _comparison("equal", "equal", "==")
NOT_EQUAL = _comparison("not_equal", "not_equal", "!=")
def _sign(xp, x):
    """-1, 0 or 1; PyTorch's sign(NaN) is 0 (NumPy's is NaN), so abs' gradient at NaN is 0."""
    out = xp.sign(x)
    if getattr(xp, "exact", False) or x.dtype.kind != "f":
        return out
    return xp.where(xp.isnan(out), xp.zeros((), dtype=out.dtype), out)


def _zeros_like_g(g, out, x):
    return zeros_of(g)


# piecewise constant, like floor: PyTorch's gradient is a zero tensor (not "no gradient")
SIGN = Primitive("sign", _sign, vjp=(_zeros_like_g,), jvp=ELEMENTWISE,
                 latex=r"\bar{x} = 0 \text{ (piecewise constant)}")
STEP = Primitive("step", lambda xp, x: _cast(xp, xp.greater(x, 0), x.dtype), differentiable=False,
                 latex=r"\text{Heaviside: } \bar{x} = 0 \text{ almost everywhere}")


# ---- the public functions -------------------------------------------------------------------
def add(x, y): return apply(ADD, *promote(x, y))
def sub(x, y): return apply(SUB, *promote(x, y))
def mul(x, y): return apply(MUL, *promote(x, y))
def div(x, y): return apply(DIV, *promote(x, y, floating=True))
def neg(x): return apply(NEG, x)
def power(x, y): return apply(POWER, *promote(x, y))
def exp(x): return apply(EXP, floating(x))
def log(x): return apply(LOG, floating(x))
def sqrt(x): return apply(SQRT, floating(x))
def sin(x): return apply(SIN, floating(x))
def cos(x): return apply(COS, floating(x))
def tanh(x): return apply(TANH, floating(x))
def sigmoid(x): return apply(SIGMOID, floating(x))
def relu(x): return apply(RELU, x)
def relu_grad(g, y): return apply(RELU_GRAD, g, y)
def tanh_grad(g, y): return apply(TANH_GRAD, g, y)
def sigmoid_grad(g, y): return apply(SIGMOID_GRAD, g, y)
def abs(x): return apply(ABS, x)  # NumPy's name (shadows the builtin here)
def sign(x): return apply(SIGN, x)
def step(x): return apply(STEP, x)
def maximum(x, y): return apply(MAXIMUM, *promote(x, y))
def minimum(x, y): return apply(MINIMUM, *promote(x, y))
def less(x, y): return apply(LESS, x, y)
def less_equal(x, y): return apply(LESS_EQUAL, x, y)
def greater(x, y): return apply(GREATER, x, y)
def greater_equal(x, y): return apply(GREATER_EQUAL, x, y)
def equal(x, y): return apply(EQUAL, x, y)
def not_equal(x, y): return apply(NOT_EQUAL, x, y)


def leaky_relu(x, negative_slope: float = 0.01):
    """x where x > 0, else ``negative_slope * x`` (PyTorch's default slope 0.01)."""
    return apply(LEAKY_RELU, x, negative_slope=negative_slope)


def where(cond, x, y):
    """``x`` where ``cond`` holds, else ``y`` (NumPy's ``where``; no gradient to ``cond``)."""
    return apply(WHERE, cond, *promote(x, y))


def clip(x, lo=None, hi=None):
    """Limit to [lo, hi] (NumPy's ``clip``); the gradient passes where lo <= x <= hi."""
    if lo is None and hi is None:
        raise ValueError("clip: give lo, hi or both")
    return apply(CLIP, x, lo=-float("inf") if lo is None else lo,
                 hi=float("inf") if hi is None else hi)


def astype(x, dtype):
    """A copy converted to ``dtype``; the gradient converts back."""
    return apply(ASTYPE, x, dtype=as_dtype(dtype))
