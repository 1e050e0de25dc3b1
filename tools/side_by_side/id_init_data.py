"""nn.init and data (TensorDataset, DataLoader, random_split)."""
import math

import numpy as np

from harness import ShapeOnly, add, rng

S = add
I = lambda T: T.nn.init  # noqa: E741,E731


def W(T, *shape):
    return T.empty(*shape)


S("calculate_gain_relu", lambda T: I(T).calculate_gain("relu"))
S("calculate_gain_leaky", lambda T: I(T).calculate_gain("leaky_relu", 0.2))
S("calculate_gain_tanh", lambda T: I(T).calculate_gain("tanh"))
S("calculate_gain_selu", lambda T: I(T).calculate_gain("selu"))
S("calculate_gain_conv", lambda T: I(T).calculate_gain("conv2d"))
S("calculate_gain_sigmoid", lambda T: I(T).calculate_gain("sigmoid"))
S("calculate_gain_bad_raises", lambda T: I(T).calculate_gain("foo"))
S("calculate_gain_bad_param_raises", lambda T: I(T).calculate_gain("leaky_relu", "x"))
S("zeros_", lambda T: I(T).zeros_(W(T, 2, 3)))
S("ones_", lambda T: I(T).ones_(W(T, 2, 3)))
S("constant_", lambda T: I(T).constant_(W(T, 2, 3), 0.3))
S("eye_", lambda T: I(T).eye_(W(T, 2, 3)))
S("dirac_", lambda T: I(T).dirac_(W(T, 2, 2, 3, 3)))
S("uniform_bounds", lambda T: (lambda w: (ShapeOnly(w), bool(((w >= -0.2) & (w < 0.3)).all())))
  (I(T).uniform_(W(T, 50, 4), -0.2, 0.3)))
S("normal_shape", lambda T: ShapeOnly(I(T).normal_(W(T, 5, 4), 0.0, 0.02)))
S("trunc_normal_bounds", lambda T: (lambda w: bool(((w >= -0.1) & (w <= 0.1)).all()))
  (I(T).trunc_normal_(W(T, 100, 4), std=1.0, a=-0.1, b=0.1)))
S("xavier_uniform_bound", lambda T: (lambda w: bool((w.abs() <= math.sqrt(6 / 30)).all()))
  (I(T).xavier_uniform_(W(T, 10, 20))))
S("xavier_uniform_gain", lambda T: (lambda w: bool((w.abs() <= 2 * math.sqrt(6 / 30)).all()))
  (I(T).xavier_uniform_(W(T, 10, 20), gain=2.0)))
S("kaiming_uniform_bound", lambda T: (lambda w: bool((w.abs() <= math.sqrt(6 / 20)).all()))
  (I(T).kaiming_uniform_(W(T, 10, 20), nonlinearity="relu")))
S("kaiming_uniform_fan_out", lambda T: (lambda w: bool((w.abs() <= math.sqrt(6 / 10)).all()))
  (I(T).kaiming_uniform_(W(T, 10, 20), mode="fan_out")))
S("kaiming_normal_std", lambda T: (lambda w: abs(float(w.std()) - math.sqrt(2 / 200)) < 0.01)
  (I(T).kaiming_normal_(W(T, 400, 200))))
S("xavier_normal_std", lambda T: (lambda w: abs(float(w.std()) - math.sqrt(2 / 600)) < 0.005)
  (I(T).xavier_normal_(W(T, 400, 200))))
S("orthogonal_", lambda T: (lambda w: (w @ w.t()))(I(T).orthogonal_(W(T, 3, 5))),
  tol=(1e-4, 1e-5))
S("orthogonal_gain_tall", lambda T: (lambda w: (w.t() @ w))(I(T).orthogonal_(W(T, 5, 3),
                                                                               gain=2.0)),
  tol=(1e-4, 1e-4))
S("init_returns_same", lambda T: (lambda w: I(T).zeros_(w) is w)(W(T, 2)))
S("init_no_grad_on_param", lambda T: (lambda p: (I(T).normal_(p), p.requires_grad, p.is_leaf)[1:])
  (T.nn.Parameter(T.zeros(3))))
S("init_zero_fan_linear", lambda T: ShapeOnly(T.nn.Linear(0, 3).weight))
S("init_1d_xavier_raises", lambda T: I(T).xavier_uniform_(W(T, 5)))

D = lambda T: T.utils.data  # noqa: E731


def _ds(T, n=10):
    x = T.arange(n * 2, dtype=T.float32).view(n, 2)
    y = T.arange(n)
    return D(T).TensorDataset(x, y)


S("tensordataset_len", lambda T: len(_ds(T)))
S("tensordataset_item", lambda T: _ds(T)[3])
S("tensordataset_item_types", lambda T: [isinstance(v, T.Tensor) for v in _ds(T)[3]])
S("tensordataset_tensors", lambda T: _ds(T).tensors)
S("tensordataset_mismatch_raises", lambda T: D(T).TensorDataset(T.zeros(3), T.zeros(4)))
S("tensordataset_slice", lambda T: _ds(T)[2:4])
S("dataloader_batches", lambda T: list(D(T).DataLoader(_ds(T), batch_size=4)))
S("dataloader_len", lambda T: len(D(T).DataLoader(_ds(T), batch_size=4)))
S("dataloader_drop_last", lambda T: (len(D(T).DataLoader(_ds(T), batch_size=4, drop_last=True)),
                                     list(D(T).DataLoader(_ds(T), batch_size=4, drop_last=True))))
S("dataloader_shuffle_covers", lambda T: _shuffle(T))
S("dataloader_collate_fn", lambda T: list(D(T).DataLoader(
    _ds(T, 4), batch_size=2, collate_fn=lambda b: len(b))))
S("dataloader_workers_pin", lambda T: len(list(D(T).DataLoader(_ds(T), batch_size=5,
                                                              num_workers=0,
                                                              pin_memory=False))))
S("dataloader_batch_none", lambda T: list(D(T).DataLoader(_ds(T, 3), batch_size=None)))
S("dataloader_dataset_attr", lambda T: len(D(T).DataLoader(_ds(T), batch_size=3).dataset))
S("dataloader_unpack_loop", lambda T: _loop(T))
S("dataloader_list_dataset", lambda T: list(D(T).DataLoader([(1.0, 0), (2.0, 1), (3.0, 0)],
                                                             batch_size=2)))
S("dataloader_tuple_of_arrays", lambda T: list(D(T).DataLoader(
    [(np.ones(2), 1), (np.zeros(2), 0)], batch_size=2)))
S("random_split_lengths", lambda T: [len(s) for s in D(T).random_split(
    _ds(T), [7, 3], generator=T.Generator().manual_seed(0))])
S("random_split_fractions", lambda T: [len(s) for s in D(T).random_split(_ds(T, 11),
                                                                         [0.5, 0.3, 0.2])])
S("random_split_covers", lambda T: sorted(int(s[i][1]) for s in D(T).random_split(
    _ds(T), [4, 6]) for i in range(len(s))))
S("random_split_bad_raises", lambda T: D(T).random_split(_ds(T), [4, 4]))
S("random_split_subset_type", lambda T: type(D(T).random_split(_ds(T), [5, 5])[0]).__name__)
S("subset", lambda T: (lambda s: (len(s), s[1]))(D(T).Subset(_ds(T), [2, 5, 7])))
S("subset_indices", lambda T: list(D(T).Subset(_ds(T), [2, 5]).indices))
S("concat_dataset", lambda T: (lambda c: (len(c), c[11]))(D(T).ConcatDataset([_ds(T), _ds(T, 3)])))
S("custom_dataset", lambda T: _custom(T))
S("dataloader_subset", lambda T: list(D(T).DataLoader(D(T).Subset(_ds(T), [1, 3, 5]),
                                                       batch_size=2)))
S("dataloader_dict_samples", lambda T: list(D(T).DataLoader(
    [{"x": T.tensor([1.0]), "y": 0}, {"x": T.tensor([2.0]), "y": 1}], batch_size=2)))
S("generator_seeded_shuffle_repeat", lambda T: _gen(T))


def _shuffle(T):
    T.manual_seed(0)
    ys = [b[1] for b in D(T).DataLoader(_ds(T), batch_size=3, shuffle=True)]
    return sorted(T.cat(ys).tolist()), [ShapeOnly(y) for y in ys]


def _loop(T):
    tot = 0.0
    n = 0
    for xb, yb in D(T).DataLoader(_ds(T), batch_size=4):
        tot += float(xb.sum())
        n += yb.shape[0]
    return tot, n


def _custom(T):
    class Squares(D(T).Dataset):
        def __init__(self, n):
            self.n = n

        def __len__(self):
            return self.n

        def __getitem__(self, i):
            return T.tensor([float(i)]), i * i
    return list(D(T).DataLoader(Squares(5), batch_size=2))


def _gen(T):
    def order(seed):
        g = T.Generator()
        g.manual_seed(seed)
        return T.cat([b[1] for b in D(T).DataLoader(_ds(T), batch_size=4, shuffle=True,
                                                    generator=g)])
    return bool(T.equal(order(3), order(3)))


_ = rng
