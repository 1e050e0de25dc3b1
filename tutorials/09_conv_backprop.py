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
# # 9. Backpropagation through a convolution
#
# A convolution is just many multiply-adds sharing the same weights, so its backward pass
# needs nothing new: the chain rule, plus **fan-out sums** (tutorial 1) for every weight used
# in several places. Let us derive it in algebra on the smallest interesting case, a
# $3 \times 3$ input $X$ and a $2 \times 2$ kernel $K$, giving a $2 \times 2$ output:
#
# $$Y(r, c) = \sum_{a, b} X(r + a,\, c + b)\, K(a, b)$$
#
# The rest of the network sends back the upstream gradient $\bar Y = \partial L / \partial Y$;
# we want $\bar K = \partial L / \partial K$ (to learn) and $\bar X = \partial L / \partial X$
# (to keep backpropagating).

# %%
import numpy as np
import sympy

import autodiff as ad

X = ad.symbols("X", shape=(3, 3))        # elements X_0_0 ... X_2_2
K = ad.symbols("K", shape=(2, 2))
Y = ad.conv2d(X.reshape((1, 1, 3, 3)), K.reshape((1, 1, 2, 2))).reshape((2, 2))
derivation = ad.derive(Y)                # the upstream gradient is seeded with symbols Ybar_r_c
print(derivation.value)

# %% [markdown]
# The derivation has one chain step per input of the convolution (plus the reshapes around
# it), each with the op's own rule; `derivation.text()` prints them all in full.

# %%
conv_steps = [step for step in derivation.steps if step.op == "conv2d"]
for step in conv_steps:
    print(f"{step.node_name} -> {step.input_name}: {step.rule}")
assert len(conv_steps) == 2

# %%
x_sym = np.array(X.array)                 # the SymPy symbols, as arrays we can index
k_sym = np.array(K.array)
y_bar = derivation.seed                  # Ybar_0_0 ... Ybar_1_1
y_expr = np.array(derivation.value.tolist())

# %% [markdown]
# ## The local derivative: $\partial Y(r,c) / \partial K(a,b) = X(r+a, c+b)$
#
# Each output is linear in the kernel, and the coefficient of $K(a, b)$ in $Y(r, c)$ is the
# input pixel under it.

# %%
for r in range(2):
    for c in range(2):
        for a in range(2):
            for b in range(2):
                assert sympy.diff(y_expr[r, c], k_sym[a, b]) == x_sym[r + a, c + b]
                assert sympy.diff(y_expr[r, c], x_sym[r + a, c + b]) == k_sym[a, b]

kernel_step = next(step for step in conv_steps if step.index == 1)   # conv2d(x, weight)
local = np.array(kernel_step.local.tolist()).reshape(2, 2, 2, 2)   # [r, c, a, b]
assert all(local[r, c, a, b] == x_sym[r + a, c + b]
           for r in range(2) for c in range(2) for a in range(2) for b in range(2))

# %% [markdown]
# ## The kernel's gradient: a sum over the positions it was used
#
# $K(a, b)$ was used at all four output positions, so its gradient adds four contributions:
#
# $$\bar K(a, b) = \sum_{r, c} \bar Y(r, c)\, X(r + a,\, c + b)$$
#
# which is itself a cross-correlation: of the input with the upstream gradient,
# $\bar K = X \star \bar Y$.

# %%
K_bar = np.array(derivation.gradients[K].tolist())
for a in range(2):
    for b in range(2):
        by_formula = sum(y_bar[r, c] * x_sym[r + a, c + b] for r in range(2) for c in range(2))
        assert sympy.expand(K_bar[a, b] - by_formula) == 0
        assert len(sympy.Add.make_args(sympy.expand(K_bar[a, b]))) == 4     # four shared uses
print("dL/dK(0,0) =", K_bar[0, 0])

# %% [markdown]
# ## The input's gradient: a full convolution with the flipped kernel
#
# $X(i, j)$ meets $K(a, b)$ in output $(i - a, j - b)$ whenever that position exists:
#
# $$\bar X(i, j) = \sum_{a, b} \bar Y(i - a,\, j - b)\, K(a, b)$$
#
# That is the forward pass's own sliding dot product again, "full" (on $\bar Y$ zero-padded
# by $F - 1$ so every overlap counts) and with the kernel flipped upside down and left to
# right: $\bar X = \bar Y \ast_{\text{full}} \operatorname{flip}(K)$, the rule the engine
# printed above. Corner pixels touch one output, edges two, the centre four.

# %%
X_bar = np.array(derivation.gradients[X].tolist())
padded = ad.pad(ad.tensor(y_bar).reshape((1, 1, 2, 2)), ((0, 0), (0, 0), (1, 1), (1, 1)))
flipped = K[::-1, ::-1].reshape((1, 1, 2, 2))
full = np.array(ad.conv2d(padded, flipped).array).reshape(3, 3)
assert all(sympy.expand(X_bar[i, j] - full[i, j]) == 0 for i in range(3) for j in range(3))
terms = np.array([[len(sympy.Add.make_args(sympy.expand(X_bar[i, j]))) for j in range(3)]
                  for i in range(3)])
print("terms in each dL/dX(i, j):\n", terms)
assert (terms == [[1, 2, 1], [2, 4, 2], [1, 2, 1]]).all()

# %% [markdown]
# ## The same with numbers
#
# The numeric engine runs the same rules. Take $L = \sum_{r,c} G(r,c)\,Y(r,c)$, so that
# $\bar Y = G$, and compare its gradients with the two formulas written as plain loops.

# %%
rng = np.random.default_rng(0)
x_num = rng.normal(size=(3, 3))
k_num = rng.normal(size=(2, 2))
g_num = rng.normal(size=(2, 2))
x_t = ad.tensor(x_num, requires_grad=True)
k_t = ad.tensor(k_num, requires_grad=True)
y_t = ad.conv2d(x_t.reshape((1, 1, 3, 3)), k_t.reshape((1, 1, 2, 2))).reshape((2, 2))
(y_t * ad.tensor(g_num)).sum().backward()

k_grad = np.zeros((2, 2))
x_grad = np.zeros((3, 3))
for r in range(2):
    for c in range(2):
        k_grad += g_num[r, c] * x_num[r:r + 2, c:c + 2]     # every use of K adds in
        x_grad[r:r + 2, c:c + 2] += g_num[r, c] * k_num     # every output sends back to X
assert np.allclose(k_t.grad.numpy(), k_grad) and np.allclose(x_t.grad.numpy(), x_grad)

values = {s: v for s, v in zip(x_sym.flat, x_num.flat)}
values.update({s: v for s, v in zip(k_sym.flat, k_num.flat)})
values.update({s: v for s, v in zip(y_bar.flat, g_num.flat)})
assert np.allclose([float(e.subs(values)) for e in K_bar.flat], k_grad.ravel())
assert np.allclose([float(e.subs(values)) for e in X_bar.flat], x_grad.ravel())

# %%
def short(expr) -> str:
    """Ybar_1_0*K_0_1 -> Ȳ10·K01, to fit in a cell."""
    text = str(expr).replace("Ybar_", "Ȳ").replace("*", "·").replace(" + ", "+\n")
    for name in ("X_", "K_"):
        text = text.replace(name, name[0])
    return text.replace("_", "")


figure = ad.viz.figure(figsize=(11, 3.8))
left, right = figure.subplots(1, 2, gridspec_kw={"width_ratios": [2, 3]})
for ax, grid, title, shade in (
        (left, K_bar, r"$\bar K = X \star \bar Y$ (4 uses of each weight)", np.full((2, 2), 4)),
        (right, X_bar, r"$\bar X = \bar Y \ast_{full}$ flip$(K)$ (terms per pixel)", terms)):
    ax.imshow(shade, cmap="Blues", vmin=0, vmax=10)
    for (i, j), expr in np.ndenumerate(grid):
        ax.text(j, i, short(expr), ha="center", va="center", fontsize=10)
    ax.set_title(title)
    ax.set_xticks([])
    ax.set_yticks([])
ad.viz.show(figure, "09_conv_backprop.png")

# %% [markdown]
# ## What to remember
#
# - $\partial Y(r,c)/\partial K(a,b) = X(r+a, c+b)$: the local derivative is the input
#   patch under the kernel.
# - A shared weight collects a sum over every position it was used:
#   $\bar K = X \star \bar Y$.
# - The input gradient is a full convolution of the upstream gradient with the flipped
#   kernel: $\bar X = \bar Y \ast_{\text{full}} \operatorname{flip}(K)$. The backward pass
#   of a convolution is a convolution.
