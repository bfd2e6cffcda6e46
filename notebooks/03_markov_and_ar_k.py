# %% [markdown]
# # 03 · The Markov assumption and AR(k)
#
# **What you will learn**
# - to put the pixels in an order and let each one depend only on the $k$ pixels just before it: the AR($k$)
#   model;
# - its parameter count, $\sum_j 2^{\min(j,k)}$: $n$ for $k=0$, $2n-1$ for the Markov chain $k=1$, $2^n-1$ for
#   $k=n-1$ (the chain rule);
# - that the maximum-likelihood lookup tables are conditional frequencies — fitted by counting, with no
#   gradient descent;
# - what happens on real digits as $k$ grows: the test NLL first falls, then rises (overfitting), and the
#   samples show what each $k$ can draw;
# - that on a tiny 4×4 image AR(15) *is* the full joint table.

# %%
import inspect

import matplotlib.pyplot as plt
import numpy as np
import torch

import genlib
from genlib import counting, data, orderings, results, train, viz
from genlib.joint import Joint
from genlib.models import MarkovTable, all_binary_images

SEED = genlib.seed_everything(0)
DEVICE = genlib.device()
QUICK = genlib.quick_mode()
print(f"seed {SEED}, quick mode: {QUICK}  (set GENLIB_QUICK=1 for tiny budgets)")

# %% [markdown]
# ## The picture: a window sliding along the pixels
# Read the image in raster order (row by row) and number the pixels in that order from 0:
# $x_{o_0}, \dots, x_{o_{n-1}}$ ($o_j$ is the index of the $j$-th pixel generated). The chain rule lets pixel
# $j$ depend on *all* earlier pixels; chapter 02 showed that most of the information comes from close
# neighbours. AR($k$) keeps only the $k$ most recent ones — a window of $k$ pixels sliding along the ordering.
# The picture shows the pixel at (row 14, column 14), counting rows and columns from 0 at the top left, and
# what it sees for three values of $k$.

# %%
from matplotlib.patches import Patch

COLOURS = {"pixel being generated": (1.0, 0.0, 0.0), "its context (what it sees)": (1.0, 0.6, 0.0),
           "generated already": (0.85, 0.85, 0.85), "not generated yet": (0.0, 0.0, 0.0)}


def context_picture(k, j=14 * 28 + 14, H=28, W=28):
    order = orderings.get("raster", H, W)
    img = torch.zeros(H * W, 3)  # black: not generated yet
    img[order[:j]] = torch.tensor(COLOURS["generated already"])
    img[order[max(0, j - k):j]] = torch.tensor(COLOURS["its context (what it sees)"])
    img[order[j]] = torch.tensor(COLOURS["pixel being generated"])
    return img.view(H, W, 3)


fig, ax = plt.subplots(1, 3, figsize=(10, 4))
for a, k in zip(ax, [1, 4, 16]):
    a.imshow(context_picture(k)), a.set_title(f"AR({k}): pixel (14, 14) sees {k}"), a.axis("off")
    a.plot(14, 14, "o", ms=14, mfc="none", mec="red", mew=1.5)  # a ring around the red pixel
fig.legend(handles=[Patch(fc=c, ec="grey", label=name) for name, c in COLOURS.items()], loc="lower center",
           ncol=4, frameon=False)
fig.subplots_adjust(bottom=0.12)

# %% [markdown]
# What to see: even AR(16) sees only the 14 pixels to its left in row 14 and, because the window wraps around
# the end of a row, the last two pixels of row 13 (the orange pair at the far right): nothing near the pixel
# above, (13, 14), which is 28 steps back. That limits what a lookup table can learn, whatever the amount of
# data.
#
# ## The maths
# With the ordering $o$ and $k$ fixed, and pixels numbered $j = 0, \dots, n-1$ in generation order,
# $$p(x) = \prod_{j=0}^{n-1} p\big(x_{o_j} \mid x_{o_{j-k}}, \dots, x_{o_{j-1}}\big),$$
# the chain rule with the assumption that $x_{o_j}$ is conditionally independent of everything before
# $x_{o_{j-k}}$ given the $k$ pixels in between (the order-$k$ Markov assumption). For $j < k$ the window
# reaches before the first pixel: the values $x_{o_{j-k}}, \dots, x_{o_{-1}}$ do not exist, and we set them to
# 0 (zero padding, as the code below does). So pixel $j$ has $\min(j, k)$ real parents; read as a binary
# number (oldest first), the window is $c \in \{0, \dots, 2^{\min(j,k)} - 1\}$, since the padded leading zeros
# cannot raise it. Its lookup table has one Bernoulli parameter per row, stored as a logit (chapter 00):
# $p(x_{o_j} = 1 \mid c) = \sigma(\theta_{j,c})$ with $\sigma(a) = 1/(1+e^{-a})$. In all
#
# $$\#\theta = \sum_{j=0}^{n-1} 2^{\min(j,k)} =
# \underbrace{(1 + 2 + \dots + 2^{k-1})}_{2^k - 1} + (n - k)\,2^k \qquad (n > k).$$
#
# $k = 0$: $n$ (independent pixels). $k = 1$: $1 + 2(n-1) = 2n - 1$ (a Markov chain). $k = n - 1$: $2^n - 1$
# (the chain rule, the full table). `genlib.counting.markov_table(n, k)` is this formula, and
# `genlib.models.MarkovTable(shape, k)` holds exactly that many numbers:

# %%
# NBVAL_CHECK_OUTPUT
n = 28 * 28
for k in [0, 1, 2, 4, 8, 12, 16]:
    model = MarkovTable((1, 28, 28), k=k)
    held = sum(p.numel() for p in model.parameters())
    print(f"AR({k:2d}) on 784 pixels: {held:>11,} parameters   formula {counting.markov_table(n, k):>11,}   "
          f"equal: {held == counting.markov_table(n, k)}")
print(f"k = 1 is 2n - 1 = {2 * n - 1:,};  k = 0 is n = {n};  AR(28), to reach the pixel above: "
      f"{counting.markov_table(n, 28):,} "
      f"(too many to store: MarkovTable stops at {genlib.models.markov.MAX_PARAMETERS:,})")
del model

# %% [markdown]
# ## The code
# The whole model is one flat vector `logits` holding every table, one after another (`offset[j]` is where
# pixel $j$'s table starts). The forward pass reorders the pixels, slides a window of $k$ over them with
# `unfold`, reads each window as a binary number (oldest pixel the most significant bit) and looks the rows up
# — no Python loop over pixels. Three details of `_context`, printed below: `F.pad(xo, (k, 0))` puts $k$ zeros
# before step 0 (the zero padding of the maths), so the first windows hold zeros where no pixel exists yet;
# `self.powers` is $[2^{k-1}, \dots, 2, 1]$, the place values of the $k$ window slots, oldest first; and for
# $k = 0$, where `unfold` cannot cut windows of size 0, `padded[:, :n, None][..., :0]` builds an empty
# $(B, n, 0)$ window, so every context is row 0 (each pixel has a one-row table). The example after the source
# runs it on one 2×3 image with $k = 3$: step $j$'s row stays below $2^{\min(j,k)}$, as in the maths.

# %%
print(inspect.getsource(MarkovTable._context))
small = MarkovTable((1, 2, 3), k=3)
xo = torch.tensor([[1.0, 0.0, 1.0, 1.0, 0.0, 1.0]])  # one image, its 6 pixels in generation order
row, windows = small._context(xo)
print("k = 3, powers:", small.powers.tolist())
for j in range(6):
    print(f"step {j}: window {windows[0, j].long().tolist()} -> row {row[0, j].item()}  "
          f"(< 2**min({j}, 3) = {2 ** min(j, 3)})")

# %% [markdown]
# **Fitting by counting.** The log-likelihood separates into one Bernoulli per table row: row $c$ of pixel $j$
# sees the pixel values that followed context $c$ in the training images. By chapter 01 its maximum-likelihood
# estimate is the frequency $\hat p(1 \mid c) = N_1(c) / N(c)$, where $N(c)$ counts the training pixels at
# step $j$ whose context was $c$ and $N_1(c)$ those of them that were 1. Rows whose context never occurred
# get no data at all (we leave them at $1/2$), and rows seen once get probability 0 or 1 — one surprise in the
# test set would then cost an infinite NLL. In the code the logits are clipped at $\pm 25$ (`LOGIT_MAX` in
# `genlib/models/markov.py`), so "probability 0" is really $\sigma(-25) \approx 1.4 \cdot 10^{-11}$ and a
# surprise costs about 25 nats: that is why every $\alpha = 0$ NLL below is finite, though often large, and
# "exact optimum" below means exact up to that clip. **Laplace (add-$\alpha$) smoothing** adds $\alpha$
# imaginary zeros and ones to every row:
# $$\hat p_\alpha(1 \mid c) = \frac{N_1(c) + \alpha}{N(c) + 2\alpha}.$$
# We choose $\alpha$ on the validation split. The code splits the fit in two so that we count once and try
# many $\alpha$: `model.counts(x)`, printed below, returns the pair `(ones, total)` — one `bincount` of the
# row indices, weighted by the pixel values for `ones` — so `counts[0]` is $N_1(c)$ and `counts[1]` is $N(c)$
# for every row of every table; `model.set_tables(ones, total, alpha)` writes
# $\mathrm{logit}\,\hat p_\alpha(1 \mid c)$ (clipped at $\pm 25$, and $1/2$ where $N(c) + 2\alpha = 0$) into
# `logits` and returns the model; `fit_counts(x, alpha)` is the two in one call.

# %%
print(inspect.getsource(MarkovTable.counts))
clip = torch.tensor(-genlib.models.markov.LOGIT_MAX)
print(f"LOGIT_MAX = {-clip.item()}: sigmoid({clip.item()}) = {torch.sigmoid(clip).item():.1e}; "
      f"a surprise costs -log sigmoid({clip.item()}) = {-torch.nn.functional.logsigmoid(clip):.2f} nats")

# %% [markdown]
# ## Experiment: AR($k$) on 4,000 real digits
# For each $k$ we count once on the 4,000 training digits, try a few $\alpha$, keep the one with the best
# validation NLL, and report the NLL in nats per image on the 500 test digits.

# %%
x_train, x_val, x_test = (data.load("mnist5k", s) for s in ("train", "val", "test"))
ks = genlib.budget(full=[0, 1, 2, 3, 4, 5, 6, 8, 10, 12, 14, 16], quick=[0, 1, 2, 4])
alphas = genlib.budget(full=[0.0, 0.01, 0.03, 0.1, 0.3, 1.0], quick=[0.0, 0.1, 1.0])
rows, samples = [], {}
for k in ks:
    model = MarkovTable((1, 28, 28), k=k).to(DEVICE)
    counts = model.counts(x_train.to(DEVICE))
    val = {a: train.evaluate(model.set_tables(*counts, alpha=a), x_val) for a in alphas}
    best = min(val, key=val.get)
    model.set_tables(*counts, alpha=best)
    rows.append(dict(k=k, params=counting.markov_table(n, k), alpha=best,
                     train=train.evaluate(model, x_train), val=val[best], test=train.evaluate(model, x_test),
                     mle_val=val[0.0],
                     mle_train=train.evaluate(model.set_tables(*counts, alpha=0.0), x_train),
                     unseen=(counts[1] == 0).double().mean().item()))
    model.set_tables(*counts, alpha=best)  # back to the chosen alpha before sampling
    samples[k] = model.sample(16).cpu()
    print(f"AR({k:2d}): alpha = {best:<5} val NLL {val[best]:7.2f}   (alpha = 0: {val[0.0]:9.2f})")
    del model, counts

# %%
print(" k      params  alpha  train NLL  test NLL  rows never seen   train NLL at alpha = 0")
for r in rows:
    print(f"{r['k']:2d} {r['params']:>11,}  {r['alpha']:5}  {r['train']:9.2f}  {r['test']:8.2f}  "
          f"{100 * r['unseen']:6.2f} %          {r['mle_train']:9.2f}")
best_row = min(rows, key=lambda r: r["val"])
print(f"best k on the validation split: k = {best_row['k']}, test NLL {best_row['test']:.2f} nats "
      f"({train.bits_per_dim(best_row['test'], 784):.3f} bits per pixel)")

# %%
_ = results.record("03", f"MarkovTable (k={best_row['k']})", nll_nats=best_row["test"],
                   params=best_row["params"])

fig, ax = plt.subplots(figsize=(7.5, 4))
P = [max(r["params"], 1) for r in rows]
ax.semilogx(P, [r["test"] for r in rows], "o-", label="test NLL (alpha chosen on validation; labels: k)")
ax.semilogx(P, [r["val"] for r in rows], "d-", ms=4, label="validation NLL (same alpha)")
ax.semilogx(P, [r["train"] for r in rows], "s--", label="train NLL (same alpha)")
ax.semilogx(P, [r["mle_train"] for r in rows], "^:", color="grey", label="train NLL at alpha = 0 (the MLE)")
for r in rows:
    ax.annotate(f"k={r['k']}", (r["params"], r["test"]), textcoords="offset points", xytext=(0, 6),
                fontsize=8)
ax.axvline(best_row["params"], color="grey", ls=":", label=f"best k on validation (k = {best_row['k']})")
ax.set_xlabel("parameters (log scale)"), ax.set_ylabel("NLL (nats per image)")
ax.set_title("AR(k) lookup tables on mnist5k"), ax.legend();

# %% [markdown]
# What to see: with the smoothing chosen on validation, the train NLL falls from $k=0$ to $k=12$, then ticks
# up at $k=14$ (the table above), because the larger the table, the fewer training digits each of
# its rows holds, and smoothing with $\alpha = 0.3$ pulls such thin rows away from what the training digits
# did; at $k=16$ validation picked a smaller $\alpha$, and the train NLL drops again. The maximum-likelihood
# tables ($\alpha = 0$, last column and grey curve) fit the training digits better at every $k$, and their
# train NLL can only fall as $k$ grows: an AR($k+1$) table can copy any AR($k$) table, so its best fit is at
# least as good. Meanwhile the test NLL (labelled with $k$) falls steeply from $k=0$ to a few pixels,
# flattens, and then *rises*, and the validation NLL follows it a few nats lower:
# with 4,000 images, the rows of a large table are mostly never seen (the "rows never seen" column) or seen a
# handful of times, so the model memorizes instead of generalizing. The sweet spot, the best validation NLL
# (vertical dotted line, $k = 5$), sits between independence ($k=0$, 784 parameters) and the chain rule
# ($k=783$, a 237-digit count). Without smoothing the large tables are far worse on validation (the printed
# "alpha = 0" column of the loop).

# %%
show = [k for k in [0, 1, 2, 4, 8, 16] if k in samples]
fig, ax = plt.subplots(1, len(show) + 1, figsize=(2.3 * (len(show) + 1), 2.8))
shuffled = torch.randperm(len(x_test), generator=torch.Generator().manual_seed(0))
viz.show_grid(x_test[shuffled[:16]], "real digits", ax=ax[0])
for a, k in zip(ax[1:], show):
    viz.show_grid(samples[k], f"AR({k}) samples", ax=a)
plt.tight_layout()

# %% [markdown]
# Left: 16 test digits picked at random, for comparison. Then 16 samples of each AR($k$), drawn with the
# $\alpha$ chosen on validation (0.3, and 0.1 for $k = 16$: the loop's printout).
#
# What to see (white is ink): up to $k = 8$ the samples are centred, digit-sized blobs, even at $k = 0$,
# because each position has its own table, which knows how often ink falls there; that is the only vertical
# structure the models draw. From
# $k=1$ on, the blob is made of horizontal strokes — runs of ink whose length the model learned — because the
# pixel above is 28 steps back, outside every window here (AR(28) would need about $2 \cdot 10^{11}$
# parameters, printed above). AR(8) also draws dotted lines, ink and background alternating along a row: a
# window of 8 can hold such a pattern, and, in contexts that few training digits reached, keep repeating it.
# Some of AR(8)'s dotted lines run to the image edges, and most of AR(16)'s samples are noise spreading over
# much of the frame: the largest tables draw mostly noise, because a sample soon
# reaches a context that no training digit showed, whose row holds the smoothing default 1/2, and each noisy
# pixel makes the next context even less likely to have been seen. Lookup tables cannot go further: chapter 04
# replaces the table by a *function* of all previous pixels.
#
# ## Counting or gradient descent
# `MarkovTable` also follows the book's model contract, so the usual training loop can fit it by gradient
# descent (Adam) on the NLL. Be precise about what that loop optimizes: the *unsmoothed* training NLL, whose
# optimum is the $\alpha = 0$ table of counts, not the smoothed table chosen above. It starts from all-$1/2$
# tables (logits 0) and stops early on the validation NLL (chapter 00). Rows seen often get close to their
# frequency; rows seen once or twice move only part of the way towards 0 or 1 — early stopping smooths too, in
# its own way — and rows never seen get no gradient and stay at $1/2$, as in the counted tables. We compare it
# with the counted tables at $\alpha = 0$ (the exact optimum of the same objective, up to the clip at
# $\pm 25$) and at the $\alpha$ chosen above. `train.fit_or_load` trains a model once and stores it in
# `~/.cache/genlib`; a later run with the same model code, data and settings reloads it instead of training,
# so the history printed ("loaded ... from the cache") is that of the original run:

# %%
k_best = best_row["k"]
sgd = MarkovTable((1, 28, 28), k=k_best).to(DEVICE)
sgd, hist = train.fit_or_load(sgd, x_train, x_val, epochs=genlib.budget(full=40, quick=1), lr=0.05,
                              batch_size=256, device=DEVICE, progress=False)
counted = MarkovTable((1, 28, 28), k=k_best).to(DEVICE)
counts = counted.counts(x_train.to(DEVICE))
print(f"AR({k_best})                        train NLL   test NLL   (nats per image)")
print(f"Adam, {hist.epochs_run:2d} epochs (best {hist.best_epoch + 1:2d}):     "
      f"{train.evaluate(sgd, x_train):8.2f}   {train.evaluate(sgd, x_test):8.2f}")
for a in [0.0, best_row["alpha"]]:
    counted.set_tables(*counts, alpha=a)
    name = "(MLE)   " if a == 0 else "(chosen)"
    print(f"counting, alpha = {a:<4} {name}:  {train.evaluate(counted, x_train):8.2f}   "
          f"{train.evaluate(counted, x_test):8.2f}")

# %% [markdown]
# What to see: on the training digits the three fits are within half a nat, and the MLE is lowest, as it must
# be: it is the optimum of the training NLL (up to the clip), which Adam stopped short of. On the test digits
# they split. The MLE is more than ten nats worse than the other two: its rows fitted to one or two training
# digits hold probabilities near 0 or 1, and each surprise in a test digit costs about 25 nats. Adam and the
# smoothed counts stay about a nat apart, the smoothed counts ahead. The tables themselves, compared row by
# row:

# %%
ones, total = counts  # N1(c) and N(c) for every row of every table
p_adam = torch.sigmoid(sgd.logits.detach().double())
often, once = total >= 100, total == 1
print(f"rows seen >= 100 times: {int(often.sum()):,};   rows seen once: {int(once.sum()):,}")


def p_other_value(p):  # median, over the rows seen once, of p(the value the one training pixel did not take)
    return torch.where(ones[once] == 1, 1 - p[once], p[once]).median().item()


print(f"Adam:                    p(value not seen) on rows seen once {p_other_value(p_adam):9.2g}")
for a in [0.0, best_row["alpha"]]:
    p = torch.sigmoid(counted.set_tables(*counts, alpha=a).logits.double())
    print(f"counting, alpha = {a:<4}:  p(value not seen) on rows seen once {p_other_value(p):9.2g}   "
          f"max |p_Adam - p| on rows seen >= 100 times {(p_adam - p)[often].abs().max().item():.3f}")

# %% [markdown]
# What to see: on the rows seen often, Adam's table is within 0.038 of both counted tables. The rows seen once
# tell them apart: the MLE gives the value that did not follow their context probability
# $\sigma(-25) = 1.4 \cdot 10^{-11}$, a surprise worth 25 nats; the smoothed table gives it
# $\alpha / (1 + 2\alpha) = 0.19$; Adam, stopped early, lands in between at about 0.037 (a surprise worth
# $-\ln 0.037 \approx 3.3$ nats), far from 0 in log terms. Gradient descent does not reach the counted
# optimum; on the rows seen once it ends between the MLE and the smoothed table, because early stopping, like
# add-$\alpha$ smoothing, keeps rare rows away from 0 and 1 — which is why its test NLL is close to the
# smoothed counts' and far from the MLE's.

# %% [markdown]
# ## A tiny image: AR($n-1$) is the full joint table
# On 4×4 crops (the centre of each digit, rows and columns 12–15) there are $2^{16} = 65{,}536$ possible
# images — few enough to write the joint table down. AR(15) gives the last pixel all 15 others as context: the
# chain rule with tables, $2^{16} - 1$ parameters. Fitted with $\alpha = 0$ it reproduces the empirical joint
# table, in any ordering (exactly, up to the clip at $\pm 25$). The cell checks two orderings: a random one
# (`orderings.get("random", 4, 4, seed=1)`, a fixed shuffle of the 16 pixels, so the model generates them in
# that order instead of row by row; chapter 04 is about orderings) and the raster order. To compare the two
# tables entry by entry they must list the images in the same order: `all_binary_images` lists the 65,536
# images as the binary numbers 0 to 65,535 with the first pixel (top left, row-major) the most significant
# bit, and `Joint` flattens its table in the same order ($x_0$ first); the cell checks that too, on the
# training crops.

# %%
# NBVAL_CHECK_OUTPUT
crops = x_train[:, :, 12:16, 12:16]
table = Joint.from_data(crops.flatten(1).long(), [f"x{i}" for i in range(16)], sizes=[2] * 16)
images = all_binary_images((1, 4, 4))
place = (crops.flatten(1).long() * 2 ** torch.arange(15, -1, -1)).sum(1)  # each crop's binary number
print(f"same image order: {torch.equal(images[place], crops)}, and Joint's cell of each crop is that number: "
      f"{bool((table.table.flatten()[place] > 0).all())}")
print(f"distinct crops among {len(crops):,}: {int((table.table > 0).sum()):,} of {2 ** 16:,} cells")
for name in ["random", "raster"]:
    full = MarkovTable((1, 4, 4), k=15, ordering=orderings.get(name, 4, 4, seed=1))
    full.fit_counts(crops, alpha=0.0)
    with torch.no_grad():
        p_model = full.log_prob(images).double().exp()
    gap = (p_model - table.table.flatten()).abs().max().item()
    print(f"{name:>6} ordering: AR(15) parameters {full.logits.numel():,} = 2**16 - 1;  "
          f"max |p_AR(15)(x) - empirical p(x)| < 1e-6: {gap < 1e-6};  total probability {p_model.sum():.6f}")

# %% [markdown]
# So the 64,167 images that no training crop shows get probability 0 (up to the clip), although the rows never
# seen hold 1/2. Follow such an image through the ordering: its first pixels match some training crops, and at
# the first step $j$ where it differs from all of them, its context (the $j$ pixels before, all of them since
# $j \le 15$) *was* seen, but every training crop with that context had the other value at step $j$: that
# row's count for the image's value is 0, so the factor is $\sigma(-25)$. The rows at 1/2 come only after this
# step and cannot undo it.
#
# The same trade-off as on full digits shows on the tiny crops: the full table fits the *training* crops best,
# but on the test crops a context of 8 pixels does better.

# %%
crops_val, crops_test = x_val[:, :, 12:16, 12:16], x_test[:, :, 12:16, 12:16]
print(" k  params   alpha  train NLL  test NLL   (nats per 4x4 crop, alpha chosen on validation)")
for k in [0, 1, 2, 4, 8, 15]:
    m = MarkovTable((1, 4, 4), k=k)
    counts = m.counts(crops)
    a = min(genlib.budget(full=[0.0, 0.01, 0.1, 0.3, 1.0], quick=[0.0, 1.0]),
            key=lambda a: train.evaluate(m.set_tables(*counts, alpha=a), crops_val))
    m.set_tables(*counts, alpha=a)
    print(f"{k:2d} {counting.markov_table(16, k):7,}   {a:5}  {train.evaluate(m, crops):8.3f}  "
          f"{train.evaluate(m, crops_test):8.3f}")

# %% [markdown]
# Validation picked the largest $\alpha$ tried, 1.0, at every $k$: the edge of the grid, so a larger $\alpha$
# might do better still, and the comparison between $k$ values below holds for $\alpha \le 1$ only. For
# $k = 0, 1, 2$ the test NLL is even a little *below* the train NLL. Such small tables (16 to 59 numbers,
# each fitted to thousands of crops) cannot overfit, so train and test NLL differ only by chance: the 500 test
# crops happen to be slightly easier on average than the 4,000 training crops. From $k = 4$ on, the tables are
# large enough to fit the training crops better than new ones, and the usual gap opens.

# %% [markdown]
# ## Exercises
# Each exercise cell calls a checker that prints whether your answer is right, with a hint if not. Until you
# write your answer the cells show a red "not quite" message: that is expected.
#
# **1.** Write `markov_parameters(n, k)`: the parameters of AR($k$) lookup tables over $n$ binary pixels (any
# $k \ge 0$; for $k \ge n$ it is the full table).

# %%
from genlib.exercises import ch03


def markov_parameters(n, k):
    raise NotImplementedError  # your code here


ch03.check_markov_table_parameters(markov_parameters)

# %% [markdown]
# <details><summary>Solution</summary>
#
# ```python
# def markov_parameters(n, k):
#     return sum(2 ** min(j, k) for j in range(n))
# ```
# </details>
#
# **2.** Write `context_index(previous)`: the table row for the previous pixels `[x_(j-k), ..., x_(j-1)]`,
# oldest first (as `MarkovTable` reads them).

# %%
def context_index(previous):
    raise NotImplementedError  # your code here


ch03.check_context_index(context_index)

# %% [markdown]
# <details><summary>Solution</summary>
#
# ```python
# def context_index(previous):
#     row = 0
#     for bit in previous:         # oldest first: each new bit shifts the others left
#         row = 2 * row + bit
#     return row
# ```
# </details>
#
# **3.** How many parameters does AR(2) have on a binary 28×28 image?

# %%
answer = ...  # a number
ch03.check_ar2_parameters(answer)

# %% [markdown]
# <details><summary>Solution</summary>
#
# $1 + 2 + 4 \cdot 782 = 3{,}131$.
# </details>
#
# **4.** What is the smallest $k$ for which AR($k$) on a 4×4 binary image is the full joint table?

# %%
answer = ...  # a number
ch03.check_full_table_k(answer)

# %% [markdown]
# <details><summary>Solution</summary>
#
# $k = 15$: the last of the 16 pixels must see the other 15; then the count is $2^{16} - 1$.
# </details>
#
# ## Summary
# - AR($k$) keeps the chain rule but lets each pixel see only the $k$ previous ones: $\sum_j 2^{\min(j,k)}$
#   parameters, from $n$ ($k=0$) through $2n-1$ (the Markov chain) to $2^n - 1$ ($k = n-1$, the full table).
# - Its maximum-likelihood tables are conditional frequencies, fitted by counting; gradient descent on the
#   same NLL only approaches that optimum (the $\alpha = 0$ table); stopped early, it keeps rare rows away
#   from 0 and 1 and ends with a test NLL near the smoothed counts'.
# - On 4,000 real digits the validation NLL is best at $k = 5$: test NLL 143.55 nats per image, 0.264 bits per
#   pixel (the table above); larger tables memorize the training set, and smoothing only delays that. Samples
#   up to $k = 8$ are centred blobs of horizontal strokes (the only vertical structure comes from each
#   position's own table); the largest tables draw mostly noise.
# - Next: conditionals that are *functions* of all previous pixels, with far fewer parameters than a table
#   (chapter 04, FVSBN).
#
# ## References
# - A. A. Markov (1906). Extension of the law of large numbers to dependent quantities (in Russian).
#   *Izvestiya Fiz.-Mat. Obsch. Kazan Univ.*
# - C. E. Shannon (1948). A mathematical theory of communication. *Bell System Technical Journal* 27
#   (order-$k$ approximations of English text).
# - S. F. Chen, J. Goodman (1999). An empirical study of smoothing techniques for language modeling. *Computer
#   Speech & Language* 13(4).
# - P.-S. Laplace (1814). *Essai philosophique sur les probabilités* (the rule of succession, add-one
#   smoothing).
