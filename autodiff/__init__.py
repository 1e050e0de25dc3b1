"""autodiff: tensors that record a graph, one table of primitives, and every view derived
from it (reverse and forward mode, NumPy/CuPy numbers, SymPy algebra).

>>> import autodiff as ad
>>> x = ad.tensor([1.0, 2.0], requires_grad=True)
>>> (x * x).sum().backward()
>>> x.grad.numpy().tolist()
[2.0, 4.0]
"""
# ruff: noqa: I001  (the tensor module must load first: every op is defined on Tensor)
from .tensor import Tensor, apply, as_tensor, tensor  # first: the ops are defined on Tensor
from . import allocator as _allocator  # noqa: F401  (keeps freed memory for reuse)
from . import viz
from .backend import asnumpy, get_backend, register_backend
from .dtypes import float32, float64, get_default_dtype, set_default_dtype
from .functional import avg_pool2d, conv2d, log_softmax, max_pool2d, softmax
from .modes import enable_grad, is_grad_enabled, no_grad, scope, set_grad_enabled
from . import autograd
from .ops.elementwise import (
                              abs,
                              add,
                              astype,
                              clip,
                              cos,
                              div,
                              equal,
                              exp,
                              greater,
                              greater_equal,
                              leaky_relu,
                              less,
                              less_equal,
                              log,
                              maximum,
                              minimum,
                              mul,
                              neg,
                              not_equal,
                              power,
                              relu,
                              sigmoid,
                              sign,
                              sin,
                              sqrt,
                              step,
                              sub,
                              tanh,
                              where,
)
from .ops.linalg import linear, matmul
from .ops.normalize import normalize, normalize_affine
from .ops.reduce import logsumexp, max, mean, min, sum, var
from .ops.shape import (
                              broadcast_to,
                              concatenate,
                              expand_dims,
                              flatten,
                              getitem,
                              pad,
                              reshape,
                              squeeze,
                              stack,
                              transpose,
)
from .ops.window import fold, unfold
from .primitive import PRIMITIVES, Primitive
from .reverse import backward, gradients
from .symbolic.compile import compile
from .symbolic.derive import Derivation, derive
from .symbolic.parser import parse_expression
from .symbolic.symbols import symbols
from .testing import GradcheckError, detect_anomaly, gradcheck, gradgradcheck
from .transforms import grad, hessian, jacobian, jvp, value_and_grad, vjp
from .viz import draw, draw_steps

__version__ = "0.1.0"

__all__ = [
                              "PRIMITIVES",
                              "Derivation",
                              "GradcheckError",
                              "Primitive",
                              "Tensor",
                              "abs",
                              "add",
                              "apply",
                              "as_tensor",
                              "asnumpy",
                              "astype",
                              "autograd",
                              "avg_pool2d",
                              "backward",
                              "broadcast_to",
                              "clip",
                              "compile",
                              "concatenate",
                              "conv2d",
                              "cos",
                              "derive",
                              "detect_anomaly",
                              "div",
                              "draw",
                              "draw_steps",
                              "enable_grad",
                              "equal",
                              "exp",
                              "expand_dims",
                              "flatten",
                              "float32",
                              "float64",
                              "fold",
                              "get_backend",
                              "get_default_dtype",
                              "getitem",
                              "grad",
                              "gradcheck",
                              "gradgradcheck",
                              "gradients",
                              "greater",
                              "greater_equal",
                              "hessian",
                              "is_grad_enabled",
                              "jacobian",
                              "jvp",
                              "leaky_relu",
                              "less",
                              "less_equal",
                              "linear",
                              "log",
                              "log_softmax",
                              "logsumexp",
                              "matmul",
                              "max",
                              "max_pool2d",
                              "maximum",
                              "mean",
                              "min",
                              "minimum",
                              "mul",
                              "neg",
                              "no_grad",
                              "normalize",
                              "normalize_affine",
                              "not_equal",
                              "pad",
                              "parse_expression",
                              "power",
                              "register_backend",
                              "relu",
                              "reshape",
                              "scope",
                              "set_default_dtype",
                              "set_grad_enabled",
                              "sigmoid",
                              "sign",
                              "sin",
                              "softmax",
                              "sqrt",
                              "squeeze",
                              "stack",
                              "step",
                              "sub",
                              "sum",
                              "symbols",
                              "tanh",
                              "tensor",
                              "transpose",
                              "unfold",
                              "value_and_grad",
                              "var",
                              "viz",
                              "vjp",
                              "where",
]
