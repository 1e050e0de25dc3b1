"""A multilayer perceptron: flatten the input, then dense layers with ReLU between them."""
from __future__ import annotations

from collections import OrderedDict

from ..containers import Sequential
from ..layers.activation import ReLU
from ..layers.linear import Flatten, Linear


def mlp(in_features: int = 64, hidden=(64,), num_classes: int = 10) -> Sequential:
    """Flatten, then Linear + ReLU for each hidden width, then a Linear to the classes.
    The default reads 8x8 digits (64 pixels)."""
    layers = OrderedDict(flatten=Flatten())
    width = in_features
    for i, h in enumerate(hidden, start=1):
        layers[f"fc{i}"] = Linear(width, h)
        layers[f"relu{i}"] = ReLU()
        width = h
    layers[f"fc{len(hidden) + 1}"] = Linear(width, num_classes)
    return Sequential(layers)
