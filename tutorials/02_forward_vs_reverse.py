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
# # 2. Forward mode versus reverse mode
#
# For $f: \mathbb{R}^n \to \mathbb{R}^m$ all first derivatives form the **Jacobian**
# $J_{ij} = \partial f_i / \partial x_j$, an $m \times n$ matrix. Automatic differentiation
# never builds $J$ by itself; it multiplies it with a vector, one of two ways:
#
# - **forward mode**, a Jacobian-vector product (JVP) $J v$: push a tangent $v$ from the
#   inputs to the outputs alongside the values. One pass gives one *column* of $J$
#   (with $v = e_j$).
# - **reverse mode**, a vector-Jacobian product (VJP) $u^\top J$: pull a cotangent $u$ from
#   the outputs back to the inputs (backpropagation). One pass gives one *row* of $J$.
#
# The whole Jacobian costs $n$ forward passes or $m$ reverse passes. A loss has $m = 1$ and
# millions of inputs: that is why deep learning runs in reverse.

# %%
import time

import numpy as np

import autodiff as ad

rng = np.random.default_rng(0)

# %% [markdown]
# ## A small function and its Jacobian by hand
#
# $$f(x_0, x_1, x_2) = \begin{pmatrix} x_0 x_1 + \sin x_2 \\ x_0^2 e^{x_2} \end{pmatrix},
# \qquad J = \begin{pmatrix} x_1 & x_0 & \cos x_2 \\ 2 x_0 e^{x_2} & 0 & x_0^2 e^{x_2}
# \end{pmatrix}$$

# %%
def f(x):
    return ad.stack([x[0] * x[1] + ad.sin(x[2]), x[0] ** 2 * ad.exp(x[2])])


x = ad.tensor(np.array([1.5, -2.0, 0.5]))        # a float64 NumPy array keeps its dtype
x0, x1, x2 = x.numpy()
J_by_hand = np.array([[x1, x0, np.cos(x2)],
                      [2 * x0 * np.exp(x2), 0.0, x0 ** 2 * np.exp(x2)]])

# %% [markdown]
# ## JVP: one column per forward pass
#
# `ad.jvp(f, primals, tangents)` returns $f(x)$ and $J v$ in one forward sweep (dual numbers:
# every op maps its input tangents to its output tangent with its own local derivative).

# %%
columns = []
for j in range(3):
    e_j = np.eye(3)[j]
    value, column = ad.jvp(f, (x,), (ad.tensor(e_j),))
    columns.append(column.numpy())
J_forward = np.stack(columns, axis=1)
print(J_forward)
assert np.allclose(J_forward, J_by_hand)

# %% [markdown]
# ## VJP: one row per backward pass
#
# `ad.vjp(f, x)` runs $f$ once, keeps its graph, and returns a function that pulls any
# cotangent $u$ back to $u^\top J$.

# %%
value, pull_back = ad.vjp(f, x)
rows = [pull_back(ad.tensor(np.eye(2)[i]))[0].numpy() for i in range(2)]
J_reverse = np.stack(rows)
assert np.allclose(J_reverse, J_by_hand)

# %% [markdown]
# `ad.jacobian(f, mode=...)` does exactly these loops. Both modes give the same matrix; they
# differ only in how much work it takes.

# %%
J_rev = ad.jacobian(f, mode="rev")(x).numpy()
J_fwd = ad.jacobian(f, mode="fwd")(x).numpy()
assert J_rev.shape == J_fwd.shape == (2, 3)
assert np.allclose(J_rev, J_fwd) and np.allclose(J_rev, J_by_hand)

# %% [markdown]
# The two products are *adjoint*: for any $u$ and $v$,
# $\langle u, J v\rangle = \langle J^\top u, v\rangle$. A tangent pushed forward and a
# cotangent pulled back see the same matrix.

# %%
u, v = rng.normal(size=2), rng.normal(size=3)
_, Jv = ad.jvp(f, (x,), (ad.tensor(v),))
uJ = pull_back(ad.tensor(u))[0]
assert np.isclose(u @ Jv.numpy(), uJ.numpy() @ v)

# %% [markdown]
# ## The cost count
#
# A derivation counts its products: one pass multiplies once per non-zero entry of every
# local Jacobian, forward mode needs one pass per input, reverse mode one per output. For the
# neuron of tutorial 1 ($\mathbb{R}^5 \to \mathbb{R}$):

# %%
w0, x0_, w1, x1_, w2 = ad.symbols("w0 x0 w1 x1 w2")
neuron = ad.derive(ad.sigmoid(w0 * x0_ + w1 * x1_ + w2))
cost = neuron.cost()
print(cost)
assert (cost.inputs, cost.outputs) == (5, 1)
assert cost.forward == 5 * cost.per_pass and cost.reverse == cost.per_pass

# %% [markdown]
# Forward mode can still compute one derivative; it pushes $\partial(\cdot)/\partial w_0$
# from $w_0$ to $L$ and reaches the same answer:

# %%
tangent = ad.derive(ad.sigmoid(w0 * x0_ + w1 * x1_ + w2), mode="forward", wrt=w0)
print(tangent.text())
assert (tangent.gradients[w0] - neuron.gradients[w0]).simplify() == 0

# %% [markdown]
# Now grow the number of inputs: a neuron $\sigma(\sum_i w_i x_i)$ with $n$ weights and $n$
# inputs. Reverse mode stays at one pass; forward mode needs $2n$. The opposite shape, one
# input and many outputs, flips the verdict.

# %%
sizes = [1, 2, 4, 8, 16]
forward_cost, reverse_cost = [], []
for n in sizes:
    w = ad.symbols("w", shape=(n,))
    xs = ad.symbols("x", shape=(n,))
    c = ad.derive(ad.sigmoid((w * xs).sum())).cost()
    forward_cost.append(c.forward)
    reverse_cost.append(c.reverse)
    assert c.inputs == 2 * n and c.reverse < c.forward
print("inputs:  ", [2 * n for n in sizes])
print("forward: ", forward_cost)
print("reverse: ", reverse_cost)

t = ad.symbols("t")
curve = ad.derive(ad.stack([ad.sin(t), ad.cos(t), t * t]))      # R -> R^3
print(curve.cost())
assert curve.cost().forward < curve.cost().reverse

# %% [markdown]
# The same shows up in time. For $f: \mathbb{R}^n \to \mathbb{R}$, the full Jacobian (the
# gradient) takes one reverse pass but $n$ forward passes:

# %%
def loss(x):
    return ad.tanh(x).sum().reshape((1,))


timings = {"rev": [], "fwd": []}
dims = [10, 50, 200]
for n in dims:
    point = ad.tensor(rng.normal(size=n))
    results = {}
    for mode, measured in timings.items():
        start = time.perf_counter()
        results[mode] = ad.jacobian(loss, mode=mode)(point).numpy()
        measured.append(time.perf_counter() - start)
    assert np.allclose(results["rev"], results["fwd"])
    assert np.allclose(results["rev"][0], 1 - np.tanh(point.numpy()) ** 2)
for n, r, fw in zip(dims, timings["rev"], timings["fwd"]):
    print(f"n={n:4d}: reverse {1e3 * r:7.2f} ms   forward {1e3 * fw:7.2f} ms")

# %%
figure = ad.viz.figure(figsize=(9, 3.4))
left, right = figure.subplots(1, 2)
left.plot([2 * n for n in sizes], forward_cost, "o-", label="forward mode")
left.plot([2 * n for n in sizes], reverse_cost, "s-", label="reverse mode")
left.set(xlabel="number of inputs n", ylabel="products for the whole gradient",
         title=r"$\sigma(\sum_i w_i x_i)$: $\mathbb{R}^n \to \mathbb{R}$")
left.legend()
right.plot(dims, np.array(timings["fwd"]) * 1e3, "o-", label="jacobian(mode='fwd')")
right.plot(dims, np.array(timings["rev"]) * 1e3, "s-", label="jacobian(mode='rev')")
right.set(xlabel="n", ylabel="ms", title="gradient of sum(tanh(x)), measured")
right.legend()
ad.viz.show(figure, "02_forward_vs_reverse.png")

# %% [markdown]
# ## Second order: Hessians
#
# The rules of every op are written in the engine's own ops, so the backward pass is itself
# a graph and can be differentiated again. The Hessian is the Jacobian of the gradient. For
#
# $$f(x) = \tfrac{1}{2} x^\top A x + \sum_i \sin x_i, \qquad
# \nabla^2 f = \tfrac{1}{2}(A + A^\top) - \operatorname{diag}(\sin x).$$

# %%
A = rng.normal(size=(4, 4))
A_t = ad.tensor(A)


def quadratic(x):
    return 0.5 * (x @ (A_t @ x)) + ad.sin(x).sum()


point = ad.tensor(rng.normal(size=4))
H = ad.hessian(quadratic)(point).numpy()
H_by_hand = 0.5 * (A + A.T) - np.diag(np.sin(point.numpy()))
print(np.round(H, 3))
assert np.allclose(H, H_by_hand) and np.allclose(H, H.T)

# %% [markdown]
# Newton's method and curvature analysis rarely need all of $H$, only $H v$. Forward mode
# over reverse mode gives it in one pass, without forming $H$: the JVP of the gradient.

# %%
direction = rng.normal(size=4)
_, Hv = ad.jvp(ad.grad(quadratic), (point,), (ad.tensor(direction),))
assert np.allclose(Hv.numpy(), H_by_hand @ direction)

# %% [markdown]
# ## What to remember
#
# - JVP (forward): $J v$, one pass per input direction. VJP (reverse): $u^\top J$, one pass
#   per output direction. Both give the same Jacobian.
# - For many inputs and one output (a loss), reverse mode wins by a factor of $n$.
# - Because the backward pass is a graph too, derivatives of derivatives (Hessians,
#   Hessian-vector products) come for free.
