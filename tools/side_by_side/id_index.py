"""Indexing, setitem, gather/scatter, where."""
import numpy as np

from harness import add, idiom, rng


def X(T, *shape, seed=0):
    return T.tensor(rng(seed).standard_normal(shape))


def M(T):
    return T.arange(12.0).view(3, 4)


S = add
S("int_index", lambda T: M(T)[1])
S("int_int", lambda T: M(T)[1, 2])
S("int_int_is_0d", lambda T: M(T)[1, 2].dim())
S("neg_index", lambda T: M(T)[-1])
S("slice", lambda T: M(T)[:, 1:3])
S("slice_step", lambda T: M(T)[::2, ::-1] if False else M(T)[::2, 1::2])
S("ellipsis", lambda T: X(T, 2, 3, 4)[..., 0])
S("none_index", lambda T: M(T)[None].shape)
S("none_mid", lambda T: M(T)[:, None, :].shape)
S("bool_mask", lambda T: M(T)[M(T) > 5])
S("bool_mask_row", lambda T: M(T)[T.tensor([True, False, True])])
S("int_tensor_index", lambda T: M(T)[T.tensor([0, 2])])
S("list_index", lambda T: M(T)[[0, 2]])
S("adv_pair", lambda T: M(T)[T.tensor([0, 1, 2]), T.tensor([3, 2, 1])])
S("adv_with_slice", lambda T: M(T)[:, T.tensor([0, 3])])
S("adv_2d_index", lambda T: M(T)[T.tensor([[0, 1], [2, 0]])])
S("index_0d_tensor", lambda T: M(T)[T.tensor(1)])
S("out_of_range_raises", lambda T: M(T)[5])
S("arange_pick", lambda T: X(T, 4, 3)[T.arange(4), T.tensor([0, 2, 1, 0])])
S("index_select", lambda T: M(T).index_select(1, T.tensor([0, 2])))
S("T_index_select", lambda T: T.index_select(M(T), 0, T.tensor([2, 0])))
S("gather", lambda T: M(T).gather(1, T.tensor([[0], [3], [1]])))
S("T_gather", lambda T: T.gather(M(T), 0, T.tensor([[2, 1, 0, 0]])))
S("scatter", lambda T: T.zeros(3, 4).scatter(1, T.tensor([[1], [0], [3]]), 1.0))
S("scatter_src", lambda T: T.zeros(2, 3).scatter(1, T.tensor([[2], [0]]), T.ones(2, 1) * 7))
S("scatter_add", lambda T: T.zeros(5).scatter_add(0, T.tensor([0, 1, 1, 4]), T.ones(4)))
S("index_add", lambda T: T.zeros(3).index_add(0, T.tensor([0, 0, 2]), T.tensor([1.0, 2, 3])))
S("masked_fill", lambda T: M(T).masked_fill(M(T) > 6, -1.0))
S("masked_fill_neg_inf", lambda T: X(T, 2, 3).masked_fill(T.tensor([[True, False, False],
                                                                    [False, False, True]]),
                                                          float("-inf")))
S("where3", lambda T: T.where(M(T) > 4, M(T), T.zeros(3, 4)))
S("where_scalar", lambda T: T.where(M(T) > 4, M(T), 0.0))
S("where_scalar_both", lambda T: T.where(T.tensor([True, False]), 1.0, 0.0))
S("where1", lambda T: T.where(T.tensor([0, 3, 0, 4]) > 0))
S("nonzero", lambda T: T.tensor([[0, 1], [2, 0]]).nonzero())
S("nonzero_as_tuple", lambda T: T.tensor([0, 1, 2, 0]).nonzero(as_tuple=True))
S("argwhere", lambda T: T.argwhere(T.tensor([[0, 1], [2, 0]])))
S("clone", lambda T: M(T).clone())
S("take_along_dim", lambda T: T.take_along_dim(M(T), T.tensor([[0], [1], [2]]), dim=1))
S("masked_select", lambda T: T.masked_select(M(T), M(T) > 8))
S("tril", lambda T: T.tril(M(T)))
S("triu_k", lambda T: M(T).triu(1))
S("diag", lambda T: T.diag(T.tensor([1.0, 2.0])))
S("diagonal", lambda T: M(T).diagonal())


def _grad(T, f, shape=(3, 4)):
    x = T.tensor(rng(3).standard_normal(shape), requires_grad=True)
    y = f(x)
    (y * y).sum().backward()
    return y, x.grad


S("grad_slice", lambda T: _grad(T, lambda x: x[:, 1:3]))
S("grad_int", lambda T: _grad(T, lambda x: x[1]))
S("grad_mask", lambda T: _grad(T, lambda x: x[x > 0]))
S("grad_repeated_index", lambda T: _grad(T, lambda x: x[T.tensor([0, 0, 2])]))
S("grad_adv_pair", lambda T: _grad(T, lambda x: x[T.tensor([0, 0]), T.tensor([1, 1])]))
S("grad_gather", lambda T: _grad(T, lambda x: x.gather(1, T.tensor([[0, 0], [1, 3], [2, 2]]))))
S("grad_index_select", lambda T: _grad(T, lambda x: x.index_select(0, T.tensor([2, 2, 0]))))
S("grad_masked_fill", lambda T: _grad(T, lambda x: x.masked_fill(x > 0, 0.0)))
S("grad_where", lambda T: _grad(T, lambda x: T.where(x > 0, x * 2, -x)))
S("grad_scatter_src", lambda T: _grad(
    T, lambda x: T.zeros(3, 5, dtype=T.float64).scatter(1, T.tensor([[0, 1], [2, 3], [4, 0]]),
                                                          x[:, :2])))


@idiom
def setitem_int(T):
    x = T.zeros(3)
    x[1] = 5.0
    return x


@idiom
def setitem_slice_tensor(T):
    x = T.zeros(2, 3)
    x[:, 1:] = T.ones(2, 2)
    return x


@idiom
def setitem_mask(T):
    x = T.arange(6.0)
    x[x > 2] = 0
    return x


@idiom
def setitem_broadcast(T):
    x = T.zeros(2, 3)
    x[0] = T.tensor([1.0, 2.0, 3.0])
    return x


@idiom
def setitem_adv(T):
    x = T.zeros(3, 3)
    x[T.tensor([0, 1]), T.tensor([2, 0])] = 9.0
    return x


@idiom
def setitem_float_into_int_truncates(T):
    x = T.zeros(3, dtype=T.int64)
    x[0] = 2.7
    return x


@idiom
def setitem_grad_flows(T):
    w = T.tensor([1.0, 2.0, 3.0], requires_grad=True)
    y = w * 2
    y[0] = 0.0
    y.sum().backward()
    return y, w.grad


@idiom
def setitem_value_grad(T):
    v = T.tensor(3.0, requires_grad=True)
    x = T.zeros(3)
    x[1] = v
    (x * T.tensor([1.0, 2.0, 3.0])).sum().backward()
    return x, v.grad


@idiom
def setitem_leaf_requires_grad_raises(T):
    w = T.ones(3, requires_grad=True)
    w[0] = 2.0
    return w


@idiom
def setitem_shape_mismatch_raises(T):
    x = T.zeros(2, 3)
    x[0] = T.ones(4)
    return x


@idiom
def getitem_view_shares(T):
    x = T.zeros(2, 3)
    r = x[0]
    r += 1
    return x


@idiom
def one_hot_via_scatter(T):
    y = T.tensor([2, 0, 1])
    return T.zeros(3, 3).scatter_(1, y.unsqueeze(1), 1.0)


@idiom
def index_put_accumulate(T):
    x = T.zeros(3)
    return x.index_put_((T.tensor([0, 0, 2]),), T.tensor([1.0, 1.0, 5.0]), accumulate=True)


_ = np
S("neg_step_slice_raises", lambda T: M(T)[::-1])
S("bool_index_0d_true", lambda T: T.tensor(5.0)[T.tensor(True)])
S("index_empty_list", lambda T: M(T)[T.tensor([], dtype=T.int64)])
