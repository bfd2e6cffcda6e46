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
# Slide $p$ (the true $\theta$ that generates the flips) and $N$: the left panel shows the flips, the right
# one $\ell(\theta)$ for those flips as a function of $\theta$. Its peak sits at $N_1/N$, close to $p$ when
# $N$ is large.

# %%
def show_coin(p=0.3, n=60, seed=0):
    flips = torch.bernoulli(torch.full((n,), p), generator=torch.Generator().manual_seed(seed)).long()
    thetas = torch.linspace(0.005, 0.995, 199)
    ll = [log_likelihood([1 - t, t], flips) for t in thetas.tolist()]
    fig, ax = plt.subplots(1, 2, figsize=(11, 2.8), gridspec_kw={"width_ratios": [1.3, 1]})
    ax[0].imshow(flips.view(1, -1), cmap="gray_r", aspect="auto", vmin=0, vmax=1)
    ax[0].set_title(f"{n} flips of a coin with p = {p:.2f}: {flips.sum().item()} ones (black)")
    ax[0].set_yticks([])
    ax[1].plot(thetas, ll)
    ax[1].axvline(p, color="grey", ls=":", label=f"true p = {p:.2f}")
    ax[1].axvline(flips.float().mean(), color="C3", label=f"N1/N = {flips.float().mean():.2f}")
    ax[1].set_xlabel("theta"), ax[1].set_ylabel("log-likelihood (nats)"), ax[1].legend(fontsize=8)
    plt.show()
    print(f"log-likelihood at the true p: {log_likelihood([1 - p, p], flips):.2f} nats;"
          f" at N1/N: {log_likelihood(categorical_mle(flips, 2), flips):.2f} nats")


show_coin()  # the default; the widget below lets you change it

# %%
interact(show_coin, p=(0.01, 0.99, 0.01), n=(5, 1000, 5), seed=(0, 20));

# %% [markdown]
# What to see: the log-likelihood at $N_1/N$ is never below the one at the true $p$ — the data always look
# at least as likely under the frequency they actually show.
#
# ## The maximum-likelihood estimate is the frequency
# **Bernoulli.** Setting $\frac{d\ell}{d\theta} = \frac{N_1}{\theta} - \frac{N_0}{1-\theta} = 0$ gives
# $N_1(1-\theta) = N_0\theta$, so $\hat\theta = \frac{N_1}{N_0 + N_1} = \frac{N_1}{N}$. The second derivative
# $-N_1/\theta^2 - N_0/(1-\theta)^2 < 0$, so it is a maximum.
#
# **Categorical.** Maximize $\ell(\pi) = \sum_v N_v \log \pi_v$ subject to $\sum_v \pi_v = 1$. With a
# Lagrange multiplier,
# $$\frac{\partial}{\partial \pi_v}\big[\ell + \lambda(1 - \textstyle\sum_u \pi_u)\big] = \frac{N_v}{\pi_v} - \lambda = 0,$$
# so $\pi_v = N_v / \lambda$, and the constraint gives $\lambda = N$: $\;\hat\pi_v = N_v / N$.
#
# We check both on real data, by maximizing $\ell$ numerically and comparing with the frequencies. The
# numerical search knows nothing of the formula: it writes $\pi_v = e^{z_v} / \sum_u e^{z_u}$ (the *softmax*
# of free numbers $z_v$, so the $\pi_v$ are always positive and sum to 1) and climbs $\ell$ in $z$ with
# L-BFGS, a standard gradient-based optimizer. The Bernoulli: *is the centre pixel of a digit inked?*,
# over the 4,000 training digits of `mnist5k`.

# %%
# NBVAL_CHECK_OUTPUT
x_train = data.load("mnist5k", "train")
centre = x_train[:, 0, 14, 14].long()
n1 = int(centre.sum())
print(f"centre pixel: N1 = {n1:,} inked out of N = {len(centre):,}, so N1/N = {n1 / len(centre):.4f}")
print(f"maximum found numerically:       theta = {fit_by_gradient(centre, 2)[1]:.4f}")

# %% [markdown]
# The categorical: the grey level (0–16) of one pixel of scikit-learn's 8×8 handwritten digits (`digits8`),
# a categorical over $m = 17$ values with 16 free parameters.

# %%
grey = data.load("digits8", "train")[:, 0, 3, 3].long()
freq, numeric = categorical_mle(grey, 17), fit_by_gradient(grey, 17)
print(f"{len(grey)} digits; largest |frequency - numerical maximum| = {(freq - numeric).abs().max():.1e}")
fig, ax = plt.subplots(figsize=(8, 2.6))
ax.bar(np.arange(17) - 0.2, freq, width=0.4, label="frequencies N_v / N")
ax.bar(np.arange(17) + 0.2, numeric, width=0.4, label="numerical maximum of the log-likelihood")
ax.set_xlabel("grey level of pixel (3, 3)"), ax.set_ylabel("probability"), ax.legend();

# %% [markdown]
# The two sets of bars agree to the tiny difference printed above: the maximum-likelihood categorical *is* the
# histogram. It gives probability 0 to the values that never occurred — remember that; it is what breaks
# below.
#
# ## A categorical you can set
# Set the (unnormalized) weights of a categorical over $m = 4$ values. The left panel compares the
# probabilities with the frequencies of $N$ samples; a sample is drawn by cutting $[0,1)$ into pieces of
# lengths $\pi_0, \dots, \pi_3$ and seeing where a uniform $u$ falls (`torch.multinomial`).

# %%
def show_categorical(w0=1.0, w1=2.0, w2=4.0, w3=1.0, n=200, seed=0):
    w = torch.tensor([w0, w1, w2, w3], dtype=torch.float64) + 1e-9
    probs = w / w.sum()
    x = torch.multinomial(probs, n, replacement=True, generator=torch.Generator().manual_seed(seed))
    f = categorical_mle(x, 4)
    fig, ax = plt.subplots(figsize=(6, 2.6))
    ax.bar(np.arange(4) - 0.2, probs, width=0.4, label="probabilities pi")
    ax.bar(np.arange(4) + 0.2, f, width=0.4, label=f"frequencies in {n} samples")
    ax.set_xticks(range(4)), ax.set_xlabel("value v"), ax.set_ylabel("probability"), ax.legend(fontsize=8)
    plt.show()
    print(f"log-likelihood of the samples: {log_likelihood(probs, x):.1f} nats under pi, "
          f"{log_likelihood(f, x):.1f} nats under their own frequencies")


show_categorical()

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
# Two ordinary photographs (sizes in the titles): a temple in muted greys and browns, a flower in saturated
# pinks and greens. The next cell counts how many distinct colours they use between them.

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
print(f"even if every pixel had a new colour, at most {100 * len(codes) / m:.2f} % of the cells could be seen")

# %% [markdown]
# Half a million pixels fill under 1 % of the table, and 99 % of the cells keep probability exactly 0. The
# cost shows when we fit the categorical to one photo and use it on the other: any colour the first photo
# never showed gets probability 0, so the whole second photo gets log-likelihood $-\infty$.

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
# To give every cell even a handful of counts we would need *billions* of pixels — and still a categorical
# over colours would not know that (120, 64, 30) and (121, 64, 30) are almost the same colour. That missing
# structure is what later chapters add.
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
print(f"cells of the 28x28 binary table they touch: a fraction 10^{math.log10(distinct_digits) - 784 * math.log10(2):.1f}")

# %%
ns = np.arange(1, 785)
fig, ax = plt.subplots(figsize=(7, 3.4))
ax.semilogy(ns, [float(counting.joint_table(int(n))) for n in ns], label="joint table: 2^n - 1")
ax.semilogy(ns, ns, label="independent pixels: n (chapter 02)")
ax.semilogy(ns, 2 * ns - 1, "--", label="Markov chain: 2n - 1 (chapter 03)")
ax.axhline(1e80, color="grey", ls=":", label="atoms in the observable universe (~1e80)")
for side, dx in [(4, -14), (8, 2), (16, 2), (28, -30)]:  # 2x2 (n = 4) is left out: it would sit on 4x4
    n_side = side * side
    ax.plot(n_side, float(counting.joint_table(n_side)), "k.")
    ax.annotate(f"{side}x{side}", (n_side, float(counting.joint_table(n_side))), textcoords="offset points",
                xytext=(dx, 6), fontsize=8)
ax.set_ylim(0.5, 1e250)
ax.set_xlabel("number of binary pixels n"), ax.set_ylabel("free parameters"), ax.legend(fontsize=8);

# %% [markdown]
# What to see: on a log scale the joint table is a straight line that passes the number of atoms in the
# universe at 266 pixels, while the counts of the next two chapters hug the bottom of the plot.
#
# ## Exercises
# Each checker says ✓ or ✗ with a hint. Replace the `...` and run the cell.
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
# - C. M. Bishop (2006). *Pattern Recognition and Machine Learning*, §2.1–2.2 (Bernoulli, multinomial, maximum
#   likelihood). Springer.
# - K. P. Murphy (2012). *Machine Learning: A Probabilistic Perspective*, §3.3–3.4. MIT Press.
# - `china.jpg` and `flower.jpg`: scikit-learn sample images, CC BY 2.0 (photographers danielbuechele and
#   vultilion on Flickr).
