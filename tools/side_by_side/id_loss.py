"""Losses: functional and modules, reductions, weights, ignore_index, edge values."""
import numpy as np

from harness import add, rng

S = add


def P(T, *shape, seed=0, lo=None, hi=None):
    r = rng(seed)
    a = r.standard_normal(shape) if lo is None else r.uniform(lo, hi, shape)
    return T.tensor(a, requires_grad=True)


def _run(T, f, *inputs):
    out = f(*inputs)
    if len(out.shape) == 0:
        out.backward()
    else:
        (out * T.tensor(rng(42).standard_normal(tuple(out.shape)), dtype=out.dtype)).sum().backward()
    return (out,) + tuple(x.grad for x in inputs if getattr(x, "requires_grad", False))


def LOSS(name, f, make):
    S("loss_" + name, lambda T: _run(T, lambda *a: f(T, *a), *make(T)))


F = lambda T: T.nn.functional  # noqa: E731
Y3 = lambda T: T.tensor([0, 2, 1, 2])  # noqa: E731
reg = lambda T: (P(T, 4, 3), T.tensor(rng(1).standard_normal((4, 3))))  # noqa: E731
cls = lambda T: (P(T, 4, 3), Y3(T))  # noqa: E731
prob = lambda T: (P(T, 4, 3, lo=0.05, hi=0.95), T.tensor(rng(3).uniform(0, 1, (4, 3))))  # noqa
bin_ = lambda T: (P(T, 4, 3), T.tensor((rng(3).uniform(0, 1, (4, 3)) > 0.5) * 1.0))  # noqa

for red in ["mean", "sum", "none"]:
    LOSS(f"mse_{red}", lambda T, a, b, r=red: F(T).mse_loss(a, b, reduction=r), reg)
    LOSS(f"l1_{red}", lambda T, a, b, r=red: F(T).l1_loss(a, b, reduction=r), reg)
    LOSS(f"ce_{red}", lambda T, a, b, r=red: F(T).cross_entropy(a, b, reduction=r), cls)
    LOSS(f"nll_{red}", lambda T, a, b, r=red: F(T).nll_loss(F(T).log_softmax(a, dim=1), b, reduction=r),
         cls)
    LOSS(f"bce_{red}", lambda T, a, b, r=red: F(T).binary_cross_entropy(a, b, reduction=r),
         prob)
    LOSS(f"bce_logits_{red}", lambda T, a, b, r=red:
         F(T).binary_cross_entropy_with_logits(a, b, reduction=r), bin_)
    LOSS(f"smooth_l1_{red}", lambda T, a, b, r=red: F(T).smooth_l1_loss(a, b, reduction=r,
                                                                        beta=0.5), reg)
    LOSS(f"huber_{red}", lambda T, a, b, r=red: F(T).huber_loss(a, b, reduction=r, delta=0.7),
         reg)
    LOSS(f"kl_div_{red}", lambda T, a, b, r=red: F(T).kl_div(F(T).log_softmax(a, dim=1), F(T).softmax(b, dim=1),
                                                             reduction=r), reg)

LOSS("kl_div_batchmean", lambda T, a, b: F(T).kl_div(F(T).log_softmax(a, dim=1), F(T).softmax(b, dim=1),
                                                     reduction="batchmean"), reg)
LOSS("kl_div_log_target", lambda T, a, b: F(T).kl_div(F(T).log_softmax(a, dim=1), F(T).log_softmax(b, dim=1),
                                                      reduction="batchmean", log_target=True),
     reg)
LOSS("ce_weight", lambda T, a, b: F(T).cross_entropy(a, b, weight=T.tensor(
    [1.0, 2.0, 0.5], dtype=T.float64)), cls)
LOSS("ce_ignore_index", lambda T, a, b: F(T).cross_entropy(a, T.tensor([0, -100, 1, 2])), cls)
LOSS("ce_ignore_index_custom", lambda T, a, b: F(T).cross_entropy(a, T.tensor([0, 1, 1, 2]),
                                                                  ignore_index=1), cls)
LOSS("ce_all_ignored", lambda T, a, b: F(T).cross_entropy(a, T.tensor([-100] * 4)), cls)
LOSS("ce_label_smoothing", lambda T, a, b: F(T).cross_entropy(a, b, label_smoothing=0.1), cls)
LOSS("ce_prob_targets", lambda T, a, b: F(T).cross_entropy(a, F(T).softmax(b, dim=1)), reg)
LOSS("ce_4d", lambda T, a, b: F(T).cross_entropy(a, T.tensor(rng(2).integers(0, 3, (2, 2, 2)))),
     lambda T: (P(T, 2, 3, 2, 2), None))
LOSS("ce_1d_unbatched", lambda T, a, b: F(T).cross_entropy(a, T.tensor(1)),
     lambda T: (P(T, 3), None))
LOSS("ce_neg_inf_logit", lambda T, a, b: F(T).cross_entropy(
    a + T.tensor([[0.0, -np.inf, 0.0]] * 4, dtype=T.float64), T.tensor([0, 2, 0, 2])), cls)
LOSS("nll_log0", lambda T, a, b: F(T).nll_loss(T.log(F(T).softmax(a, dim=1) * T.tensor(
    [[1.0, 0.0, 1.0]] * 4, dtype=T.float64)), T.tensor([0, 2, 0, 0])), cls)
LOSS("nll_weight_ignore", lambda T, a, b: F(T).nll_loss(a, T.tensor([0, 1, -100, 2]),
                                                        weight=T.tensor([1.0, 3.0, 2.0],
                                                                        dtype=T.float64)), cls)
LOSS("bce_weight", lambda T, a, b: F(T).binary_cross_entropy(a, b, weight=T.tensor(
    [1.0, 2.0, 0.5], dtype=T.float64)), prob)
LOSS("bce_at_0_1", lambda T, a, b: F(T).binary_cross_entropy(
    a * 0 + T.tensor([0.0, 1.0, 0.0, 1.0], dtype=T.float64), T.tensor(
        [0.0, 1.0, 1.0, 0.0], dtype=T.float64)), lambda T: (P(T, 4), None))
LOSS("bce_logits_pos_weight", lambda T, a, b: F(T).binary_cross_entropy_with_logits(
    a, b, pos_weight=T.tensor([1.0, 2.0, 3.0], dtype=T.float64)), bin_)
LOSS("bce_logits_big", lambda T, a, b: F(T).binary_cross_entropy_with_logits(
    a * 1000, b), bin_)
LOSS("mse_broadcast_warn", lambda T, a, b: F(T).mse_loss(a, b[:1]), reg)
LOSS("mse_empty", lambda T, a, b: F(T).mse_loss(a[:0], b[:0]), reg)
LOSS("ce_empty", lambda T, a, b: F(T).cross_entropy(a[:0], b[:0]), cls)
LOSS("ce_empty_sum", lambda T, a, b: F(T).cross_entropy(a[:0], b[:0], reduction="sum"), cls)
LOSS("l1_empty", lambda T, a, b: F(T).l1_loss(a[:0], b[:0]), reg)

# modules
MOD = [("MSELoss", reg, {}), ("L1Loss", reg, {}), ("CrossEntropyLoss", cls, {}),
       ("CrossEntropyLoss", cls, {"label_smoothing": 0.2}), ("NLLLoss", cls, {}),
       ("BCELoss", prob, {}), ("BCEWithLogitsLoss", bin_, {}),
       ("SmoothL1Loss", reg, {"beta": 2.0}), ("HuberLoss", reg, {"delta": 0.3}),
       ("KLDivLoss", reg, {"reduction": "batchmean"}), ("MSELoss", reg, {"reduction": "sum"}),
       ("CrossEntropyLoss", cls, {"reduction": "none", "ignore_index": 2})]
for i, (name, make, kw) in enumerate(MOD):
    def _m(T, a, b, name=name, kw=kw):
        fn = getattr(T.nn, name)(**kw)
        if name == "NLLLoss":
            a = F(T).log_softmax(a, dim=1)
        if name == "KLDivLoss":
            a, b = F(T).log_softmax(a, dim=1), F(T).softmax(b, dim=1)
        return fn(a, b)
    LOSS(f"module_{name}_{i}", _m, make)

S("ce_float_targets_wrong_shape_raises", lambda T: F(T).cross_entropy(P(T, 4, 3),
                                                                     T.tensor([0.0, 1.0, 2.0,
                                                                               1.0])))
S("ce_target_oob_raises", lambda T: F(T).cross_entropy(P(T, 4, 3), T.tensor([0, 3, 1, 1])))
S("bce_out_of_range_raises", lambda T: F(T).binary_cross_entropy(T.tensor([1.5]),
                                                                  T.tensor([1.0])))
S("mse_int_target", lambda T: F(T).mse_loss(P(T, 3), T.tensor([1.0, 2.0, 3.0],
                                                              dtype=T.float64)))
S("loss_f32_dtype", lambda T: F(T).cross_entropy(T.zeros(2, 3), T.tensor([0, 1])).dtype)
S("loss_item_type", lambda T: type(F(T).mse_loss(T.zeros(3), T.ones(3)).item()).__name__)
S("loss_bad_reduction_raises", lambda T: F(T).mse_loss(T.zeros(3), T.ones(3), reduction="avg"))
