"""LeNet-5 (LeCun et al., 1998): two convolution + subsampling stages, three dense layers.

The classic network reads 32x32 images: 32 -5-> 28 -pool-> 14 -5-> 10 -pool-> 5, so the
dense part starts from 16 * 5 * 5 = 400 features; 61,706 parameters in all (the common
simplification with full C3 connections and plain average pooling).
"""
from __future__ import annotations

from collections import OrderedDict

from ..containers import Sequential
from ..layers.activation import ReLU, Tanh
from ..layers.conv import Conv2d
from ..layers.linear import Flatten, Linear
from ..layers.pool import AdaptiveAvgPool2d, AvgPool2d, MaxPool2d


class LeNet5(Sequential):
    """conv1, pool1, conv2, pool2, fc1, fc2, fc3 with the given activation and pooling.

    ``adaptive``: an ``AdaptiveAvgPool2d`` to a ``adaptive`` x ``adaptive`` map before the
    dense layers, so any input size works (the mini version's choice).
    """

    def __init__(self, in_channels: int = 1, num_classes: int = 10, channels=(6, 16),
                 hidden=(120, 84), kernel_size: int = 5, padding: int = 0,
                 activation: str = "tanh", pooling: str = "avg", adaptive: int | None = None,
                 flat_size: int = 5):
        act = {"tanh": Tanh, "relu": ReLU}[activation]
        pool = {"avg": AvgPool2d, "max": MaxPool2d}[pooling]
        c1, c2 = channels
        layers = OrderedDict(
            conv1=Conv2d(in_channels, c1, kernel_size, padding=padding), act1=act(),
            pool1=pool(2), conv2=Conv2d(c1, c2, kernel_size, padding=padding), act2=act(),
            pool2=pool(2))
        if adaptive is not None:
            layers["pool3"] = AdaptiveAvgPool2d(adaptive)
            flat_size = adaptive
        layers["flatten"] = Flatten()
        width = c2 * flat_size * flat_size
        for i, h in enumerate(hidden, start=1):
            layers[f"fc{i}"] = Linear(width, h)
            layers[f"act{i + 2}"] = act()
            width = h
        layers[f"fc{len(hidden) + 1}"] = Linear(width, num_classes)
        super().__init__(layers)


def lenet5(in_channels: int = 1, num_classes: int = 10) -> LeNet5:
    """The classic LeNet-5 for 32x32 images (tanh, average pooling): 61,706 parameters."""
    return LeNet5(in_channels, num_classes)


def lenet5_mini(in_channels: int = 1, num_classes: int = 10) -> LeNet5:
    """LeNet-5's shape for 8x8 digits (or any larger image): 3x3 convolutions with padding,
    ReLU, max pooling, adaptive pooling to 2x2, dense layers 64 -> 32 -> 10."""
    return LeNet5(in_channels, num_classes, channels=(8, 16), hidden=(32,), kernel_size=3,
                  padding=1, activation="relu", pooling="max", adaptive=2)
