"""Student idioms found wrong by a side-by-side run against PyTorch, each checked against torch.

Every test writes the idiom once for a module ``T`` and runs it with ``torch`` and with
``autodiff`` (``T.nn`` is ``nn``), comparing values (float64), shapes and dtype names.
"""
import numpy as np
import pytest

import autodiff as ad
import nn

torch = pytest.importorskip("torch")


def both(idiom):
    """The idiom's result with torch and with ours, as (value, dtype name) pairs."""
    return _plain(idiom(torch)), _plain(idiom(ad))


def _plain(out):
    if isinstance(out, (tuple, list)):
        return [_plain(v) for v in out]
    if isinstance(out, (torch.Tensor, ad.Tensor)):
        values = out.detach().numpy() if isinstance(out, torch.Tensor) else out.numpy()
        return np.asarray(values, dtype=np.float64).tolist(), str(out.dtype).split(".")[-1]
    return out


def same(idiom):
    theirs, ours = both(idiom)
    np.testing.assert_equal(ours, theirs)


def test_equal_is_torchs_bool():
    same(lambda T: (T.equal(T.tensor([1.0, 2.0]), T.tensor([1.0, 2.0])),
                    T.equal(T.tensor([1.0, 2.0]), T.tensor([1.0, 3.0])),
                    T.equal(T.tensor([1.0]), T.tensor([1.0, 1.0]))))
    assert ad.equal(ad.tensor([1, 2]), ad.tensor([1, 2])) is True
    assert ad.eq(ad.tensor([1, 2]), ad.tensor([1, 3])).tolist() == [True, False]


_ = nn
