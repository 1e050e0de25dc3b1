"""Reductions with dim/keepdim and named tuples."""
import numpy as np

from harness import add, idiom, rng


def X(T, *shape, seed=0):
    return T.tensor(rng(seed).standard_normal(shape))


def TIES(T):
    return T.tensor([[1.0, 3.0, 3.0, 0.0], [2.0, 2.0, -1.0, 2.0], [5.0, 4.0, 5.0, 5.0]],
                    dtype=T.float64)


S = add
for red in ["sum", "mean", "prod", "std", "var", "amax", "amin", "logsumexp", "norm"]:
    if red not in ("logsumexp",):
        S(f"{red}_all", lambda T, r=red: getattr(X(T, 3, 4), r)())
    S(f"{red}_dim1", lambda T, r=red: getattr(X(T, 3, 4), r)(1) if r != "norm"
      else X(T, 3, 4).norm(dim=1))
    S(f"{red}_dim_kw_keepdim", lambda T, r=red: getattr(X(T, 3, 4), r)(dim=0, keepdim=True))
    if red not in ("prod",):
        S(f"{red}_dim_tuple", lambda T, r=red: getattr(X(T, 2, 3, 4), r)(dim=(0, 2)))
    S(f"{red}_neg_dim", lambda T, r=red: getattr(X(T, 2, 3), r)(dim=-1))
    S(f"T_{red}_fn", lambda T, r=red: getattr(T, r)(X(T, 2, 3), dim=1) if r != "norm"
      else T.norm(X(T, 2, 3), dim=1))

    def _g(T, r=red):
        x = T.tensor(rng(1).standard_normal((3, 4)), requires_grad=True)
        y = getattr(x, r)(dim=1) if r != "norm" else x.norm(dim=1)
        (y * T.tensor([1.0, -2.0, 0.5], dtype=T.float64)).sum().backward()
        return y, x.grad
    S(f"{red}_grad", _g)

S("sum_axis_alias", lambda T: X(T, 3, 4).sum(axis=0))
S("sum_keepdims_alias", lambda T: X(T, 3, 4).sum(1, keepdims=True))
S("sum_dtype", lambda T: T.tensor([1, 2, 3]).sum(dtype=T.float64))
S("sum_int_dtype", lambda T: T.tensor([1, 2, 3], dtype=T.int32).sum(0))
S("mean_dtype_kw", lambda T: T.tensor([1, 2]).mean(dtype=T.float32))
S("var_unbiased_false", lambda T: X(T, 5).var(unbiased=False))
S("var_correction0", lambda T: X(T, 3, 4).var(dim=1, correction=0))
S("std_correction0", lambda T: X(T, 3, 4).std(1, correction=0))
S("var_single_elem", lambda T: T.tensor([2.0]).var())
S("std_mean", lambda T: T.std_mean(X(T, 3, 4), dim=1))
S("var_mean", lambda T: T.var_mean(X(T, 3, 4), 0))
S("max_all", lambda T: X(T, 3, 4).max())
S("max_dim", lambda T: X(T, 3, 4).max(1))
S("max_dim_kw_keepdim", lambda T: X(T, 3, 4).max(dim=0, keepdim=True))
S("max_dim_index1", lambda T: X(T, 3, 4).max(1)[1])
S("max_dim_unpack", lambda T: tuple(X(T, 3, 4).max(1)))
S("max_dim_fields", lambda T: (X(T, 3, 4).max(1).values, X(T, 3, 4).max(1).indices))
S("min_dim", lambda T: X(T, 3, 4).min(dim=1))
S("max_ties", lambda T: TIES(T).max(1))
S("min_ties", lambda T: TIES(T).min(1))
S("argmax_ties", lambda T: TIES(T).argmax(1))
S("argmin_ties", lambda T: TIES(T).argmin(dim=1))
S("argmax_all", lambda T: TIES(T).argmax())
S("argmax_keepdim", lambda T: X(T, 3, 4).argmax(1, keepdim=True))
S("T_max_binary", lambda T: T.max(X(T, 3), X(T, 3, seed=1)))
S("T_max_dim", lambda T: T.max(X(T, 3, 4), 1))
S("T_min_all", lambda T: T.min(X(T, 3, 4)))
S("max_grad_ties", lambda T: _g1(T, lambda x: x.max(), TIES))
S("max_dim_grad_ties", lambda T: _g1(T, lambda x: x.max(1).values, TIES))
S("amax_grad_ties", lambda T: _g1(T, lambda x: x.amax(1), TIES))
S("amax_all_grad_ties", lambda T: _g1(T, lambda x: x.amax(), TIES))
S("min_grad_ties", lambda T: _g1(T, lambda x: x.min(), TIES))
S("median_all", lambda T: X(T, 3, 4).median())
S("median_even", lambda T: T.tensor([1.0, 4.0, 2.0, 3.0]).median())
S("median_dim", lambda T: X(T, 3, 4).median(1))
S("median_dim_ties", lambda T: TIES(T).median(dim=1))
S("mode_dim", lambda T: TIES(T).mode(1))
S("sort", lambda T: X(T, 3, 4).sort())
S("sort_desc", lambda T: X(T, 3, 4).sort(dim=0, descending=True))
S("sort_ties_stable", lambda T: TIES(T).sort(dim=1, stable=True))
S("T_sort", lambda T: T.sort(X(T, 5)))
S("argsort", lambda T: X(T, 3, 4).argsort(1))
S("argsort_desc", lambda T: X(T, 6).argsort(descending=True))
S("topk", lambda T: X(T, 3, 5).topk(2))
S("topk_dim0_smallest", lambda T: X(T, 3, 5).topk(2, dim=0, largest=False))
S("T_topk", lambda T: T.topk(X(T, 6), 3))
S("topk_grad", lambda T: _g1(T, lambda x: x.topk(2, dim=1).values, lambda T: X(T, 3, 4)))
S("sort_grad", lambda T: _g1(T, lambda x: x.sort(1).values * T.arange(4.0, dtype=T.float64),
                             lambda T: X(T, 3, 4)))
S("all_any", lambda T: ((X(T, 3) > -5).all(), (X(T, 3) > 5).any()))
S("all_dim", lambda T: (X(T, 3, 4) > 0).all(dim=1))
S("any_dim_keepdim", lambda T: (X(T, 3, 4) > 1).any(0, keepdim=True))
S("T_all_float", lambda T: T.all(T.tensor([1.0, 0.0])))
S("cumsum", lambda T: X(T, 3, 4).cumsum(1))
S("cumsum_dim_kw", lambda T: T.cumsum(X(T, 3, 4), dim=0))
S("cumsum_int", lambda T: T.tensor([1, 2, 3]).cumsum(0))
S("cumprod", lambda T: X(T, 4).cumprod(0))
S("cumsum_grad", lambda T: _g1(T, lambda x: x.cumsum(1), lambda T: X(T, 2, 3)))
S("count_nonzero", lambda T: T.tensor([[0, 1, 2], [0, 0, 3]]).count_nonzero())
S("count_nonzero_dim", lambda T: T.count_nonzero(T.tensor([[0, 1, 2], [0, 0, 3]]), dim=1))
S("sum_empty", lambda T: T.zeros(0).sum())
S("mean_empty_nan", lambda T: T.zeros(0).mean())
S("max_empty_raises", lambda T: T.zeros(0).max())
S("amax_empty_dim_raises", lambda T: T.zeros(0, 3).amax(0))
S("sum_empty_dim", lambda T: T.zeros(0, 3).sum(0))
S("prod_empty", lambda T: T.zeros(0).prod())
S("sum_0d_dim0", lambda T: T.tensor(2.0).sum(0))
S("max_0d_dim0", lambda T: T.tensor(2.0).max(0))
S("logsumexp_inf", lambda T: T.tensor([[-np.inf, -np.inf], [np.inf, 1.0]]).logsumexp(1))
S("logsumexp_grad", lambda T: _g1(T, lambda x: x.logsumexp(1), lambda T: X(T, 2, 3)))
S("norm_p1", lambda T: X(T, 3, 4).norm(p=1))
S("norm_inf", lambda T: X(T, 3, 4).norm(p=float("inf"), dim=1))
S("norm_fro", lambda T: X(T, 3, 4).norm("fro"))
S("norm_zero_grad", lambda T: _g1(T, lambda x: x.norm(), lambda T: T.zeros(3, dtype=T.float64)))
S("sum_bool_dim", lambda T: (X(T, 3, 4) > 0).sum(1))
S("mean_bool_float", lambda T: (X(T, 10) > 0).float().mean())
S("accuracy_idiom", lambda T: (X(T, 8, 3).argmax(1) == T.tensor([0, 1, 2, 0, 1, 2, 0, 1]))
  .sum().item())
S("aminmax", lambda T: T.aminmax(X(T, 3, 4), dim=1))
S("nansum", lambda T: T.tensor([1.0, float("nan"), 2.0]).nansum())
S("nanmean", lambda T: T.tensor([1.0, float("nan"), 2.0]).nanmean())


def _g1(T, f, make):
    x = make(T).clone().requires_grad_(True)
    y = f(x)
    (y * y + y).sum().backward()
    return y, x.grad


@idiom
def max_dim_indices_dtype(T):
    return X(T, 3, 4).max(1).indices.dtype


@idiom
def max_dim_is_tuple(T):
    r = X(T, 3, 4).max(1)
    return isinstance(r, tuple), len(r)
