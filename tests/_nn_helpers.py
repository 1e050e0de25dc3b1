"""Shared by the tests of nn: gradient checks through a layer's own parameters."""
from __future__ import annotations

import numpy as np

import autodiff as ad


def owner_of(module, dotted: str):
    """The sub-module that holds parameter ``dotted`` and the parameter's own name."""
    *path, name = dotted.split(".")
    for part in path:
        module = getattr(module, part)
    return module, name


def layer_function(layer, names=None):
    """f(x, *params) -> layer(x) with the given tensors standing in for the parameters, so
    ``ad.gradcheck`` can differentiate a layer with respect to its input and weights."""
    names = [n for n, _ in layer.named_parameters()] if names is None else names

    def f(x, *params):
        saved = []
        for dotted, p in zip(names, params):
            owner, name = owner_of(layer, dotted)
            saved.append((owner, name, owner._parameters[name]))
            owner._parameters[name] = p
        try:
            return layer(x)
        finally:
            for owner, name, original in saved:
                owner._parameters[name] = original
    return f, names


def gradcheck_layer(layer, x, seed_each_call: int | None = None, **tolerances) -> bool:
    """Float64 finite differences against reverse mode, for the input and every parameter."""
    import nn
    layer.double()
    f, _names = layer_function(layer)
    params = [p.numpy() for _, p in layer.named_parameters()]

    def g(*args):
        if seed_each_call is not None:
            nn.manual_seed(seed_each_call)
        return f(*args)
    return ad.gradcheck(g, [np.asarray(x, dtype=np.float64)] + params, **tolerances)


def rng(seed: int = 0) -> np.random.Generator:
    return np.random.default_rng(seed)
