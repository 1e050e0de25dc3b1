"""nn.to_torch: the same network in PyTorch gives the same outputs from the same weights."""
from __future__ import annotations

import sys

import numpy as np
import pytest

import autodiff as ad
import nn


def _both(model, x):
    torch = pytest.importorskip("torch")
    twin = nn.to_torch(model)
    ours = model(ad.tensor(x)).numpy()
    with torch.no_grad():
        theirs = twin(torch.from_numpy(x)).numpy()
    return twin, ours, theirs


@pytest.mark.torch
@pytest.mark.parametrize("name", ["lenet5_mini", "resnet_mini", "googlenet_mini",
                                  "alexnet_mini", "vgg_mini", "mlp"])
def test_zoo_models_convert_with_equal_outputs(name):
    nn.manual_seed(0)
    model = nn.models.get_model(name).eval()
    x = np.random.default_rng(1).random((3, 1, 8, 8)).astype(np.float32)
    twin, ours, theirs = _both(model, x)
    assert not twin.training
    assert list(twin.state_dict()) == list(model.state_dict()), "same keys, same order"
    np.testing.assert_allclose(ours, theirs, rtol=1e-4, atol=1e-5)


@pytest.mark.torch
def test_every_layer_kind_converts_in_training_mode_too():
    nn.manual_seed(0)
    model = nn.Sequential(
        nn.Conv2d(2, 4, 3, padding=1, padding_mode="replicate"), nn.BatchNorm2d(4),
        nn.LeakyReLU(0.2), nn.LocalResponseNorm(3), nn.AvgPool2d(2), nn.Conv2d(4, 4, 2),
        nn.Tanh(), nn.AdaptiveAvgPool2d(1), nn.Flatten(), nn.Linear(4, 6, bias=False),
        nn.BatchNorm1d(6), nn.Sigmoid(), nn.Dropout(0.0), nn.Identity(), nn.Linear(6, 3),
        nn.LogSoftmax(dim=1))
    model.train()
    x = np.random.default_rng(2).random((5, 2, 6, 6)).astype(np.float32)
    twin, ours, theirs = _both(model, x)
    assert twin.training
    np.testing.assert_allclose(ours, theirs, rtol=1e-4, atol=1e-5)
    np.testing.assert_allclose(twin[1].running_mean.numpy(), model[1].running_mean.numpy(),
                               rtol=1e-5, atol=1e-6)   # both updated their running statistics


@pytest.mark.torch
def test_converted_models_pickle_by_name(tmp_path):
    torch = pytest.importorskip("torch")
    nn.manual_seed(0)
    twin = nn.to_torch(nn.models.resnet_mini().eval())
    torch.save(twin, tmp_path / "twin.pt")
    again = torch.load(tmp_path / "twin.pt", weights_only=False)
    x = torch.zeros(1, 1, 8, 8)
    with torch.no_grad():
        assert torch.equal(again(x), twin(x))


@pytest.mark.torch
def test_layers_without_a_pytorch_twin_are_named():
    pytest.importorskip("torch")
    with pytest.raises(TypeError, match=r"layer '1' \(Step\)"):
        nn.to_torch(nn.Sequential(nn.Linear(2, 2), nn.Step()))


def test_a_clear_error_without_pytorch(monkeypatch):
    monkeypatch.setitem(sys.modules, "torch", None)        # "import torch" now fails
    with pytest.raises(ImportError, match="needs PyTorch.*pip install torch"):
        nn.to_torch(nn.Linear(2, 2))
