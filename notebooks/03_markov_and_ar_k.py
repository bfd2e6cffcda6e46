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
# Read the image in raster order (row by row) and number the pixels $x_{o_1}, \dots, x_{o_n}$. The chain rule
# lets pixel $j$ depend on *all* earlier pixels; chapter 02 showed that most of the information comes from
# close neighbours. AR($k$) keeps only the $k$ most recent ones — a window of $k$ pixels sliding along the
# ordering (red: the pixel being generated; orange: what it sees).

# %%
def context_picture(k, j=14 * 28 + 14, H=28, W=28):
    order = orderings.get("raster", H, W)
    img = torch.zeros(H * W, 3)
    img[order[:j]] = torch.tensor([0.85, 0.85, 0.85])          # generated already
    img[order[max(0, j - k):j]] = torch.tensor([1.0, 0.6, 0.0])  # the context of pixel j
    img[order[j]] = torch.tensor([0.8, 0.0, 0.0])
    return img.view(H, W, 3)


fig, ax = plt.subplots(1, 3, figsize=(10, 3.4))
for a, k in zip(ax, [1, 4, 16]):
    a.imshow(context_picture(k)), a.set_title(f"AR({k}): pixel (14, 14) sees {k}"), a.axis("off")

# %% [markdown]
# What to see: even AR(16) sees only part of the row to its left, nothing of the row above. That limits what a
# lookup table can learn, whatever the amount of data.
#
# ## The maths
# With the ordering $o$ and $k$ fixed,
# $$p(x) = \prod_{j=1}^{n} p\big(x_{o_j} \mid x_{o_{j-k}}, \dots, x_{o_{j-1}}\big),$$
# the chain rule with the assumption that $x_{o_j}$ is conditionally independent of everything before
# $x_{o_{j-k}}$ given the $k$ pixels in between (the order-$k$ Markov assumption). Pixel $j$ (counting from 0)
# has $\min(j, k)$ parents, whose values form a binary number $c \in \{0, \dots, 2^{\min(j,k)} - 1\}$; its
# lookup table has one Bernoulli parameter per row, stored as a logit (chapter 00):
# $p(x_{o_j} = 1 \mid c) = \sigma(\theta_{j,c})$ with $\sigma(a) = 1/(1+e^{-a})$. In all
#
# $$\#\theta = \sum_{j=0}^{n-1} 2^{\min(j,k)} = \underbrace{(1 + 2 + \dots + 2^{k-1})}_{2^k - 1} + (n - k)\,2^k \qquad (n > k).$$
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
      f"{counting.markov_table(n, 28):,} (too many to store: MarkovTable stops at {genlib.models.markov.MAX_PARAMETERS:,})")
del model

# %% [markdown]
# ## The code
# The whole model is one flat vector `logits` holding every table, one after another (`offset[j]` is where
# pixel $j$'s table starts). The forward pass reorders the pixels, slides a window of $k$ over them with
# `unfold`, reads each window as a binary number (oldest pixel the most significant bit) and looks the rows up
# — no Python loop over pixels:

# %%
print(inspect.getsource(MarkovTable._context))

# %% [markdown]
# **Fitting by counting.** The log-likelihood separates into one Bernoulli per table row: row $c$ of pixel $j$
# sees the pixel values that followed context $c$ in the training images. By chapter 01 its maximum-likelihood
# estimate is the frequency $\hat p(1 \mid c) = N_1(c) / N(c)$. Rows whose context never occurred get no data
# at all (we leave them at $1/2$), and rows seen once get probability 0 or 1 — one surprise in the test set
# then costs a fortune. **Laplace (add-$\alpha$) smoothing** adds $\alpha$ imaginary zeros and ones to every
# row:
# $$\hat p_\alpha(1 \mid c) = \frac{N_1(c) + \alpha}{N(c) + 2\alpha}.$$
# We choose $\alpha$ on the validation split. `fit_counts(x, alpha)` does the counting with one `bincount`.
#
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
    rows.append(dict(k=k, params=counting.markov_table(n, k), alpha=best, train=train.evaluate(model, x_train),
                     val=val[best], test=train.evaluate(model, x_test), mle_val=val[0.0],
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
_ = results.record("03", f"MarkovTable (k={best_row['k']})", nll_nats=best_row["test"], params=best_row["params"])

fig, ax = plt.subplots(figsize=(7.5, 4))
P = [max(r["params"], 1) for r in rows]
ax.semilogx(P, [r["test"] for r in rows], "o-", label="test NLL (alpha chosen on validation)")
ax.semilogx(P, [r["train"] for r in rows], "s--", label="train NLL (same alpha)")
ax.semilogx(P, [r["mle_train"] for r in rows], "^:", color="grey", label="train NLL at alpha = 0 (the MLE)")
for r in rows:
    ax.annotate(f"k={r['k']}", (r["params"], r["test"]), textcoords="offset points", xytext=(0, 6), fontsize=8)
ax.axvline(best_row["params"], color="grey", ls=":")
ax.set_xlabel("parameters (log scale)"), ax.set_ylabel("NLL (nats per image)")
ax.set_title("AR(k) lookup tables on mnist5k"), ax.legend();

# %% [markdown]
# What to see: with the smoothing chosen on validation, the train NLL falls from $k=0$ to $k=12$, then ticks
# up at $k=14$ (the table above), because the larger the table, the fewer training digits each of
# its rows holds, and smoothing with $\alpha = 0.3$ pulls such thin rows away from what the training digits
# did; at $k=16$ validation picked a smaller $\alpha$, and the train NLL drops again. The maximum-likelihood
# tables ($\alpha = 0$, last column and grey curve) fit the training digits better at every $k$, and their
# train NLL can only fall as $k$ grows: an AR($k+1$) table can copy any AR($k$) table, so its best fit is at
# least as good. Meanwhile the test NLL falls steeply from $k=0$ to a few pixels, flattens, and then *rises*:
# with 4,000 images, the rows of a large table are mostly never seen (the "rows never seen" column) or seen a
# handful of times, so the model memorizes instead of generalizing. The sweet spot, marked by the vertical
# dotted line, sits between independence ($k=0$, 784 parameters) and the chain rule ($k=783$, a 237-digit
# count). Without smoothing the large tables are far worse on validation (the printed "alpha = 0" column of
# the loop).

# %%
show = [k for k in [0, 1, 2, 4, 8, 16] if k in samples]
fig, ax = plt.subplots(1, len(show) + 1, figsize=(2.3 * (len(show) + 1), 2.8))
viz.show_grid(x_test[torch.randperm(len(x_test), generator=torch.Generator().manual_seed(0))[:16]], "real digits", ax=ax[0])
for a, k in zip(ax[1:], show):
    viz.show_grid(samples[k], f"AR({k}) samples", ax=a)
plt.tight_layout()

# %% [markdown]
# What to see: from $k=1$ on, samples grow horizontal strokes — runs of ink whose length the model learned —
# but no vertical structure, because the pixel above is 28 steps back, outside every window here (AR(28) would
# need about $2 \cdot 10^{11}$ parameters, printed above). The largest tables draw noise: a sample soon
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
# with the counted tables at $\alpha = 0$ (the exact optimum of the same objective) and at the $\alpha$ chosen
# above:

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
# be: it is the exact optimum of the training NLL, which Adam stopped short of. On the test digits they split.
# The MLE is more than ten nats worse than the other two: its rows fitted to one or two training digits hold
# probabilities near 0 or 1, and each surprise in a test digit costs a fortune. Adam and the smoothed counts
# stay about a nat apart, the smoothed counts ahead. Gradient descent does not reach the counted optimum;
# stopped early, it ends near the smoothed table, because early stopping and add-$\alpha$ smoothing both keep
# rare rows away from 0 and 1.

# %% [markdown]
# ## A tiny image: AR($n-1$) is the full joint table
# On 4×4 crops (the centre of each digit, rows and columns 12–15) there are $2^{16} = 65{,}536$ possible
# images — few enough to write the joint table down. AR(15) gives the last pixel all 15 others as context: the
# chain rule with tables, $2^{16} - 1$ parameters. Fitted with $\alpha = 0$ it reproduces the empirical joint
# table *exactly*, in any ordering:

# %%
# NBVAL_CHECK_OUTPUT
crops = x_train[:, :, 12:16, 12:16]
full = MarkovTable((1, 4, 4), k=15, ordering=orderings.get("random", 4, 4, seed=1)).fit_counts(crops, alpha=0.0)
table = Joint.from_data(crops.flatten(1).long(), [f"x{i}" for i in range(16)], sizes=[2] * 16)
with torch.no_grad():
    p_model = full.log_prob(all_binary_images((1, 4, 4))).double().exp()
print(f"AR(15) parameters: {sum(p.numel() for p in full.parameters()):,} = 2**16 - 1 = {counting.joint_table(16):,}")
print(f"distinct crops among {len(crops):,}: {int((table.table > 0).sum()):,} of {2 ** 16:,} cells")
print(f"max |p_AR(15)(x) - empirical p(x)| over all 65,536 images < 1e-6: {(p_model - table.table.flatten()).abs().max().item() < 1e-6}")
print(f"total probability: {p_model.sum().item():.6f}")

# %% [markdown]
# The same trade-off shows on the tiny crops: the full table fits the *training* crops best, but on the test
# crops a context of 8 pixels does better.

# %%
crops_val, crops_test = x_val[:, :, 12:16, 12:16], x_test[:, :, 12:16, 12:16]
print(" k  params   train NLL  test NLL   (nats per 4x4 crop, alpha chosen on validation)")
for k in [0, 1, 2, 4, 8, 15]:
    m = MarkovTable((1, 4, 4), k=k)
    counts = m.counts(crops)
    a = min(genlib.budget(full=[0.0, 0.01, 0.1, 0.3, 1.0], quick=[0.0, 1.0]),
            key=lambda a: train.evaluate(m.set_tables(*counts, alpha=a), crops_val))
    m.set_tables(*counts, alpha=a)
    print(f"{k:2d} {counting.markov_table(16, k):7,}   {train.evaluate(m, crops):8.3f}  {train.evaluate(m, crops_test):8.3f}")

# %% [markdown]
# ## Exercises
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
#   same NLL only approaches that optimum, and with early stopping ends near, not at, the smoothed counts.
# - On 4,000 real digits the test NLL is best at a small $k$ (see the table above); larger tables memorize the
#   training set, and smoothing only delays that. Samples show horizontal strokes and nothing vertical.
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
