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
# # 3. Neurons, perceptrons and the XOR problem
#
# An artificial neuron weighs its inputs, adds a bias and applies an activation function:
#
# $$y = f(w^\top x + b)$$
#
# Rosenblatt's **perceptron** (1958) uses the Heaviside step $f(z) = 1$ if $z > 0$ else $0$,
# and learns with a rule that needs no derivatives: for each example,
#
# $$w \leftarrow w + \eta\,(y - \hat y)\,x, \qquad b \leftarrow b + \eta\,(y - \hat y).$$
#
# Nothing changes on a correct answer; a wrong one moves the line towards the example. If a
# straight line separates the two classes, the rule provably finds one.

# %%
import numpy as np

import autodiff as ad
import nn
from nn import data

x, y_xor = data.xor()                        # the four corners of the unit square
y_and = (x.sum(axis=1) == 2).astype(np.int64)
y_or = (x.sum(axis=1) >= 1).astype(np.int64)
print(np.column_stack([x, y_and, y_or, y_xor]))

# %% [markdown]
# ## The perceptron learning rule

# %%
def train_perceptron(x, y, epochs=50, lr=1.0):
    """Rosenblatt's rule, one example at a time. Returns (w, b, errors per epoch, cycled):
    the rule is deterministic, so meeting the same (w, b) twice at the start of an epoch
    means it will loop forever."""
    w, b = np.zeros(2), 0.0
    errors, seen = [], set()
    for _ in range(epochs):
        predictions = ad.step(ad.tensor(x @ w + b)).numpy()
        errors.append(int((predictions != y).sum()))
        if errors[-1] == 0:
            return w, b, errors, False
        state = (*w.tolist(), b)
        if state in seen:
            return w, b, errors, True
        seen.add(state)
        for xi, yi in zip(x, y):
            y_hat = ad.step(ad.tensor(xi @ w + b)).item()
            w = w + lr * (yi - y_hat) * xi
            b = b + lr * (yi - y_hat)
    return w, b, errors, False


for name, labels in [("AND", y_and), ("OR", y_or)]:
    w, b, errors, cycled = train_perceptron(x, labels)
    print(f"{name}: w={w}, b={b}, errors per epoch {errors}")
    assert errors[-1] == 0 and not cycled

# %% [markdown]
# ## XOR: no line can do it
#
# XOR is 1 when exactly one input is 1. Suppose a line $w_1 x_1 + w_2 x_2 + b$ separated it:
#
# - $(0,0) \mapsto 0$ and $(1,1) \mapsto 0$ need $b \le 0$ and $w_1 + w_2 + b \le 0$;
#   adding them, $w_1 + w_2 + 2b \le 0$.
# - $(1,0) \mapsto 1$ and $(0,1) \mapsto 1$ need $w_1 + b > 0$ and $w_2 + b > 0$; adding
#   them, $w_1 + w_2 + 2b > 0$.
#
# A contradiction (Minsky and Papert, 1969). The perceptron rule never settles: it comes back
# to a state it has already been in, and from there repeats itself forever.

# %%
w, b, errors, cycled = train_perceptron(x, y_xor)
print(f"XOR: errors per epoch {errors}, cycled: {cycled}")
assert cycled and min(errors) >= 1

# %% [markdown]
# Gradient descent cannot save a single layer either. A single linear layer with two class
# scores and softmax (the same model as one logistic neuron $\sigma(w^\top x + b)$), trained
# on the cross-entropy, draws one straight line, so it gets at best 3 of the 4 points:

# %%
nn.manual_seed(0)
single = nn.Linear(2, 2)                    # one layer: two class scores, no hidden units
optimizer = nn.optim.Adam(single.parameters(), lr=0.1)
inputs, targets = ad.tensor(x), ad.tensor(y_xor)
for _ in range(300):
    loss = nn.functional.cross_entropy(single(inputs), targets)
    optimizer.zero_grad()
    loss.backward()
    optimizer.step()
single_accuracy = float((single(inputs).argmax(dim=1).numpy() == y_xor).mean())
print(f"one layer on XOR: accuracy {single_accuracy:.0%}, loss {loss.item():.3f}")
assert single_accuracy <= 0.75

# %% [markdown]
# ## A hidden layer solves it
#
# One hidden layer bends the space: the hidden units compute features (such as OR and AND)
# in which XOR *is* linearly separable. This time we train with `nn.fit`, the loop of every
# later tutorial (forward, loss, `zero_grad`, `backward`, `step`).

# %%
nn.manual_seed(0)
mlp = nn.Sequential(nn.Linear(2, 8), nn.Tanh(), nn.Linear(8, 2))
loader = data.DataLoader((x, y_xor), batch_size=4, shuffle=True, seed=0)
history = nn.fit(mlp, nn.functional.cross_entropy, nn.optim.Adam(mlp.parameters(), lr=0.05),
                 loader, epochs=300, progress=False)
result = nn.evaluate(mlp, loader)
print(f"MLP 2-8-2 on XOR: accuracy {result.accuracy:.0%}, final loss "
      f"{history.metrics['loss'][-1]:.4f}")
assert result.accuracy == 1.0

# %% [markdown]
# ## Activation functions and their derivatives
#
# Backpropagation multiplies by the activation's derivative at every layer, so its shape
# matters. The step's derivative is 0 almost everywhere: no gradient flows through it, which
# is why the perceptron needed its own rule and why networks trained by gradient descent use
# smooth or piecewise-linear activations instead.
#
# | activation | $f(z)$ | $f'(z)$ |
# |---|---|---|
# | sigmoid | $1/(1+e^{-z})$ | $\sigma(z)(1-\sigma(z)) \le 1/4$ |
# | tanh | $\tanh z$ | $1 - \tanh^2 z \le 1$ |
# | ReLU | $\max(0, z)$ | $1$ if $z>0$ else $0$ |
# | leaky ReLU | $\max(0.01 z, z)$ | $1$ or $0.01$ |
# | step | $[z > 0]$ | $0$ |
#
# One backward pass of `f(z).sum()` gives every $f'(z_i)$ at once (each output depends on
# its own input only). The engine declares the step not differentiable, like a comparison:
# its output does not require a gradient at all.

# %%
z = np.linspace(-5, 5, 401)
activations = {"sigmoid": ad.sigmoid, "tanh": ad.tanh, "ReLU": ad.relu,
               "leaky ReLU": lambda t: ad.leaky_relu(t, 0.01), "step": ad.step}
values, slopes = {}, {}
for name, fn in activations.items():
    zt = ad.tensor(z, requires_grad=True)
    out = fn(zt)
    if out.requires_grad:
        out.sum().backward()
        slopes[name] = zt.grad.numpy()
    else:                       # the step is recorded as not differentiable: no gradient flows
        slopes[name] = np.zeros_like(z)
    values[name] = out.numpy()

s = values["sigmoid"]
assert np.allclose(slopes["sigmoid"], s * (1 - s)) and np.isclose(slopes["sigmoid"].max(), 0.25)
assert np.allclose(slopes["tanh"], 1 - values["tanh"] ** 2) and np.isclose(slopes["tanh"].max(), 1)
assert (slopes["ReLU"][z > 0] == 1).all() and (slopes["ReLU"][z < 0] == 0).all()
assert np.allclose(slopes["leaky ReLU"][z < 0], 0.01)
assert not ad.step(ad.tensor(z, requires_grad=True)).requires_grad

figure = ad.viz.figure(figsize=(12, 4.2))
axes = figure.subplots(2, len(activations), sharex=True)
for k, name in enumerate(activations):
    axes[0, k].plot(z, values[name], color="tab:blue")
    axes[0, k].set_title(name)
    axes[1, k].plot(z, slopes[name], color="tab:red")
    for ax in axes[:, k]:
        ax.axhline(0, color="grey", linewidth=0.5)
        ax.grid(alpha=0.3)
axes[0, 0].set_ylabel("f(z)")
axes[1, 0].set_ylabel("f'(z) by backward()")
for ax in axes[1]:
    ax.set_xlabel("z")
ad.viz.show(figure, "03_perceptrons_and_xor.png")

# %% [markdown]
# ## The decision regions
#
# The single layer draws one straight line; the MLP carves out the two XOR corners.

# %%
grid = np.stack(np.meshgrid(np.linspace(-0.5, 1.5, 81), np.linspace(-0.5, 1.5, 81)), -1)
points = ad.tensor(grid.reshape(-1, 2).astype(np.float32))
with ad.no_grad():
    regions = {"one layer": single(points).argmax(dim=1).numpy(),
               "MLP 2-8-2": mlp(points).argmax(dim=1).numpy()}
regions_figure = ad.viz.figure(figsize=(7, 3.2))
for ax, (name, region) in zip(regions_figure.subplots(1, 2), regions.items()):
    ax.contourf(grid[..., 0], grid[..., 1], region.reshape(81, 81), levels=[-0.5, 0.5, 1.5],
                cmap="coolwarm", alpha=0.4)
    ax.scatter(x[:, 0], x[:, 1], c=y_xor, cmap="coolwarm", edgecolors="black", s=80)
    ax.set_title(name)
ad.viz.show(regions_figure, "03_decision_regions.png")

# %% [markdown]
# ## What to remember
#
# - A perceptron is a linear threshold unit; its rule converges when the data is linearly
#   separable (AND, OR) and cycles forever when it is not (XOR).
# - One hidden layer with a non-linear activation makes XOR separable.
# - The activation's derivative is a factor in every gradient: sigmoid's is at most 1/4,
#   tanh's at most 1, ReLU's exactly 1 for positive inputs, and the step's is 0.
