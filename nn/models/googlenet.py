"""GoogLeNet (Szegedy et al., 2014) as torchvision builds it (without the auxiliary
classifiers): a stem, nine Inception modules, global pooling, dropout, one dense layer;
6,624,904 parameters, a twentieth of VGG-16's for better accuracy.
"""
from __future__ import annotations

import autodiff as ad

from ..layers.blocks import BasicConv2d, Inception
from ..layers.dropout import Dropout
from ..layers.linear import Linear
from ..layers.pool import AdaptiveAvgPool2d, MaxPool2d
from ..module import Module

# in_ch, c1, c3_reduce, c3, c5_reduce, c5, pool_proj (the paper's table 1)
INCEPTIONS = {
    "inception3a": (192, 64, 96, 128, 16, 32, 32),
    "inception3b": (256, 128, 128, 192, 32, 96, 64),
    "maxpool3": None,
    "inception4a": (480, 192, 96, 208, 16, 48, 64),
    "inception4b": (512, 160, 112, 224, 24, 64, 64),
    "inception4c": (512, 128, 128, 256, 24, 64, 64),
    "inception4d": (512, 112, 144, 288, 32, 64, 64),
    "inception4e": (528, 256, 160, 320, 32, 128, 128),
    "maxpool4": None,
    "inception5a": (832, 256, 160, 320, 32, 128, 128),
    "inception5b": (832, 384, 192, 384, 48, 128, 128),
}


class GoogLeNet(Module):
    """torchvision's GoogLeNet(aux_logits=False): its module names and parameter count
    (its "5x5" branches use 3x3 kernels, a known slip kept for its weights)."""

    def __init__(self, in_channels: int = 3, num_classes: int = 1000, dropout: float = 0.2):
        super().__init__()
        self.conv1 = BasicConv2d(in_channels, 64, 7, stride=2, padding=3)
        self.maxpool1 = MaxPool2d(3, stride=2, ceil_mode=True)
        self.conv2 = BasicConv2d(64, 64, 1)
        self.conv3 = BasicConv2d(64, 192, 3, padding=1)
        self.maxpool2 = MaxPool2d(3, stride=2, ceil_mode=True)
        for name, sizes in INCEPTIONS.items():
            if sizes is None:
                kernel = 3 if name == "maxpool3" else 2
                setattr(self, name, MaxPool2d(kernel, stride=2, ceil_mode=True))
            else:
                setattr(self, name, Inception(*sizes, c5_kernel_size=3))
        self.avgpool = AdaptiveAvgPool2d((1, 1))
        self.dropout = Dropout(dropout)
        self.fc = Linear(1024, num_classes)

    def forward(self, x):
        x = self.maxpool1(self.conv1(x))
        x = self.maxpool2(self.conv3(self.conv2(x)))
        for name in INCEPTIONS:
            x = getattr(self, name)(x)
        x = ad.flatten(self.avgpool(x), 1)
        return self.fc(self.dropout(x))


def googlenet(in_channels: int = 3, num_classes: int = 1000, dropout: float = 0.2) -> GoogLeNet:
    return GoogLeNet(in_channels, num_classes, dropout)


class GoogLeNetMini(Module):
    """GoogLeNet's pattern for 8x8 digits: a 3x3 stem, two Inception modules (with real 5x5
    branches) around a max pool, global pooling, dropout, dense."""

    def __init__(self, in_channels: int = 1, num_classes: int = 10, dropout: float = 0.2):
        super().__init__()
        self.conv1 = BasicConv2d(in_channels, 16, 3, padding=1)
        self.inception3a = Inception(16, 8, 8, 16, 4, 8, 8)       # 8 + 16 + 8 + 8 = 40
        self.maxpool3 = MaxPool2d(2, stride=2, ceil_mode=True)
        self.inception4a = Inception(40, 16, 12, 24, 4, 8, 8)     # 16 + 24 + 8 + 8 = 56
        self.avgpool = AdaptiveAvgPool2d((1, 1))
        self.dropout = Dropout(dropout)
        self.fc = Linear(56, num_classes)

    def forward(self, x):
        x = self.inception4a(self.maxpool3(self.inception3a(self.conv1(x))))
        return self.fc(self.dropout(ad.flatten(self.avgpool(x), 1)))


def googlenet_mini(in_channels: int = 1, num_classes: int = 10,
                   dropout: float = 0.2) -> GoogLeNetMini:
    return GoogLeNetMini(in_channels, num_classes, dropout)
