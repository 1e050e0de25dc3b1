"""The one random-number generator ``nn`` draws from (weight initialisation, dropout).

``nn.manual_seed(seed)`` replaces it, so two runs with the same seed build the same weights
and drop the same units: the experiments of a course can be repeated exactly.
"""
from __future__ import annotations

import numpy as np

_GENERATOR = [np.random.default_rng()]


def manual_seed(seed: int) -> np.random.Generator:
    """Restart ``nn``'s random numbers from ``seed`` (PyTorch's ``torch.manual_seed``)."""
    _GENERATOR[0] = np.random.default_rng(seed)
    return _GENERATOR[0]


def generator() -> np.random.Generator:
    """The NumPy generator behind ``nn.init`` and dropout."""
    return _GENERATOR[0]
