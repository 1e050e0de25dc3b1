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
# # 13. Transfer learning
#
# A trained CNN is two parts: **feature layers** (convolutions that turn pixels into
# features) and a **head** (the last layer that turns features into this task's classes).
# Features learned on one task often serve another. Transfer learning keeps them:
#
# 1. train (or download) a network on a source task;
# 2. **freeze** its feature layers (no gradient, no update);
# 3. **replace the head** with a fresh one for the new classes;
# 4. train only the head on the new task, or afterwards fine-tune everything gently.
#
# Here the source task is digits 0-4 and the new task digits 5-9, with only ten training
# images per class, and we compare with training the same network from scratch.

# %%
import numpy as np

import autodiff as ad
import nn
from nn import data

images, labels = data.load_digits()
source_x, source_y = images[labels < 5], labels[labels < 5]
target_x, target_y = images[labels >= 5], labels[labels >= 5] - 5   # classes 5..9 as 0..4

# %% [markdown]
# ## The network: features and a head

# %%
class DigitNet(nn.Module):
    def __init__(self, classes=5):
        super().__init__()
        self.features = nn.Sequential(
            nn.Conv2d(1, 16, 3, padding=1), nn.ReLU(), nn.MaxPool2d(2),
            nn.Conv2d(16, 32, 3, padding=1), nn.ReLU(), nn.MaxPool2d(2), nn.Flatten())
        self.head = nn.Linear(32 * 2 * 2, classes)

    def forward(self, x):
        return self.head(self.features(x))


def train(model, parameters, train_set, val_set, epochs, lr):
    optimizer = nn.optim.Adam(parameters, lr=lr)
    return nn.fit(model, nn.functional.cross_entropy, optimizer,
                  data.DataLoader(train_set, 16, shuffle=True, seed=0),
                  data.DataLoader(val_set, 512), epochs=epochs, progress=False)


# %% [markdown]
# ## 1. The source task: digits 0-4

# %%
source_train, source_val, source_test = data.train_val_test_split(
    source_x, source_y, val=0.1, test=0.2, seed=0)
nn.manual_seed(0)
source = DigitNet()
train(source, source.parameters(), source_train, source_val, epochs=10, lr=3e-3)
source_accuracy = nn.evaluate(source, data.DataLoader(source_test, 512)).accuracy
print(f"digits 0-4: test accuracy {source_accuracy:.1%}")
assert source_accuracy > 0.95
CHECKPOINT = ad.viz.output_path("digits_0_to_4.npz")   # every file goes to one folder
nn.save(source, CHECKPOINT)                          # a checkpoint, as if downloaded

# %% [markdown]
# ## 2. The new task: digits 5-9, ten examples per class

# %%
pool, target_val, target_test = data.train_val_test_split(
    target_x, target_y, val=0.2, test=0.3, seed=0)
few = np.concatenate([np.flatnonzero(pool.tensors[1] == c)[:10] for c in range(5)])
target_train = data.TensorDataset(pool.tensors[0][few], pool.tensors[1][few])
print(f"new task: {len(target_train)} training images, {len(target_val)} validation, "
      f"{len(target_test)} test")

# %% [markdown]
# ## 3. Freeze the features, replace the head
#
# `requires_grad_(False)` takes the feature layers out of the graph: backward computes no
# gradient for them, and the optimizer only receives the head's parameters.

# %%
nn.manual_seed(1)
transfer = DigitNet()
transfer.load_state_dict(nn.load(CHECKPOINT))
for p in transfer.features.parameters():
    p.requires_grad_(False)
transfer.head = nn.Linear(32 * 2 * 2, 5)                   # a fresh head for the new classes

frozen_before = {name: p.numpy().copy() for name, p in transfer.features.named_parameters()}
head_before = transfer.head.weight.numpy().copy()
trainable = nn.count_parameters(transfer, trainable_only=True)
print(f"trainable: {trainable} of {nn.count_parameters(transfer)} parameters")
assert trainable == 128 * 5 + 5

histories = {"frozen features + new head": train(transfer, transfer.head.parameters(),
                                                 target_train, target_val, 30, 1e-2)}

for name, p in transfer.features.named_parameters():      # the features did not move at all
    assert (p.numpy() == frozen_before[name]).all() and p.grad is None
assert not np.allclose(transfer.head.weight.numpy(), head_before)

# %% [markdown]
# ## 4. Fine-tuning, and training from scratch
#
# **Fine-tuning** starts from the transferred network and then trains every layer. **From
# scratch** starts from random weights. Same data, same number of epochs.

# %%
nn.manual_seed(1)
fine_tuned = DigitNet()
fine_tuned.load_state_dict(nn.load(CHECKPOINT))
fine_tuned.head = nn.Linear(32 * 2 * 2, 5)
histories["fine-tuned (all layers)"] = train(fine_tuned, fine_tuned.parameters(),
                                             target_train, target_val, 30, 3e-3)
nn.manual_seed(1)
scratch = DigitNet()
histories["from scratch"] = train(scratch, scratch.parameters(), target_train, target_val,
                                  30, 3e-3)

test_loader = data.DataLoader(target_test, 512)
final = {name: nn.evaluate(model, test_loader).accuracy
         for name, model in zip(histories, (transfer, fine_tuned, scratch))}
for name, accuracy in final.items():
    print(f"{name:27s} digits 5-9 test accuracy {accuracy:.1%}")
assert all(accuracy > 0.8 for accuracy in final.values())     # chance is 20%

# %%
figure = ad.viz.figure(figsize=(6.5, 3.6))
ax = figure.subplots()
for name, history in histories.items():
    values = history.metrics["val_accuracy"]
    ax.plot(np.arange(1, len(values) + 1), values, "o-", markersize=3, label=name)
ax.axhline(0.2, color="grey", linestyle=":", label="chance")
ax.set(xlabel="epoch", ylabel="validation accuracy, digits 5-9", ylim=(0, 1),
       title="50 training images: transfer versus scratch")
ax.legend()
ad.viz.show(figure, "13_transfer_learning.png")

# %% [markdown]
# ## Reading the result honestly
#
# Training only 645 parameters on frozen features gets most of the way, and each step skips
# the backward pass through the features. On this problem, though, training from scratch
# does about as well: 8x8 digits are so easy that a small network learns good features from
# 50 images, and features learned on 0-4 are no better than what 5-9 teaches directly (the
# numbers above; which one edges ahead depends on the seed). Transfer pays
# off when the source task is much richer than the new one (a network trained on a million
# ImageNet photos, reused for a few hundred medical images), when the new data is scarce for
# the network's size, and when training everything is too expensive.

# %% [markdown]
# ## What to remember
#
# - Freeze: `p.requires_grad_(False)` on the feature layers; give the optimizer the head only.
# - Replace the head to match the new classes; keep the features.
# - Fine-tuning (everything, from the transferred start) is the usual second stage.
# - Always compare with a from-scratch baseline on the same data: transfer is a bet that the
#   source task's features suit the new one.
