"""PyTorch's dataset protocol (``torch.utils.data``): a ``Dataset`` is anything with
``__getitem__(i)`` and ``__len__``; ``Subset`` is a view of some of its indices;
``random_split`` cuts one into non-overlapping random pieces; ``default_collate`` stacks a
list of samples into one batch, keeping the samples' structure (tuple, dict, tensor)."""
from __future__ import annotations

import math
import warnings
from collections.abc import Mapping, Sequence

import numpy as np

import autodiff as ad

__all__ = ["ConcatDataset", "Dataset", "Subset", "as_numpy_generator", "default_collate",
           "random_split"]


class Dataset:
    """Base class of map-style datasets: subclass it, define ``__getitem__`` and ``__len__``."""

    def __getitem__(self, index):
        raise NotImplementedError(f"{type(self).__name__} defines no __getitem__")

    def __add__(self, other: Dataset) -> ConcatDataset:
        return ConcatDataset([self, other])


class ConcatDataset(Dataset):
    """Datasets one after another: index len(a) is the first sample of b."""

    def __init__(self, datasets):
        self.datasets = list(datasets)
        if not self.datasets:
            raise ValueError("ConcatDataset: datasets should not be an empty iterable")
        self.cumulative_sizes = np.cumsum([len(d) for d in self.datasets]).tolist()

    def __len__(self) -> int:
        return self.cumulative_sizes[-1]

    def __getitem__(self, index):
        if index < 0:
            index += len(self)
        if not 0 <= index < len(self):
            raise IndexError(f"ConcatDataset: index {index} out of range for {len(self)}")
        part = int(np.searchsorted(self.cumulative_sizes, index, side="right"))
        start = self.cumulative_sizes[part - 1] if part else 0
        return self.datasets[part][index - start]


class Subset(Dataset):
    """The samples of ``dataset`` at ``indices``, in that order."""

    def __init__(self, dataset, indices: Sequence[int]):
        self.dataset, self.indices = dataset, [int(i) for i in indices]

    def __getitem__(self, index):
        if isinstance(index, (list, np.ndarray)):
            return self.dataset[[self.indices[i] for i in index]]
        return self.dataset[self.indices[index]]

    def __len__(self) -> int:
        return len(self.indices)


def _lengths_from_fractions(fractions: Sequence[float], n: int) -> list[int]:
    """PyTorch's rule: floor(n f) each, then the remainder one by one, round robin."""
    lengths = [math.floor(n * f) for f in fractions]
    for i in range(n - sum(lengths)):
        lengths[i % len(lengths)] += 1
    for i, length in enumerate(lengths):
        if length == 0:
            warnings.warn(f"random_split: length of split at index {i} is 0. This might "
                          "result in an empty dataset.", stacklevel=3)
    return lengths


def random_split(dataset, lengths: Sequence[float], generator=None) -> list[Subset]:
    """Non-overlapping random ``Subset``s of the given lengths, or fractions summing to 1.

    ``generator``: an int seed, a NumPy ``Generator``, or None (then ``nn.manual_seed``'s
    generator), so a seeded split is the same every run.
    """
    n = len(dataset)
    if math.isclose(sum(lengths), 1) and sum(lengths) <= 1:
        if any(f < 0 or f > 1 for f in lengths):
            raise ValueError(f"random_split: fractions must be in [0, 1], got {list(lengths)}")
        lengths = _lengths_from_fractions(lengths, n)
    if sum(lengths) != n:
        raise ValueError("random_split: Sum of input lengths does not equal the length of the "
                         f"input dataset! ({sum(lengths)} != {n})")
    order = as_numpy_generator(generator).permutation(n).tolist()
    splits, start = [], 0
    for length in lengths:
        splits.append(Subset(dataset, order[start:start + int(length)]))
        start += int(length)
    return splits


def as_numpy_generator(generator) -> np.random.Generator:
    """A NumPy generator from what PyTorch code passes as ``generator=``: None (the shared
    ``nn.manual_seed`` one), an int seed, a NumPy Generator, or an object with
    ``initial_seed()`` (a torch-style Generator seeded with ``manual_seed``)."""
    if generator is None:
        from .rng import generator as shared
        return shared()
    if isinstance(generator, np.random.Generator):
        return generator
    if isinstance(generator, ad.Generator):
        return generator.numpy                       # its own stream, advancing as torch's
    if hasattr(generator, "initial_seed"):
        return np.random.default_rng(int(generator.initial_seed()))
    return np.random.default_rng(generator)


def default_collate(samples: list, device: str = "cpu"):
    """Stack a list of samples into a batch with the samples' structure: tensors, arrays and
    numbers become one tensor with a new first axis; tuples and dicts are collated per field
    (a tuple of fields gives a tuple of batches); strings stay a list."""
    first = samples[0]
    if isinstance(first, ad.Tensor):
        return ad.tensor(np.stack([s.numpy() for s in samples]), device=device)
    if isinstance(first, (np.ndarray, np.generic, int, float, bool)):
        return ad.tensor(np.stack([np.asarray(s) for s in samples]), device=device)
    if isinstance(first, str):
        return list(samples)
    if isinstance(first, Mapping):
        return {key: default_collate([s[key] for s in samples], device) for key in first}
    if isinstance(first, Sequence):
        columns = [default_collate(list(column), device) for column in zip(*samples)]
        return tuple(columns) if isinstance(first, tuple) else columns
    raise TypeError(f"default_collate: samples must be tensors, arrays, numbers, dicts or "
                    f"tuples, got {type(first).__name__}")
