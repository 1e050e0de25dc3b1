"""autodiff: tensors that record a graph, one table of primitives, and every view derived
from it (reverse and forward mode, NumPy/CuPy numbers, SymPy algebra).

>>> import autodiff as ad
>>> x = ad.tensor([1.0, 2.0], requires_grad=True)
>>> (x * x).sum().backward()
>>> x.grad.numpy().tolist()
[2.0, 4.0]
"""
from .tensor import Tensor, apply, tensor  # first: the ops are defined on Tensor
from .backend import asnumpy, get_backend, register_backend
from .dtypes import float32, float64, get_default_dtype, set_default_dtype
from .functional import avg_pool2d, conv2d, log_softmax, max_pool2d, softmax
from .modes import enable_grad, is_grad_enabled, no_grad, scope
from .ops.elementwise import (abs, add, astype, clip, cos, div, equal, exp, greater,
                              greater_equal, leaky_relu, less, less_equal, log, maximum,
                              minimum, mul, neg, not_equal, power, relu, sigmoid, sign, sin,
                              sqrt, step, sub, tanh, where)
from .ops.linalg import matmul
from .ops.reduce import logsumexp, max, mean, min, sum, var
from .ops.shape import (broadcast_to, concatenate, expand_dims, flatten, getitem, pad,
                        reshape, squeeze, stack, transpose)
from .ops.window import fold, unfold
from .primitive import PRIMITIVES, Primitive
from .reverse import backward, gradients
from .symbolic.symbols import symbols
from .testing import GradcheckError, detect_anomaly, gradcheck, gradgradcheck
from .transforms import grad, hessian, jacobian, jvp, value_and_grad, vjp

__version__ = "0.1.0"

__all__ = [
    "Tensor", "tensor", "apply", "Primitive", "PRIMITIVES",
    "float32", "float64", "get_default_dtype", "set_default_dtype",
    "no_grad", "enable_grad", "is_grad_enabled", "scope", "detect_anomaly",
    "asnumpy", "get_backend", "register_backend",
    "add", "sub", "mul", "div", "neg", "power", "exp", "log", "sqrt", "sin", "cos", "tanh",
    "sigmoid", "relu", "leaky_relu", "abs", "sign", "step", "maximum", "minimum", "where",
    "clip", "astype", "less", "less_equal", "greater", "greater_equal", "equal", "not_equal",
    "sum", "mean", "var", "max", "min", "logsumexp", "softmax", "log_softmax",
    "matmul", "reshape", "transpose", "broadcast_to", "concatenate", "stack", "pad",
    "squeeze", "expand_dims", "flatten", "getitem", "unfold", "fold",
    "conv2d", "max_pool2d", "avg_pool2d",
    "backward", "gradients", "grad", "value_and_grad", "vjp", "jvp", "jacobian", "hessian",
    "gradcheck", "gradgradcheck", "GradcheckError", "symbols",
]
