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
# # 12. Training a small CNN on real digits
#
# Everything so far, put together: real handwritten digits (the 1,797 8x8 images that ship
# with scikit-learn), a split, a LeNet-shaped network, `nn.fit` with a progress bar, training
# curves, a confusion matrix, and a look inside at the learned filters and feature maps.
# Then two ingredients of modern CNNs, batch normalization and dropout, switched on and off.

# %%
import numpy as np

import autodiff as ad
import nn
from nn import data

# %% [markdown]
# ## The data and the split
#
# 70% to train on, 10% to watch during training (validation), 20% held out for the end.

# %%
images, labels = data.load_digits()
train, val, test = data.train_val_test_split(images, labels, val=0.1, test=0.2, seed=0)
print(images.shape, images.dtype, f"train {len(train)}, validation {len(val)}, "
      f"test {len(test)}")
assert images.shape == (1797, 1, 8, 8) and 0 <= images.min() and images.max() <= 1
train_loader = data.DataLoader(train, batch_size=32, shuffle=True, seed=0)
val_loader = data.DataLoader(val, batch_size=256)
test_loader = data.DataLoader(test, batch_size=256)

# %% [markdown]
# ## The network
#
# `lenet5_mini` keeps LeNet-5's shape for 8x8 inputs: two 3x3 convolutions (8 and 16
# filters) each followed by ReLU and 2x2 max pooling, then dense layers $64 \to 32 \to 10$.

# %%
nn.manual_seed(0)
model = nn.models.lenet5_mini()
print(nn.summary(model, (1, 8, 8)))
assert nn.count_parameters(model) == 3_658

# %% [markdown]
# ## Training with `nn.fit`
#
# SGD with Nesterov momentum and a learning rate that decays along a cosine over the 30
# epochs. `fit` shows a progress bar per epoch (loss and accuracy so far) and returns the
# history of every metric.
#
# The loss is cross-entropy with **label smoothing** $\varepsilon = 0.1$: the target of a
# digit is not the one-hot vector but $(1 - \varepsilon)\,\text{one\_hot} + \varepsilon / 10$,
# i.e. 0.91 on the right class and 0.01 on each other. Plain cross-entropy only reaches 0 when
# the network puts probability 1 on the right class, so it keeps growing the logits long after
# every training digit is right: the network becomes over-confident on its 1,257 training
# images. The smoothed target stops that: the loss can fall no lower than the target's own
# entropy $H(q) = -\sum_c q_c \log q_c \approx 0.50$ (cross-entropy is $H(q)$ plus the
# KL divergence from $q$ to the prediction). On this split, seeds 0-4 reach 95.5-97.8% test
# accuracy without smoothing and 97.5-98.6% with it, at the same cost.

# %%
smoothing = 0.1
optimizer = nn.optim.SGD(model.parameters(), lr=0.1, momentum=0.9, nesterov=True)
history = nn.fit(model, nn.CrossEntropyLoss(label_smoothing=smoothing), optimizer,
                 train_loader, val_loader, epochs=30,
                 scheduler=nn.optim.CosineAnnealingLR(optimizer, T_max=30))
print(history)
target = np.full(10, smoothing / 10)
target[0] += 1 - smoothing                       # a smoothed target: 0.91 and nine 0.01
floor = -(target * np.log(target)).sum()         # its entropy: the least loss possible
print(f"training loss {history.metrics['loss'][-1]:.4f}, floor H(q) = {floor:.4f}")
assert history.epochs == 30 and history.metrics["val_accuracy"][-1] > 0.97
assert floor < history.metrics["loss"][-1] < floor + 0.05    # down to the floor, not to 0

# %%
ad.viz.show(ad.viz.plot_history(history), "12_history.png")

# %% [markdown]
# ## The test set, once, and the confusion matrix
#
# Row $i$, column $j$ counts the test digits of class $i$ that the network called $j$: the
# diagonal is right, everything else is a confusion worth looking at.

# %%
result = nn.evaluate(model, test_loader)
confusion = result.confusion
print(f"test accuracy {result.accuracy:.2%}\n{confusion}")
assert confusion.sum() == len(test) == 359
assert np.isclose(np.trace(confusion) / confusion.sum(), result.accuracy)
assert result.accuracy > 0.97                    # 98.3% (seeds 0-4: 97.5-98.6%)

figure = ad.viz.figure(figsize=(4.6, 4))
ax = figure.subplots()
ax.imshow(confusion, cmap="Blues")
for (i, j), count in np.ndenumerate(confusion):
    if count:
        ax.text(j, i, str(count), ha="center", va="center", fontsize=8,
                color="white" if i == j else "black")
ax.set(xticks=range(10), yticks=range(10), xlabel="predicted", ylabel="true digit",
       title=f"test accuracy {result.accuracy:.1%}")
ad.viz.show(figure, "12_training_a_cnn.png")

# %% [markdown]
# ## Inside the network: filters and feature maps
#
# The eight 3x3 filters of the first layer, and what they make of one digit. Many look like
# the edge detectors of tutorial 8: nobody told them to.

# %%
ad.viz.show(ad.viz.plot_filters(model.conv1.weight), "12_filters.png")

# %%
digit = ad.tensor(test.tensors[0][:1])                  # one test digit, (1, 1, 8, 8)
with ad.no_grad():
    maps = model.act1(model.conv1(digit))
assert maps.shape == (1, 8, 8, 8) and (maps.numpy() >= 0).all()
ad.viz.show(ad.viz.plot_feature_maps(maps), "12_feature_maps.png")

# %% [markdown]
# ## Batch normalization and dropout
#
# **Batch normalization** standardises each channel over the batch,
# $\hat x = (x - \mu_B)/\sqrt{\sigma_B^2 + \epsilon}$, then rescales it with learned
# $\gamma, \beta$. It keeps every layer's input at a steady scale, so training converges
# faster and tolerates larger learning rates. At test time it uses running averages of
# $\mu$ and $\sigma^2$ instead of the batch's.
#
# **Dropout** zeroes each unit with probability $p$ during training (scaling the rest by
# $1/(1-p)$), so no unit can rely on another: a regulariser. At test time it does nothing.
#
# Both behave differently in `model.train()` and `model.eval()` mode:

# %%
dropout = nn.Dropout(p=0.5)
ones = ad.tensor(np.ones((4, 1000), np.float32))
dropped = dropout.train()(ones).numpy()
assert set(np.unique(dropped)) == {0.0, 2.0} and abs(dropped.mean() - 1) < 0.1
assert (dropout.eval()(ones).numpy() == 1).all()

norm = nn.BatchNorm2d(3)
batch = ad.tensor(np.random.default_rng(0).normal(5, 3, size=(16, 3, 4, 4)).astype(np.float32))
normalized = norm.train()(batch).numpy()
assert np.allclose(normalized.mean(axis=(0, 2, 3)), 0, atol=1e-5)
assert np.allclose(normalized.std(axis=(0, 2, 3)), 1, atol=1e-3)
assert np.allclose(norm.running_mean.numpy(), 0.1 * batch.numpy().mean(axis=(0, 2, 3)),
                   rtol=1e-4)                               # momentum 0.1 from 0

# %% [markdown]
# Now the same small CNN four ways, eight epochs of Adam each:

# %%
def small_cnn(batch_norm, dropout):
    layers = [nn.Conv2d(1, 8, 3, padding=1)]
    layers += [nn.BatchNorm2d(8)] if batch_norm else []
    layers += [nn.ReLU(), nn.MaxPool2d(2), nn.Conv2d(8, 16, 3, padding=1)]
    layers += [nn.BatchNorm2d(16)] if batch_norm else []
    layers += [nn.ReLU(), nn.MaxPool2d(2), nn.Flatten()]
    layers += [nn.Dropout(0.3)] if dropout else []
    return nn.Sequential(*layers, nn.Linear(16 * 2 * 2, 10))


runs = {}
for batch_norm in (False, True):
    for use_dropout in (False, True):
        nn.manual_seed(0)
        variant = small_cnn(batch_norm, use_dropout)
        runs[batch_norm, use_dropout] = nn.fit(
            variant, nn.functional.cross_entropy, nn.optim.Adam(variant.parameters(), lr=3e-3),
            data.DataLoader(train, 64, shuffle=True, seed=0), val_loader, epochs=8,
            progress=False)
print("batch norm  dropout  val accuracy per epoch")
for (batch_norm, use_dropout), run in runs.items():
    print(f"{batch_norm!s:10s}  {use_dropout!s:7s}  "
          f"{np.array2string(np.array(run.metrics['val_accuracy']), precision=2)}")

# %%
plain, with_bn = runs[False, False].metrics, runs[True, False].metrics
assert with_bn["val_accuracy"][1] > plain["val_accuracy"][1] + 0.1      # BN: faster start
assert with_bn["loss"][2] < plain["loss"][2]
for batch_norm in (False, True):                 # dropout: noisier, higher training loss
    assert runs[batch_norm, True].metrics["loss"][-1] > runs[batch_norm, False].metrics["loss"][-1]
assert all(run.metrics["val_accuracy"][-1] > 0.85 for run in runs.values())

# %% [markdown]
# ## The same on a GPU
#
# The engine runs on CuPy arrays when `device="cuda"`: the same model moved with
# `.to("cuda")`, batches made on the GPU by the loader (`device="cuda"`), and `fit` told
# where to train. From the same seed, three epochs on each device follow the same path up to
# floating-point rounding (GPU reductions add in another order). Where CuPy or a GPU is
# missing, this cell says so and skips.

# %%
try:
    ad.get_backend("cuda")
    gpu_reason = None
except RuntimeError as error:
    gpu_reason = str(error)


def three_epochs(device):
    nn.manual_seed(0)
    net = nn.models.lenet5_mini().to(device)
    sgd = nn.optim.SGD(net.parameters(), lr=0.1, momentum=0.9, nesterov=True)
    run = nn.fit(net, nn.functional.cross_entropy, sgd,
                 data.DataLoader(train, 32, shuffle=True, seed=0, device=device),
                 data.DataLoader(val, 256, device=device), epochs=3, device=device)
    return net, run


if gpu_reason is None:
    gpu_model, gpu_run = three_epochs("cuda")
    _, cpu_run = three_epochs("cpu")
    print("loss per epoch, GPU:", np.round(gpu_run.metrics["loss"], 5),
          " CPU:", np.round(cpu_run.metrics["loss"], 5))
    assert gpu_model.conv1.weight.device == "cuda"
    assert np.allclose(gpu_run.metrics["loss"], cpu_run.metrics["loss"], rtol=1e-3)
else:
    print(f"no GPU here, skipping: {gpu_reason}")

# %% [markdown]
# ## What to remember
#
# - Split first; watch the validation set during training; evaluate the test set once.
# - Label smoothing gives the loss a floor above 0, so the network stops pushing its
#   logits towards certainty: less over-fitting, here two points of test accuracy.
# - The confusion matrix shows *which* classes are confused, not just how often.
# - First-layer filters become edge and stroke detectors on their own.
# - Batch normalization speeds up training; dropout trades a higher training loss for less
#   over-fitting; both switch behaviour between `train()` and `eval()`.
