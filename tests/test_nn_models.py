"""The model zoo: published parameter counts, torchvision's state_dict keys, quick
construction, and mini models that take 8x8 digits (and larger images) and learn."""
import gc

import numpy as np
import pytest

import autodiff as ad
import nn

PUBLISHED = {
    "lenet5": 61_706, "alexnet": 61_100_840, "vgg11": 132_863_336, "vgg16": 138_357_544,
    "googlenet": 6_624_904, "resnet18": 11_689_512, "resnet50": 25_557_032,
}


def check_resnet18(sd):
    keys = list(sd)
    assert len(keys) == 122
    assert keys[:6] == ["conv1.weight", "bn1.weight", "bn1.bias", "bn1.running_mean",
                        "bn1.running_var", "bn1.num_batches_tracked"]
    assert "layer2.0.downsample.0.weight" in keys and "layer2.0.downsample.1.running_var" in keys
    assert "layer1.0.downsample.0.weight" not in keys
    assert keys[-2:] == ["fc.weight", "fc.bias"]


def check_resnet50(sd):
    assert len(sd) == 320
    assert sd["layer1.0.conv3.weight"].shape == (256, 64, 1, 1)
    assert sd["layer3.0.conv2.weight"].shape == (256, 256, 3, 3)
    assert sd["layer4.0.downsample.0.weight"].shape == (2048, 1024, 1, 1)


def check_alexnet(sd):
    assert [k for k in sd if k.endswith("weight")] == [
        "features.0.weight", "features.3.weight", "features.6.weight", "features.8.weight",
        "features.10.weight", "classifier.1.weight", "classifier.4.weight",
        "classifier.6.weight"]


def check_vgg(sd):
    assert [k for k in sd if k.endswith("weight")][-3:] == [
        "classifier.0.weight", "classifier.3.weight", "classifier.6.weight"]
    assert sd["classifier.0.weight"].shape == (4096, 512 * 7 * 7)


def check_vgg16(sd):
    check_vgg(sd)
    assert sd["features.28.weight"].shape == (512, 512, 3, 3)


def check_googlenet(sd):
    assert sd["conv1.conv.weight"].shape == (64, 3, 7, 7)
    assert sd["conv1.bn.running_mean"].shape == (64,)
    assert sd["inception3a.branch3.1.conv.weight"].shape == (32, 16, 3, 3)
    assert sd["inception5b.branch4.1.bn.running_var"].shape == (128,)
    assert sd["fc.weight"].shape == (1000, 1024)
    assert not any("aux" in k for k in sd)


def check_lenet5(sd):
    assert list(sd) == ["conv1.weight", "conv1.bias", "conv2.weight", "conv2.bias",
                        "fc1.weight", "fc1.bias", "fc2.weight", "fc2.bias", "fc3.weight",
                        "fc3.bias"]


KEY_CHECKS = {"lenet5": check_lenet5, "alexnet": check_alexnet, "vgg11": check_vgg,
              "vgg16": check_vgg16, "googlenet": check_googlenet, "resnet18": check_resnet18,
              "resnet50": check_resnet50}


@pytest.mark.parametrize("name", list(PUBLISHED))
def test_full_size_models_have_published_counts_and_torchvision_keys(name):
    model = nn.models.get_model(name)
    assert nn.count_parameters(model) == PUBLISHED[name]
    assert all(p.dtype == np.float32 and p.grad is None for p in model.parameters())
    KEY_CHECKS[name](model.state_dict())
    del model
    gc.collect()


@pytest.mark.parametrize("name", ["lenet5_mini", "alexnet_mini", "vgg_mini", "googlenet_mini",
                                  "resnet_mini"])
def test_mini_models_take_digits_and_larger_images(name):
    model = nn.models.get_model(name)
    assert nn.count_parameters(model) < 50_000
    for shape in ((5, 1, 8, 8), (2, 1, 28, 28), (1, 1, 13, 11)):
        assert model(ad.tensor(np.zeros(shape, np.float32))).shape == (shape[0], 10)
    rgb = nn.models.get_model(name, in_channels=3, num_classes=4)
    assert rgb(ad.tensor(np.zeros((2, 3, 32, 32), np.float32))).shape == (2, 4)


def test_mlp_and_registry():
    assert nn.models.mlp()(ad.tensor(np.zeros((3, 1, 8, 8), np.float32))).shape == (3, 10)
    assert "resnet_mini" in nn.models.available()
    with pytest.raises(ValueError, match="unknown model 'resnet9'.*lenet5_mini"):
        nn.models.get_model("resnet9")


def test_classic_lenet5_maps_32x32_to_ten_scores_and_names_its_layers():
    model = nn.models.lenet5()
    assert model(ad.tensor(np.zeros((2, 1, 32, 32), np.float32))).shape == (2, 10)
    assert [n for n, _ in model.named_children()][:3] == ["conv1", "act1", "pool1"]
    with pytest.raises(ValueError, match="fc1 = Linear.*expected input with 400 features"):
        model(ad.tensor(np.zeros((1, 1, 28, 28), np.float32)))


@pytest.mark.parametrize("name", ["lenet5_mini", "resnet_mini"])
def test_mini_models_learn_a_small_problem(name):
    """A few Adam steps on 64 fixed random 8x8 images must cut the loss clearly."""
    nn.manual_seed(0)
    r = np.random.default_rng(0)
    x = ad.tensor(r.standard_normal((64, 1, 8, 8)).astype(np.float32))
    y = r.integers(0, 10, 64)
    model = nn.models.get_model(name)
    opt = nn.optim.Adam(model.parameters(), lr=0.01)
    losses = []
    for _ in range(25):
        opt.zero_grad()
        loss = nn.functional.cross_entropy(model(x), y)
        loss.backward()
        opt.step()
        losses.append(loss.item())
    assert losses[-1] < 0.6 * losses[0]
