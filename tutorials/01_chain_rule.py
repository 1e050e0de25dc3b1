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
# # 1. Computational graphs and the chain rule
#
# A neural network is a long composition of simple functions. To train it we need the
# derivative of one number (the loss) with respect to every parameter. Backpropagation gets
# all of them in one backward sweep over the **computational graph**, applying one rule at
# every edge:
#
# $$\underbrace{\frac{\partial L}{\partial x}}_{\text{downstream}}
#   = \underbrace{\frac{\partial L}{\partial y}}_{\text{upstream}} \cdot
#     \underbrace{\frac{\partial y}{\partial x}}_{\text{local}}$$
#
# Each node only needs to know its own *local* derivative; the *upstream* gradient arrives
# from the nodes after it. We follow one small neuron through it:
#
# $$L = \sigma(w_0 x_0 + w_1 x_1 + w_2), \qquad \sigma(z) = \frac{1}{1 + e^{-z}}$$
#
# at $w_0 = 2,\ x_0 = -1,\ w_1 = -3,\ x_1 = -2,\ w_2 = -3$: first by hand, then with
# `ad.derive`, then as a picture.

# %%
import math

import numpy as np
import sympy

import autodiff as ad

AT = {"w0": 2.0, "x0": -1.0, "w1": -3.0, "x1": -2.0, "w2": -3.0}

# %% [markdown]
# ## By hand: the forward pass
#
# Name every intermediate value, from the inputs to the output.

# %%
w0, x0, w1, x1, w2 = AT.values()
v1 = w0 * x0                    # -2
v2 = w1 * x1                    #  6
v3 = v1 + v2                    #  4
v4 = v3 + w2                    #  1
L = 1 / (1 + math.exp(-v4))     #  sigma(1)
print(f"v1={v1} v2={v2} v3={v3} v4={v4} L={L:.4f}")
assert round(L, 2) == 0.73

# %% [markdown]
# ## By hand: the backward pass
#
# Start at the output. The derivative of the loss with respect to itself is
# $\partial L / \partial L = 1$: **the upstream gradient at the loss is 1**. Then walk back,
# multiplying by each node's local derivative:
#
# | node | local derivative |
# |---|---|
# | $L = \sigma(v_4)$ | $\sigma(v_4)(1 - \sigma(v_4)) = L(1 - L)$ |
# | $v = a + b$ | $\partial v/\partial a = \partial v/\partial b = 1$: an add *distributes* the gradient |
# | $v = a \cdot b$ | $\partial v/\partial a = b,\ \partial v/\partial b = a$: a multiply *swaps* the inputs |

# %%
dL_dL = 1.0                              # the seed
dL_dv4 = dL_dL * L * (1 - L)             # sigmoid: upstream x L(1 - L)
dL_dv3 = dL_dv4 * 1.0                    # add: upstream x 1
dL_dw2 = dL_dv4 * 1.0
dL_dv1 = dL_dv3 * 1.0
dL_dv2 = dL_dv3 * 1.0
dL_dw0, dL_dx0 = dL_dv1 * x0, dL_dv1 * w0    # multiply: upstream x the other input
dL_dw1, dL_dx1 = dL_dv2 * x1, dL_dv2 * w1
by_hand = {"w0": dL_dw0, "x0": dL_dx0, "w1": dL_dw1, "x1": dL_dx1, "w2": dL_dw2}
for name, value in by_hand.items():
    print(f"dL/d{name} = {value:+.4f}")

expected = {"w0": -0.20, "x0": 0.39, "w1": -0.39, "x1": -0.59, "w2": 0.20}
assert all(round(by_hand[k], 2) == v for k, v in expected.items())

# %% [markdown]
# ## The same with tensors
#
# `ad.tensor(..., requires_grad=True)` records every operation; `backward()` runs the very
# sweep we just did and leaves each gradient in `.grad`.

# %%
leaves = {name: ad.tensor(value, requires_grad=True) for name, value in AT.items()}
t = leaves
out = ad.sigmoid(t["w0"] * t["x0"] + t["w1"] * t["x1"] + t["w2"])
out.backward()
for name, leaf in leaves.items():
    print(f"dL/d{name} = {leaf.grad.item():+.4f}")
    assert abs(leaf.grad.item() - by_hand[name]) < 1e-6
assert abs(out.item() - L) < 1e-6

# %% [markdown]
# ## The same in algebra: `ad.derive`
#
# Build the graph from **symbols** instead of numbers. `ad.derive` walks the same graph and
# writes each step out as `downstream = upstream × local`, in exact SymPy algebra, with the
# local derivative read from the op's own rule (the same rule the numeric engine runs).

# %%
s_w0, s_x0, s_w1, s_x1, s_w2 = ad.symbols("w0 x0 w1 x1 w2")
L_sym = ad.sigmoid(s_w0 * s_x0 + s_w1 * s_x1 + s_w2)
derivation = ad.derive(L_sym)
print(derivation.text())

# %% [markdown]
# Every line holds the chain rule, and the first upstream is exactly 1:

# %%
first = derivation.steps[0]
assert first.op == "sigmoid" and first.upstream == 1
L_node = sympy.Symbol("L", real=True)      # ad.symbols makes real symbols
assert sympy.expand(first.local_form - L_node * (1 - L_node)) == 0
assert all(step.verify() for step in derivation.steps)      # downstream == upstream x local

# and the gradients agree with differentiating the formula directly
formula = derivation.value
for name in AT:
    symbol = sympy.Symbol(name, real=True)
    assert sympy.simplify(derivation.gradients[symbol] - sympy.diff(formula, symbol)) == 0
derivation.gradients[s_w0]

# %% [markdown]
# With numbers in every step (`.at`), the derivation reproduces the table we made by hand:

# %%
at_numbers = derivation.at(AT)
print(at_numbers.text())
for name, value in at_numbers.gradients.by_name().items():
    assert abs(float(value) - by_hand[name]) < 1e-12
assert round(float(at_numbers.value), 2) == 0.73

# %% [markdown]
# ## Fan-out: gradients add up
#
# When a value feeds several consumers, each sends a gradient back to it, and the
# multivariable chain rule **sums** them:
# $\frac{\partial L}{\partial x} = \sum_c \frac{\partial L}{\partial y_c}
# \frac{\partial y_c}{\partial x}$. In $f = x y + x$, the input $x$ is used twice, so
# $\partial f / \partial x = y + 1$; the derivation shows that sum as its own step.

# %%
x, y = ad.symbols("x y")
fan_out = ad.derive(x * y + x)
sum_step = [step for step in fan_out.steps if step.kind == "sum"]
print(fan_out.text())
assert len(sum_step) == 1 and sum_step[0].node_name == "x"
assert sum_step[0].sources == ("L", "v1")        # one contribution from each consumer
assert sympy.simplify(fan_out.gradients[x] - (sympy.Symbol("y", real=True) + 1)) == 0

# numerically too: the engine accumulates, it does not overwrite
xt = ad.tensor(3.0, requires_grad=True)
yt = ad.tensor(5.0, requires_grad=True)
(xt * yt + xt).backward()
assert xt.grad.item() == 5.0 + 1.0

# %% [markdown]
# ## The picture
#
# `ad.draw` draws the graph with each value (black) and its gradient $\partial L/\partial
# \cdot$ (red); each edge carries its local derivative. `ad.draw_steps` makes one frame per
# backward step, the current edge highlighted, for stepping through in class.

# %%
graph = ad.draw(L_sym, at={s_w0: 2, s_x0: -1, s_w1: -3, s_x1: -2, s_w2: -3})
graph.write(ad.viz.output_path("sigmoid_graph.svg"))        # every file goes to one folder
frames = ad.draw_steps(at_numbers, ad.viz.output_path("frames"), gif=False)
assert len(frames) == len(at_numbers.steps) == 9
ad.viz.show(graph, "01_chain_rule.png")

# %% [markdown]
# ## Your turn: write a layer's backward pass
#
# Every op the engine knows is a forward plus a rule `downstream = upstream × local`. You can
# add your own with `ad.autograd.Function` (PyTorch's API, so the same class runs on
# `torch.autograd.Function`): `forward` computes the output and saves what the backward will
# need; `backward` receives the upstream gradient $\bar{y}$ and returns one downstream
# gradient per input. For a dense layer $y = x W^\top + b$ (a batch of rows $x$):
#
# $$\bar{x} = \bar{y}\, W, \qquad \bar{W} = \bar{y}^\top x, \qquad
#   \bar{b} = \textstyle\sum_{\text{rows}} \bar{y}$$

# %%
class Dense(ad.autograd.Function):
    @staticmethod
    def forward(ctx, x, w, b):
        ctx.save_for_backward(x, w)
        return x @ w.T + b

    @staticmethod
    def backward(ctx, g):
        x, w = ctx.saved_tensors
        return g @ w, g.T @ x, g.sum(axis=0)


rng = np.random.default_rng(0)
x_batch, w_dense, b_dense = rng.standard_normal((4, 3)), rng.standard_normal((2, 3)), np.zeros(2)
assert ad.gradcheck(Dense.apply, [x_batch, w_dense, b_dense])   # your rule vs finite differences

# %% [markdown]
# `gradcheck` compares your backward with finite differences and names the worst element
# when they disagree. A common slip, forgetting the transpose in $\bar{W}$, is caught:

# %%
class DenseWrong(Dense):
    @staticmethod
    def backward(ctx, g):
        x, w = ctx.saved_tensors
        return g @ w, (g.T @ x) * 0.5, g.sum(axis=0)


try:
    ad.gradcheck(DenseWrong.apply, [x_batch, w_dense, b_dense])
    raise AssertionError("gradcheck should have failed")
except ad.GradcheckError as error:
    print(error)

# %% [markdown]
# Your op is a first-class node: it trains like a built-in, and the picture shows it as one
# op named after your class.

# %%
xs = ad.tensor(x_batch, name="x")
ws = ad.tensor(w_dense, requires_grad=True, name="W")
bs = ad.tensor(b_dense, requires_grad=True, name="b")
loss = (Dense.apply(xs, ws, bs) ** 2).sum()
loss.backward()
assert np.allclose(ws.grad.numpy(), 2 * (x_batch @ w_dense.T).T @ x_batch)
assert "Dense" in ad.draw(loss).source      # drawn after backward: the gradients it computed

# %% [markdown]
# ## What to remember
#
# - Backpropagation is the chain rule applied edge by edge: downstream = upstream × local.
# - It starts from $\partial L/\partial L = 1$ and needs one backward sweep for *all*
#   gradients.
# - An add distributes the gradient, a multiply swaps its inputs, a sigmoid scales by
#   $\sigma(1 - \sigma)$.
# - A value used several times receives the **sum** of its consumers' gradients.
# - Your own op is a forward and a backward (`ad.autograd.Function`); `ad.gradcheck` tells you
#   whether the backward is right.
