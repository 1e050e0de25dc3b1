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
# # 10. Pooling and receptive fields
#
# Pooling summarises each window of a feature map by one number: its **maximum** or its
# **average**. It has no parameters; it shrinks the map (a $2 \times 2$ window with stride 2
# keeps a quarter), makes the features less sensitive to exactly where something is, and
# lets later layers see more of the image.

# %%
import numpy as np

import autodiff as ad
import nn
from nn import data

# %% [markdown]
# ## Max, average and global average pooling

# %%
grid = np.array([[1, 3, 2, 1],
                 [4, 2, 0, 1],
                 [5, 6, 1, 2],
                 [0, 1, 3, 3]], np.float64)
x = ad.tensor(grid.reshape(1, 1, 4, 4), requires_grad=True)
max_out = ad.max_pool2d(x, kernel_size=2)                 # stride defaults to the kernel size
avg_out = ad.avg_pool2d(x, kernel_size=2)
global_out = nn.functional.adaptive_avg_pool2d(x, 1)      # one number per channel
print("max:\n", max_out.numpy()[0, 0], "\naverage:\n", avg_out.numpy()[0, 0],
      "\nglobal average:", global_out.item())
assert (max_out.numpy()[0, 0] == [[4, 2], [6, 3]]).all()
assert (avg_out.numpy()[0, 0] == [[2.5, 1.0], [3.0, 2.25]]).all()
assert global_out.item() == grid.mean()

# %% [markdown]
# ## The gradient of pooling
#
# $\max(a, b, c, d)$ depends only on its largest input, with slope 1: the whole gradient is
# **routed to the maximum**, and the other three get nothing. An average spreads it evenly,
# $1/4$ each. (With ties, the engine follows PyTorch: the first maximum takes it all.)

# %%
max_out.sum().backward()
print("d(sum of max)/dx:\n", x.grad.numpy()[0, 0])
assert (x.grad.numpy()[0, 0] == [[0, 0, 1, 0], [1, 0, 0, 0], [0, 1, 0, 0], [0, 0, 1, 0]]).all()

x.grad = None
avg_out.sum().backward()
assert np.allclose(x.grad.numpy(), 0.25)

tied = ad.tensor(np.ones((1, 1, 2, 2)), requires_grad=True)
ad.max_pool2d(tied, 2).sum().backward()
assert (tied.grad.numpy()[0, 0] == [[1, 0], [0, 0]]).all()

# %% [markdown]
# ## Translation invariance
#
# Move a bright pixel inside its $2 \times 2$ window: the max-pooled map does not change.
# Move it into the next window and the output moves by one cell: pooling gives invariance to
# *small* shifts only.

# %%
def spot(row, col):
    image = np.zeros((1, 1, 4, 4), np.float32)
    image[0, 0, row, col] = 1.0
    return ad.max_pool2d(ad.tensor(image), 2).numpy()[0, 0]


assert (spot(0, 0) == spot(1, 1)).all()                  # same window: same output
assert not (spot(0, 0) == spot(0, 2)).all()              # next window: the output moves

# %% [markdown]
# Global average pooling goes all the way. A convolution moves its output along with its
# input (it is *equivariant*); averaging over all positions then forgets the position
# entirely. Put a real digit on a blank 20x20 canvas at two places and compare the features.
# (Both places keep a margin as wide as the receptive field, 4 pixels, so that no feature of
# the digit falls off the edge of the map.)

# %%
images, labels = data.load_digits()
canvas = np.zeros((2, 1, 20, 20), np.float32)
canvas[0, 0, 4:12, 4:12] = images[3, 0]                  # the same digit...
canvas[1, 0, 8:16, 7:15] = images[3, 0]                  # ...moved 4 down and 3 right
nn.manual_seed(0)
features = nn.Sequential(nn.Conv2d(1, 8, 3), nn.ReLU(), nn.Conv2d(8, 8, 3), nn.ReLU())
with ad.no_grad():
    maps = features(ad.tensor(canvas))
    pooled = nn.functional.adaptive_avg_pool2d(maps, 1).numpy().reshape(2, 8)
pixels_differ = np.abs(canvas[0] - canvas[1]).max()
print(f"pixels differ by up to {pixels_differ:.2f}; pooled features differ by up to "
      f"{np.abs(pooled[0] - pooled[1]).max():.1e}")
assert pixels_differ > 0.5 and np.allclose(pooled[0], pooled[1], atol=1e-5)

# %% [markdown]
# ## Receptive fields grow with depth
#
# The **receptive field** of a unit is the patch of the input it depends on. A $3 \times 3$
# convolution sees $3 \times 3$; stacking another adds $2$ more pixels per side (1 each way),
# so three $3 \times 3$ layers see $7 \times 7$:
#
# $$RF_l = RF_{l-1} + (k_l - 1) \cdot J_{l-1}, \qquad J_l = J_{l-1} s_l$$
#
# where the jump $J$ is the product of the strides so far: a pooling layer makes every later
# layer grow the field faster. We can also *measure* it: differentiate one output unit with
# respect to the input; the pixels with a non-zero gradient are its receptive field.

# %%
def stack_of_convs(depth, pool_after=None):
    layers = []
    for k in range(depth):
        layers.append(nn.Conv2d(1, 1, 3, padding=1, bias=False))
        if pool_after == k:         # an average pool: every pixel of a window counts (a max
            layers.append(nn.AvgPool2d(2))   # pool would pass the gradient through one only)
    model = nn.Sequential(*layers)
    for p in model.parameters():
        nn.init.ones_(p)             # positive weights: every path counts, none cancels
    return model


blank = np.ones((17, 17), np.float32)
measured = {}
for depth in (1, 2, 3):
    box, influence = ad.viz.receptive_field(stack_of_convs(depth), blank, unit=(0, 8, 8))
    measured[f"{depth} conv 3x3"] = influence
    formula = nn.receptive_field([(3, 1)] * depth)
    print(f"{depth} layer(s): measured {box[2]}x{box[3]}, formula {formula}")
    assert box[2] == box[3] == formula == 2 * depth + 1

pooled_model = stack_of_convs(3, pool_after=0)      # conv, 2x2 pool, conv, conv
box, influence = ad.viz.receptive_field(pooled_model, blank, unit=(0, 4, 4))
measured["conv, pool, conv, conv"] = influence
formula = nn.receptive_field([(3, 1), (2, 2), (3, 1), (3, 1)])
print(f"with a 2x2 pooling after the first conv: measured {box[2]}x{box[3]}, "
      f"formula {formula}")
assert box[2] == formula == 3 + 1 + 2 * 2 + 2 * 2

# %%
figure = ad.viz.figure(figsize=(10, 2.9))
for ax, (title, influence) in zip(figure.subplots(1, 4), measured.items()):
    ax.imshow(influence, cmap="magma", interpolation="nearest")
    rows, cols = np.nonzero(influence)
    ax.set_title(f"{title}: {np.ptp(rows) + 1}x{np.ptp(cols) + 1}", fontsize=10)
    ax.set_xticks([])
    ax.set_yticks([])
figure.suptitle("|d unit / d pixel|: the receptive field of one unit")
ad.viz.show(figure, "10_pooling_and_receptive_fields.png")

# %% [markdown]
# The centre pixels feed the unit through many more paths than the border ones (the numbers
# are path counts here): the *effective* receptive field is peaked in the middle.

# %%
counts = measured["3 conv 3x3"][5:12, 5:12].astype(int)
print(counts)
assert counts[3, 3] == 7 * 7 and counts[0, 0] == 1

# %% [markdown]
# ## Two 3x3 layers or one 5x5?
#
# Both see $5 \times 5$. Per pair of input and output channels, two $3 \times 3$ layers hold
# $2 \cdot 9 = 18$ weights, one $5 \times 5$ layer $25$; and the stack has a non-linearity in
# between. VGG built its whole design on this: only $3 \times 3$ convolutions.

# %%
C = 64
two_small = nn.Sequential(nn.Conv2d(C, C, 3, bias=False), nn.ReLU(), nn.Conv2d(C, C, 3, bias=False))
one_large = nn.Conv2d(C, C, 5, bias=False)
assert nn.receptive_field([(3, 1), (3, 1)]) == nn.receptive_field([(5, 1)]) == 5
assert nn.count_parameters(two_small) == 18 * C * C and nn.count_parameters(one_large) == 25 * C * C
print(f"{C} channels: two 3x3 layers {nn.count_parameters(two_small):,} weights, "
      f"one 5x5 layer {nn.count_parameters(one_large):,}")

# %% [markdown]
# ## What to remember
#
# - Max pooling keeps the strongest response and sends the whole gradient back to it;
#   average pooling shares it out.
# - Pooling gives invariance to small shifts; global average pooling forgets position.
# - Receptive fields grow by $(k - 1) \times$ jump per layer: three $3 \times 3$ layers see
#   $7 \times 7$, and pooling makes them grow faster.
# - Two $3 \times 3$ layers cover $5 \times 5$ with 18 instead of 25 weights per channel pair.
