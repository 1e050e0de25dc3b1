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


def generator(source: Generator | None = None) -> np.random.Generator:
    """The NumPy generator behind ``ad.rand*``, ``nn.init`` and dropout (or ``source``'s own)."""
    return _GENERATOR[0] if source is None else source.numpy


class Generator:
    """``torch.Generator``: a stream of random numbers of its own, for ``generator=`` of
    ``ad.rand*``, ``random_split`` and ``DataLoader`` (``Generator().manual_seed(0)``)."""

    def __init__(self, device: str = "cpu"):
        self.device = device
        self.manual_seed(int(np.random.SeedSequence().entropy % 2**63))

    def manual_seed(self, seed: int) -> Generator:
        self._seed = int(seed)
        self.numpy = np.random.default_rng(self._seed)
        return self

    def initial_seed(self) -> int:
        return self._seed

    def seed(self) -> int:
        """Reseed from fresh entropy; returns the new seed."""
        return self.manual_seed(int(np.random.SeedSequence().entropy % 2**63))._seed
