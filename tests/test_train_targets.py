"""The training targets of issue 6, measured: XOR needs a hidden layer (and a perceptron
provably cannot learn it), spirals above 95%, lenet5_mini at least 98% on held-out digits,
and the same seed giving the same bits."""
from __future__ import annotations

import numpy as np
import pytest

import autodiff as ad
import nn
from nn import data


# ---- XOR: no line separates it ------------------------------------------------------------------
def _separating_line_exists(x, y) -> bool:
    """Is there (w, b) with sign(w.x + b) = label for every point? As a linear program:
    find w, b with s_i (w.x_i + b) >= 1 (s_i = +-1; any strict separator can be scaled to
    margin 1). HiGHS proves infeasibility with a certificate, so False is a proof."""
    from scipy.optimize import linprog
    signs = 2.0 * y - 1.0
    rows = -signs[:, None] * np.hstack([x, np.ones((len(x), 1))])
    result = linprog(np.zeros(3), A_ub=rows, b_ub=-np.ones(len(x)), bounds=[(None, None)] * 3)
    assert result.status in (0, 2), result.message
    return result.status == 0


def test_no_straight_line_separates_xor():
    """By hand: (0,0)->0 needs b <= 0 and (1,1)->0 needs w1 + w2 + b <= 0, summing to
    w1 + w2 + 2b <= 0; (1,0)->1 and (0,1)->1 need w1 + b > 0 and w2 + b > 0, summing to
    w1 + w2 + 2b > 0. A contradiction; the linear program finds it too."""
    pytest.importorskip("scipy")
    x, y = data.xor()
    assert not _separating_line_exists(x, y)
    assert _separating_line_exists(x, (x.sum(axis=1) == 2).astype(np.int64)), "AND is separable"
    assert _separating_line_exists(x, (x.sum(axis=1) >= 1).astype(np.int64)), "OR is separable"


def _perceptron(x, y, epochs: int = 100):
    """Rosenblatt's rule with a Step activation: w += (y - step(w.x + b)) x, one sample at a
    time. Returns ("converged", epoch) or ("cycle", first, again): the rule is
    deterministic, so a state seen twice means it loops forever and never converges."""
    w, b = ad.tensor(np.zeros(2, np.float32)), ad.tensor(np.float32(0.0))
    seen = {}
    for epoch in range(epochs):
        if (ad.step(ad.tensor(x) @ w + b).numpy() == y).all():
            return "converged", epoch
        state = (tuple(w.numpy().tolist()), float(b.item()))
        if state in seen:
            return "cycle", seen[state], epoch
        seen[state] = epoch
        for xi, yi in zip(x, y):
            error = float(yi) - ad.step((ad.tensor(xi) * w).sum() + b)
            w, b = w + error * ad.tensor(xi), b + error
    return "undecided", epochs


def test_a_perceptron_provably_cannot_learn_xor():
    x, y = data.xor()
    outcome = _perceptron(x, y)
    assert outcome[0] == "cycle", outcome
    assert _perceptron(x, (x.sum(axis=1) == 2).astype(np.int64))[0] == "converged"


def _train(model, x, y, epochs, lr, batch_size=None, seed=0):
    loader = data.DataLoader((x, y), batch_size or len(y), shuffle=True, seed=seed)
    optimizer = nn.optim.Adam(model.parameters(), lr=lr)
    return nn.fit(model, nn.functional.cross_entropy, optimizer, loader, epochs=epochs,
                  progress=False)


def _accuracy(model, x, y) -> float:
    return nn.evaluate(model, data.DataLoader((x, y), 256)).accuracy


def test_an_mlp_solves_xor():
    nn.manual_seed(0)
    x, y = data.xor()
    model = nn.Sequential(nn.Linear(2, 8), nn.Tanh(), nn.Linear(8, 2))
    _train(model, x, y, epochs=300, lr=0.05)
    assert _accuracy(model, x, y) == 1.0


def test_spirals_with_three_classes_above_95_percent():
    nn.manual_seed(0)
    x, y = data.spirals(600, classes=3, seed=0)
    train, _, test = data.train_val_test_split(x, y, val=0.0, test=0.2, seed=0)
    model = nn.Sequential(nn.Linear(2, 64), nn.ReLU(), nn.Linear(64, 64), nn.ReLU(),
                          nn.Linear(64, 3))
    _train(model, *train.tensors, epochs=150, lr=0.01, batch_size=64)
    accuracy = _accuracy(model, *test.tensors)
    print(f"spirals (3 classes) held-out accuracy: {accuracy:.2%}")
    assert accuracy > 0.95


def _digits_recipe(device: str = "cpu"):
    """The recipe of ``chainrule train``: SGD with Nesterov momentum 0.9 at lr 0.1, cosine
    annealing over 30 epochs, label smoothing 0.1, batches of 32; trained on 80% of the
    digits, measured on the other 20% (stratified)."""
    x, y = data.load_digits()
    train, _, test = data.train_val_test_split(x, y, val=0.0, test=0.2, seed=0)
    nn.manual_seed(0)
    model = nn.models.lenet5_mini().to(device)
    optimizer = nn.optim.SGD(model.parameters(), lr=0.1, momentum=0.9, nesterov=True)
    scheduler = nn.optim.CosineAnnealingLR(optimizer, T_max=30)
    nn.fit(model, nn.CrossEntropyLoss(label_smoothing=0.1), optimizer,
           data.DataLoader(train, 32, shuffle=True, seed=0, device=device), epochs=30,
           device=device, scheduler=scheduler, progress=False)
    return nn.evaluate(model, data.DataLoader(test, 256, device=device))


@pytest.mark.slow
def test_lenet5_mini_reaches_98_percent_on_held_out_digits():
    """Seeds 0-4 of this recipe gave 98.05-98.33% (seed 0: 98.05%)."""
    result = _digits_recipe()
    print(f"lenet5_mini held-out digits accuracy: {result.accuracy:.2%}")
    assert result.confusion.sum() == 359, "a held-out 20% of the 1,797 digits"
    assert result.accuracy >= 0.98


@pytest.mark.gpu
@pytest.mark.slow
def test_the_same_recipe_on_the_gpu_reaches_the_same_accuracy():
    result = _digits_recipe("cuda")
    print(f"lenet5_mini held-out digits accuracy on cuda: {result.accuracy:.2%}")
    assert result.accuracy >= 0.975, "GPU sums in another order: within half a point of 98%"


def test_training_is_deterministic_for_a_seed_on_cpu():
    x, y = data.spirals(150, classes=3, seed=1)

    def weights(seed):
        nn.manual_seed(seed)
        model = nn.Sequential(nn.Linear(2, 16), nn.ReLU(), nn.Dropout(0.2), nn.Linear(16, 3))
        _train(model, x, y, epochs=3, lr=0.01, batch_size=16, seed=seed)
        return [p.numpy() for p in model.parameters()]
    first, again, other = weights(5), weights(5), weights(6)
    assert all(np.array_equal(a, b) for a, b in zip(first, again))
    assert not all(np.array_equal(a, b) for a, b in zip(first, other))
