"""Data for training: small real and synthetic datasets, batching, and seeded splits.

Datasets live on the host as NumPy arrays (images NCHW float32 in [0, 1], labels int64);
a :class:`DataLoader` cuts them into batches and hands them out as autodiff tensors on the
device the model lives on. Everything works offline: the digits ship inside scikit-learn.

>>> x, y = load_digits()
>>> x.shape, x.dtype, y.dtype
((1797, 1, 8, 8), dtype('float32'), dtype('int64'))
"""
from __future__ import annotations

import warnings
from collections.abc import Iterator, Sequence

import numpy as np

import autodiff as ad

from .datasets import (
    ConcatDataset,
    Dataset,
    Subset,
    as_numpy_generator,
    default_collate,
    random_split,
)

__all__ = [
    "SHAPE_NAMES", "ConcatDataset", "DataLoader", "Dataset", "Subset", "TensorDataset",
    "class_counts", "default_collate", "load_digits", "random_split", "shapes", "spirals",
    "train_val_test_split", "xor",
]

SHAPE_NAMES = ("horizontal line", "vertical line", "cross", "square")


# ---- datasets ------------------------------------------------------------------------------
def load_digits() -> tuple[np.ndarray, np.ndarray]:
    """The 1,797 real 8x8 handwritten digits bundled with scikit-learn (no download).

    Returns images (1797, 1, 8, 8) float32 in [0, 1] (the raw grey levels are 0..16) and
    labels (1797,) int64 in 0..9.
    """
    from sklearn.datasets import load_digits as sklearn_digits
    bunch = sklearn_digits()
    images = (bunch.images / 16.0).astype(np.float32)[:, None, :, :]
    return images, bunch.target.astype(np.int64)


def xor(n: int = 4, noise: float = 0.0, seed: int | None = 0) -> tuple[np.ndarray, np.ndarray]:
    """The XOR truth table: label 1 exactly when one of the two inputs is 1.

    ``n=4`` gives the four corners once, in order; a larger ``n`` repeats the corners
    (cycling) and adds Gaussian ``noise``. No straight line separates the two classes,
    which is why a single perceptron cannot learn it and one hidden layer can.
    """
    if n < 1:
        raise ValueError(f"xor: n must be at least 1, got {n}")
    corners = np.array([[0, 0], [0, 1], [1, 0], [1, 1]], dtype=np.float32)
    x = corners[np.arange(n) % 4]
    if noise:
        x = x + np.random.default_rng(seed).normal(0.0, noise, x.shape).astype(np.float32)
    y = (corners[np.arange(n) % 4].sum(axis=1) == 1).astype(np.int64)
    return x, y


def spirals(n: int = 300, classes: int = 3, seed: int | None = 0,
            noise: float = 0.2) -> tuple[np.ndarray, np.ndarray]:
    """``classes`` interleaved spiral arms in the plane, ``n`` points in all.

    Arm k at radius r in [0, 1] sits at angle t = 4 (k + r) + noise, point r (sin t, cos t):
    no linear model separates them, a small MLP does.
    """
    if classes < 2 or n < classes:
        raise ValueError(f"spirals: need classes >= 2 and n >= classes, got n={n}, "
                         f"classes={classes}")
    rng = np.random.default_rng(seed)
    y = np.sort(np.arange(n) % classes).astype(np.int64)
    x = np.empty((n, 2), dtype=np.float32)
    for k in range(classes):
        rows = np.flatnonzero(y == k)
        r = np.linspace(0.0, 1.0, len(rows))
        t = 4.0 * (k + r) + rng.normal(0.0, noise, len(rows))
        x[rows] = np.stack([r * np.sin(t), r * np.cos(t)], axis=1)
    return x, y


def shapes(n: int = 1000, seed: int | None = 0, size: int = 8,
           noise: float = 0.1) -> tuple[np.ndarray, np.ndarray]:
    """Synthetic ``size`` x ``size`` images of the four :data:`SHAPE_NAMES`.

    A horizontal line, a vertical line, a cross (+) and a square outline, each at a random
    place and length, plus uniform noise: the simplest images on which learned filters look
    like the edges they detect. Returns (n, 1, size, size) float32 in [0, 1] and int64 labels
    0..3, the classes in equal numbers.
    """
    if size < 4:
        raise ValueError(f"shapes: images need size >= 4, got {size}")
    rng = np.random.default_rng(seed)
    y = (np.arange(n) % len(SHAPE_NAMES)).astype(np.int64)
    rng.shuffle(y)
    images = np.zeros((n, 1, size, size), dtype=np.float32)
    for i, label in enumerate(y):
        length = int(rng.integers(3, size + 1))
        top, left = (int(v) for v in rng.integers(0, size - length + 1, 2))
        row, col = (int(v) for v in rng.integers(0, size, 2))
        picture = images[i, 0]
        if label == 0:
            picture[row, left:left + length] = 1.0
        elif label == 1:
            picture[top:top + length, col] = 1.0
        elif label == 2:
            middle_row, middle_col = top + length // 2, left + length // 2
            picture[middle_row, left:left + length] = 1.0
            picture[top:top + length, middle_col] = 1.0
        else:
            bottom, right = top + length - 1, left + length - 1
            picture[[top, bottom], left:right + 1] = 1.0
            picture[top:bottom + 1, [left, right]] = 1.0
    if noise:
        images += rng.uniform(0.0, noise, images.shape).astype(np.float32)
    return np.clip(images, 0.0, 1.0), y


# ---- datasets as indexable collections ---------------------------------------------------------
class TensorDataset(Dataset):
    """Samples made of parallel tensors, as PyTorch's: ``dataset[i]`` is ``(x[i], y[i])``, a
    tuple of tensors, and ``dataset.tensors`` holds the tensors. NumPy arrays are accepted
    and turned into tensors (sharing their memory); all share their first axis."""

    def __init__(self, *tensors):
        if not tensors:
            raise ValueError("TensorDataset: give at least one array")
        self.tensors = tuple(t if isinstance(t, ad.Tensor) else ad.Tensor(np.asarray(t))
                             for t in tensors)
        lengths = [t.shape[0] if t.ndim else 0 for t in self.tensors]
        if len(set(lengths)) != 1:
            raise ValueError(f"TensorDataset: arrays differ in their first axis: {lengths}")

    def __len__(self) -> int:
        return self.tensors[0].shape[0]

    def __getitem__(self, index):
        return tuple(t[index] for t in self.tensors)

    def arrays(self) -> tuple:
        """The tensors' arrays on the host (what the loader cuts batches from)."""
        return tuple(t.numpy() for t in self.tensors)

    def __repr__(self) -> str:
        shapes_ = ", ".join(f"{t.shape} {t.dtype}" for t in self.tensors)
        return f"TensorDataset({len(self)} samples: {shapes_})"


def _batch(dataset, indices: np.ndarray, collate_fn=None, device: str = "cpu"):
    """The samples at ``indices`` as one batch: fancy indexing for a TensorDataset, else
    ``collate_fn`` (PyTorch's ``default_collate`` unless given) over the samples."""
    if collate_fn is None and isinstance(dataset, TensorDataset):
        return tuple(ad.tensor(a[indices], device=device) for a in dataset.arrays())
    samples = [dataset[int(i)] for i in indices]
    return collate_fn(samples) if collate_fn is not None else default_collate(samples, device)


class DataLoader:
    """Batches of a dataset as autodiff tensors on ``device``, reshuffled every epoch.

    With ``shuffle=True`` the order comes from the loader's own NumPy generator, seeded by
    ``seed``: the same seed gives the same epochs. ``state_dict()`` captures that generator
    so a resumed training draws exactly the orders the uninterrupted one would have.
    ``len(loader)`` is the number of batches per epoch.

    On a device other than the CPU, a :class:`TensorDataset` is copied there once, at the
    first epoch (``preload=True``), and each batch is cut out on the device: per epoch
    only the shuffled order (one integer per sample) crosses over, instead of every batch.
    Change the dataset's arrays after that and the loader keeps the copy it made; build a
    new loader, or pass ``preload=False`` (one explicit copy per batch, for datasets larger
    than the device's memory). Other datasets are stacked on the host and copied per batch.

    PyTorch's ``collate_fn`` (a function of the list of samples), ``num_workers`` (loading
    here always happens in this process: more than 0 gives a warning saying so),
    ``pin_memory`` (accepted; host memory is not pinned) and ``generator`` (an int seed or
    a NumPy Generator, like ``seed``) mean what they mean there.
    """

    def __init__(self, dataset, batch_size: int = 1, shuffle: bool = False,
                 seed: int | None = None, drop_last: bool = False, device: str = "cpu",
                 preload: bool = True, *, collate_fn=None, num_workers: int = 0,
                 pin_memory: bool = False, generator=None, timeout: float = 0,
                 worker_init_fn=None, persistent_workers: bool = False,
                 prefetch_factor=None):
        if isinstance(num_workers, bool) or not isinstance(num_workers, int) or num_workers < 0:
            raise ValueError("DataLoader: num_workers option should be non-negative; use "
                             "num_workers=0 to disable multiprocessing.")
        if num_workers > 0:
            warnings.warn(f"DataLoader: num_workers={num_workers} is accepted, but batches are "
                          "loaded in the main process (no worker processes here)", stacklevel=2)
        if collate_fn is not None and not callable(collate_fn):
            raise TypeError("DataLoader: collate_fn must be callable")
        self.collate_fn, self.num_workers, self.pin_memory = collate_fn, num_workers, pin_memory
        if generator is not None:
            seed = generator
        if isinstance(dataset, tuple):
            dataset = TensorDataset(*dataset)
        if isinstance(batch_size, bool) or not isinstance(batch_size, (int, np.integer)) \
                or batch_size < 1:
            raise ValueError(f"DataLoader: batch_size must be a positive integer, "
                             f"got {batch_size!r}")
        if len(dataset) == 0:
            raise ValueError("DataLoader: the dataset is empty")
        self.dataset = dataset
        self.batch_size = int(batch_size)
        self.shuffle = shuffle
        self.drop_last = drop_last
        self.device = device
        self.preload = preload
        self.generator = np.random.default_rng(seed) if seed is None or isinstance(seed, int) \
            else as_numpy_generator(seed)
        self._on_device: tuple | None = None     # (host arrays, backend, their device copies)

    def __len__(self) -> int:
        n = len(self.dataset)
        return n // self.batch_size if self.drop_last else -(-n // self.batch_size)

    def __iter__(self) -> Iterator[tuple]:
        n = len(self.dataset)
        order = self.generator.permutation(n) if self.shuffle else np.arange(n)
        backend = ad.get_backend(self.device)
        if backend.name != "cpu" and self.preload and isinstance(self.dataset, TensorDataset) \
                and self.collate_fn is None:
            yield from self._device_batches(order, backend)
            return
        for start in range(0, len(self) * self.batch_size, self.batch_size):
            indices = order[start:start + self.batch_size]
            yield _batch(self.dataset, indices, self.collate_fn, self.device)

    def _device_batches(self, order: np.ndarray, backend) -> Iterator[tuple]:
        """Batches gathered on the device from its copy of the dataset."""
        columns = self._device_columns(backend)
        order = backend.from_host(order)            # the epoch's one copy to the device
        for start in range(0, len(self) * self.batch_size, self.batch_size):
            picked = order[start:start + self.batch_size]
            yield tuple(ad.tensor(column[picked]) for column in columns)

    def _device_columns(self, backend) -> tuple:
        """The dataset's arrays on the device, copied over (explicitly) the first time."""
        arrays = self.dataset.tensors
        if self._on_device is None or self._on_device[0] is not arrays \
                or self._on_device[1] is not backend:
            self._on_device = (arrays, backend,
                               tuple(backend.from_host(a) for a in self.dataset.arrays()))
        return self._on_device[2]

    def state_dict(self) -> dict:
        """The shuffling generator's state (plain Python values)."""
        return {"generator": self.generator.bit_generator.state}

    def load_state_dict(self, state: dict) -> None:
        self.generator.bit_generator.state = state["generator"]

    def __repr__(self) -> str:
        return (f"DataLoader({len(self.dataset)} samples, batch_size={self.batch_size}, "
                f"shuffle={self.shuffle}, device={self.device!r})")


# ---- splits ---------------------------------------------------------------------------------
def train_val_test_split(*arrays, val: float = 0.1, test: float = 0.2, seed: int | None = 0,
                         stratify: bool = True) -> tuple[TensorDataset, ...]:
    """Split parallel arrays into (train, val, test) TensorDatasets, seeded.

    Stratified by default on the last array (the labels): each class contributes
    round(count * test) samples to test and round(count * val) to val, so every split keeps
    the class proportions. ``val=0`` gives an empty validation set.
    """
    if not arrays:
        raise ValueError("train_val_test_split: give at least one array")
    if not (0 <= val < 1 and 0 <= test < 1 and val + test < 1):
        raise ValueError(f"train_val_test_split: need 0 <= val, test and val + test < 1, "
                         f"got val={val}, test={test}")
    full = TensorDataset(*arrays)
    rng = np.random.default_rng(seed)
    labels = full.arrays()[-1]
    if stratify and labels.ndim == 1 and np.issubdtype(labels.dtype, np.integer):
        groups = [np.flatnonzero(labels == c) for c in np.unique(labels)]
    else:
        groups = [np.arange(len(full))]
    parts: tuple[list, list, list] = ([], [], [])
    for group in groups:
        group = rng.permutation(group)
        n_test, n_val = round(len(group) * test), round(len(group) * val)
        parts[2].append(group[:n_test])
        parts[1].append(group[n_test:n_test + n_val])
        parts[0].append(group[n_test + n_val:])
    splits = []
    for pieces in parts:
        indices = np.sort(np.concatenate(pieces))
        splits.append(TensorDataset(*(a[indices] for a in full.arrays())))
    return tuple(splits)


def class_counts(labels: Sequence[int]) -> dict[int, int]:
    """How many samples each label has (to check that a split kept the proportions)."""
    values, counts = np.unique(np.asarray(labels), return_counts=True)
    return {int(v): int(c) for v, c in zip(values, counts)}
