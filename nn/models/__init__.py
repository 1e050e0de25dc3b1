"""nn.models: the classic CNNs at full size (torchvision's layer names and parameter
counts) and small ``*_mini`` versions that take 1x8x8 digits by default, any larger image
too, and train in seconds.

>>> import nn
>>> model = nn.models.get_model("lenet5_mini")
"""
from __future__ import annotations

from collections.abc import Callable

from ..module import Module
from .alexnet import AlexNet, alexnet, alexnet_mini
from .googlenet import GoogLeNet, GoogLeNetMini, googlenet, googlenet_mini
from .lenet import LeNet5, lenet5, lenet5_mini
from .mlp import mlp
from .resnet import ResNet, resnet18, resnet34, resnet50, resnet_mini
from .vgg import VGG, vgg11, vgg16, vgg_mini

MODELS: dict[str, Callable[..., Module]] = {
    "lenet5": lenet5, "alexnet": alexnet, "vgg11": vgg11, "vgg16": vgg16,
    "googlenet": googlenet, "resnet18": resnet18, "resnet34": resnet34, "resnet50": resnet50,
    "mlp": mlp, "lenet5_mini": lenet5_mini, "alexnet_mini": alexnet_mini,
    "vgg_mini": vgg_mini, "googlenet_mini": googlenet_mini, "resnet_mini": resnet_mini,
}


def get_model(name: str, **kwargs) -> Module:
    """Build a model of the zoo by name, e.g. ``get_model("resnet_mini", num_classes=3)``."""
    if name not in MODELS:
        raise ValueError(f"unknown model {name!r}; choose one of {', '.join(MODELS)}")
    return MODELS[name](**kwargs)


def available() -> list[str]:
    return list(MODELS)


__all__ = [
    "MODELS", "VGG", "AlexNet", "GoogLeNet", "GoogLeNetMini", "LeNet5", "ResNet", "alexnet",
    "alexnet_mini", "available", "get_model", "googlenet", "googlenet_mini", "lenet5",
    "lenet5_mini", "mlp", "resnet18", "resnet34", "resnet50", "resnet_mini", "vgg11", "vgg16",
    "vgg_mini",
]
