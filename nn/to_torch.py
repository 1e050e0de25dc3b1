"""``nn.to_torch(model)``: the same network as a ``torch.nn.Module``, with the same weights.

Outgrowing the engine should cost nothing: every layer here has PyTorch's constructor
arguments and state_dict keys, so the conversion builds the PyTorch layer from the same
settings, mirrors the module tree name for name, and loads ``model.state_dict()`` into it
unchanged (``strict=True``: a key that does not line up is an error, never a silent skip).

Modules with their own ``forward`` (the blocks and models of ``nn.models``) get a PyTorch
twin whose forward is written out below in torch ops; ``TORCH_FORWARDS`` maps a class name
to that function, and a class it does not know is refused by name. PyTorch is imported
only inside :func:`to_torch`.
"""
from __future__ import annotations

from collections import OrderedDict

import numpy as np

# ---- leaf layers: the PyTorch constructor call for each of ours ---------------------------------
LAYERS = {
    "Linear": lambda tnn, m: tnn.Linear(m.in_features, m.out_features, bias=m.bias is not None),
    "Conv2d": lambda tnn, m: tnn.Conv2d(
        m.in_channels, m.out_channels, m.kernel_size, stride=m.stride, padding=m.padding,
        dilation=m.dilation, groups=m.groups, bias=m.bias is not None,
        padding_mode=m.padding_mode),
    "MaxPool2d": lambda tnn, m: tnn.MaxPool2d(m.kernel_size, m.stride, m.padding, m.dilation,
                                              ceil_mode=m.ceil_mode),
    "AvgPool2d": lambda tnn, m: tnn.AvgPool2d(m.kernel_size, m.stride, m.padding, m.ceil_mode,
                                              m.count_include_pad, m.divisor_override),
    "AdaptiveAvgPool2d": lambda tnn, m: tnn.AdaptiveAvgPool2d(m.output_size),
    "Flatten": lambda tnn, m: tnn.Flatten(m.start_dim, m.end_dim),
    "Dropout": lambda tnn, m: tnn.Dropout(m.p),
    "BatchNorm1d": lambda tnn, m: tnn.BatchNorm1d(m.num_features, m.eps, m.momentum, m.affine,
                                                  m.track_running_stats),
    "BatchNorm2d": lambda tnn, m: tnn.BatchNorm2d(m.num_features, m.eps, m.momentum, m.affine,
                                                  m.track_running_stats),
    "LocalResponseNorm": lambda tnn, m: tnn.LocalResponseNorm(m.size, m.alpha, m.beta, m.k),
    "ReLU": lambda tnn, m: tnn.ReLU(),
    "LeakyReLU": lambda tnn, m: tnn.LeakyReLU(m.negative_slope),
    "Sigmoid": lambda tnn, m: tnn.Sigmoid(),
    "Tanh": lambda tnn, m: tnn.Tanh(),
    "Softmax": lambda tnn, m: tnn.Softmax(m.dim),
    "LogSoftmax": lambda tnn, m: tnn.LogSoftmax(m.dim),
    "Identity": lambda tnn, m: tnn.Identity(),
    # issue 14
    "LayerNorm": lambda tnn, m: tnn.LayerNorm(m.normalized_shape, m.eps, m.elementwise_affine,
                                              bias=m.bias is not None or not m.elementwise_affine),
    "GroupNorm": lambda tnn, m: tnn.GroupNorm(m.num_groups, m.num_channels, m.eps, m.affine),
    "Embedding": lambda tnn, m: tnn.Embedding(m.num_embeddings, m.embedding_dim, m.padding_idx),
    "GELU": lambda tnn, m: tnn.GELU(m.approximate),
    "SiLU": lambda tnn, m: tnn.SiLU(),
    "ELU": lambda tnn, m: tnn.ELU(m.alpha),
    "Softplus": lambda tnn, m: tnn.Softplus(m.beta, m.threshold),
    "Hardtanh": lambda tnn, m: tnn.Hardtanh(m.min_val, m.max_val),
    "ReLU6": lambda tnn, m: tnn.ReLU6(),
    "Mish": lambda tnn, m: tnn.Mish(),
    "PReLU": lambda tnn, m: tnn.PReLU(m.num_parameters),
    "Dropout2d": lambda tnn, m: tnn.Dropout2d(m.p),
    "ConvTranspose2d": lambda tnn, m: tnn.ConvTranspose2d(
        m.in_channels, m.out_channels, m.kernel_size, m.stride, m.padding, m.output_padding,
        m.groups, m.bias is not None, m.dilation),
    "Conv1d": lambda tnn, m: tnn.Conv1d(
        m.in_channels, m.out_channels, m.kernel_size, m.stride, m.padding, m.dilation,
        m.groups, m.bias is not None, m.padding_mode),
    "MaxPool1d": lambda tnn, m: tnn.MaxPool1d(m.kernel_size, m.stride, m.padding, m.dilation,
                                              ceil_mode=m.ceil_mode),
    "AvgPool1d": lambda tnn, m: tnn.AvgPool1d(m.kernel_size, m.stride, m.padding, m.ceil_mode,
                                              m.count_include_pad),
    "Upsample": lambda tnn, m: tnn.Upsample(m.size, m.scale_factor, m.mode, m.align_corners,
                                            m.recompute_scale_factor),
    "Unflatten": lambda tnn, m: tnn.Unflatten(m.dim, m.unflattened_size),
}


# ---- modules with a forward of their own: the same forward in torch ops ------------------------
def _residual(self, x):
    out = self.relu(self.bn1(self.conv1(x)))
    out = self.bn2(self.conv2(out))
    return self.relu(out + (x if self.downsample is None else self.downsample(x)))


def _bottleneck(self, x):
    out = self.relu(self.bn1(self.conv1(x)))
    out = self.relu(self.bn2(self.conv2(out)))
    out = self.bn3(self.conv3(out))
    return self.relu(out + (x if self.downsample is None else self.downsample(x)))


def _basic_conv(self, x):
    import torch
    return torch.relu(self.bn(self.conv(x)))


def _inception(self, x):
    import torch
    return torch.cat([self.branch1(x), self.branch2(x), self.branch3(x),
                           self.branch4(x)], dim=1)


def _features_classifier(self, x):
    import torch
    return self.classifier(torch.flatten(self.avgpool(self.features(x)), 1))


def _resnet(self, x):
    import torch
    x = self.maxpool(self.relu(self.bn1(self.conv1(x))))
    for i in range(1, self.num_stages + 1):
        x = getattr(self, f"layer{i}")(x)
    return self.fc(torch.flatten(self.avgpool(x), 1))


def _googlenet(self, x):
    import torch

    from .models.googlenet import INCEPTIONS
    x = self.maxpool1(self.conv1(x))
    x = self.maxpool2(self.conv3(self.conv2(x)))
    for name in INCEPTIONS:
        x = getattr(self, name)(x)
    return self.fc(self.dropout(torch.flatten(self.avgpool(x), 1)))


def _googlenet_mini(self, x):
    import torch
    x = self.inception4a(self.maxpool3(self.inception3a(self.conv1(x))))
    return self.fc(self.dropout(torch.flatten(self.avgpool(x), 1)))


TORCH_FORWARDS = {
    "ResidualBlock": _residual, "Bottleneck": _bottleneck, "BasicConv2d": _basic_conv,
    "Inception": _inception, "FeaturesClassifier": _features_classifier, "ResNet": _resnet,
    "GoogLeNet": _googlenet, "GoogLeNetMini": _googlenet_mini,
}


# ---- the conversion -------------------------------------------------------------------------------
def _twin_class(torch):
    """The PyTorch class of every twin, made once (torch is imported lazily) and published
    as ``nn.to_torch.Twin`` so that ``torch.save(twin)`` can pickle it by name."""
    if "Twin" in globals():
        return globals()["Twin"]

    class Twin(torch.nn.Module):
        """A PyTorch module mirroring one of ours: same children, forward from the table."""

        def __init__(self, kind: str):
            super().__init__()
            self.kind = kind

        def forward(self, x):
            return TORCH_FORWARDS[self.kind](self, x)

        def extra_repr(self) -> str:
            return f"twin of nn.{self.kind}"
    Twin.__qualname__ = "Twin"
    globals()["Twin"] = Twin
    return Twin


def _convert(module, name: str, torch, twin):
    from .containers import ModuleDict, ModuleList, Sequential
    from .parameter_containers import ParameterDict, ParameterList
    tnn = torch.nn
    children = [(child_name, None if child is None else
                 _convert(child, f"{name}.{child_name}" if name else child_name, torch, twin))
                for child_name, child in module._modules.items()]
    if isinstance(module, Sequential) and type(module).forward is Sequential.forward:
        return tnn.Sequential(OrderedDict(children))
    if isinstance(module, ModuleList):
        return tnn.ModuleList([child for _, child in children])
    if isinstance(module, ModuleDict):
        return tnn.ModuleDict(OrderedDict(children))
    if isinstance(module, (ParameterList, ParameterDict)):
        values = [(k, tnn.Parameter(torch.from_numpy(np.array(p.numpy(), copy=True)),
                                    requires_grad=p.requires_grad))
                  for k, p in module._parameters.items()]
        return tnn.ParameterList([v for _, v in values]) if isinstance(module, ParameterList) \
            else tnn.ParameterDict(OrderedDict(values))
    lineage = [cls.__name__ for cls in type(module).__mro__]
    kind = next((k for k in lineage if k in LAYERS or k in TORCH_FORWARDS), None)
    where = f"layer {name!r} ({type(module).__name__})" if name else type(module).__name__
    if kind is None:
        raise TypeError(f"to_torch: PyTorch has no equivalent of {where}; known: "
                        f"{', '.join(sorted(LAYERS) + sorted(TORCH_FORWARDS))} (add its "
                        "forward to nn.to_torch.TORCH_FORWARDS to convert it)")
    if kind in LAYERS:
        if children:
            raise TypeError(f"to_torch: {where} has sub-modules a {kind} does not have")
        return LAYERS[kind](tnn, module)
    result = twin(kind)
    for child_name, child in children:
        setattr(result, child_name, child)    # None registers as an absent sub-module
    for attribute, value in module.__dict__.items():   # settings a forward reads
        if not attribute.startswith("_") and attribute != "training" and \
                isinstance(value, (type(None), bool, int, float, str, tuple)):
            setattr(result, attribute, value)
    return result


def to_torch(model):
    """An equivalent ``torch.nn.Module``: same structure, same state_dict keys, same values
    (float32 stays float32), same train/eval mode; its outputs match ``model``'s.

    >>> import nn, torch                                        # doctest: +SKIP
    >>> twin = nn.to_torch(nn.models.lenet5_mini()).eval()      # doctest: +SKIP
    """
    try:
        import torch
    except ImportError:
        raise ImportError("nn.to_torch needs PyTorch, which is not installed here: "
                          "pip install torch (https://pytorch.org/get-started)") from None
    converted = _convert(model, "", torch, _twin_class(torch))
    state = OrderedDict((key, torch.from_numpy(np.array(value.numpy(), copy=True)))
                        for key, value in model.state_dict().items())
    converted.load_state_dict(state, strict=True)
    converted.train(bool(getattr(model, "training", True)))
    return converted
