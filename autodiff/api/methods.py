"""The one table binding Tensor method names to functions: ``x.unsqueeze(0)`` is
``shape.unsqueeze(x, 0)``. Aliases (NumPy's names, PyTorch's synonyms) are rows too.

Arithmetic operators (+ - * / ** @ and comparisons) live on the class in tensor.py; the
rest of the surface is bound here when autodiff is imported.
"""
from __future__ import annotations

from ..ops import elementwise as ew
from ..ops import linalg as lin
from ..tensor import Tensor
from . import composites as more
from . import convert, creation, reduce, shape
from . import math as m


def _swap(fn):
    """The reflected operator (``2 // x``): the same function with its operands swapped."""
    return lambda x, y: fn(y, x)


METHODS = {
    # ---- element-wise ---------------------------------------------------------------------
    "abs": ew.abs, "neg": ew.neg, "negative": ew.neg, "exp": ew.exp, "expm1": m.expm1,
    "log": ew.log, "log1p": m.log1p, "sqrt": ew.sqrt, "rsqrt": m.rsqrt, "sin": ew.sin,
    "cos": ew.cos, "tanh": ew.tanh, "sigmoid": ew.sigmoid, "relu": ew.relu, "sign": ew.sign,
    "floor": m.floor, "ceil": m.ceil, "round": m.round, "trunc": m.trunc,
    "reciprocal": m.reciprocal, "square": m.square, "pow": ew.power,
    "clamp": m.clamp, "clip": m.clamp, "clamp_min": m.clamp_min, "clamp_max": m.clamp_max,
    "maximum": ew.maximum, "minimum": ew.minimum, "nan_to_num": m.nan_to_num,
    "add": m.add, "sub": m.sub, "mul": ew.mul, "div": m.div, "true_divide": m.true_divide,
    "divide": m.div, "subtract": m.sub, "multiply": ew.mul,
    "remainder": m.remainder, "floor_divide": m.floor_divide,
    "softmax": m.softmax, "log_softmax": m.log_softmax,
    "logical_and": m.logical_and, "logical_or": m.logical_or, "logical_xor": m.logical_xor,
    "logical_not": m.logical_not, "isnan": m.isnan, "isinf": m.isinf, "isfinite": m.isfinite,
    "eq": ew.equal, "ne": ew.not_equal, "lt": ew.less, "le": ew.less_equal,
    "gt": ew.greater, "ge": ew.greater_equal, "isclose": m.isclose, "allclose": m.allclose,
    "equal": m.equal,
    "where": lambda x, condition, y: shape.where(condition, x, y),
    # ---- operators beyond arithmetic -------------------------------------------------------
    "__floordiv__": m.floor_divide, "__rfloordiv__": _swap(m.floor_divide),
    "__mod__": m.remainder, "__rmod__": _swap(m.remainder),
    "__invert__": m.bitwise_not, "__and__": m.bitwise_and, "__rand__": _swap(m.bitwise_and),
    "__or__": m.bitwise_or, "__ror__": _swap(m.bitwise_or),
    "__xor__": m.bitwise_xor, "__rxor__": _swap(m.bitwise_xor),
    # ---- dtype and device -------------------------------------------------------------------
    "to": convert.to, "type": convert.type, "astype": ew.astype,
    "float": convert.float, "double": convert.double, "half": convert.half,
    "long": convert.long, "int": convert.int, "bool": convert.bool,
    "is_floating_point": convert.is_floating_point, "element_size": convert.element_size,
    "new_tensor": creation.new_tensor, "new_zeros": creation.new_zeros,
    "new_ones": creation.new_ones, "new_empty": creation.new_zeros,
    "new_full": creation.new_full,
    # ---- shape ------------------------------------------------------------------------------
    "size": shape.size, "numel": shape.numel, "nelement": shape.numel, "dim": shape.dim,
    "ndimension": shape.dim,
    "view": shape.view, "view_as": shape.view_as, "reshape": shape.reshape,
    "contiguous": shape.contiguous, "flatten": shape.flatten, "unflatten": shape.unflatten,
    "unsqueeze": shape.unsqueeze, "expand_dims": shape.unsqueeze, "squeeze": shape.squeeze,
    "permute": shape.permute, "transpose": shape.transpose, "swapaxes": shape.transpose,
    "swapdims": shape.transpose, "t": shape.t, "movedim": shape.movedim,
    "expand": shape.expand, "expand_as": shape.expand_as, "broadcast_to": shape.expand,
    "repeat": shape.repeat, "chunk": shape.chunk, "split": shape.split,
    "unbind": shape.unbind, "narrow": shape.narrow, "flip": shape.flip, "roll": shape.roll,
    # ---- indexing ---------------------------------------------------------------------------
    "index_select": shape.index_select, "select": shape.select, "gather": shape.gather,
    "scatter": shape.scatter, "scatter_add": shape.scatter_add,
    "masked_fill": shape.masked_fill, "nonzero": shape.nonzero, "clone": shape.clone,
    # ---- reductions -------------------------------------------------------------------------
    "sum": reduce.sum, "mean": reduce.mean, "prod": reduce.prod, "var": reduce.var,
    "std": reduce.std, "amax": reduce.amax, "amin": reduce.amin, "max": reduce.max,
    "min": reduce.min, "argmax": reduce.argmax, "argmin": reduce.argmin,
    "logsumexp": reduce.logsumexp, "norm": reduce.norm, "all": reduce.all, "any": reduce.any,
    "cumsum": reduce.cumsum, "count_nonzero": reduce.count_nonzero, "sort": reduce.sort,
    "argsort": reduce.argsort, "topk": reduce.topk, "median": reduce.median,
    "nansum": more.nansum, "nanmean": more.nanmean,
    # ---- composites (autodiff/api/composites.py) ----------------------------------------------
    "tril": more.tril, "triu": more.triu, "diagonal": more.diagonal, "diag": more.diag,
    "trace": more.trace, "log2": more.log2, "log10": more.log10, "exp2": more.exp2,
    "sinh": more.sinh, "cosh": more.cosh, "tan": more.tan, "lerp": more.lerp,
    "addcmul": more.addcmul, "addcdiv": more.addcdiv, "masked_select": more.masked_select,
    "take_along_dim": more.take_along_dim, "argwhere": more.argwhere,
    "repeat_interleave": more.repeat_interleave, "is_contiguous": more.is_contiguous,
    "sgn": more.sgn, "positive": more.positive, "frac": more.frac, "isposinf": more.isposinf, "isneginf": more.isneginf, "fmod": more.fmod,
    "hypot": more.hypot, "fmax": more.fmax, "fmin": more.fmin, "xlogy": more.xlogy, "heaviside": more.heaviside, "diff": more.diff, "aminmax": more.aminmax,
    # ---- products ---------------------------------------------------------------------------
    "matmul": lin.matmul, "mm": m.mm, "bmm": m.bmm, "mv": m.mv, "dot": m.dot, "outer": m.outer,
}

PROPERTIES = {
    "T": shape.reversed_dims,            # every dim reversed
    "mT": shape.matrix_transpose,        # the last two dims swapped
    "is_cuda": lambda x: x.device == "cuda",
}


def bind() -> None:
    """Put every row of the tables on Tensor (run once, when autodiff is imported)."""
    for name, fn in METHODS.items():
        setattr(Tensor, name, fn)
    for name, fn in PROPERTIES.items():
        setattr(Tensor, name, property(fn))


bind()
