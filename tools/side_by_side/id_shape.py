"""Shape ops."""
import numpy as np

from harness import add, idiom, rng


def X(T, *shape, seed=0):
    return T.tensor(rng(seed).standard_normal(shape))


def G(T, x):
    """Gradient of a weighted sum of x's function (weights fixed)."""
    return x


S = add
S("view", lambda T: X(T, 2, 6).view(3, 4))
S("view_minus1", lambda T: X(T, 2, 6).view(-1, 3))
S("view_tuple", lambda T: X(T, 2, 6).view((4, 3)))
S("view_as", lambda T: X(T, 2, 6).view_as(X(T, 12)))
S("reshape", lambda T: X(T, 2, 6).reshape(3, -1))
S("reshape_tuple", lambda T: X(T, 2, 6).reshape((12,)))
S("T_reshape_fn", lambda T: T.reshape(X(T, 2, 6), (6, 2)))
S("permute", lambda T: X(T, 2, 3, 4).permute(2, 0, 1))
S("permute_tuple", lambda T: X(T, 2, 3, 4).permute((1, 2, 0)))
S("transpose_2d", lambda T: X(T, 2, 3).transpose(0, 1))
S("transpose_3d", lambda T: X(T, 2, 3, 4).transpose(1, 2))
S("transpose_neg", lambda T: X(T, 2, 3, 4).transpose(-1, -3))
S("T_transpose_fn", lambda T: T.transpose(X(T, 2, 3), 0, 1))
S("t", lambda T: X(T, 2, 3).t())
S("t_1d", lambda T: X(T, 3).t())
S("T_attr", lambda T: X(T, 2, 3).T)
S("mT", lambda T: X(T, 4, 2, 3).mT)
S("unsqueeze0", lambda T: X(T, 3).unsqueeze(0))
S("unsqueeze_neg", lambda T: X(T, 3).unsqueeze(-1))
S("T_unsqueeze", lambda T: T.unsqueeze(X(T, 2, 3), 1))
S("squeeze_all", lambda T: X(T, 1, 3, 1).squeeze())
S("squeeze_dim", lambda T: X(T, 1, 3, 1).squeeze(0))
S("squeeze_dim_noop", lambda T: X(T, 2, 3).squeeze(0))
S("squeeze_tuple", lambda T: X(T, 1, 3, 1).squeeze((0, 2)))
S("flatten_all", lambda T: X(T, 2, 3, 4).flatten())
S("flatten_start", lambda T: X(T, 2, 3, 4).flatten(1))
S("flatten_range", lambda T: X(T, 2, 3, 4, 5).flatten(1, 2))
S("T_flatten", lambda T: T.flatten(X(T, 2, 3, 4), start_dim=1))
S("flatten_0d", lambda T: T.tensor(3.0).flatten())
S("unflatten", lambda T: X(T, 2, 12).unflatten(1, (3, 4)))
S("expand", lambda T: X(T, 3, 1).expand(3, 4))
S("expand_minus1", lambda T: X(T, 3, 1).expand(-1, 5))
S("expand_new_dim", lambda T: X(T, 3).expand(2, 3))
S("expand_as", lambda T: X(T, 1, 3).expand_as(X(T, 4, 3)))
S("repeat", lambda T: X(T, 2, 3).repeat(2, 1))
S("repeat_newdim", lambda T: X(T, 3).repeat(2, 2))
S("contiguous", lambda T: X(T, 2, 3).t().contiguous())
S("is_contiguous", lambda T: (X(T, 2, 3).is_contiguous(), X(T, 2, 3).t().is_contiguous()))
S("size", lambda T: X(T, 2, 3).size())
S("size_dim", lambda T: X(T, 2, 3).size(1))
S("size_neg", lambda T: X(T, 2, 3).size(-1))
S("shape_index", lambda T: X(T, 2, 3).shape[0])
S("shape_tuple_eq", lambda T: X(T, 2, 3).shape == (2, 3))
S("numel", lambda T: X(T, 2, 3).numel())
S("T_numel", lambda T: T.numel(X(T, 4, 3)))
S("dim", lambda T: X(T, 2, 3).dim())
S("ndim", lambda T: X(T, 2, 3).ndim)
S("chunk", lambda T: X(T, 6, 2).chunk(3))
S("chunk_uneven", lambda T: X(T, 5).chunk(2))
S("chunk_dim", lambda T: X(T, 2, 6).chunk(2, dim=1))
S("split_size", lambda T: X(T, 5, 2).split(2))
S("split_list", lambda T: X(T, 5, 2).split([1, 4]))
S("split_dim", lambda T: T.split(X(T, 2, 5), 3, dim=1))
S("unbind", lambda T: X(T, 3, 2).unbind())
S("unbind_dim", lambda T: X(T, 3, 2).unbind(1))
S("cat", lambda T: T.cat([X(T, 2, 3), X(T, 1, 3, seed=1)]))
S("cat_dim1", lambda T: T.cat((X(T, 2, 3), X(T, 2, 1, seed=1)), dim=1))
S("cat_neg", lambda T: T.cat([X(T, 2, 3), X(T, 2, 3)], -1))
S("cat_mixed_dtype", lambda T: T.cat([T.tensor([1]), T.tensor([1.5])]))
S("cat_shape_error", lambda T: T.cat([X(T, 2, 3), X(T, 2, 4)]))
S("concat_alias", lambda T: T.concat([X(T, 2), X(T, 3)]))
S("stack", lambda T: T.stack([X(T, 2, 3), X(T, 2, 3, seed=1)]))
S("stack_dim", lambda T: T.stack([X(T, 2), X(T, 2, seed=1)], dim=1))
S("stack_neg", lambda T: T.stack([X(T, 2, 3), X(T, 2, 3)], dim=-1))
S("stack_mismatch", lambda T: T.stack([X(T, 2), X(T, 3)]))
S("narrow", lambda T: X(T, 4, 5).narrow(1, 1, 3))
S("flip", lambda T: X(T, 2, 3).flip(0))
S("flip_list", lambda T: X(T, 2, 3).flip([0, 1]))
S("T_flip", lambda T: T.flip(X(T, 2, 3), dims=(1,)))
S("roll", lambda T: T.arange(5).roll(2))
S("roll_dim", lambda T: X(T, 2, 3).roll(1, dims=1))
S("roll_flat_2d", lambda T: T.arange(6).view(2, 3).roll(1))
S("movedim", lambda T: X(T, 2, 3, 4).movedim(0, -1))
S("T_movedim", lambda T: T.movedim(X(T, 2, 3, 4), 1, 0))
S("squeeze_then_grad", lambda T: _grad(T, lambda x: x.unsqueeze(0).squeeze(0) * 2, (3,)))
S("permute_grad", lambda T: _grad(T, lambda x: x.permute(1, 0) * X(T, 3, 2), (2, 3)))
S("transpose_grad", lambda T: _grad(T, lambda x: x.transpose(0, 1) * X(T, 3, 2), (2, 3)))
S("expand_grad", lambda T: _grad(T, lambda x: x.expand(4, 3) * X(T, 4, 3), (1, 3)))
S("repeat_grad", lambda T: _grad(T, lambda x: x.repeat(2, 2) * X(T, 4, 6), (2, 3)))
S("cat_grad", lambda T: _grad(T, lambda x: T.cat([x, x * 2]) * X(T, 4, 3), (2, 3)))
S("stack_grad", lambda T: _grad(T, lambda x: T.stack([x, x * x], 1) * X(T, 2, 2, 3), (2, 3)))
S("chunk_grad", lambda T: _grad(T, lambda x: x.chunk(2)[1] * 3, (4,)))
S("split_grad", lambda T: _grad(T, lambda x: x.split([1, 3])[1] ** 2, (4,)))
S("unbind_grad", lambda T: _grad(T, lambda x: x.unbind(1)[0] * 5, (2, 3)))
S("flip_grad", lambda T: _grad(T, lambda x: x.flip(0) * X(T, 3), (3,)))
S("roll_grad", lambda T: _grad(T, lambda x: x.roll(1) * X(T, 4), (4,)))
S("narrow_grad", lambda T: _grad(T, lambda x: x.narrow(0, 1, 2) * 2, (4,)))
S("view_grad", lambda T: _grad(T, lambda x: x.view(6) * X(T, 6), (2, 3)))
S("movedim_grad", lambda T: _grad(T, lambda x: x.movedim(0, 1) * X(T, 3, 2), (2, 3)))
S("unflatten_grad", lambda T: _grad(T, lambda x: x.unflatten(0, (2, 2)) * X(T, 2, 2), (4,)))


def _grad(T, f, shape):
    x = T.tensor(rng(7).standard_normal(shape), requires_grad=True)
    y = f(x)
    y.sum().backward()
    return y, x.grad


@idiom
def view_shares_memory(T):
    x = T.zeros(4)
    v = x.view(2, 2)
    v[0, 0] = 1.0
    return x


@idiom
def view_incompatible_raises(T):
    return X(T, 2, 3).t().view(6)


@idiom
def reshape_after_t(T):
    return X(T, 2, 3).t().reshape(6)


@idiom
def bad_reshape_raises(T):
    return X(T, 2, 3).reshape(4, 2)


@idiom
def transpose_then_matmul(T):
    a = X(T, 3, 2)
    return a.t() @ a


@idiom
def empty_cat(T):
    return T.cat([T.zeros(0, 3), X(T, 2, 3)])


@idiom
def squeeze_0d(T):
    return T.tensor(1.0).squeeze(), T.tensor(1.0).unsqueeze(0)


@idiom
def np_shape_compat(T):
    return list(X(T, 2, 3).shape), tuple(X(T, 2, 3).size())


_ = np
