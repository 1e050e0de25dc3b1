"""Creation, dtypes, conversions and type promotion against PyTorch."""
from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest
from _torch_compare import torch

import autodiff as ad
import nn


def same(ours, theirs):
    """Same values, shape and dtype name."""
    assert str(ours.dtype) == str(theirs.dtype).replace("torch.", ""), (ours.dtype, theirs.dtype)
    assert ours.shape == tuple(theirs.shape)
    np.testing.assert_array_equal(ours.numpy(), theirs.numpy())


CREATION = {
    "zeros": lambda lib: lib.zeros(2, 3), "zeros tuple": lambda lib: lib.zeros((2, 3)),
    "ones dtype": lambda lib: lib.ones(3, dtype=lib.float64),
    "ones int": lambda lib: lib.ones(2, dtype=lib.int64),
    "full float": lambda lib: lib.full((2, 2), 1.5), "full int": lambda lib: lib.full((2,), 7),
    "full bool": lambda lib: lib.full((2,), True),
    "eye": lambda lib: lib.eye(3), "eye rectangular": lambda lib: lib.eye(2, 3),
    "arange int": lambda lib: lib.arange(5), "arange start end step": lambda lib: lib.arange(1, 10, 3),
    "arange float": lambda lib: lib.arange(0, 1, 0.25),
    "arange dtype": lambda lib: lib.arange(4, dtype=lib.float32),
    "linspace": lambda lib: lib.linspace(0, 1, 5),
    "zeros_like": lambda lib: lib.zeros_like(lib.ones(2, 3, dtype=lib.float64)),
    "ones_like dtype": lambda lib: lib.ones_like(lib.ones(2), dtype=lib.int64),
    "full_like": lambda lib: lib.full_like(lib.arange(3), 4),
    "empty shape": lambda lib: lib.empty(2, 0),
    "tensor ints": lambda lib: lib.tensor([1, 2, 3]),
    "tensor floats": lambda lib: lib.tensor([[1.0, 2.0]]),
    "tensor bools": lambda lib: lib.tensor([True, False]),
    "tensor dtype": lambda lib: lib.tensor([1, 2], dtype=lib.float64),
    "tensor float64 array keeps dtype": lambda lib: lib.tensor(np.ones(2)),
    "as_tensor": lambda lib: lib.as_tensor([1.0, 2.0]),
    "from_numpy": lambda lib: lib.from_numpy(np.arange(3, dtype=np.int32)),
}


@pytest.mark.parametrize("name", list(CREATION))
def test_creation_matches_torch(name):
    same(CREATION[name](ad), CREATION[name](torch))


def test_tensor_copies_and_from_numpy_shares():
    array = np.ones(3)
    copied, shared, as_t = ad.tensor(array), ad.from_numpy(array), ad.as_tensor(array)
    array[0] = 5.0
    assert copied.tolist() == [1.0, 1.0, 1.0]
    assert shared.tolist() == [5.0, 1.0, 1.0] and as_t.tolist() == [5.0, 1.0, 1.0]
    t = ad.tensor([1.0, 2.0])
    assert ad.tensor(t).array is not t.array and ad.as_tensor(t) is t


def test_creation_arguments():
    x = ad.zeros(2, requires_grad=True)
    assert x.requires_grad and x.is_leaf and x.device == "cpu"
    assert ad.ones(2, device="cpu").device == "cpu"
    assert ad.rand(3, 2).shape == (3, 2) and ad.randn(4).dtype == ad.float32
    r = ad.randint(0, 5, (100,))
    assert r.dtype == ad.int64 and 0 <= r.min().item() and r.max().item() < 5
    assert ad.randint(3, (2,)).shape == (2,)
    assert sorted(ad.randperm(6).tolist()) == list(range(6))
    assert ad.rand_like(ad.zeros(2, 2, dtype=ad.float64)).dtype == ad.float64
    assert ad.randn_like(x).shape == (2,)


def test_manual_seed_is_one_generator_shared_with_nn():
    assert nn.manual_seed is ad.manual_seed
    ad.manual_seed(3)
    a = ad.randn(4).tolist(), nn.Linear(2, 2).weight.tolist()
    nn.manual_seed(3)
    b = ad.randn(4).tolist(), nn.Linear(2, 2).weight.tolist()
    assert a == b


DTYPE_NAMES = ["float32", "float64", "float", "double", "int64", "long", "int32", "int",
               "bool", "float16", "half"]


@pytest.mark.parametrize("name", DTYPE_NAMES)
def test_dtype_names(name):
    assert str(getattr(ad, name)) == str(getattr(torch, name)).replace("torch.", "")


def test_default_dtype():
    assert ad.get_default_dtype() == ad.float32
    ad.set_default_dtype(ad.float64)
    try:
        assert ad.tensor([1.5]).dtype == ad.float64 and ad.zeros(1).dtype == ad.float64
        assert (ad.arange(3) * 1.5).dtype == ad.float64
    finally:
        ad.set_default_dtype(ad.float32)


TO = {
    "float()": lambda lib, x: x.float(), "double()": lambda lib, x: x.double(),
    "long()": lambda lib, x: x.long(), "int()": lambda lib, x: x.int(),
    "bool()": lambda lib, x: x.bool(), "to(dtype)": lambda lib, x: x.to(lib.float64),
    "to(dtype=)": lambda lib, x: x.to(dtype=lib.int32), "to(device)": lambda lib, x: x.to("cpu"),
    "to(device, dtype)": lambda lib, x: x.to("cpu", lib.float64),
    "to(other)": lambda lib, x: x.to(lib.zeros(1, dtype=lib.int64)),
    "type(dtype)": lambda lib, x: x.type(lib.float64),
}


@pytest.mark.parametrize("name", list(TO))
def test_conversions_match_torch(name):
    values = np.array([[-1.7, 0.0, 2.5]], dtype=np.float32)
    same(TO[name](ad, ad.tensor(values)), TO[name](torch, torch.tensor(values)))


def test_type_names_and_is_floating_point():
    for lib in (ad, torch):
        assert lib.zeros(1).type() == "torch.FloatTensor"
        assert lib.zeros(1, dtype=lib.int64).type() == "torch.LongTensor"
        assert lib.zeros(1).is_floating_point() and not lib.arange(2).is_floating_point()


def test_conversion_keeps_the_gradient():
    x = ad.tensor([1.0, 2.0], requires_grad=True)
    (x.double() * 3).sum().backward()
    assert x.grad.dtype == ad.float32 and x.grad.tolist() == [3.0, 3.0]


# ---- promotion ---------------------------------------------------------------------------------
PROMOTION = {
    "int tensor + python float": lambda lib: lib.arange(3) + 1.5,
    "int tensor * python float": lambda lib: 2.5 * lib.arange(3),
    "int / int": lambda lib: lib.arange(3) / lib.tensor([1, 2, 4]),
    "int / python int": lambda lib: lib.arange(3) / 2,
    "float32 + 0-d float64": lambda lib: lib.ones(2) + lib.tensor(1.0, dtype=lib.float64),
    "int64 + 0-d float64": lambda lib: lib.arange(2) + lib.tensor(1.5, dtype=lib.float64),
    "int32 + python int": lambda lib: lib.ones(2, dtype=lib.int32) + 5,
    "int32 + 0-d int64": lambda lib: lib.ones(2, dtype=lib.int32) + lib.tensor(5),
    "int32 + int64": lambda lib: lib.ones(2, dtype=lib.int32) + lib.ones(2, dtype=lib.int64),
    "float32 + float64": lambda lib: lib.ones(2) + lib.ones(2, dtype=lib.float64),
    "bool + int": lambda lib: lib.tensor([True, False]) + 1,
    "bool + bool": lambda lib: lib.tensor([True, False]) + lib.tensor([True, True]),
    "float32 + python int": lambda lib: lib.ones(2) * 3,
    "int ** float": lambda lib: lib.arange(3) ** 0.5,
    "0-d float64 + 0-d int": lambda lib: lib.tensor(1.5, dtype=lib.float64) + lib.tensor(2),
    "maximum int and float": lambda lib: lib.maximum(lib.arange(3), lib.ones(3) * 0.5),
    "where int and float": lambda lib: lib.where(lib.arange(3) > 0, lib.arange(3), 0.5),
    "float16 + float32 0-d": lambda lib: lib.ones(2, dtype=lib.float16) + lib.tensor(1.0),
}


@pytest.mark.parametrize("name", list(PROMOTION))
def test_promotion_matches_torch(name):
    same(PROMOTION[name](ad), PROMOTION[name](torch))


def test_utils_data_is_nn_data_and_autodiff_does_not_import_nn():
    import nn.data
    assert ad.utils.data is nn.data and ad.utils.data.DataLoader is nn.data.DataLoader
    code = "import sys, autodiff; autodiff.utils; assert 'nn' not in sys.modules; print('ok')"
    root = str(Path(__file__).resolve().parents[1])
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                         env={"PYTHONPATH": root}, check=False)
    assert out.stdout.strip() == "ok", out.stderr


def test_device_idiom_and_new_tensors():
    for lib in (ad, torch):
        device = lib.device("cuda" if lib.cuda.is_available() else "cpu")
        x = lib.ones(2, 3, dtype=lib.float64).to(device)
        assert device.type == "cpu" and str(device) == "cpu"
        assert x.new_zeros(4).dtype == lib.float64 and x.new_ones((1, 2)).shape == (1, 2)
        assert x.new_full((2,), 3.0).tolist() == [3.0, 3.0]
        assert x.new_tensor([1, 2]).dtype == lib.float64
        assert lib.allclose(x, x + 1e-9) and not lib.allclose(x, x + 1)
        assert x.equal(x.clone()) and not x.equal(x[:1])
        assert lib.isclose(x, x).all().item()
        assert lib.is_tensor(x) and not lib.is_tensor(1.0)
        assert lib.pi == np.pi and lib.inf == np.inf
    with pytest.raises(ValueError, match="unknown device"):
        ad.device("tpu")
