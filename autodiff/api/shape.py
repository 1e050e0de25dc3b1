"""Shape and indexing with PyTorch's names and meanings, built from the shape primitives
(reshape, transpose, broadcast_to, getitem, concatenate): no derivative code here.

Where NumPy and PyTorch differ, PyTorch wins: ``transpose(x, 0, 1)`` swaps two dims,
``squeeze(dim)`` of a dim whose size is not 1 leaves the tensor as it is, and
``size()`` is a method returning the shape (``numel()`` counts the elements).
"""
from __future__ import annotations

import math

from ..ops import shape as _shp
from ..ops.elementwise import where as _where
from ..ops.pointwise import CLONE
from ..tensor import Tensor, apply, as_tensor
from .dims import dim_in, dims_in, numpy_names, sizes
from .promotion import common


class Size(tuple):
    """A shape (PyTorch's ``torch.Size``): a tuple of ints that also knows ``numel()``."""

    def numel(self) -> int:
        return math.prod(self)

    def __repr__(self) -> str:
        return f"Size({list(self)})"


# ---- what shape it has -------------------------------------------------------------------
def size(x, dim: int | None = None):
    """The shape as a ``Size``, or the length of one dim."""
    x = as_tensor(x)
    return Size(x.shape) if dim is None else x.shape[dim_in(dim, x.ndim, "size")]


def numel(x) -> int:
    return int(as_tensor(x).array.size)


def dim(x) -> int:
    return as_tensor(x).ndim


# ---- same numbers, new shape ---------------------------------------------------------------
def reshape(x, *shape):
    """``reshape(x, (2, 3))`` or ``x.reshape(2, 3)``; one size may be -1."""
    return _shp.reshape(x, sizes(shape, "reshape"))


view = reshape                                   # no strides here: a view is a reshape


def view_as(x, other):
    return _shp.reshape(x, as_tensor(other).shape)


def contiguous(x):
    """The tensor itself when its memory is row-major, else a row-major copy (PyTorch's
    meaning; views here work either way)."""
    flags = getattr(x.array, "flags", None)
    if flags is None or flags["C_CONTIGUOUS"]:
        return x
    return x.reshape(-1).reshape(x.shape)               # flattening copies in row-major order


@numpy_names
def flatten(x, start_dim: int = 0, end_dim: int = -1):
    """Merge dims ``start_dim`` ... ``end_dim`` into one (a 0-d tensor becomes 1-d)."""
    x = as_tensor(x)
    if x.ndim == 0:
        return _shp.reshape(x, (1,))
    start, end = dim_in(start_dim, x.ndim, "flatten"), dim_in(end_dim, x.ndim, "flatten")
    if start > end:
        raise RuntimeError("flatten: start_dim cannot come after end_dim")
    return _shp.reshape(x, x.shape[:start] + (math.prod(x.shape[start:end + 1]),)
                        + x.shape[end + 1:])


def unflatten(x, dim: int, sizes):
    x = as_tensor(x)
    d = dim_in(dim, x.ndim, "unflatten")
    return _shp.reshape(x, x.shape[:d] + tuple(sizes) + x.shape[d + 1:])


@numpy_names
def unsqueeze(x, dim: int):
    """A new dim of size 1 at ``dim`` (in range -ndim-1 ... ndim)."""
    x = as_tensor(x)
    d = dim_in(dim, x.ndim + 1, "unsqueeze")
    return _shp.reshape(x, x.shape[:d] + (1,) + x.shape[d:])


expand_dims = unsqueeze                          # NumPy's name


@numpy_names
def squeeze(x, dim=None):
    """Drop dims of size 1 (all of them, or those of ``dim`` whose size is 1)."""
    x = as_tensor(x)
    dims = dims_in(dim, x.ndim, "squeeze")
    return _shp.reshape(x, tuple(n for i, n in enumerate(x.shape) if i not in dims or n != 1))


# ---- reordering dims ------------------------------------------------------------------------
@numpy_names
def permute(x, *dims):
    x = as_tensor(x)
    order = sizes(dims, "permute")
    if len(order) != x.ndim:
        raise RuntimeError(f"permute: the number of dims {len(order)} does not match the "
                           f"tensor's {x.ndim} (shape {x.shape})")
    return _shp.transpose(x, tuple(dim_in(d, x.ndim, "permute") for d in order))


def transpose(x, dim0=None, dim1=None):
    """Swap dims ``dim0`` and ``dim1`` (PyTorch's meaning). The first version's NumPy
    forms stay: ``transpose(x)`` reverses the dims, ``transpose(x, (2, 0, 1))`` permutes."""
    x = as_tensor(x)
    if dim1 is None:
        return _shp.transpose(x, None if dim0 is None else tuple(dim0))
    a, b = dim_in(dim0, x.ndim, "transpose"), dim_in(dim1, x.ndim, "transpose")
    order = list(range(x.ndim))
    order[a], order[b] = b, a
    return _shp.transpose(x, tuple(order))


def t(x):
    """The transpose of a matrix (a 0-d or 1-d tensor is returned as it is)."""
    x = as_tensor(x)
    if x.ndim > 2:
        raise RuntimeError(f"t() expects a tensor with <= 2 dimensions, but self is {x.ndim}D")
    return x if x.ndim < 2 else transpose(x, 0, 1)


def reversed_dims(x):
    """``x.T``: every dim reversed."""
    return _shp.transpose(x, None)


def matrix_transpose(x):
    """``x.mT``: the last two dims swapped (a batch of matrices, each transposed)."""
    x = as_tensor(x)
    if x.ndim < 2:
        raise RuntimeError(f"mT: expected a tensor with 2 or more dimensions, got {x.ndim}")
    return transpose(x, -2, -1)


def movedim(x, source, destination):
    x = as_tensor(x)
    src = [dim_in(d, x.ndim, "movedim") for d in ((source,) if isinstance(source, int)
                                                   else source)]
    dst = [dim_in(d, x.ndim, "movedim") for d in ((destination,) if isinstance(destination, int)
                                                   else destination)]
    order = [d for d in range(x.ndim) if d not in src]
    for d, s in sorted(zip(dst, src)):
        order.insert(d, s)
    return _shp.transpose(x, tuple(order))


# ---- broadcasting and tiling -----------------------------------------------------------------
def expand(x, *shape):
    """A broadcast view with ``shape``; -1 keeps a dim's size, new dims go in front."""
    x = as_tensor(x)
    shape = sizes(shape, "expand")
    lead = len(shape) - x.ndim
    if lead < 0:
        raise RuntimeError(f"expand: the number of sizes {len(shape)} must be at least the "
                           f"tensor's dims {x.ndim} (shape {x.shape})")
    full = tuple(x.shape[i - lead] if n == -1 and i >= lead else n for i, n in enumerate(shape))
    return _shp.broadcast_to(x, full)


def expand_as(x, other):
    return _shp.broadcast_to(x, as_tensor(other).shape)


def repeat(x, *repeats):
    """Tile: ``repeat(x, 2, 3)`` repeats a matrix twice down and three times across."""
    x = as_tensor(x)
    reps = sizes(repeats, "repeat")
    if len(reps) < x.ndim:
        raise RuntimeError(f"repeat: {len(reps)} repeats for a {x.ndim}-d tensor; give at "
                           "least one per dim")
    shape = (1,) * (len(reps) - x.ndim) + x.shape
    spaced = _shp.reshape(x, tuple(m for n in shape for m in (1, n)))
    tiled = _shp.broadcast_to(spaced, tuple(m for r, n in zip(reps, shape) for m in (r, n)))
    return _shp.reshape(tiled, tuple(r * n for r, n in zip(reps, shape)))


# ---- joining and cutting ----------------------------------------------------------------------
@numpy_names
def cat(tensors, dim: int = 0):
    tensors = [as_tensor(t) for t in tensors]
    if not tensors:
        raise ValueError("cat: expected a non-empty list of tensors")
    tensors = common(tensors)                           # int64 with float32 gives float32
    return _shp.concatenate(tensors, dim_in(dim, tensors[0].ndim, "cat"))


concatenate = concat = cat


@numpy_names
def stack(tensors, dim: int = 0):
    tensors = [as_tensor(t) for t in tensors]
    if not tensors:
        raise ValueError("stack: expected a non-empty list of tensors")
    tensors = common(tensors)
    return _shp.stack(tensors, dim_in(dim, tensors[0].ndim + 1, "stack"))


def narrow(x, dim: int, start: int, length: int):
    x = as_tensor(x)
    d = dim_in(dim, x.ndim, "narrow")
    start = start % x.shape[d] if start < 0 else start
    if start + length > x.shape[d] or length < 0:
        raise RuntimeError(f"narrow: start ({start}) + length ({length}) exceeds dimension "
                           f"size ({x.shape[d]})")
    return _shp.getitem(x, (slice(None),) * d + (slice(start, start + length),))


@numpy_names
def split(x, split_size_or_sections, dim: int = 0):
    """Pieces of ``split_size`` along ``dim`` (the last may be smaller), or of the listed sizes."""
    x = as_tensor(x)
    d = dim_in(dim, x.ndim, "split")
    n = x.shape[d]
    if isinstance(split_size_or_sections, int):
        step = split_size_or_sections
        lengths = [min(step, n - s) for s in range(0, n, step)] if n else [0]
    else:
        lengths = list(split_size_or_sections)
        if sum(lengths) != n:
            raise RuntimeError(f"split: sizes {lengths} sum to {sum(lengths)}, not to the "
                               f"size {n} of dim {d}")
    pieces, start = [], 0
    for length in lengths:
        pieces.append(narrow(x, d, start, length))
        start += length
    return tuple(pieces)


@numpy_names
def chunk(x, chunks: int, dim: int = 0):
    """At most ``chunks`` pieces of equal size (the last may be smaller), as in PyTorch."""
    x = as_tensor(x)
    n = x.shape[dim_in(dim, x.ndim, "chunk")]
    return split(x, max(-(-n // chunks), 1), dim)


@numpy_names
def unbind(x, dim: int = 0):
    x = as_tensor(x)
    d = dim_in(dim, x.ndim, "unbind")
    return tuple(_shp.getitem(x, (slice(None),) * d + (i,)) for i in range(x.shape[d]))


@numpy_names
def flip(x, *args, dims=None):
    """Reverse the order along ``dims`` (``flip(x, 0)`` or ``flip(x, dims=(0, 1))``)."""
    x = as_tensor(x)
    flipped = dims_in(sizes(args or (dims,), "flip"), x.ndim, "flip")
    return _shp.getitem(x, tuple(slice(None, None, -1) if d in flipped else slice(None)
                                 for d in range(x.ndim)))


@numpy_names
def roll(x, shifts, dims=None):
    """Shift elements along ``dims`` cyclically (over the flattened tensor when None)."""
    x = as_tensor(x)
    if dims is None:
        return _shp.reshape(roll(_shp.reshape(x, (-1,)), shifts, 0), x.shape)
    shifts = (shifts,) if isinstance(shifts, int) else tuple(shifts)
    dims = (dims,) if isinstance(dims, int) else tuple(dims)
    xp = x.backend.xp
    for shift, d in zip(shifts, dims):
        d = dim_in(d, x.ndim, "roll")
        x = index_select(x, d, (xp.arange(x.shape[d]) - shift) % max(x.shape[d], 1))
    return x


# ---- indexing -------------------------------------------------------------------------------
def _array(index):
    return index.array if isinstance(index, Tensor) else index


def index_select(x, dim: int, index):
    x = as_tensor(x)
    d = dim_in(dim, x.ndim, "index_select")
    return _shp.getitem(x, (slice(None),) * d + (_array(index),))


def select(x, dim: int, index: int):
    x = as_tensor(x)
    return _shp.getitem(x, (slice(None),) * dim_in(dim, x.ndim, "select") + (index,))


def _positions(x, dim: int, index):
    """The advanced index that picks x[..., index[i, j, k], ...] along ``dim``."""
    index = _array(index)
    if index.ndim != x.ndim:
        raise RuntimeError(f"gather/scatter: index has {index.ndim} dims but the input has "
                           f"{x.ndim} (shape {x.shape}); they must match")
    xp = x.backend.xp
    return tuple(index if d == dim else
                 xp.arange(n).reshape((n,) + (1,) * (index.ndim - d - 1))
                 for d, n in enumerate(index.shape))


def gather(x, dim: int, index):
    """out[i][j] = x[i][index[i][j]] (for dim=1); the gradient is scattered back."""
    x = as_tensor(x)
    return _shp.getitem(x, _positions(x, dim_in(dim, x.ndim, "gather"), index))


def _scattered(x, dim, index, src):
    """(where to write, what lands there) for scatter and scatter_add."""
    d = dim_in(dim, x.ndim, "scatter")
    places = _positions(x, d, index)
    shape = _array(index).shape
    if isinstance(src, Tensor) and src.ndim:
        src = _shp.getitem(src, tuple(slice(0, n) for n in shape))
    else:
        src = _shp.broadcast_to(as_tensor(src).astype(x.dtype)
                                if isinstance(src, Tensor) else
                                Tensor._wrap(x.backend.xp.full(shape, src, dtype=x.dtype)), shape)
    return places, _shp.scatter_add(src, places, x.shape)


def scatter(x, dim: int, index, src=None, value=None):
    """A copy of x with src (or ``value``) written at the places ``index`` names along ``dim``."""
    x = as_tensor(x)
    places, written = _scattered(x, dim, index, value if src is None else src)
    hit = x.backend.xp.zeros(x.shape, dtype=bool)
    hit[places] = True
    return _where(Tensor._wrap(hit), written, x)


def scatter_add(x, dim: int, index, src):
    x = as_tensor(x)
    return x + _scattered(x, dim, index, src)[1]


def masked_fill(x, mask, value):
    """``value`` where ``mask`` holds, else x; x keeps its dtype (no promotion)."""
    x = as_tensor(x)
    if not isinstance(value, Tensor):
        value = x.dtype.type(value) if x.dtype != object else value
    return _where(mask, value, x)


def nonzero(x, as_tuple: bool = False):
    """Indices of the non-zero elements: (count, ndim) int64, or one 1-d tensor per dim."""
    x = as_tensor(x)
    xp = x.backend.xp
    if x.ndim == 0:
        x = _shp.reshape(x, (1,))
        return (Tensor._wrap(xp.nonzero(x.array)[0].astype("int64")),) if as_tuple else \
            Tensor._wrap(xp.zeros((int(xp.count_nonzero(x.array)), 0), dtype="int64"))
    found = xp.nonzero(x.array)
    if as_tuple:
        return tuple(Tensor._wrap(i.astype("int64")) for i in found)
    return Tensor._wrap(xp.stack(found, axis=1).astype("int64").reshape(-1, x.ndim))


def where(condition, x=None, y=None):
    """``x`` where ``condition`` holds, else ``y``; with the condition alone, its nonzero indices."""
    if x is None and y is None:
        return nonzero(condition, as_tuple=True)
    return _where(condition, x, y)


def clone(x):
    """A copy with its own memory; the gradient passes through unchanged."""
    return apply(CLONE, x)
