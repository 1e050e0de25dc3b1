"""nn.utils, the new nn.init functions and the data pieces (Dataset, TensorDataset,
Subset, random_split, DataLoader's PyTorch arguments), against PyTorch where it has them."""
import math
import warnings

import numpy as np
import pytest

import autodiff as ad
import nn
from nn import data

torch = pytest.importorskip("torch")


def grads_pair(seed=0):
    rng = np.random.default_rng(seed)
    gs = [rng.normal(size=(3, 4)) * 3, rng.normal(size=5)]
    ours = [nn.Parameter(np.zeros_like(g)) for g in gs]
    theirs = [torch.zeros(g.shape, dtype=torch.float64, requires_grad=True) for g in gs]
    for p, t, g in zip(ours, theirs, gs):
        p.grad, t.grad = ad.tensor(g.copy()), torch.tensor(g.copy())
    return ours, theirs


@pytest.mark.parametrize("max_norm, norm_type", [(1.0, 2.0), (0.5, 1), (0.3, math.inf),
                                                 (100.0, 2.0), (2.0, 3.0)])
def test_clip_grad_norm_returns_the_total_norm_and_scales_like_torch(max_norm, norm_type):
    ours, theirs = grads_pair()
    total = nn.utils.clip_grad_norm_(ours, max_norm, norm_type)
    expected = torch.nn.utils.clip_grad_norm_(theirs, max_norm, norm_type)
    assert isinstance(total, ad.Tensor) and total.shape == ()
    np.testing.assert_allclose(total.numpy(), expected.numpy(), rtol=1e-12)
    for p, t in zip(ours, theirs):
        np.testing.assert_allclose(p.grad.numpy(), t.grad.numpy(), rtol=1e-12)


def test_clip_grad_norm_refuses_a_nonfinite_norm_when_asked():
    ours, _ = grads_pair()
    ours[0].grad.array[0, 0] = np.inf
    with pytest.raises(RuntimeError, match="non-finite"):
        nn.utils.clip_grad_norm_(ours, 1.0, error_if_nonfinite=True)


def test_clip_grad_value_and_vectors():
    ours, theirs = grads_pair(1)
    nn.utils.clip_grad_value_(ours, 0.7)
    torch.nn.utils.clip_grad_value_(theirs, 0.7)
    for p, t in zip(ours, theirs):
        np.testing.assert_array_equal(p.grad.numpy(), t.grad.numpy())
    model = nn.Linear(3, 2)
    vec = nn.utils.parameters_to_vector(model.parameters())
    assert vec.shape == (8,)
    np.testing.assert_array_equal(vec.numpy()[:6], model.weight.numpy().ravel())
    nn.utils.vector_to_parameters(ad.tensor(np.arange(8.0, dtype=np.float32)),
                                  model.parameters())
    np.testing.assert_array_equal(model.bias.numpy(), [6.0, 7.0])
    (vec * vec).sum().backward()                              # the vector is differentiable
    assert model.weight.grad is not None
    with pytest.raises(ValueError, match="vector_to_parameters"):
        nn.utils.vector_to_parameters(ad.tensor(np.zeros(3)), model.parameters())


@pytest.mark.parametrize("shape", [(3, 5), (5, 3), (4, 2, 3)])
def test_orthogonal(shape):
    w = nn.Parameter(np.zeros(shape))
    nn.init.orthogonal_(w, gain=2.0)
    m = w.numpy().reshape(shape[0], -1)
    gram = m @ m.T if m.shape[0] <= m.shape[1] else m.T @ m
    np.testing.assert_allclose(gram, 4 * np.eye(min(m.shape)), atol=1e-12)
    with pytest.raises(ValueError, match="2 or more dimensions"):
        nn.init.orthogonal_(nn.Parameter(np.zeros(3)))


@pytest.mark.parametrize("shape, groups", [((4, 2, 3), 1), ((6, 4, 3, 3), 2),
                                           ((2, 2, 3, 3, 3), 1), ((3, 5, 2, 2), 1)])
def test_dirac_and_eye_equal_torch(shape, groups):
    ours = nn.init.dirac_(nn.Parameter(np.ones(shape)), groups).numpy()
    np.testing.assert_array_equal(ours, torch.nn.init.dirac_(torch.ones(shape), groups).numpy())
    np.testing.assert_array_equal(nn.init.eye_(nn.Parameter(np.ones((3, 5)))).numpy(),
                                  torch.nn.init.eye_(torch.ones(3, 5)).numpy())
    with pytest.raises(ValueError, match="2 dimensions"):
        nn.init.eye_(nn.Parameter(np.ones(shape)))


def test_trunc_normal_and_constant():
    nn.manual_seed(0)
    w = nn.init.trunc_normal_(nn.Parameter(np.zeros(20000)), mean=1.0, std=2.0, a=-1.0, b=2.0)
    values = w.numpy()
    assert values.min() >= -1.0 and values.max() <= 2.0
    reference = torch.nn.init.trunc_normal_(torch.zeros(200000, dtype=torch.float64), 1.0, 2.0,
                                            -1.0, 2.0).numpy()
    assert abs(values.mean() - reference.mean()) < 0.02
    assert np.all(nn.init.constant_(nn.Parameter(np.zeros(3)), 0.25).numpy() == 0.25)


@pytest.mark.parametrize("args", [("tanh",), ("relu",), ("leaky_relu",), ("leaky_relu", 0.2),
                                  ("leaky_relu", 3), ("selu",), ("conv_transpose2d",),
                                  ("sigmoid",), ("linear",)])
def test_calculate_gain_equals_torch(args):
    assert nn.init.calculate_gain(*args) == pytest.approx(torch.nn.init.calculate_gain(*args))


@pytest.mark.parametrize("args", [("swish",), ("leaky_relu", "0.1"), ("leaky_relu", True),
                                  ("gelu",)])
def test_calculate_gain_rejects_what_torch_rejects(args):
    with pytest.raises(ValueError):
        torch.nn.init.calculate_gain(*args)
    with pytest.raises(ValueError, match="calculate_gain"):
        nn.init.calculate_gain(*args)


# ---- data ---------------------------------------------------------------------------------
def test_tensor_dataset_yields_tensors():
    x, y = np.arange(12.0).reshape(6, 2), np.arange(6)
    ds = data.TensorDataset(x, ad.tensor(y))
    assert isinstance(ds, data.Dataset) and len(ds) == 6
    sample = ds[2]
    assert isinstance(sample, tuple) and all(isinstance(t, ad.Tensor) for t in sample)
    assert sample[0].tolist() == [4.0, 5.0] and sample[1].item() == 2
    assert all(isinstance(t, ad.Tensor) for t in ds.tensors)


def test_subset_random_split_lengths_and_fractions():
    ds = data.TensorDataset(np.arange(10.0), np.arange(10))
    a, b = data.random_split(ds, [7, 3], generator=0)
    assert isinstance(a, data.Subset) and (len(a), len(b)) == (7, 3)
    assert sorted(a.indices + b.indices) == list(range(10))
    again = data.random_split(ds, [7, 3], generator=0)
    assert again[0].indices == a.indices                      # a seeded split repeats
    parts = data.random_split(ds, [0.5, 0.3, 0.2], generator=np.random.default_rng(1))
    assert [len(p) for p in parts] == [5, 3, 2]
    odd = data.random_split(data.TensorDataset(np.arange(11.0)), [0.5, 0.5], generator=2)
    expected = [len(p) for p in torch.utils.data.random_split(range(11), [0.5, 0.5])]
    assert [len(p) for p in odd] == expected
    assert a[0][1].item() == a.indices[0]
    with pytest.raises(ValueError, match="Sum of input lengths"):
        data.random_split(ds, [5, 4])


class Squares(data.Dataset):
    def __len__(self):
        return 5

    def __getitem__(self, i):
        return {"x": np.array([i, i * i], dtype=np.float32), "label": i % 2}


def test_dataloader_with_a_custom_dataset_and_collate_fn():
    batches = list(data.DataLoader(Squares(), batch_size=2))
    assert len(batches) == 3 and batches[0]["x"].shape == (2, 2)
    assert batches[0]["label"].tolist() == [0, 1] and isinstance(batches[0]["x"], ad.Tensor)
    lists = list(data.DataLoader(Squares(), batch_size=4, collate_fn=lambda s: s))
    assert [len(b) for b in lists] == [4, 1] and lists[0][3]["label"] == 1
    singles = list(data.DataLoader(data.Subset(Squares(), [4, 0]), batch_size=2))
    assert singles[0]["x"].tolist() == [[4.0, 16.0], [0.0, 0.0]]


def test_dataloader_accepts_workers_and_pin_memory_with_pytorch_meaning():
    ds = data.TensorDataset(np.arange(6.0), np.arange(6))
    with pytest.warns(UserWarning, match="main process"):
        loader = data.DataLoader(ds, batch_size=4, num_workers=2, pin_memory=True)
    assert [len(y) for _, y in loader] == [4, 2]
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        data.DataLoader(ds, num_workers=0, pin_memory=False)
    with pytest.raises(ValueError, match="num_workers"):
        data.DataLoader(ds, num_workers=-1)
    shuffled = [y.tolist() for _, y in data.DataLoader(ds, 6, shuffle=True, generator=3)]
    assert shuffled == [y.tolist() for _, y in data.DataLoader(ds, 6, shuffle=True, seed=3)]


def test_random_split_takes_a_torch_style_generator_and_subset_takes_array_indices():
    class SeededGenerator:                                 # what torch.Generator offers
        def __init__(self, seed):
            self.seed = seed

        def initial_seed(self):
            return self.seed

    ds = data.TensorDataset(np.arange(10.0))
    a = data.random_split(ds, [0.8, 0.2], generator=SeededGenerator(42))
    b = data.random_split(ds, [0.8, 0.2], generator=SeededGenerator(42))
    assert a[0].indices == b[0].indices
    sub = data.Subset(ds, np.array([3, 1]))
    assert sub.indices == [3, 1] and sub[0][0].item() == 3.0
    loader = data.DataLoader(ds, 5, shuffle=True, generator=SeededGenerator(1))
    assert len(list(loader)) == 2
