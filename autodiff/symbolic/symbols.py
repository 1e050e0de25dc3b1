"""Symbolic tensors: leaves whose elements are SymPy symbols.

They go through the very same ops as numeric tensors (the SymPy namespace runs each op's
forward and rules on object arrays), so a graph built from them is exact algebra.
"""
from __future__ import annotations

import itertools

import numpy as np
import sympy

from ..tensor import Tensor


def symbols(names: str, shape: tuple[int, ...] | None = None, real: bool = True):
    """Symbolic scalars ``symbols("w x b")`` (a tuple; one name gives one tensor), or one
    symbolic tensor ``symbols("K", shape=(2, 2))`` with elements K_0_0, K_0_1, ...

    They require a gradient, so everything computed from them is recorded.
    """
    parts = names.replace(",", " ").split()
    if not parts:
        raise ValueError("symbols: give at least one name")
    for name in parts:
        if not name.isidentifier():
            raise ValueError(f"symbols: {name!r} is not a valid name")
    made = [_symbolic_tensor(name, shape, real) for name in parts]
    return made[0] if len(made) == 1 else tuple(made)


def _symbolic_tensor(name: str, shape, real: bool) -> Tensor:
    if shape is None:
        array = np.empty((), dtype=object)
        array[()] = sympy.Symbol(name, real=real)
    else:
        shape = (shape,) if isinstance(shape, int) else tuple(shape)
        array = np.empty(shape, dtype=object)
        for index in itertools.product(*(range(n) for n in shape)):
            array[index] = sympy.Symbol("_".join([name, *map(str, index)]), real=real)
    t = Tensor._wrap(array)
    t.name = name
    t.requires_grad = True
    return t
