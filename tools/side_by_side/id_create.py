"""Creation, dtypes, promotion."""
import numpy as np

from harness import ShapeOnly, add, idiom, rng


def A(*shape, seed=0):
    return rng(seed).standard_normal(shape)


@idiom
def tensor_list_float(T):
    return T.tensor([1.0, 2.0, 3.0])


@idiom
def tensor_list_int(T):
    return T.tensor([1, 2, 3])


@idiom
def tensor_list_bool(T):
    return T.tensor([True, False])


@idiom
def tensor_nested(T):
    return T.tensor([[1.0, 2.0], [3.0, 4.0]])


@idiom
def tensor_scalar(T):
    x = T.tensor(3.5)
    return x, x.dim(), x.shape, x.item()


@idiom
def tensor_mixed_int_float_list(T):
    return T.tensor([1, 2.5])


@idiom
def tensor_from_numpy_f64(T):
    return T.tensor(np.arange(6.0).reshape(2, 3))


@idiom
def tensor_from_numpy_int64(T):
    return T.tensor(np.arange(4))


@idiom
def tensor_copies_numpy(T):
    a = np.zeros(3)
    t = T.tensor(a)
    a[0] = 5
    return t


@idiom
def from_numpy_shares(T):
    a = np.zeros(3)
    t = T.from_numpy(a)
    a[0] = 5
    return t


@idiom
def as_tensor_numpy(T):
    return T.as_tensor(np.ones((2, 2), dtype=np.float32))


@idiom
def tensor_dtype_kw(T):
    return T.tensor([1, 2], dtype=T.float32)


@idiom
def tensor_dtype_float64(T):
    return T.tensor([1.5, 2], dtype=T.float64)


@idiom
def tensor_requires_grad(T):
    x = T.tensor([1.0, 2.0], requires_grad=True)
    return x.requires_grad, x.is_leaf, x.grad


@idiom
def tensor_of_int_requires_grad_raises(T):
    return T.tensor([1, 2], requires_grad=True)


@idiom
def zeros_tuple(T):
    return T.zeros((2, 3))


@idiom
def zeros_varargs(T):
    return T.zeros(2, 3)


@idiom
def ones_dtype(T):
    return T.ones(2, dtype=T.int64)


@idiom
def full_float(T):
    return T.full((2, 2), 7.0)


@idiom
def full_int(T):
    return T.full((2,), 7)


@idiom
def full_bool(T):
    return T.full((2,), True)


@idiom
def empty_shape(T):
    return ShapeOnly(T.empty(3, 4))


@idiom
def eye_n(T):
    return T.eye(3)


@idiom
def eye_nm(T):
    return T.eye(2, 4)


@idiom
def arange_int(T):
    return T.arange(5)


@idiom
def arange_float(T):
    return T.arange(0, 1, 0.25)


@idiom
def arange_start_stop(T):
    return T.arange(2, 7)


@idiom
def arange_neg_step(T):
    return T.arange(5, 0, -2)


@idiom
def arange_float_start(T):
    return T.arange(1.0, 4.0)


@idiom
def linspace(T):
    return T.linspace(0, 1, 5)


@idiom
def linspace_one(T):
    return T.linspace(-1, 1, steps=1)


@idiom
def zeros_like(T):
    return T.zeros_like(T.tensor(A(2, 3)))


@idiom
def ones_like_int(T):
    return T.ones_like(T.tensor([1, 2]))


@idiom
def full_like(T):
    return T.full_like(T.tensor([1.0, 2.0]), 3)


@idiom
def empty_like(T):
    return ShapeOnly(T.empty_like(T.tensor(A(2, 2))))


@idiom
def rand_shape(T):
    T.manual_seed(0)
    x = T.rand(3, 4)
    return ShapeOnly(x), bool((x >= 0).all()), bool((x < 1).all())


@idiom
def randn_shape(T):
    T.manual_seed(0)
    return ShapeOnly(T.randn(2, 5))


@idiom
def randn_tuple(T):
    return ShapeOnly(T.randn((2, 5)))


@idiom
def randint_shape(T):
    T.manual_seed(0)
    x = T.randint(0, 10, (20,))
    return ShapeOnly(x), bool((x >= 0).all()), bool((x < 10).all())


@idiom
def randint_high_only(T):
    x = T.randint(3, (50,))
    return ShapeOnly(x), bool((x < 3).all())


@idiom
def randperm(T):
    x = T.randperm(6)
    return ShapeOnly(x), T.sort(x).values


@idiom
def manual_seed_repeat(T):
    T.manual_seed(3)
    a = T.randn(4)
    T.manual_seed(3)
    b = T.randn(4)
    return bool(T.equal(a, b))


@idiom
def rand_like(T):
    return ShapeOnly(T.rand_like(T.zeros(2, 3)))


@idiom
def randn_like_f64(T):
    return ShapeOnly(T.randn_like(T.zeros(2, 3, dtype=T.float64)))


@idiom
def default_dtype(T):
    return T.get_default_dtype()


@idiom
def set_default_dtype_f64(T):
    T.set_default_dtype(T.float64)
    try:
        return T.tensor([1.0]).dtype, T.zeros(1).dtype, T.arange(3).dtype, T.tensor(1.5) * 2
    finally:
        T.set_default_dtype(T.float32)


@idiom
def dtype_aliases(T):
    return (T.float is T.float32, T.double is T.float64, T.long is T.int64,
            T.int is T.int32)


@idiom
def dtype_bool_name(T):
    return T.bool, T.int64, T.float64


@idiom
def to_float(T):
    return T.tensor([1, 2]).float()


@idiom
def to_double(T):
    return T.tensor([1, 2]).double()


@idiom
def to_long_truncates(T):
    return T.tensor([1.7, -1.7]).long()


@idiom
def to_int(T):
    return T.tensor([1.7, -2.2]).int()


@idiom
def to_bool(T):
    return T.tensor([0.0, 2.0, -1.0]).bool()


@idiom
def to_dtype(T):
    return T.tensor([1, 2]).to(T.float64)


@idiom
def to_dtype_kw(T):
    return T.tensor([1, 2]).to(dtype=T.float32)


@idiom
def to_cpu(T):
    return T.tensor([1.0]).to("cpu")


@idiom
def type_dtype(T):
    return T.tensor([1.5]).type(T.int64)


@idiom
def is_floating_point(T):
    return T.tensor([1.0]).is_floating_point(), T.tensor([1]).is_floating_point()


@idiom
def dtype_attr(T):
    return T.tensor([1.0]).dtype == T.float32, T.tensor([1]).dtype == T.int64


@idiom
def device_attr(T):
    return str(T.tensor([1.0]).device)


@idiom
def item_int(T):
    return T.tensor([5]).item()


@idiom
def item_float(T):
    return T.tensor(2.5, dtype=T.float64).item()


@idiom
def item_multi_raises(T):
    return T.tensor([1.0, 2.0]).item()


@idiom
def tolist(T):
    return T.tensor([[1, 2], [3, 4]]).tolist()


@idiom
def tolist_float(T):
    return T.tensor([0.5, 1.5]).tolist()


@idiom
def numpy_roundtrip(T):
    return T.tensor([1.0, 2.0]).numpy()


@idiom
def float_of_tensor(T):
    return float(T.tensor(2.5)), int(T.tensor(3)), bool(T.tensor(1))


@idiom
def len_of_tensor(T):
    return len(T.zeros(4, 2))


# promotion
def _prom(name, f):
    add("promote_" + name, f)


_prom("int_plus_float_scalar", lambda T: T.tensor([1, 2]) + 1.5)
_prom("int_times_int_scalar", lambda T: T.tensor([1, 2]) * 3)
_prom("int_div_int", lambda T: T.tensor([1, 2]) / T.tensor([2, 2]))
_prom("int_div_scalar", lambda T: T.tensor([3, 4]) / 2)
_prom("int_floordiv", lambda T: T.tensor([7, -7]) // 2)
_prom("f32_plus_f64_0d", lambda T: T.tensor([1.0]) + T.tensor(2.0, dtype=T.float64))
_prom("f32_plus_f64_1d", lambda T: T.tensor([1.0]) + T.tensor([2.0], dtype=T.float64))
_prom("f32_plus_pyfloat", lambda T: T.tensor([1.0]) + 2.0)
_prom("int_plus_bool", lambda T: T.tensor([1, 2]) + T.tensor([True, False]))
_prom("bool_plus_bool", lambda T: T.tensor([True]) + T.tensor([True]))
_prom("int32_plus_int64", lambda T: T.tensor([1], dtype=T.int32) + T.tensor([1]))
_prom("int64_0d_plus_f32", lambda T: T.tensor(3) + T.tensor([1.0]))
_prom("f64_0d_times_int", lambda T: T.tensor(2.0, dtype=T.float64) * T.tensor([1, 2]))
_prom("int_pow_float", lambda T: T.tensor([2, 3]) ** 0.5)
_prom("int_pow_int", lambda T: T.tensor([2, 3]) ** 2)
_prom("compare_dtype", lambda T: T.tensor([1.0, 2.0]) > 1)
_prom("int_mean_raises", lambda T: T.tensor([1, 2]).mean())
_prom("int_sum_dtype", lambda T: T.tensor([1, 2], dtype=T.int32).sum())
_prom("bool_sum", lambda T: T.tensor([True, True, False]).sum())
_prom("int_sqrt", lambda T: T.sqrt(T.tensor([4, 9])))
_prom("int_exp", lambda T: T.exp(T.tensor([0, 1])))
_prom("scalar_minus_tensor", lambda T: 1 - T.tensor([1, 2]))
_prom("rtruediv_int", lambda T: 1 / T.tensor([2, 4]))
_prom("f64_np_scalar", lambda T: T.tensor([1.0]) * np.float64(2.0))
_prom("result_type", lambda T: T.result_type(T.tensor([1]), 1.0))
_prom("promote_types", lambda T: T.promote_types(T.int32, T.float32))
