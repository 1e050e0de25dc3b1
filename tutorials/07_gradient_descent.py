# ---
# jupyter:
#   jupytext:
#     text_representation:
#       extension: .py
#       format_name: percent
#       format_version: '1.3'
#       jupytext_version: 1.19.6
#   kernelspec:
#     display_name: Python 3
#     language: python
#     name: python3
# ---

# %% [markdown]
# # 7. Gradient descent and its heuristics
#
# Gradient descent walks downhill: $\theta \leftarrow \theta - \eta\, \nabla_\theta
# \mathcal{L}(\theta)$. Everything else is about *which* gradient (how many examples) and
# *how big* a step (the learning rate $\eta$, and optimizers that adapt it).

# %%
import numpy as np

import autodiff as ad
import nn
from nn import data

images, labels = data.load_digits()
features = images.reshape(len(images), -1)               # 64 pixels per digit

# %% [markdown]
# ## Batch, mini-batch and stochastic gradient descent
#
# The loss is a mean over $N$ examples, so its gradient is too. We can estimate it from
#
# - all $N$ examples (**batch**): exact, one update per pass over the data (an *epoch*);
# - $B$ random examples (**mini-batch**, typically 32-256): a noisy estimate, $N/B$ updates
#   per epoch;
# - one example (**stochastic**): the noisiest, $N$ updates per epoch.
#
# Softmax regression on the digits, two epochs each, the same learning rate:

# %%
def train_linear(batch_size, epochs=2, lr=0.1):
    """Softmax regression; returns the loss of every update and the final full-data loss."""
    nn.manual_seed(0)
    model = nn.Linear(64, 10)
    optimizer = nn.optim.SGD(model.parameters(), lr=lr)
    loader = data.DataLoader((features, labels), batch_size=batch_size, shuffle=True, seed=0)
    losses = []
    for _ in range(epochs):
        for xb, yb in loader:
            loss = nn.functional.cross_entropy(model(xb), yb)
            optimizer.zero_grad()
            loss.backward()
            optimizer.step()
            losses.append(loss.item())
    with ad.no_grad():
        final = nn.functional.cross_entropy(model(ad.tensor(features)), ad.tensor(labels))
    return np.array(losses), final.item()


runs = {name: train_linear(size) for name, size in
        [("batch (1797)", len(labels)), ("mini-batch (32)", 32), ("stochastic (1)", 1)]}
for name, (losses, final) in runs.items():
    print(f"{name:16s} {len(losses):5d} updates, full-data loss after 2 epochs {final:.3f}")

batch_final, mini_final = runs["batch (1797)"][1], runs["mini-batch (32)"][1]
assert len(runs["batch (1797)"][0]) == 2 and len(runs["stochastic (1)"][0]) == 2 * 1797
assert mini_final < batch_final            # many cheap noisy steps beat two exact ones
noise = {name: np.std(np.diff(losses)) for name, (losses, _) in runs.items() if len(losses) > 2}
assert noise["stochastic (1)"] > noise["mini-batch (32)"]   # smaller batches, noisier losses

# %% [markdown]
# ## The learning rate: too small, too large
#
# On a quadratic bowl $\mathcal{L} = \tfrac12 \sum_i \lambda_i \theta_i^2$ each coordinate
# shrinks by $(1 - \eta \lambda_i)$ per step. Steps converge only if $|1 - \eta\lambda_i| < 1$
# for every $i$, that is $\eta < 2/\lambda_{\max}$; the flat directions (small $\lambda$)
# then crawl. Our surface, an elongated valley with curvatures $0.1$ and $2$:
#
# $$\mathcal{L}(x, y) = 0.05\, x^2 + y^2 \qquad (\eta_{\max} = 2/2 = 1)$$

# %%
def valley(x, y):
    return 0.05 * x ** 2 + y ** 2


START = [-8.0, 2.0]


def descend(make_optimizer, steps=50, loss_fn=valley):
    """Optimize the point (x, y) itself; return the path, shape (steps + 1, 2)."""
    point = nn.Parameter(ad.tensor(np.array(START)))
    optimizer = make_optimizer([point])
    path = [point.numpy().copy()]
    for _ in range(steps):
        loss = loss_fn(point[0], point[1])
        optimizer.zero_grad()
        loss.backward()
        optimizer.step()
        path.append(point.numpy().copy())
    return np.array(path)


start_loss = valley(*START)
by_lr = {lr: descend(lambda ps, lr=lr: nn.optim.SGD(ps, lr=lr)) for lr in (0.01, 0.5, 1.05)}
for lr, path in by_lr.items():
    print(f"lr {lr:4}: loss {start_loss:.2f} -> {valley(*path[-1]):.3g} after 50 steps")
assert abs(by_lr[0.01][-1][0]) > 0.9 * abs(START[0])    # too small: x has hardly moved
assert valley(*by_lr[0.5][-1]) < 0.1 * start_loss        # about right
assert valley(*by_lr[1.05][-1]) > start_loss             # too large: y oscillates and grows

# %% [markdown]
# ## Momentum, Nesterov, Adagrad, RMSprop, Adam
#
# - **Momentum** accumulates a velocity $v \leftarrow \mu v + g$, $\theta \leftarrow \theta -
#   \eta v$: the steady slope along the valley adds up, the zig-zag across it cancels.
# - **Nesterov** evaluates the gradient where the velocity is about to carry it (look ahead),
#   which damps the overshoot.
# - **Adagrad** divides each coordinate's step by the root of its summed squared gradients,
#   **RMSprop** by a running average of them (so it does not stall), and **Adam** combines
#   that with momentum (and corrects both averages for starting at 0).
#
# The adaptive methods give every coordinate its own step size, so the flat and the steep
# directions move at the same pace. All from `nn.optim` (PyTorch's update rules):

# %%
optimizers = {
    "SGD": lambda ps: nn.optim.SGD(ps, lr=0.1),
    "momentum": lambda ps: nn.optim.SGD(ps, lr=0.1, momentum=0.9),
    "Nesterov": lambda ps: nn.optim.SGD(ps, lr=0.1, momentum=0.9, nesterov=True),
    "Adagrad": lambda ps: nn.optim.Adagrad(ps, lr=1.0),
    "RMSprop": lambda ps: nn.optim.RMSprop(ps, lr=0.1),
    "Adam": lambda ps: nn.optim.Adam(ps, lr=0.5),
}
paths = {name: descend(make) for name, make in optimizers.items()}
final = {name: valley(*path[-1]) for name, path in paths.items()}
for name, value in final.items():
    print(f"{name:9s} loss after 50 steps: {value:.4f}")

# %%
assert all(final[name] < final["SGD"] / 10 for name in optimizers if name != "SGD")
gradient = np.array([0.1 * START[0], 2 * START[1]])               # (-0.8, 4): 5x apart
first_sgd = paths["SGD"][1] - paths["SGD"][0]
assert np.allclose(first_sgd, -0.1 * gradient)                     # SGD: proportional to g
for name in ("Adagrad", "RMSprop", "Adam"):                        # adaptive: equal in x and y
    step = paths[name][1] - paths[name][0]
    assert np.isclose(abs(step[0]), abs(step[1]), rtol=1e-4), (name, step)

figure = ad.viz.plot_optimizer_paths(valley, paths, minimum=(0.0, 0.0), xlim=(-9, 9),
                                     ylim=(-3, 3))
ad.viz.show(figure, "07_gradient_descent.png", dpi=40)

# %% [markdown]
# ## Train, validation and test
#
# A learning rate, a network size, an optimizer: every choice we make by looking at results is
# fitted to the data we looked at. So the data is split three ways:
#
# - **train**: the gradients come from here;
# - **validation**: compare settings and stop early, never train on it;
# - **test**: touched once, at the very end, for an honest estimate. Choosing anything by
#   the test score turns it into a second validation set and its number into an optimistic
#   guess.
#
# `train_val_test_split` is seeded and stratified (every class keeps its share in each part).

# %%
train, val, test = data.train_val_test_split(images, labels, val=0.1, test=0.2, seed=0)
print(f"train {len(train)}, validation {len(val)}, test {len(test)}")
assert len(train) + len(val) + len(test) == len(labels)
for part in (train, val, test):
    shares = np.bincount(part.tensors[1], minlength=10) / len(part)
    assert np.abs(shares - np.bincount(labels) / len(labels)).max() < 0.01


def fit_and_validate(lr):
    nn.manual_seed(0)
    model = nn.models.mlp(64, hidden=(32,), num_classes=10)
    nn.fit(model, nn.functional.cross_entropy, nn.optim.Adam(model.parameters(), lr=lr),
           data.DataLoader(train, 32, shuffle=True, seed=0), epochs=3, progress=False)
    return model, nn.evaluate(model, data.DataLoader(val, 256)).accuracy


candidates = {lr: fit_and_validate(lr) for lr in (1e-4, 1e-3, 1e-2)}
for lr, (_, accuracy) in candidates.items():
    print(f"lr {lr:g}: validation accuracy {accuracy:.1%}")
best_lr = max(candidates, key=lambda lr: candidates[lr][1])
best_model, best_val = candidates[best_lr]
test_accuracy = nn.evaluate(best_model, data.DataLoader(test, 256)).accuracy   # once, at the end
print(f"chosen lr {best_lr:g}; test accuracy {test_accuracy:.1%}")
assert best_lr != 1e-4 and test_accuracy > 0.85

# %% [markdown]
# ## What to remember
#
# - Mini-batches trade a little gradient noise for many more updates per epoch.
# - The learning rate must stay below $2/\lambda_{\max}$; ill-conditioned valleys then
#   crawl along their flat directions.
# - Momentum accumulates speed along the valley; Adagrad, RMSprop and Adam rescale each
#   coordinate; Adam does both.
# - Choose settings on the validation set; look at the test set once.
