"""The PyTorch surface on the strict fake GPU: index arrays, sorts and creation stay on the
device (nothing leaks into NumPy), and results equal the CPU's."""
from __future__ import annotations

import numpy as np
import pytest

import autodiff as ad

RNG = np.random.default_rng(3)
M = RNG.standard_normal((3, 4))

CASES = {
    "max(dim)": lambda x: x.max(1).values + x.max(0).indices.float().sum(),
    "sort": lambda x: x.sort(1, descending=True).values,
    "topk": lambda x: x.topk(2).values,
    "median": lambda x: x.median(1).values + x.median(),
    "gather": lambda x: x.gather(1, x.argsort(1)),
    "scatter": lambda x: x.scatter(1, x.argmax(1, keepdim=True), 0.0),
    "roll flip repeat": lambda x: x.roll(1, 1).flip(0).repeat(2, 1),
    "index_select": lambda x: x.index_select(1, x.argmin(1)),
    "var std norm prod cumsum": lambda x: x.var(1) + x.std(0).sum() + x.norm() + x.prod(1)
    + x.cumsum(1)[:, -1],
    "clamp tensor bounds": lambda x: x.clamp(x * 0 - 0.5, x * 0 + 0.5),
    "einsum": lambda x: ad.einsum("ij,kj->ik", x, x),
    "nonzero and where": lambda x: ad.where(x > 0, x, 0.0)[(x > 0).nonzero(as_tuple=True)],
    "zeros_like and full_like": lambda x: x + ad.zeros_like(x) + ad.full_like(x, 2.0),
    "promotion": lambda x: x + (x > 0).long() / 2,
    "floor remainder": lambda x: x.floor() + x % 0.3 + (x // 0.3),
}


@pytest.mark.parametrize("name", list(CASES))
def test_surface_on_the_fake_device(fake_cuda, name):
    fn = CASES[name]
    cpu = ad.tensor(M, requires_grad=True)
    dev = ad.tensor(M, device="cuda", requires_grad=True)
    out_cpu, out_dev = fn(cpu), fn(dev)
    assert out_dev.device == "cuda"
    np.testing.assert_allclose(out_dev.numpy(), out_cpu.numpy(), rtol=1e-12)
    out_cpu.sum().backward()
    out_dev.sum().backward()
    np.testing.assert_allclose(dev.grad.numpy(), cpu.grad.numpy(), rtol=1e-12, atol=1e-15)
