"""The benchmark workloads, each built the same way for both engines.

A workload builder returns ``(step, items, unit)``: ``step()`` runs once (a training step,
an inference pass...), processing ``items`` units. Our models come from ``nn``; PyTorch's are
their exact translation by ``nn.to_torch`` (same layers, same weights), so both engines do
the same arithmetic.
"""
from __future__ import annotations

import numpy as np

BATCH = 64


def _lenet5_28():
    """LeNet-5 for 1x28x28 images (the MNIST variant: the first conv pads by 2)."""
    import nn
    return nn.Sequential(
        nn.Conv2d(1, 6, 5, padding=2), nn.ReLU(), nn.MaxPool2d(2),
        nn.Conv2d(6, 16, 5), nn.ReLU(), nn.MaxPool2d(2),
        nn.Flatten(), nn.Linear(16 * 5 * 5, 120), nn.ReLU(),
        nn.Linear(120, 84), nn.ReLU(), nn.Linear(84, 10))


def _mlp():
    import nn
    return nn.Sequential(nn.Linear(64, 128), nn.ReLU(), nn.Linear(128, 64), nn.ReLU(),
                         nn.Linear(64, 10))


def _resnet_mini():
    import nn
    return nn.models.resnet_mini()


MODELS = {
    "lenet5": (_lenet5_28, (1, 28, 28)),
    "mlp": (_mlp, (64,)),
    "resnet_mini": (_resnet_mini, (1, 8, 8)),
}


def _data(shape, device, engine, seed=0):
    rng = np.random.default_rng(seed)
    x = rng.standard_normal((BATCH,) + shape).astype(np.float32)
    y = rng.integers(0, 10, BATCH)
    if engine == "torch":
        import torch
        return torch.tensor(x, device=device), torch.tensor(y, device=device)
    import autodiff as ad
    return ad.tensor(x, device=device), ad.tensor(y, device=device)


def _sync(engine, device):
    """Wait for the GPU so a timed run includes its work (a no-op on the CPU)."""
    if device != "cuda":
        return
    if engine == "torch":
        import torch
        torch.cuda.synchronize()
    else:
        import cupy
        cupy.cuda.Device().synchronize()


def training(model_name: str, engine: str, device: str = "cpu", optimizer: str = "sgd"):
    """(model, x, y, optimizer, loss_fn) of a training workload, for either engine."""
    import nn
    nn.manual_seed(0)
    build, shape = MODELS[model_name]
    model = build()
    x, y = _data(shape, device, engine)
    if engine == "torch":
        import torch
        model = nn.to_torch(model).to(device)
        opt = (torch.optim.Adam(model.parameters(), lr=1e-3) if optimizer == "adam"
               else torch.optim.SGD(model.parameters(), lr=0.01, momentum=0.9))
        loss_fn = torch.nn.functional.cross_entropy
    else:
        model.to(device)
        opt = (nn.optim.Adam(model.parameters(), lr=1e-3) if optimizer == "adam"
               else nn.optim.SGD(model.parameters(), lr=0.01, momentum=0.9))
        loss_fn = nn.functional.cross_entropy
    return model, x, y, opt, loss_fn


def train_step(model_name: str, engine: str, device: str = "cpu", optimizer: str = "sgd"):
    if engine == "numpy":             # the same step written by hand (benchmarks.numpy_limit)
        from benchmarks.numpy_limit import by_hand
        return by_hand(model_name, optimizer), BATCH, "images"
    model, x, y, opt, loss_fn = training(model_name, engine, device, optimizer)

    def step():
        opt.zero_grad()
        loss = loss_fn(model(x), y)
        loss.backward()
        opt.step()
        _sync(engine, device)
    return step, BATCH, "images"


def inference(model_name: str, engine: str, device: str = "cpu"):
    import nn
    nn.manual_seed(0)
    build, shape = MODELS[model_name]
    model = build()
    x, _ = _data(shape, device, engine)
    if engine == "torch":
        import torch
        model = nn.to_torch(model).to(device).eval()

        def step():
            with torch.no_grad():
                model(x)
            _sync(engine, device)
    else:
        import autodiff as ad
        model.to(device).eval()

        def step():
            with ad.no_grad():
                model(x)
            _sync(engine, device)
    return step, BATCH, "images"


CONV_SHAPES = {
    "conv2d 64x1x28x28 * 6x1x5x5 p2": ((64, 1, 28, 28), (6, 1, 5, 5), 2),
    "conv2d 64x6x14x14 * 16x6x5x5": ((64, 6, 14, 14), (16, 6, 5, 5), 0),
    "conv2d 32x64x16x16 * 64x64x3x3 p1": ((32, 64, 16, 16), (64, 64, 3, 3), 1),
}


def conv2d_fwd_bwd(name: str, engine: str, device: str = "cpu"):
    xs, ws, padding = CONV_SHAPES[name]
    rng = np.random.default_rng(0)
    x = rng.standard_normal(xs).astype(np.float32)
    w = (rng.standard_normal(ws) * 0.1).astype(np.float32)
    if engine == "torch":
        import torch
        tx = torch.tensor(x, device=device, requires_grad=True)
        tw = torch.tensor(w, device=device, requires_grad=True)

        def step():
            tx.grad = tw.grad = None
            torch.nn.functional.conv2d(tx, tw, padding=padding).sum().backward()
            _sync(engine, device)
    else:
        import autodiff as ad
        ax = ad.tensor(x, device=device, requires_grad=True)
        aw = ad.tensor(w, device=device, requires_grad=True)

        def step():
            ax.grad = aw.grad = None
            ad.conv2d(ax, aw, padding=padding).sum().backward()
            _sync(engine, device)
    return step, xs[0], "images"


def all_workloads(quick: bool):
    """(name, builder(engine, device), repeats) for every workload."""
    repeats = 5 if quick else 20
    items = [
        ("LeNet-5 28x28 train step (SGD)", lambda e, d: train_step("lenet5", e, d), repeats),
        ("LeNet-5 28x28 inference", lambda e, d: inference("lenet5", e, d), repeats),
        ("ResNet-mini 8x8 train step (SGD)", lambda e, d: train_step("resnet_mini", e, d),
         repeats),
        ("MLP 64-128-64-10 train step (Adam)",
         lambda e, d: train_step("mlp", e, d, optimizer="adam"), repeats * 5),
    ]
    for name in CONV_SHAPES:
        items.append((name + " fwd+bwd", lambda e, d, n=name: conv2d_fwd_bwd(n, e, d), repeats))
    return items


def _library_set_up(engine: str) -> None:
    """One tiny op, so one-time library set-up (kernels loaded on the first op) is not
    counted as the workload's memory."""
    if engine == "numpy":
        return
    if engine == "torch":
        import torch
        x = torch.ones(1, 1, 4, 4, requires_grad=True)
        torch.nn.functional.conv2d(x, torch.ones(1, 1, 2, 2)).sum().backward()
    else:
        import autodiff
        x = autodiff.tensor(np.ones((1, 1, 4, 4), np.float32), requires_grad=True)
        autodiff.conv2d(x, autodiff.tensor(np.ones((1, 1, 2, 2), np.float32))).sum().backward()


def warm_up(step, runs: int = 10, seconds: float = 1.0) -> None:
    """Run ``step`` at least ``runs`` times and for at least ``seconds``: until the allocator
    and the libraries' buffers reach their steady state (a large convolution was still
    1.5x slower than that after 10 runs)."""
    import time
    start = time.perf_counter()
    done = 0
    while done < runs or time.perf_counter() - start < seconds:
        step()
        done += 1


def measure(workload: str, engine: str, device: str = "cpu", repeats: int = 20,
            threads: int | None = None, quick: bool = False) -> dict:
    """One engine's run of one workload in this process: ``seconds``, the median of
    ``repeats`` timed runs after the warm-up (``warm_up``); ``peak_mb``, the peak resident
    memory over what the process held once the libraries were set up (weights, gradients,
    optimizer state, activations and temporaries all count); and what one run processes
    (``items`` of ``unit``)."""
    import nn  # noqa: F401
    from benchmarks.harness import median_time, peak_rss_mb
    if engine == "torch" and threads:
        import torch
        torch.set_num_threads(threads)
    _library_set_up(engine)
    base = peak_rss_mb()
    for name, build, _ in all_workloads(quick):
        if name == workload:
            step, items, unit = build(engine, device)
            warm_up(step)
            seconds = median_time(step, repeats)
            return {"seconds": seconds, "peak_mb": peak_rss_mb() - base, "items": items,
                    "unit": unit}
    raise KeyError(workload)
