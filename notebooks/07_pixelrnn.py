# %% [markdown]
# # 07 · PixelRNN: Row LSTM and Diagonal BiLSTM, on binary and colour images
#
# **What you will learn**
# - how an RGB image factorizes pixel by pixel and, inside a pixel, colour by colour;
# - how a *masked convolution* (masks A and B) keeps every conditional from seeing the future;
# - the two recurrent layers of van den Oord, Kalchbrenner & Kavukcuoglu (2016): the **Row LSTM**, which sees a
#   triangle above each pixel, and the **Diagonal BiLSTM**, which sees every previous pixel — and the skewing trick
#   that makes it fast;
# - why **PixelCNN** trains fastest of the three and what its *blind spot* is, and how the **gated PixelCNN**
#   (van den Oord et al., 2016b) closes it with a vertical and a horizontal stack;
# - what sampling costs: one sequential step per pixel and per colour, and how keeping earlier work makes a
#   step cheap.
#
# In chapters 05 and 06, NADE and MADE computed every conditional $p(x_i \mid x_{<i})$ with one hidden layer. They treat the
# image as a list of 784 numbers: nothing in it knows that pixel 29 is *below* pixel 1. PixelRNN keeps the exact
# autoregressive likelihood and adds what we know about images: features are computed by convolutions (the same
# weights at every position), and two-dimensional LSTMs carry information across the image.

# %%
import inspect
import time

import matplotlib.pyplot as plt
import numpy as np
import torch

import genlib
from genlib import data, results, train, viz
from genlib.models import DiagonalBiLSTM, GatedPixelCNN, PixelCNN, RowLSTM
from genlib.models import masked, pixel, pixelrnn

SEED = genlib.seed_everything(0)
DEVICE = genlib.device()
QUICK = genlib.quick_mode()
print(f"seed {SEED}, quick mode: {QUICK}  (set GENLIB_QUICK=1 for tiny budgets)")

# %% [markdown]
# ## The factorization: pixels in raster order, colours in order R, G, B
# An image $x$ of $n$ pixels with $C$ colour channels is generated in **raster order** (row by row, left to right),
# and inside pixel $i$ colour by colour:
#
# $$p(x) = \prod_{i=1}^{n} p(x_{i,R} \mid x_{<i})\; p(x_{i,G} \mid x_{<i}, x_{i,R})\; p(x_{i,B} \mid x_{<i}, x_{i,R}, x_{i,G}).$$
#
# Each factor is a distribution over one number: a Bernoulli for a binary pixel (a sigmoid output) or a categorical
# over the 256 levels of an 8-bit channel (a 256-way softmax — no assumption of smoothness between levels). A network
# outputs *all* $nC$ conditionals in one forward pass, so training is parallel; what it must never do is let the
# output for $x_{i,c}$ depend on $x_{i,c}$ itself or on anything after it.
#
# ## Masked convolutions: masks A and B
# A convolution centred on pixel $i$ is allowed to see the rows above and the pixels to the left; we multiply its
# kernel by a 0/1 mask that removes the rest. At the centre the feature maps are split into three groups, one per
# colour, and
#
# - **mask A** (first layer, which sees the image): group $g$ sees only *earlier* colours of the centre pixel ($g' < g$):
#   the R features see nothing of pixel $i$, the G features see its R, the B features its R and G;
# - **mask B** (every later layer): group $g$ sees groups $g' \le g$ — the features of group $g$ already exclude $x_{i,g}$.
#
# The mask is applied *functionally*, `F.conv2d(x, weight * mask)`: the forbidden weights get zero gradient, so no
# training step can bring a forbidden connection back.

# %%
print(inspect.getsource(masked.causal_mask))

# %%
groups = masked.channel_groups(3, 3)
mask_a = masked.causal_mask(groups, groups, (7, 7), "A")
mask_b = masked.causal_mask(groups, groups, (7, 7), "B")
fig, axes = plt.subplots(1, 3, figsize=(10, 3.2))
axes[0].imshow(mask_a[0, 0], cmap="Greens", vmin=0, vmax=1)
axes[0].set_title("7x7 spatial mask (R -> R, mask A)")
for ax, m, name in ((axes[1], mask_a, "A"), (axes[2], mask_b, "B")):
    ax.imshow(m[:, :, 3, 3], cmap="Greens", vmin=0, vmax=1)
    ax.set_xticks(range(3), ["R in", "G in", "B in"])
    ax.set_yticks(range(3), ["R out", "G out", "B out"])
    ax.set_title(f"centre tap, mask {name}")
axes[0].axis("off")
plt.tight_layout()

# %% [markdown]
# Left: the kernel sees the three rows above and the three pixels to the left (green), never the centre's own value
# or anything after it. Middle and right: at the centre, mask A connects an output colour only to earlier input
# colours (a strictly lower triangle); mask B adds the diagonal.
#
# ## Three ways to collect the context
# All three models of this chapter share one architecture around a different core:
#
# $$x \xrightarrow{\;7\times 7,\ \text{mask A}\;} 2h \text{ maps} \xrightarrow{\;\text{core layer} + \text{residual},\ \times L\;}
# \xrightarrow{\;\text{ReLU},\ 1\times1\ \text{B}\;} \xrightarrow{\;\text{ReLU},\ 1\times1\ \text{B}\;} \text{logits}.$$
#
# **Row LSTM.** Rows are processed top to bottom; one LSTM step computes a whole row. With $\mathbf{x}_r$ row $r$ of the
# layer's input and $\mathbf{h}_{r-1}, \mathbf{c}_{r-1}$ the previous row's states,
#
# $$[\mathbf{o}_r, \mathbf{f}_r, \mathbf{i}_r, \mathbf{g}_r] = \sigma\!\left(\mathbf{K}^{ss} \circledast \mathbf{h}_{r-1} + \mathbf{K}^{is} \circledast \mathbf{x}_r\right),\quad
# \mathbf{c}_r = \mathbf{f}_r \odot \mathbf{c}_{r-1} + \mathbf{i}_r \odot \mathbf{g}_r,\quad \mathbf{h}_r = \mathbf{o}_r \odot \tanh(\mathbf{c}_r)$$
#
# ($\sigma$ is the sigmoid for $\mathbf{o}, \mathbf{f}, \mathbf{i}$ and $\tanh$ for $\mathbf{g}$). The input-to-state
# $\mathbf{K}^{is}$ is a masked $1\times k$ convolution along the row, computed for all rows at once; the state-to-state
# $\mathbf{K}^{ss}$ is a width-3 convolution over the row above. Each step looks one row up and one pixel sideways, so
# the context is a **triangle** above the pixel.
#
# **Diagonal BiLSTM.** Pixel $(r, c)$ takes its state from $(r-1, c)$ *and* $(r, c-1)$: the context becomes the whole
# quarter-plane above-left. To compute a whole *diagonal* in one step, **skew** the map: shift row $r$ right by $r$
# places, so that the diagonals become columns. On the skewed map the state-to-state is a $2\times 1$ convolution down
# a column and the input-to-state a $1\times1$ (mask B) convolution. A second LSTM runs right to left (flip the width,
# run, flip back); it sees $(r' \le r, c' \ge c)$, which includes the future of row $r$, so its output is **shifted
# down by one row** and added to the first: together, every previous pixel.

# %%
x_demo = torch.arange(12.0).view(1, 1, 3, 4)
print("a 3x4 map:\n", x_demo[0, 0].int())
print("skewed (row r shifted right by r): every column is a diagonal\n", pixelrnn.skew(x_demo)[0, 0].int())
print("unskew(skew(x)) == x:", torch.equal(pixelrnn.unskew(pixelrnn.skew(x_demo), 4), x_demo))

# %%
print(inspect.getsource(pixelrnn.DiagonalLSTM.forward))
print(inspect.getsource(pixelrnn.DiagonalLSTM.step))
print(inspect.getsource(pixelrnn.DiagonalBiLSTMLayer.forward))

# %% [markdown]
# One detail the paper leaves open. The features at $(r, c)$ never contain the pixel $x_{r,c}$ itself (mask A), and
# row $r-1$'s features therefore never contain its *last* pixel $x_{r-1, W-1}$. After the one-row shift, nothing would
# carry that pixel to $(r, c)$ unless the $7\times7$ input layer reaches it, i.e. only for $c \ge W-4$. We let the
# right-to-left LSTM also read the pixel at its own position (`pixel_to_state`), which is safe precisely because its
# output is shifted down a row. The gradient test below (and `tests/test_pixelrnn.py`) checks that now *every*
# previous pixel is seen and no later one is.
#
# **PixelCNN** replaces the LSTM by residual blocks of masked $3\times3$ convolutions: no loop at all, so it is the
# fastest to train — but its context grows by one pixel per layer, and a region above-right is never reached.
#
# ## Receptive fields, measured by gradients
# Which inputs does the output at pixel $(r, c)$ depend on? Back-propagate that one output to the input image:
# every pixel with a nonzero gradient is in its context (`pixel.receptive_field`).

# %%
# NBVAL_CHECK_OUTPUT
R, C_ = 10, 7
shape15 = (1, 15, 15)
torch.manual_seed(0)
fresh = {"Row LSTM": RowLSTM(shape15, layers=2, hidden=16), "Diagonal BiLSTM": DiagonalBiLSTM(shape15, layers=1, hidden=16),
         "PixelCNN": PixelCNN(shape15, layers=4, hidden=24)}
fields = {name: pixel.receptive_field(m, R, C_)[0] for name, m in fresh.items()}
earlier = torch.arange(15 * 15).view(15, 15) < R * 15 + C_
for name, g in fields.items():
    print(f"{name:16s} sees {int((g[earlier] > 0).sum()):3d} of the {int(earlier.sum())} earlier pixels, "
          f"{int((g[~earlier] > 0).sum())} later ones")

# %%
fig, axes = plt.subplots(1, 3, figsize=(11, 3.8))
for ax, (name, g) in zip(axes, fields.items()):
    ax.imshow(np.where(earlier, 0.25, 0.0), cmap="Greys", vmin=0, vmax=1)
    ax.imshow(np.ma.masked_where(g == 0, (g / g.max()) ** 0.25), cmap="viridis", vmin=0, vmax=1)
    ax.add_patch(plt.Rectangle((C_ - 0.5, R - 0.5), 1, 1, fill=False, ec="red", lw=2))
    ax.set_title(name)
    ax.axis("off")
plt.suptitle(f"inputs that the output at pixel ({R}, {C_}) (red) depends on; grey = earlier pixels")
plt.tight_layout()

# %% [markdown]
# The Row LSTM sees a widening triangle above the pixel and only a few pixels to its left; the Diagonal BiLSTM
# covers every grey pixel; PixelCNN (4 residual blocks) sees a cone that misses the pixels above and to the right —
# its blind spot, which no number of $3\times3$ layers removes (van den Oord et al., 2016b, pointed it out and
# closed it; next section). None sees the red pixel or anything after it.
#
# ## The gated PixelCNN: no blind spot
# Why the blind spot? A masked $3\times3$ kernel at $(r, c)$ reads $(r-1, c-1..c+1)$ and $(r, c-1)$. Stack such
# layers and the context grows as a cone, one row up and one column to each side per layer. The earlier pixels in
# the rows above that lie right of the cone's edge could only be reached through pixels of the current row further
# right — the future, which the mask cuts off. That wedge above-right is the blind spot. Van den Oord, Kalchbrenner, Vinyals, Espeholt, Graves & Kavukcuoglu (2016b) split the network in two
# **stacks** that run side by side:
# - the **vertical stack** convolves the rows *above* with an unmasked kernel that reaches every column on both
#   sides — it may see the whole row above, because it is used only after a **shift down by one row**;
# - the **horizontal stack** convolves the *current row*, masked to the pixels on the left, and adds the vertical
#   stack's features of the row above (a $1\times1$ convolution of the shifted map);
# - both use a **gated** activation, $y = \tanh(a) \odot \sigma(b)$ (two halves of the convolution's outputs),
#   and the horizontal stack has a residual connection.
#
# The picture shows what the first layer reads for the red pixel (its $7\times7$ reach, as PixelCNN's first layer):

# %%
fig, ax = plt.subplots(figsize=(4.6, 4.2))
grid = np.zeros((9, 9))
r0, c0 = 6, 4                                   # the red pixel, in a 9x9 window
grid[r0 - 4:r0, c0 - 3:c0 + 4] = 1              # vertical stack: 4 rows above, 3 columns each way (after the shift)
grid[r0, c0 - 3:c0] = 2                         # horizontal stack: 3 pixels to the left, in the same row
im = ax.imshow(grid, cmap=plt.matplotlib.colors.ListedColormap(["white", "tab:blue", "tab:orange"]), vmin=0, vmax=2)
ax.add_patch(plt.Rectangle((c0 - 0.5, r0 - 0.5), 1, 1, fill=False, ec="red", lw=2))
ax.set_xticks(np.arange(-0.5, 9), minor=True), ax.set_yticks(np.arange(-0.5, 9), minor=True)
ax.grid(which="minor", color="lightgrey"), ax.tick_params(which="both", length=0, labelbottom=False, labelleft=False)
cb = fig.colorbar(im, ax=ax, ticks=[1 / 3, 1, 5 / 3], fraction=0.046)
cb.ax.set_yticklabels(["not read", "vertical stack\n(rows above)", "horizontal stack\n(left, same row)"])
ax.set_title("first gated layer: what the red pixel reads", fontsize=10);

# %% [markdown]
# Each further layer ($3\times3$ here) widens both regions by one pixel each way; since the vertical stack sees full
# rows of its window, the region above grows as a rectangle, not a cone. The key lines of one layer:

# %%
from genlib.models import gated_pixelcnn

print(inspect.getsource(gated_pixelcnn.GatedLayer.forward))

# %% [markdown]
# The receptive fields by gradients, PixelCNN (4 residual blocks, as above) next to a gated PixelCNN with its
# default 7 layers, both untrained, on the same $15\times15$ image and pixel $(10, 7)$:

# %%
# NBVAL_CHECK_OUTPUT
torch.manual_seed(0)
gated = GatedPixelCNN(shape15, channels=8, out_hidden=16)
side = {"PixelCNN": fields["PixelCNN"], "Gated PixelCNN": pixel.receptive_field(gated, R, C_)[0]}
for name, g in side.items():
    print(f"{name:15s} sees {int((g[earlier] > 0).sum()):3d} of the {int(earlier.sum())} earlier pixels, "
          f"{int((g[~earlier] > 0).sum())} later ones")

# %%
fig, axes = plt.subplots(1, 2, figsize=(9, 4))
for ax, (name, g) in zip(axes, side.items()):
    ax.imshow(np.where(earlier, 0.25, 0.0), cmap="Greys", vmin=0, vmax=1)
    im = ax.imshow(np.ma.masked_where(g == 0, (g / g.max()) ** 0.25), cmap="viridis", vmin=0, vmax=1)
    ax.add_patch(plt.Rectangle((C_ - 0.5, R - 0.5), 1, 1, fill=False, ec="red", lw=2))
    ax.set_title(f"{name}: {int((g[earlier] > 0).sum())} of {int(earlier.sum())} earlier pixels"), ax.axis("off")
fig.colorbar(im, ax=axes, fraction=0.03, label="|gradient| / max, to the power 1/4")
plt.suptitle(f"inputs the output at pixel ({R}, {C_}) (red) depends on; grey = earlier pixels, not seen");

# %% [markdown]
# What to see: PixelCNN's cone leaves the grey wedge above-right of the red pixel unseen (and, with 4 blocks,
# the top rows out of reach); the gated PixelCNN's
# region covers every grey pixel (the counts above), and neither sees the red pixel or anything after it. We do not
# train the gated PixelCNN in this chapter: seven gated layers on both stacks take too long on a CPU. Its test NLL
# on binarized MNIST comes with its reference checkpoint (`genlib.recipes`), and
# `python -m genlib train gated_pixelcnn` trains one.
#
# ## The models we train
# The paper used 7 layers with $h = 16$ on MNIST and trained for days on GPUs. We use one or two layers and train each
# model for a fixed few CPU minutes. A convolution's weights do not depend on the image size, so these counts hold for
# any $H \times W$:

# %%
# NBVAL_CHECK_OUTPUT
CONFIGS = {"Row LSTM": (RowLSTM, dict(layers=2, hidden=16)),
           "Diagonal BiLSTM": (DiagonalBiLSTM, dict(layers=1, hidden=16)),
           "PixelCNN": (PixelCNN, dict(layers=4, hidden=24))}
for name, (cls, kw) in CONFIGS.items():
    m = cls((1, 28, 28), **kw)
    print(f"{name:16s} {kw}  {sum(p.numel() for p in m.parameters()):,} parameters")

# %% [markdown]
# ## Binarized digits
# The same 5,000 binarized MNIST digits as every chapter (`mnist5k`: 4,000 train, 500 validation, 500 test).
# In quick mode we train on 8×8 centre crops of a hundred digits, through the same code.

# %%
SIZE = genlib.budget(full=28, quick=8)
N = genlib.budget(full=None, quick=128)


def crop(x, size=SIZE):
    o = (28 - size) // 2
    return x[:N, :, o:o + size, o:o + size]


x_train, x_val, x_test = (crop(data.load("mnist5k", s)) for s in ("train", "val", "test"))
print("train", tuple(x_train.shape), "val", tuple(x_val.shape), "test", tuple(x_test.shape))

# %%
MINUTES = {"Row LSTM": 1.0, "Diagonal BiLSTM": 1.25, "PixelCNN": 0.75}  # wall-clock budget per model (full mode)
models, histories, nll = {}, {}, {}
for name, (cls, kw) in CONFIGS.items():
    genlib.seed_everything(0)
    m = cls((1, SIZE, SIZE), **kw).to(DEVICE)
    models[name], histories[name] = train.fit_or_load(
        m, x_train, x_val, epochs=genlib.budget(full=30, quick=1), minutes=genlib.budget(full=MINUTES[name], quick=None),
        batch_size=64, lr=3e-3, device=DEVICE, name=f"ch07-{name.replace(' ', '_')}")
    nll[name] = train.evaluate(models[name], x_test)
    h = histories[name]
    print(f"{name:16s} {h.epochs_run} epochs in {h.seconds:.0f} s: test NLL {nll[name]:.2f} nats "
          f"({train.bits_per_dim(nll[name], SIZE * SIZE):.4f} bits/pixel)")
    results.record("07", name, nll_nats=nll[name], epochs=h.epochs_run, seconds=round(h.seconds),
                   params=sum(p.numel() for p in m.parameters()))

# %%
fig, ax = plt.subplots(figsize=(6, 3.5))
for name, h in histories.items():
    ax.plot(range(1, len(h.val_nll) + 1), h.val_nll, marker="o", label=name)
ax.set_xlabel("epoch")
ax.set_ylabel("validation NLL (nats per image)")
ax.legend()
ax.set_title("validation NLL, equal wall-clock budgets");

# %% [markdown]
# A budget of a minute or two buys each model only a couple of epochs on this CPU (the times are printed above). Per
# epoch, PixelCNN (no loop, every pixel in parallel) is the cheapest and the Diagonal BiLSTM (two LSTMs,
# $2(W+H-1)$ sequential steps per layer) the most expensive.
#
# ## The results table
# Every chapter records its measured test NLL on the 500 `mnist5k` test digits (`genlib.results`); the last column
# is what the papers report on the full binarized MNIST (50,000 training digits, models trained much longer).

# %%
from IPython.display import Markdown

Markdown(results.markdown())

# %% [markdown]
# Our numbers are far from the published ones: 4,000 training digits instead of 50,000, one or two layers instead of
# seven, two epochs on a CPU instead of days on GPUs. In the run shown, the Diagonal BiLSTM — the only one of the
# three that sees every previous pixel — has the lowest test NLL, as in the paper (79.20 against PixelCNN's 81.30).
# The `--data binarized_mnist` commands in the README run the full-size experiment where there is a GPU.
#
# ## Samples and completions
# Sampling runs the factorization forward: draw pixel 0 from its conditional, write it into the image, run the
# network again for pixel 1, and so on (`model.sample`). Completion does the same for the pixels we hide.

# %%
N_SAMPLES = 16
sample_seconds = {}
fig, axes = plt.subplots(1, 4, figsize=(13, 3.6))
viz.show_grid(x_test[::31][:N_SAMPLES], "test digits", ax=axes[0])
for ax, (name, m) in zip(axes[1:], models.items()):
    genlib.seed_everything(1)
    t0 = time.time()
    s = m.sample(N_SAMPLES)
    sample_seconds[name] = time.time() - t0
    viz.show_grid(s.cpu(), f"{name}\n({sample_seconds[name]:.0f} s for {N_SAMPLES})", ax=ax)
plt.tight_layout()

# %% [markdown]
# Samples of all three models have strokes of the right thickness that continue from row to row; at our budget few
# of them are clean digits (more data, layers and epochs are what the paper adds).

# %%
known = torch.zeros(SIZE, SIZE, dtype=torch.bool)
known[: SIZE // 2] = True
genlib.seed_everything(2)
digits = x_test[::50][:8].to(DEVICE)  # the test split is sorted by label: take several digits
completed = models["Diagonal BiLSTM"].complete(digits, known)
fig, axes = plt.subplots(1, 3, figsize=(11, 2.4))
viz.show_grid(torch.where(known, digits, 0.5).cpu(), "the top half is given", nrow=8, ax=axes[0])
viz.show_grid(completed.cpu(), "Diagonal BiLSTM fills in the rest", nrow=8, ax=axes[1])
viz.show_grid(digits.cpu(), "the real digits", nrow=8, ax=axes[2])
plt.tight_layout()

# %% [markdown]
# The completions continue the strokes that cross the middle row, since the model conditions on every pixel above.
#
# ## Colour: 8-bit RGB digits
# For colour we need an RGB data set that ships with the book: `coloured_digits` (`genlib/colour.py`) paints each
# `mnist5k` digit, shrunk to 14×14, with a foreground and a background colour drawn from a palette of ten. The
# three channels of a pixel are then strongly tied: knowing the red value of a background pixel nearly fixes its
# green and blue. Each channel of each pixel is a 256-way softmax (`levels=256`); we measure in **bits per
# dimension**, $\text{NLL} / (n C \ln 2)$, the unit of the CIFAR-10 results.

# %%
CSIZE = genlib.budget(full=14, quick=6)
o = (14 - CSIZE) // 2
rgb = {s: data.load("coloured_digits", s)[:N, :, o:o + CSIZE, o:o + CSIZE] for s in ("train", "val", "test")}
print({s: tuple(x.shape) for s, x in rgb.items()}, "values", int(rgb["train"].min()), "..", int(rgb["train"].max()))
viz.show_grid(rgb["train"][:32], "coloured_digits: 8-bit RGB", levels=255);

# %%
genlib.seed_everything(0)
rgb_model = RowLSTM((3, CSIZE, CSIZE), levels=256, layers=1, hidden=24, out_hidden=96).to(DEVICE)
print(f"pixel_kind: {rgb_model.pixel_kind}, {sum(p.numel() for p in rgb_model.parameters()):,} parameters")
rgb_model, rgb_hist = train.fit_or_load(
    rgb_model, rgb["train"], rgb["val"], epochs=genlib.budget(full=30, quick=1),
    minutes=genlib.budget(full=1.0, quick=None), batch_size=64, lr=1e-2, device=DEVICE, name="ch07-rgb")
rgb_nll = train.evaluate(rgb_model, rgb["test"])
rgb_bpd = train.bits_per_dim(rgb_nll, rgb_model.dim)
print(f"{rgb_hist.epochs_run} epochs: test NLL {rgb_nll:.1f} nats per image = {rgb_bpd:.3f} bits per dimension "
      f"(uniform over 256 levels: 8 bits)")

# %% [markdown]
# Where do the bits go? The NLL splits into one term per conditional, so we can add them up per channel: R is drawn
# knowing only earlier pixels, G also knows this pixel's R, and B knows its R and G.

# %%
with torch.no_grad():
    x = rgb["test"].to(DEVICE)
    bits = torch.nn.functional.cross_entropy(rgb_model(x), x.long(), reduction="none") / np.log(2)  # (B, C, H, W)
per_channel = bits.mean((0, 2, 3)).cpu()
print("bits per dimension, channel by channel:", {c: round(b.item(), 3) for c, b in zip("RGB", per_channel)})
fig, axes = plt.subplots(1, 2, figsize=(10, 3.8), gridspec_kw={"width_ratios": [1, 1.3]})
axes[0].bar(["R | past", "G | past, R", "B | past, R, G"], per_channel, color=["tab:red", "tab:green", "tab:blue"])
axes[0].set_ylabel("bits per dimension (test)")
axes[0].set_title("cost of each channel's conditional")
genlib.seed_everything(3)
t0 = time.time()
rgb_samples = rgb_model.sample(N_SAMPLES)
viz.show_grid(rgb_samples.cpu(), f"samples ({time.time() - t0:.0f} s for {N_SAMPLES})", ax=axes[1], levels=255)
plt.tight_layout()

# %% [markdown]
# Left: in the run shown, G costs fewer bits than R and B fewer than G — the later channels of a pixel are cheaper
# because their softmax already knows the channels drawn before it (with a palette of ten colours, R nearly fixes G
# and B). Right: samples. Backgrounds come out as flat areas of one colour of the palette, with foreground
# strokes in a second colour; after so little training the strokes are rough.
#
# ## CIFAR-10, with internet and a GPU
# The same models train on CIFAR-10 (50,000 32×32 RGB photos) through `genlib.data.load("cifar10", split)`, which
# downloads the archive once and checks its SHA-256 (`genlib/download.py`). This is a GPU job: every epoch is 50,000
# images × 3,072 softmaxes of 256 levels.
#
# ```bash
# python -m genlib train diagonal_bilstm --data cifar10 --set levels=256 --set layers=7 --set hidden=64 --epochs 50 --out dbl_cifar.pt
# python -m genlib eval dbl_cifar.pt --data cifar10 --split test      # NLL and bits per dimension
# ```
#
# What to expect: the paper reports 3.00 bits/dim for the Diagonal BiLSTM, 3.07 for the Row LSTM and 3.14 for
# PixelCNN on the CIFAR-10 test set (van den Oord et al., 2016); a uniform model scores 8 bits/dim. Their models are
# deeper and wider (`--set layers=... --set hidden=...`) and trained far longer than the command above, so expect a
# shorter run to land above these numbers.
#
# ## The cost of sampling
# Training computes all $nC$ conditionals in one pass. Sampling cannot: the conditional of pixel $i$ needs the value
# just drawn for pixel $i-1$, so one image takes $nC$ sequential steps. A step need not be a whole forward pass,
# though: when pixel $i$ is drawn, everything before it is final, so genlib keeps what the network computed for the
# earlier pixels and computes only what the new pixel changes. PixelCNN keeps each layer's features and computes one
# pixel per layer; the Row LSTM keeps the state of the row above and recomputes the current row; the Diagonal
# BiLSTM keeps its left-to-right states pixel by pixel and runs the right-to-left pass once per finished row. The
# conditionals are exactly those of the full forward pass (`tests/test_sampling_cache.py` checks every step), and
# `make bench` (`benchmarks/sampling.py`) measures how much faster this is than one full pass per pixel. We time the
# sampling of one binary image of $s \times s$ pixels.

# %%
sizes = genlib.budget(full=[7, 14, 21, 28], quick=[3, 5])
cost = {name: [] for name in CONFIGS}
for name, (cls, kw) in CONFIGS.items():
    for s in sizes:
        m = cls((1, s, s), **kw).to(DEVICE).eval()
        t0 = time.time()
        m.sample(1)
        cost[name].append(time.time() - t0)
fig, ax = plt.subplots(figsize=(6, 3.6))
for name, t in cost.items():
    ax.plot([s * s for s in sizes], t, marker="o", label=name)
    print(f"{name:16s} " + "  ".join(f"{s}x{s}: {ti:.2f} s" for s, ti in zip(sizes, t)))
ax.set_xlabel("pixels n per image")
ax.set_ylabel("seconds to sample one image")
ax.legend()
ax.set_title("sampling: n steps, each computing what one new pixel changes");

# %% [markdown]
# What to see: one 28×28 image takes about a second or less on one core for all three models (0.43–1.13 s in the
# run shown). Going from 14×14 to 28×28 — four times the pixels — made sampling 3.4 (PixelCNN) to 3.8 (Row LSTM)
# times slower in that run: about the 4 times more steps, since each step computes only what one new pixel changes.
# The RGB model pays three steps per pixel. These are wall-clock times on a shared machine, so read the trend, not the
# digits.
#
# ## Exercises
# **1.** Write `allowed(out_colour, in_colour, kind)`: 1 if the centre tap of a mask of kind `"A"` or `"B"` connects
# input colour `in_colour` to output colour `out_colour` (colours 0, 1, 2 = R, G, B), else 0.

# %%
from genlib.exercises import ch07


def allowed(out_colour, in_colour, kind):
    raise NotImplementedError  # your code here


ch07.check_centre_mask(allowed)

# %% [markdown]
# <details><summary>Solution</summary>
#
# ```python
# def allowed(out_colour, in_colour, kind):
#     return int(out_colour > in_colour) if kind == "A" else int(out_colour >= in_colour)
# ```
# </details>
#
# **2.** How many sequential steps does sampling one 32×32 RGB image (CIFAR-10) take?

# %%
answer = ...  # a number
ch07.check_sampling_passes(answer)

# %% [markdown]
# <details><summary>Solution</summary>
#
# One per pixel and channel: `answer = 32 * 32 * 3` (3,072).
# </details>
#
# **3.** The paper's Row LSTM has 7 layers with $k = 3$ on top of the $7\times7$ mask-A layer. How many pixels to its
# left, in its own row, does an output see? (Measure it with `pixel.receptive_field` if you like.)

# %%
answer = ...  # a number
ch07.check_row_lstm_reach(answer)

# %% [markdown]
# <details><summary>Solution</summary>
#
# The $7\times 7$ layer reaches 3 pixels left and each layer's $1\times 3$ input-to-state convolution one more:
# `answer = 3 + 7` (10). Everything further left in the row is outside the triangle.
# </details>
#
# **4.** Write `my_skew(x)`: shift row $r$ of a map `(B, F, H, W)` right by $r$ places into a zero map `(B, F, H, W + H - 1)`.

# %%
def my_skew(x):
    raise NotImplementedError  # your code here


ch07.check_skew(my_skew)

# %% [markdown]
# <details><summary>Solution</summary>
#
# ```python
# def my_skew(x):
#     B, F, H, W = x.shape
#     out = x.new_zeros(B, F, H, W + H - 1)
#     for r in range(H):
#         out[:, :, r, r:r + W] = x[:, :, r]
#     return out
# ```
# (`pixelrnn.skew` does the same without a loop: pad each row with $H$ zeros and re-read the numbers in rows one shorter.)
# </details>
#
# ## Summary
# - An RGB image factorizes over pixels in raster order and, inside a pixel, over R, G, B; a network computes all
#   conditionals at once if masks A and B keep each output from its own value and the future.
# - The Row LSTM computes a row per step and sees a triangle above; the Diagonal BiLSTM computes a diagonal per step on
#   the skewed map, adds a right-to-left pass shifted down one row, and sees every previous pixel (we check it by
#   gradients); PixelCNN has no loop and trains fastest but has a blind spot, which the gated PixelCNN's
#   vertical and horizontal stacks close (every earlier pixel, by gradients).
# - A 256-way softmax per channel models 8-bit colour without assuming smoothness, and each channel's softmax reads
#   the channels before it.
# - Likelihoods are exact; sampling takes one step per pixel and per channel, each computing only what the new
#   pixel changes.
#
# ## References
# - A. van den Oord, N. Kalchbrenner, K. Kavukcuoglu (2016). *Pixel Recurrent Neural Networks.* ICML (Row LSTM,
#   Diagonal BiLSTM, PixelCNN, masks A and B; 79.20 and 81.30 nats on binarized MNIST, 3.00 bits/dim on CIFAR-10).
# - A. van den Oord, N. Kalchbrenner, O. Vinyals, L. Espeholt, A. Graves, K. Kavukcuoglu (2016b). *Conditional Image
#   Generation with PixelCNN Decoders.* NeurIPS (the blind spot; the gated PixelCNN's vertical and horizontal stacks).
# - H. Larochelle, I. Murray (2011). *The Neural Autoregressive Distribution Estimator.* AISTATS (binarized MNIST, FVSBN, NADE).
# - S. Hochreiter, J. Schmidhuber (1997). *Long Short-Term Memory.* Neural Computation.
# - K. He, X. Zhang, S. Ren, J. Sun (2016). *Deep Residual Learning for Image Recognition.* CVPR (residual connections).
# - A. Krizhevsky (2009). *Learning Multiple Layers of Features from Tiny Images* (CIFAR-10).
