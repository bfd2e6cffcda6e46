# %% [markdown]
# # 01 · Discrete distributions: from a coin flip to one image
#
# **What you will learn**
# - the Bernoulli and the categorical distribution, and why they have $1$ and $m-1$ free parameters;
# - the log-likelihood, and why the maximum-likelihood estimate is the vector of empirical frequencies
#   (derived, then checked numerically on real data);
# - how to sample from a discrete distribution;
# - why one RGB pixel already needs 16,777,215 parameters, shown on two real photographs;
# - why a binary image of $n$ pixels needs $2^n - 1$, a number with 237 digits for a 28×28 digit.
#
# This chapter is about *counting*. Every later chapter makes an assumption to bring the count down;
# here we see what happens without any.

# %%
import math

import matplotlib.pyplot as plt
import numpy as np
import torch
from ipywidgets import interact

import genlib
from genlib import counting, data
from genlib.joint import categorical_mle, fit_by_gradient, log_likelihood

SEED = genlib.seed_everything(0)
DEVICE = genlib.device()
QUICK = genlib.quick_mode()
print(f"seed {SEED}, quick mode: {QUICK}  (set GENLIB_QUICK=1 for tiny budgets)")

# %% [markdown]
# ## A coin flip: the Bernoulli distribution
# A binary variable $x \in \{0, 1\}$ — a coin, or one black-and-white pixel — has the distribution
#
# $$p(x \mid \theta) = \theta^{x}\,(1-\theta)^{1-x}, \qquad p(1) = \theta,\quad p(0) = 1 - \theta .$$
#
# Two probabilities, but they sum to one, so **one** number $\theta$ says everything.
# A **categorical** over $m$ values $\{0, \dots, m-1\}$ has probabilities $\pi_0, \dots, \pi_{m-1}$ with
# $\sum_v \pi_v = 1$: $m - 1$ free parameters (the last one is $1$ minus the others). A Bernoulli is a
# categorical with $m = 2$.
#
# The parameter counts in this chapter come from `genlib/counting.py`: one short function per model, each
# taking whole numbers and returning the count as an exact Python `int` (no rounding, however large):
# `counting.bernoulli()` is 1, `counting.categorical(m)` is $m - 1$, `counting.joint_table(n)` is $2^n - 1$
# (the table of $n$ binary variables, defined below), and `counting.digits(c)` is the number of decimal digits
# of $c$.

# %%
# NBVAL_CHECK_OUTPUT
print("Bernoulli:", counting.bernoulli(), "parameter")
for m in [2, 10, 17, 256]:
    print(f"categorical over m = {m:3d} values: {counting.categorical(m):3d} free parameters")

# %% [markdown]
# ## Sampling and the log-likelihood
# To **sample** a Bernoulli, draw $u$ uniform in $[0, 1)$ and output $1$ if $u < \theta$. Given $N$
# independent flips $x_1, \dots, x_N$ with $N_1$ ones and $N_0$ zeros, their probability is a product, and its
# log a sum:
#
# $$\ell(\theta) = \log \prod_{i=1}^N p(x_i \mid \theta) = N_1 \log\theta + N_0 \log(1-\theta).$$
#
# Two small genlib functions do the bookkeeping in this chapter (both in `genlib/joint.py`, a few lines each).
# A distribution over the values $0, \dots, m-1$ is always a vector of $m$ probabilities **indexed by the
# value**: `probs[v]` $= p(x = v)$, so a Bernoulli is `[1 - theta, theta]` and `probs[1]` is $\theta$.
# Samples are a list or tensor of integer values in $0, \dots, m-1$.
# - `log_likelihood(probs, samples)` returns $\sum_i \log$ `probs[x_i]`, in nats (natural logarithm), as a
#   float; it counts each value, $N_v$, and returns $\sum_v N_v \log \pi_v$.
# - `categorical_mle(samples, m)` returns the vector of frequencies $N_v / N$, $v = 0, \dots, m-1$ (the
#   estimate derived in the next section).
#
# Slide $p$ (the true $\theta$ that generates the flips) and $N$: the left panel shows the flips (black = 1),
# the right one $\ell(\theta)$ for those flips as a function of $\theta$. Its peak sits at $N_1/N$, close to
# $p$ when $N$ is large.

# %%
def show_coin(p=0.3, n=60, seed=0):
    flips = torch.bernoulli(torch.full((n,), p), generator=torch.Generator().manual_seed(seed)).long()
    thetas = torch.linspace(0.005, 0.995, 199)
    ll = [log_likelihood([1 - t, t], flips) for t in thetas.tolist()]
    fig, ax = plt.subplots(1, 2, figsize=(11, 2.8), gridspec_kw={"width_ratios": [1.3, 1]})
    ax[0].imshow(flips.view(1, -1), cmap="gray_r", aspect="auto", vmin=0, vmax=1)
    ax[0].set_title(f"{n} flips of a coin with p = {p:.2f}: {flips.sum().item()} ones (black)")
    ax[0].set_yticks([]), ax[0].set_xlabel("flip index i (0 = first flip)")
    ax[1].plot(thetas, ll)
    ax[1].axvline(p, color="grey", ls=":", label=f"true p = {p:.2f}")
    ax[1].axvline(flips.float().mean(), color="C3", label=f"N1/N = {flips.float().mean():.2f}")
    ax[1].set_xlabel("theta"), ax[1].set_ylabel("log-likelihood (nats)"), ax[1].legend(fontsize=8)
    plt.show()
    print(f"log-likelihood at the true p: {log_likelihood([1 - p, p], flips):.2f} nats;"
          f" at N1/N: {log_likelihood(categorical_mle(flips, 2), flips):.2f} nats")


show_coin()  # the default; the widget below lets you change it

# %% [markdown]
# The sliders below need a running kernel (in a static copy of this page they show only a line of text,
# `interactive(children=...)`); the figure above is what they draw with their default values.

# %%
interact(show_coin, p=(0.01, 0.99, 0.01), n=(5, 1000, 5), seed=(0, 20));

# %% [markdown]
# What to see: in this case the log-likelihood at $N_1/N$ (−39.94 nats) is above the one at the true $p$
# (−40.89 nats): the data look more likely under the frequency they actually show than under the coin that
# made them. Try other settings with the sliders; the next section shows that this always holds, because
# $N_1/N$ is where $\ell$ is largest.
#
# ## The maximum-likelihood estimate is the frequency
# **Bernoulli.** First let both outcomes occur, $0 < N_1 < N$. Setting
# $\frac{d\ell}{d\theta} = \frac{N_1}{\theta} - \frac{N_0}{1-\theta} = 0$ gives
# $N_1(1-\theta) = N_0\theta$, so $\hat\theta = \frac{N_1}{N_0 + N_1} = \frac{N_1}{N}$. The second derivative
# $-N_1/\theta^2 - N_0/(1-\theta)^2 < 0$, so it is a maximum. At the ends the derivative never vanishes:
# if $N_1 = 0$, $\ell(\theta) = N \log(1-\theta)$ falls as $\theta$ grows, so the best is $\theta = 0$; if
# $N_1 = N$, $\ell(\theta) = N \log\theta$ rises, so the best is $\theta = 1$. Both are $N_1/N$ again: the
# formula holds for every $N_1$.
#
# **Categorical.** Maximize $\ell(\pi) = \sum_v N_v \log \pi_v$ subject to $\sum_v \pi_v = 1$. We cannot
# set each derivative $N_v/\pi_v$ to zero on its own: the $\pi_v$ are tied by the constraint, and raising one
# must lower others. A **Lagrange multiplier** handles this. At a maximum under the constraint
# $g(\pi) = 1 - \sum_u \pi_u = 0$, no small step that keeps $g = 0$ can raise $\ell$, which happens exactly
# when the gradient of $\ell$ points along the gradient of $g$ (here the vector $(-1, \dots, -1)$): some
# number $\lambda$ makes $\nabla\ell + \lambda\nabla g = 0$. So we add $\lambda g$ to $\ell$ and set all
# derivatives of the sum to zero, the constraint included (Bishop 2006, appendix E). For every $v$ with
# $N_v > 0$,
# $$\frac{\partial}{\partial \pi_v}\big[\ell + \lambda(1 - \textstyle\sum_u \pi_u)\big] =
# \frac{N_v}{\pi_v} - \lambda = 0,$$
# so $\pi_v = N_v / \lambda$. Put these into the constraint: $\sum_v N_v/\lambda = 1$, that is
# $\lambda = \sum_v N_v = N$, and so $\;\hat\pi_v = N_v / N$.
#
# Two details. The derivative $N_v/\pi_v$ only exists for $\pi_v > 0$. A value with $N_v = 0$ does not appear
# in $\ell$ at all ($0 \cdot \log\pi_v = 0$), so any probability given to it is taken from values that did
# occur and only lowers $\ell$: the optimum puts $\hat\pi_v = 0 = N_v/N$ there, and the formula still holds.
# And the stationary point is the maximum, not just a flat spot: each $N_v \log \pi_v$ is concave in $\pi$
# and the constraint set is convex (a simplex), so a stationary point of $\ell$ on it is the global maximum
# (Boyd and Vandenberghe 2004, §4.2.3).
#
# We check both on real data, by maximizing $\ell$ numerically and comparing with the frequencies.
# `fit_by_gradient(samples, m)` (in `genlib/joint.py`) knows nothing of the formula: it writes
# $\pi_v = e^{z_v} / \sum_u e^{z_u}$ (the *softmax* of free numbers $z_v$, so the $\pi_v$ are always positive
# and sum to 1, and the constraint disappears), starts from $z = 0$ (the uniform distribution), and lowers
# $-\ell / N$ in $z$ with PyTorch's L-BFGS for up to 100 iterations. L-BFGS (Liu and Nocedal 1989) is a
# gradient method that also estimates the curvature of the function from its last few gradients, so it needs
# far fewer steps than plain gradient descent on a smooth problem like this one. It returns the vector
# $(\pi_0, \dots, \pi_{m-1})$, indexed by value; for a Bernoulli ($m = 2$) that is $(1 - \theta, \theta)$, so
# its entry `[1]` is $\theta$. The Bernoulli: *is the centre pixel of a digit inked?*, over the 4,000
# training digits of `mnist5k`.

# %%
# NBVAL_CHECK_OUTPUT
x_train = data.load("mnist5k", "train")
centre = x_train[:, 0, 14, 14].long()
n1 = int(centre.sum())
print(f"centre pixel: N1 = {n1:,} inked out of N = {len(centre):,}, so N1/N = {n1 / len(centre):.4f}")
print(f"maximum found numerically:       theta = {fit_by_gradient(centre, 2)[1]:.4f}")

# %% [markdown]
# The categorical: `digits8` is scikit-learn's set of 1,797 handwritten digits, 8×8 pixels each
# (`sklearn.datasets.load_digits`, from the UCI optical digits of Alpaydin and Kaynak 1998). Each pixel counts
# the inked pixels in a 4×4 block of a 32×32 black-and-white scan, so it takes one of 17 grey levels, 0 to 16.
# genlib splits the 1,797 images once, by a random permutation with seed 0: the first 70 %
# (`int(0.7 * 1797)` = 1,257 images) for training, the next 10 % for validation, the last 20 % for testing.
# We take pixel (3, 3) — row 3, column 3, counting from 0 at the top left, so just above and left of the
# centre — over the training images: a categorical over $m = 17$ values with 16 free parameters.

# %%
grey = data.load("digits8", "train")[:, 0, 3, 3].long()
freq, numeric = categorical_mle(grey, 17), fit_by_gradient(grey, 17)
print(f"{len(grey)} digits; largest |frequency - numerical maximum| = {(freq - numeric).abs().max():.1e}")
print(f"grey levels never seen in all {len(grey)} digits: {(freq == 0).nonzero().flatten().tolist()}")
missing_20 = (categorical_mle(grey[:20], 17) == 0).nonzero().flatten().tolist()
print(f"grey levels never seen in the first 20: {missing_20}")
fig, ax = plt.subplots(figsize=(8, 2.6))
ax.bar(np.arange(17) - 0.2, freq, width=0.4, label="frequencies N_v / N")
ax.bar(np.arange(17) + 0.2, numeric, width=0.4, label="numerical maximum of the log-likelihood")
ax.set_xticks(range(17)), ax.set_xlabel("grey level of pixel (3, 3)"), ax.set_ylabel("probability")
ax.legend();

# %% [markdown]
# The two sets of bars agree to the tiny difference printed above: the maximum-likelihood categorical *is* the
# histogram. Here all 17 grey levels occur among the 1,257 digits (the first list is empty), so every level
# gets some probability. With fewer data that fails: in the first 20 digits alone, seven levels
# (1, 3, 4, 8, 10, 14, 15) never occur, and the maximum-likelihood fit to those 20 gives them probability
# exactly 0. The maximum-likelihood categorical gives probability 0 to every value that never occurred —
# remember that; it is what breaks below.
#
# ## Sampling from a categorical
# The Bernoulli's rule ($1$ if $u < \theta$) generalizes: cut $[0, 1)$ into consecutive pieces of lengths
# $\pi_0, \dots, \pi_{m-1}$, draw $u$ uniform in $[0, 1)$, and output the value whose piece $u$ falls in.
# Value $v$'s piece is $[c_{v-1}, c_v)$, where $c_v = \pi_0 + \dots + \pi_v$ are the cumulative sums and
# $c_{-1} = 0$, so $p(\text{output } v) = c_v - c_{v-1} = \pi_v$. Finding the piece is a sorted search:
# `torch.searchsorted(c, u, right=True)` returns, for each $u$, the first $v$ with $c_v > u$ (without
# `right=True` it would return the first $v$ with $c_v \ge u$).

# %%
def sample_categorical(probs, n, generator=None):
    c = torch.cumsum(torch.as_tensor(probs, dtype=torch.float64), 0)  # c[v] = pi_0 + ... + pi_v
    u = torch.rand(n, dtype=torch.float64, generator=generator)       # n uniforms in [0, 1)
    x = torch.searchsorted(c, u, right=True)                          # first v with c[v] > u
    return x.clamp(max=len(c) - 1)  # if rounding leaves c[-1] a hair below 1 and u lands above it


probs = torch.tensor([0.1, 0.2, 0.6, 0.1], dtype=torch.float64)
x = sample_categorical(probs, 100_000, torch.Generator().manual_seed(0))
print("probabilities:              ", [f"{p:.4f}" for p in probs.tolist()])
print("frequencies in 100,000 draws:", [f"{f:.4f}" for f in categorical_mle(x, 4).tolist()])

# %% [markdown]
# The frequencies match the probabilities to within 0.001, the size of the sampling noise (the standard
# deviation of a frequency is $\sqrt{\pi_v(1-\pi_v)/N} \le 0.0016$ for $N = 100{,}000$).
#
# ## A categorical you can set
# Set the (unnormalized) weights of a categorical over $m = 4$ values; they are divided by their sum to give
# $\pi$. The figure compares the probabilities with the frequencies of $N$ samples drawn by
# `sample_categorical`. The `+ 1e-9` added to the weights keeps their sum above 0 when every slider is at 0
# (the division would give 0/0, and the uniform distribution is what you get instead); with any slider at
# 0.1 or more it moves each probability by less than $10^{-7}$, far too little to see.

# %%
def show_categorical(w0=1.0, w1=2.0, w2=4.0, w3=1.0, n=200, seed=0):
    w = torch.tensor([w0, w1, w2, w3], dtype=torch.float64) + 1e-9
    probs = w / w.sum()
    x = sample_categorical(probs, n, torch.Generator().manual_seed(seed))
    f = categorical_mle(x, 4)
    fig, ax = plt.subplots(figsize=(6, 2.6))
    ax.bar(np.arange(4) - 0.2, probs, width=0.4, label="probabilities pi")
    ax.bar(np.arange(4) + 0.2, f, width=0.4, label=f"frequencies in {n} samples")
    ax.set_xticks(range(4)), ax.set_xlabel("value v"), ax.set_ylabel("probability"), ax.legend(fontsize=8)
    plt.show()
    print(f"log-likelihood of the samples: {log_likelihood(probs, x):.1f} nats under pi, "
          f"{log_likelihood(f, x):.1f} nats under their own frequencies")


show_categorical()

# %% [markdown]
# What to see: with 200 samples the frequencies (orange) wander a few hundredths around the probabilities
# (blue), and the printed log-likelihood is higher under the samples' own frequencies than under the true
# $\pi$ — the same effect as for the coin. Raise $N$ with the sliders and the bars close in. As above, the
# sliders need a running kernel; the figure above is their default.

# %%
interact(show_categorical, w0=(0.0, 5.0, 0.1), w1=(0.0, 5.0, 0.1), w2=(0.0, 5.0, 0.1), w3=(0.0, 5.0, 0.1),
         n=(10, 2000, 10), seed=(0, 20));

# %% [markdown]
# ## One colour pixel: 16,777,215 parameters
# An 8-bit RGB pixel takes $256 \times 256 \times 256 = 16{,}777{,}216$ colours. With no assumptions its
# distribution is a categorical over all of them.

# %%
# NBVAL_CHECK_OUTPUT
m = 256 ** 3
print(f"colours: {m:,};  free parameters: counting.categorical(256**3) = {counting.categorical(m):,}")

# %% [markdown]
# Can we estimate those from real photographs? scikit-learn ships two (`load_sample_images`: a Chinese temple
# and a flower, 427×640 each). We fit the categorical by maximum likelihood — count every colour — and see how
# many of the 16,777,216 cells receive any count.

# %%
from sklearn.datasets import load_sample_images

photos = load_sample_images().images
fig, ax = plt.subplots(1, 2, figsize=(9, 3))
for a, im, name in zip(ax, photos, ["china.jpg", "flower.jpg"]):
    a.imshow(im), a.set_title(f"{name}: {im.shape[0]}x{im.shape[1]} pixels"), a.axis("off")

# %% [markdown]
# Two ordinary photographs (sizes in the titles): a tiered Chinese pagoda, red and green with gold trim,
# among green trees under a pale, hazy blue sky over a lake; and an orange-peach dahlia in close-up on a
# blurred dark teal background. The next cell counts how many distinct colours they use between them.

# %%
# NBVAL_CHECK_OUTPUT
def colour_codes(im):
    rgb = torch.from_numpy(im.reshape(-1, 3).astype(np.int64))
    return rgb[:, 0] * 65536 + rgb[:, 1] * 256 + rgb[:, 2]       # one integer 0..16,777,215 per pixel


codes = torch.cat([colour_codes(im) for im in photos])
counts = torch.bincount(codes, minlength=m)                         # the maximum-likelihood fit, times N
seen = int((counts > 0).sum())
print(f"pixels observed:          {len(codes):,}")
print(f"colours ever seen:        {seen:,} of {m:,} cells ({100 * seen / m:.2f} %)")
print(f"cells with probability 0: {m - seen:,}")
print(f"even if every pixel had a new colour, at most {100 * len(codes) / m:.2f} % of the cells "
      "could be seen")

# %% [markdown]
# Half a million pixels fill under 1 % of the table, and 99 % of the cells keep probability exactly 0. The
# cost shows when we fit the categorical to one photo and use it on the other: any colour the first photo
# never showed gets probability 0, so a single such pixel gives the whole second photo log-likelihood
# $-\infty$.

# %%
# NBVAL_CHECK_OUTPUT
china, flower = colour_codes(photos[0]), colour_codes(photos[1])
p_china = torch.bincount(china, minlength=m).double() / len(china)
unseen = (p_china[flower] == 0).float().mean().item()
print(f"flower pixels whose colour never appears in china.jpg: {100 * unseen:.1f} %")
print(f"log-likelihood of flower.jpg under the categorical fitted to china.jpg: "
      f"{p_china[flower].log().sum().item()}")

# %% [markdown]
# How fast do new colours appear as we look at more pixels? We draw random subsets of the 546,560 pixels and
# count the distinct colours.

# %%
g = torch.Generator().manual_seed(0)
sizes = np.unique(np.logspace(1, math.log10(len(codes)), 25).astype(int))
distinct = [len(torch.unique(codes[torch.randperm(len(codes), generator=g)[:s]])) for s in sizes]
fig, ax = plt.subplots(figsize=(6, 3.2))
ax.loglog(sizes, distinct, "o-", label="distinct colours seen")
ax.loglog(sizes, sizes, ":", color="grey", label="one new colour per pixel")
ax.axhline(m, color="C3", label="16,777,216 cells of the table")
ax.set_xlabel("pixels looked at"), ax.set_ylabel("count"), ax.legend(fontsize=8);

# %% [markdown]
# What to see: the curve bends away from the diagonal (photos reuse colours) but is nowhere near the red line.
#
# How many pixels would it take to see every cell even once? Take the most favourable case, all 16,777,216
# colours equally likely. This is the *coupon collector's problem*: with $M$ equally likely cells, the
# expected number of draws until every cell has appeared is $M H_M = M(1 + \tfrac12 + \dots + \tfrac1M)
# \approx M(\ln M + 0.5772)$ (Motwani and Raghavan 1995, §3.6).

# %%
# NBVAL_CHECK_OUTPUT
harmonic = math.log(m) + 0.5772156649 + 1 / (2 * m)   # H_M = 1 + 1/2 + ... + 1/M, to within 1/(12 M^2)
print(f"M = {m:,} cells: expected pixels to see each once = M * H_M = {m * harmonic:.2e}")
print(f"that is {m * harmonic / len(codes):,.0f} times the {len(codes):,} pixels of our two photos")

# %% [markdown]
# About $2.9 \times 10^8$ pixels — 528 times our two photos — just to see each colour once if all were
# equally likely; real photos, which reuse a few colours heavily, need far more, and a few counts per cell
# more again. And still a categorical over colours would not know that (120, 64, 30) and (121, 64, 30) are
# almost the same colour. That missing structure is what later chapters add.
#
# ## A binary image of $n$ pixels: $2^n - 1$
# Make the pixels binary, but look at a whole image. A black-and-white image of $n$ pixels is one of $2^n$
# possible images, so the joint distribution with no assumptions is a categorical with $2^n - 1$ free
# parameters.

# %%
# NBVAL_CHECK_OUTPUT
for side in [2, 3, 4, 8, 28]:
    n = side * side
    c = counting.joint_table(n)
    print(f"{side:2d}x{side:<2d} = {n:3d} pixels: 2**{n} - 1 = {c:,}" if n <= 64 else
          f"{side:2d}x{side:<2d} = {n:3d} pixels: 2**{n} - 1, a number with {counting.digits(c)} digits")

# %%
# NBVAL_CHECK_OUTPUT
print(f"2**784 - 1 = {2 ** 784 - 1}")
print(f"len(str(2**784 - 1)) = {len(str(2 ** 784 - 1))}")
n_atoms = next(n for n in range(1, 785) if counting.joint_table(n) > 10 ** 80)
print(f"smallest n with 2**n - 1 > 10**80: n = {n_atoms}")

# %% [markdown]
# For scale: the observable universe holds roughly $10^{80}$ atoms (a common order-of-magnitude estimate), and
# the table of an image of just 266 pixels — smaller than 17×17 — has more cells than that. Our 4,000 training
# digits are 4,000 cells of that table — every one of them a different image — and the maximum-likelihood
# table puts probability $1/4000$ on each and 0 on every other digit ever written.

# %%
# NBVAL_CHECK_OUTPUT
distinct_digits = len(torch.unique(x_train.flatten(1), dim=0))
print(f"distinct images among the {len(x_train):,} training digits: {distinct_digits:,}")
print("cells of the 28x28 binary table they touch: a fraction "
      f"10^{math.log10(distinct_digits) - 784 * math.log10(2):.1f}")

# %%
ns = np.arange(1, 785)
fig, ax = plt.subplots(figsize=(7, 3.8))
ax.semilogy(ns, [float(counting.joint_table(int(n))) for n in ns], label="joint table: 2^n - 1")
ax.semilogy(ns, ns, lw=3, label="independent pixels: n (chapter 02)")
ax.semilogy(ns, 2 * ns - 1, "--", color="k", label="Markov chain: 2n - 1 (preview of chapter 03)")
ax.axhline(1e80, color="grey", ls=":", label="atoms in the observable universe (~1e80)")
ax.axvline(266, color="grey", lw=0.8), ax.set_xticks([0, 200, 266, 400, 600, 784])
ax.set_yticks([10.0**k for k in range(0, 251, 50)])
zoom = ax.inset_axes([0.1, 0.5, 0.28, 0.32])  # the bottom of the plot, magnified: n vs 2n - 1
zoom.plot(ns, ns, lw=3, color="C1"), zoom.plot(ns, 2 * ns - 1, "--", color="k")
zoom.set_title("zoom on the bottom (linear y)", fontsize=7), zoom.tick_params(labelsize=7)
for side, dx in [(4, -14), (8, 2), (16, 2), (28, -30)]:  # 2x2 (n = 4) is left out: it would sit on 4x4
    n_side = side * side
    ax.plot(n_side, float(counting.joint_table(n_side)), "k.")
    ax.annotate(f"{side}x{side}", (n_side, float(counting.joint_table(n_side))), textcoords="offset points",
                xytext=(dx, 6), fontsize=8)
ax.set_ylim(0.5, 1e250)
ax.set_xlabel("number of binary pixels n"), ax.set_ylabel("free parameters"), ax.legend(fontsize=8);

# %% [markdown]
# What to see: on a log scale the joint table is a straight line that passes the number of atoms in the
# universe at 266 pixels (the vertical line), while the counts of the next two chapters hug the bottom of the
# plot; the inset magnifies that bottom on a linear scale, where the Markov chain's $2n - 1$ (dashed, a
# preview of chapter 03) is seen to grow twice as fast as the independent model's $n$.
#
# ## Exercises
# Each checker says ✓ or ✗ with a hint. In exercise 1 replace the `...`; in exercises 2–4 replace the line
# `raise NotImplementedError` with your code. Then run the cell.
#
# **1.** How many free parameters does the categorical distribution of one 8-bit RGB pixel have?

# %%
from genlib.exercises import ch01

answer = ...  # a number
ch01.check_rgb_pixel_parameters(answer)

# %% [markdown]
# <details><summary>Solution</summary>
#
# There are $256^3$ colours and the probabilities sum to one: `answer = 256**3 - 1` (16,777,215).
# </details>
#
# **2.** Write `binary_image_parameters(n)`: the free parameters of the joint table of $n$ binary pixels.

# %%
def binary_image_parameters(n):
    raise NotImplementedError  # your code here


ch01.check_binary_image_parameters(binary_image_parameters)

# %% [markdown]
# <details><summary>Solution</summary>
#
# ```python
# def binary_image_parameters(n):
#     return 2 ** n - 1
# ```
# </details>
#
# **3.** Write `bernoulli_mle(flips)`: the maximum-likelihood $\theta$ from a list of 0/1 observations.

# %%
def bernoulli_mle(flips):
    raise NotImplementedError  # your code here


ch01.check_bernoulli_mle(bernoulli_mle)

# %% [markdown]
# <details><summary>Solution</summary>
#
# ```python
# def bernoulli_mle(flips):
#     return sum(flips) / len(flips)      # N1 / N
# ```
# </details>
#
# **4.** Write `log_lik(probs, samples)`: the log-likelihood in nats of integer samples under a categorical
# `probs`.

# %%
def log_lik(probs, samples):
    raise NotImplementedError  # your code here


ch01.check_log_likelihood(log_lik)

# %% [markdown]
# <details><summary>Solution</summary>
#
# ```python
# import math
# def log_lik(probs, samples):
#     return sum(math.log(probs[x]) for x in samples)
# ```
# </details>
#
# ## Summary
# - A Bernoulli has 1 free parameter, a categorical over $m$ values $m - 1$.
# - The log-likelihood of independent observations is a sum; its maximum is the vector of empirical
#   frequencies (derived with a derivative or a Lagrange multiplier, and matched numerically on real pixels).
# - One RGB pixel needs 16,777,215 parameters; half a million real pixels touch under 1 % of them, and the
#   fitted table gives a new photo log-likelihood $-\infty$.
# - A binary image of $n$ pixels needs $2^n - 1$; for 28×28 that has 237 digits. Next chapter: assumptions
#   that cut it down.
#
# ## References
# - S. Boyd and L. Vandenberghe (2004). *Convex Optimization*, §4.2.3 (a local optimum of a convex problem is
#   global). Cambridge University Press.
# - D. C. Liu and J. Nocedal (1989). On the limited memory BFGS method for large scale optimization.
#   *Mathematical Programming* 45, 503–528.
# - R. Motwani and P. Raghavan (1995). *Randomized Algorithms*, §3.6 (the coupon collector's problem).
#   Cambridge University Press.
# - E. Alpaydin and C. Kaynak (1998). Optical Recognition of Handwritten Digits. UCI Machine Learning
#   Repository (the source of scikit-learn's 8×8 digits).
# - C. M. Bishop (2006). *Pattern Recognition and Machine Learning*, §2.1–2.2 (Bernoulli, multinomial, maximum
#   likelihood; appendix E, Lagrange multipliers). Springer.
# - K. P. Murphy (2012). *Machine Learning: A Probabilistic Perspective*, §3.3–3.4. MIT Press.
# - `china.jpg` and `flower.jpg`: scikit-learn sample images, CC BY 2.0 (photographers danielbuechele and
#   vultilion on Flickr).
