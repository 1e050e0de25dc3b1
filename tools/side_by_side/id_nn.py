"""nn layers, Module methods, containers, hooks, nn.utils."""
import numpy as np

from harness import ShapeOnly, add, idiom, rng
from nnutil import fill, inp, run_layer

S = add


def L(name, mk, shape, **kw):
    S("layer_" + name, lambda T: run_layer(T, mk(T), inp(T, *shape)), **kw)


L("linear", lambda T: T.nn.Linear(3, 2), (4, 3))
L("linear_nobias", lambda T: T.nn.Linear(3, 2, bias=False), (4, 3))
L("linear_3d_input", lambda T: T.nn.Linear(3, 2), (2, 4, 3))
L("linear_1d_input", lambda T: T.nn.Linear(3, 2), (3,))
L("bilinear_identity", lambda T: T.nn.Identity(), (2, 3))
L("conv2d", lambda T: T.nn.Conv2d(2, 3, 3, padding=1), (2, 2, 5, 5))
L("conv2d_stride", lambda T: T.nn.Conv2d(2, 4, 3, stride=2), (1, 2, 7, 7))
L("conv2d_rect_kernel", lambda T: T.nn.Conv2d(1, 2, (3, 2)), (1, 1, 5, 4))
L("conv2d_same", lambda T: T.nn.Conv2d(2, 2, 3, padding="same"), (1, 2, 5, 5))
L("conv2d_dilation", lambda T: T.nn.Conv2d(1, 2, 3, dilation=2), (1, 1, 7, 7))
L("conv2d_groups", lambda T: T.nn.Conv2d(4, 4, 3, groups=2), (1, 4, 5, 5))
L("conv2d_nobias", lambda T: T.nn.Conv2d(2, 3, 1, bias=False), (2, 2, 3, 3))
L("conv2d_unbatched", lambda T: T.nn.Conv2d(2, 3, 3), (2, 5, 5))
L("conv1d", lambda T: T.nn.Conv1d(2, 3, 3, padding=1), (2, 2, 6))
L("conv1d_stride", lambda T: T.nn.Conv1d(2, 3, 2, stride=2), (2, 2, 6))
L("convT2d", lambda T: T.nn.ConvTranspose2d(2, 3, 3, stride=2, padding=1, output_padding=1),
  (1, 2, 4, 4))
L("convT2d_plain", lambda T: T.nn.ConvTranspose2d(2, 1, 2), (1, 2, 3, 3))
L("maxpool2d", lambda T: T.nn.MaxPool2d(2), (2, 2, 4, 4))
L("maxpool2d_pad_stride", lambda T: T.nn.MaxPool2d(3, stride=2, padding=1), (1, 2, 5, 5))
L("maxpool2d_odd", lambda T: T.nn.MaxPool2d(2), (1, 1, 5, 5))
L("maxpool2d_unbatched", lambda T: T.nn.MaxPool2d(2), (2, 6, 6))
L("maxpool1d", lambda T: T.nn.MaxPool1d(2), (2, 3, 6))
L("avgpool2d", lambda T: T.nn.AvgPool2d(2), (2, 2, 4, 4))
L("avgpool2d_pad_exclude", lambda T: T.nn.AvgPool2d(3, 1, 1, count_include_pad=False),
  (1, 1, 4, 4))
L("avgpool2d_pad_include", lambda T: T.nn.AvgPool2d(3, 1, 1), (1, 1, 4, 4))
L("avgpool2d_ceil", lambda T: T.nn.AvgPool2d(2, ceil_mode=True), (1, 1, 5, 5))
L("maxpool2d_ceil", lambda T: T.nn.MaxPool2d(2, ceil_mode=True), (1, 1, 5, 5))
L("avgpool1d", lambda T: T.nn.AvgPool1d(3, stride=1, padding=1), (2, 2, 5))
L("adaptive_avg_1", lambda T: T.nn.AdaptiveAvgPool2d((1, 1)), (2, 3, 4, 4))
L("adaptive_avg_uneven", lambda T: T.nn.AdaptiveAvgPool2d(2), (1, 2, 5, 5))
L("adaptive_avg_up", lambda T: T.nn.AdaptiveAvgPool2d(3), (1, 1, 2, 2))
L("adaptive_max", lambda T: T.nn.AdaptiveMaxPool2d(2), (1, 2, 4, 4))
L("flatten", lambda T: T.nn.Flatten(), (2, 3, 2, 2))
L("flatten_args", lambda T: T.nn.Flatten(0, 1), (2, 3, 2))
L("unflatten", lambda T: T.nn.Unflatten(1, (2, 3)), (4, 6))
L("relu", lambda T: T.nn.ReLU(), (3, 4))
L("leaky_relu", lambda T: T.nn.LeakyReLU(0.1), (3, 4))
L("sigmoid", lambda T: T.nn.Sigmoid(), (3, 4))
L("tanh", lambda T: T.nn.Tanh(), (3, 4))
L("softmax", lambda T: T.nn.Softmax(dim=1), (3, 4))
L("log_softmax", lambda T: T.nn.LogSoftmax(dim=-1), (3, 4))
L("gelu", lambda T: T.nn.GELU(), (3, 4))
L("gelu_tanh", lambda T: T.nn.GELU(approximate="tanh"), (3, 4))
L("silu", lambda T: T.nn.SiLU(), (3, 4))
L("elu", lambda T: T.nn.ELU(alpha=0.5), (3, 4))
L("softplus", lambda T: T.nn.Softplus(beta=2, threshold=1), (3, 4))
L("hardtanh", lambda T: T.nn.Hardtanh(-0.5, 0.5), (3, 4))
L("relu6", lambda T: T.nn.ReLU6(), (3, 4))
L("prelu", lambda T: T.nn.PReLU(), (3, 4))
L("mish", lambda T: T.nn.Mish(), (3, 4))
L("dropout_eval", lambda T: T.nn.Dropout(0.5).eval(), (3, 4))
L("dropout2d_eval", lambda T: T.nn.Dropout2d(0.3).eval(), (1, 2, 3, 3))
L("dropout_p0_train", lambda T: T.nn.Dropout(0.0), (3, 4))
L("batchnorm1d_train", lambda T: T.nn.BatchNorm1d(3), (5, 3))
L("batchnorm1d_3d", lambda T: T.nn.BatchNorm1d(3), (4, 3, 2))
L("batchnorm1d_eval", lambda T: T.nn.BatchNorm1d(3).eval(), (5, 3))
L("batchnorm2d_train", lambda T: T.nn.BatchNorm2d(2), (3, 2, 2, 2))
L("batchnorm2d_noaffine", lambda T: T.nn.BatchNorm2d(2, affine=False), (3, 2, 2, 2))
L("layernorm", lambda T: T.nn.LayerNorm(4), (3, 4))
L("layernorm_2d_noaffine", lambda T: T.nn.LayerNorm((3, 4), elementwise_affine=False),
  (2, 3, 4))
L("layernorm_nobias", lambda T: T.nn.LayerNorm(4, bias=False), (3, 4))
L("groupnorm", lambda T: T.nn.GroupNorm(2, 4), (2, 4, 3))
L("groupnorm_4d", lambda T: T.nn.GroupNorm(1, 2), (2, 2, 2, 2))
L("instancenorm_like_groupnorm", lambda T: T.nn.GroupNorm(2, 2), (2, 2, 3, 3))
L("lrn", lambda T: T.nn.LocalResponseNorm(2), (1, 4, 2, 2))
L("upsample_nearest", lambda T: T.nn.Upsample(scale_factor=2, mode="nearest"), (1, 2, 2, 3))
L("upsample_bilinear", lambda T: T.nn.Upsample(scale_factor=2, mode="bilinear"), (1, 1, 3, 3))
L("upsample_bilinear_ac", lambda T: T.nn.Upsample(size=(5, 4), mode="bilinear",
                                                    align_corners=True), (1, 1, 3, 2))
L("upsample_size_nearest", lambda T: T.nn.Upsample(size=5), (1, 1, 2, 3))
L("sequential", lambda T: T.nn.Sequential(T.nn.Linear(3, 4), T.nn.ReLU(), T.nn.Linear(4, 2)),
  (5, 3))


def _emb(T, **kw):
    m = T.nn.Embedding(6, 3, **kw)
    fill(T, m)
    y = m(T.tensor([[0, 2, 2], [5, 1, 0]]))
    (y * y).sum().backward()
    return y, m.weight.grad


S("embedding", lambda T: _emb(T))
S("embedding_padding_idx", lambda T: _emb(T, padding_idx=0))
S("embedding_init_padding_zero", lambda T: T.nn.Embedding(4, 2, padding_idx=1).weight[1])
S("embedding_from_pretrained", lambda T: T.nn.Embedding.from_pretrained(
    T.tensor([[1.0, 2.0], [3.0, 4.0]]))(T.tensor([1, 0, 1])))
S("embedding_oob_raises", lambda T: T.nn.Embedding(3, 2)(T.tensor([3])))


def _bn_stats(T):
    m = T.nn.BatchNorm1d(3, momentum=0.2)
    for s in range(3):
        m(inp(T, 6, 3, seed=s, rg=False))
    return m.running_mean, m.running_var, m.num_batches_tracked, m(inp(T, 2, 3, rg=False))


S("batchnorm_running_stats", _bn_stats)
S("batchnorm_eval_after_train", lambda T: (lambda m: (m(inp(T, 6, 3, rg=False)),
                                                     m.eval()(inp(T, 2, 3, rg=False))))
  (T.nn.BatchNorm1d(3)))
S("batchnorm_batch1_raises", lambda T: T.nn.BatchNorm1d(3)(inp(T, 1, 3)))
S("batchnorm_momentum_none", lambda T: (lambda m: [m(inp(T, 4, 2, seed=s, rg=False))
                                                  for s in range(3)] and
                                        (m.running_mean, m.running_var))
  (T.nn.BatchNorm1d(2, momentum=None)))
S("dropout_train_scale", lambda T: (lambda y: ((y == 0) | ((y - 2).abs() < 1e-6)).all())
  (T.nn.Dropout(0.5)(T.ones(100))))
S("dropout_functional_eval", lambda T: T.nn.functional.dropout(T.ones(4), 0.5, training=False))
S("dropout_p1", lambda T: T.nn.Dropout(1.0)(T.ones(4)))
S("dropout_bad_p_raises", lambda T: T.nn.Dropout(1.5))

# shapes, defaults, names
S("linear_weight_shape", lambda T: (T.nn.Linear(3, 2).weight.shape, T.nn.Linear(3, 2).bias.shape))
S("conv_weight_shape", lambda T: T.nn.Conv2d(2, 5, (3, 1)).weight.shape)
S("convT_weight_shape", lambda T: T.nn.ConvTranspose2d(2, 5, 3).weight.shape)
S("conv1d_weight_shape", lambda T: T.nn.Conv1d(2, 5, 3).weight.shape)
S("conv_groups_weight_shape", lambda T: T.nn.Conv2d(4, 6, 3, groups=2).weight.shape)
S("bn_buffers", lambda T: (T.nn.BatchNorm2d(3).running_mean, T.nn.BatchNorm2d(3).running_var,
                          T.nn.BatchNorm2d(3).weight, T.nn.BatchNorm2d(3).bias))
S("ln_params", lambda T: (T.nn.LayerNorm(3).weight, T.nn.LayerNorm(3).bias))
S("linear_init_bounds", lambda T: (lambda m: (ShapeOnly(m.weight),
                                             bool((m.weight.abs() <= 1 / 10 ** 0.5).all()),
                                             bool((m.bias.abs() <= 1 / 10 ** 0.5).all())))
  (T.nn.Linear(10, 4)))
S("conv_init_bounds", lambda T: (lambda m: bool((m.weight.abs() <= 1 / 18 ** 0.5).all()))
  (T.nn.Conv2d(2, 3, 3)))
S("param_dtype", lambda T: T.nn.Linear(2, 2).weight.dtype)
S("param_is_tensor", lambda T: (isinstance(T.nn.Linear(2, 2).weight, T.Tensor),
                               isinstance(T.nn.Linear(2, 2).weight, T.nn.Parameter),
                               T.nn.Linear(2, 2).weight.requires_grad))
S("param_data_tensor", lambda T: isinstance(T.nn.Linear(2, 2).weight.data, T.Tensor))
S("parameter_ctor", lambda T: (lambda p: (p, p.requires_grad, p.is_leaf))
  (T.nn.Parameter(T.ones(2))))
S("parameter_no_grad", lambda T: T.nn.Parameter(T.ones(2), requires_grad=False).requires_grad)
S("parameter_ops_not_param", lambda T: isinstance(T.nn.Parameter(T.ones(2)) * 2,
                                                  T.nn.Parameter))


def _net(T):
    class Net(T.nn.Module):
        def __init__(self):
            super().__init__()
            self.conv = T.nn.Conv2d(1, 2, 3)
            self.bn = T.nn.BatchNorm2d(2)
            self.fc = T.nn.Linear(8, 3)
            self.act = T.nn.ReLU()

        def forward(self, x):
            x = self.act(self.bn(self.conv(x)))
            return self.fc(x.flatten(1))
    return Net()


S("module_named_parameters", lambda T: [n for n, _ in _net(T).named_parameters()])
S("module_param_count", lambda T: sum(p.numel() for p in _net(T).parameters()))
S("module_state_dict_keys", lambda T: list(_net(T).state_dict().keys()))
S("module_state_dict_tensors", lambda T: isinstance(_net(T).state_dict()["fc.weight"], T.Tensor))
S("module_children", lambda T: [type(c).__name__ for c in _net(T).children()])
S("module_named_children", lambda T: [n for n, _ in _net(T).named_children()])
S("module_modules", lambda T: len(list(_net(T).modules())))
S("module_named_modules", lambda T: [n for n, _ in _net(T).named_modules()])
S("module_buffers", lambda T: [n for n, _ in _net(T).named_buffers()])
S("module_forward", lambda T: (lambda m: fill(T, m) and m(inp(T, 2, 1, 4, 4)))(_net(T)))
S("module_train_eval", lambda T: (lambda m: (m.training, m.eval().training, m.bn.training,
                                            m.train().bn.training))(_net(T)))
S("module_train_false", lambda T: _net(T).train(False).training)
S("module_to_returns_self", lambda T: (lambda m: m.to("cpu") is m)(_net(T)))
S("module_double", lambda T: _net(T).double().fc.weight.dtype)
S("module_requires_grad_", lambda T: [p.requires_grad for p in
                                      _net(T).requires_grad_(False).parameters()])
S("module_freeze_loop", lambda T: _freeze(T))
S("module_zero_grad_none", lambda T: _zero_grad(T, True))
S("module_zero_grad_zeros", lambda T: _zero_grad(T, False))
S("module_apply_init", lambda T: _apply(T))
S("module_getattr_missing_raises", lambda T: _net(T).nothere)
S("module_get_submodule", lambda T: type(_net(T).get_submodule("bn")).__name__)
S("state_dict_roundtrip", lambda T: _sd_round(T))
S("load_state_dict_strict_raises", lambda T: _net(T).load_state_dict({"fc.weight": T.zeros(3, 8)}))
S("load_state_dict_nonstrict", lambda T: _nonstrict(T))
S("load_state_dict_shape_raises", lambda T: T.nn.Linear(2, 3).load_state_dict(
    {"weight": T.zeros(2, 2), "bias": T.zeros(3)}))
S("state_dict_detached", lambda T: _net(T).state_dict()["fc.weight"].requires_grad)


def _freeze(T):
    m = _net(T)
    for p in m.conv.parameters():
        p.requires_grad = False
    fill(T, m)
    m(inp(T, 2, 1, 4, 4)).sum().backward()
    return m.conv.weight.grad, m.fc.weight.grad is None


def _zero_grad(T, none):
    m = T.nn.Linear(2, 2)
    m(T.ones(1, 2)).sum().backward()
    m.zero_grad(set_to_none=none)
    return m.weight.grad


def _apply(T):
    m = T.nn.Sequential(T.nn.Linear(2, 3), T.nn.ReLU(), T.nn.Linear(3, 1))

    def init(mod):
        if isinstance(mod, T.nn.Linear):
            T.nn.init.constant_(mod.weight, 0.5)
            T.nn.init.zeros_(mod.bias)
    r = m.apply(init)
    return r is m, m[0].weight, m[2].bias


def _sd_round(T):
    a = fill(T, _net(T))
    b = _net(T)
    r = b.load_state_dict(a.state_dict())
    return b.fc.weight, b.bn.running_var, list(r.missing_keys) if hasattr(r, "missing_keys") else r


def _nonstrict(T):
    m = T.nn.Linear(2, 3)
    r = m.load_state_dict({"weight": T.ones(3, 2)}, strict=False)
    return m.weight, list(r.missing_keys), list(r.unexpected_keys)


# containers
def _seq(T):
    return T.nn.Sequential(T.nn.Linear(3, 4), T.nn.ReLU(), T.nn.Linear(4, 2))


S("seq_len", lambda T: len(_seq(T)))
S("seq_index", lambda T: type(_seq(T)[1]).__name__)
S("seq_neg_index", lambda T: _seq(T)[-1].out_features)
S("seq_slice", lambda T: (type(_seq(T)[:2]).__name__, len(_seq(T)[:2])))
S("seq_append", lambda T: len(_seq(T).append(T.nn.Sigmoid())))
S("seq_iter", lambda T: [type(m).__name__ for m in _seq(T)])
S("seq_state_keys", lambda T: list(_seq(T).state_dict()))
S("seq_ordered_dict", lambda T: list(T.nn.Sequential(__import__("collections").OrderedDict(
    [("fc", T.nn.Linear(2, 2)), ("act", T.nn.ReLU())])).state_dict()))
S("seq_star_list", lambda T: len(T.nn.Sequential(*[T.nn.Linear(2, 2) for _ in range(3)])))
S("modulelist", lambda T: _mlist(T))
S("moduledict", lambda T: _mdict(T))
S("parameterlist", lambda T: _plist(T))
S("parameterdict", lambda T: _pdict(T))


def _mlist(T):
    class M(T.nn.Module):
        def __init__(self):
            super().__init__()
            self.layers = T.nn.ModuleList([T.nn.Linear(2, 2) for _ in range(2)])
            self.layers.append(T.nn.Linear(2, 1))

        def forward(self, x):
            for m in self.layers:
                x = m(x)
            return x
    m = M()
    return [n for n, _ in m.named_parameters()], len(m.layers), ShapeOnly(m(T.ones(3, 2)))


def _mdict(T):
    d = T.nn.ModuleDict({"a": T.nn.Linear(2, 2), "b": T.nn.ReLU()})
    d["c"] = T.nn.Linear(2, 1)
    return list(d.keys()), "a" in d, len(d), [n for n, _ in d.named_parameters()]


def _plist(T):
    class M(T.nn.Module):
        def __init__(self):
            super().__init__()
            self.ps = T.nn.ParameterList([T.nn.Parameter(T.ones(2)) for _ in range(2)])
    return [n for n, _ in M().named_parameters()], list(M().state_dict())


def _pdict(T):
    class M(T.nn.Module):
        def __init__(self):
            super().__init__()
            self.ps = T.nn.ParameterDict({"w": T.nn.Parameter(T.ones(2))})
    return [n for n, _ in M().named_parameters()]


def _buffers(T):
    class M(T.nn.Module):
        def __init__(self):
            super().__init__()
            self.register_buffer("a", T.zeros(2))
            self.register_buffer("b", T.ones(2), persistent=False)
            self.w = T.nn.Parameter(T.ones(1))
    m = M()
    return (list(m.state_dict()), [n for n, _ in m.named_buffers()],
            [n for n, _ in m.named_parameters()], m.b)


S("register_buffer", _buffers)
S("setattr_tensor_not_param", lambda T: _plain_attr(T))


def _plain_attr(T):
    class M(T.nn.Module):
        def __init__(self):
            super().__init__()
            self.t = T.zeros(2)
            self.p = T.nn.Parameter(T.zeros(2))
    return [n for n, _ in M().named_parameters()], list(M().state_dict())


# hooks
def _fwd_hook(T):
    m = _seq(T)
    fill(T, m)
    feats = {}
    h = m[1].register_forward_hook(lambda mod, i, o: feats.__setitem__("relu", o.detach()))
    y = m(inp(T, 2, 3, rg=False))
    h.remove()
    m(inp(T, 2, 3, seed=5, rg=False))
    return feats["relu"], y


def _fwd_hook_modify(T):
    m = fill(T, T.nn.Linear(3, 2))
    m.register_forward_hook(lambda mod, i, o: o * 0 + 1)
    return m(inp(T, 2, 3, rg=False))


def _fwd_pre_hook(T):
    m = fill(T, T.nn.Linear(3, 2))
    seen = []
    m.register_forward_pre_hook(lambda mod, args: seen.append(args[0].shape))
    m(inp(T, 2, 3))
    return seen


def _bwd_hook(T):
    m = fill(T, T.nn.Linear(3, 2))
    got = {}

    def hook(mod, gin, gout):
        got["gin"] = [g for g in gin]
        got["gout"] = [g for g in gout]
    m.register_full_backward_hook(hook)
    x = inp(T, 2, 3)
    (m(x) ** 2).sum().backward()
    return got["gin"], got["gout"], x.grad


S("forward_hook_capture", _fwd_hook)
S("forward_hook_modifies", _fwd_hook_modify)
S("forward_pre_hook", _fwd_pre_hook)
S("full_backward_hook", _bwd_hook)

# nn.utils
def _clip(T, kind):
    m = fill(T, T.nn.Linear(3, 2))
    (m(inp(T, 4, 3)) ** 2).sum().backward()
    if kind == "norm":
        tot = T.nn.utils.clip_grad_norm_(m.parameters(), max_norm=1.0)
    elif kind == "norm_inf":
        tot = T.nn.utils.clip_grad_norm_(m.parameters(), 0.5, norm_type=float("inf"))
    else:
        tot = T.nn.utils.clip_grad_value_(m.parameters(), clip_value=0.3)
    return tot, m.weight.grad, m.bias.grad


S("clip_grad_norm", lambda T: _clip(T, "norm"))
S("clip_grad_norm_inf", lambda T: _clip(T, "norm_inf"))
S("clip_grad_value", lambda T: _clip(T, "value"))
S("params_to_vector", lambda T: T.nn.utils.parameters_to_vector(
    fill(T, T.nn.Linear(2, 2)).parameters()))
S("vector_to_params", lambda T: _v2p(T))


def _v2p(T):
    m = T.nn.Linear(2, 2)
    T.nn.utils.vector_to_parameters(T.arange(6.0), m.parameters())
    return m.weight, m.bias


S("functional_linear", lambda T: T.nn.functional.linear(inp(T, 2, 3), inp(T, 4, 3, seed=2),
                                                       inp(T, 4, seed=3)))
S("functional_relu_inplace", lambda T: T.nn.functional.relu(T.tensor([-1.0, 2.0]), inplace=True))
S("functional_conv2d", lambda T: T.nn.functional.conv2d(inp(T, 1, 2, 5, 5), inp(T, 3, 2, 3, 3,
                                                                            seed=2), stride=2,
                                                        padding=1))
S("functional_max_pool2d", lambda T: T.nn.functional.max_pool2d(inp(T, 1, 1, 4, 4), 2))
S("functional_avg_pool2d_divisor", lambda T: T.nn.functional.avg_pool2d(
    T.ones(1, 1, 3, 3), 3, 1, 1, count_include_pad=False, divisor_override=2))
S("functional_pad_constant", lambda T: T.nn.functional.pad(inp(T, 1, 2, 3), (1, 2), value=0.5))
S("functional_pad_2d", lambda T: T.nn.functional.pad(inp(T, 1, 1, 2, 3), (1, 1, 2, 0)))
S("functional_pad_reflect", lambda T: T.nn.functional.pad(inp(T, 1, 1, 3, 4), (2, 1, 1, 1),
                                                          mode="reflect"))
S("functional_pad_replicate", lambda T: T.nn.functional.pad(inp(T, 1, 1, 3, 4), (2, 1, 1, 1),
                                                            mode="replicate"))
S("functional_pad_circular", lambda T: T.nn.functional.pad(inp(T, 1, 1, 3, 4), (2, 1, 1, 1),
                                                           mode="circular"))
S("functional_pad_grad", lambda T: _padgrad(T))
S("one_hot", lambda T: T.nn.functional.one_hot(T.tensor([0, 2, 1])))
S("one_hot_num_classes", lambda T: T.nn.functional.one_hot(T.tensor([[0], [1]]), num_classes=4))
S("one_hot_float_raises", lambda T: T.nn.functional.one_hot(T.tensor([0.0, 1.0])))
S("normalize", lambda T: T.nn.functional.normalize(inp(T, 3, 4), dim=1))
S("normalize_zero", lambda T: T.nn.functional.normalize(T.zeros(2, 3)))
S("cosine_similarity", lambda T: T.nn.functional.cosine_similarity(inp(T, 3, 4), inp(T, 3, 4,
                                                                                   seed=2)))
S("cosine_similarity_dim0", lambda T: T.nn.functional.cosine_similarity(inp(T, 3, 4),
                                                                        inp(T, 3, 4, seed=2),
                                                                        dim=0))
S("interpolate_nearest", lambda T: T.nn.functional.interpolate(inp(T, 1, 1, 2, 2),
                                                               scale_factor=2))
S("interpolate_bilinear", lambda T: T.nn.functional.interpolate(inp(T, 1, 1, 3, 3),
                                                                size=(4, 5), mode="bilinear",
                                                                align_corners=False))
S("F_gelu", lambda T: T.nn.functional.gelu(inp(T, 5)))
S("F_silu", lambda T: T.nn.functional.silu(inp(T, 5)))
S("F_elu", lambda T: T.nn.functional.elu(inp(T, 5)))
S("F_softplus", lambda T: T.nn.functional.softplus(inp(T, 5) * 30))
S("F_leaky_relu", lambda T: T.nn.functional.leaky_relu(inp(T, 5), 0.2))
S("F_layer_norm", lambda T: T.nn.functional.layer_norm(inp(T, 2, 4), (4,)))
S("F_group_norm", lambda T: T.nn.functional.group_norm(inp(T, 2, 4, 3), 2))
S("F_embedding", lambda T: T.nn.functional.embedding(T.tensor([1, 0]), inp(T, 3, 2)))
S("F_softmax_dim", lambda T: T.nn.functional.softmax(inp(T, 2, 3), dim=0))
S("F_log_softmax", lambda T: T.nn.functional.log_softmax(inp(T, 2, 3), dim=1))
S("F_sigmoid_tanh", lambda T: (T.nn.functional.sigmoid(inp(T, 3)), T.nn.functional.tanh(inp(T, 3))))
S("F_hardtanh", lambda T: T.nn.functional.hardtanh(inp(T, 5) * 3))
S("F_batch_norm_eval", lambda T: T.nn.functional.batch_norm(inp(T, 4, 3), T.zeros(3),
                                                            T.ones(3), training=False))
S("F_adaptive_avg_pool2d", lambda T: T.nn.functional.adaptive_avg_pool2d(inp(T, 1, 2, 5, 5),
                                                                         (2, 3)))
S("F_conv1d", lambda T: T.nn.functional.conv1d(inp(T, 1, 2, 5), inp(T, 3, 2, 2, seed=2)))
S("F_dropout2d_eval", lambda T: T.nn.functional.dropout2d(inp(T, 1, 2, 2, 2), training=False))
S("F_names_exist", lambda T: all(hasattr(T.nn.functional, n) for n in ["relu", "mse_loss", "cross_entropy", "one_hot", "pad", "gelu"]))


def _padgrad(T):
    x = inp(T, 1, 1, 3, 4)
    y = T.nn.functional.pad(x, (2, 1, 1, 1), mode="reflect")
    (y * y).sum().backward()
    return x.grad


_ = np, rng
