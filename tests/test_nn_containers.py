"""Containers (ModuleDict, ParameterList, ParameterDict, Sequential's list methods) and the
Module methods a learner uses to walk, freeze and probe a model, side by side with PyTorch."""
import numpy as np
import pytest

import autodiff as ad
import nn

torch = pytest.importorskip("torch")
tnn = torch.nn


def twins(make):
    """The same architecture built from nn and from torch.nn."""
    return make(nn), make(tnn)


def block(m):
    return m.Sequential(m.Conv2d(1, 2, 3), m.BatchNorm2d(2), m.ReLU(),
                        m.Sequential(m.Flatten(), m.Linear(8, 3)))


def test_walking_the_tree_names_what_torch_names():
    ours, theirs = twins(block)
    assert [n for n, _ in ours.named_modules()] == [n for n, _ in theirs.named_modules()]
    assert [n for n, _ in ours.named_children()] == [n for n, _ in theirs.named_children()]
    assert [type(m).__name__ for m in ours.children()] == \
        [type(m).__name__ for m in theirs.children()]
    assert [type(m).__name__ for m in ours.modules()] == \
        [type(m).__name__ for m in theirs.modules()]
    assert [n for n, _ in ours.named_buffers()] == [n for n, _ in theirs.named_buffers()]
    assert len(list(ours.buffers())) == len(list(theirs.buffers())) == 3
    assert ours.get_submodule("3.1") is ours[3][1]


def test_sequential_indexing_slicing_append_len():
    ours, theirs = twins(block)
    for s in (ours, theirs):
        s.append(type(s[2])())
        s.insert(1, type(s[2])())
        del s[0]
    assert len(ours) == len(theirs) == 5
    assert [type(m).__name__ for m in ours] == [type(m).__name__ for m in theirs]
    assert [n for n, _ in ours.named_children()] == [n for n, _ in theirs.named_children()]
    assert type(ours[-1]).__name__ == "ReLU" and isinstance(ours[1:3], nn.Sequential)
    assert [k for k, _ in ours[1:3].named_children()] == \
        [k for k, _ in theirs[1:3].named_children()]
    assert type(ours.pop(0)).__name__ == type(theirs.pop(0)).__name__ == "ReLU"


def test_module_dict():
    heads = nn.ModuleDict({"cls": nn.Linear(4, 3), "box": nn.Linear(4, 2)})
    heads["extra"] = nn.ReLU()
    assert list(heads) == list(heads.keys()) == ["cls", "box", "extra"]
    assert "cls" in heads and len(heads) == 3 and isinstance(heads["box"], nn.Linear)
    assert [n for n, _ in heads.named_parameters()] == \
        ["cls.weight", "cls.bias", "box.weight", "box.bias"]
    twin = nn.to_torch(heads)
    assert isinstance(twin, tnn.ModuleDict) and list(twin.state_dict()) == \
        list(heads.state_dict())
    del heads["extra"]
    assert list(heads.keys()) == ["cls", "box"]
    with pytest.raises(TypeError, match="not a Module"):
        heads["bad"] = 3


def test_parameter_list_and_dict_are_registered():
    plist = nn.ParameterList([nn.Parameter(np.zeros(2)), ad.tensor(np.ones(3))])
    plist.append(nn.Parameter(np.ones((2, 2))))
    assert len(plist) == 3 and all(isinstance(p, nn.Parameter) for p in plist)
    assert [n for n, _ in plist.named_parameters()] == ["0", "1", "2"]
    pdict = nn.ParameterDict({"scale": nn.Parameter(np.ones(1))})
    pdict["shift"] = nn.Parameter(np.zeros(1))
    assert list(pdict.keys()) == ["scale", "shift"] and "scale" in pdict

    class Model(nn.Module):
        def __init__(self):
            super().__init__()
            self.weights = plist
            self.extra = pdict

    model = Model()
    assert list(model.state_dict()) == ["weights.0", "weights.1", "weights.2", "extra.scale",
                                        "extra.shift"]
    theirs = tnn.Module()
    theirs.weights = tnn.ParameterList([tnn.Parameter(torch.zeros(2)),
                                        tnn.Parameter(torch.ones(3)),
                                        tnn.Parameter(torch.ones(2, 2))])
    theirs.extra = tnn.ParameterDict({"scale": tnn.Parameter(torch.ones(1)),
                                      "shift": tnn.Parameter(torch.zeros(1))})
    assert list(model.state_dict()) == list(theirs.state_dict())
    opt = nn.optim.SGD(model.parameters(), lr=0.1)
    assert len(opt.param_groups[0]["params"]) == 5


def test_requires_grad_apply_and_zero_grad():
    model = block(nn)
    model[3].requires_grad_(False)
    assert [p.requires_grad for p in model.parameters()] == [True] * 4 + [False] * 2
    assert model.requires_grad_() is model and all(p.requires_grad for p in model.parameters())
    seen = []
    assert model.apply(lambda m: seen.append(type(m).__name__)) is model
    assert seen == [type(m).__name__ for m in torch_apply_order(block(tnn))]
    out = model(ad.tensor(np.ones((2, 1, 4, 4), np.float32))).sum()
    out.backward()
    model.zero_grad(set_to_none=False)
    assert all(np.all(p.grad.numpy() == 0) for p in model.parameters())
    model.zero_grad()
    assert all(p.grad is None for p in model.parameters())


def torch_apply_order(model):
    order = []
    model.apply(order.append)
    return order


def test_register_buffer_persistent_and_forward_hook_pulls_feature_maps():
    class Scaled(nn.Module):
        def __init__(self):
            super().__init__()
            self.register_buffer("scale", ad.tensor([2.0]))
            self.register_buffer("cache", ad.tensor([0.0]), persistent=False)
            self.fc = nn.Linear(2, 2)

        def forward(self, x):
            return self.fc(x) * self.scale

    model = Scaled()
    assert list(model.state_dict()) == ["scale", "fc.weight", "fc.bias"]
    assert [n for n, _ in model.named_buffers()] == ["scale", "cache"]
    features = {}
    handle = model.fc.register_forward_hook(lambda m, inputs, out: features.update(fc=out))
    y = model(ad.tensor(np.ones((1, 2))))
    np.testing.assert_allclose(features["fc"].numpy() * 2, y.numpy())
    handle.remove()
    features.clear()
    model(ad.tensor(np.ones((1, 2))))
    assert not features


HAS_FUNCTION = hasattr(getattr(ad, "autograd", None), "Function")


@pytest.mark.skipif(not HAS_FUNCTION, reason="needs ad.autograd.Function")
def test_full_backward_hook_sees_the_gradients_torch_sees():
    model = nn.Sequential(nn.Linear(3, 4), nn.Tanh(), nn.Linear(4, 2)).double()
    twin = nn.to_torch(model).double()
    ours, theirs = [], []
    model[1].register_full_backward_hook(lambda m, gi, go: ours.append((gi, go)))
    twin[1].register_full_backward_hook(lambda m, gi, go: theirs.append((gi, go)))
    first = []
    model[0].register_full_backward_hook(lambda m, gi, go: first.append(gi))
    twin[0].register_full_backward_hook(lambda m, gi, go: first.append(gi))
    x = np.random.default_rng(0).normal(size=(5, 3))
    model(ad.tensor(x)).sum().backward()                    # the input needs no gradient
    twin(torch.tensor(x)).sum().backward()
    (gi, go), (tgi, tgo) = ours[0], theirs[0]
    np.testing.assert_allclose(gi[0].numpy(), tgi[0].numpy(), rtol=1e-12)
    np.testing.assert_allclose(go[0].numpy(), tgo[0].numpy(), rtol=1e-12)
    assert first == [(None,), (None,)]


@pytest.mark.skipif(not HAS_FUNCTION, reason="needs ad.autograd.Function")
def test_full_backward_hook_can_replace_grad_input():
    layer = nn.Tanh()
    handle = layer.register_full_backward_hook(lambda m, gi, go: (gi[0] * 0,))
    x = ad.tensor(np.ones(3), requires_grad=True)
    layer(x).sum().backward()
    assert np.all(x.grad.numpy() == 0)
    handle.remove()
    x.grad = None
    layer(x).sum().backward()
    np.testing.assert_allclose(x.grad.numpy(), 1 - np.tanh(1.0) ** 2)


@pytest.mark.skipif(HAS_FUNCTION, reason="autodiff has ad.autograd.Function")
def test_full_backward_hook_says_what_it_needs():
    with pytest.raises(NotImplementedError, match="autograd.Function"):
        nn.Tanh().register_full_backward_hook(lambda m, gi, go: None)
