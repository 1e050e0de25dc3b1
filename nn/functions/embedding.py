"""Class indices as vectors: ``one_hot`` (fixed) and ``embedding`` (learned rows of a table).

embedding(idx, W)[..., :] = W[idx, :]: a lookup, whose gradient adds each output row's
gradient into the row it came from (rows looked up twice get both), which is what
``getitem`` with an index array does. The row ``padding_idx`` gets no gradient.
"""
from __future__ import annotations

import autodiff as ad
from autodiff import scope

__all__ = ["embedding", "one_hot"]


def _indices(input, op: str):
    idx = ad.as_tensor(input)
    if idx.dtype.kind not in "iu":
        raise TypeError(f"{op}: expected integer indices (int64), got {idx.dtype}")
    return idx


def one_hot(tensor, num_classes: int = -1):
    """(…,) int64 indices -> (…, num_classes) int64 with a 1 at each index (no gradient)."""
    idx = _indices(tensor, "one_hot")
    xp, labels = idx.backend.xp, idx.array
    if num_classes == -1:
        num_classes = int(labels.max()) + 1 if labels.size else 0
    if labels.size and (int(labels.min()) < 0 or int(labels.max()) >= num_classes):
        raise RuntimeError(f"one_hot: class values must be in 0..{num_classes - 1}, got "
                           f"{int(labels.min())}..{int(labels.max())}")
    return ad.tensor((labels[..., None] == xp.arange(num_classes)).astype(xp.int64))


def embedding(input, weight, padding_idx: int | None = None, max_norm=None,
              norm_type: float = 2.0, scale_grad_by_freq: bool = False, sparse: bool = False):
    """Rows of ``weight`` (num_embeddings, dim) picked by the integer ``input``."""
    if max_norm is not None:
        raise ValueError("embedding: max_norm is not supported (it renormalises the weight "
                         "in place during the forward pass)")
    if scale_grad_by_freq or sparse:
        raise ValueError("embedding: scale_grad_by_freq=True and sparse=True are not supported")
    idx = _indices(input, "embedding")
    weight = ad.as_tensor(weight)
    rows = weight.shape[0]
    labels = idx.array
    if labels.size and (int(labels.min()) < -rows or int(labels.max()) >= rows):
        raise IndexError(f"embedding: index out of range in self (indices must be in "
                         f"0..{rows - 1}, got {int(labels.min())}..{int(labels.max())})")
    with scope("embedding"):
        out = ad.getitem(weight, labels)
        if padding_idx is not None:
            padding_idx = padding_idx % rows
            frozen = ad.getitem(weight.detach(), labels)    # same values, no gradient
            out = ad.where(ad.tensor(labels[..., None] == padding_idx), frozen, out)
        return out
