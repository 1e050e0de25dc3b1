"""nn.data: the datasets' shapes and contents, the DataLoader's epochs, seeded stratified splits."""
from __future__ import annotations

import numpy as np
import pytest

import autodiff as ad
from nn import data


def test_digits_are_the_real_scikit_learn_images_in_nchw():
    x, y = data.load_digits()
    assert x.shape == (1797, 1, 8, 8) and x.dtype == np.float32
    assert y.shape == (1797,) and y.dtype == np.int64
    assert x.min() == 0.0 and x.max() == 1.0
    assert sorted(set(y.tolist())) == list(range(10))
    from sklearn.datasets import load_digits
    np.testing.assert_allclose(x[5, 0] * 16, load_digits().images[5])


def test_xor_is_the_truth_table():
    x, y = data.xor()
    assert x.tolist() == [[0, 0], [0, 1], [1, 0], [1, 1]]
    assert y.tolist() == [0, 1, 1, 0] and y.dtype == np.int64
    noisy, labels = data.xor(40, noise=0.1, seed=1)
    assert noisy.shape == (40, 2) and labels.tolist() == [0, 1, 1, 0] * 10


def test_spirals_are_balanced_and_seeded():
    x, y = data.spirals(301, classes=3, seed=4)
    assert x.shape == (301, 2) and x.dtype == np.float32
    assert data.class_counts(y) == {0: 101, 1: 100, 2: 100}
    assert np.abs(x).max() <= 1.0 + 1e-6
    again, _ = data.spirals(301, classes=3, seed=4)
    other, _ = data.spirals(301, classes=3, seed=5)
    assert np.array_equal(x, again) and not np.array_equal(x, other)
    with pytest.raises(ValueError, match="classes"):
        data.spirals(10, classes=1)


def test_shapes_draw_what_their_label_says():
    x, y = data.shapes(200, seed=3, noise=0.0)
    assert x.shape == (200, 1, 8, 8) and x.dtype == np.float32
    assert data.class_counts(y) == {0: 50, 1: 50, 2: 50, 3: 50}
    for image, label in zip(x[:, 0] > 0, y):
        rows, cols = np.flatnonzero(image.any(axis=1)), np.flatnonzero(image.any(axis=0))
        if label == 0:
            assert len(rows) == 1 and len(cols) >= 3, "a horizontal line fills one row"
        elif label == 1:
            assert len(cols) == 1 and len(rows) >= 3, "a vertical line fills one column"
        elif label == 2:
            assert len(rows) == len(cols) >= 3
            assert image.sum() == 2 * len(rows) - 1, "a cross: two lines through one pixel"
        else:
            side = len(rows)
            assert len(cols) == side >= 3 and image.sum() == 4 * (side - 1)
            assert not image[rows[1]:rows[-1], cols[1]:cols[-1]].any(), "a square is hollow"
    noisy, _ = data.shapes(20, seed=3)
    assert 0.0 <= noisy.min() and noisy.max() <= 1.0


def test_tensor_dataset_checks_lengths():
    with pytest.raises(ValueError, match=r"first axis: \[3, 2\]"):
        data.TensorDataset(np.zeros((3, 2)), np.zeros(2))
    ds = data.TensorDataset(ad.tensor([[1.0], [2.0]]), np.array([0, 1]))
    assert len(ds) == 2 and ds[1][0].tolist() == [2.0] and ds[1][1] == 1


def _epoch(loader):
    return [(x.numpy(), y.numpy()) for x, y in loader]


def test_loader_covers_every_sample_once_per_epoch():
    x = np.arange(23, dtype=np.float32)[:, None]
    loader = data.DataLoader((x, np.arange(23)), batch_size=5, shuffle=True, seed=0)
    assert len(loader) == 5
    orders = []
    for _ in range(3):
        batches = _epoch(loader)
        assert [len(b[1]) for b in batches] == [5, 5, 5, 5, 3]
        seen = np.concatenate([b[1] for b in batches])
        assert sorted(seen.tolist()) == list(range(23))
        for xb, yb in batches:          # inputs stay paired with their labels
            assert np.array_equal(xb[:, 0], yb.astype(np.float32))
        orders.append(seen.tolist())
    assert orders[0] != orders[1] != orders[2], "each epoch is shuffled anew"


def test_loader_batches_are_tensors_and_drop_last():
    loader = data.DataLoader((np.ones((10, 1, 2, 2), np.float32), np.arange(10)), 4,
                             drop_last=True)
    batches = list(loader)
    assert len(loader) == len(batches) == 2
    xb, yb = batches[0]
    assert isinstance(xb, ad.Tensor) and xb.dtype == np.float32 and xb.shape == (4, 1, 2, 2)
    assert yb.dtype == np.int64 and yb.numpy().tolist() == [0, 1, 2, 3]


def test_loader_is_reproducible_and_its_state_resumes():
    def make():
        return data.DataLoader((np.arange(12.0), np.arange(12)), 4, shuffle=True, seed=7)
    a, b = make(), make()
    assert [y.tolist() for _, y in _epoch(a)] == [y.tolist() for _, y in _epoch(b)]
    state = a.state_dict()
    expected = _epoch(a)
    resumed = make()
    resumed.load_state_dict(state)
    assert [y.tolist() for _, y in _epoch(resumed)] == [y.tolist() for _, y in expected]


@pytest.mark.parametrize("size", [0, -1, 2.5, True])
def test_loader_refuses_bad_batch_sizes(size):
    with pytest.raises(ValueError, match="batch_size must be a positive integer"):
        data.DataLoader((np.zeros(3), np.zeros(3)), batch_size=size)


def test_loader_puts_batches_on_the_device(fake_cuda):
    loader = data.DataLoader((np.ones((6, 2), np.float32), np.arange(6)), 3, device="cuda")
    for xb, yb in loader:
        assert xb.device == "cuda" and yb.device == "cuda"
        assert (xb * 2.0).numpy().tolist() == [[2.0, 2.0]] * 3


def test_split_is_stratified_seeded_and_disjoint():
    _, y = data.load_digits()
    ids = np.arange(len(y))
    train, val, test = data.train_val_test_split(ids, y, val=0.1, test=0.2, seed=0)
    assert len(train) + len(val) + len(test) == len(y)
    parts = [set(s.tensors[0].tolist()) for s in (train, val, test)]
    assert not (parts[0] & parts[1] or parts[0] & parts[2] or parts[1] & parts[2])
    assert abs(len(test) - 0.2 * len(y)) <= 10 and abs(len(val) - 0.1 * len(y)) <= 10
    full = data.class_counts(y)
    for c, count in data.class_counts(test.tensors[1]).items():
        assert count == round(full[c] * 0.2), "every class keeps its share in the test set"
    again = data.train_val_test_split(ids, y, val=0.1, test=0.2, seed=0)[2]
    other = data.train_val_test_split(ids, y, val=0.1, test=0.2, seed=1)[2]
    assert np.array_equal(again.tensors[0], test.tensors[0])
    assert not np.array_equal(other.tensors[0], test.tensors[0])


def test_split_without_validation_and_bad_fractions():
    train, val, test = data.train_val_test_split(np.arange(10.0), np.arange(10) % 2, val=0,
                                                 test=0.2)
    assert (len(train), len(val), len(test)) == (8, 0, 2)
    with pytest.raises(ValueError, match="val \\+ test < 1"):
        data.train_val_test_split(np.arange(4.0), val=0.5, test=0.5)
