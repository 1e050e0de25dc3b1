"""VGG (Simonyan & Zisserman, 2014): stacks of 3x3 convolutions and 2x2 max pooling.

Two stacked 3x3 convolutions see 5x5 and three see 7x7, with fewer weights than one big
kernel (3 * 9 C^2 against 49 C^2) and more non-linearities. VGG-16: 138,357,544 parameters,
nearly 90% of them in the first dense layer (512 * 7 * 7 -> 4096).
"""
from __future__ import annotations

from ..containers import Sequential
from ..layers.activation import ReLU
from ..layers.conv import Conv2d
from ..layers.norm import BatchNorm2d
from ..layers.pool import MaxPool2d
from .alexnet import FeaturesClassifier, dense_head

CONFIGS = {
    "vgg11": [64, "M", 128, "M", 256, 256, "M", 512, 512, "M", 512, 512, "M"],
    "vgg13": [64, 64, "M", 128, 128, "M", 256, 256, "M", 512, 512, "M", 512, 512, "M"],
    "vgg16": [64, 64, "M", 128, 128, "M", 256, 256, 256, "M", 512, 512, 512, "M",
              512, 512, 512, "M"],
    "vgg_mini": [16, 16, "M", 32, 32, "M"],
}


class VGG(FeaturesClassifier):
    pass


def make_features(config, in_channels: int, batch_norm: bool = False) -> Sequential:
    """A number is a 3x3 convolution (padding 1) with that many filters, then ReLU; "M" a
    2x2 max pooling that halves the map."""
    layers = []
    for item in config:
        if item == "M":
            layers.append(MaxPool2d(2, 2))
            continue
        layers.append(Conv2d(in_channels, item, 3, padding=1))
        if batch_norm:
            layers.append(BatchNorm2d(item))
        layers.append(ReLU(True))
        in_channels = item
    return Sequential(*layers)


def _vgg(name: str, in_channels: int, num_classes: int, batch_norm: bool, pool: int,
         hidden: int, dropout: float) -> VGG:
    config = CONFIGS[name]
    features = make_features(config, in_channels, batch_norm)
    width = [c for c in config if c != "M"][-1] * pool * pool
    return VGG(features, pool, dense_head(width, hidden, num_classes, dropout, False))


def vgg11(in_channels: int = 3, num_classes: int = 1000, batch_norm: bool = False,
          dropout: float = 0.5) -> VGG:
    """VGG-11 ("A"): 132,863,336 parameters."""
    return _vgg("vgg11", in_channels, num_classes, batch_norm, 7, 4096, dropout)


def vgg16(in_channels: int = 3, num_classes: int = 1000, batch_norm: bool = False,
          dropout: float = 0.5) -> VGG:
    """VGG-16 ("D"): 138,357,544 parameters."""
    return _vgg("vgg16", in_channels, num_classes, batch_norm, 7, 4096, dropout)


def vgg_mini(in_channels: int = 1, num_classes: int = 10, batch_norm: bool = False,
             dropout: float = 0.25) -> VGG:
    """VGG's pattern for 8x8 digits: two 3x3 stages (16 and 32 filters), adaptive pooling
    to 2x2, dense 128 -> 64 -> 64 -> classes."""
    return _vgg("vgg_mini", in_channels, num_classes, batch_norm, 2, 64, dropout)
