"""Pictures of real networks: top to bottom, folded by their rendered size, parameters named
as named_parameters() names them, constants as constants, and graphs that would keep dot
busy for minutes reduced first (and saying so). Edge labels say what they are."""
from __future__ import annotations

import io
import re
import shutil

import numpy as np
import pytest

import autodiff as ad
from autodiff.viz.layout import plan
from autodiff.viz.sizing import FIT, estimate, fits

nn = pytest.importorskip("nn")
needs_dot = pytest.mark.skipif(not shutil.which("dot"), reason="Graphviz's dot is missing")


def loss_of(model, shape, classes=10, batch=2):
    nn.manual_seed(0)
    rng = np.random.default_rng(0)
    x = ad.tensor(rng.random((batch, *shape)).astype(np.float32))
    y = ad.tensor(rng.integers(0, classes, batch))
    return nn.functional.cross_entropy(model(x), y)


def rendered_size(picture) -> tuple[int, int]:
    from PIL import Image
    with Image.open(io.BytesIO(picture.pipe(format="png"))) as image:
        return image.size


@pytest.fixture(scope="module")
def mlp_loss():
    return loss_of(nn.models.mlp(), (1, 8, 8))


def test_a_model_reads_top_to_bottom_with_its_parameters_named(mlp_loss):
    source = ad.draw(mlp_loss).source
    assert "rankdir=TB" in source
    for name in ("fc1.weight", "fc1.bias", "fc2.weight", "fc2.bias"):
        assert f"<b>{name}</b>" in source
    assert "<b>L</b>" in source and "<b>v1</b>" in source
    assert "<i>constant</i>" in source            # the batch and the loss's coefficients
    assert "folded" not in source                 # twenty nodes: drawn in full


def test_nested_modules_give_the_state_dict_path():
    model = nn.Sequential(nn.Linear(3, 4), nn.Sequential(nn.ReLU(), nn.Linear(4, 2)))
    source = ad.draw(model(ad.tensor(np.ones((2, 3), dtype=np.float32))).sum()).source
    assert {"0.weight", "0.bias", "1.1.weight", "1.1.bias"} == {
        n for n, _ in model.named_parameters()}
    for name in ("0.weight", "1.1.weight", "1.1.bias"):
        assert f"<b>{name}</b>" in source


def test_batchnorm_parameters_are_named():
    model = nn.Sequential(nn.Conv2d(1, 2, 3), nn.BatchNorm2d(2))
    x = ad.tensor(np.ones((2, 1, 5, 5), dtype=np.float32))
    source = ad.draw(model(x).sum(), expand=True).source
    assert "<b>0.weight</b>" in source and "<b>1.weight</b>" in source
    assert "<b>1.bias</b>" in source


def test_lenet5_folds_by_size_into_one_box_per_layer():
    loss = loss_of(nn.models.lenet5(), (1, 32, 32))
    open_layout = plan(loss, expand=True)
    assert not fits(estimate(open_layout, "TB"))  # 62 nodes: well under 300, yet too long
    picture = ad.draw(loss)
    assert picture.total_nodes < 300 and picture.shown_nodes < picture.total_nodes
    for layer in ("conv1 (Conv2d)", "pool2 (AvgPool2d)", "fc3 (Linear)"):
        assert f"<b>{layer}</b>" in picture.source
    assert "folded to" in picture.source and "expand=True" in picture.source
    assert ad.draw(loss, expand=True).shown_nodes == picture.total_nodes


@needs_dot
def test_mlp_lenet_and_resnet18_in_training_mode_fit_the_screen(mlp_loss):
    resnet = nn.models.resnet18()
    resnet.train()
    losses = {"mlp": mlp_loss, "lenet5": loss_of(nn.models.lenet5(), (1, 32, 32)),
              "resnet18": loss_of(resnet, (3, 32, 32), classes=1000)}
    for name, loss in losses.items():
        picture = ad.draw(loss)
        width, height = rendered_size(picture)
        assert width <= FIT[0] * 1.1 and height <= FIT[1] * 1.1, (name, width, height)
    assert "layer4 (Sequential)" in picture.source and "fc (Linear)" in picture.source


def test_one_tensor_with_thousands_of_consumers_is_reduced_and_says_so():
    x = ad.tensor([1.0, 2.0], requires_grad=True, name="x")
    shared = sum(x * float(i) for i in range(3000)).sum()
    picture = ad.draw(shared, max_nodes=600)
    edges_from_x = re.findall(r"^\s*t\d+ -> ", picture.source, flags=re.MULTILINE)
    assert "↪ x" in picture.source and "reduced:" in picture.source
    assert len(edges_from_x) < 700
    uses = [m for m in re.findall(r"^\s*(t\d+) -> ", picture.source, flags=re.MULTILINE)]
    assert max(uses.count(u) for u in set(uses)) <= 4       # no node of hundreds of edges
    stacked = ad.stack([x * float(i) for i in range(3000)]).sum()
    wide = ad.draw(stacked, expand=True)
    assert "first and last 20" in wide.source
    assert wide.shown_nodes < 300 and wide.source.count(" -> ") < 400


def test_edge_labels_wrap_or_move_to_a_table_and_are_never_cut():
    w0, x0, w1, x1, w2 = ad.symbols("w0 x0 w1 x1 w2")
    deep = ad.tanh(ad.exp(ad.sigmoid(w0 * x0 + w1 * x1 + w2) * w0) / (x1 * x1 + w1))
    source = ad.draw(deep, at={w0: 2, x0: -1, w1: -3, x1: -2, w2: -3}).source
    labels = re.findall(r'\[label="(∂[^"]*)"', source)
    assert labels and not any("…" in text for text in labels)
    assert all(len(line) <= 34 for text in labels for line in text.split("\\n"))
    numbered = [text for text in labels if re.search(r"\[\d+\]$", text)]
    if numbered:
        assert "local gradients" in source


def test_scope_names_hold_their_module_but_copy_and_pickle_as_plain_names():
    import copy
    import gc
    import pickle
    import weakref

    model = nn.Linear(2, 1)
    out = model(ad.tensor(np.ones((1, 2), dtype=np.float32)))
    name = out._scope[-1]
    assert name == "Linear" and name.owner() is model
    assert copy.deepcopy(name) is name and type(pickle.loads(pickle.dumps(name))) is str
    alive = weakref.ref(model)
    del model, name
    gc.disable()
    try:
        del out                            # the graph held the module: refcounting frees both
        assert alive() is None
    finally:
        gc.enable()
