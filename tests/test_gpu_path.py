"""The GPU path end to end: a training step reads nothing back from the device.

On a GPU, Python only queues kernels; reading a number (``float``, ``.item()``, ``.numpy()``)
waits for the queue to drain. These tests run on the strict fake "cuda" of
``fake_device.py``, whose ``TRANSFERS`` counts every such read, and check that

* DataLoader -> forward -> loss -> backward -> step -> zero_grad makes no read at all,
* ``nn.fit`` reads only what its progress bar shows, every few batches,
* the loader makes its batches on the device,
* every layer and loss not already covered by ``test_nn_device.py`` gives the CPU's numbers.

The tests marked ``gpu`` do the same on real CuPy where a GPU exists.
"""
from __future__ import annotations

import copy
import json

import numpy as np
import pytest
from fake_device import TRANSFERS

import autodiff as ad
import nn
import nn.functional as F
from chainrule.cli import main
from nn import data
from nn.train import DISPLAY_EVERY


@pytest.fixture
def transfers(fake_cuda):
    """The fake device installed as "cuda", with its transfer counts reset."""
    TRANSFERS.reset()
    yield TRANSFERS
    TRANSFERS.strict = False


def small_cnn() -> nn.Sequential:
    """Every layer of a classic small CNN, for 1x8x8 images and 10 classes. No bias before
    batch norm: it cancels out there, its gradient is rounding noise, and Adam would turn
    that noise into full steps that differ from device to device."""
    return nn.Sequential(
        nn.Conv2d(1, 6, 3, padding=1, bias=False), nn.BatchNorm2d(6), nn.ReLU(), nn.MaxPool2d(2),
        nn.Conv2d(6, 8, 3, padding=1), nn.ReLU(), nn.MaxPool2d(2), nn.Flatten(),
        nn.Dropout(0.3), nn.Linear(8 * 2 * 2, 10))


def images(n: int = 48, seed: int = 0) -> data.TensorDataset:
    r = np.random.default_rng(seed)
    return data.TensorDataset(r.random((n, 1, 8, 8)).astype(np.float32),
                              r.integers(0, 10, n).astype(np.int64))


OPTIMIZERS = {"Adam": lambda params: nn.optim.Adam(params, lr=1e-2),
              "SGD-momentum": lambda params: nn.optim.SGD(params, lr=0.05, momentum=0.9)}


def train_steps(model, optimizer, loader, epochs=2):
    """The plain loop: batch -> forward -> loss -> backward -> step -> zero_grad."""
    for _ in range(epochs):
        for x, y in loader:
            loss = F.cross_entropy(model(x), y)
            loss.backward()
            optimizer.step()
            optimizer.zero_grad()
    return loss


def trained_twins(device, optimizer):
    """The same CNN trained on the CPU and on ``device`` from the same seeds (dropout draws
    its masks on the host, so both see the same ones); returns (cpu model, device model,
    last device loss)."""
    nn.manual_seed(0)
    cpu = small_cnn()
    dev = copy.deepcopy(cpu).to(device)
    losses = []
    for model, where in ((cpu, "cpu"), (dev, device)):
        nn.manual_seed(1)
        loader = data.DataLoader(images(), 16, shuffle=True, seed=2, device=where)
        losses.append(train_steps(model, OPTIMIZERS[optimizer](model.parameters()), loader))
    return cpu, dev, losses[1]


def assert_same_state(cpu, dev, tol=1e-5):
    for (name, a), (_, b) in zip(cpu.state_dict().items(), dev.state_dict().items()):
        np.testing.assert_allclose(b.numpy(), a.numpy(), rtol=tol, atol=tol, err_msg=name)


# ---- (a) a training step reads nothing ------------------------------------------------------
@pytest.mark.parametrize("optimizer", OPTIMIZERS)
def test_training_steps_read_nothing_back_from_the_device(transfers, optimizer):
    nn.manual_seed(0)
    model = small_cnn().to("cuda")
    opt = OPTIMIZERS[optimizer](model.parameters())
    loader = data.DataLoader(images(), 16, shuffle=True, seed=0, device="cuda")
    transfers.reset()
    loss = train_steps(model, opt, loader, epochs=2)       # 6 steps, 2 epochs of the loader
    assert transfers.downloads == 0, "\n".join(transfers.sites)
    assert np.isfinite(loss.item()) and transfers.downloads == 1   # asking for a number reads


@pytest.mark.parametrize("optimizer", OPTIMIZERS)
def test_training_on_the_device_gives_the_cpu_weights(transfers, optimizer):
    cpu, dev, _ = trained_twins("cuda", optimizer)
    assert next(dev.parameters()).device == "cuda"
    assert_same_state(cpu, dev)


def test_cumulative_batch_norm_reads_no_count(transfers):
    layer = nn.BatchNorm1d(3, momentum=None).to("cuda")
    x = ad.tensor(np.random.default_rng(0).standard_normal((5, 3)).astype(np.float32),
                  device="cuda")
    for _ in range(3):
        layer(x)
    assert transfers.downloads == 0, "\n".join(transfers.sites)
    assert int(layer.num_batches_tracked.item()) == 3


def test_an_out_of_range_target_on_the_device_gives_nan_instead_of_a_read(transfers):
    logits = ad.tensor(np.zeros((2, 3), np.float32), device="cuda", requires_grad=True)
    loss = F.cross_entropy(logits, ad.tensor(np.array([0, 5]), device="cuda"))
    assert transfers.downloads == 0
    assert np.isnan(loss.item())
    ignored = F.cross_entropy(logits, ad.tensor(np.array([1, -100]), device="cuda"))
    assert ignored.item() == pytest.approx(np.log(3)), "ignore_index is not out of range"
    with pytest.raises(IndexError, match="out of range for 3 classes"):
        F.cross_entropy(ad.tensor(np.zeros((2, 3), np.float32)), np.array([0, 5]))


# ---- (b) nn.fit reads only for the progress bar ---------------------------------------------------
def _fit(device, progress=False, val=True, grad_norms=False, epochs=2, n=200):
    nn.manual_seed(0)
    model = small_cnn()
    optimizer = nn.optim.Adam(model.parameters(), lr=1e-2)
    train = data.DataLoader(images(n), 8, shuffle=True, seed=0, device=device)
    val_loader = data.DataLoader(images(24, seed=1), 16, device=device) if val else None
    history = nn.fit(model, F.cross_entropy, optimizer, train, val_loader, epochs=epochs,
                     device=device, progress=progress, grad_norms=grad_norms)
    return model, history, len(train)


@pytest.mark.parametrize("progress", [True, False])
def test_fit_reads_the_device_only_for_what_it_shows(transfers, capsys, progress):
    _, history, batches = _fit("cuda", progress=progress)
    assert batches == 25 and DISPLAY_EVERY == 10
    # per epoch: the bar's reads at batches 10 and 20 (with progress), the epoch's totals,
    # and evaluate's two (its loss, then its predictions)
    per_epoch = (batches // DISPLAY_EVERY if progress else 0) + 1 + 2
    assert transfers.downloads == 2 * per_epoch, "\n".join(transfers.sites)
    assert transfers.downloads <= 2 * (batches / 10 + 3)
    assert history.epochs == 2
    if progress:
        assert "loss=" in capsys.readouterr().err


def test_fit_on_the_device_matches_the_cpu(transfers):
    cpu_model, cpu_history, _ = _fit("cpu", grad_norms=True)
    transfers.reset()
    dev_model, dev_history, _ = _fit("cuda", grad_norms=True)
    assert transfers.downloads == 2 * (1 + 2 + 1), "one more read per epoch for grad norms"
    for name, values in cpu_history.metrics.items():
        np.testing.assert_allclose(dev_history.metrics[name], values, rtol=1e-5, err_msg=name)
    for layer, norms in cpu_history.grad_norms.items():
        np.testing.assert_allclose(dev_history.grad_norms[layer], norms, rtol=1e-4)
    assert_same_state(cpu_model, dev_model, tol=1e-4)


def test_evaluate_reads_twice_and_matches_the_cpu(transfers):
    nn.manual_seed(0)
    model = small_cnn()
    results = []
    for device in ("cpu", "cuda"):
        model.to(device)
        loader = data.DataLoader(images(40), 16, device=device)
        transfers.reset()
        results.append(nn.evaluate(model, loader, F.cross_entropy))
    assert transfers.downloads == 2
    assert results[1].accuracy == results[0].accuracy
    assert results[1].confusion.tolist() == results[0].confusion.tolist()
    assert results[1].loss == pytest.approx(results[0].loss, rel=1e-6)


# ---- (c) the loader feeds the device ------------------------------------------------------------
@pytest.mark.parametrize("shuffle, drop_last", [(True, False), (False, True)])
@pytest.mark.parametrize("preload", [True, False])
def test_loader_makes_the_cpu_batches_on_the_device(transfers, shuffle, drop_last, preload):
    dataset = images(21)
    host = data.DataLoader(dataset, 5, shuffle=shuffle, seed=3, drop_last=drop_last)
    dev = data.DataLoader(dataset, 5, shuffle=shuffle, seed=3, drop_last=drop_last,
                          device="cuda", preload=preload)
    for _ in range(2):
        pairs = list(zip(host, dev))
        assert len(pairs) == len(host) == (4 if drop_last else 5)
        for host_batch, dev_batch in pairs:
            for h, d in zip(host_batch, dev_batch):
                assert d.device == "cuda" and d.dtype == h.dtype
                np.testing.assert_array_equal(d.numpy(), h.numpy())


def test_a_preloading_loader_copies_the_dataset_once_and_then_only_the_order(transfers):
    loader = data.DataLoader(images(30), 8, shuffle=True, seed=0, device="cuda")
    list(loader)
    assert transfers.uploads == 2 + 1, "images, labels, and the epoch's order"
    transfers.reset()
    batches = list(loader)
    assert (transfers.uploads, transfers.downloads) == (1, 0)
    assert all(t.device == "cuda" for batch in batches for t in batch)
    loader.dataset = images(30, seed=1)                 # another dataset: copied again
    transfers.reset()
    list(loader)
    assert transfers.uploads == 3


def test_a_loader_of_any_dataset_copies_each_batch_explicitly(transfers):
    class Squares:
        def __len__(self):
            return 6

        def __getitem__(self, i):
            return np.float32(i), np.int64(i * i)
    batches = list(data.DataLoader(Squares(), 4, device="cuda"))
    assert [b[1].numpy().tolist() for b in batches] == [[0, 1, 4, 9], [16, 25]]
    assert all(t.device == "cuda" for batch in batches for t in batch)
    assert transfers.uploads == 4 and transfers.downloads == 2   # the two .numpy() above


def test_a_resumed_device_loader_draws_the_same_orders(transfers):
    first = data.DataLoader(images(20), 6, shuffle=True, seed=5, device="cuda")
    list(first)
    saved = first.state_dict()
    expected = [b[1].numpy().tolist() for b in first]
    second = data.DataLoader(images(20), 6, shuffle=True, seed=99, device="cuda")
    second.load_state_dict(saved)
    assert [b[1].numpy().tolist() for b in second] == expected


# ---- (d) layers and losses on the device match the CPU ---------------------------------------------
# (test_nn_device.py already trains Conv2d(padding 1), BatchNorm2d, ReLU, LocalResponseNorm,
# MaxPool2d(ceil_mode), ResidualBlock, AdaptiveAvgPool2d, Flatten, Dropout(0) and Linear)
LAYERS = {
    "conv stride 2": (lambda: nn.Conv2d(2, 4, 3, stride=2, padding=1), (2, 2, 7, 7)),
    "conv groups, dilation, same": (
        lambda: nn.Conv2d(4, 4, 3, groups=2, dilation=2, padding="same"), (2, 4, 7, 7)),
    "conv replicate, no bias": (
        lambda: nn.Conv2d(2, 3, 3, padding=1, padding_mode="replicate", bias=False),
        (2, 2, 5, 6)),
    "batchnorm1d cumulative": (lambda: nn.BatchNorm1d(3, momentum=None), (6, 3)),
    "batchnorm2d eval": (lambda: nn.BatchNorm2d(3).eval(), (2, 3, 4, 4)),
    "maxpool padding, dilation": (lambda: nn.MaxPool2d(3, stride=2, padding=1, dilation=2),
                                  (2, 2, 9, 9)),
    "avgpool without padding count": (
        lambda: nn.AvgPool2d(3, stride=2, padding=1, count_include_pad=False), (2, 2, 7, 7)),
    "adaptive avgpool uneven": (lambda: nn.AdaptiveAvgPool2d(3), (2, 2, 7, 5)),
    "leaky relu": (lambda: nn.LeakyReLU(0.1), (3, 4)),
    "sigmoid": (nn.Sigmoid, (3, 4)),
    "tanh": (nn.Tanh, (3, 4)),
    "softmax": (lambda: nn.Softmax(dim=1), (3, 4)),
    "log softmax": (lambda: nn.LogSoftmax(dim=1), (3, 4)),
    "step": (nn.Step, (3, 4)),
    "dropout": (lambda: nn.Dropout(0.4), (4, 6)),
    "bottleneck": (lambda: nn.Bottleneck(4, 2, 8, stride=2), (2, 4, 6, 6)),
    "inception": (lambda: nn.Inception(3, 2, 2, 3, 1, 2, 2), (2, 3, 5, 5)),
}


def _forward_backward(layer, x, upstream, device):
    """Output, input gradient, parameter gradients and buffers of one forward+backward."""
    nn.manual_seed(7)                               # the same dropout mask on every device
    x = ad.tensor(x, device=device, requires_grad=True)
    out = layer(x)
    if out.requires_grad:                           # Step is not differentiable at all
        (out * ad.tensor(upstream, device=device)).sum().backward()
    grads = [t.grad.numpy() for t in [x, *layer.parameters()] if t.grad is not None]
    return [out.numpy()] + grads + [b.numpy() for b in layer.buffers()]


@pytest.mark.parametrize("name", LAYERS)
def test_each_layer_on_the_device_matches_the_cpu(transfers, name):
    make, shape = LAYERS[name]
    nn.manual_seed(0)
    cpu = make()
    dev = copy.deepcopy(cpu).to("cuda")
    r = np.random.default_rng(1)
    x = r.standard_normal(shape).astype(np.float32)
    upstream = r.standard_normal(copy.deepcopy(cpu)(ad.tensor(x)).shape).astype(np.float32)
    expected = _forward_backward(cpu, x, upstream, "cpu")
    got = _forward_backward(dev, x, upstream, "cuda")
    assert len(got) == len(expected)
    for i, (a, b) in enumerate(zip(expected, got)):
        np.testing.assert_allclose(b, a, rtol=1e-5, atol=1e-6, err_msg=f"{name}: item {i}")


def _logits(shape, seed=0):
    return np.random.default_rng(seed).standard_normal(shape).astype(np.float32)


LOSSES = {
    "mse sum": lambda x, d: F.mse_loss(x, ad.tensor(_logits((4, 3), 1), device=d), "sum"),
    "bce weights": lambda x, d: F.binary_cross_entropy_with_logits(
        x, ad.tensor(np.random.default_rng(2).random((4, 3)).astype(np.float32), device=d),
        weight=np.float32([1.0, 2.0, 0.5]), pos_weight=np.float32([3.0, 1.0, 0.2])),
    "cross entropy weights, ignore": lambda x, d: F.cross_entropy(
        x, ad.tensor(np.array([0, 2, -100, 1]), device=d), weight=np.float32([1.0, 0.5, 2.0])),
    "cross entropy none": lambda x, d: F.cross_entropy(
        x, ad.tensor(np.array([2, 1, 0, 0]), device=d), reduction="none"),
    "cross entropy probabilities": lambda x, d: F.cross_entropy(
        x, ad.tensor(np.full((4, 3), 1 / 3, np.float32), device=d)),
    "nll sum": lambda x, d: F.nll_loss(F.log_softmax(x, 1),
                                       ad.tensor(np.array([1, 1, 0, 2]), device=d),
                                       reduction="sum"),
    "spatial cross entropy": lambda x, d: F.cross_entropy(
        ad.reshape(x, (1, 3, 2, 2)), ad.tensor(np.array([[[0, 1], [2, 1]]]), device=d)),
    "label smoothing": lambda x, d: F.cross_entropy(
        x, ad.tensor(np.array([0, 1, 2, 0]), device=d), label_smoothing=0.1),
    "label smoothing weights, ignore": lambda x, d: F.cross_entropy(
        x, ad.tensor(np.array([0, -100, 2, 1]), device=d), weight=np.float32([1.0, 0.5, 2.0]),
        label_smoothing=0.2),
}


@pytest.mark.parametrize("name", LOSSES)
def test_each_loss_on_the_device_matches_the_cpu(transfers, name):
    results = []
    for device in ("cpu", "cuda"):
        x = ad.tensor(_logits((4, 3)), device=device, requires_grad=True)
        loss = LOSSES[name](x, device)
        loss.sum().backward()
        assert loss.device == device and x.grad.device == device
        results.append((loss.numpy(), x.grad.numpy()))
    for a, b in zip(*results):
        np.testing.assert_allclose(b, a, rtol=1e-5, atol=1e-7, err_msg=name)


# ---- the command, end to end ------------------------------------------------------------------------
TINY = ["train", "--dataset", "spirals", "--model", "mlp", "--epochs", "2", "--batch-size", "64",
        "--quiet"]


def _metrics(folder):
    return json.loads((folder / "metrics.json").read_text())


def _train_on_both(tmp_path):
    """``chainrule train`` on the CPU and on "cuda"; returns both metrics documents."""
    assert main([*TINY, "--out", str(tmp_path / "cpu")]) == 0
    assert main([*TINY, "--device", "cuda", "--out", str(tmp_path / "cuda")]) == 0
    return _metrics(tmp_path / "cpu"), _metrics(tmp_path / "cuda")


def _assert_same_metrics(cpu: dict, dev: dict, tol: float, accuracy_tol: float) -> None:
    """Losses within ``tol`` (relative); accuracies within ``accuracy_tol``, since on a real
    GPU a near tie between two logits may round the other way and flip one prediction."""
    for name, values in cpu.items():
        if "acc" in name:
            np.testing.assert_allclose(dev[name], values, atol=accuracy_tol, err_msg=name)
        else:
            np.testing.assert_allclose(dev[name], values, rtol=tol, err_msg=name)


def test_chainrule_train_on_the_device_matches_the_cpu(transfers, tmp_path, capsys):
    cpu, dev = _train_on_both(tmp_path)
    assert dev["options"]["device"] == "cuda" and dev["epochs"] == cpu["epochs"] == 2
    _assert_same_metrics(cpu["metrics"], dev["metrics"], tol=1e-5, accuracy_tol=0)
    assert dev["confusion"] == cpu["confusion"]


# ---- on a real GPU ------------------------------------------------------------------------------
@pytest.fixture
def cuda_reads(monkeypatch):
    """CuPy's backend with its copies to the host counted (``asnumpy``, ``.numpy()``,
    ``.item()`` of a tensor; a bare ``float(cupy_array)`` escapes this count)."""
    backend = ad.get_backend("cuda")
    calls = []
    to_host = backend.to_host

    def counted(array):
        calls.append(array.shape)
        return to_host(array)
    monkeypatch.setattr(backend, "to_host", counted)
    return calls


@pytest.mark.gpu
@pytest.mark.parametrize("optimizer", OPTIMIZERS)
def test_training_on_a_real_gpu_reads_nothing_and_matches_the_cpu(cuda_reads, optimizer):
    nn.manual_seed(0)
    model = small_cnn().to("cuda")
    loader = data.DataLoader(images(), 16, shuffle=True, seed=0, device="cuda")
    train_steps(model, OPTIMIZERS[optimizer](model.parameters()), loader)
    assert cuda_reads == []
    cpu, dev, _ = trained_twins("cuda", optimizer)
    assert_same_state(cpu, dev, tol=1e-4)


@pytest.mark.gpu
def test_fit_on_a_real_gpu_matches_the_cpu(cuda_reads):
    cpu_model, cpu_history, _ = _fit("cpu")
    dev_model, dev_history, batches = _fit("cuda", progress=True)
    assert len(cuda_reads) <= 2 * (batches / 10 + 3)
    _assert_same_metrics(cpu_history.metrics, dev_history.metrics, tol=1e-3,
                         accuracy_tol=0.02)
    assert_same_state(cpu_model, dev_model, tol=1e-3)


@pytest.mark.gpu
def test_chainrule_train_on_a_real_gpu(tmp_path, capsys):
    cpu, dev = _train_on_both(tmp_path)
    assert dev["options"]["device"] == "cuda" and dev["epochs"] == 2
    _assert_same_metrics(cpu["metrics"], dev["metrics"], tol=1e-3, accuracy_tol=0.02)
    assert abs(dev["test_accuracy"] - cpu["test_accuracy"]) <= 0.02
