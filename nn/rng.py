"""``nn``'s random numbers come from autodiff's one generator (``ad.manual_seed``):
``nn.manual_seed`` is the same function, so either seeds weights, dropout and ``ad.rand``.
"""
from __future__ import annotations

from autodiff.api.random import generator, manual_seed

__all__ = ["generator", "manual_seed"]
