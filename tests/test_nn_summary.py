"""nn.summary and the course's formulas: output sizes, receptive fields, parameter counts."""
import numpy as np
import pytest

import autodiff as ad
import nn


def test_output_size_formula():
    assert nn.conv_output_size(32, 3) == 30
    assert nn.conv_output_size(32, 3, padding=1) == 32
    assert nn.conv_output_size(224, 11, stride=4, padding=2) == 55
    assert nn.conv_output_size(7, 3, stride=2, dilation=2) == 2


def test_receptive_field_formula():
    assert nn.receptive_field([(3, 1)] * 3) == 7
    assert nn.receptive_field([(3, 1)] * 2) == 5
    assert nn.receptive_field([(5, 1), (2, 2), (5, 1), (2, 2)]) == 16
    assert nn.receptive_field([(3, 1, 2), (3, 1, 4)]) == 13


def test_ten_5x5x3_filters_have_760_parameters():
    s = nn.summary(nn.Conv2d(3, 10, 5), (1, 3, 32, 32))
    assert s.total_params == 760 and s.layers[0].params == 760
    assert s.layers[0].output_shape == (1, 10, 28, 28)


def test_three_stacked_3x3_convs_see_7x7_and_3x3_on_32_gives_30():
    model = nn.Sequential(nn.Conv2d(1, 4, 3), nn.ReLU(), nn.Conv2d(4, 4, 3), nn.Conv2d(4, 4, 3))
    s = nn.summary(model, (1, 32, 32))               # one example's shape: batch 1 added
    assert s.input_shape == (1, 1, 32, 32)
    assert s.layers[0].output_shape == (1, 4, 30, 30)
    assert [layer.receptive_field for layer in s.layers] == [3, 3, 5, 7]
    assert [layer.jump for layer in s.layers] == [1, 1, 1, 1]
    assert s.layers[1].activation_bytes == 4 * 30 * 30 * 4
    assert s.total_activation_bytes == sum(layer.activation_bytes for layer in s.layers)


def test_lenet5_table_with_strides_and_dense_layers():
    s = nn.summary(nn.models.lenet5(), (1, 1, 32, 32))
    rows = {layer.name: layer for layer in s.layers}
    assert rows["pool2"].output_shape == (1, 16, 5, 5)
    assert rows["pool2"].receptive_field == 16 and rows["pool2"].jump == 4
    assert rows["fc1"].receptive_field is None and rows["fc1"].params == 48_120
    assert s.total_params == 61_706 and s.output_shape == (1, 10)
    text = str(s)
    assert "conv2" in text and "61,706" in text and "Conv2d" in text and "all" in text


def test_summary_follows_branches_of_residual_blocks():
    model = nn.models.resnet_mini()
    s = nn.summary(model, (1, 1, 8, 8))
    rows = {(layer.name, i): layer for i, layer in enumerate(s.layers)}
    assert s.total_params == nn.count_parameters(model)
    names = [layer.name for layer in s.layers]
    assert names.count("layer1.0.relu") == 2             # a module called twice, listed twice
    conv2 = next(layer for (name, _), layer in rows.items() if name == "layer2.0.conv2")
    down = next(layer for (name, _), layer in rows.items() if name == "layer2.0.downsample.0")
    assert conv2.receptive_field == 1 + 2 + 2 + 2 + 2 * 1 + 2 * 2 and conv2.jump == 2
    assert down.receptive_field == 7 and down.jump == 2   # the shortcut sees less
    assert s.output_shape == (1, 10)
    assert model.training                                 # mode restored


def test_summary_restores_each_modules_own_mode():
    model = nn.models.resnet_mini()
    model.bn1.eval()                                      # e.g. a frozen batch norm
    nn.summary(model, (1, 8, 8))
    assert model.training and not model.bn1.training and model.layer1.training
    assert model.bn1.num_batches_tracked.item() == 0      # the summary ran in eval mode


def test_summary_of_a_full_size_resnet18_at_224():
    s = nn.summary(nn.models.resnet18(), (3, 224, 224))
    assert s.total_params == 11_689_512 and s.output_shape == (1, 1000)
    first = s.layers[0]
    assert first.output_shape == (1, 64, 112, 112) and first.receptive_field == 7
    pool = next(layer for layer in s.layers if layer.name == "avgpool")
    assert pool.jump == 32 * 7 and pool.output_shape == (1, 512, 1, 1)


def test_summary_of_dense_models_and_bad_shapes():
    s = nn.summary(nn.models.mlp(), (64,))
    assert s.input_shape == (1, 64) and s.total_params == 64 * 64 + 64 + 64 * 10 + 10
    with pytest.raises(ValueError, match="expected input with 1 channels, got 3"):
        nn.summary(nn.models.lenet5_mini(), (3, 8, 8))
    assert np.isclose(s.trainable_params, s.total_params)


@pytest.mark.parametrize("name", ["alexnet", "vgg11"])
def test_after_the_flatten_every_row_sees_the_whole_input(name):
    """The parent's forward flattens before ``classifier``: from there on there is no grid
    (AlexNet's classifier.0 is a Dropout, VGG's a Linear); RF "all", jump "-"."""
    s = nn.summary(getattr(nn.models, name)(), (3, 224, 224))
    rows = [layer for layer in s.layers if layer.name.startswith("classifier.")]
    assert len(rows) == 7
    if name == "alexnet":
        assert rows[0].type == "Dropout" and rows[0].output_shape == (1, 256 * 6 * 6)
    assert all(row.receptive_field is None and row.jump is None for row in rows)
    pool = next(layer for layer in s.layers if layer.name == "avgpool")
    assert pool.receptive_field > 100 and pool.jump == 32        # the grid, up to the flatten
    line = next(line for line in str(s).splitlines() if line.startswith("classifier.0"))
    assert line.split()[-2:] == ["all", "-"]


class _FlattenThenSequential(nn.Module):
    """A flatten by plain ops in the parent, then layers that are not dense."""

    def __init__(self):
        super().__init__()
        self.conv = nn.Conv2d(1, 2, 3)
        self.head = nn.Sequential(nn.Dropout(0.5), nn.ReLU(), nn.Flatten())

    def forward(self, x):
        return self.head(ad.flatten(self.conv(x), 1))


def test_flatten_by_plain_ops_or_by_a_module_reports_all():
    s = nn.summary(_FlattenThenSequential(), (1, 6, 6))
    assert [(layer.receptive_field, layer.jump) for layer in s.layers] == \
        [(3, 1), (None, None), (None, None), (None, None)]
    lenet = nn.summary(nn.models.lenet5(), (1, 32, 32))
    flatten = next(layer for layer in lenet.layers if layer.type == "Flatten")
    assert flatten.receptive_field is None and flatten.jump is None
    mlp = nn.summary(nn.Sequential(nn.ReLU(), nn.Linear(4, 2)), (4,))
    assert mlp.layers[0].receptive_field == 1, "a flat input has nothing to lose"


def test_in_place_relu_costs_no_activation_memory():
    def convs(relu):
        nn.manual_seed(0)
        layers = [nn.Conv2d(1, 4, 3), relu(), nn.Conv2d(4, 8, 3), relu()]
        return nn.Sequential(*[layer for layer in layers if layer is not None])
    in_place = nn.summary(convs(lambda: nn.ReLU(inplace=True)), (1, 10, 10))
    without = nn.summary(convs(lambda: None), (1, 10, 10))
    copying = nn.summary(convs(nn.ReLU), (1, 10, 10))
    conv_outputs = 4 * (4 * 8 * 8 + 8 * 6 * 6)                    # float32 bytes
    assert in_place.total_activation_bytes == without.total_activation_bytes == conv_outputs
    assert [layer.activation_bytes for layer in in_place.layers] == [4 * 4 * 64, 0, 4 * 8 * 36, 0]
    assert copying.total_activation_bytes == 2 * conv_outputs      # a new buffer per ReLU
    assert in_place.layers[1].output_shape == (1, 4, 8, 8), "the row still shows its shape"
