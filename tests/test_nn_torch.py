"""Reference tests against PyTorch: the same weights (copied through the state dict, which
also proves the keys agree), the same input, the same upstream gradient; outputs, input
gradients, parameter gradients and running statistics must agree in float64."""
from collections import OrderedDict

import numpy as np
import pytest

import autodiff as ad
import nn

torch = pytest.importorskip("torch")
tnn = torch.nn
pytestmark = [pytest.mark.torch,
              pytest.mark.filterwarnings("ignore:Using padding='same' with even kernel")]


def load_into_torch(ours, theirs):
    state = {k: torch.from_numpy(np.array(v.numpy())) for k, v in ours.state_dict().items()}
    theirs.load_state_dict(state, strict=True)


def close(a, b, tol=1e-9):
    b = b.detach().numpy() if hasattr(b, "detach") else b
    np.testing.assert_allclose(np.asarray(a), b, rtol=tol, atol=tol)


def compare(ours, theirs, x, training=True, seed=0):
    ours.double().train(training)
    theirs.double().train(training)
    load_into_torch(ours, theirs)
    x_ours = ad.tensor(x, requires_grad=True)
    x_theirs = torch.tensor(x, requires_grad=True)
    y_ours, y_theirs = ours(x_ours), theirs(x_theirs)
    close(y_ours.numpy(), y_theirs)
    g = np.random.default_rng(seed).standard_normal(y_ours.shape)
    y_ours.backward(ad.tensor(g))
    y_theirs.backward(torch.from_numpy(g))
    close(x_ours.grad.numpy(), x_theirs.grad)
    theirs_params = dict(theirs.named_parameters())
    for name, p in ours.named_parameters():
        close(p.grad.numpy(), theirs_params[name].grad)
    theirs_state = theirs.state_dict()
    for name, value in ours.state_dict().items():
        close(value.numpy(), theirs_state[name])


def data(*shape, seed=1):
    return np.random.default_rng(seed).standard_normal(shape)


LAYERS = [
    (lambda m: m.Linear(5, 3), (4, 5)),
    (lambda m: m.Linear(5, 3, bias=False), (2, 3, 5)),
    (lambda m: m.Conv2d(4, 6, 3), (2, 4, 6, 7)),
    (lambda m: m.Conv2d(4, 6, 3, stride=2, padding=1, bias=False), (2, 4, 7, 7)),
    (lambda m: m.Conv2d(4, 6, (3, 2), stride=(2, 1), padding=(1, 0), dilation=(1, 2),
                        groups=2), (1, 4, 7, 8)),
    (lambda m: m.Conv2d(2, 3, 4, padding="same"), (1, 2, 6, 5)),
    (lambda m: m.Conv2d(2, 3, 3, padding="same", dilation=2, padding_mode="replicate"),
     (1, 2, 6, 5)),
    (lambda m: m.Conv2d(2, 3, 3, padding=2, padding_mode="replicate"), (1, 2, 5, 5)),
    (lambda m: m.MaxPool2d(2), (2, 3, 6, 6)),
    (lambda m: m.MaxPool2d(3, stride=2, padding=1, dilation=1), (1, 2, 7, 7)),
    (lambda m: m.MaxPool2d(3, stride=2, ceil_mode=True), (1, 2, 8, 8)),
    (lambda m: m.MaxPool2d(2, stride=2, ceil_mode=True), (1, 2, 7, 5)),
    (lambda m: m.MaxPool2d(3, stride=1, padding=1, ceil_mode=True), (1, 2, 5, 5)),
    (lambda m: m.MaxPool2d(2, stride=1, dilation=2), (1, 2, 6, 6)),
    (lambda m: m.AvgPool2d(2), (2, 3, 6, 6)),
    (lambda m: m.AvgPool2d(3, stride=2, padding=1), (1, 2, 7, 7)),
    (lambda m: m.AvgPool2d(3, stride=2, padding=1, count_include_pad=False), (1, 2, 7, 7)),
    (lambda m: m.AvgPool2d(2, divisor_override=3), (1, 2, 4, 4)),
    (lambda m: m.AdaptiveAvgPool2d((3, 2)), (2, 3, 7, 5)),
    (lambda m: m.AdaptiveAvgPool2d(4), (1, 2, 6, 9)),
    (lambda m: m.AdaptiveAvgPool2d((1, 1)), (2, 3, 5, 5)),
    (lambda m: m.Flatten(), (2, 3, 2, 2)),
    (lambda m: m.BatchNorm1d(3), (5, 3)),
    (lambda m: m.BatchNorm1d(3, momentum=None), (4, 3, 2)),
    (lambda m: m.BatchNorm2d(3, eps=1e-3, momentum=0.3), (2, 3, 3, 4)),
    (lambda m: m.BatchNorm2d(3, affine=False), (2, 3, 3, 4)),
    (lambda m: m.BatchNorm2d(3, track_running_stats=False), (2, 3, 3, 4)),
    (lambda m: m.LocalResponseNorm(3, alpha=0.5, beta=0.75, k=2.0), (2, 5, 2, 2)),
    (lambda m: m.LocalResponseNorm(4), (1, 6, 3)),
    (lambda m: m.ReLU(), (3, 4)),
    (lambda m: m.LeakyReLU(0.1), (3, 4)),
    (lambda m: m.Sigmoid(), (3, 4)),
    (lambda m: m.Tanh(), (3, 4)),
    (lambda m: m.Softmax(dim=1), (3, 4)),
    (lambda m: m.Softmax(dim=0), (3, 4)),
    (lambda m: m.LogSoftmax(dim=1), (2, 3, 4)),
    (lambda m: m.Identity(), (2, 2)),
]


@pytest.mark.parametrize("make, shape", LAYERS)
def test_layer_matches_torch(make, shape):
    compare(make(nn), make(tnn), data(*shape))


@pytest.mark.parametrize("make, shape", [
    (lambda m: m.BatchNorm2d(3), (2, 3, 3, 4)), (lambda m: m.Dropout(0.5), (3, 4))])
def test_layer_matches_torch_in_eval_mode(make, shape):
    ours, theirs = make(nn), make(tnn)
    if isinstance(ours, nn.BatchNorm2d):
        ours.running_mean.array[...] = [0.5, -1.0, 2.0]
        ours.running_var.array[...] = [2.0, 0.5, 1.5]
    compare(ours, theirs, data(*shape), training=False)


def test_batchnorm_running_stats_follow_torch_over_several_steps():
    ours, theirs = nn.BatchNorm2d(2).double(), tnn.BatchNorm2d(2).double()
    for seed in range(4):
        x = data(3, 2, 2, 2, seed=seed) * (seed + 1)
        ours(ad.tensor(x))
        theirs(torch.from_numpy(x))
    for name, value in ours.state_dict().items():
        close(value.numpy(), theirs.state_dict()[name])


# ---- losses ----------------------------------------------------------------------------------
def labels(*shape, classes=4, seed=2):
    return np.random.default_rng(seed).integers(0, classes, shape)


def probabilities(*shape, seed=3):
    p = np.random.default_rng(seed).random(shape)
    return p / p.sum(axis=1, keepdims=True)


LOSSES = [
    ("MSELoss", {}, (4, 3), lambda: data(4, 3, seed=5)),
    ("MSELoss", {"reduction": "sum"}, (4, 3), lambda: data(4, 3, seed=5)),
    ("CrossEntropyLoss", {}, (5, 4), lambda: labels(5)),
    ("CrossEntropyLoss", {"reduction": "none"}, (5, 4), lambda: labels(5)),
    ("CrossEntropyLoss", {"weight": np.array([1.0, 2.0, 0.5, 3.0]), "ignore_index": 1},
     (6, 4), lambda: labels(6)),
    ("CrossEntropyLoss", {"reduction": "sum"}, (2, 4, 3, 2), lambda: labels(2, 3, 2)),
    ("CrossEntropyLoss", {}, (5, 4), lambda: probabilities(5, 4)),
    ("CrossEntropyLoss", {"weight": np.array([1.0, 2.0, 0.5, 3.0])}, (5, 4),
     lambda: probabilities(5, 4)),
    ("CrossEntropyLoss", {}, (4,), lambda: np.array(2)),
    ("NLLLoss", {"reduction": "sum"}, (5, 4), lambda: labels(5)),
    ("BCEWithLogitsLoss", {}, (4, 3), lambda: np.random.default_rng(6).random((4, 3))),
    ("BCEWithLogitsLoss", {"weight": np.array([1.0, 0.5, 2.0]),
                           "pos_weight": np.array([3.0, 1.0, 0.5]), "reduction": "none"},
     (4, 3), lambda: np.random.default_rng(6).random((4, 3))),
]


@pytest.mark.parametrize("name, kwargs, shape, target", LOSSES)
def test_loss_matches_torch(name, kwargs, shape, target):
    x = data(*shape, seed=4) * 3
    t = target()
    ours = getattr(nn, name)(**{k: ad.tensor(v) if isinstance(v, np.ndarray) else v
                                for k, v in kwargs.items()})
    theirs = getattr(tnn, name)(**{k: torch.from_numpy(v) if isinstance(v, np.ndarray) else v
                                   for k, v in kwargs.items()})
    x_ours, x_theirs = ad.tensor(x, requires_grad=True), torch.tensor(x, requires_grad=True)
    l_ours, l_theirs = ours(x_ours, ad.tensor(t)), theirs(x_theirs, torch.from_numpy(t))
    close(l_ours.numpy(), l_theirs)
    g = np.random.default_rng(7).standard_normal(l_ours.shape)
    l_ours.backward(ad.tensor(g))
    l_theirs.backward(torch.from_numpy(g))
    close(x_ours.grad.numpy(), x_theirs.grad)


# ---- blocks and whole models -----------------------------------------------------------------
class TorchBasicBlock(tnn.Module):
    """torchvision's BasicBlock, written out here (torchvision is not a dependency)."""

    def __init__(self, in_ch, out_ch, stride=1):
        super().__init__()
        self.conv1 = tnn.Conv2d(in_ch, out_ch, 3, stride, 1, bias=False)
        self.bn1 = tnn.BatchNorm2d(out_ch)
        self.relu = tnn.ReLU()
        self.conv2 = tnn.Conv2d(out_ch, out_ch, 3, 1, 1, bias=False)
        self.bn2 = tnn.BatchNorm2d(out_ch)
        self.downsample = None
        if stride != 1 or in_ch != out_ch:
            self.downsample = tnn.Sequential(tnn.Conv2d(in_ch, out_ch, 1, stride, bias=False),
                                             tnn.BatchNorm2d(out_ch))

    def forward(self, x):
        out = self.bn2(self.conv2(self.relu(self.bn1(self.conv1(x)))))
        return self.relu(out + (x if self.downsample is None else self.downsample(x)))


class TorchResNetMini(tnn.Module):
    def __init__(self):
        super().__init__()
        self.conv1 = tnn.Conv2d(1, 16, 3, padding=1, bias=False)
        self.bn1 = tnn.BatchNorm2d(16)
        self.relu = tnn.ReLU()
        self.maxpool = tnn.Identity()
        self.layer1 = tnn.Sequential(TorchBasicBlock(16, 16))
        self.layer2 = tnn.Sequential(TorchBasicBlock(16, 32, 2))
        self.avgpool = tnn.AdaptiveAvgPool2d((1, 1))
        self.fc = tnn.Linear(32, 10)

    def forward(self, x):
        x = self.maxpool(self.relu(self.bn1(self.conv1(x))))
        x = self.layer2(self.layer1(x))
        return self.fc(torch.flatten(self.avgpool(x), 1))


def torch_lenet5():
    return tnn.Sequential(OrderedDict(
        conv1=tnn.Conv2d(1, 6, 5), act1=tnn.Tanh(), pool1=tnn.AvgPool2d(2),
        conv2=tnn.Conv2d(6, 16, 5), act2=tnn.Tanh(), pool2=tnn.AvgPool2d(2),
        flatten=tnn.Flatten(), fc1=tnn.Linear(400, 120), act3=tnn.Tanh(),
        fc2=tnn.Linear(120, 84), act4=tnn.Tanh(), fc3=tnn.Linear(84, 10)))


def test_residual_blocks_match_torchvisions_basic_block():
    compare(nn.ResidualBlock(3, 3), TorchBasicBlock(3, 3), data(2, 3, 4, 4))
    compare(nn.ResidualBlock(3, 4, stride=2), TorchBasicBlock(3, 4, 2), data(2, 3, 5, 5))


@pytest.mark.parametrize("training", [True, False])
def test_resnet_mini_forward_and_backward_match_torch(training):
    compare(nn.models.resnet_mini(), TorchResNetMini(), data(4, 1, 8, 8), training=training)


def test_lenet5_forward_and_backward_match_torch():
    compare(nn.models.lenet5(), torch_lenet5(), data(2, 1, 32, 32))


def test_loss_and_optimizer_step_on_a_model_match_torch():
    ours, theirs = nn.models.resnet_mini().double(), TorchResNetMini().double()
    load_into_torch(ours, theirs)
    x, y = data(6, 1, 8, 8), labels(6, classes=10)
    opt_ours = nn.optim.SGD(ours.parameters(), lr=0.1, momentum=0.9)
    opt_theirs = torch.optim.SGD(theirs.parameters(), lr=0.1, momentum=0.9)
    for _ in range(3):
        opt_ours.zero_grad()
        nn.functional.cross_entropy(ours(ad.tensor(x)), y).backward()
        opt_ours.step()
        opt_theirs.zero_grad()
        tnn.functional.cross_entropy(theirs(torch.from_numpy(x)), torch.from_numpy(y)).backward()
        opt_theirs.step()
    for name, value in ours.state_dict().items():
        close(value.numpy(), theirs.state_dict()[name], tol=1e-8)


def test_a_torch_state_dict_loads_directly():
    theirs = TorchResNetMini()
    ours = nn.models.resnet_mini()
    result = ours.load_state_dict(theirs.state_dict())
    assert result.missing_keys == [] and result.unexpected_keys == []
    close(ours.fc.weight.numpy(), theirs.fc.weight, tol=0)
    assert ours.fc.weight.dtype == np.float32 and ours.bn1.num_batches_tracked.dtype == np.int64
