# %% [markdown]
# # 00 · What a generative model is for
#
# **What you will learn**
# - the three jobs of a generative model: *generation*, *density estimation* and *representation learning*;
# - the difference between *explicit* models (you can compute $p(x)$) and *implicit* ones (you can only
#   sample);
# - the one contract every model in this book follows, and how to train, evaluate and sample one;
# - the map of the course, from a coin flip (chapter 01) to PixelRNN and PixelCNN (chapters 07 and 08).
#
# **What you need**: Python, basic probability (a distribution, a conditional probability, a logarithm), and
# PyTorch tensors at the level of the official *Deep Learning with PyTorch: A 60 Minute Blitz* — creating and
# indexing tensors, reshaping them (`.view`, `.flatten(1)`: keep the first axis, flatten the rest), operations
# along chosen axes (`dims=`), `torch.no_grad()` and `.detach()` (do not record operations for gradients), and
# `.to(device)` (move a tensor or a model to the CPU or a GPU). Everything else is explained where it is used.
#
# A generative model is a probability distribution $p_\theta(x)$ over data $x$ — here, images — whose
# parameters $\theta$ are fitted to examples. Once we have it, we can ask it three kinds of questions.
#
# | job | question | what it needs |
# |---|---|---|
# | generation | draw a new $x \sim p_\theta$ | a sampler |
# | density estimation | how likely is this $x$? (anomaly detection, compression) | $p_\theta(x)$ itself |
# | representation learning | what features describe $x$? | a model whose internals summarise $x$ |
#
# **Explicit** models (every model in this book: independent pixels, Markov chains, FVSBN, NADE, MADE,
# PixelRNN and PixelCNN, each glossed in the map at the end of this chapter) give the exact $p_\theta(x)$.
# **Implicit** models (GANs, for example) only give samples: you can draw faces, but you cannot ask how likely
# a face is (we show both in code below). Autoregressive models are explicit *and* can sample — at the price
# of generating one pixel at a time.
#
# The first cell of every chapter uses four helpers of `genlib`, the book's companion package:
# `genlib.seed_everything(0)` seeds Python's, NumPy's and PyTorch's random number generators so that a re-run
# draws the same numbers; `genlib.device()` picks a GPU if there is one, else the CPU, and says which;
# `genlib.quick_mode()` is True when the environment variable `GENLIB_QUICK=1` is set (the tests run every
# chapter that way, with tiny budgets); and `genlib.budget(full=..., quick=...)` returns the first number in
# full mode and the second in quick mode. The outputs you see were made in full mode.

# %%
import matplotlib.pyplot as plt
import torch

import genlib
from genlib import data, train, viz
from genlib.models import IndependentBernoulli

SEED = genlib.seed_everything(0)  # same random numbers on every run
DEVICE = genlib.device()  # a GPU if there is one, else the CPU
QUICK = genlib.quick_mode()  # True under GENLIB_QUICK=1: tiny budgets (the tests)
print(f"seed {SEED}, quick mode: {QUICK}  (set GENLIB_QUICK=1 for tiny budgets)")

# %% [markdown]
# ## The data: 5,000 real handwritten digits
# This chapter, and most of chapters 02–04, use the embedded data set `mnist5k` (chapter 01 also uses 8×8
# digits and two photographs; from chapter 05 on, the headline models use the papers' benchmark, binarized
# MNIST, introduced there): 5,000 real MNIST training digits (500 per class)
# made binary once — each grey level $g$ became a 1 with probability $g/255$ — and split 4,000 / 500 / 500
# into train, validation and test. It ships in `data/`, so nothing is downloaded.

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
# What to see: every pixel is pure black (0) or pure white (1), with no grey; the strokes are slightly ragged
# because the binarization flipped a coin at every grey edge pixel; and the digits vary a lot in slant,
# thickness and style. The ink sits in the middle of the 28 × 28 frame, the border is almost always black.
#
# ## The contract every model follows
# A binary pixel $x_i$ is a coin with probability $\theta_i$ of being 1 (ink). The models in this book do not
# store $\theta_i$ itself but its **logit** $\ell_i = \log\frac{\theta_i}{1-\theta_i}$, any real number, and
# recover $\theta_i = \sigma(\ell_i) = 1/(1+e^{-\ell_i})$ (the sigmoid), so gradient steps can never push a
# probability out of $[0, 1]$.
#
# Every model in `genlib.models` is built as `Model(shape, **hyperparameters)` with `shape = (C, H, W)`
# (channels, height, width) and offers
#
# - `model(x)`: the parameters of every pixel's conditional distribution, in image layout (logits for binary
#   pixels);
# - `model.log_prob(x)`: the exact $\log p_\theta(x)$ of each image, in nats;
# - `model.sample(n)`: $n$ new images;
# - `model.complete(x, known)`: fill in the unknown pixels of the images `x`; `known` is a boolean tensor of
#   shape `(H, W)` (the same for every image) or `(B, C, H, W)` (one per image), True where a pixel is given
#   and kept, False where the model draws it (we use it below);
# - `genlib.save(model, path)` / `genlib.load(path)`.
#
# The simplest model gives each pixel its own coin: $p_\theta(x) = \prod_i
# \theta_i^{x_i}(1-\theta_i)^{1-x_i}$, with one logit per pixel (784 parameters).
#
# **Training.** Fitting $\theta$ by *maximum likelihood* means choosing the $\theta$ under which the training
# images are most probable: maximise $\prod_n p_\theta(x^{(n)})$. The log turns that product into a sum, and
# flipping the sign and dividing by the number of images $N$ do not move the optimum, so this is the same as
# minimising the **negative log-likelihood** (NLL), $-\frac1N\sum_n \log p_\theta(x^{(n)})$. We minimise it by
# *gradient descent*: compute the gradient of the NLL with respect to every parameter (PyTorch does that for
# us) and take a small step against it; the *learning rate* (here 0.05) sets the step size. Each step uses a
# *mini-batch* of 128 random training images instead of all 4,000, which makes a step cheap and its gradient a
# noisy but unbiased estimate. *Adam* (Kingma & Ba, 2015) is the variant of gradient descent we use: it scales
# each parameter's step by running averages of that parameter's past gradients.
#
# The NLL is in **nats** because the log is natural; dividing by $784 \ln 2$ turns nats per image into bits
# per pixel. After every epoch (one pass over the training images) the book's one training loop,
# `genlib.train.fit_or_load`, measures the NLL on the validation split, which it never trains on, and keeps
# the weights of the best epoch. If `patience` epochs in a row (default 5) bring no improvement it stops: this
# is **early stopping**, and it guards against *overfitting*, a model that keeps getting better on its
# training images while getting worse on new ones.
#
# **The cache.** `fit_or_load` saves the trained model with its training history under
# `~/.cache/genlib/models` (or `$GENLIB_CACHE/models` if you set that variable), in a file named after the
# model and a hash of everything that decides the result (model code and settings, data, training arguments,
# quick or full mode). Re-running the cell with the same code loads that file in a second and prints "loaded
# ... from the cache"; the epochs, time and curves it reports are those of the original training run. To
# retrain, delete the file, or pass a new `name=` (or change any training argument).

# %%
model = IndependentBernoulli((1, 28, 28)).to(DEVICE)
model, history = train.fit_or_load(model, x_train, x_val, epochs=genlib.budget(full=40, quick=2),
                                   lr=0.05, batch_size=128, device=DEVICE, progress=False)
print(f"trained for {history.epochs_run} epochs ({history.stopped}) in {history.seconds:.1f} s; "
      f"best validation NLL at epoch {history.best_epoch + 1}")
nll = train.evaluate(model, x_test)
print(f"test NLL: {nll:.1f} nats per image = {train.bits_per_dim(nll, 784):.3f} bits per pixel")

# %% [markdown]
# A yardstick for bits per pixel: a fair coin per pixel ($\theta_i = 1/2$ everywhere) costs exactly 1 bit per
# pixel, 784 bits per image. The independent model needs 0.385 bits per pixel, because it has learned that
# most pixels are almost always black. (The training ran up to 40 epochs; early stopping ended it after the
# epoch count printed above, 5 epochs after the best one, whose weights it kept.)

# %%
fig, axes = plt.subplots(1, 3, figsize=(12, 3.6))
epochs = range(1, history.epochs_run + 1)  # epochs counted from 1, as in the printout above
axes[0].plot(epochs, history.train_nll, label="train (mean during the epoch)")
axes[0].plot(epochs, history.val_nll, label="validation (after the epoch)")
axes[0].axvline(history.best_epoch + 1, color="gray", ls="--", label=f"best epoch ({history.best_epoch + 1})")
axes[0].set_xlabel("epoch"), axes[0].set_ylabel("NLL (nats per image)"), axes[0].legend()
axes[0].set_title("training curve")
with torch.no_grad():  # model(x): every pixel's logit; this model ignores x, so any image gives the same
    theta = torch.sigmoid(model(x_test[:1].to(DEVICE)))[0, 0].cpu()  # (28, 28): image 0, channel 0
im = axes[1].imshow(theta, cmap="gray", vmin=0, vmax=1)
axes[1].set_title("theta_i = p(pixel i = 1), at pixel i")
axes[1].axis("off")
plt.colorbar(im, ax=axes[1], fraction=0.046, label="probability of ink")
viz.show_grid(model.sample(36).cpu(), "36 samples", ax=axes[2])
plt.tight_layout()
print(f"epoch 1: train NLL {history.train_nll[0]:.0f}, val NLL {history.val_nll[0]:.0f} (nats per image)")

# %% [markdown]
# What to see: the training and validation curves (left) flatten after a few epochs and stay close, so this
# tiny model does not overfit; the dashed line marks the best epoch, and the run stopped 5 epochs later. In
# the first epoch the training NLL (389) is *above* the validation NLL (278): the training number is the mean
# over that epoch's mini-batches, measured while the weights were still moving from their start (a fair coin
# per pixel), whereas the validation number is measured once, after the epoch, with the improved weights. (The
# time printed above depends on the machine and on what else it was running.) The middle panel draws
# $\theta_i$ at the position of pixel $i$ in the image: the model learned *where* ink tends to be (a blurry
# mean digit), but its samples (right) are noise, because no pixel knows what its neighbours did. Chapters
# 02–08 are the story of giving pixels that knowledge without an astronomical number of parameters.
#
# `complete` shows the same weakness. We give the model the top half of 10 test digits and let it draw the
# bottom half:

# %%
known = torch.zeros(28, 28, dtype=torch.bool)
known[:14] = True  # True = given: the top 14 rows; False = drawn by the model: the bottom 14 rows
digits = x_test[::50]  # 10 test digits, one every 50 (the test split is sorted by class)
filled = model.complete(digits.to(DEVICE), known).cpu()
title = "top: test digits; bottom: top half kept, bottom half drawn"
viz.show_grid(torch.cat([digits, filled]), title, nrow=10);

# %% [markdown]
# What to see: the top halves are kept exactly, and the bottom halves are the same kind of noise as the
# samples above: the independent model ignores the given pixels, so every unknown pixel is a fresh coin flip
# with its probability from the middle panel, whatever digit the top half began. The models of chapters
# 04–08 draw each unknown pixel given the pixels before it; chapter 05 shows NADE finishing most top halves
# plausibly.
#
# ## Job 2: density estimation and anomaly detection
# Even this crude model gives an exact $\log p_\theta(x)$. Images that look nothing like digits should get a
# much lower log-likelihood. We score 500 test digits and 500 "anomalies" of each of four kinds — random noise
# with the training digits' average ink (a fraction 0.13 of pixels on), inverted digits (black and white
# swapped), digits rotated by 90°, and digits shifted 8 pixels to the right by `torch.roll`, which wraps the
# columns that leave the right edge around to the left edge — and measure how well the score separates them
# with the ROC AUC: the probability that a random test digit scores higher than a random anomaly (1 = always,
# 0.5 = chance).

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
# What to see: the two histograms overlap over most of their range (where the blue and the orange bars are
# drawn over each other, their colours mix to brown). The AUC printed above says that a rotated digit scores
# lower than a test digit in about three pairs out of four; a threshold on $\log p$ that caught most rotated
# digits would also flag many real ones.
#
# Why is rotation the hard case? Not because of the amount of ink: the noise images have the digits' average
# ink too, yet they are separated perfectly (AUC 1.000). Noise puts its ink in the wrong places — all over the
# frame, including the border where $\theta_i$ is nearly 0 — and the inverted digits are almost all ink. A
# digit rotated by 90° still keeps most of its strokes in the central region where digits often have ink, so
# under a model that knows only *where* ink tends to be it looks nearly normal. Shifted digits are not a hard
# case (AUC 0.989, close to noise): the shift, with its wrap-around, moves ink onto columns near the edges
# where digits rarely have any. The NADE of chapter 05, which models how pixels depend on each other,
# scores AUC 0.837 for rotated digits and 1.000 for shifted ones — but on other test digits (the papers'
# benchmark, chapter 05) and with another model size, so read it as a hint, not a controlled comparison.
#
# ## Explicit versus implicit, in code
# An **implicit** model is a sampler: draw noise $z$, push it through a function $g$, output $x = g(z)$. GANs
# are built this way. Our $g$ is simple but of the same kind, built from the training digits' *principal
# components*. Treat each digit as a vector of 784 numbers. The principal components are the directions in
# that 784-dimensional space along which the training digits vary most, sorted from the most to the least
# variation; `torch.linalg.svd` (the singular value decomposition of the digits minus their mean) returns them
# as the rows of `Vt`, together with the *singular values* `S`, and `S / sqrt(n - 1)` ($n$ = 4,000 digits) is
# the standard deviation of the digits along each direction. So $g$ starts from the average digit, adds each
# of the 16 main directions times $z_j$ times its standard deviation ($z_j$ a standard normal number), and
# turns the resulting grey image into a binary one by setting a pixel to 1 where its value exceeds 0.5. It is
# not trained like a GAN, but it is a sampler of the same kind. Drawing from it is one line:

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
# What to see: most samples of the implicit model are solid, blotchy shapes that often resemble a digit
# (several read as 0, 3, 6 or 9), cleaner than the noise of the independent model; but some are only fragments
# or a single dot, and few would pass for handwriting. But how likely is a given test digit under it? Write
# $\mathbf 1[\cdot]$ for the indicator (1 if the statement in brackets is true, else 0) and $\mathcal N(z; 0,
# I)$ for the density of 16 independent standard normal numbers at $z$. Then $p(x) = P\big(g(z) = x\big) =
# \int \mathbf 1[g(z) = x]\, \mathcal N(z; 0, I)\,dz$, an integral over 16 dimensions with no formula. All we
# can do is sample and count how often we hit $x$ exactly:

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
# The implicit model gives these real digits an estimated probability of zero, and that estimate says little:
# zero hits in 100,000 draws only tells us that each $p(x)$ is probably below about 3/100,000 (the "rule of
# three": 95 % confidence). The implicit model cannot tell us $p(x)$ at all, so counting is the only way to
# estimate it, and counting needs about $1/p(x)$ draws to see $x$ even once.
# Any model that spreads its probability over many distinct images — and a model of handwriting must,
# among the $2^{784}$ possible binary images — gives each single image a tiny probability.
# For scale: the explicit model puts between $e^{-316}$ and $e^{-201}$ on each of these five digits (the
# log-probabilities printed above); if $g$ gave them probabilities of that size, counting would need more
# draws than there are atoms in the universe (about $10^{80}$) to hit one even once.
# And whether $g$ gives a digit a tiny probability or exactly zero, sampling cannot tell.
# The explicit model, crude as its samples are, returns $\log p_\theta(x)$ exactly, in one call.
# That is what this book's models offer: scores for anomaly detection and compression,
# test NLLs to compare models, and samples too.
#
# ## Job 3: representation learning
# A model that explains the data well has, somewhere inside it, features that describe the data. The
# independent model has no internals beyond one number per pixel, so it learns no representation. Chapter 05
# measures one: the 500 hidden units of a NADE, trained without labels, serve as features for a
# logistic-regression digit classifier, which reaches 0.902 test accuracy on them against 0.864 on the 784 raw
# pixels (the same 500 `mnist5k` test digits).
#
# ## The map of the course
# $n$ is the number of pixels (784 for a 28 × 28 digit); the last column counts parameters for binary images.
#
# | chapter | idea | parameters |
# |---|---|---|
# | 01 | Bernoulli and categorical distributions; the joint table of an image | $2^n - 1$ |
# | 02 | independence, the chain rule, Bayes' rule, conditional independence | from $n$ to $2^n-1$ |
# | 03 | the Markov assumption and AR($k$) models | $2n-1$ for $k = 1$, up to $2^n - 1$ |
# | 04 | autoregressive models with learned conditionals (FVSBN); the pixel ordering | $n(n+1)/2$ |
# | 05 | NADE: shared weights, exact likelihood, real-valued data | $O(nH)$, $H$ hidden units |
# | 06 | MADE: all conditionals in one pass of a masked network, ensembles over masks | $O(nH)$ |
# | 07 | PixelRNN: masked convolutions (masks A, B), Row LSTM, Diagonal BiLSTM, colours | same for any $n$ |
# | 08 | PixelCNN: masked convolutions only, blind spot, gated PixelCNN, colour images | same for any $n$ |
#
# The ranges in the last column: independence assumptions (chapter 02) can bring the full table's $2^n - 1$
# numbers down as far as $n$ (all pixels independent), depending on which ones you make; AR($k$) needs
# $\sum_{j=0}^{n-1} 2^{\min(j,k)}$ numbers, from $2n-1$ for $k = 1$ up to $2^n - 1$ for $k = n-1$ (chapter
# 03). The names, in one line each:
# - **AR($k$)** (autoregressive of order $k$): each pixel depends only on the $k$ pixels just before it.
# - **FVSBN** (fully visible sigmoid belief network): each pixel's probability is a logistic regression on all
#   the pixels before it.
# - **NADE** (neural autoregressive distribution estimator): each conditional is a small neural network with
#   one hidden layer, and all $n$ conditionals share one weight matrix.
# - **MADE** (masked autoencoder for distribution estimation): an ordinary neural network whose weights are
#   multiplied by 0/1 masks so that output $i$ depends only on the pixels before $i$; one pass computes all
#   conditionals.
# - **Masks A and B**: 0/1 patterns multiplied into convolution kernels so that each position sees only the
#   pixels above it and to its left; mask A (first layer) also hides the pixel itself, mask B (later layers)
#   lets a position see its own features, which were computed from earlier pixels only.
# - **Row LSTM**: an LSTM (a recurrent network with a memory cell) that moves down the image one row at a
#   time, computing each row from the row above.
# - **Diagonal BiLSTM**: an LSTM that sweeps the image along its diagonals, in two directions, so that every
#   pixel sees all the pixels before it.
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
# - D. P. Kingma, J. Ba (2015). *Adam: a method for stochastic optimization.* ICLR, arXiv:1412.6980.
# - I. Goodfellow (2016). *NIPS 2016 tutorial: generative adversarial networks*, arXiv:1701.00160 (explicit vs
#   implicit models).
# - PyTorch. *Deep Learning with PyTorch: A 60 Minute Blitz*, pytorch.org/tutorials (the tensor basics
#   assumed).
