"""The layers, losses, optimizers and utilities of issue 14 on the strict fake "cuda"
device: no implicit trip to NumPy, and the same numbers as on the CPU."""
import copy

import numpy as np
import pytest

import autodiff as ad
import nn
import nn.functional as F


def twins_model():
    nn.manual_seed(0)
    return nn.Sequential(
        nn.Conv1d(2, 4, 3, padding=1, padding_mode="reflect"), nn.GELU(), nn.MaxPool1d(2),
        nn.AvgPool1d(1), nn.Unflatten(2, (1, 4)), nn.ConvTranspose2d(4, 3, 3, stride=2),
        nn.GroupNorm(1, 3), nn.SiLU(), nn.Upsample(scale_factor=1.5, mode="bilinear"),
        nn.Dropout2d(0.0), nn.ELU(), nn.Softplus(), nn.Hardtanh(), nn.Flatten(),
        nn.LayerNorm(3 * 4 * 13))


@pytest.mark.parametrize("optimizer", ["RAdam", "Adadelta", "Rprop"])
def test_training_on_the_fake_device_matches_the_cpu(fake_cuda, optimizer):
    cpu = twins_model()
    dev = copy.deepcopy(cpu).to("cuda")
    x = np.random.default_rng(0).standard_normal((2, 2, 8)).astype(np.float32)
    for model, device in ((cpu, "cpu"), (dev, "cuda")):
        opt = getattr(nn.optim, optimizer)(model.parameters(), lr=0.01)
        for _ in range(2):
            opt.zero_grad()
            out = model(ad.tensor(x, device=device))
            loss = F.smooth_l1_loss(out, ad.tensor(np.zeros(out.shape, np.float32),
                                                   device=device))
            loss.backward()
            nn.utils.clip_grad_norm_(model.parameters(), 1.0)
            nn.utils.clip_grad_value_(model.parameters(), 0.5)
            opt.step()
    for (name, a), (_, b) in zip(cpu.state_dict().items(), dev.state_dict().items()):
        assert b.device == "cuda"
        np.testing.assert_allclose(b.numpy(), a.numpy(), rtol=1e-4, atol=1e-5, err_msg=name)


def test_functions_and_losses_on_the_fake_device(fake_cuda):
    r = np.random.default_rng(1)
    x = ad.tensor(r.standard_normal((4, 3)), device="cuda", requires_grad=True)
    p = ad.tensor(r.random((4, 3)), device="cuda")
    total = (F.l1_loss(x, p) + F.huber_loss(x, p) + F.binary_cross_entropy(p * 0.9, p)
             + F.kl_div(F.log_softmax(x, 1), F.softmax(p, 1), reduction="batchmean")
             + F.cosine_similarity(x, p).sum() + F.normalize(x).sum()
             + F.pad(x, (1, 2), "circular").sum())
    total.backward()
    assert x.grad.device == "cuda" and np.isfinite(x.grad.numpy()).all()
    idx = ad.tensor(np.array([[0, 2], [1, 1]]), device="cuda")
    assert F.one_hot(idx, 3).device == "cuda"
    emb = nn.Embedding(3, 2, padding_idx=1).to("cuda")
    assert emb(idx).device == "cuda"
    images = ad.tensor(r.standard_normal((1, 2, 4, 4)), device="cuda")
    assert F.dropout2d(images, 0.5).device == "cuda"
    assert F.interpolate(images, size=(3, 5)).device == "cuda"
