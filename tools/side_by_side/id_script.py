"""Whole-script idioms: the lines a student's training script is made of."""
import numpy as np

from harness import ShapeOnly, add, idiom, rng
from nnutil import fill

S = add


def _blobs(T, n=24):
    r = rng(5)
    x = r.standard_normal((n, 4)).astype(np.float32)
    y = (x[:, 0] + x[:, 1] > 0).astype(np.int64) + (x[:, 2] > 1).astype(np.int64)
    return T.from_numpy(x), T.from_numpy(y)


@idiom
def script_mlp_adam_dataloader(T):
    x, y = _blobs(T)
    ds = T.utils.data.TensorDataset(x, y)
    loader = T.utils.data.DataLoader(ds, batch_size=8, shuffle=False)
    model = T.nn.Sequential(T.nn.Linear(4, 16), T.nn.ReLU(), T.nn.Linear(16, 3))
    fill(T, model)
    opt = T.optim.Adam(model.parameters(), lr=1e-2)
    loss_fn = T.nn.CrossEntropyLoss()
    hist = []
    for epoch in range(5):
        model.train()
        running = 0.0
        for xb, yb in loader:
            opt.zero_grad()
            out = model(xb)
            loss = loss_fn(out, yb)
            loss.backward()
            opt.step()
            running += loss.item() * xb.size(0)
        hist.append(running / len(ds))
    model.eval()
    with T.no_grad():
        pred = model(x).argmax(dim=1)
        acc = (pred == y).float().mean().item()
    return hist, acc


@idiom
def script_cnn_sgd(T):
    r = rng(8)
    x = T.tensor(r.standard_normal((6, 1, 8, 8)), dtype=T.float32)
    y = T.tensor(r.integers(0, 4, 6))

    class Net(T.nn.Module):
        def __init__(self):
            super().__init__()
            self.conv1 = T.nn.Conv2d(1, 4, 3, padding=1)
            self.pool = T.nn.MaxPool2d(2)
            self.bn = T.nn.BatchNorm2d(4)
            self.fc = T.nn.Linear(4 * 4 * 4, 4)

        def forward(self, x):
            x = self.pool(T.nn.functional.relu(self.bn(self.conv1(x))))
            x = x.view(x.size(0), -1)
            return self.fc(x)

    net = fill(T, Net(), scale=0.3)
    opt = T.optim.SGD(net.parameters(), lr=0.05, momentum=0.9, weight_decay=5e-4)
    sched = T.optim.lr_scheduler.StepLR(opt, step_size=2, gamma=0.5)
    losses = []
    for epoch in range(4):
        for i in range(0, 6, 3):
            opt.zero_grad()
            loss = T.nn.functional.cross_entropy(net(x[i:i + 3]), y[i:i + 3])
            loss.backward()
            opt.step()
            losses.append(loss.item())
        sched.step()
    return losses, sched.get_last_lr(), net.bn.running_mean


@idiom
def script_manual_linear_regression(T):
    r = rng(2)
    X = T.tensor(r.standard_normal((20, 2)), dtype=T.float32)
    true_w = T.tensor([2.0, -3.4])
    yv = X @ true_w + 4.2
    w = T.zeros(2, requires_grad=True)
    b = T.zeros(1, requires_grad=True)
    for _ in range(20):
        loss = ((X @ w + b - yv) ** 2).mean()
        loss.backward()
        with T.no_grad():
            w -= 0.1 * w.grad
            b -= 0.1 * b.grad
            w.grad.zero_()
            b.grad.zero_()
    return w, b, loss.item()


@idiom
def script_params_loop_update(T):
    m = fill(T, T.nn.Linear(3, 1))
    x = T.ones(4, 3)
    for _ in range(3):
        m.zero_grad()
        (m(x) ** 2).mean().backward()
        with T.no_grad():
            for p in m.parameters():
                p -= 0.1 * p.grad
    return m.weight, m.bias


@idiom
def script_bce_logistic(T):
    x, y = _blobs(T)
    yb = (y > 0).float().unsqueeze(1)
    model = fill(T, T.nn.Linear(4, 1))
    opt = T.optim.SGD(model.parameters(), lr=0.5)
    crit = T.nn.BCEWithLogitsLoss()
    for _ in range(10):
        opt.zero_grad()
        loss = crit(model(x), yb)
        loss.backward()
        opt.step()
    prob = T.sigmoid(model(x)).detach()
    return loss.item(), ((prob > 0.5).float() == yb).float().mean().item()


@idiom
def script_eval_accumulate(T):
    x, y = _blobs(T)
    model = fill(T, T.nn.Linear(4, 3))
    correct = total = 0
    with T.no_grad():
        for xb, yb in T.utils.data.DataLoader(T.utils.data.TensorDataset(x, y), batch_size=5):
            _, predicted = T.max(model(xb), 1)
            total += yb.size(0)
            correct += (predicted == yb).sum().item()
    return correct, total


@idiom
def script_device_idiom(T):
    device = T.device("cuda" if T.cuda.is_available() else "cpu")
    m = T.nn.Linear(2, 2).to(device)
    x = T.ones(3, 2).to(device)
    return str(device), ShapeOnly(m(x)), str(x.device)


@idiom
def script_state_dict_save_like(T):
    m = fill(T, T.nn.Sequential(T.nn.Linear(2, 3), T.nn.BatchNorm1d(3)))
    sd = {k: v.clone() for k, v in m.state_dict().items()}
    m2 = T.nn.Sequential(T.nn.Linear(2, 3), T.nn.BatchNorm1d(3))
    m2.load_state_dict(sd)
    m2.eval()
    return m2(T.ones(2, 2))


S("next_iter_loader", lambda T: next(iter(T.utils.data.DataLoader(
    T.utils.data.TensorDataset(*_blobs(T)), batch_size=4))))
S("numpy_requires_grad_raises", lambda T: T.ones(2, requires_grad=True).numpy())
S("detach_numpy", lambda T: T.ones(2, requires_grad=True).detach().cpu().numpy())
S("clone_detach", lambda T: (lambda c: (c, c.requires_grad))(T.ones(2, requires_grad=True)
                                                             .clone().detach()))
S("tensor_of_tensor", lambda T: T.tensor(T.ones(2)))
S("from_numpy_float", lambda T: T.from_numpy(np.arange(3)).float())
S("cuda_available", lambda T: T.cuda.is_available())
S("device_obj", lambda T: str(T.device("cpu")))
S("new_zeros", lambda T: T.ones(2, dtype=T.float64).new_zeros(3))
S("new_tensor", lambda T: T.ones(2, dtype=T.float64).new_tensor([1, 2]))
S("new_ones_full", lambda T: (T.ones(1).new_ones((2,)), T.ones(1).new_full((2,), 3.0)))
S("T_argmax_dim", lambda T: T.argmax(T.tensor([[1.0, 3.0], [4.0, 2.0]]), dim=1))
S("T_sum_positional", lambda T: T.sum(T.ones(2, 3), 0))
S("T_mean_keepdim_pos", lambda T: T.mean(T.ones(2, 3), 1, True))
S("T_cat_positional_dim", lambda T: T.cat([T.ones(2, 1), T.zeros(2, 2)], 1))
S("softmax_argmax", lambda T: T.nn.functional.softmax(T.tensor([[1.0, 3.0, 2.0]]), dim=1)
  .argmax(1))
S("masked_fill_", lambda T: T.tensor([1.0, 2.0]).masked_fill_(T.tensor([True, False]), 0))
S("list_params_shape", lambda T: [p.shape for p in T.nn.Linear(3, 2).parameters()])
S("shape_unpack", lambda T: (lambda s: (s[0], s[-1]))(T.zeros(4, 5, 6).shape))
S("size_unpack", lambda T: (lambda a, b: a * b)(*T.zeros(4, 5).size()))
S("tensor_bool_raises", lambda T: bool(T.ones(2)))
S("tensor_iter", lambda T: [v for v in T.tensor([[1, 2], [3, 4]])])
S("tensor_in_if", lambda T: 1 if T.tensor(3.0) > 2 else 0)
S("tensor_format", lambda T: f"{T.tensor(2.5).item():.2f}")
S("float_tensor_math", lambda T: T.tensor(2.0) * 3 + 1 - T.tensor(1.0) / 2)
S("max_of_list_items", lambda T: max([T.tensor(1.0).item(), T.tensor(3.0).item()]))
S("sum_of_tensors_builtin", lambda T: sum([T.ones(2), T.ones(2)]))
S("round_trip_item_int", lambda T: T.tensor([3]).item() + 1)
S("x_T_x", lambda T: (lambda x: x.T @ x)(T.tensor(rng(1).standard_normal((3, 2)))))
S("x_at_w_plus_b", lambda T: T.ones(4, 3) @ T.ones(3, 2) + T.zeros(2))
S("unsqueeze_broadcast_dist", lambda T: ((T.tensor(rng(0).standard_normal((4, 2))).unsqueeze(1)
                                         - T.tensor(rng(1).standard_normal((3, 2)))
                                         .unsqueeze(0)) ** 2).sum(-1))
S("one_hot_float_mse", lambda T: T.nn.functional.mse_loss(
    T.zeros(3, 4), T.nn.functional.one_hot(T.tensor([0, 3, 1]), 4).float()))
S("weight_data_normal_", lambda T: ShapeOnly(T.nn.Linear(3, 2).weight.data.normal_(0, 0.01)))
S("weight_data_fill_", lambda T: (lambda m: (m.weight.data.fill_(0.5), m.weight)[1])
  (T.nn.Linear(2, 2)))
S("bias_data_zero_", lambda T: (lambda m: (m.bias.data.zero_(), m.bias)[1])(T.nn.Linear(2, 2)))
S("grad_data_zero_", lambda T: _gdz(T))
S("parameters_count_trainable", lambda T: sum(p.numel() for p in T.nn.Sequential(
    T.nn.Conv2d(1, 6, 5), T.nn.Linear(10, 2)).parameters() if p.requires_grad))
S("argmax_eq_item_sum", lambda T: (T.tensor([[0.1, 0.9], [0.8, 0.2]]).argmax(1)
                                   == T.tensor([1, 1])).sum().item())
S("cross_entropy_int32_target_raises", lambda T: T.nn.functional.cross_entropy(
    T.zeros(2, 3), T.tensor([0, 1], dtype=T.int32)))


def _gdz(T):
    w = T.ones(2, requires_grad=True)
    (w * 2).sum().backward()
    w.grad.data.zero_()
    return w.grad
S("F_softmax_implicit_dim", lambda T: T.nn.functional.softmax(T.tensor([[1.0, 2.0], [0.0, 5.0]])))
S("nn_softmax_no_dim", lambda T: T.nn.Softmax()(T.tensor([[1.0, 2.0], [0.0, 5.0]])))
S("randn_requires_grad", lambda T: (lambda x: (ShapeOnly(x), x.requires_grad, x.is_leaf))
  (T.randn(3, requires_grad=True)))
S("zeros_requires_grad", lambda T: T.zeros(3, requires_grad=True).requires_grad)
S("ones_dtype_shape", lambda T: T.ones(2, 3, dtype=T.float64))
S("arange_float_method", lambda T: T.arange(10).float().mean())
S("linspace_dtype", lambda T: T.linspace(0, 1, 5, dtype=T.float64))
S("int_of_argmax", lambda T: int(T.tensor([1.0, 5.0, 2.0]).argmax()))
S("ellipsis_none", lambda T: T.ones(2, 3)[..., None].shape)
S("last_column", lambda T: T.arange(6).view(2, 3)[:, -1])
S("mask_iadd", lambda T: (lambda x: (x.__setitem__(x > 2, x[x > 2] + 10), x)[1])(T.arange(5.0)))
S("repeat_interleave", lambda T: T.tensor([1, 2]).repeat_interleave(2))
S("grad_accumulation", lambda T: _accum(T))
S("weight_T", lambda T: T.nn.Linear(3, 2).weight.T.shape)
S("clamp_log", lambda T: T.tensor([0.0, 0.5]).clamp(min=1e-8).log())
S("sigmoid_bce_saturated", lambda T: _sat(T))
S("detach_then_requires_grad", lambda T: T.ones(2).detach().requires_grad_().requires_grad)
S("zero_grad_then_step_no_change", lambda T: _zg_step(T))


def _accum(T):
    m = fill(T, T.nn.Linear(2, 1))
    opt = T.optim.SGD(m.parameters(), lr=0.1)
    opt.zero_grad()
    for i in range(3):
        loss = (m(T.ones(2, 2) * i) ** 2).mean() / 3
        loss.backward()
    g = m.weight.grad.clone()
    opt.step()
    return g, m.weight


def _sat(T):
    z = T.tensor([[20.0], [-20.0]], requires_grad=True)
    p = T.sigmoid(z)
    loss = T.nn.functional.binary_cross_entropy(p, T.tensor([[0.0], [1.0]]))
    loss.backward()
    return p, loss, z.grad


def _zg_step(T):
    m = fill(T, T.nn.Linear(2, 1))
    opt = T.optim.Adam(m.parameters(), lr=0.1)
    opt.zero_grad()
    opt.step()
    return m.weight
S("relu_inplace_layer", lambda T: T.nn.Sequential(T.nn.Linear(2, 2), T.nn.ReLU(inplace=True))(
    T.ones(1, 2)).shape)
S("tensor_uniform_", lambda T: (lambda w: bool(((w >= -1) & (w < 1)).all()))(T.empty(5).uniform_(-1, 1)))
S("tensor_normal_", lambda T: ShapeOnly(T.empty(5, dtype=T.float64).normal_(0, 0.1)))
S("tensor_bernoulli_", lambda T: ShapeOnly(T.empty(5).bernoulli_(0.5)))
S("tensor_random_mask", lambda T: ShapeOnly(T.rand(3, 3) < 0.5))
S("torch_generator_randn", lambda T: (lambda g: ShapeOnly(T.randn(3, generator=g)))(
    T.Generator().manual_seed(0)))
S("randint_like", lambda T: ShapeOnly(T.randint_like(T.zeros(3), 0, 5)))
S("multinomial", lambda T: ShapeOnly(T.multinomial(T.tensor([0.2, 0.8]), 4, replacement=True)))
S("masked_fill_inplace_scores", lambda T: T.zeros(2, 2).masked_fill_(
    T.tensor([[False, True], [False, False]]), float("-inf")).softmax(-1))
S("tensor_hook_grad_clip", lambda T: _hook_clip(T))


def _hook_clip(T):
    w = T.tensor([1.0, -2.0, 3.0], requires_grad=True)
    w.register_hook(lambda g: g.clamp(-1, 1))
    (w * T.tensor([5.0, -5.0, 0.5])).sum().backward()
    return w.grad
S("conv_padding_mode_reflect", lambda T: (lambda m: (fill(T, m), m(T.tensor(rng(3).standard_normal(
    (1, 1, 4, 4)), dtype=T.float32)))[1])(T.nn.Conv2d(1, 1, 3, padding=1, padding_mode="reflect")))
S("conv_padding_mode_circular", lambda T: (lambda m: (fill(T, m), m(T.tensor(
    rng(3).standard_normal((1, 1, 4, 4)), dtype=T.float32)))[1])(
    T.nn.Conv2d(1, 1, 3, padding=1, padding_mode="circular")))
S("stack_0d_scalars", lambda T: T.stack([T.tensor(1.0), T.tensor(2.0)]))
S("tensor_of_0d_tensors", lambda T: T.tensor([T.tensor(1.0).item(), T.tensor(2.0).item()]))
S("no_grad_setitem_on_leaf", lambda T: _ng_set(T))
S("grad_nonscalar_no_grad_outputs_raises", lambda T: T.autograd.grad(
    T.ones(2, requires_grad=True) * 2, T.ones(2, requires_grad=True)))
S("sgd_step_closure", lambda T: _closure(T, "SGD"))
S("adam_step_closure", lambda T: _closure(T, "Adam"))
S("state_dict_shares_memory", lambda T: _sd_share(T))
S("deepcopy_model_best", lambda T: _deep(T))
S("add_module_register_parameter", lambda T: _addmod(T))
S("np_asarray_tensor", lambda T: np.asarray(T.tensor([1.0, 2.0])))
S("where_leaky", lambda T: (lambda x: T.where(x > 0, x, 0.01 * x))(T.tensor([-1.0, 2.0])))
S("linear_int_input_raises", lambda T: T.nn.Linear(2, 2)(T.tensor([[1, 2]])))


def _ng_set(T):
    w = T.zeros(3, requires_grad=True)
    with T.no_grad():
        w[0] = 1.0
        w[1:] += 2
    return w, w.requires_grad, w.is_leaf


def _closure(T, name):
    m = fill(T, T.nn.Linear(2, 1))
    opt = getattr(T.optim, name)(m.parameters(), lr=0.1)
    x = T.ones(3, 2)

    def closure():
        opt.zero_grad()
        loss = (m(x) ** 2).mean()
        loss.backward()
        return loss
    losses = [float(opt.step(closure)) for _ in range(3)]
    return losses, m.weight


def _sd_share(T):
    m = fill(T, T.nn.Linear(2, 2))
    sd = m.state_dict()
    sd["bias"].fill_(7.0)
    return m.bias


def _deep(T):
    import copy
    m = fill(T, T.nn.Linear(2, 1))
    best = copy.deepcopy(m)
    best_sd = copy.deepcopy(m.state_dict())
    opt = T.optim.SGD(m.parameters(), lr=0.5)
    (m(T.ones(1, 2)) ** 2).sum().backward()
    opt.step()
    m2 = T.nn.Linear(2, 1)
    m2.load_state_dict(best_sd)
    return best.weight, m.weight, m2.weight, best.weight is not m.weight


def _addmod(T):
    m = T.nn.Sequential()
    m.add_module("fc", T.nn.Linear(2, 3))
    m.register_parameter("scale", T.nn.Parameter(T.ones(1)))
    m.register_module("act", T.nn.ReLU())
    return [n for n, _ in m.named_parameters()], len(m), list(m.state_dict())
