"""The building blocks of modern CNNs, with torchvision's names so weights load one to one.

* ``ResidualBlock`` (ResNet-18/34's BasicBlock): out = relu(F(x) + shortcut(x)). The block
  learns a correction F to the identity, and the gradient reaches early layers through
  the "+" undiminished.
* ``Bottleneck`` (ResNet-50): 1x1 reduce, 3x3, 1x1 expand: the 3x3 works on fewer channels.
* ``Inception`` (GoogLeNet): four branches side by side (1x1, 3x3, 5x5, pooling),
  concatenated along the channels: the network picks its own kernel size.
"""
from __future__ import annotations

import autodiff as ad

from .. import functional as F
from ..containers import Sequential
from ..module import Module
from .activation import ReLU
from .conv import Conv2d
from .norm import BatchNorm2d
from .pool import MaxPool2d


def projection(in_ch: int, out_ch: int, stride: int) -> Sequential | None:
    """The shortcut when the shape changes: a 1x1 convolution (no bias) and batch norm.
    None (the identity) when input and output shapes agree."""
    if stride == 1 and in_ch == out_ch:
        return None
    return Sequential(Conv2d(in_ch, out_ch, 1, stride=stride, bias=False), BatchNorm2d(out_ch))


class ResidualBlock(Module):
    """Two 3x3 convolutions (no bias), each followed by batch norm; the first may stride.

    out = relu(bn2(conv2(relu(bn1(conv1(x))))) + shortcut(x))
    """

    def __init__(self, in_ch: int, out_ch: int, stride: int = 1):
        super().__init__()
        self.conv1 = Conv2d(in_ch, out_ch, 3, stride=stride, padding=1, bias=False)
        self.bn1 = BatchNorm2d(out_ch)
        self.relu = ReLU(inplace=True)
        self.conv2 = Conv2d(out_ch, out_ch, 3, padding=1, bias=False)
        self.bn2 = BatchNorm2d(out_ch)
        self.downsample = projection(in_ch, out_ch, stride)
        self.stride = stride

    def forward(self, x):
        out = self.relu(self.bn1(self.conv1(x)))
        out = self.bn2(self.conv2(out))
        shortcut = x if self.downsample is None else self.downsample(x)
        return self.relu(out + shortcut)


class Bottleneck(Module):
    """1x1 conv to ``mid_ch``, 3x3 conv (strided, torchvision's "ResNet v1.5"), 1x1 conv to
    ``out_ch``, each with batch norm; plus the shortcut, then ReLU."""

    def __init__(self, in_ch: int, mid_ch: int, out_ch: int, stride: int = 1):
        super().__init__()
        self.conv1 = Conv2d(in_ch, mid_ch, 1, bias=False)
        self.bn1 = BatchNorm2d(mid_ch)
        self.conv2 = Conv2d(mid_ch, mid_ch, 3, stride=stride, padding=1, bias=False)
        self.bn2 = BatchNorm2d(mid_ch)
        self.conv3 = Conv2d(mid_ch, out_ch, 1, bias=False)
        self.bn3 = BatchNorm2d(out_ch)
        self.relu = ReLU(inplace=True)
        self.downsample = projection(in_ch, out_ch, stride)
        self.stride = stride

    def forward(self, x):
        out = self.relu(self.bn1(self.conv1(x)))
        out = self.relu(self.bn2(self.conv2(out)))
        out = self.bn3(self.conv3(out))
        shortcut = x if self.downsample is None else self.downsample(x)
        return self.relu(out + shortcut)


class BasicConv2d(Module):
    """GoogLeNet's unit: convolution without bias, batch norm (eps 0.001), ReLU."""

    def __init__(self, in_ch: int, out_ch: int, kernel_size, stride=1, padding=0):
        super().__init__()
        self.conv = Conv2d(in_ch, out_ch, kernel_size, stride=stride, padding=padding,
                           bias=False)
        self.bn = BatchNorm2d(out_ch, eps=0.001)

    def forward(self, x):
        return F.relu(self.bn(self.conv(x)))


class Inception(Module):
    """Four branches on the same input, concatenated: c1 + c3 + c5 + pool_proj channels.

    branch1: 1x1 conv;  branch2: 1x1 reduce, 3x3;  branch3: 1x1 reduce, "5x5";
    branch4: 3x3 max pool (stride 1), 1x1 projection.
    ``c5_kernel_size`` is 5 as in the paper; torchvision's GoogLeNet uses 3 there (a known
    slip kept for its pretrained weights), and ``nn.models.googlenet`` follows it.
    """

    def __init__(self, in_ch: int, c1: int, c3_reduce: int, c3: int, c5_reduce: int, c5: int,
                 pool_proj: int, c5_kernel_size: int = 5):
        super().__init__()
        self.branch1 = BasicConv2d(in_ch, c1, 1)
        self.branch2 = Sequential(BasicConv2d(in_ch, c3_reduce, 1),
                                  BasicConv2d(c3_reduce, c3, 3, padding=1))
        self.branch3 = Sequential(BasicConv2d(in_ch, c5_reduce, 1),
                                  BasicConv2d(c5_reduce, c5, c5_kernel_size,
                                              padding=c5_kernel_size // 2))
        self.branch4 = Sequential(MaxPool2d(3, stride=1, padding=1, ceil_mode=True),
                                  BasicConv2d(in_ch, pool_proj, 1))

    def forward(self, x):
        branches = [self.branch1(x), self.branch2(x), self.branch3(x), self.branch4(x)]
        return ad.concatenate(branches, axis=1)
