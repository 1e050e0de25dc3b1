"""Module, Parameter, containers: registration, walking, modes, state dicts, devices, repr."""
import copy

import numpy as np
import pytest

import autodiff as ad
import nn


class TwoLayer(nn.Module):
    def __init__(self):
        super().__init__()
        self.fc1 = nn.Linear(3, 4)
        self.act = nn.ReLU()
        self.fc2 = nn.Linear(4, 2)
        self.scale = nn.Parameter(np.ones(2, dtype=np.float32))
        self.plain = [1, 2]                     # not registered

    def forward(self, x):
        return self.fc2(self.act(self.fc1(x))) * self.scale


def test_parameter_is_a_tensor_that_requires_grad_in_the_default_dtype():
    p = nn.Parameter(ad.tensor([1.0, 2.0]))
    assert isinstance(p, ad.Tensor) and p.requires_grad and p.dtype == ad.float32
    assert (p * 2).requires_grad and type(p * 2) is ad.Tensor
    assert "Parameter containing" in repr(p)
    assert nn.Linear(2, 3).weight.dtype == ad.get_default_dtype()


def test_registration_by_attribute_and_walking_the_tree():
    m = TwoLayer()
    names = [n for n, _ in m.named_parameters()]
    assert names == ["scale", "fc1.weight", "fc1.bias", "fc2.weight", "fc2.bias"]
    assert [n for n, _ in m.named_children()] == ["fc1", "act", "fc2"]
    assert [n for n, _ in m.named_modules()] == ["", "fc1", "act", "fc2"]
    assert len(list(m.parameters())) == 5 and len(list(m.modules())) == 4
    assert m.plain == [1, 2] and "plain" not in dict(m.named_parameters())
    del m.fc2
    assert "fc2.weight" not in dict(m.named_parameters())


def test_shared_parameters_appear_once():
    shared = nn.Linear(2, 2)
    m = nn.Sequential(shared, nn.ReLU(), shared)
    assert len(list(m.parameters())) == 2
    assert list(m.state_dict()) == ["0.weight", "0.bias", "2.weight", "2.bias"]


def test_assigning_before_init_and_wrong_types_are_clear_errors():
    class Broken(nn.Module):
        def __init__(self):
            self.fc = nn.Linear(2, 2)
    with pytest.raises(AttributeError, match="super\\(\\).__init__"):
        Broken()
    m = nn.Linear(2, 2)
    with pytest.raises(TypeError, match="parameter 'weight'"):
        m.weight = np.zeros((2, 2))
    with pytest.raises(TypeError, match="did you mean ReLU\\(\\)"):
        nn.Sequential(nn.Linear(2, 2), nn.ReLU)


def test_train_eval_reach_every_submodule():
    m = nn.Sequential(nn.Linear(2, 2), nn.Sequential(nn.Dropout(), nn.BatchNorm1d(2)))
    assert all(x.training for x in m.modules())
    m.eval()
    assert not any(x.training for x in m.modules())
    m.train()
    assert all(x.training for x in m.modules())


def test_state_dict_keys_follow_pytorch_including_batchnorm_buffers():
    m = nn.Sequential(nn.Conv2d(1, 2, 3, bias=False), nn.BatchNorm2d(2))
    sd = m.state_dict()
    assert list(sd) == ["0.weight", "1.weight", "1.bias", "1.running_mean", "1.running_var",
                        "1.num_batches_tracked"]
    assert sd["1.num_batches_tracked"].dtype == np.int64 and sd["1.num_batches_tracked"].shape == ()
    assert not sd["0.weight"].requires_grad


def test_state_dict_round_trip_copies_values_into_own_dtype():
    nn.manual_seed(0)
    a = TwoLayer()
    b = TwoLayer()
    b.double()
    saved = {k: v.numpy().astype(np.float64) for k, v in a.state_dict().items()}
    result = b.load_state_dict(saved)
    assert result.missing_keys == [] and result.unexpected_keys == []
    for (k, pa), (_, pb) in zip(a.named_parameters(), b.named_parameters()):
        assert pb.dtype == np.float64
        np.testing.assert_allclose(pb.numpy(), pa.numpy(), rtol=1e-7)
    saved["fc1.weight"][0, 0] = 99.0          # a copy, not a view of the given array
    assert b.fc1.weight.numpy()[0, 0] != 99.0
    p = b.fc1.weight
    b.load_state_dict(a.state_dict())
    assert b.fc1.weight is p                  # same Parameter object (optimizers keep it)


def test_load_state_dict_lists_every_problem_at_once_and_copies_nothing():
    m = TwoLayer()
    before = m.fc1.weight.numpy().copy()
    sd = {k: v.numpy() for k, v in m.state_dict().items()}
    sd["fc1.weight"] = np.zeros((5, 3))
    sd["fc2.bias"] = np.zeros((3,))
    del sd["scale"]
    sd["head.weight"] = np.zeros(2)
    with pytest.raises(nn.StateDictError) as info:
        m.load_state_dict(sd)
    text = str(info.value)
    assert "missing keys" in text and "scale" in text
    assert "unexpected keys" in text and "head.weight" in text
    assert "fc1.weight" in text and "(5, 3)" in text and "(4, 3)" in text and "fc2.bias" in text
    assert isinstance(info.value, RuntimeError) and isinstance(info.value, ValueError)
    np.testing.assert_array_equal(m.fc1.weight.numpy(), before)


def test_load_state_dict_non_strict_reports_keys_but_shape_errors_still_raise():
    m = nn.Linear(2, 3)
    result = m.load_state_dict({"weight": np.ones((3, 2)), "extra": np.ones(1)}, strict=False)
    assert result.missing_keys == ["bias"] and result.unexpected_keys == ["extra"]
    np.testing.assert_array_equal(m.weight.numpy(), np.ones((3, 2)))
    with pytest.raises(nn.StateDictError, match="size mismatch for weight"):
        m.load_state_dict({"weight": np.ones((2, 2))}, strict=False)


def test_to_dtype_converts_parameters_buffers_and_grads_but_not_integer_buffers():
    m = nn.Sequential(nn.Linear(2, 2), nn.BatchNorm1d(2))
    m(ad.tensor(np.ones((3, 2), np.float32))).sum().backward()
    weight = m[0].weight
    m.to(ad.float64)
    assert m[0].weight is weight and weight.dtype == np.float64 and weight.grad.dtype == np.float64
    assert m[1].running_mean.dtype == np.float64
    assert m[1].num_batches_tracked.dtype == np.int64
    m.float()
    assert weight.dtype == np.float32
    with pytest.raises(ValueError, match="unknown device"):
        m.to("tpu")


def test_zero_grad_and_forward_records_a_scope_per_module_call():
    m = TwoLayer()
    out = m(ad.tensor(np.ones((2, 3), np.float32))).sum()
    out.backward()
    assert m.fc1.weight.grad is not None
    m.zero_grad()
    assert all(p.grad is None for p in m.parameters())
    y = m(ad.tensor(np.ones((2, 3), np.float32)))
    assert y._scope == ("TwoLayer",)
    assert y._inputs[0]._scope == ("TwoLayer", "fc2 (Linear)")


def test_hooks_see_every_call_and_can_be_removed():
    m = nn.Sequential(nn.Linear(2, 3), nn.ReLU())
    seen = []
    handle = m[0].register_forward_hook(lambda mod, inputs, out: seen.append(out.shape))
    m(ad.tensor(np.ones((4, 2), np.float32)))
    handle.remove()
    m(ad.tensor(np.ones((4, 2), np.float32)))
    assert seen == [(4, 3)]


def test_repr_looks_like_pytorch():
    m = nn.Sequential(nn.Conv2d(3, 16, 3, padding=1, bias=False), nn.BatchNorm2d(16), nn.ReLU())
    assert repr(m) == (
        "Sequential(\n"
        "  (0): Conv2d(3, 16, kernel_size=(3, 3), stride=(1, 1), padding=(1, 1), bias=False)\n"
        "  (1): BatchNorm2d(16, eps=1e-05, momentum=0.1, affine=True, track_running_stats=True)\n"
        "  (2): ReLU()\n)")
    assert repr(nn.Linear(4, 2)) == "Linear(in_features=4, out_features=2, bias=True)"
    assert repr(nn.Identity()) == "Identity()"


def test_sequential_and_module_list_containers():
    layers = [nn.Linear(2, 2), nn.ReLU(), nn.Linear(2, 1)]
    seq = nn.Sequential(*layers)
    assert len(seq) == 3 and seq[0] is layers[0] and seq[-1] is layers[2]
    assert isinstance(seq[1:], nn.Sequential) and len(seq[1:]) == 2
    assert list(seq) == layers
    ml = nn.ModuleList([nn.Linear(2, 2)])
    ml.append(nn.Linear(2, 2))
    ml.extend([nn.ReLU()])
    assert len(ml) == 3 and len(list(ml.parameters())) == 4
    assert [n for n, _ in ml.named_parameters()][:2] == ["0.weight", "0.bias"]


def test_deepcopy_gives_independent_parameters():
    m = TwoLayer()
    c = copy.deepcopy(m)
    c.fc1.weight.array[...] = 0
    assert np.abs(m.fc1.weight.numpy()).sum() > 0
    assert [n for n, _ in c.named_parameters()] == [n for n, _ in m.named_parameters()]


def test_manual_seed_makes_initialisation_and_dropout_repeatable():
    nn.manual_seed(7)
    a = nn.Linear(5, 5).weight.numpy()
    d1 = nn.functional.dropout(ad.tensor(np.ones(50, np.float32)), 0.5).numpy()
    nn.manual_seed(7)
    b = nn.Linear(5, 5).weight.numpy()
    d2 = nn.functional.dropout(ad.tensor(np.ones(50, np.float32)), 0.5).numpy()
    np.testing.assert_array_equal(a, b)
    np.testing.assert_array_equal(d1, d2)
