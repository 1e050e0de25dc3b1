"""``ad.utils``: PyTorch's ``torch.utils``. ``ad.utils.data`` is ``nn.data`` itself (the same
Dataset, TensorDataset, DataLoader... objects), loaded on first use: autodiff never imports
nn when it is imported.
"""
from __future__ import annotations

import importlib


def __getattr__(name: str):
    if name == "data":
        return importlib.import_module("nn.data")
    raise AttributeError(f"module 'autodiff.utils' has no attribute {name!r}")
