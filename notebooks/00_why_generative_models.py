# %% [markdown]
# # 00 · What a generative model is for
#
# **What you will learn**
# - the three jobs of a generative model: *generation*, *density estimation* and *representation learning*;
# - the difference between *explicit* models (you can compute $p(x)$) and *implicit* ones (you can only
#   sample);
# - the one contract every model in this book follows, and how to train, evaluate and sample one;
# - the map of the course, from a coin flip to PixelRNN.
#
# A generative model is a probability distribution $p_\theta(x)$ over data $x$ — here, images —
# whose parameters $\theta$ are fitted to examples. Once we have it, we can ask it three kinds of questions.
#
# | job | question | what it needs |
# |---|---|---|
# | generation | draw a new $x \sim p_\theta$ | a sampler |
# | density estimation | how likely is this $x$? (anomaly detection, compression) | $p_\theta(x)$ itself |
# | representation learning | what features describe $x$? | a model whose internals summarise $x$ |
#
# **Explicit** models (every model in this book: independent pixels, Markov chains, FVSBN, NADE, PixelRNN)
# give the exact $p_\theta(x)$. **Implicit** models (GANs, for example) only give samples: you can draw
# faces, but you cannot ask how likely a face is (we show both in code below). Autoregressive models are
# explicit *and* can sample — at the price of generating one pixel at a time.

# %%
import os

import matplotlib.pyplot as plt
import torch

import genlib
from genlib import data, train, viz
from genlib.models import IndependentBernoulli

SEED = genlib.seed_everything(0)
DEVICE = genlib.device()
QUICK = genlib.quick_mode()
print(f"seed {SEED}, quick mode: {QUICK}  (set GENLIB_QUICK=1 for tiny budgets)")

# %% [markdown]
# ## The data: 5,000 real handwritten digits
# Every chapter uses the same embedded data set, `mnist5k`: 5,000 real MNIST training digits
# (500 per class) made binary once — each grey level $g$ became a 1 with probability $g/255$ —
# and split 4,000 / 500 / 500 into train, validation and test. It ships in `data/`, so nothing is downloaded.

# %%
# NBVAL_CHECK_OUTPUT
x_train, y_train = data.load("mnist5k", "train", labels=True)
x_val = data.load("mnist5k", "val")
x_test, y_test = data.load("mnist5k", "test", labels=True)
print("train", tuple(x_train.shape), "val", tuple(x_val.shape), "test", tuple(x_test.shape))
print("pixel values:", x_train.unique().tolist())

# %%
viz.show_grid(x_train[torch.randperm(len(x_train))[:64]], "64 training digits (binary, 28 x 28)");

# %% [markdown]
# ## The contract every model follows
# Every model in `genlib.models` is built as `Model(shape, **hyperparameters)` with `shape = (C, H, W)` and
# offers
#
# - `model(x)`: the parameters of every pixel's conditional distribution, in image layout (logits for binary
#   pixels);
# - `model.log_prob(x)`: the exact $\log p_\theta(x)$ of each image, in nats;
# - `model.sample(n)` and `model.complete(x, known)` (fill in the unknown pixels);
# - `genlib.save(model, path)` / `genlib.load(path)`.
#
# The simplest model gives each pixel its own coin:
# $p_\theta(x) = \prod_i \theta_i^{x_i}(1-\theta_i)^{1-x_i}$. It stores each $\theta_i$ as a **logit**
# $\ell_i = \log\frac{\theta_i}{1-\theta_i}$, any real number, and recovers
# $\theta_i = \sigma(\ell_i) = 1/(1+e^{-\ell_i})$ (the sigmoid), so gradient steps can never push a
# probability out of $[0, 1]$.
#
# We train it with the book's one training loop, `genlib.train.fit_or_load`: Adam (a variant of gradient
# descent) on the **negative log-likelihood** (NLL), $-\log p_\theta(x)$ averaged over the training images.
# The NLL is in **nats** because the log is natural; dividing by $784 \ln 2$ turns nats per image into bits
# per pixel. After every epoch (one pass over the training images) the loop measures the NLL on the validation
# split, which it never trains on, and keeps the weights of the best epoch. If `patience` epochs in a row
# (default 5) bring no improvement it stops: this is **early stopping**, and it guards against *overfitting*,
# a model that keeps getting better on its training images while getting worse on new ones. (`fit_or_load`
# also reuses a cached result when you re-run the cell.)

# %%
model = IndependentBernoulli((1, 28, 28)).to(DEVICE)
model, history = train.fit_or_load(model, x_train, x_val, epochs=genlib.budget(full=40, quick=2),
                                   lr=0.05, batch_size=128, device=DEVICE)
print(f"trained for {history.epochs_run} epochs ({history.stopped}) in {history.seconds:.1f} s; "
      f"best validation NLL at epoch {history.best_epoch + 1}")
nll = train.evaluate(model, x_test)
print(f"test NLL: {nll:.1f} nats per image = {train.bits_per_dim(nll, 784):.3f} bits per pixel")

# %%
fig, axes = plt.subplots(1, 3, figsize=(12, 3.6))
viz.plot_history(history, ax=axes[0])
axes[0].set_title("training curve")
im = axes[1].imshow(torch.sigmoid(model.logits[0]).detach().cpu(), cmap="gray", vmin=0, vmax=1)
axes[1].set_title("theta_i = p(pixel i = 1)")
axes[1].axis("off")
plt.colorbar(im, ax=axes[1], fraction=0.046, label="probability of ink")
viz.show_grid(model.sample(36).cpu(), "36 samples", ax=axes[2])
plt.tight_layout()

# %% [markdown]
# What to see: the training and validation curves (left) flatten after a few epochs and stay close, so this
# tiny model does not overfit (early stopping ended the run a few epochs after the best one, as printed above;
# the time printed there depends on the machine and on what else it was running). The middle panel shows that
# it learned *where* ink tends to be (the blurry mean digit), but its samples (right) are noise: no pixel
# knows what its neighbours did. Chapters 02–08 are the story of
# giving pixels that knowledge without an astronomical number of parameters.
#
# ## Job 2: density estimation and anomaly detection
# Even this crude model gives an exact $\log p_\theta(x)$. Images that look nothing like digits should get a
# much lower log-likelihood. We score 500 test digits and 500 "anomalies" of four kinds, and measure how
# well the score separates them with the ROC AUC: the probability that a random test digit scores higher than
# a random anomaly (1 = always, 0.5 = chance).

# %%
from sklearn.metrics import roc_auc_score

g = torch.Generator().manual_seed(0)
anomalies = {
    "noise (p=0.13)": torch.bernoulli(torch.full_like(x_test, x_train.mean().item()), generator=g),
    "inverted": 1 - x_test,
    "rotated 90°": torch.rot90(x_test, 1, dims=(2, 3)),
    "shifted 8 px": torch.roll(x_test, shifts=8, dims=3),
}
lp_anomaly, auc = {}, {}
with torch.no_grad():
    lp_test = model.log_prob(x_test.to(DEVICE)).cpu()
    for name, xa in anomalies.items():
        lp_anomaly[name] = lp_a = model.log_prob(xa.to(DEVICE)).cpu()
        auc[name] = roc_auc_score([1] * len(lp_test) + [0] * len(lp_a), torch.cat([lp_test, lp_a]))
        print(f"{name:15s} mean log p = {lp_a.mean():8.1f}   (digits {lp_test.mean():6.1f})   "
              f"AUC = {auc[name]:.3f}")

# %%
fig, ax = plt.subplots(figsize=(7, 3))
ax.hist(lp_test, bins=40, alpha=0.6, label="test digits")
ax.hist(lp_anomaly["rotated 90°"], bins=40, alpha=0.6, label="rotated digits")
ax.set_xlabel("log p(x)  (nats)"), ax.set_ylabel("number of images")
ax.legend()
ax.set_title(f"digits vs rotated digits: the histograms overlap (AUC {auc['rotated 90°']:.3f})");

# %% [markdown]
# What to see: the two histograms overlap over most of their range. The AUC printed above says that a rotated
# digit scores lower than a test digit in about three pairs out of four; a threshold on $\log p$ that caught
# most rotated digits would also flag many real ones. Noise and inverted digits are easy to spot (AUC 1.000);
# rotated and shifted digits are harder, because they still have about the right amount of ink. Better models
# (chapter 05) separate them better.
#
# ## Explicit versus implicit, in code
# An **implicit** model is a sampler: draw noise $z$, push it through a function $g$, output $x = g(z)$. GANs
# are built this way. Below, $g$ thresholds the average digit plus $z$ times the 16 main directions in which
# the training digits vary (their principal components); it is not trained like a GAN, but it is a sampler of
# the same kind. Drawing from it is one line:

# %%
X = x_train.flatten(1)
mean = X.mean(0)
_, S, Vt = torch.linalg.svd(X - mean, full_matrices=False)  # principal directions of the digits
scale = S[:16] / (len(X) - 1) ** 0.5                        # the spread along each of the first 16


def g(z):
    """Implicit model: 16 Gaussian noise numbers -> one binary 28 x 28 image."""
    return (mean + (z * scale) @ Vt[:16] > 0.5).float().view(-1, 1, 28, 28)


fig, axes = plt.subplots(1, 2, figsize=(8, 4.2))
viz.show_grid(g(torch.randn(36, 16)), "36 samples of the implicit model", ax=axes[0])
viz.show_grid(model.sample(36).cpu(), "36 samples of the explicit model", ax=axes[1]);

# %% [markdown]
# What to see: the implicit sampler draws smooth blobs in the shape of digits, cleaner than the noise of the
# independent model. But how likely is a given test digit under it?
# $p(x) = P\big(g(z) = x\big) = \int \mathbf 1[g(z) = x]\, \mathcal N(z; 0, I)\,dz$, an integral over 16
# dimensions with no formula. All we can do is sample and count how often we hit $x$ exactly:

# %%
targets = x_test[:5].flatten(1)
hits = torch.zeros(5, dtype=torch.long)
draws = genlib.budget(full=100_000, quick=10_000)
for _ in range(draws // 10_000):
    xs = g(torch.randn(10_000, 16)).flatten(1)
    hits += (xs[:, None, :] == targets[None]).all(-1).sum(0)
print(f"implicit model: exact hits of 5 test digits in {draws:,} draws: {hits.tolist()}  "
      f"-> p(x) estimated as 0")
with torch.no_grad():
    lp5 = model.log_prob(x_test[:5].to(DEVICE)).cpu()
    print("explicit model: log p(x) of the same 5 digits:", [round(v, 1) for v in lp5.tolist()])

# %% [markdown]
# The implicit model gives these real digits an estimated probability of zero, and that estimate says nothing.
# Any one image is rare among the $2^{784}$ possible ones: the explicit model puts between $e^{-316}$ and
# $e^{-201}$ on each of these five (the log-probabilities printed above), and counting would need more draws
# than there are atoms in the universe to hit one even once. Whether $g$ gives a digit a tiny probability or
# exactly zero, sampling cannot tell. The explicit model, crude as its samples are, returns $\log p_\theta(x)$
# exactly, in one call. That is what this book's models offer: scores for anomaly detection and compression,
# test NLLs to compare models, and samples too.
#
# ## Job 3: representation learning
# A model that explains the data well has, somewhere inside it, features that describe the data.
# The independent model has no internals beyond one number per pixel, so it learns no representation;
# in chapter 05 the hidden layer of NADE becomes features for a digit classifier.
#
# ## The map of the course
# | chapter | idea | parameters for a binary image of $n$ pixels |
# |---|---|---|
# | 01 | Bernoulli and categorical distributions; the joint table of an image | $2^n - 1$ |
# | 02 | independence, the chain rule, Bayes' rule, conditional independence | $n$ … $2^n-1$ |
# | 03 | the Markov assumption and AR($k$) models | $2n-1$, …  |
# | 04 | autoregressive models with learned conditionals; the pixel ordering | FVSBN: $n(n+1)/2$ |
# | 05 | NADE: shared weights, exact likelihood, real-valued data | $O(nH)$, $H$ hidden units |
# | 06 | MADE: all conditionals in one pass of a masked network, ensembles over masks | $O(nH)$ |
# | 07 | PixelRNN: masked convolutions (masks A and B), the Row LSTM and the Diagonal BiLSTM, colour by colour | independent of $n$ |
# | 08 | PixelCNN: masked convolutions only, its blind spot, the gated PixelCNN, colour images | independent of $n$ |
#
# ## Summary
# - A generative model is a distribution $p_\theta(x)$ fitted to data; we use it to generate, to score and to
#   represent.
# - Explicit models give $p_\theta(x)$ exactly; all the models in this book are explicit.
# - The independent-pixel model (784 parameters) trains until early stopping ends it, scores images exactly,
#   and draws noise; an implicit sampler can draw nicer images but cannot say how likely an image is.
#
# ## References
# - Y. LeCun, C. Cortes, C. Burges. *The MNIST database of handwritten digits* (CC BY-SA 3.0).
# - R. Salakhutdinov, I. Murray (2008). *On the quantitative analysis of deep belief networks.* ICML
#   (stochastic binarization).
# - I. Goodfellow (2016). *NIPS 2016 tutorial: generative adversarial networks*, arXiv:1701.00160 (explicit vs
#   implicit models).
