"""Student idioms found wrong by a side-by-side run against PyTorch, each checked against torch.

Every test writes the idiom once for a module ``T`` and runs it with ``torch`` and with
``autodiff`` (``T.nn`` is ``nn``), comparing values (float64), shapes and dtype names.
"""
import numpy as np
import pytest

import autodiff as ad
import nn

torch = pytest.importorskip("torch")


class _Ours:
    """``autodiff`` with ``nn`` and ``nn.optim`` where torch has ``torch.nn`` and ``torch.optim``."""
    nn, optim = nn, nn.optim

    def __getattr__(self, name):
        return getattr(ad, name)


def both(idiom):
    """The idiom's result with torch and with ours, as (value, dtype name) pairs."""
    return _plain(idiom(torch)), _plain(idiom(_Ours()))


def _plain(out):
    if isinstance(out, (tuple, list)):
        return [_plain(v) for v in out]
    if isinstance(out, (torch.Tensor, ad.Tensor)):
        values = out.detach().numpy() if isinstance(out, torch.Tensor) else out.numpy()
        return np.asarray(values, dtype=np.float64).tolist(), str(out.dtype).split(".")[-1]
    return out


def same(idiom, rtol=1e-6):
    theirs, ours = both(idiom)
    _agree(ours, theirs, rtol)


def _agree(ours, theirs, rtol):
    if isinstance(theirs, tuple):                       # a tensor: (values, dtype name)
        assert ours[1] == theirs[1], f"dtype {ours[1]} vs torch's {theirs[1]}"
        np.testing.assert_allclose(ours[0], theirs[0], rtol=rtol, atol=1e-12, equal_nan=True)
    elif isinstance(theirs, list):
        assert isinstance(ours, list) and len(ours) == len(theirs), (ours, theirs)
        for a, b in zip(ours, theirs):
            _agree(a, b, rtol)
    else:
        assert ours == theirs or (_nan(ours) and _nan(theirs)), (ours, theirs)


def _nan(v):
    return isinstance(v, float) and np.isnan(v)


def test_equal_is_torchs_bool():
    same(lambda T: (T.equal(T.tensor([1.0, 2.0]), T.tensor([1.0, 2.0])),
                    T.equal(T.tensor([1.0, 2.0]), T.tensor([1.0, 3.0])),
                    T.equal(T.tensor([1.0]), T.tensor([1.0, 1.0]))))
    assert ad.equal(ad.tensor([1, 2]), ad.tensor([1, 2])) is True
    assert ad.eq(ad.tensor([1, 2]), ad.tensor([1, 3])).tolist() == [True, False]



@pytest.mark.parametrize("name", ["exp", "log", "sqrt", "sin", "cos", "tanh", "sigmoid", "expm1",
                                  "log1p", "rsqrt"])
def test_float_only_functions_of_integers_give_the_default_float(name):
    same(lambda T: (getattr(T, name)(T.tensor([1, 4])), getattr(T.tensor([True]), name)()))


def test_cat_stack_and_clamp_promote_as_torch():
    same(lambda T: (T.cat([T.tensor([1]), T.tensor([1.5])]),
                    T.stack([T.tensor([1], dtype=T.int32), T.tensor([2])]),
                    T.cat([T.tensor([True]), T.tensor([3])]),
                    T.tensor([1, 5, 9]).clamp(2.5, 6), T.tensor([1, 5, 9]).clamp(2, 6),
                    T.clamp(T.tensor([1, 5]), max=2.0)))
    same(lambda T: [str(d).split(".")[-1] for d in (
        T.promote_types(T.int32, T.float32), T.promote_types(T.int64, T.bool),
        T.result_type(T.tensor([1]), 1.0), T.result_type(T.tensor([1.0]),
                                                           T.tensor(2.0, dtype=T.float64)))])


def _value_and_grad(T, f, values):
    x = T.tensor(np.array(values, dtype=np.float64), requires_grad=True)
    out = f(x)
    out.sum().backward()
    return out, x.grad


NAN = float("nan")


@pytest.mark.parametrize("f", [lambda x: x.median(), lambda x: x.median(1).values,
                               lambda x: x.median(0, keepdim=True).values])
def test_median_with_a_nan_is_nan_as_torch(f):
    same(lambda T: _value_and_grad(T, f, [[1.0, NAN, 2.0, NAN], [3.0, 1.0, 2.0, 0.0]]))
    same(lambda T: T.tensor([[1.0, NAN, 2.0, NAN], [3.0, 1.0, 2.0, 0.0]]).median(1).indices)


@pytest.mark.parametrize("f", [lambda x: x.var(0), lambda x: x.std(0), lambda x: x.var(),
                               lambda x: x[:1].var(0)])
def test_variance_without_degrees_of_freedom_is_nan(f):
    same(lambda T: _value_and_grad(T, f, np.zeros((0, 3))))
    same(lambda T: _value_and_grad(T, f, [[1.0, 2.0, 3.0]]))


@pytest.mark.parametrize("f", [lambda x: x.std(), lambda x: x.std(1), lambda x: x.std(0),
                               lambda x: x.std(1, correction=0)])
def test_std_of_constant_values_has_zero_gradient(f):
    same(lambda T: _value_and_grad(T, f, [[2.0, 2.0, 2.0], [1.0, 2.0, 4.0]]))


@pytest.mark.parametrize("f", [lambda x: x.max(0), lambda x: x.min(-1), lambda x: x.sort(0),
                               lambda x: x.topk(1), lambda x: x.median(0),
                               lambda x: x.max(0, keepdim=True), lambda x: x.sort(descending=True)])
def test_selections_along_dim_0_of_a_0d_tensor(f):
    def idiom(T):
        x = T.tensor(2.5, dtype=T.float64, requires_grad=True)
        values, indices = f(x)
        (values * 3).backward()
        return values, indices, x.grad
    same(idiom)


def test_add_sub_alpha_and_div_rounding_mode():
    def idiom(T):
        a = T.tensor([7.0, -7.5, 2.0], dtype=T.float64, requires_grad=True)
        b = T.tensor([2.0, 2.0, -4.0], dtype=T.float64, requires_grad=True)
        outs = [T.add(a, b, alpha=2), a.sub(b, alpha=0.5), T.sub(a, 1, alpha=3)]
        sum(o.sum() for o in outs).backward()
        return outs + [a.grad, b.grad,
                       T.div(a, b, rounding_mode="floor"), a.div(b, rounding_mode="trunc"),
                       T.div(T.tensor([7, -7]), 2, rounding_mode="floor"),
                       T.tensor([7, -7]).div(2, rounding_mode="trunc"),
                       T.true_divide(T.tensor([1, 2]), 2), T.tensor([1, 2]).div(2)]
    same(idiom)
    with pytest.raises(ValueError):
        ad.div(ad.tensor([1.0]), 2, rounding_mode="round")


def test_functional_inplace_flags_are_accepted():
    same(lambda T: (T.nn.functional.relu(T.tensor([-1.0, 2.0]), inplace=False),
                    T.nn.functional.leaky_relu(T.tensor([-1.0, 2.0]), 0.1, inplace=False),
                    T.nn.functional.elu(T.tensor([-1.0, 2.0]), inplace=False),
                    T.nn.functional.hardtanh(T.tensor([-3.0, 0.5]), inplace=False),
                    T.nn.functional.dropout(T.tensor([1.0]), 0.5, False, inplace=False)))
    assert nn.functional.relu(ad.tensor([-1.0, 2.0]), inplace=True).tolist() == [0.0, 2.0]



def test_tensor_hooks_see_and_replace_gradients():
    def idiom(T):
        w = T.tensor([1.0, -2.0, 3.0], requires_grad=True)
        w.register_hook(lambda g: g.clamp(-1, 1))           # a leaf: clipped before .grad
        h = w * 2
        seen = []
        handle = h.register_hook(lambda g: seen.append(g.clone()))
        h.register_hook(lambda g: g * 10)                   # a non-leaf: changes what flows
        (h * T.tensor([5.0, -5.0, 0.01])).sum().backward()
        handle.remove()
        (g,) = T.autograd.grad((w * w).sum(), w)            # hooks run for autograd.grad too
        return w.grad, seen, g
    same(idiom)
    with pytest.raises(RuntimeError):
        ad.ones(2).register_hook(print)


def test_more_inplace_methods():
    def idiom(T):
        x = T.tensor([[-1.0, 2.0], [3.0, -4.0]], requires_grad=True)
        y = x * 2
        y.relu_()
        z = y + 1
        z.masked_fill_(T.tensor([[False, True], [False, False]]), 0.5)
        (z * y).sum().backward()
        onehot = T.zeros(3, 3).scatter_(1, T.tensor([[2], [0], [1]]), 1.0)
        scores = T.zeros(2, 2).masked_fill_(T.tensor([[False, True], [False, False]]),
                                            float("-inf")).softmax(-1)
        w = T.nn.Linear(200, 100).weight
        w.data.normal_(0, 0.01)
        u = T.empty(1000, dtype=T.float64).uniform_(-0.5, 0.5)
        stats = [abs(float(w.std()) - 0.01) < 1e-3, abs(float(w.mean())) < 1e-3,
                 bool((u >= -0.5).all() & (u < 0.5).all()), abs(float(u.mean())) < 0.05]
        return y, z, x.grad, onehot, scores, stats
    same(idiom)
    with pytest.raises(RuntimeError):                        # a leaf that requires grad
        nn.Linear(2, 2).weight.normal_()


def test_generator_objects_seed_their_own_streams():
    def idiom(T):
        def draws(seed):
            g = T.Generator().manual_seed(seed)
            return T.cat([T.rand(3, generator=g), T.randn(2, generator=g),
                          T.randint(0, 9, (2,), generator=g).float(),
                          T.randperm(4, generator=g).float()])
        ds = T.utils.data.TensorDataset(T.arange(10.0))
        order = [[float(b[0].sum()) for b in T.utils.data.DataLoader(
            ds, batch_size=4, shuffle=True, generator=T.Generator().manual_seed(s))]
            for s in (1, 1)]
        parts = T.utils.data.random_split(ds, [3, 7], generator=T.Generator().manual_seed(2))
        return (bool(T.equal(draws(5), draws(5))), bool(T.equal(draws(5), draws(6))),
                order[0] == order[1], [len(p) for p in parts],
                T.Generator().manual_seed(7).initial_seed())
    same(idiom)


def test_inference_mode_and_autograd_gradcheck():
    def idiom(T):
        x = T.tensor([1.0, 2.0], dtype=T.float64, requires_grad=True)
        with T.inference_mode():
            y = x * 2
        with T.inference_mode(False):
            z = x * 2
        return (y.requires_grad, z.requires_grad,
                T.autograd.gradcheck(lambda a: (a.sin() * a).sum(), (x,)),
                T.autograd.gradgradcheck(lambda a: (a ** 3).sum(), (x,)))
    same(idiom)


def test_sign_has_a_zero_gradient_as_torch():
    same(lambda T: _value_and_grad(T, lambda x: x.sign() * 3, [NAN, -2.0, 0.0, -0.0, 5.0]))
    same(lambda T: _value_and_grad(T, lambda x: T.sign(x).sum() + x.abs().sum(), [-1.0, 2.0]))


def test_rprop_takes_no_step_where_the_gradient_is_nan():
    def idiom(T):
        p = T.nn.Parameter(T.tensor([1.0, -2.0, 0.5], dtype=T.float64))
        opt = T.optim.Rprop([p], lr=0.1)
        for _ in range(3):
            opt.zero_grad()
            (p * T.tensor([NAN, float("inf"), 1.0], dtype=T.float64)).sum().backward()
            opt.step()
        return p
    same(idiom)


@pytest.mark.parametrize("mode", ["reflect", "circular", "replicate", "zeros"])
@pytest.mark.parametrize("kw", [{"padding": 1}, {"padding": (2, 1), "stride": 2},
                                {"padding": "same", "dilation": 2}])
def test_conv2d_padding_modes(mode, kw):
    def idiom(T):
        conv = T.nn.Conv2d(2, 3, (3, 2) if kw.get("padding") == "same" else 3,
                           padding_mode=mode, **kw).double()
        with T.no_grad():
            for p, seed in zip(conv.parameters(), (1, 2)):
                p.copy_(T.tensor(np.random.default_rng(seed).standard_normal(tuple(p.shape))))
        x = T.tensor(np.random.default_rng(0).standard_normal((1, 2, 5, 6)), requires_grad=True)
        out = conv(x)
        (out * out).sum().backward()
        return out, x.grad, conv.weight.grad
    same(idiom)


def test_add_module_register_module_register_parameter():
    def idiom(T):
        m = T.nn.Sequential()
        m.add_module("fc", T.nn.Linear(2, 3))
        m.register_parameter("scale", T.nn.Parameter(T.ones(1)))
        m.register_module("act", T.nn.ReLU())
        return [n for n, _ in m.named_parameters()], len(m), list(m.state_dict())
    same(idiom)


COMPOSITES = {
    "tril": lambda T, x: x.tril(), "tril_k": lambda T, x: T.tril(x, -1),
    "triu_k": lambda T, x: x.triu(1), "diagonal": lambda T, x: x.diagonal(),
    "diagonal_offset": lambda T, x: T.diagonal(x, 1), "diagonal_neg": lambda T, x: x.diagonal(-1),
    "diag_of_matrix": lambda T, x: T.diag(x, 1), "diag_of_vector": lambda T, x: T.diag(x[0]),
    "diag_of_vector_k": lambda T, x: T.diag(x[1], -2), "trace": lambda T, x: T.trace(x[:, :3]),
    "nansum": lambda T, x: T.where(x > 0.5, float("nan"), x).nansum(1),
    "nanmean": lambda T, x: T.nanmean(T.where(x > 0.5, float("nan"), x)),
    "std_mean": lambda T, x: T.std_mean(x, 1), "var_mean": lambda T, x: T.var_mean(x, dim=0),
    "log2": lambda T, x: (x * x + 0.1).log2(), "log10": lambda T, x: T.log10(x * x + 0.1),
    "exp2": lambda T, x: x.exp2(), "sinh": lambda T, x: T.sinh(x * 1e-9) * 1e9 + x.sinh(),
    "cosh": lambda T, x: x.cosh(), "tan": lambda T, x: T.tan(x),
    "lerp": lambda T, x: T.lerp(x, x * x, 0.3), "addcmul": lambda T, x: x.addcmul(x, x, value=-2),
    "addcdiv": lambda T, x: T.addcdiv(x, x, x * x + 1, value=0.5),
    "masked_select": lambda T, x: T.masked_select(x, x > 0),
    "take_along_dim": lambda T, x: T.take_along_dim(x, T.tensor([[0], [2], [1]]), dim=1),
    "repeat_interleave": lambda T, x: x.repeat_interleave(2, dim=0),
    "repeat_interleave_flat": lambda T, x: T.repeat_interleave(x[0], 2),
}


@pytest.mark.parametrize("name", COMPOSITES)
def test_composite_names_agree_with_torch(name):
    def idiom(T):
        x = T.tensor(np.random.default_rng(3).standard_normal((3, 4)), requires_grad=True)
        out = COMPOSITES[name](T, x)
        outs = out if isinstance(out, tuple) else (out,)
        sum((o * o).sum() for o in outs).backward()
        return list(outs) + [x.grad]
    same(idiom, rtol=1e-9)


def test_integer_composites_and_predicates():
    same(lambda T: (T.tensor([1, 2]).log2(), T.argwhere(T.tensor([[0, 1], [2, 0]])),
                    T.tensor([1, 2]).repeat_interleave(T.tensor([1, 3])),
                    T.ones(2, 3).is_contiguous(), T.ones(2, 3).t().is_contiguous(),
                    T.ones(2, 3).t().contiguous().is_contiguous(), T.tril(T.ones(3, 3, dtype=T.int64))))


EDGE = [0.0, -0.0, float("inf"), -float("inf"), NAN, 1.0, -1.0, 0.5, -2.5, 3.0]
PAIRS = {
    "fmax": lambda T, a, b: T.fmax(a, b), "fmin": lambda T, a, b: T.fmin(a, b),
    "fmod": lambda T, a, b: T.fmod(a, b), "hypot": lambda T, a, b: T.hypot(a, b),
    "xlogy": lambda T, a, b: T.xlogy(a, b),
    "clamp_tensor_bounds": lambda T, a, b: a.clamp(min=b),
    "clamp_tensor_max": lambda T, a, b: T.clamp(a, max=b),
}


@pytest.mark.parametrize("name", PAIRS)
def test_more_binary_names_on_edge_values(name):
    def idiom(T):
        a = T.tensor(np.repeat(EDGE, len(EDGE)))
        b = T.tensor(np.tile(EDGE, len(EDGE)))
        return PAIRS[name](T, a, b)
    same(idiom)


def test_more_unary_names_values_and_gradients():
    def idiom(T):
        x = T.tensor([0.0, -0.0, 2.5, -2.5, 1.0, -30.0, 30.0], dtype=T.float64, requires_grad=True)
        F = T.nn.functional
        outs = [x.sgn(), T.positive(x), x.frac(), T.hypot(x, x * 0 + 3), F.logsigmoid(x),
                F.relu6(x * 3), F.mish(x), T.nn.ReLU6()(x * 3), T.nn.Mish()(x), T.diff(x),
                T.diff(x, n=2), T.xlogy(x.abs(), x * x + 1)]
        sum((o * o).sum() for o in outs).backward()
        x2 = T.tensor([[1.0, -2.0, 5.0], [0.0, 4.0, -1.0]])
        return outs + [x.grad, T.isposinf(T.tensor(EDGE)), T.isneginf(T.tensor(EDGE)),
                       T.heaviside(T.tensor([-1.0, 0.0, 2.0]), T.tensor(0.5)),
                       list(T.aminmax(x2)), list(T.aminmax(x2, dim=1)),
                       list(T.broadcast_tensors(T.ones(3, 1), T.zeros(4)))]
    same(idiom, rtol=1e-9)


SCHEDULES = {
    "constant": lambda S, o: S.ConstantLR(o, factor=0.5, total_iters=4),
    "multiplicative": lambda S, o: S.MultiplicativeLR(o, lambda epoch: 0.9),
    "polynomial": lambda S, o: S.PolynomialLR(o, total_iters=8, power=2.0),
    "constant_then_exponential": lambda S, o: S.SequentialLR(
        o, [S.ConstantLR(o, 0.25, total_iters=3), S.ExponentialLR(o, 0.8)], milestones=[3]),
    "chained_polynomial": lambda S, o: S.ChainedScheduler([S.PolynomialLR(o, 6),
                                                           S.MultiplicativeLR(o, lambda e: 0.95)]),
}


@pytest.mark.parametrize("name", SCHEDULES)
def test_factor_schedules_lr_sequences(name):
    def idiom(T):
        opt = T.optim.SGD([T.nn.Parameter(T.zeros(1))], lr=0.1, momentum=0.9)
        sched = SCHEDULES[name](T.optim.lr_scheduler, opt)
        lrs = []
        for _ in range(12):
            lrs.append(opt.param_groups[0]["lr"])
            opt.step()
            sched.step()
        return lrs, sched.get_last_lr()
    same(idiom, rtol=1e-12)


@pytest.mark.parametrize("shape,n", [((4, 3), 1), ((2, 3, 4, 4), 3), ((5, 3), 3)])
def test_prelu_against_torch(shape, n):
    def idiom(T):
        m = T.nn.PReLU(n, init=0.2).double()
        x = T.tensor(np.random.default_rng(1).standard_normal(shape), requires_grad=True)
        out = m(x)
        (out * out).sum().backward()
        return out, x.grad, m.weight.grad, [k for k in m.state_dict()]
    same(idiom)


def test_new_activations_map_to_torch():
    model = nn.Sequential(nn.Linear(3, 4), nn.PReLU(4), nn.ReLU6(), nn.Linear(4, 2), nn.Mish())
    twin = nn.to_torch(model).double()
    x = np.random.default_rng(0).standard_normal((5, 3))
    ours = model.double()(ad.tensor(x)).numpy()
    np.testing.assert_allclose(ours, twin(torch.tensor(x)).detach().numpy(), rtol=1e-10)


@pytest.mark.parametrize("name", ["fmax", "fmin", "fmod"])
def test_fmax_fmin_fmod_gradients_on_edge_values(name):
    def idiom(T):
        a = T.tensor(np.repeat(EDGE, len(EDGE)), requires_grad=True)
        b = T.tensor(np.tile(EDGE, len(EDGE)), requires_grad=True)
        getattr(T, name)(a, b).sum().backward()
        return a.grad, b.grad
    same(idiom)


@pytest.mark.parametrize("kw", ["min", "max"])
def test_clamp_with_tensor_bounds_on_edge_values(kw):
    def idiom(T):
        x = T.tensor(np.repeat(EDGE, len(EDGE)), requires_grad=True)
        b = T.tensor(np.tile(EDGE, len(EDGE)), requires_grad=True)
        bounds = {"min": {"min": b}, "max": {"max": b},
                  "both": {"min": b, "max": b.detach() + 1}}[kw]
        out = x.clamp(**bounds)
        (out * 2).sum().backward()
        return out, x.grad, b.grad
    same(idiom)


@pytest.mark.parametrize("affine", [True, False])
def test_batch_norm_on_an_empty_training_batch(affine):
    def idiom(T):
        m = T.nn.BatchNorm1d(3, affine=affine)
        x = T.zeros(0, 3, requires_grad=True)
        out = m(x)
        out.sum().backward()
        grads = [m.weight.grad, m.bias.grad] if affine else []
        return [out, x.grad, m.running_mean, m.running_var, m.num_batches_tracked] + grads
    same(idiom)
    with pytest.raises(ValueError):
        nn.BatchNorm1d(3)(ad.zeros(1, 3))


def test_relu_and_clamp_keep_the_sign_of_a_zero_like_pytorch():
    """relu(-0.0) and clamp(-0.0, 0, 1) are -0.0 in PyTorch (1/out = -inf): NumPy's maximum
    returns its second operand on a tie, so the input goes second."""
    values = np.array([-0.0, 0.0, -1.0, 2.0, np.nan])
    theirs = torch.tensor(values)
    ours = ad.tensor(values)
    for mine, ref in ((ad.relu(ours), torch.relu(theirs)),
                      (ours.clamp(0, 1), theirs.clamp(0, 1)),
                      (ours.clamp(max=0.0), theirs.clamp(max=0.0))):
        np.testing.assert_array_equal(np.signbit(mine.numpy()), np.signbit(ref.numpy()))
        np.testing.assert_array_equal(mine.numpy(), ref.numpy())
