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
# # 5. Initialisation
#
# Gradient descent starts from the initial weights, and a bad start can make a network
# untrainable before the first step. Two things must go right:
#
# 1. **break the symmetry**: units that start equal get equal gradients and stay equal;
# 2. **keep the signal's scale**: through many layers, activations (and gradients) should
#    neither shrink to zero nor blow up.

# %%
import numpy as np

import autodiff as ad
import nn
from nn import data

x, y = data.spirals(300, classes=3, seed=0)
loader = data.DataLoader((x, y), batch_size=300)

# %% [markdown]
# ## All zeros: nothing ever moves
#
# With zero weights every hidden unit outputs $\tanh(0) = 0$. The gradient of a weight is
# (upstream) × (its input): the output layer's inputs are all 0, and the hidden layer's
# upstream passes through the output weights, also 0. Only the last bias learns.

# %%
def small_mlp(fill):
    nn.manual_seed(0)
    model = nn.Sequential(nn.Linear(2, 16), nn.Tanh(), nn.Linear(16, 3))
    if fill is not None:
        for p in model.parameters():
            nn.init.constant_(p, fill)
    return model


def train(model, epochs=200):
    optimizer = nn.optim.SGD(model.parameters(), lr=0.5)
    nn.fit(model, nn.functional.cross_entropy, optimizer, loader, epochs=epochs, progress=False)
    return nn.evaluate(model, loader).accuracy


zeros = small_mlp(0.0)
zeros_accuracy = train(zeros)
W1, W2 = zeros[0].weight.numpy(), zeros[2].weight.numpy()
print(f"all zeros: accuracy {zeros_accuracy:.0%}; |W1| = {np.abs(W1).max()}, "
      f"|W2| = {np.abs(W2).max()}")
assert not W1.any() and not W2.any() and not zeros[0].bias.numpy().any()

# %% [markdown]
# ## All ones: sixteen copies of one neuron
#
# With equal non-zero weights the gradients are no longer zero, but every hidden unit
# computes the same function and receives the same gradient, so after any number of steps
# all rows of $W_1$ are still identical: the layer has the power of a single unit.

# %%
ones = small_mlp(1.0)
ones_accuracy = train(ones)
W1 = ones[0].weight.numpy()
print(f"all ones: accuracy {ones_accuracy:.0%}; W1 moved by {np.abs(W1 - 1).max():.3f}, "
      f"spread between its rows {np.ptp(W1, axis=0).max():.1e}")
assert np.abs(W1 - 1).max() > 0.01                  # it did learn something...
assert np.allclose(W1, W1[0], atol=1e-6)            # ...but every unit learned the same

random_start = small_mlp(None)                      # PyTorch's default: uniform(±1/sqrt(fan_in))
random_accuracy = train(random_start)
print(f"random: accuracy {random_accuracy:.0%}")
assert random_accuracy > max(zeros_accuracy, ones_accuracy) + 0.1

# %% [markdown]
# ## Keeping the scale: Xavier and He
#
# A unit sums $n_\text{in}$ products $w_i x_i$. With independent zero-mean weights and inputs,
#
# $$\operatorname{Var}(z) = n_\text{in} \operatorname{Var}(w) \operatorname{Var}(x).$$
#
# To keep the variance from layer to layer we need $\operatorname{Var}(w) = 1/n_\text{in}$.
#
# - **Xavier / Glorot** (2010) balances the forward and backward passes:
#   $\operatorname{Var}(w) = 2 / (n_\text{in} + n_\text{out})$; right for tanh and sigmoid,
#   which are linear near 0.
# - **He / Kaiming** (2015): ReLU zeroes half its inputs, halving the variance, so it needs
#   twice as much: $\operatorname{Var}(w) = 2 / n_\text{in}$.
#
# Send 1000 random inputs through ten layers of 256 units and watch the spread of the
# activations, layer by layer.

# %%
def activation_stds(activation, init, depth=10, width=256):
    nn.manual_seed(0)
    h = ad.tensor(np.random.default_rng(0).normal(size=(1000, width)).astype(np.float32))
    stds, layers = [], []
    for _ in range(depth):
        layer = nn.Linear(width, width, bias=False)
        init(layer.weight)
        layers.append(layer)
        with ad.no_grad():
            h = activation(layer(h))
        stds.append(float(h.numpy().std()))
    return np.array(stds), h.numpy()


experiments = {
    "tanh, N(0, 0.01²)": (ad.tanh, lambda w: nn.init.normal_(w, 0.0, 0.01)),
    "tanh, N(0, 1)": (ad.tanh, lambda w: nn.init.normal_(w, 0.0, 1.0)),
    "tanh, Xavier": (ad.tanh, nn.init.xavier_normal_),
    "ReLU, Xavier": (ad.relu, nn.init.xavier_normal_),
    "ReLU, He": (ad.relu, lambda w: nn.init.kaiming_normal_(w, nonlinearity="relu")),
}
stds, last = {}, {}
for name, (activation, init) in experiments.items():
    stds[name], last[name] = activation_stds(activation, init)
    print(f"{name:18s} std per layer: {np.array2string(stds[name], precision=3)}")

# %% [markdown]
# What the numbers say:

# %%
assert stds["tanh, N(0, 0.01²)"][-1] < 1e-6                  # too small: the signal dies
saturated = np.mean(np.abs(last["tanh, N(0, 1)"]) > 0.99)
assert saturated > 0.5                                         # too large: tanh saturates,
print(f"N(0, 1): {saturated:.0%} of the last layer's tanh units sit at ±1 (gradient ≈ 0)")
assert 0.1 < stds["tanh, Xavier"][-1] < 1        # Xavier: tanh shrinks slowly, stays alive
ratio_xavier = stds["ReLU, Xavier"][-1] / stds["ReLU, Xavier"][0]
ratio_he = stds["ReLU, He"][-1] / stds["ReLU, He"][0]
print(f"ReLU, 10 layers: std shrinks x{ratio_xavier:.3f} with Xavier, x{ratio_he:.2f} with He")
assert ratio_xavier < 0.1                                      # about (1/sqrt 2)^9
assert 0.5 < ratio_he < 2                                      # He keeps ReLU's scale

# %%
figure = ad.viz.figure(figsize=(10, 3.6))
left, right = figure.subplots(1, 2)
for name, values in stds.items():
    left.plot(np.arange(1, 11), values, "o-", label=name, markersize=3)
left.set(yscale="log", xlabel="layer", ylabel="std of activations",
         title="activations through 10 layers")
left.legend(fontsize=8)
for name in ("tanh, N(0, 0.01²)", "tanh, N(0, 1)", "tanh, Xavier"):
    right.hist(last[name].ravel(), bins=60, range=(-1, 1), histtype="step", label=name,
               density=True)
right.set(xlabel="activation at layer 10", ylabel="density", title="tanh units at layer 10",
          yscale="log")
right.legend(fontsize=8)
ad.viz.show(figure, "05_initialisation.png")

# %% [markdown]
# `nn.init` follows PyTorch's formulas (and `calculate_gain`: 5/3 for tanh, $\sqrt 2$ for
# ReLU, which is how `xavier_normal_(w, gain=calculate_gain("relu"))` turns Xavier into He
# when $n_\text{in} = n_\text{out}$). Check the variances directly:

# %%
w = nn.Linear(400, 100).weight
nn.init.xavier_normal_(w)
assert abs(w.numpy().var() / (2 / (400 + 100)) - 1) < 0.05
nn.init.kaiming_normal_(w, nonlinearity="relu")
assert abs(w.numpy().var() / (2 / 400) - 1) < 0.05
assert np.isclose(nn.init.calculate_gain("tanh"), 5 / 3)

# %% [markdown]
# ## What to remember
#
# - Constant initialisation (zeros or ones) never breaks the symmetry between units.
# - Too small and the signal vanishes; too large and saturating units stop passing gradients.
# - Xavier ($2/(n_\text{in}+n_\text{out})$) for tanh/sigmoid, He ($2/n_\text{in}$) for ReLU
#   keep the activations at the same scale through depth.
