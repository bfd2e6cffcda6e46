# %% [markdown]
# # 05 · NADE: shared weights, exact likelihood, orderings and real-valued data
#
# **What you will learn**
# - how NADE (Larochelle & Murray, 2011) turns FVSBN's $D$ separate logistic regressions into one neural
#   network whose hidden layer is *shared* by all conditionals, and why that makes all $D$ conditionals cost
#   $O(HD)$ instead of $O(HD^2)$;
# - that NADE is an explicit model: its $\log p(x)$ is exact, so we can check that it sums to one, compare models
#   in nats, detect anomalies and read features out of its hidden layer;
# - how much the pixel ordering matters, and how the *order-agnostic* NADE (Uria, Murray & Larochelle, 2014) learns
#   all orderings at once, so you can change the ordering at inference without retraining;
# - RNADE (Uria, Murray & Larochelle, 2013): the same trick for real-valued pixels, with a mixture of Gaussians
#   per conditional.
#
# Chapter 04 ended with FVSBN: a logistic regression per pixel, $D(D+1)/2$ parameters, and a model that
# overfits 4,000 digits. NADE keeps the autoregressive factorization and changes what computes each conditional.

# %%
import inspect
import math
import time

import matplotlib.pyplot as plt
import torch
from ipywidgets import interact

import genlib
from genlib import data, orderings, results, train, viz
from genlib.models import NADE, OrderAgnosticNADE, RNADE, all_binary_images
from genlib.models import nade as nade_lib
from genlib.models import nade_kernel

SEED = genlib.seed_everything(0)
DEVICE = genlib.device()
QUICK = genlib.quick_mode()
print(f"seed {SEED}, quick mode: {QUICK}  (set GENLIB_QUICK=1 for tiny budgets)")

# %% [markdown]
# ## The idea in one picture
# FVSBN computes the logit of step $d$ from the $d-1$ earlier pixels with its *own* row of weights: a triangle of
# $D(D-1)/2$ weights. NADE first maps the earlier pixels to $H$ hidden units with *one* matrix $W$, then reads the
# logit from the hidden units. Conditional $d$ uses the first $d-1$ columns of the same $W$ — so going from step
# $d$ to step $d+1$ adds exactly one column.

# %%
D_pic, H_pic, d_pic = 40, 12, 25
fig, axes = plt.subplots(1, 3, figsize=(13, 3.6))
axes[0].imshow(torch.tril(torch.ones(D_pic, D_pic), -1), cmap="Blues")
axes[0].set_title("FVSBN: row d = weights of conditional d"), axes[0].set_xlabel("earlier pixel j")
for ax, d in zip(axes[1:], (d_pic, d_pic + 1)):
    used = torch.zeros(H_pic, D_pic)
    used[:, :d - 1] = 1
    used[:, d - 2] += 0.6 * (d == d_pic + 1)  # the one new column
    ax.imshow(used, cmap="Blues", vmin=0, vmax=1.6, aspect="auto")
    ax.set_title(f"NADE: conditional d={d} reads W[:, <{d}]"), ax.set_xlabel("pixel j"), ax.set_ylabel("hidden unit")
plt.tight_layout()

# %% [markdown]
# What to see: FVSBN's weights grow with the square of the image; NADE's conditional $d+1$ reuses everything
# conditional $d$ computed and adds one column (the darker stripe).
#
# ## The maths
# With an ordering $o$ (chapter 04), NADE writes $p(x) = \prod_{d=1}^{D} p(x_{o_d} \mid x_{o_{<d}})$ and
#
# $$h_d = \sigma\Big(c + \sum_{j<d} W_{o_j}\, x_{o_j}\Big) \in \mathbb{R}^H, \qquad
#   p(x_{o_d} = 1 \mid x_{o_{<d}}) = \sigma\big(b_{o_d} + V_{o_d} \cdot h_d\big),$$
#
# where $W_i, V_i \in \mathbb{R}^H$ are the rows of two $D \times H$ matrices, $c \in \mathbb{R}^H$ and
# $b \in \mathbb{R}^D$: $2DH + D + H$ parameters. Computed as written, $h_d$ costs $O(H d)$ and all of them
# $O(HD^2)$. But the pre-activations satisfy
#
# $$a_1 = c, \qquad a_{d+1} = a_d + W_{o_d}\, x_{o_d},$$
#
# so all $D$ of them cost $O(HD)$: one running sum. The log-likelihood is the exact sum of $D$ Bernoulli
# log-probabilities, in nats.

# %%
# NBVAL_CHECK_OUTPUT
model = NADE((1, 28, 28), hidden=500)
n_params = sum(p.numel() for p in model.parameters())
D, H = 784, 500
print(f"NADE, D={D}, H={H}: {n_params:,} parameters = 2DH + D + H = {2 * D * H + D + H:,}")
print(f"FVSBN on the same image: D(D+1)/2 = {D * (D + 1) // 2:,}")
print(f"multiply-adds for all activations: naive H*D(D-1)/2 = {H * D * (D - 1) // 2:,}, shared H*(D-1) = {H * (D - 1):,}")

# %% [markdown]
# ## The code: three implementations of the same conditionals
# `genlib.models.nade` keeps the formula as written (`naive_logits`, one matrix product per conditional) and the
# running sum one pixel at a time (`loop_logits`):

# %%
print(inspect.getsource(nade_lib.naive_logits).split('"""')[-1])
print(inspect.getsource(nade_lib.loop_logits).split('"""')[-1])

# %% [markdown]
# `NADE.forward` computes the same running sum for all pixels and a whole batch at once, without a Python step per
# pixel, in its own module `genlib.models.nade_kernel` behind one call, `shared_weight_logits`. Its general kernel
# takes blocks of pixels: one matrix product with a strictly lower-triangular mask gives every pre-activation of a
# block, and only the running sum is carried from block to block (the backward pass recomputes the block, so memory
# grows with the block, not with $D$). The heart of it:

# %%
print(inspect.getsource(nade_kernel.block_activations))

# %% [markdown]
# Three implementations, one model: on a small NADE with random weights they agree to float precision, and the
# probabilities of all $2^9 = 512$ binary $3 \times 3$ images sum to exactly one, under a random ordering.

# %%
# NBVAL_CHECK_OUTPUT
torch.manual_seed(0)
small = NADE((1, 3, 3), hidden=8, ordering=orderings.get("random", 3, 3, seed=1))
with torch.no_grad():
    for p in small.parameters():
        p.add_(torch.randn_like(p))
    x9 = all_binary_images((1, 3, 3))
    fast = small(x9).flatten(1)[:, small.steps()]
    print("vectorized = naive:", torch.allclose(fast, nade_lib.naive_logits(small, x9), atol=1e-5),
          " vectorized = loop:", torch.allclose(fast, nade_lib.loop_logits(small, x9), atol=1e-5))
    print(f"sum of p(x) over all 512 images: {small.log_prob(x9).double().exp().sum().item():.6f}")

# %% [markdown]
# ### How much the shared weights save
# We time the log-likelihood of a batch of 28×28 digits with each implementation ($H=500$).
# The naive one does $D/2 = 392$ times more arithmetic.

# %%
x_train, y_train = data.load("mnist5k", "train", labels=True)
x_val = data.load("mnist5k", "val")
x_test, y_test = data.load("mnist5k", "test", labels=True)
timed = NADE((1, 28, 28), hidden=genlib.budget(full=500, quick=50))
xb = x_test[:genlib.budget(full=32, quick=4)]
seconds = {}
with torch.no_grad():
    for name, fn in [("naive O(HD²)", nade_lib.naive_logits), ("per-pixel loop O(HD)", nade_lib.loop_logits),
                     ("vectorized O(HD)", lambda m, x: m(x))]:
        t = time.perf_counter()
        fn(timed, xb)
        seconds[name] = time.perf_counter() - t
for name, s in seconds.items():
    print(f"{name:22s} {s * 1000:8.1f} ms  ({len(xb) / s:7.0f} images/s)")

# %%
fig, ax = plt.subplots(figsize=(6, 2.4))
ax.barh(list(seconds), [len(xb) / s for s in seconds.values()], color=["tab:red", "tab:orange", "tab:green"])
ax.set_xscale("log"), ax.set_xlabel("images per second (log scale), log_prob, H=500")
ax.set_title("the shared-weight trick: same numbers, O(HD) instead of O(HD²)");

# %% [markdown]
# What to see: the naive formula is the slowest, but by far less than its $D/2 = 392$ times more arithmetic
# suggests — its work is matrix products, which a CPU does very efficiently, while the $O(HD)$ versions spend their
# time on element-wise sigmoids and memory traffic. For training, `NADE.forward` uses one more fact: because $W$ is
# shared, $a_d$ only changes after a pixel that is 1, so an image with $n$ ones has only $n + 1$ different hidden
# layers (few, on digits whose pixels are mostly 0), and the kernel computes just those. `make bench`
# (`benchmarks/nade_variants.py`) measures training throughput and memory of each version against the per-pixel loop;
# the README reports the ratios. The gap to the naive formula grows with $D$: for 64×64 images it would do 2,048 times
# more arithmetic.
#
# ## Training NADE on 4,000 digits
# We start every conditional at its pixel's mean (`start_from_means`), train with Adam and keep the epoch with the best
# validation NLL. The budget is a few minutes on a laptop CPU; `fit_or_load` caches the result.

# %%
N_TRAIN = genlib.budget(full=4000, quick=300)
x_tr, y_tr = x_train[:N_TRAIN], y_train[:N_TRAIN]
if QUICK:  # a random subset with every digit class
    sub = torch.randperm(len(x_train), generator=torch.Generator().manual_seed(0))[:N_TRAIN]
    x_tr, y_tr = x_train[sub], y_train[sub]
HIDDEN = genlib.budget(full=250, quick=16)
nade = NADE((1, 28, 28), hidden=HIDDEN).start_from_means(x_train).to(DEVICE)
nade, hist = train.fit_or_load(nade, x_tr, x_val, epochs=genlib.budget(full=300, quick=1),
                               minutes=genlib.budget(full=3.5, quick=None), lr=1e-2, batch_size=64,
                               patience=8, device=DEVICE)
nll_nade = train.evaluate(nade, x_test)
print(f"NADE (H={HIDDEN}): {hist.epochs_run} epochs ({hist.stopped}), {hist.seconds / 60:.1f} min")
print(f"test NLL {nll_nade:.2f} nats per image = {train.bits_per_dim(nll_nade, 784):.4f} bits per pixel")
results.record("05", f"NADE (raster, H={HIDDEN})", nll_nats=nll_nade, params=sum(p.numel() for p in nade.parameters()))

# %%
fig, axes = plt.subplots(1, 2, figsize=(11, 3.6))
viz.plot_history(hist, ax=axes[0])
axes[0].set_title(f"NADE, H={HIDDEN}")
with torch.no_grad():
    viz.show_grid(nade.sample(36).cpu(), "36 samples from NADE", ax=axes[1])
plt.tight_layout()

# %% [markdown]
# What to see: validation NLL bottoms out after a few epochs while the training NLL keeps falling — with 4,000
# images, 393,034 parameters start to overfit, and `fit` keeps the best epoch. Many samples are recognisable digits
# with connected strokes (sevens, threes, zeros, nines); others break off — a one-hidden-layer model, a few minutes
# of CPU, 4,000 images.
#
# ## Completion: the top half gives the bottom, the left half gives the right
# `complete(x, known)` keeps the known pixels and samples the others from the model. In raster order the top half
# comes first, so the completion is an exact sample from $p(\text{bottom} \mid \text{top})$. The left half is not a
# prefix of the raster order: the model then samples each unknown pixel given only the pixels *before it in the
# ordering* (known or drawn), and cannot look ahead at the known pixels further down.

# %%
digits = x_test[torch.arange(6) * 83 + 10].to(DEVICE)  # the test split is sorted by class: six classes
top, left = torch.zeros(28, 28, dtype=torch.bool), torch.zeros(28, 28, dtype=torch.bool)
top[:14], left[:, :14] = True, True
torch.manual_seed(1)
with torch.no_grad():
    rows = [digits, digits * top, nade.complete(digits, top), digits * left, nade.complete(digits, left)]
viz.show_grid(torch.cat(rows).cpu(), "rows: test digit | top half | completed | left half | completed", nrow=6);

# %% [markdown]
# What to see: from the top half, NADE draws a plausible bottom (not always the original digit: a top half can be
# finished in several ways). From the left half it does worse: in raster order each unknown pixel of the right half
# cannot see the known pixels of the left half *below* it. The order-agnostic NADE below removes that limitation.
#
# ## Density estimation: anomaly detection with exact likelihoods
# We score 500 test digits and 500 images of each anomaly kind by $\log p(x)$ and measure the separation with the
# ROC AUC (1 = perfect, 0.5 = chance), as in chapter 00 with the independent model.

# %%
from sklearn.metrics import roc_auc_score

g = torch.Generator().manual_seed(0)
anomalies = {"noise (p=0.13)": torch.bernoulli(torch.full_like(x_test, x_train.mean().item()), generator=g),
             "inverted": 1 - x_test, "rotated 90°": torch.rot90(x_test, 1, dims=(2, 3)),
             "shifted 8 px": torch.roll(x_test, shifts=8, dims=3)}
with torch.no_grad():
    lp_test = nade.log_prob(x_test.to(DEVICE)).cpu()
    lp_anom = {k: nade.log_prob(v.to(DEVICE)).cpu() for k, v in anomalies.items()}
for k, lp in lp_anom.items():
    auc = roc_auc_score([1] * len(lp_test) + [0] * len(lp), torch.cat([lp_test, lp]))
    print(f"{k:15s} mean log p = {lp.mean():8.1f}   (digits {lp_test.mean():6.1f})   AUC = {auc:.3f}")

# %% [markdown]
# ### The caveat: simple images can look *more* likely than digits
# Nalisnick et al. (2019) found that deep likelihood models trained on one data set can give higher likelihood to
# simpler out-of-distribution images. Does our NADE? We score an all-black image, very sparse images (a few random
# pixels on) and a single thin stroke.

# %%
blank = torch.zeros(1, 1, 28, 28)
sparse = torch.bernoulli(torch.full((100, 1, 28, 28), 0.01), generator=g)
stroke = torch.zeros(1, 1, 28, 28)
stroke[0, 0, 6:22, 13:15] = 1
with torch.no_grad():
    simple = {"all black": nade.log_prob(blank.to(DEVICE)).cpu(), "sparse (1% on)": nade.log_prob(sparse.to(DEVICE)).cpu(),
              "one vertical stroke": nade.log_prob(stroke.to(DEVICE)).cpu()}
for k, lp in simple.items():
    frac = (lp_test < lp.mean()).float().mean().item()
    print(f"{k:20s} log p = {lp.mean():7.1f}   higher than {100 * frac:5.1f}% of the test digits")

# %%
fig, ax = plt.subplots(figsize=(8, 3))
ax.hist(lp_test, bins=40, alpha=0.6, label="test digits")
ax.hist(lp_anom["rotated 90°"], bins=40, alpha=0.6, label="rotated 90°")
for (k, lp), c in zip(simple.items(), ["k", "tab:purple", "tab:green"]):
    ax.axvline(lp.mean(), color=c, ls="--", label=k)
ax.set_xlabel("log p(x)  (nats)"), ax.legend(fontsize=8)
ax.set_title("NADE log-likelihoods: digits, rotated digits, and very simple images");

# %% [markdown]
# What to see: rotated digits fall clearly to the left of real digits, but the blank image and the single stroke
# sit to the *right* — more likely than any real digit. A likelihood counts how cheaply an image can be encoded,
# and an empty image is cheap. So $\log p(x)$ alone is not a detector of "is this a digit"; Nalisnick et al. show
# the same effect for much larger models (and propose typicality tests instead of a likelihood threshold).
#
# ## Representation learning: NADE's hidden units as features
# After reading the whole image, $h_{D} = \sigma(c + W^\top x)$ summarises it in $H$ numbers, learned without labels.
# We train a logistic-regression classifier (scikit-learn) on those features and on the raw pixels, with the labels
# of the 4,000 training digits, and test on the 500 test digits.

# %%
from sklearn.linear_model import LogisticRegression

with torch.no_grad():
    f_train, f_test = nade.hidden_features(x_tr.to(DEVICE)).cpu(), nade.hidden_features(x_test.to(DEVICE)).cpu()
for name, (a, b) in {"raw pixels (784)": (x_tr.flatten(1), x_test.flatten(1)),
                     f"NADE hidden units ({HIDDEN})": (f_train, f_test)}.items():
    clf = LogisticRegression(max_iter=genlib.budget(full=2000, quick=100), C=0.1).fit(a[:N_TRAIN], y_tr)
    print(f"{name:24s} test accuracy {clf.score(b, y_test):.3f}")

# %% [markdown]
# What to see: a linear classifier does at least as well on NADE's unsupervised features as on the pixels, with
# fewer inputs — the hidden layer has learned something about digit shape while learning to predict pixels.
#
# ## Orderings: does NADE care which pixel comes first?
# The factorization is exact for *every* ordering, but a model with limited capacity trained on limited data learns
# some orderings better than others. We train the same small NADE ($H=50$) under three orderings of chapter 04.

# %%
SWEEP = ["raster", "spiral", "random"]
sweep = {}
for name in SWEEP:
    m = NADE((1, 28, 28), hidden=genlib.budget(full=50, quick=8), ordering=orderings.get(name, 28, 28))
    m = m.start_from_means(x_train)
    m, h = train.fit_or_load(m.to(DEVICE), x_tr, x_val, epochs=genlib.budget(full=300, quick=1),
                             minutes=genlib.budget(full=0.6, quick=None), lr=1e-2, batch_size=64, patience=8,
                             device=DEVICE, verbose=False)
    sweep[name] = train.evaluate(m, x_test)
    results.record("05", f"NADE ({name}, H={m.hidden})", nll_nats=sweep[name])
print("| ordering | test NLL (nats) |\n|---|---|")
for name, v in sweep.items():
    print(f"| {name} | {v:.2f} |")

# %% [markdown]
# What to see: orderings that keep neighbouring pixels close in time (raster, spiral) beat the random ordering,
# whose early pixels are scattered; the gap is the price of an ordering that ignores the image's geometry.
#
# ## The order-agnostic NADE: every ordering in one model
# Uria, Murray & Larochelle (2014) train one network for all orderings. The hidden layer sees the observed pixels
# *and which pixels are observed* (the mask $m$):
#
# $$h = \sigma\big(c + W^\top (x \odot m) + U^\top m\big), \qquad p(x_i = 1 \mid x_m) = \sigma(b_i + V_i \cdot h).$$
#
# Training draws, for every image, a random ordering $o$ and a random step $d \sim \mathcal{U}\{1..D\}$; the pixels
# $o_{<d}$ are observed and the loss is $\frac{D}{D-d+1} \sum_{j \ge d} -\log p(x_{o_j} \mid x_{o_{<d}})$ — an
# unbiased estimate of the NLL averaged over all orderings, at the cost of one network evaluation. At test time,
# under one ordering the mask grows by one pixel per step, so $U$ folds into a per-step bias and the exact
# $\log p(x \mid o)$ still costs $O(HD)$. Each ordering gives a normalized model, and so does their mixture
#
# $$\log p_{\text{ens}}(x) = \log \frac{1}{K}\sum_{k=1}^K p(x \mid o_k).$$
#
# A training epoch is cheap here (one network evaluation per image), so we validate on 200 digits to spend the
# budget on training.

# %%
oanade = OrderAgnosticNADE((1, 28, 28), hidden=HIDDEN).start_from_means(x_train).to(DEVICE)
oanade, hist_oa = train.fit_or_load(oanade, x_tr, x_val[:200], epochs=genlib.budget(full=1000, quick=1),
                                    minutes=genlib.budget(full=2.5, quick=None), lr=3e-3, batch_size=64,
                                    patience=15, device=DEVICE)
print(f"order-agnostic NADE (H={HIDDEN}): {hist_oa.epochs_run} epochs ({hist_oa.stopped})")
oa = {}
with torch.no_grad():
    for name in SWEEP:
        oa[name] = -oanade.log_prob(x_test.to(DEVICE), ordering=orderings.get(name, 28, 28)).mean().item()
        print(f"ordering {name:7s} test NLL {oa[name]:.2f} nats  (same network, no retraining)")
        results.record("05", f"Order-agnostic NADE ({name}, H={HIDDEN})", nll_nats=oa[name])

# %%
K = genlib.budget(full=8, quick=2)
ens_orders = [orderings.get("random", 28, 28, seed=s) for s in range(K)]
with torch.no_grad():
    lp_ens = oanade.log_prob_ensemble(x_test.to(DEVICE), ens_orders).cpu()
    single = [-oanade.log_prob(x_test.to(DEVICE), ordering=o).mean().item() for o in ens_orders]
nll_ens = -lp_ens.mean().item()
print(f"{K} random orderings, one at a time: test NLL {min(single):.2f} .. {max(single):.2f} nats")
print(f"ensemble of the {K} (log of the mean probability): {nll_ens:.2f} nats")
results.record("05", f"Order-agnostic NADE (ensemble of {K} orderings)", nll_nats=nll_ens)

# %% [markdown]
# What to see: every ordering gives a proper model, and the ensemble is better than each of its members — averaging
# probabilities ($\log$ of a mean is at least the mean of the $\log$s, by Jensen's inequality).
#
# Two more things the numbers show. The order-agnostic NADE does best under *random* orderings and clearly worse
# under raster and spiral, the opposite of the fixed-order NADEs above: it was trained on random observed subsets,
# and the prefixes of a raster ordering ("the top rows are known, nothing else") are vanishingly rare among random
# subsets of the same size. And under any one ordering it is worse than the fixed-order NADE with the same $H$:
# one network now has to solve the prediction problem for all $D!$ orderings, within the same few minutes of
# training. What it buys is flexibility — any ordering, any set of known pixels, ensembles — not a better single
# model.
#
# ### Change the ordering at inference
# The widget sets `oanade.ordering` and shows the ordering's heat map (chapter 04), the test NLL under it and
# samples generated in that order — all from the same trained network.

# %%
def show_ordering(name="random", seed=0):
    o = orderings.get(name, 28, 28, seed=seed)
    oanade.ordering = o.to(DEVICE)
    torch.manual_seed(seed)
    with torch.no_grad():
        nll = -oanade.log_prob(x_test[:200].to(DEVICE)).mean().item()
        s = oanade.sample(8).cpu()
    fig, ax = plt.subplots(1, 2, figsize=(10, 2.6), gridspec_kw={"width_ratios": [1, 4]})
    ax[0].imshow(orderings.rank(o, 28, 28), cmap="viridis"), ax[0].axis("off"), ax[0].set_title(f"{name}: step of each pixel")
    viz.show_grid(s, f"samples in {name} order; NLL on 200 test digits {nll:.1f} nats", nrow=8, ax=ax[1])
    plt.show()


show_ordering("random")  # the default; the widget below lets you change it

# %%
interact(show_ordering, name=list(orderings.NAMED), seed=(0, 9));

# %% [markdown]
# Because it was trained with arbitrary observed sets, the order-agnostic NADE can also condition on *any* known
# pixels at once: given the left half, every pixel of the right half sees the whole left half.

# %%
oanade.ordering = orderings.get("raster", 28, 28).to(DEVICE)
torch.manual_seed(1)
with torch.no_grad():
    rows = [digits, digits * left, nade.complete(digits, left), oanade.complete(digits, left)]
viz.show_grid(torch.cat(rows).cpu(), "test digit | left half | NADE (raster) | order-agnostic NADE", nrow=6);

# %% [markdown]
# What to see: compare each completion with the left half it was given: the order-agnostic NADE conditions every
# new pixel on the whole left half, the raster NADE only on the rows above and the part of the current row to its
# left. In this run the order-agnostic NADE keeps the 1, the 3, the 6 and the 8, where the raster NADE turns the 6
# into a 0 and breaks the 1.
#
# ## RNADE: real-valued pixels
# Grey levels are not coins. RNADE (Uria, Murray & Larochelle, 2013) keeps NADE's shared hidden layer and makes each
# conditional a mixture of $K$ Gaussians whose parameters are read from $h_d$ (the paper also rescales the activation
# by a learned $\rho_d$):
#
# $$p(x_{o_d} \mid x_{o_{<d}}) = \sum_{k=1}^K \alpha_{dk}\, \mathcal{N}(x_{o_d};\ \mu_{dk}, \sigma_{dk}^2), \qquad
#   [\operatorname{logit}\alpha_d, \mu_d, \log\sigma_d] = b_d + V_d^\top \sigma(\rho_d a_d).$$
#
# The data: scikit-learn's 8×8 digits, grey levels $0..16$. A density on integers is meaningless (it can put
# infinite density on each integer), so we *dequantize*: $x = (g + u)/17$ with $u \sim \mathcal{U}(0,1)$, reals in
# $(0, 1)$. The log density of $x$ is exact; $\log p(x) - 64 \log 17$ is a lower bound on the log-probability of the
# grey levels (Theis, van den Oord & Bethge, 2016).

# %%
from genlib.models.rnade import dequantize

r_train, r_val, r_test = (dequantize(data.load("digits8", s), levels=17, seed=i) for i, s in enumerate(["train", "val", "test"]))
print("digits8 dequantized:", tuple(r_train.shape), tuple(r_val.shape), tuple(r_test.shape),
      f"values in [{r_train.min():.3f}, {r_train.max():.3f}]")
rnade = RNADE((1, 8, 8), hidden=genlib.budget(full=100, quick=8), components=genlib.budget(full=5, quick=2))
rnade, hist_r = train.fit_or_load(rnade.to(DEVICE), r_train, r_val, epochs=genlib.budget(full=400, quick=2),
                                  minutes=genlib.budget(full=1.0, quick=None), lr=3e-3, batch_size=64, patience=15,
                                  device=DEVICE)
nll_r = train.evaluate(rnade, r_test)
print(f"RNADE: {hist_r.epochs_run} epochs; test log density {-nll_r:.1f} nats per image")

# %% [markdown]
# A log density needs a baseline to mean anything. The classic one is a single multivariate Gaussian with the data's
# mean and covariance (fitted in closed form; a small ridge keeps the always-black corner pixels from a zero variance):

# %%
mu = r_train.flatten(1).mean(0)
cov = torch.cov(r_train.flatten(1).T) + 1e-3 * torch.eye(64)
gauss = torch.distributions.MultivariateNormal(mu, cov)
nll_g = -gauss.log_prob(r_test.flatten(1)).mean().item()
print(f"test log density: full-covariance Gaussian {-nll_g:.1f}, RNADE {-nll_r:.1f} nats per image (higher is better)")
print(f"as grey levels: RNADE log P(levels) >= {-nll_r - 64 * math.log(17):.1f} nats "
      f"(uniform over 17^64 images: {-64 * math.log(17):.1f})")

# %%
fig, axes = plt.subplots(1, 2, figsize=(9, 3.6))
viz.show_grid(r_test[:36], "test digits (dequantized)", ax=axes[0], levels=1)
torch.manual_seed(0)
with torch.no_grad():
    viz.show_grid(rnade.sample(36).clamp(0, 1).cpu(), "36 RNADE samples", ax=axes[1], levels=1)
plt.tight_layout()

# %% [markdown]
# ### What a conditional looks like
# For one test digit we plot the density of one pixel given the pixels before it (left), and the joint density of
# two consecutive pixels given their prefix, $p(x_{d}, x_{d+1} \mid x_{<d}) = p(x_d \mid x_{<d})\,p(x_{d+1}\mid x_{\le d})$ (right).

# %%
def conditional_densities(model, x, d, grid):
    """log p(x_d = u | x_<d) for u in grid, and log p(x_d = u, x_{d+1} = v | x_<d) on grid x grid (raster order)."""
    G = len(grid)
    one = x.expand(G, -1, -1, -1).clone().flatten(1)
    one[:, d] = grid
    lp1 = model.conditional_log_density(one.view(-1, 1, 8, 8)).flatten(1)[:, d]
    two = x.expand(G * G, -1, -1, -1).clone().flatten(1)
    two[:, d], two[:, d + 1] = grid.repeat_interleave(G), grid.repeat(G)
    lp2 = model.conditional_log_density(two.view(-1, 1, 8, 8)).flatten(1)[:, d:d + 2].sum(1)
    return lp1.exp(), lp2.exp().view(G, G)

# %%
grid = torch.linspace(-0.2, 1.2, 141)
x0, d = r_test[:1].to(DEVICE), 26  # row 3, column 2: the edge of a stroke
with torch.no_grad():
    p1, p2 = conditional_densities(rnade, x0, d, grid.to(DEVICE))
fig, axes = plt.subplots(1, 3, figsize=(13, 3.4))
axes[0].imshow(x0[0, 0].cpu(), cmap="gray", vmin=0, vmax=1), axes[0].plot(d % 8, d // 8, "rs"), axes[0].plot(d % 8 + 1, d // 8, "bs")
axes[0].set_title("test digit; red: pixel d, blue: d+1"), axes[0].axis("off")
axes[1].plot(grid, p1.cpu()), axes[1].axvline(x0.flatten()[d].item(), color="r", ls="--", label="true value")
axes[1].set_xlabel("value of pixel d"), axes[1].set_ylabel("density"), axes[1].legend(), axes[1].set_title("p(x_d | x_<d)")
axes[2].imshow(p2.clamp(min=1e-3).log().cpu().T, origin="lower", extent=[-0.2, 1.2, -0.2, 1.2], cmap="magma")
axes[2].plot(x0.flatten()[d].item(), x0.flatten()[d + 1].item(), "c+", ms=12)
axes[2].set_xlabel("pixel d"), axes[2].set_ylabel("pixel d+1"), axes[2].set_title("log p(x_d, x_d+1 | x_<d)")
plt.tight_layout()
print(f"numerical integral of the 1-D conditional over [-0.2, 1.2]: {torch.trapezoid(p1.cpu(), grid).item():.3f}")
print(f"numerical integral of the 2-D density: {torch.trapezoid(torch.trapezoid(p2.cpu(), grid), grid).item():.3f}")

# %% [markdown]
# What to see: at the edge of a stroke the conditional is far from a single bell curve — the mixture puts a peak
# on "dark" (near 0), a peak on "bright" (near 0.93, where the true value lies) and a broad shoulder in between.
# The joint density of the two neighbours (log scale) puts most mass on pixel d+1 being bright whatever pixel d
# is (the horizontal ridge), with a second ridge where pixel d is dark. Both integrate to one, as a density must.
#
# ## The results table
# Test NLL on the 500 mnist5k test digits, in nats per image, from the chapters' full runs (`genlib.results`),
# beside the published numbers on the full binarized MNIST.

# %%
rows = results.load()
if not any(r["model"].startswith("FVSBN") for r in rows):  # chapter 04 has not recorded its numbers yet
    from genlib.models import FVSBN

    fv, _ = train.fit_or_load(FVSBN((1, 28, 28)).to(DEVICE), x_tr, x_val, epochs=genlib.budget(full=200, quick=1),
                              minutes=genlib.budget(full=1.0, quick=None), lr=3e-3, batch_size=64, patience=5,
                              device=DEVICE, verbose=False)
    first05 = next((i for i, r in enumerate(rows) if r["chapter"] >= "05"), len(rows))
    rows.insert(first05, {"chapter": "05", "model": "FVSBN (raster, trained here)", "nll_nats": train.evaluate(fv, x_test)})
rows = [r for r in rows if r["chapter"] <= "05"]
print(results.markdown(rows))

# %% [markdown]
# How to read it: the published numbers (Larochelle & Murray, 2011: FVSBN 97.45, NADE 88.86 nats) are measured on
# the full binarized MNIST — 50,000 training images and a fixed binarization — while ours come from 4,000 images
# binarized stochastically once, a few minutes of CPU training and a 500-image test set (a standard error of about
# 1 nat). With 12 times less data the models overfit sooner, so every number here is higher; the *ordering* of the
# models is what carries over: each assumption we relaxed, from independent pixels to Markov tables to logistic
# regressions to a shared hidden layer, bought nats.
#
# ## Exercises
# Each checker says ✓ or ✗ with a hint. Replace the `...` and run the cell.
#
# **1.** How many parameters has a NADE with $D = 784$ pixels and $H = 500$ hidden units?

# %%
from genlib.exercises import ch05

answer = ...  # a number
ch05.check_nade_parameters(answer)

# %% [markdown]
# <details><summary>Solution</summary>
#
# $W$ and $V$ have $DH$ entries each, $c$ has $H$ and $b$ has $D$: `answer = 2 * 784 * 500 + 784 + 500` (785,284).
# </details>
#
# **2.** Computing all activations $a_1, \dots, a_D$ from the formula as written takes $\sum_d (d-1)H$ multiply-adds;
# the running sum takes $(D-1)H$. By what factor is the naive way slower, for $D = 784$?

# %%
answer = ...  # a number
ch05.check_naive_over_shared_cost(answer)

# %% [markdown]
# <details><summary>Solution</summary>
#
# $\frac{D(D-1)/2}{D-1} = D/2$: `answer = 392`.
# </details>
#
# **3.** Write `running_activations(W, x)`: for $W$ of shape $(D, H)$ and $x$ of shape $(D,)$, return $a$ of shape
# $(D, H)$ with $a_d = \sum_{j<d} x_j W_j$ — without a Python loop.

# %%
def running_activations(W, x):
    raise NotImplementedError  # your code here


ch05.check_running_activations(running_activations)

# %% [markdown]
# <details><summary>Solution</summary>
#
# ```python
# def running_activations(W, x):
#     contrib = x[:, None] * W                    # (D, H)
#     return torch.cumsum(contrib, 0) - contrib   # the sum over j < d, not j <= d
# ```
# </details>
#
# **4.** Write `ensemble_log_prob(lp)`: given `lp` of shape $(K, B)$, the log-probabilities of $B$ images under $K$
# orderings, return $\log \frac{1}{K} \sum_k p(x \mid o_k)$ for each image, shape $(B,)$.

# %%
def ensemble_log_prob(lp):
    raise NotImplementedError  # your code here


ch05.check_ensemble_log_prob(ensemble_log_prob)

# %% [markdown]
# <details><summary>Solution</summary>
#
# ```python
# def ensemble_log_prob(lp):
#     return torch.logsumexp(lp, 0) - math.log(lp.shape[0])
# ```
# </details>
#
# **5.** (open) Train the order-agnostic NADE longer and plot the test NLL of the ensemble against $K = 1, 2, 4, 8, 16$.
# Where does it stop improving?
#
# ## Summary
# - NADE computes every conditional with one shared hidden layer; the running sum $a_{d+1} = a_d + W_{o_d} x_{o_d}$
#   makes all $D$ conditionals cost $O(HD)$ instead of $O(HD^2)$, with exactly the same numbers.
# - Its likelihood is exact: it sums to one, ranks models in nats, and scores anomalies — but a high likelihood does
#   not mean "in distribution" (a blank image scores higher than any digit).
# - The hidden units are useful features for a classifier, learned without labels.
# - The ordering matters for a fixed model; the order-agnostic NADE learns all orderings at once, can condition on any
#   set of known pixels, and an ensemble over orderings improves the likelihood.
# - RNADE carries the shared hidden layer over to real values with mixture-of-Gaussian conditionals.
#
# Next, chapter 06: MADE computes all $D$ conditionals in one pass of a masked network instead of $D$ sequential
# steps; chapter 07: PixelRNN replaces the single hidden layer by recurrent networks that scan the image.
#
# ## References
# - H. Larochelle, I. Murray (2011). *The Neural Autoregressive Distribution Estimator.* AISTATS.
# - B. Uria, I. Murray, H. Larochelle (2013). *RNADE: The real-valued neural autoregressive density-estimator.* NeurIPS.
# - B. Uria, I. Murray, H. Larochelle (2014). *A Deep and Tractable Density Estimator.* ICML.
# - B. Uria, M.-A. Côté, K. Gregor, I. Murray, H. Larochelle (2016). *Neural Autoregressive Distribution Estimation.* JMLR.
# - E. Nalisnick, A. Matsukawa, Y. W. Teh, D. Gorur, B. Lakshminarayanan (2019). *Do Deep Generative Models Know What They Don't Know?* ICLR.
# - L. Theis, A. van den Oord, M. Bethge (2016). *A note on the evaluation of generative models.* ICLR.
