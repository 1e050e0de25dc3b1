"""The layers of issue 14 against PyTorch in float64: the same weights (copied by
``nn.to_torch``, through the state dict, which also proves keys and shapes agree), the same
input and upstream gradient; outputs, input gradients and parameter gradients agree."""
import numpy as np
import pytest

import autodiff as ad
import nn

torch = pytest.importorskip("torch")
tnn = torch.nn
pytestmark = [pytest.mark.torch,
              pytest.mark.filterwarnings("ignore:Using padding=.same. with even kernel")]


def close(a, b, tol=1e-9):
    b = b.detach().numpy() if hasattr(b, "detach") else b
    np.testing.assert_allclose(np.asarray(a), b, rtol=tol, atol=tol)


def data(*shape, seed=1):
    return np.random.default_rng(seed).standard_normal(shape)


def compare(ours, x, training=True, integer_input=False):
    ours.double().train(training)
    theirs = nn.to_torch(ours).double().train(training)
    x_ours = ad.tensor(x, requires_grad=not integer_input)
    x_theirs = torch.tensor(x, requires_grad=not integer_input)
    y_ours, y_theirs = ours(x_ours), theirs(x_theirs)
    close(y_ours.numpy(), y_theirs)
    g = np.random.default_rng(7).standard_normal(y_ours.shape)
    y_ours.backward(ad.tensor(g))
    y_theirs.backward(torch.from_numpy(g))
    if not integer_input:
        close(x_ours.grad.numpy(), x_theirs.grad)
    theirs_params = dict(theirs.named_parameters())
    assert sorted(theirs_params) == sorted(n for n, _ in ours.named_parameters())
    for name, p in ours.named_parameters():
        close(p.grad.numpy(), theirs_params[name].grad)


LAYERS = [
    (lambda: nn.LayerNorm(5), (3, 4, 5)),
    (lambda: nn.LayerNorm((4, 5), eps=1e-3), (3, 4, 5)),
    (lambda: nn.LayerNorm(5, elementwise_affine=False), (2, 5)),
    (lambda: nn.LayerNorm(5, bias=False), (2, 5)),
    (lambda: nn.GroupNorm(2, 6), (3, 6, 4, 5)),
    (lambda: nn.GroupNorm(3, 6, affine=False), (2, 6, 7)),
    (lambda: nn.GroupNorm(1, 4, eps=1e-2), (2, 4)),
    (lambda: nn.GELU(), (3, 7)),
    (lambda: nn.GELU(approximate="tanh"), (3, 7)),
    (lambda: nn.SiLU(), (3, 7)),
    (lambda: nn.ELU(), (3, 7)),
    (lambda: nn.ELU(alpha=0.3), (3, 7)),
    (lambda: nn.Softplus(), (3, 7)),
    (lambda: nn.Softplus(beta=2.0, threshold=1.0), (3, 7)),
    (lambda: nn.Hardtanh(), (3, 7)),
    (lambda: nn.Hardtanh(-0.5, 0.25), (3, 7)),
    (lambda: nn.ConvTranspose2d(4, 6, 3), (2, 4, 5, 6)),
    (lambda: nn.ConvTranspose2d(4, 6, 3, stride=2, padding=1, output_padding=1, groups=2,
                                dilation=2), (2, 4, 5, 6)),
    (lambda: nn.ConvTranspose2d(2, 3, (2, 3), stride=(2, 1), padding=(0, 1), bias=False),
     (1, 2, 4, 4)),
    (lambda: nn.ConvTranspose2d(2, 3, 4, stride=2, padding=1), (2, 5, 5)),
    (lambda: nn.Conv1d(4, 6, 3), (2, 4, 9)),
    (lambda: nn.Conv1d(4, 6, 3, stride=2, padding=2, dilation=2, groups=2, bias=False),
     (2, 4, 11)),
    (lambda: nn.Conv1d(3, 2, 4, padding="same"), (2, 3, 8)),
    (lambda: nn.Conv1d(3, 2, 3, padding=2, padding_mode="reflect"), (2, 3, 8)),
    (lambda: nn.Conv1d(3, 2, 3, padding=1, padding_mode="circular"), (3, 8)),
    (lambda: nn.Conv1d(3, 2, 3, padding=1, padding_mode="replicate"), (2, 3, 8)),
    (lambda: nn.MaxPool1d(3), (2, 3, 10)),
    (lambda: nn.MaxPool1d(3, stride=2, padding=1, dilation=1), (2, 3, 10)),
    (lambda: nn.MaxPool1d(2, ceil_mode=True), (3, 7)),
    (lambda: nn.AvgPool1d(3), (2, 3, 10)),
    (lambda: nn.AvgPool1d(4, stride=2, padding=2, count_include_pad=False), (2, 3, 9)),
    (lambda: nn.Upsample(scale_factor=2), (2, 3, 4, 5)),
    (lambda: nn.Upsample(size=(7, 3)), (2, 3, 4, 5)),
    (lambda: nn.Upsample(scale_factor=1.5, mode="bilinear"), (2, 3, 4, 5)),
    (lambda: nn.Upsample(size=(9, 8), mode="bilinear", align_corners=True), (2, 3, 4, 5)),
    (lambda: nn.Upsample(scale_factor=3, mode="linear"), (2, 3, 4)),
    (lambda: nn.Unflatten(1, (2, 3)), (4, 6)),
    (lambda: nn.Unflatten(-1, (2, -1)), (4, 3, 6)),
    (lambda: nn.Dropout2d(0.5), (2, 3, 4, 4)),          # evaluation: the identity
]


@pytest.mark.parametrize("make, shape", LAYERS, ids=lambda v: repr(v()) if callable(v) else "")
def test_layer_matches_torch(make, shape):
    layer = make()
    training = not isinstance(layer, nn.Dropout2d)
    x = data(*shape)
    if isinstance(layer, nn.Hardtanh):
        x[0, :3] = [layer.min_val, layer.max_val, 0.0]        # the kinks: gradient 0 at edges
    compare(layer, x, training)


def test_gelu_at_large_and_special_values():
    x = np.array([-40.0, -6.0, -3.0, -2.9999, -1e-8, -0.0, 0.0, 1e-8, 2.9999, 3.0, 6.0, 40.0])
    compare(nn.GELU(), x)


def test_embedding_matches_torch_and_padding_row_gets_no_gradient():
    nn.manual_seed(0)
    emb = nn.Embedding(6, 4, padding_idx=2)
    assert emb.weight.shape == (6, 4)
    assert np.all(emb.weight.numpy()[2] == 0)
    emb.weight.array[2] = 5.0                                # a padding row need not be zero
    idx = np.array([[0, 2, 5], [2, 2, 1]])
    compare(emb, idx, integer_input=True)
    assert np.all(emb.weight.grad.numpy()[2] == 0)
    np.testing.assert_allclose(emb(ad.tensor(idx)).numpy()[0, 1], 5.0)


def test_embedding_from_pretrained_and_errors():
    table = ad.tensor(data(3, 2))
    frozen = nn.Embedding.from_pretrained(table)
    assert not frozen.weight.requires_grad
    np.testing.assert_array_equal(frozen(ad.tensor([2, 0])).numpy(), table.numpy()[[2, 0]])
    assert nn.Embedding.from_pretrained(table, freeze=False).weight.requires_grad
    with pytest.raises(ValueError, match="Embedding: max_norm"):
        nn.Embedding(3, 2, max_norm=1.0)
    with pytest.raises(IndexError, match="out of range"):
        frozen(ad.tensor([3]))
    with pytest.raises(TypeError, match="integer"):
        frozen(ad.tensor([0.0]))


def test_initialisation_follows_torch():
    """Shapes, fixed values and the spread of the random ones (the same formulas)."""
    nn.manual_seed(0)
    ln, gn = nn.LayerNorm((3, 4)), nn.GroupNorm(2, 4)
    for p, value in ((ln.weight, 1), (ln.bias, 0), (gn.weight, 1), (gn.bias, 0)):
        assert np.all(p.numpy() == value)
    ct = nn.ConvTranspose2d(8, 6, 3, groups=2)
    assert ct.weight.shape == (8, 3, 3, 3) and ct.bias.shape == (6,)
    bound = 1 / np.sqrt(3 * 9)                              # fan_in = weight.shape[1] * k * k
    assert np.abs(ct.weight.numpy()).max() <= bound and np.abs(ct.weight.numpy()).max() > bound / 2
    c1 = nn.Conv1d(4, 5, 3)
    assert c1.weight.shape == (5, 4, 3)
    assert np.abs(c1.weight.numpy()).max() <= 1 / np.sqrt(12)
    emb = nn.Embedding(1000, 50)
    assert abs(emb.weight.numpy().std() - 1) < 0.02


def test_state_dict_keys_equal_torch():
    model = nn.Sequential(nn.Embedding(10, 4), nn.LayerNorm(4), nn.GELU(), nn.Unflatten(2, (2, 2)),
                          nn.GroupNorm(1, 3))
    theirs = tnn.Sequential(tnn.Embedding(10, 4), tnn.LayerNorm(4), tnn.GELU(),
                            tnn.Unflatten(2, (2, 2)), tnn.GroupNorm(1, 3))
    assert list(model.state_dict()) == list(theirs.state_dict())
    nets = [(nn.Conv1d(2, 3, 3), tnn.Conv1d(2, 3, 3)),
            (nn.ConvTranspose2d(2, 3, 3), tnn.ConvTranspose2d(2, 3, 3))]
    for ours, reference in nets:
        assert {k: tuple(v.shape) for k, v in ours.state_dict().items()} == \
            {k: tuple(v.shape) for k, v in reference.state_dict().items()}


def test_dropout2d_drops_whole_channels():
    nn.manual_seed(0)
    layer = nn.Dropout2d(0.5)
    out = layer(ad.tensor(np.ones((8, 16, 3, 3)))).numpy()
    per_channel = out.reshape(8, 16, 9)
    assert set(np.unique(per_channel)) <= {0.0, 2.0}
    assert np.all(per_channel.min(axis=2) == per_channel.max(axis=2))   # a channel is all or none
    assert 0.3 < (per_channel[:, :, 0] == 0).mean() < 0.7
    assert layer.eval()(ad.tensor(np.ones((2, 3, 1, 1)))).numpy().tolist() == \
        np.ones((2, 3, 1, 1)).tolist()


@pytest.mark.parametrize("make, message", [
    (lambda: nn.ConvTranspose2d(2, 3, 3, padding_mode="reflect"), "ConvTranspose2d: .*padding_mode"),
    (lambda: nn.ConvTranspose2d(2, 3, 3, stride=2, output_padding=2), "output_padding"),
    (lambda: nn.Conv1d(2, 3, 3, padding_mode="mirror"), "Conv1d: padding_mode"),
    (lambda: nn.Conv1d(2, 3, 3, stride=2, padding="same"), "Conv1d: padding='same'"),
    (lambda: nn.MaxPool1d(2, return_indices=True), "MaxPool1d: return_indices"),
    (lambda: nn.AvgPool1d(2, ceil_mode=True), "AvgPool1d: ceil_mode"),
    (lambda: nn.GroupNorm(4, 6), "GroupNorm: num_channels"),
    (lambda: nn.GELU("fast"), "GELU: approximate"),
    (lambda: nn.Hardtanh(1, 0), "Hardtanh: min_val"),
    (lambda: nn.Upsample(scale_factor=2, mode="bicubic"), "Upsample: mode"),
    (lambda: nn.Dropout2d(1.5), "Dropout2d: probability"),
])
def test_unsupported_arguments_name_the_layer_and_the_argument(make, message):
    with pytest.raises(ValueError, match=message):
        make()


def test_unflatten_refuses_a_size_that_does_not_split():
    with pytest.raises(ValueError, match="Unflatten"):
        nn.Unflatten(1, (4, 2))(ad.tensor(np.zeros((2, 6))))
