"""AlexNet (Krizhevsky et al., 2012) as torchvision builds it: five convolutions, three
dense layers with dropout, 61,100,840 parameters (torchvision drops the paper's local
response normalisation; ``alexnet_mini`` keeps one to show it).
"""
from __future__ import annotations

import autodiff as ad

from ..containers import Sequential
from ..layers.activation import ReLU
from ..layers.conv import Conv2d
from ..layers.dropout import Dropout
from ..layers.linear import Linear
from ..layers.norm import LocalResponseNorm
from ..layers.pool import AdaptiveAvgPool2d, MaxPool2d
from ..module import Module


class FeaturesClassifier(Module):
    """features (convolutions) -> avgpool (adaptive, to a fixed map) -> flatten ->
    classifier (dense layers): the shape of AlexNet and VGG in torchvision."""

    def __init__(self, features: Sequential, pool_size: int, classifier: Sequential):
        super().__init__()
        self.features = features
        self.avgpool = AdaptiveAvgPool2d((pool_size, pool_size))
        self.classifier = classifier

    def forward(self, x):
        x = self.avgpool(self.features(x))
        return self.classifier(ad.flatten(x, 1))


class AlexNet(FeaturesClassifier):
    pass


def dense_head(width: int, hidden: int, num_classes: int, dropout: float,
               dropout_first: bool) -> Sequential:
    """Two hidden dense layers with ReLU and dropout, then the class scores. AlexNet puts
    each dropout before its Linear, VGG after its ReLU (torchvision's orders and indices)."""
    if dropout_first:
        return Sequential(Dropout(dropout), Linear(width, hidden), ReLU(True), Dropout(dropout),
                          Linear(hidden, hidden), ReLU(True), Linear(hidden, num_classes))
    return Sequential(Linear(width, hidden), ReLU(True), Dropout(dropout),
                      Linear(hidden, hidden), ReLU(True), Dropout(dropout),
                      Linear(hidden, num_classes))


def alexnet(in_channels: int = 3, num_classes: int = 1000, dropout: float = 0.5) -> AlexNet:
    """torchvision's AlexNet for 224x224 images (any size >= 63 works: adaptive pooling)."""
    features = Sequential(
        Conv2d(in_channels, 64, 11, stride=4, padding=2), ReLU(True), MaxPool2d(3, 2),
        Conv2d(64, 192, 5, padding=2), ReLU(True), MaxPool2d(3, 2),
        Conv2d(192, 384, 3, padding=1), ReLU(True),
        Conv2d(384, 256, 3, padding=1), ReLU(True),
        Conv2d(256, 256, 3, padding=1), ReLU(True), MaxPool2d(3, 2))
    return AlexNet(features, 6, dense_head(256 * 6 * 6, 4096, num_classes, dropout, True))


def alexnet_mini(in_channels: int = 1, num_classes: int = 10, dropout: float = 0.25) -> AlexNet:
    """AlexNet's pattern for 8x8 digits: conv, LRN, pool, conv, pool, two convs, adaptive
    pooling to 2x2, dropout + dense layers."""
    features = Sequential(
        Conv2d(in_channels, 16, 3, padding=1), ReLU(True), LocalResponseNorm(5),
        MaxPool2d(2), Conv2d(16, 32, 3, padding=1), ReLU(True), MaxPool2d(2),
        Conv2d(32, 32, 3, padding=1), ReLU(True), Conv2d(32, 32, 3, padding=1), ReLU(True))
    return AlexNet(features, 2, dense_head(32 * 2 * 2, 64, num_classes, dropout, True))
