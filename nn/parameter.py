"""Parameter: the tensors a model learns."""
from __future__ import annotations

from typing import Any

import numpy as np

from autodiff import Tensor, get_default_dtype


class Parameter(Tensor):
    """A tensor that is a learnable weight: it requires a gradient, a module registers it when
    it is assigned to an attribute, and optimizers update it in place.

    ``Parameter(data)`` shares ``data``'s array when ``data`` is a tensor (PyTorch does too).
    """

    __slots__ = ()

    def __init__(self, data: Any = None, requires_grad: bool = True):
        if data is None:
            data = np.empty(0, dtype=get_default_dtype())
        super().__init__(data, requires_grad=requires_grad)

    def __repr__(self) -> str:
        return "Parameter containing:\n" + super().__repr__()
