"""ResNet (He et al., 2015) as torchvision builds it: a stem, four stages of residual
blocks (each stage after the first halves the map and widens it), global average pooling,
one dense layer. ResNet-18: 11,689,512 parameters; ResNet-50: 25,557,032.
"""
from __future__ import annotations

import autodiff as ad

from .. import init
from ..containers import Identity, Sequential
from ..layers.activation import ReLU
from ..layers.blocks import Bottleneck, ResidualBlock
from ..layers.conv import Conv2d
from ..layers.linear import Linear
from ..layers.norm import BatchNorm2d
from ..layers.pool import AdaptiveAvgPool2d, MaxPool2d
from ..module import Module


class ResNet(Module):
    """``block`` "basic" (ResidualBlock) or "bottleneck" (Bottleneck, 4x wider outputs);
    ``layers`` blocks per stage; ``widths`` channels per stage.

    ``stem`` "imagenet": 7x7 stride-2 convolution and a 3x3 stride-2 max pool (224 -> 56);
    "small": one 3x3 convolution and no pooling, for tiny images such as 8x8 digits.
    Convolutions start from kaiming_normal_(mode="fan_out", nonlinearity="relu"), as in
    torchvision.
    """

    def __init__(self, block: str, layers, widths=(64, 128, 256, 512), in_channels: int = 3,
                 num_classes: int = 1000, stem: str = "imagenet"):
        super().__init__()
        expansion = {"basic": 1, "bottleneck": 4}[block]
        first = widths[0]
        if stem == "imagenet":
            self.conv1 = Conv2d(in_channels, first, 7, stride=2, padding=3, bias=False)
        else:
            self.conv1 = Conv2d(in_channels, first, 3, padding=1, bias=False)
        self.bn1 = BatchNorm2d(first)
        self.relu = ReLU(inplace=True)
        self.maxpool = MaxPool2d(3, stride=2, padding=1) if stem == "imagenet" else Identity()
        channels = first
        for i, (count, width) in enumerate(zip(layers, widths), start=1):
            blocks = []
            for j in range(count):
                stride = 2 if i > 1 and j == 0 else 1
                if block == "basic":
                    blocks.append(ResidualBlock(channels, width, stride))
                else:
                    blocks.append(Bottleneck(channels, width, width * expansion, stride))
                channels = width * expansion
            setattr(self, f"layer{i}", Sequential(*blocks))
        self.num_stages = len(layers)
        self.avgpool = AdaptiveAvgPool2d((1, 1))
        self.fc = Linear(channels, num_classes)
        for module in self.modules():
            if isinstance(module, Conv2d):
                init.kaiming_normal_(module.weight, mode="fan_out", nonlinearity="relu")

    def forward(self, x):
        x = self.maxpool(self.relu(self.bn1(self.conv1(x))))
        for i in range(1, self.num_stages + 1):
            x = getattr(self, f"layer{i}")(x)
        return self.fc(ad.flatten(self.avgpool(x), 1))


def resnet18(in_channels: int = 3, num_classes: int = 1000) -> ResNet:
    return ResNet("basic", (2, 2, 2, 2), in_channels=in_channels, num_classes=num_classes)


def resnet34(in_channels: int = 3, num_classes: int = 1000) -> ResNet:
    return ResNet("basic", (3, 4, 6, 3), in_channels=in_channels, num_classes=num_classes)


def resnet50(in_channels: int = 3, num_classes: int = 1000) -> ResNet:
    return ResNet("bottleneck", (3, 4, 6, 3), in_channels=in_channels, num_classes=num_classes)


def resnet_mini(in_channels: int = 1, num_classes: int = 10) -> ResNet:
    """A ResNet for 8x8 digits: a 3x3 stem with 16 channels, one residual block at 16
    channels, one at 32 with stride 2 (a projection shortcut), global pooling, dense."""
    return ResNet("basic", (1, 1), widths=(16, 32), in_channels=in_channels,
                  num_classes=num_classes, stem="small")
