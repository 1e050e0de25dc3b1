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
# # 6. Vanishing and exploding gradients
#
# Backpropagation through $L$ layers multiplies $L$ local Jacobians:
#
# $$\frac{\partial \mathcal{L}}{\partial h_1} = \frac{\partial \mathcal{L}}{\partial h_L}
#   \prod_{l=L-1}^{1} \frac{\partial h_{l+1}}{\partial h_l}, \qquad
#   \frac{\partial h_{l+1}}{\partial h_l} = \operatorname{diag}(f'(z_l))\, W_l .$$
#
# A product of many factors smaller than 1 vanishes; of many factors larger than 1, it
# explodes. The sigmoid's derivative is at most $1/4$, so a deep sigmoid network starves its
# first layers of gradient. Two cures: ReLU (derivative exactly 1 where active) with He
# initialisation, and **residual connections**
# $h_{l+1} = h_l + F(h_l)$, whose Jacobian $I + F'(h_l)$ always contains the identity: a
# "+1 path" along which the gradient flows back untouched.

# %%
import numpy as np

import autodiff as ad
import nn
from nn import data

DEPTH, WIDTH = 20, 64

# %% [markdown]
# ## One number through twenty layers
#
# A chain of scalar layers $h \leftarrow f(w h)$. The derivative of the end with respect to
# the start is the product of the twenty local derivatives $w f'(\cdot)$.

# %%
def chain(f, w):
    def through(h):
        for _ in range(DEPTH):
            h = f(w * h)
        return h
    return through


def identity(h):                                    # a linear layer: no activation
    return h


cases = {"sigmoid, w = 1": chain(ad.sigmoid, 1.0),
         "linear, w = 0.5": chain(identity, 0.5),
         "linear, w = 1.5": chain(identity, 1.5)}
derivatives = {name: ad.grad(f)(ad.tensor(0.0, dtype=ad.float64)).item()
               for name, f in cases.items()}
for name, value in derivatives.items():
    print(f"{name:16s} d h_20 / d h_0 = {value:.3e}")
assert derivatives["sigmoid, w = 1"] < 0.25 ** DEPTH * 1.0001       # each factor <= 1/4
assert np.isclose(derivatives["linear, w = 0.5"], 0.5 ** DEPTH)     # vanishes
assert np.isclose(derivatives["linear, w = 1.5"], 1.5 ** DEPTH)     # explodes: about 3325

# %% [markdown]
# ## Three 20-layer networks on the digits
#
# The same 20 linear layers of width 64 (8x8 digits in, 10 classes out), wired three ways:
#
# 1. sigmoid after every layer, PyTorch's default initialisation;
# 2. ReLU after every layer, He initialisation;
# 3. residual blocks $h + W\sigma(h)$ with the same sigmoid, the ResNet wiring.

# %%
class Residual(nn.Module):
    """h + F(h) with F(h) = Linear(sigmoid(h)): the block's Jacobian is I + F'(h)."""

    def __init__(self, width):
        super().__init__()
        self.act = nn.Sigmoid()
        self.fc = nn.Linear(width, width)

    def forward(self, h):
        return h + self.fc(self.act(h))


def deep_network(kind):
    nn.manual_seed(0)
    layers = [nn.Linear(64, WIDTH)]
    for _ in range(DEPTH - 2):
        if kind == "residual":
            layers.append(Residual(WIDTH))
        else:
            layers += [nn.Sigmoid() if kind == "sigmoid" else nn.ReLU(), nn.Linear(WIDTH, WIDTH)]
    layers += [nn.ReLU() if kind == "relu" else nn.Sigmoid(), nn.Linear(WIDTH, 10)]
    model = nn.Sequential(*layers)
    if kind == "relu":
        for module in model.modules():
            if isinstance(module, nn.Linear):
                nn.init.kaiming_normal_(module.weight, nonlinearity="relu")
                nn.init.zeros_(module.bias)
    return model


names = {"sigmoid": "sigmoid MLP", "relu": "ReLU + He", "residual": "residual (sigmoid)"}
images, labels = data.load_digits()
images = images.reshape(len(images), -1)              # (1797, 64)
batch = ad.tensor(images[:256]), ad.tensor(labels[:256])

# %% [markdown]
# One forward and backward pass on a batch, then the norm of each layer's weight gradient,
# from the first layer (1) to the output layer (20):

# %%
grad_norms = {}
for kind, title in names.items():
    model = deep_network(kind)
    loss = nn.functional.cross_entropy(model(batch[0]), batch[1])
    loss.backward()
    linears = [m for m in model.modules() if isinstance(m, nn.Linear)]
    assert len(linears) == DEPTH
    grad_norms[kind] = np.array([np.linalg.norm(m.weight.grad.numpy()) for m in linears])
    print(f"{title:19s} first layer {grad_norms[kind][0]:.1e}   "
          f"layer 19 {grad_norms[kind][-2]:.1e}   output layer {grad_norms[kind][-1]:.1e}")

# %%
sigmoid, relu, residual = (grad_norms[k] for k in names)
assert sigmoid[0] / sigmoid[-2] < 1e-10        # vanished: sixteen orders of magnitude or so
assert 0.1 < relu[0] / relu[-2] < 10           # ReLU + He: the same scale at every depth
assert 0.1 < residual[0] / residual[-2] < 10   # the +1 path carries the gradient back

figure = ad.viz.figure(figsize=(7, 3.8))
ax = figure.subplots()
for kind, norms in grad_norms.items():
    ax.plot(np.arange(1, DEPTH + 1), norms, "o-", markersize=3, label=names[kind])
ax.set(yscale="log", xlabel="layer (1 = next to the input)", ylabel="‖dL/dW‖ (log scale)",
       title=f"gradient norm per layer, {DEPTH}-layer networks")
ax.grid(alpha=0.3, which="both")
ax.legend()
ad.viz.show(figure, "06_vanishing_gradients.png")

# %% [markdown]
# ## What it does to training
#
# Five epochs of Adam on the digits. `nn.fit(..., grad_norms=True)` records each layer's
# gradient norm every epoch; `ad.viz.plot_grad_norms` draws them.

# %%
loader = data.DataLoader((images, labels), batch_size=64, shuffle=True, seed=0)
histories = {}
for kind, title in names.items():
    model = deep_network(kind)
    histories[kind] = nn.fit(model, nn.functional.cross_entropy,
                             nn.optim.Adam(model.parameters(), lr=1e-3), loader, epochs=5,
                             grad_norms=True, progress=False)
    print(f"{title:19s} training accuracy per epoch "
          f"{np.round(histories[kind].metrics['accuracy'], 2)}")
assert histories["sigmoid"].metrics["accuracy"][-1] < 0.2     # the first layers never learn
assert histories["relu"].metrics["accuracy"][-1] > 0.7
assert histories["residual"].metrics["accuracy"][-1] > 0.6

# %%
ad.viz.show(ad.viz.plot_grad_norms(histories["sigmoid"]), "06_grad_norms.png")

# %% [markdown]
# ## What to remember
#
# - Gradients are products of local derivatives: through depth they shrink or grow
#   geometrically.
# - Sigmoid ($f' \le 1/4$) makes deep networks untrainable; ReLU with He initialisation
#   keeps the gradient's scale.
# - Residual connections add an identity to every block's Jacobian, so the gradient always
#   has a path back to the first layers (this is what lets ResNets reach 100+ layers).
