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
# # 4. Loss functions
#
# The loss turns "how wrong is the network" into one number, and its gradient is where
# backpropagation starts. Two families cover most of deep learning:
#
# - **regression**: mean squared error $\mathrm{MSE} = \frac{1}{N}\sum_i (\hat y_i - y_i)^2$
#   and its square root $\mathrm{RMSE}$, in the units of the target;
# - **classification**: softmax cross-entropy
#   $\mathrm{CE} = -\frac{1}{N}\sum_i \log \mathrm{softmax}(z_i)_{y_i}$.

# %%
import numpy as np

import autodiff as ad
import nn

F = nn.functional
rng = np.random.default_rng(0)

# %% [markdown]
# ## MSE and RMSE
#
# $\partial\,\mathrm{MSE} / \partial \hat y_i = \frac{2}{N}(\hat y_i - y_i)$: the gradient
# grows with the error, so large errors dominate (and outliers pull hard).

# %%
prediction = ad.tensor(np.array([2.5, 0.0, 2.0, 8.0]), requires_grad=True)
target = ad.tensor(np.array([3.0, -0.5, 2.0, 7.0]))
mse = F.mse_loss(prediction, target)
mse.backward()
errors = prediction.numpy() - target.numpy()
assert np.isclose(mse.item(), np.mean(errors ** 2)) and np.isclose(mse.item(), 0.375)
assert np.allclose(prediction.grad.numpy(), 2 * errors / 4)
rmse = ad.sqrt(F.mse_loss(prediction, target))
print(f"MSE {mse.item():.3f}, RMSE {rmse.item():.3f}")

# %% [markdown]
# Fit a line $y = 3x + 2$ from noisy samples (noise of standard deviation 0.5) with plain
# gradient descent on the MSE. The RMSE of the fit ends near the noise level: what remains
# cannot be explained by a line.

# %%
xs = rng.uniform(-2, 2, size=(200, 1))
ys = 3 * xs[:, 0] + 2 + rng.normal(0, 0.5, size=200)
nn.manual_seed(0)
line = nn.Linear(1, 1).to(ad.float64)
optimizer = nn.optim.SGD(line.parameters(), lr=0.1)
loss_fn = nn.MSELoss()
for _ in range(200):
    loss = loss_fn(line(ad.tensor(xs)).reshape((200,)), ad.tensor(ys))
    optimizer.zero_grad()
    loss.backward()
    optimizer.step()
slope, intercept = line.weight.item(), line.bias.item()
fit_rmse = float(np.sqrt(loss.item()))
print(f"fitted y = {slope:.2f} x + {intercept:.2f}, RMSE {fit_rmse:.3f}")
assert abs(slope - 3) < 0.1 and abs(intercept - 2) < 0.1 and 0.4 < fit_rmse < 0.6

# %% [markdown]
# ## Softmax cross-entropy
#
# Softmax turns scores (logits) $z$ into probabilities $p_k = e^{z_k} / \sum_j e^{z_j}$, and
# cross-entropy is minus the log-probability of the right class. Their combination has the
# simplest gradient in deep learning:
#
# $$\frac{\partial\, \mathrm{CE}}{\partial z_k} = p_k - [k = y]$$
#
# (predicted minus wanted, divided by $N$ for a mean over a batch).

# %%
logits = ad.tensor(np.array([[2.0, 1.0, 0.1], [0.5, 2.5, -1.0]]), requires_grad=True)
labels = ad.tensor(np.array([0, 2]))
ce = F.cross_entropy(logits, labels)
ce.backward()
p = ad.softmax(logits, dim=1).numpy()
one_hot = np.eye(3)[labels.numpy()]
assert np.isclose(ce.item(), -np.log(p[[0, 1], [0, 2]]).mean())
assert np.allclose(logits.grad.numpy(), (p - one_hot) / 2)
print("probabilities:\n", np.round(p, 3), "\ngradient:\n", np.round(logits.grad.numpy(), 3))

# %% [markdown]
# ## Why cross-entropy, not squared error, after a sigmoid or softmax
#
# Take one sigmoid output $a = \sigma(z)$ whose target is $y = 1$. With squared error
#
# $$\frac{\partial}{\partial z} \tfrac12 (a - y)^2 = (a - y)\,\sigma'(z) = (a - y)\,a(1 - a),$$
#
# and when the neuron is confidently *wrong* ($z \ll 0$, $a \approx 0$) the factor $a(1-a)$
# is nearly 0: the worse the mistake, the slower it learns. With cross-entropy
# $-\log a$ the sigmoid's derivative cancels:
#
# $$\frac{\partial}{\partial z}\big(-\log \sigma(z)\big) = a - 1,$$
#
# close to $-1$ exactly when the mistake is large.

# %%
z = ad.tensor(np.linspace(-10, 10, 201), requires_grad=True)
ones = ad.tensor(np.ones(201))
squared = 0.5 * (ad.sigmoid(z) - ones) ** 2
squared.sum().backward()
grad_squared = z.grad.numpy()

z_ce = ad.tensor(np.linspace(-10, 10, 201), requires_grad=True)
cross = F.binary_cross_entropy_with_logits(z_ce, ones, reduction="sum")
cross.backward()
grad_ce = z_ce.grad.numpy()

a = 1 / (1 + np.exp(-z.numpy()))
assert np.allclose(grad_squared, (a - 1) * a * (1 - a))
assert np.allclose(grad_ce, a - 1)
wrong = 0                                   # z = -10: confidently wrong
print(f"at z = -10: squared-error gradient {grad_squared[wrong]:.2e}, "
      f"cross-entropy gradient {grad_ce[wrong]:.3f}")
assert abs(grad_squared[wrong]) < 1e-4 and abs(grad_ce[wrong]) > 0.99

figure = ad.viz.figure(figsize=(9, 3.4))
left, right = figure.subplots(1, 2)
left.plot(z.numpy(), 0.5 * (a - 1) ** 2, label="squared error")
left.plot(z.numpy(), -np.log(a), label="cross-entropy")
left.set(xlabel="logit z (target 1)", ylabel="loss", title="loss of σ(z) against y = 1",
         ylim=(0, 5))
left.legend()
right.plot(z.numpy(), np.abs(grad_squared), label="squared error")
right.plot(z.numpy(), np.abs(grad_ce), label="cross-entropy")
right.set(xlabel="logit z (target 1)", ylabel="|dL/dz|", title="gradient reaching the logit")
right.legend()
ad.viz.show(figure, "04_losses.png")

# %% [markdown]
# The same holds for softmax with several classes: squared error on the probabilities passes
# through the softmax Jacobian, which vanishes when one wrong class takes all the mass.

# %%
confident_wrong = ad.tensor(np.array([[10.0, 0.0, 0.0]]), requires_grad=True)   # class 0
truth = np.array([2])
F.mse_loss(ad.softmax(confident_wrong, dim=1), ad.tensor(np.eye(3)[truth])).backward()
mse_push = np.abs(confident_wrong.grad.numpy()).max()
confident_wrong.grad = None
F.cross_entropy(confident_wrong, ad.tensor(truth)).backward()
ce_push = np.abs(confident_wrong.grad.numpy()).max()
print(f"largest logit gradient: squared error {mse_push:.1e}, cross-entropy {ce_push:.2f}")
assert ce_push > 1000 * mse_push

# %% [markdown]
# ## The log-sum-exp trick
#
# $e^{1000}$ overflows a float. Written naively, softmax of large logits is
# $\infty / \infty = \mathrm{NaN}$, although the answer is perfectly ordinary: softmax does
# not change when a constant is subtracted from every logit. With $m = \max_j z_j$,
#
# $$\log \sum_j e^{z_j} = m + \log \sum_j e^{z_j - m}, \qquad
# \mathrm{softmax}(z) = e^{z - \mathrm{logsumexp}(z)},$$
#
# every exponent is $\le 0$ and nothing overflows. `ad.softmax`, `ad.log_softmax`,
# `ad.logsumexp` and `cross_entropy` are all computed this way.

# %%
big = ad.tensor(np.array([1000.0, 1001.0, 1002.0]), requires_grad=True)
with np.errstate(over="ignore", invalid="ignore"):   # silence NumPy's overflow warnings
    naive = ad.exp(big) / ad.exp(big).sum()
stable = ad.softmax(big)
print("naive: ", naive.numpy(), "\nstable:", stable.numpy())
assert np.isnan(naive.numpy()).all()
assert np.allclose(stable.numpy(), ad.softmax(ad.tensor(np.array([0.0, 1.0, 2.0]))).numpy())
assert np.isclose(ad.logsumexp(big).item(), 1002 + np.log(1 + np.exp(-1) + np.exp(-2)))

stable[2].backward()                                       # the gradient is finite too
assert np.isfinite(big.grad.numpy()).all()

# %% [markdown]
# The anomaly detector names the first op that produced a NaN or infinity, a good habit
# when a loss suddenly turns into `nan`:

# %%
try:
    with ad.detect_anomaly(), np.errstate(over="ignore"):
        ad.exp(big) / ad.exp(big).sum()
except FloatingPointError as error:
    print(error)
    assert "exp" in str(error)
else:
    raise AssertionError("detect_anomaly should have stopped the overflow")

# %% [markdown]
# The same trick protects the log: $\log \mathrm{softmax}$ of a very unlikely class is a
# large negative number, but $\log$ of the rounded-to-zero probability is $-\infty$.

# %%
far = ad.tensor(np.array([0.0, -800.0]))
with np.errstate(divide="ignore"):
    print("log(softmax):", ad.log(ad.softmax(far)).numpy(),
          " log_softmax:", ad.log_softmax(far).numpy())
    assert np.isneginf(ad.log(ad.softmax(far)).numpy()[1])
assert np.isclose(ad.log_softmax(far).numpy()[1], -800.0)

# %% [markdown]
# ## What to remember
#
# - MSE for regression (RMSE to read it in the target's units); its gradient is proportional
#   to the error.
# - Softmax + cross-entropy for classification; the gradient on the logits is $p - y$.
# - Squared error after a sigmoid or softmax learns slowest when it is most wrong;
#   cross-entropy cancels the saturating derivative.
# - Never exponentiate raw logits: subtract the maximum (log-sum-exp), as the library does.
