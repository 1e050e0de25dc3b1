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
# # 8. Convolution
#
# A convolutional layer slides a small filter $K$ over the image and takes a dot product at
# every position (deep learning's "convolution" is, strictly, a cross-correlation):
#
# $$Y(r, c) = \sum_{a, b} X(r + a,\, c + b)\, K(a, b) + \text{bias}$$
#
# The same few weights are used at every position (**weight sharing**), and each output sees
# only a small neighbourhood (**local connectivity**). A filter responds most where the image
# looks like it: convolution is template matching.

# %%
import numpy as np

import autodiff as ad
import nn
from nn import data

images, labels = data.load_digits()
digit = np.kron(images[0, 0], np.ones((4, 4), np.float32))   # a real 0, enlarged to 32x32
print(labels[0], digit.shape)

# %% [markdown]
# ## Classic filters: Sobel and Laplacian
#
# Sobel filters estimate the derivative across one direction (and smooth along the other);
# the Laplacian approximates $\partial^2/\partial x^2 + \partial^2/\partial y^2$ and fires on
# edges and blobs. Its weights sum to 0, so it ignores flat regions.

# %%
sobel_x = np.array([[-1, 0, 1], [-2, 0, 2], [-1, 0, 1]], np.float32)   # responds to vertical edges
sobel_y = sobel_x.T.copy()                                             # ... horizontal edges
laplacian = np.array([[0, 1, 0], [1, -4, 1], [0, 1, 0]], np.float32)
kernels = np.stack([sobel_x, sobel_y, laplacian])[:, None]             # (out=3, in=1, 3, 3)

x = ad.tensor(digit[None, None])                                       # (N=1, C=1, 32, 32)
responses = ad.conv2d(x, ad.tensor(kernels), padding=1).numpy()[0]     # (3, 32, 32)

# %% [markdown]
# The engine's `conv2d` computes exactly the formula above; check it against a plain loop.

# %%
def correlate(image, kernel):
    padded = np.pad(image, 1)
    out = np.zeros_like(image)
    for r in range(image.shape[0]):
        for c in range(image.shape[1]):
            out[r, c] = (padded[r:r + 3, c:c + 3] * kernel).sum()
    return out


for k, kernel in enumerate(kernels[:, 0]):
    assert np.allclose(responses[k], correlate(digit, kernel), atol=1e-5)

# %% [markdown]
# Template matching on a picture we understand: a vertical bar lights up the vertical-edge
# filter and leaves the horizontal one silent (except at its two ends), and the Laplacian
# gives zero on every flat patch.

# %%
bar = np.zeros((12, 12), np.float32)
bar[2:10, 5:7] = 1.0
bar_responses = ad.conv2d(ad.tensor(bar[None, None]), ad.tensor(kernels), padding=1).numpy()[0]
vertical, horizontal, lap = np.abs(bar_responses)
print(f"strongest response: Sobel-x {vertical.max():.0f}, "
      f"Sobel-y inside the bar's rows {horizontal[4:8].max():.0f}")
assert vertical.max() == 4 and horizontal[4:8].max() == 0
flat = ad.conv2d(ad.tensor(np.full((1, 1, 6, 6), 0.7, np.float32)), ad.tensor(kernels[2:]))
assert np.allclose(flat.numpy(), 0, atol=1e-6)

# %%
magnitude = np.hypot(responses[0], responses[1])
figure = ad.viz.figure(figsize=(10, 2.6))
panels = [("digit", digit), ("Sobel x", responses[0]), ("Sobel y", responses[1]),
          ("edge magnitude", magnitude), ("Laplacian", responses[2])]
for ax, (title, picture) in zip(figure.subplots(1, 5), panels):
    limit = np.abs(picture).max()
    cmap, low = ("gray", 0) if title in ("digit", "edge magnitude") else ("RdBu_r", -limit)
    ax.imshow(picture, cmap=cmap, vmin=low, vmax=limit, interpolation="nearest")
    ax.set_title(title)
    ax.set_xticks([])
    ax.set_yticks([])
ad.viz.show(figure, "08_convolution.png")

# %% [markdown]
# ## Output size: padding and stride
#
# An $N \times N$ input, an $F \times F$ filter, padding $P$ on each side and stride $S$ give
#
# $$\text{out} = \left\lfloor \frac{N - F + 2P}{S} \right\rfloor + 1.$$
#
# For a $32 \times 32$ input: without padding every filter eats $F - 1$ pixels; "same"
# padding $P = (F - 1)/2$ keeps $32$ (for odd $F$: an even filter has no centre pixel);
# stride 2 halves it; a $32 \times 32$ filter sees the whole image and leaves one number.

# %%
print(" F | P=0,S=1 | P=(F-1)/2,S=1 | P=(F-1)/2,S=2")
expected_valid = {1: 32, 3: 30, 7: 26, 11: 22, 32: 1}
for F_ in (1, 3, 7, 11, 32):
    same = (F_ - 1) // 2
    sizes = [nn.conv_output_size(32, F_, stride=s, padding=p)
             for p, s in ((0, 1), (same, 1), (same, 2))]
    print(f"{F_:2d} | {sizes[0]:7d} | {sizes[1]:13d} | {sizes[2]:13d}")
    assert sizes[0] == expected_valid[F_] == 32 - F_ + 1
    if F_ % 2 == 1:
        assert sizes[1] == 32 and sizes[2] == 16
    else:                                   # an even filter has no centre: "same" is off by one
        assert sizes[1] == 31
    for (p, s), size in zip(((0, 1), (same, 1), (same, 2)), sizes):  # the layer agrees
        out = ad.conv2d(ad.tensor(np.zeros((1, 1, 32, 32), np.float32)),
                        ad.tensor(np.zeros((1, 1, F_, F_), np.float32)), stride=s, padding=p)
        assert out.shape == (1, 1, size, size)

# %% [markdown]
# ## Counting parameters
#
# A filter spans the full depth of its input: ten $5 \times 5$ filters on an RGB image have
# $5 \cdot 5 \cdot 3 = 75$ weights each, plus one bias each: $10 \cdot 76 = 760$ parameters,
# whatever the image size. A dense layer producing the same $28 \times 28 \times 10$ output
# from a $32 \times 32 \times 3$ image would need about 24 million.

# %%
conv = nn.Conv2d(3, 10, 5)
conv_params = sum(p.numel() for p in conv.parameters())
dense_params = (32 * 32 * 3) * (28 * 28 * 10) + 28 * 28 * 10
print(f"Conv2d(3, 10, 5): weight {conv.weight.shape}, bias {conv.bias.shape}: {conv_params} "
      f"parameters; an equivalent dense layer: {dense_params:,}")
assert conv.weight.shape == (10, 3, 5, 5) and conv_params == 760
assert nn.count_parameters(conv) == 760
assert conv(ad.tensor(np.zeros((1, 3, 32, 32), np.float32))).shape == (1, 10, 28, 28)

# %% [markdown]
# ## 1x1 convolutions: mixing channels
#
# A $1 \times 1$ filter looks at one pixel, across all its channels: it is a dense layer
# applied at every pixel, $Y_{o}(r, c) = \sum_i W_{o,i} X_i(r, c) + b_o$. GoogLeNet and
# ResNet use it to shrink the depth before expensive $3 \times 3$ and $5 \times 5$
# convolutions (64 channels to 16 here, with $64 \cdot 16 + 16$ parameters).

# %%
nn.manual_seed(0)
mix = nn.Conv2d(64, 16, kernel_size=1)
features = np.random.default_rng(0).normal(size=(2, 64, 7, 7)).astype(np.float32)
by_conv = mix(ad.tensor(features)).numpy()
W, b = mix.weight.numpy()[:, :, 0, 0], mix.bias.numpy()                    # (16, 64), (16,)
by_matmul = np.einsum("oi,nihw->nohw", W, features) + b[None, :, None, None]
assert by_conv.shape == (2, 16, 7, 7) and np.allclose(by_conv, by_matmul, atol=1e-4)
assert nn.count_parameters(mix) == 64 * 16 + 16

# %% [markdown]
# ## What to remember
#
# - A convolution is a sliding dot product: local, with weights shared across positions.
# - Hand-made filters (Sobel, Laplacian) are what early CNN layers learn by themselves.
# - $\text{out} = \lfloor (N - F + 2P)/S \rfloor + 1$.
# - Parameters: $C_\text{out}(F \cdot F \cdot C_\text{in} + 1)$, independent of the image size.
# - A $1 \times 1$ convolution is a per-pixel dense layer across channels.
