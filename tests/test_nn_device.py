"""nn on a device: the strict fake "cuda" (conftest's ``fake_cuda``) refuses any implicit
trip to NumPy, so these tests catch every place nn would leak a device array to the host.
The same code runs on a real GPU with CuPy (the ``gpu`` tests at the end)."""
import copy

import numpy as np
import pytest

import autodiff as ad
import nn
import nn.functional as F


def all_on(model, device):
    tensors = list(model.parameters()) + list(model.buffers())
    return all(t.device == device for t in tensors)


def train_twins(device, steps=2, optimizer="Adam"):
    """A CPU model and its copy on ``device``, trained side by side; returns both."""
    nn.manual_seed(0)
    cpu = nn.Sequential(
        nn.Conv2d(1, 4, 3, padding=1), nn.BatchNorm2d(4), nn.ReLU(), nn.LocalResponseNorm(3),
        nn.MaxPool2d(2, ceil_mode=True), nn.ResidualBlock(4, 6, stride=2),
        nn.AdaptiveAvgPool2d((2, 3)), nn.Flatten(), nn.Dropout(0.0), nn.Linear(36, 5))
    dev = copy.deepcopy(cpu).to(device)
    assert all_on(dev, device)
    r = np.random.default_rng(0)
    x = r.standard_normal((4, 1, 9, 7)).astype(np.float32)
    y = r.integers(0, 5, 4)
    for model in (cpu, dev):
        opt = getattr(nn.optim, optimizer)(model.parameters(), lr=0.01)
        for _ in range(steps):
            opt.zero_grad()
            xb = ad.tensor(x, device=device if model is dev else "cpu")
            loss = F.cross_entropy(model(xb), y)
            loss.backward()
            opt.step()
    return cpu, dev


def assert_same_state(cpu, dev, tol=1e-5):
    for (name, a), (_, b) in zip(cpu.state_dict().items(), dev.state_dict().items()):
        assert b.device == dev_device(dev)
        np.testing.assert_allclose(b.numpy(), a.numpy(), rtol=tol, atol=tol, err_msg=name)


def dev_device(model):
    return next(model.parameters()).device


@pytest.mark.parametrize("optimizer", ["SGD", "Adagrad", "RMSprop", "Adam", "AdamW", "Adamax",
                                       "NAdam"])
def test_training_on_the_fake_device_matches_the_cpu(fake_cuda, optimizer):
    cpu, dev = train_twins("cuda", optimizer=optimizer)
    assert_same_state(cpu, dev)


def test_load_state_dict_init_and_optimizer_state_stay_on_the_device(fake_cuda):
    model = nn.models.resnet_mini().to("cuda")
    cpu_state = {k: v.numpy() for k, v in nn.models.resnet_mini().state_dict().items()}
    model.load_state_dict(cpu_state)
    assert all_on(model, "cuda")
    np.testing.assert_array_equal(model.fc.weight.numpy(), cpu_state["fc.weight"])
    nn.init.kaiming_uniform_(model.fc.weight)
    nn.init.trunc_normal_(model.fc.bias, std=0.1)
    nn.init.zeros_(model.bn1.bias)
    assert model.fc.weight.device == "cuda"
    opt = nn.optim.Adam(model.parameters(), amsgrad=True)
    F.cross_entropy(model(ad.tensor(np.zeros((2, 1, 8, 8), np.float32), device="cuda")),
                    np.array([1, 2])).backward()
    opt.step()
    saved = opt.state_dict()
    opt2 = nn.optim.Adam(model.parameters())
    opt2.load_state_dict(saved)
    assert all(v.device == "cuda" for s in saved["state"].values() for v in s.values()
               if isinstance(v, ad.Tensor))
    opt2.step()
    model.to("cpu")
    assert all_on(model, "cpu")


def test_losses_and_functional_forms_on_the_device(fake_cuda):
    r = np.random.default_rng(1)
    x = ad.tensor(r.standard_normal((4, 3)), device="cuda", requires_grad=True)
    t = ad.tensor(r.random((4, 3)), device="cuda")
    losses = [F.mse_loss(x, t), F.binary_cross_entropy_with_logits(x, t, pos_weight=np.ones(3)),
              F.cross_entropy(x, np.array([0, 1, 2, 1]), weight=np.ones(3)),
              F.cross_entropy(x, t / ad.sum(t, axis=1, keepdims=True)),
              nn.CrossEntropyLoss(ignore_index=0)(x, ad.tensor(np.array([0, 1, 2, 1]),
                                                               device="cuda"))]
    total = losses[0]
    for loss in losses[1:]:
        total = total + loss
    total.backward()
    assert x.grad.device == "cuda" and np.isfinite(x.grad.numpy()).all()
    images = ad.tensor(r.standard_normal((1, 2, 5, 5)), device="cuda")
    assert F.dropout(images, 0.5).device == "cuda"
    assert F.avg_pool2d(images, 2, divisor_override=3).device == "cuda"


def test_summary_runs_on_the_device(fake_cuda):
    model = nn.models.lenet5_mini().to("cuda")
    s = nn.summary(model, (1, 8, 8), device="cuda")
    assert s.total_params == nn.count_parameters(model) and s.output_shape == (1, 10)


@pytest.mark.gpu
def test_training_on_a_real_gpu_matches_the_cpu():
    cpu, dev = train_twins("cuda", steps=3)
    assert_same_state(cpu, dev, tol=1e-4)
