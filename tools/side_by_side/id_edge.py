"""Edge values: 0, -0.0, +-inf, NaN, ties, kinks, 0-d and empty shapes, values and gradients."""
import numpy as np

from harness import Signs, add

S = add
inf, nan = np.inf, np.nan
E = [0.0, -0.0, inf, -inf, nan, 1.0, -1.0, 0.5, -2.0, 3.0]
E2 = [0.0, -0.0, inf, -inf, nan, 1.0, -1.0, 2.0]


def ET(T, vals=E, rg=True):
    return T.tensor(np.array(vals, dtype=np.float64), requires_grad=rg)


def vg(T, f, vals=E, up=None):
    """Value, gradient, and 1/value (so -0.0 shows as -inf) of f on edge values."""
    x = ET(T, vals)
    y = f(x)
    g = ONES(T, y) if up is None else up(T, y)
    y.backward(g)
    return y, x.grad, _signs(T, y)


def _signs(T, y):
    return Signs(y)


def ONES(T, y):
    return T.tensor(np.ones(tuple(y.shape)), dtype=y.dtype)


UN = ["neg", "exp", "expm1", "log", "log1p", "sqrt", "rsqrt", "sin", "cos", "tanh", "sigmoid",
      "relu", "abs", "sign", "floor", "ceil", "round", "reciprocal", "square", "log2", "atan",
      "sinh", "cosh", "erf", "trunc"]
for op in UN:
    S(f"edge_{op}", lambda T, op=op: vg(T, lambda x: getattr(x, op)()))
    S(f"edge0d_{op}", lambda T, op=op: vg(T, lambda x: getattr(x[1], op)()))
    S(f"empty_{op}", lambda T, op=op: vg(T, lambda x: getattr(x[:0].reshape(0, 3)
                                                              if False else x[:0], op)()))

Fn = lambda T: T.nn.functional  # noqa: E731
ACT = {
    "F_relu": lambda T, x: Fn(T).relu(x),
    "F_leaky_relu": lambda T, x: Fn(T).leaky_relu(x, 0.1),
    "F_elu": lambda T, x: Fn(T).elu(x),
    "F_gelu": lambda T, x: Fn(T).gelu(x),
    "F_gelu_tanh": lambda T, x: Fn(T).gelu(x, approximate="tanh"),
    "F_silu": lambda T, x: Fn(T).silu(x),
    "F_softplus": lambda T, x: Fn(T).softplus(x),
    "F_softplus_beta": lambda T, x: Fn(T).softplus(x, beta=2.0, threshold=5.0),
    "F_hardtanh": lambda T, x: Fn(T).hardtanh(x),
    "F_sigmoid": lambda T, x: Fn(T).sigmoid(x),
    "F_tanh": lambda T, x: Fn(T).tanh(x),
    "clamp_0_1": lambda T, x: x.clamp(0, 1),
    "clamp_min0": lambda T, x: x.clamp(min=0.0),
    "clamp_max0": lambda T, x: x.clamp(max=0.0),
    "clamp_at_kink": lambda T, x: x.clamp(-1.0, 0.5),
    "pow2": lambda T, x: x ** 2,
    "pow3": lambda T, x: x ** 3,
    "pow0": lambda T, x: x ** 0,
    "pow_half": lambda T, x: x ** 0.5,
    "pow_neg1": lambda T, x: x ** -1,
    "pow_neg2": lambda T, x: x.pow(-2),
    "rpow0": lambda T, x: 0.0 ** x,
    "rpow2": lambda T, x: 2.0 ** x,
    "rpow_neg": lambda T, x: (-2.0) ** x,
    "maximum0": lambda T, x: T.maximum(x, T.zeros((), dtype=T.float64)),
    "minimum0": lambda T, x: T.minimum(x, T.zeros((), dtype=T.float64)),
    "sqrt_relu": lambda T, x: x.relu().sqrt(),
    "sqrt_clamp": lambda T, x: x.clamp(0).sqrt(),
    "log_clamp01": lambda T, x: x.clamp(0, 1).log(),
    "sqrt_maximum": lambda T, x: T.maximum(x, T.zeros((), dtype=T.float64)).sqrt(),
    "log_minimum": lambda T, x: T.minimum(x, T.ones((), dtype=T.float64)).log(),
    "sqrt_abs": lambda T, x: x.abs().sqrt(),
    "log_abs": lambda T, x: x.abs().log(),
    "where_safe": lambda T, x: T.where(x > 0, x, T.zeros((), dtype=T.float64)).sqrt(),
    "div_self": lambda T, x: x / x,
    "mul_zero": lambda T, x: x * 0,
    "x_log_x": lambda T, x: x * x.log(),
    "xlogy_self": lambda T, x: T.xlogy(x, x),
    "log_sigmoid": lambda T, x: Fn(T).logsigmoid(x),
    "softmax_vec": lambda T, x: x.softmax(0),
    "log_softmax_vec": lambda T, x: x.log_softmax(0),
    "nan_to_num": lambda T, x: x.nan_to_num(),
    "exp_neg_sq": lambda T, x: (-(x * x)).exp(),
    "abs_pow": lambda T, x: x.abs() ** 1.5,
    "sign_mul": lambda T, x: x.sign() * x,
    "atan2_x_1": lambda T, x: T.atan2(x, T.ones((), dtype=T.float64)),
    "hypot_x_0": lambda T, x: T.hypot(x, T.zeros((), dtype=T.float64)),
}
for name, f in ACT.items():
    S(f"edge_{name}", lambda T, f=f: vg(T, lambda x: f(T, x)))
    S(f"upinf_{name}", lambda T, f=f: vg(T, lambda x: f(T, x),
                                         up=lambda T, y: T.tensor(np.full(tuple(y.shape), inf))))

BIN = {
    "add": lambda T, a, b: a + b,
    "sub": lambda T, a, b: a - b,
    "mul": lambda T, a, b: a * b,
    "div": lambda T, a, b: a / b,
    "pow": lambda T, a, b: a ** b,
    "maximum": lambda T, a, b: T.maximum(a, b),
    "minimum": lambda T, a, b: T.minimum(a, b),
    "fmax": lambda T, a, b: T.fmax(a, b),
    "atan2": lambda T, a, b: T.atan2(a, b),
    "remainder": lambda T, a, b: a % b,
    "fmod": lambda T, a, b: T.fmod(a, b),
    "floor_divide": lambda T, a, b: a.detach() // b.detach(),
    "where_gt": lambda T, a, b: T.where(a > b, a, b),
    "clamp_tensor_min": lambda T, a, b: a.clamp(min=b),
    "hypot": lambda T, a, b: T.hypot(a, b),
}


def grid(T, f):
    a0 = np.repeat(E2, len(E2))
    b0 = np.tile(E2, len(E2))
    a = T.tensor(a0, requires_grad=True)
    b = T.tensor(b0, requires_grad=True)
    y = f(T, a, b)
    if not y.requires_grad:
        return y, Signs(y)
    y.backward(ONES(T, y))
    return y, a.grad, b.grad, _signs(T, y)


for name, f in BIN.items():
    S(f"grid_{name}", lambda T, f=f: grid(T, f))

RED = {
    "sum": lambda x: x.sum(),
    "mean": lambda x: x.mean(),
    "prod": lambda x: x.prod(),
    "max": lambda x: x.max(),
    "min": lambda x: x.min(),
    "amax": lambda x: x.amax(0),
    "max_dim": lambda x: x.max(0).values,
    "std": lambda x: x.std(),
    "var": lambda x: x.var(),
    "logsumexp": lambda x: x.logsumexp(0),
    "norm": lambda x: x.norm(),
    "norm1": lambda x: x.norm(p=1),
    "norm_inf": lambda x: x.norm(p=inf),
    "cumsum": lambda x: x.cumsum(0),
    "cumprod": lambda x: x.cumprod(0),
    "sort": lambda x: x.sort().values,
    "topk": lambda x: x.topk(3).values,
    "median": lambda x: x.median(),
}
VECS = {
    "nan": [1.0, nan, 2.0],
    "inf": [1.0, inf, 2.0],
    "ninf": [-inf, -inf, 0.0],
    "bothinf": [inf, -inf, 1.0],
    "ties": [2.0, 5.0, 5.0, 1.0],
    "zeros": [0.0, 0.0, -0.0],
    "one": [3.0],
}
for rname, rf in RED.items():
    for vname, vals in VECS.items():
        S(f"red_{rname}_{vname}", lambda T, rf=rf, vals=vals: vg(T, rf, vals))
    S(f"red_{rname}_0d", lambda T, rf=rf: _red0d(T, rf))

S("argmax_nan", lambda T: T.tensor([1.0, nan, 5.0, nan]).argmax())
S("argmin_nan", lambda T: T.tensor([1.0, nan, -5.0]).argmin())
S("argmax_inf_ties", lambda T: T.tensor([inf, 1.0, inf]).argmax())
S("max_dim_nan_index", lambda T: T.tensor([[1.0, nan, 5.0], [2.0, 3.0, 1.0]]).max(1))
S("sort_nan_last", lambda T: T.tensor([3.0, nan, -inf, 1.0, nan]).sort())
S("sort_desc_nan", lambda T: T.tensor([3.0, nan, -inf, 1.0]).sort(descending=True))
S("topk_nan", lambda T: T.tensor([3.0, nan, 1.0]).topk(1))
S("unique_like_eq_neg_zero", lambda T: T.tensor([0.0]) == T.tensor([-0.0]))
S("isclose_inf", lambda T: T.isclose(T.tensor([inf, -inf, nan]), T.tensor([inf, inf, nan])))


def _red0d(T, rf):
    x = T.tensor(2.5, dtype=T.float64, requires_grad=True)
    try:
        y = rf(x)
    except Exception as e:  # std of one element etc.: compare as raising
        raise e
    y.sum().backward()
    return y, x.grad


def _empty_red(T, f):
    x = T.zeros(0, 3, dtype=T.float64, requires_grad=True)
    y = f(x)
    y.sum().backward()
    return y, x.grad


for rname, rf in {"sum0": lambda x: x.sum(0), "sum1": lambda x: x.sum(1),
                  "mean0": lambda x: x.mean(0), "mean_all": lambda x: x.mean(),
                  "prod0": lambda x: x.prod(0), "amax1": lambda x: x.amax(1),
                  "logsumexp0": lambda x: x.logsumexp(0), "norm0": lambda x: x.norm(dim=0),
                  "softmax1": lambda x: x.softmax(1), "var0": lambda x: x.var(0),
                  "matmul": lambda x: x.t() @ x, "matmul2": lambda x: x @ x.t(),
                  "cumsum0": lambda x: x.cumsum(0), "exp": lambda x: x.exp(),
                  "cat": lambda x: __import__("builtins").__dict__ and x.reshape(0, 3)}.items():
    S(f"empty_red_{rname}", lambda T, rf=rf: _empty_red(T, rf))


# layers / losses on edge values
def _pool_ties(T, kind):
    x = T.ones(1, 1, 4, 4, dtype=T.float64, requires_grad=True)
    y = getattr(Fn(T), kind)(x, 2)
    (y * T.tensor([[[[1.0, 2.0], [3.0, 4.0]]]], dtype=T.float64)).sum().backward()
    return y, x.grad


S("maxpool_ties_grad", lambda T: _pool_ties(T, "max_pool2d"))
S("avgpool_ties_grad", lambda T: _pool_ties(T, "avg_pool2d"))
S("maxpool_nan", lambda T: vg4(T, lambda x: Fn(T).max_pool2d(x, 2), [1.0, nan, 2.0, 3.0]))
S("maxpool_inf", lambda T: vg4(T, lambda x: Fn(T).max_pool2d(x, 2), [-inf, -inf, -inf, -inf]))
S("maxpool_pad_neginf", lambda T: vg4(T, lambda x: Fn(T).max_pool2d(x, 2, 1, 1),
                                      [-inf, 1.0, -inf, -inf]))
S("avgpool_inf", lambda T: vg4(T, lambda x: Fn(T).avg_pool2d(x, 2), [inf, -inf, 1.0, 1.0]))
S("adaptive_avg_nan", lambda T: vg4(T, lambda x: Fn(T).adaptive_avg_pool2d(x, 1),
                                    [nan, 1.0, 1.0, 1.0]))
S("conv_inf_weight0", lambda T: vg4(T, lambda x: Fn(T).conv2d(
    x, T.zeros(1, 1, 1, 1, dtype=T.float64)), [inf, 1.0, 1.0, 1.0]))
S("linear_inf", lambda T: vg(T, lambda x: Fn(T).linear(x.view(2, 5), T.zeros(
    1, 5, dtype=T.float64))))


def vg4(T, f, vals):
    x = T.tensor(np.array(vals, dtype=np.float64).reshape(1, 1, 2, 2), requires_grad=True)
    y = f(x)
    y.backward(ONES(T, y))
    return y, x.grad


def _norm_const(T, kind):
    x = T.full((4, 3), 2.0, dtype=T.float64, requires_grad=True)
    if kind == "bn":
        m = T.nn.BatchNorm1d(3).double()
    elif kind == "ln":
        m = T.nn.LayerNorm(3).double()
    else:
        m = T.nn.GroupNorm(1, 3).double()
        x = T.full((4, 3, 2), 2.0, dtype=T.float64, requires_grad=True)
    y = m(x)
    (y * T.arange(float(y.numel()), dtype=T.float64).view(y.shape)).sum().backward()
    return y, x.grad, m.weight.grad


S("batchnorm_constant_input", lambda T: _norm_const(T, "bn"))
S("layernorm_constant_input", lambda T: _norm_const(T, "ln"))
S("groupnorm_constant_input", lambda T: _norm_const(T, "gn"))
S("batchnorm_empty_batch", lambda T: T.nn.BatchNorm1d(3)(T.zeros(0, 3)))
S("layernorm_empty", lambda T: T.nn.LayerNorm(3)(T.zeros(0, 3)))
S("linear_empty_batch", lambda T: _emp_lin(T))
S("conv_empty_batch", lambda T: ShapeOnlyFree(T.nn.Conv2d(1, 2, 3)(T.zeros(0, 1, 5, 5))))
S("ce_inf_logit_target", lambda T: _loss(T, lambda a: Fn(T).cross_entropy(
    a, T.tensor([0, 1])), [[inf, 0.0, 1.0], [0.0, 0.0, 0.0]]))
S("ce_nan_logit", lambda T: _loss(T, lambda a: Fn(T).cross_entropy(a, T.tensor([0, 1])),
                                  [[nan, 0.0, 1.0], [0.0, 0.0, 0.0]]))
S("ce_all_neg_inf_row", lambda T: _loss(T, lambda a: Fn(T).cross_entropy(a, T.tensor([0, 1])),
                                        [[-inf, -inf, -inf], [0.0, 0.0, 0.0]]))
S("ce_neg_inf_nontarget", lambda T: _loss(T, lambda a: Fn(T).cross_entropy(
    a, T.tensor([2, 1])), [[0.0, -inf, 1.0], [0.0, 0.0, -inf]]))
S("ce_ls_neg_inf", lambda T: _loss(T, lambda a: Fn(T).cross_entropy(
    a, T.tensor([2, 1]), label_smoothing=0.1), [[0.0, -inf, 1.0], [0.0, 0.0, 1.0]]))
S("nll_neg_inf_nontarget", lambda T: _loss(T, lambda a: Fn(T).nll_loss(
    a, T.tensor([0, 2])), [[np.log(0.5), -inf, np.log(0.5)], [-inf, np.log(0.5), np.log(0.5)]]))
S("mse_inf", lambda T: _loss(T, lambda a: Fn(T).mse_loss(a, T.zeros(2, 3, dtype=T.float64)),
                             [[inf, 0.0, 1.0], [nan, -inf, 0.0]]))
S("l1_at_zero", lambda T: _loss(T, lambda a: Fn(T).l1_loss(a, T.zeros(2, 3, dtype=T.float64)),
                                [[0.0, -0.0, 1.0], [-1.0, 0.0, 2.0]]))
S("smooth_l1_at_beta", lambda T: _loss(T, lambda a: Fn(T).smooth_l1_loss(
    a, T.zeros(2, 3, dtype=T.float64), beta=1.0), [[1.0, -1.0, 0.0], [0.5, 2.0, -0.0]]))
S("smooth_l1_beta0", lambda T: _loss(T, lambda a: Fn(T).smooth_l1_loss(
    a, T.zeros(2, 3, dtype=T.float64), beta=0.0), [[1.0, -1.0, 0.0], [0.5, 2.0, -0.0]]))
S("huber_at_delta", lambda T: _loss(T, lambda a: Fn(T).huber_loss(
    a, T.zeros(2, 3, dtype=T.float64), delta=1.0), [[1.0, -1.0, 0.0], [0.5, 2.0, inf]]))
S("bce_at_bounds", lambda T: _loss(T, lambda a: Fn(T).binary_cross_entropy(
    a, T.tensor([[0.0, 1.0, 1.0], [0.0, 0.5, 1.0]], dtype=T.float64)),
    [[0.0, 1.0, 0.0], [1.0, 0.5, 1.0]]))
S("bce_logits_inf", lambda T: _loss(T, lambda a: Fn(T).binary_cross_entropy_with_logits(
    a, T.tensor([[0.0, 1.0, 1.0], [0.0, 0.5, 1.0]], dtype=T.float64)),
    [[inf, -inf, 1e4], [-1e4, 0.0, inf]]))
S("kl_div_zero_target", lambda T: _loss(T, lambda a: Fn(T).kl_div(
    a, T.tensor([[0.0, 0.5, 0.5], [1.0, 0.0, 0.0]], dtype=T.float64), reduction="batchmean"),
    [[-inf, np.log(0.5), np.log(0.5)], [0.0, -inf, -1.0]]))
S("cosine_sim_zero", lambda T: _loss(T, lambda a: Fn(T).cosine_similarity(
    a, T.ones(2, 3, dtype=T.float64)), [[0.0, 0.0, 0.0], [1.0, 2.0, 3.0]]))
S("normalize_zero_grad", lambda T: _loss(T, lambda a: Fn(T).normalize(a, dim=1).sum(),
                                         [[0.0, 0.0, 0.0], [1.0, 2.0, 3.0]]))
S("softmax_all_neg_inf", lambda T: _loss(T, lambda a: a.softmax(1),
                                         [[-inf, -inf, -inf], [0.0, -inf, 1.0]]))
S("log_softmax_inf", lambda T: _loss(T, lambda a: a.log_softmax(1),
                                     [[inf, 0.0, 1.0], [0.0, -inf, 1.0]]))
S("embedding_max_norm_like_zero", lambda T: T.nn.functional.embedding(
    T.tensor([0]), T.zeros(2, 3)))


def _loss(T, f, vals):
    a = T.tensor(np.array(vals, dtype=np.float64), requires_grad=True)
    y = f(a)
    y.backward(ONES(T, y))
    return y, a.grad


def _emp_lin(T):
    m = T.nn.Linear(3, 2).double()
    x = T.zeros(0, 3, dtype=T.float64, requires_grad=True)
    y = m(x)
    y.sum().backward()
    return y, x.grad, m.weight.grad, m.bias.grad


def ShapeOnlyFree(x):
    from harness import ShapeOnly
    return ShapeOnly(x)


# optimizers on edge: zero grad, nan grad, 0-d, inf lr
def _opt_edge(T, name, grad_vals, **kw):
    p = T.nn.Parameter(T.tensor([1.0, -2.0, 0.5], dtype=T.float64))
    o = getattr(T.optim, name)([p], **kw)
    for _ in range(3):
        o.zero_grad()
        (p * T.tensor(grad_vals, dtype=T.float64)).sum().backward()
        o.step()
    return p


for oname, kw in [("SGD", {"lr": 0.1, "momentum": 0.9}), ("Adam", {"lr": 0.1}),
                  ("AdamW", {"lr": 0.1}), ("RMSprop", {"lr": 0.1}), ("Adagrad", {"lr": 0.1}),
                  ("Adamax", {"lr": 0.1}), ("NAdam", {"lr": 0.1}), ("RAdam", {"lr": 0.1}),
                  ("Adadelta", {}), ("Rprop", {"lr": 0.1})]:
    S(f"opt_zero_grad_{oname}", lambda T, n=oname, kw=kw: _opt_edge(T, n, [0.0, 0.0, -0.0],
                                                                   **kw))
    S(f"opt_nan_inf_grad_{oname}", lambda T, n=oname, kw=kw: _opt_edge(T, n, [nan, inf, 1.0],
                                                                      **kw))


def _opt_0d(T, name, **kw):
    p = T.nn.Parameter(T.tensor(1.5, dtype=T.float64))
    o = getattr(T.optim, name)([p], **kw)
    for _ in range(5):
        o.zero_grad()
        (p * p).backward()
        o.step()
    return p


for oname, kw in [("SGD", {"lr": 0.1, "momentum": 0.9, "weight_decay": 0.1}),
                  ("SGD", {"lr": 0.1, "momentum": 0.9, "maximize": True, "nesterov": True}),
                  ("Adam", {"lr": 0.1, "amsgrad": True, "weight_decay": 0.1}),
                  ("AdamW", {"lr": 0.1, "maximize": True}), ("RMSprop", {"lr": 0.1,
                                                                         "centered": True,
                                                                         "momentum": 0.5}),
                  ("Adagrad", {"lr": 0.1, "weight_decay": 0.1}), ("Adamax", {"lr": 0.1}),
                  ("NAdam", {"lr": 0.1}), ("RAdam", {"lr": 0.1}), ("Adadelta", {"lr": 0.5}),
                  ("Rprop", {"lr": 0.1})]:
    S(f"opt_0d_{oname}_{len(kw)}{'m' if 'maximize' in kw else ''}",
      lambda T, n=oname, kw=kw: _opt_0d(T, n, **kw))
