"""The one random-number generator: ``ad.rand``, ``nn.init``, dropout and data shuffling
draw from it, and ``ad.manual_seed(seed)`` (which ``nn.manual_seed`` is) restarts it, so two
runs with the same seed build the same weights and drop the same units.
"""
from __future__ import annotations

import numpy as np

_GENERATOR = [np.random.default_rng()]


def manual_seed(seed: int) -> np.random.Generator:
    """Restart the random numbers from ``seed`` (PyTorch's ``torch.manual_seed``)."""
    _GENERATOR[0] = np.random.default_rng(seed)
    return _GENERATOR[0]


def generator() -> np.random.Generator:
    """The NumPy generator behind ``ad.rand*``, ``nn.init`` and dropout."""
    return _GENERATOR[0]
