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
# # 11. CNN architectures
#
# Five networks, each remembered for one idea:
#
# | network | year | idea |
# |---|---|---|
# | LeNet-5 | 1998 | convolution + subsampling, then dense layers |
# | AlexNet | 2012 | the same, much bigger, with ReLU, dropout and GPUs |
# | VGG-16 | 2014 | only 3x3 convolutions, stacked deep |
# | GoogLeNet | 2014 | Inception modules: parallel 1x1, 3x3, 5x5 and pooling branches |
# | ResNet | 2015 | residual connections, and the 1x1 bottleneck |
#
# `nn.models` builds them at full size, with the published parameter counts, and
# `nn.summary` runs one forward pass to list every layer's output shape, parameters,
# activation memory and receptive field. We read two questions off the summaries:
# **which layers hold the parameters, and which hold the memory?**

# %%
import numpy as np

import autodiff as ad
import nn


def share(summary, layer_types, field):
    """The fraction of the summary's parameters (or activation bytes) in these layer types."""
    rows = [row for row in summary.layers if row.type in ("Conv2d", "Linear")]
    total = sum(getattr(row, field) for row in rows)
    return sum(getattr(row, field) for row in rows if row.type in layer_types) / total


# %% [markdown]
# ## LeNet-5
#
# $32 \to 28$ (5x5 conv) $\to 14$ (pool) $\to 10$ (5x5 conv) $\to 5$ (pool), then dense
# layers from $16 \cdot 5 \cdot 5 = 400$ features.

# %%
lenet = nn.summary(nn.models.lenet5(), (1, 32, 32))
print(lenet)
assert lenet.total_params == 61_706
assert share(lenet, ("Linear",), "params") > 0.9                 # the dense layers: 96%
assert share(lenet, ("Conv2d",), "activation_bytes") > 0.9       # the conv maps: the memory

# %% [markdown]
# ## AlexNet
#
# The same pattern scaled up for 224x224 colour images: five convolutions (the first 11x11
# with stride 4), three dense layers of 4096, 4096 and 1000 units.

# %%
alexnet = nn.summary(nn.models.alexnet(), (3, 224, 224))
print(alexnet)
assert alexnet.total_params == 61_100_840
dense_share = share(alexnet, ("Linear",), "params")
conv_memory = share(alexnet, ("Conv2d",), "activation_bytes")
print(f"dense layers: {dense_share:.0%} of the parameters; conv layers: {conv_memory:.0%} "
      "of the activation memory")
assert dense_share > 0.9 and conv_memory > 0.9

# %% [markdown]
# ## VGG-16
#
# Thirteen 3x3 convolutions in five stages (64, 128, 256, 512, 512 channels), each stage
# closed by 2x2 max pooling. The early layers work on large maps: they hold the memory.
# The first dense layer ($512 \cdot 7 \cdot 7 \to 4096$) alone holds 74% of the parameters.

# %%
vgg = nn.summary(nn.models.vgg16(), (3, 224, 224))
rows = [row for row in vgg.layers if row.type in ("Conv2d", "Linear")]
first_dense = next(row for row in rows if row.type == "Linear")
print(f"VGG-16: {vgg.total_params:,} parameters; first dense layer {first_dense.params:,} "
      f"({first_dense.params / vgg.total_params:.0%})")
assert vgg.total_params == 138_357_544
assert first_dense.params == 512 * 7 * 7 * 4096 + 4096
assert share(vgg, ("Linear",), "params") > 0.85
first_two = sum(row.activation_bytes for row in rows[:2])
assert first_two == 2 * 64 * 224 * 224 * 4                        # two float32 maps of 224x224x64

# %%
figure = ad.viz.figure(figsize=(11, 3.8))
left, right = figure.subplots(1, 2, sharex=True)
convs = [row for row in rows if row.type == "Conv2d"]
names = [f"conv{k + 1}" if k < len(convs) else f"fc{k + 1 - len(convs)}" for k in range(len(rows))]
colors = ["tab:blue" if row.type == "Conv2d" else "tab:orange" for row in rows]
left.bar(names, [row.params / 1e6 for row in rows], color=colors)
left.set(ylabel="parameters (millions)", title="VGG-16: where the parameters are")
right.bar(names, [row.activation_bytes / 2 ** 20 for row in rows], color=colors)
right.set(ylabel="output size (MiB, float32, batch 1)", title="...and where the memory is")
for ax in (left, right):
    ax.tick_params(axis="x", rotation=90, labelsize=8)
ad.viz.show(figure, "11_cnn_architectures.png")

# %% [markdown]
# ## GoogLeNet's Inception module
#
# Instead of choosing a filter size, use them all in parallel and concatenate the results
# along the channels: a 1x1 branch, a 3x3 branch, a 5x5 branch and a pooling branch. The
# trick that makes it affordable is a **1x1 convolution that shrinks the depth first**. In
# module 3a (192 channels in): the 5x5 branch reduces 192 channels to 16 before its 5x5
# convolution to 32.

# %%
inception = nn.Inception(192, 64, 96, 128, 16, 32, 32)           # GoogLeNet's module 3a
with ad.no_grad():
    out = inception.eval()(ad.tensor(np.zeros((1, 192, 28, 28), np.float32)))
assert out.shape == (1, 64 + 128 + 32 + 32, 28, 28)              # 256 channels, same size
direct_5x5 = 192 * 32 * 5 * 5
reduced_5x5 = 192 * 16 + 16 * 32 * 5 * 5
print(f"5x5 branch: {direct_5x5:,} weights directly, {reduced_5x5:,} with the 1x1 reduction")
assert direct_5x5 > 9 * reduced_5x5

googlenet_params = nn.count_parameters(nn.models.googlenet())
assert googlenet_params == 6_624_904                             # 12x fewer than AlexNet

# %% [markdown]
# ## ResNet: residual blocks and the bottleneck
#
# A residual block computes $y = \mathrm{ReLU}(F(x) + x)$. If the best thing a block can do
# is nothing, it only has to learn $F = 0$: set the last convolution to zero and the block
# passes its (non-negative) input straight through.

# %%
block = nn.ResidualBlock(16, 16).eval()
nn.init.zeros_(block.conv2.weight)
signal = np.abs(np.random.default_rng(0).normal(size=(1, 16, 8, 8))).astype(np.float32)
with ad.no_grad():
    assert np.allclose(block(ad.tensor(signal)).numpy(), signal)

# %% [markdown]
# Deep ResNets use the **bottleneck** block: 1x1 down to a quarter of the channels, 3x3
# there, 1x1 back up. At 256 channels it needs 17x fewer weights than two 3x3 convolutions.

# %%
basic = nn.count_parameters(nn.ResidualBlock(256, 256))
bottleneck = nn.count_parameters(nn.Bottleneck(256, 64, 256))
print(f"256 channels: basic block {basic:,} parameters, bottleneck {bottleneck:,}")
assert basic == 2 * 9 * 256 * 256 + 2 * 2 * 256                 # two 3x3 convs + two BNs
assert bottleneck == 256 * 64 + 9 * 64 * 64 + 64 * 256 + 2 * (64 + 64 + 256)
assert basic > 15 * bottleneck

resnet18 = nn.summary(nn.models.resnet18(), (3, 224, 224))
print(f"ResNet-18: {resnet18.total_params:,} parameters, "
      f"{resnet18.total_activation_bytes / 2 ** 20:.0f} MiB of layer outputs per image")
assert share(resnet18, ("Conv2d",), "params") > 0.9             # no big dense layers any more

# %% [markdown]
# ## The published parameter counts

# %%
published = {"lenet5": 61_706, "alexnet": 61_100_840, "vgg16": 138_357_544,
             "googlenet": 6_624_904, "resnet18": 11_689_512, "resnet50": 25_557_032}
counts = {"lenet5": lenet.total_params, "alexnet": alexnet.total_params,
          "vgg16": vgg.total_params, "googlenet": googlenet_params,
          "resnet18": resnet18.total_params,
          "resnet50": nn.count_parameters(nn.models.resnet50())}
for name, count in counts.items():
    print(f"{name:10s} {count:>13,}")
    assert count == published[name]

# %% [markdown]
# ## What to remember
#
# - Dense layers hold most parameters (LeNet, AlexNet, VGG); convolutions on large early
#   maps hold most activation memory.
# - VGG: only 3x3 convolutions. Inception: parallel branches made cheap by 1x1 reductions.
#   ResNet: $F(x) + x$, so a block can always fall back to the identity, and bottlenecks.
# - From AlexNet to GoogLeNet and ResNet, global average pooling replaced the huge dense
#   layers: better networks with fewer parameters.
