# %% [markdown]
# # 05 · NADE: shared weights, exact likelihood, and real-valued pixels (RNADE)
#
# **What you will learn**
# - how NADE (Larochelle & Murray, 2011) turns FVSBN's $D$ separate logistic regressions into one neural
#   network whose hidden layer is *shared* by all conditionals, and why that makes all $D$ conditionals cost
#   $O(HD)$ instead of $O(HD^2)$;
# - what NADE reaches on the papers' benchmark: a reference model ($H = 500$, trained by its recipe on
#   binarized MNIST), its training curve and its test NLL beside the published one;
# - that NADE is an explicit model: its $\log p(x)$ is exact, so we can check that it sums to one, complete
#   images, score anomalies (and see where a likelihood misleads) and read features out of its hidden layer;
# - RNADE (Uria, Murray & Larochelle, 2013): the same hidden layer for real-valued pixels, with a mixture of
#   Gaussians per conditional, and how a density on dequantized grey levels bounds their probability.
#
# Chapter 04 ended with FVSBN: a logistic regression per pixel, $D(D+1)/2$ parameters, in a fixed pixel
# ordering. NADE keeps the autoregressive factorization and the ordering (raster, throughout this chapter) and
# changes what computes each conditional. How to learn all orderings at once — the order-agnostic NADE —
# and how to change the ordering at inference are the subject of chapter 06.
#
# **Data.** The reference NADE and everything built on it use binarized MNIST (50,000 / 10,000 / 10,000
# images), the benchmark of the NADE, MADE and PixelRNN papers. Larochelle & Murray (2011) binarized
# MNIST *stochastically, once*: each pixel was drawn as a coin flip that is 1 with probability its grey
# level / 255, and the result was published, so every paper trains and tests on the same 0/1 images.
# The classifier needs labels, which binarized MNIST lacks, so it uses `mnist5k` (5,000 labelled MNIST digits,
# binarized the same way but by another draw of the coins: `data/README.md`); RNADE uses scikit-learn's 8×8
# grey-level digits (`digits8`).
#
# Code conventions: the maths counts steps $d = 1, \dots, D$; Python counts from 0, so the code's step index
# `d` (and a flat pixel index) is the maths' $d - 1$. Cells that begin with `# NBVAL_CHECK_OUTPUT` print
# deterministic facts (parameter counts, exact sums); the tests re-run the chapter and compare those outputs.

# %%
import inspect
import math
import time

import matplotlib.pyplot as plt
import torch

import genlib
from genlib import data, orderings, recipes, results, train, viz
from genlib.models import NADE, RNADE, all_binary_images
from genlib.models import nade as nade_lib
from genlib.models import nade_kernel

SEED = genlib.seed_everything(0)
DEVICE = genlib.device()
QUICK = genlib.quick_mode()
print(f"seed {SEED}, quick mode: {QUICK}  (set GENLIB_QUICK=1 for tiny budgets)")

# %% [markdown]
# ## The idea in one picture
# FVSBN computes the logit of step $d$ from the $d-1$ earlier pixels with its *own* row of weights:
# a triangle of $D(D-1)/2$ weights. NADE first maps the earlier pixels to $H$ hidden units with *one* matrix
# $W$, then reads the logit from the hidden units. $W$ has one row $W_j \in \mathbb{R}^H$ per pixel (a
# $D \times H$ matrix, as `model.W` in the code); conditional $d$ uses the rows $W_1, \dots, W_{d-1}$ of the
# same $W$ — so going from step $d$ to step $d+1$ adds exactly one row.
# The figure draws $W$ transposed (one *column* per pixel) and counts pixels from 1, as the maths does;
# the output weights $V_d$ (one row per conditional) are not drawn.

# %%
from matplotlib.patches import Patch

D_pic, H_pic, d_pic = 40, 12, 25  # pixels j and steps d counted from 1 here, as in the maths
shade = {"weight used": 1.0, "new at this step": 1.6}  # colour values (white: not used)
fig, axes = plt.subplots(1, 3, figsize=(13, 3.8))
axes[0].imshow(torch.tril(torch.ones(D_pic, D_pic), -1), cmap="Blues", vmin=0, vmax=1.6,
               extent=(0.5, D_pic + 0.5, D_pic + 0.5, 0.5))
axes[0].set_title("FVSBN: one row of weights per conditional")
axes[0].set_xlabel("earlier pixel j"), axes[0].set_ylabel("conditional d")
for ax, d in zip(axes[1:], (d_pic, d_pic + 1)):
    used = torch.zeros(H_pic, D_pic)
    used[:, : d - 1] = shade["weight used"]  # W_1 .. W_{d-1}: Python columns 0 .. d-2
    used[:, d - 2] += 0.6 * (d == d_pic + 1)  # W_{d-1}, the one new row of W
    ax.imshow(used, cmap="Blues", vmin=0, vmax=1.6, aspect="auto",
              extent=(0.5, D_pic + 0.5, H_pic + 0.5, 0.5))
    ax.set_title(f"NADE, conditional d={d}: uses W_j for j < {d}")
    ax.set_xlabel("pixel j (row W_j of W, drawn as a column)"), ax.set_ylabel("hidden unit")
fig.legend([Patch(color=plt.cm.Blues(v / 1.6)) for v in shade.values()] + [Patch(fc="w", ec="0.6")],
           list(shade) + ["not used"], loc="lower center", ncol=3)
plt.tight_layout(rect=(0, 0.08, 1, 1))

# %% [markdown]
# What to see: FVSBN needs a new row of weights for every conditional, a triangle of $D(D-1)/2$ weights — the
# number grows with the square of $D$ (double the pixels, four times the weights), while NADE's $W$ has $DH$
# entries, linear in $D$. NADE's conditional $d+1$ reuses everything conditional $d$ computed and adds one
# row of $W$ (the darker stripe).
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
# so all $D$ of them cost $O(HD)$: one running sum, with $h_d = \sigma(a_d)$.
# The log-likelihood is the exact sum of $D$ Bernoulli log-probabilities, in nats.
# (Conditional $d$ sees pixels $o_1, \dots, o_{d-1}$, so $h_D$ has still not seen the last pixel;
# the one more step $a_{D+1} = c + \sum_{j \le D} W_{o_j} x_{o_j} = c + W^\top x$ has seen them all.
# We use it below as a summary of the whole image.)

# %%
# NBVAL_CHECK_OUTPUT
model = NADE((1, 28, 28), hidden=500)
n_params = sum(p.numel() for p in model.parameters())
D, H = 784, 500
print(f"NADE, D={D}, H={H}: {n_params:,} parameters = 2DH + D + H = {2 * D * H + D + H:,}")
print(f"FVSBN on the same image: D(D+1)/2 = {D * (D + 1) // 2:,}")
print(f"multiply-adds for all activations: naive H*D(D-1)/2 = {H * D * (D - 1) // 2:,}, "
      f"shared H*(D-1) = {H * (D - 1):,}")
for D_ in (D, 64 * 64):  # 28x28 and 64x64 images; both ways also do the H*D products V_d . h_d of the logits
    naive, shared = H * D_ * (D_ - 1) // 2, H * (D_ - 1)
    naive_all, shared_all = naive + H * D_, shared + H * D_  # all D logits
    print(f"D={D_}: naive / shared = {naive / shared:,.0f} for the activations, "
          f"{naive_all / shared_all:,.1f} for all D logits ({naive_all:,} / {shared_all:,})")

# %% [markdown]
# What NADE saves is *computation*, not parameters: $2DH + D + H$ grows linearly in $D$ for a fixed $H$,
# but at $D = 784$ and $H = 500$ that is 785,284 parameters, more than FVSBN's 307,720. The saving is the work
# per image: all $D$ hidden activations in $O(HD)$ multiply-adds (391,500) instead of $O(HD^2)$ (153,468,000)
# if each were computed from scratch, $D/2 = 392$ times fewer. The logits need $HD$ more,
# the products $V_{o_d} \cdot h_d$, which both ways do, so for all $D$ logits the ratio is
# $\frac{D(D-1)/2 + D}{(D-1) + D}$: 153,860,000 against 783,500, about 196 times fewer —
# still a factor that grows in proportion to $D$.
#
# ## The code: three implementations of the same conditionals
# `genlib.models.nade` keeps the formula as written (`naive_logits`, one matrix product per conditional) and
# the running sum one pixel at a time (`loop_logits`). Both call `model.step_bias(steps)`,
# the hidden bias of every step as a $(D, H)$ tensor: for NADE it is the same $c$ at every step
# (`c.expand(D, H)`), so `c_steps[d]` and `c[d]` below are just $c$; chapter 06's order-agnostic NADE is the
# model whose bias changes from step to step. `NADE.forward` computes the same running sum for all pixels and
# a whole batch at once, without a Python step per pixel, in its own module `genlib.models.nade_kernel` behind
# one call, `shared_weight_logits`. The three, in that order (the first two without their docstrings,
# which say what the text says; of the kernel we print two building blocks, the mask and the product that uses
# it):

# %%
def without_docstring(fn):  # the source of fn, its docstring cut out
    head, _, rest = inspect.getsource(fn).partition('"""')
    return head.rstrip() + rest.split('"""', 1)[1]


print(without_docstring(nade_lib.naive_logits))
print(without_docstring(nade_lib.loop_logits))
print(inspect.getsource(nade_kernel.strictly_lower))
print(inspect.getsource(nade_kernel.block_activations))

# %% [markdown]
# How the kernel uses `block_activations`. It cuts the $D$ steps into blocks of $k$ (8 on a CPU) and carries
# the running sum `S` (the sum of $x_j W_j$ over all pixels *before* the block, one $H$-vector per image) from
# block to block: after a block, `S += x_blk @ W_blk`, one matrix product.
# Inside a block, step $i$ needs `S` plus the pixels of the block before it.
# `strictly_lower(k, x_blk)` is the $k \times k$ matrix of ones below the diagonal
# (`torch.ones(k, k).tril(-1)`), made with the dtype and device of its second argument and given a middle axis
# of length 1: shape $(k, 1, k)$. Against `x_blk` of shape $(B, k)$ it broadcasts, so `P = x_blk * mask` has
# shape $(k, B, k)$, and `P[i, b]` is image $b$'s block pixels with those at $j \ge i$ set to 0. One product,
# `P` viewed as $(kB, k)$ times `W_blk` $(k, H)$, gives all $k$ in-block sums of all $B$ images at once,
# $(k, B, H)$. For $k = 4$ and block pixels $x_1..x_4$:
#
# ```
# step 1:  S + c                          mask row 1: 0 0 0 0
# step 2:  S + c + x1 W1                  mask row 2: 1 0 0 0
# step 3:  S + c + x1 W1 + x2 W2          mask row 3: 1 1 0 0
# step 4:  S + c + x1 W1 + x2 W2 + x3 W3  mask row 4: 1 1 1 0
# ```
#
# That path (`SharedWeightLogits`) is used when a gradient with respect to $x$ is needed or the bias changes
# per step. For NADE's everyday case — evaluation and training alike, since training needs gradients with
# respect to the weights but not to $x$ — `NADE.forward` takes a second path (`RunLogits`, not printed;
# read it in `genlib/models/nade_kernel.py`): because $W$ is shared and $c$ is the same at every step,
# $a_{d+1} = a_d$ whenever $x_{o_d} = 0$, so an image with $n$ ones has only $n + 1$ *distinct* hidden layers,
# and it computes just those (about 13% of the pixels of binarized MNIST are ones).
# Neither path stores all $B \times D \times H$ activations for its hand-written backward pass:
# `SharedWeightLogits` recomputes a block's activations, `RunLogits` keeps only its few distinct layers.
#
# Three implementations, one model: on a small NADE with random weights they agree to float precision, and the
# probabilities of all $2^9 = 512$ binary $3 \times 3$ images sum to exactly one, under a random ordering.
# Which path of the kernel does each check take? Under `torch.no_grad()`, with NADE's one $c$,
# `small(x9)` takes `RunLogits`, so the first line checks that path; the sum to one is computed by it too.

# %%
# NBVAL_CHECK_OUTPUT
torch.manual_seed(0)
small = NADE((1, 3, 3), hidden=8, ordering=orderings.get("random", 3, 3, seed=1))
with torch.no_grad():
    for p in small.parameters():
        p.add_(torch.randn_like(p))
    x9 = all_binary_images((1, 3, 3))
    fast = small(x9).flatten(1)[:, small.steps()]  # no gradient, one c: the RunLogits path
    print("vectorized (RunLogits) = naive:",
          torch.allclose(fast, nade_lib.naive_logits(small, x9), atol=1e-5),
          "= loop:", torch.allclose(fast, nade_lib.loop_logits(small, x9), atol=1e-5))
    print(f"sum of p(x) over all 512 images: {small.log_prob(x9).double().exp().sum().item():.6f}")

# %% [markdown]
# The other path, and the hand-written backward passes. Giving the images a gradient (`requires_grad_()`)
# sends them through `SharedWeightLogits`, the path with `block_activations` explained above (on a CPU in
# blocks of 8 steps, so the 9 steps here make two blocks and the running sum `S` is carried from one to the
# next); we compare its logits and their gradient with respect to $x$ with autograd through `naive_logits`.
# Training's path is `RunLogits` with gradients for the weights: the gradient of $\sum_x \log p(x)$ with
# respect to every parameter, from its backward pass, must equal autograd's through the formula as written.

# %%
# NBVAL_CHECK_OUTPUT
x9g = x9.clone().requires_grad_()  # a gradient w.r.t. x: the SharedWeightLogits path
blocks, naive = small(x9g).flatten(1)[:, small.steps()], nade_lib.naive_logits(small, x9g)
dx_blocks, dx_naive = (torch.autograd.grad(z.sum(), x9g)[0] for z in (blocks, naive))
print("SharedWeightLogits = naive:", torch.allclose(blocks, naive, atol=1e-5),
      " gradient w.r.t. x:", torch.allclose(dx_blocks, dx_naive, atol=1e-5))
params, x_o = list(small.parameters()), x9.flatten(1)[:, small.steps()]
g_fast = torch.autograd.grad(small.log_prob(x9).sum(), params)  # no gradient w.r.t. x: RunLogits
# autograd through the formula
lp_naive = nade_lib.log_prob_from_logits(nade_lib.naive_logits(small, x9), x_o)
g_naive = torch.autograd.grad(lp_naive.sum(), params)
print("training path (RunLogits), gradients of all parameters = naive:",
      all(torch.allclose(a, b, atol=1e-4) for a, b in zip(g_fast, g_naive)))

# %% [markdown]
# ### How much the shared weights save
# We time the computation of all $D$ logits (the conditionals' parameters, from which the log-likelihood is
# one cheap sum) for a batch of 28×28 digits with each implementation ($H=500$).
# For all $D$ logits the naive one does about 196 times more multiply-adds than the running sum (printed
# above: $D/2 = 392$ for the hidden activations, fewer once the $HD$ output products that both do are
# counted). All three run without gradients, so the vectorized bar is `NADE.forward` on its `RunLogits` path
# (the distinct hidden layers only), not the `block_activations` path drawn above; the gradient-free timing is
# what evaluating a trained NADE costs.

# %%
x_test = data.load("binarized_mnist", "test")
timed = NADE((1, 28, 28), hidden=genlib.budget(full=500, quick=50))
xb = x_test[: genlib.budget(full=32, quick=4)]
seconds = {}
with torch.no_grad():
    for name, fn in [("naive O(HD²)", nade_lib.naive_logits), ("per-pixel loop O(HD)", nade_lib.loop_logits),
                     ("vectorized O(HD)", lambda m, x: m(x))]:
        times = []
        for _ in range(3):  # the best of three: a busy machine only ever adds time
            t = time.perf_counter()
            fn(timed, xb)
            times.append(time.perf_counter() - t)
        seconds[name] = min(times)
for name, s in seconds.items():
    print(f"{name:22s} {s * 1000:8.1f} ms  ({len(xb) / s:7.0f} images/s)")
fig, ax = plt.subplots(figsize=(6, 2.2))
ax.barh(list(seconds), [len(xb) / s for s in seconds.values()], color=["tab:red", "tab:orange", "tab:green"])
ax.set_xscale("log"), ax.set_xlabel(f"images per second (log scale), all D logits, H={timed.hidden}")
ax.set_title("the shared-weight trick: same numbers, O(HD) instead of O(HD²)");

# %% [markdown]
# What to see: in this run, on 32 images (wall-clock, best of three, on the authors' 2-core machine, so expect
# other ratios on yours), the naive formula is by far the slowest: 127.7 ms, about 4 times the per-pixel
# loop's 32.4 ms — far less than its about 196 times more multiply-adds for all logits suggests,
# because its work is large matrix products, which a CPU does very efficiently, while the $O(HD)$ versions
# spend their time on element-wise sigmoids, small operations and memory traffic.
# The vectorized kernel, here its `RunLogits` path (no gradient, computing only the distinct hidden layers),
# took 9.4 ms, about a third of the loop's time on this one small batch. That is all this cell shows:
# it times neither `SharedWeightLogits` nor any backward pass. `make bench` (`benchmarks/nade_variants.py`)
# measures the training throughput and memory of each version against the per-pixel loop;
# the README reports those ratios. The gap to the naive formula grows with $D$: for 64×64 images it would do
# 1,024 times more multiply-adds for all logits (2,048 for the activations), as printed above.
#
# ## The reference NADE on binarized MNIST
# How good is NADE? Training it well takes about an hour of CPU, so the book ships a *reference checkpoint*:
# NADE with $H = 500$ trained by its recipe (`genlib.recipes.RECIPES["nade"]`) on the 50,000 training images
# of binarized MNIST, keeping the epoch with the best NLL on the 10,000 validation images.
# The recipe: start from the pixels' means (`start_from_means`, as chapter 04 did for FVSBN:
# the output biases $b_i$ are set to the logits of the pixels' frequencies in the training images,
# while $W$ and $V$ stay random, so every conditional starts near its pixel's mean); Adam with batches of 100
# for 100 epochs, seed 0; and a *cosine learning-rate schedule*: the step size after $t$ of the $T$ training
# steps is $10^{-3} \cdot \frac{1}{2}\big(1 + \cos(\pi t / T)\big)$, a half cosine wave that starts at
# $10^{-3}$, falls slowly, then fast in the middle, then slowly again to 0 at the end (Loshchilov & Hutter,
# 2017), so the last epochs take small, careful steps. Its record `checkpoints/nade.json` holds the training
# curve, the wall time, the machine and the NLL on all 10,000 test images.
# `genlib.recipes.reference("nade")` loads it after checking its SHA-256; to train it again yourself,
# run `python -m genlib reproduce nade`.

# %%
rec, nade = recipes.record("nade"), recipes.reference("nade", device=DEVICE)
paper = recipes.recipe("nade").paper[0]
h = rec["history"]
print(f"reference NADE, H={nade.hidden}: {rec['params']:,} parameters; {h['epochs_run']} epochs in "
      f"{rec['seconds'] / 60:.0f} min ({rec['machine']}); best validation NLL at epoch {h['best_epoch'] + 1}")
print(f"test NLL, all 10,000 test images (from the record): {rec['test_nll_nats']:.2f} nats per image "
      f"= {rec['test_bits_per_dim']:.4f} bits per pixel;  Larochelle & Murray (2011): {paper:.2f} nats")
n_slice = genlib.budget(full=recipes.SLICE, quick=50)
nll_first = train.evaluate(nade, x_test[:n_slice])
recorded = f" (its record: {rec[f'test_nll_first_{n_slice}']:.2f})" if n_slice == recipes.SLICE else ""
print(f"re-evaluated here on the first {n_slice:,} test images: {nll_first:.2f} nats{recorded}")
print("ink (fraction of pixels on) per block of 1,000 test images:",
      " ".join(f"{v:.3f}" for v in x_test.view(10, -1).mean(1).tolist()))
spread = x_test[:: len(x_test) // n_slice]  # every 10th image: all parts of the split
print(f"on every {len(x_test) // n_slice}th test image ({len(spread):,} images): "
      f"{train.evaluate(nade, spread):.2f} nats")
_ = results.record("05", "NADE (H=500, reference checkpoint)", nll_nats=rec["test_nll_nats"],
                   data="binarized_mnist test", paper=paper, params=rec["params"])

# %%
fig, axes = plt.subplots(1, 2, figsize=(12, 3.8), gridspec_kw={"width_ratios": [3, 2]})
epochs = range(1, h["epochs_run"] + 1)
axes[0].plot(epochs, h["train_nll"], label="training (mean over the epoch)")
axes[0].plot(epochs, h["val_nll"], label="validation (10,000 images)")
axes[0].axhline(paper, color="k", ls=":", label=f"published test NLL ({paper})")
axes[0].set_ylim(75, 125), axes[0].set_xlabel("epoch"), axes[0].set_ylabel("NLL (nats per image)")
axes[0].legend(), axes[0].set_title("the reference NADE's training curve (from checkpoints/nade.json)")
torch.manual_seed(0)
with torch.no_grad():
    viz.show_grid(nade.sample(36).cpu(), "36 samples from the reference NADE", ax=axes[1])
plt.tight_layout()
print(f"epoch 1: training {h['train_nll'][0]:.2f}, validation {h['val_nll'][0]:.2f};  "
      f"epoch {h['epochs_run']}: training {h['train_nll'][-1]:.2f}, validation {h['val_nll'][-1]:.2f} nats")

# %% [markdown]
# What to see: the validation NLL falls fast (116.24 nats after the first epoch) and flattens out (89.16 at
# epoch 100, its best at epoch 97). The training NLL of epoch 1 is higher, 141.85 (above the plotted range,
# so its curve enters from the top): it is the mean over the epoch's 500 batches, each scored with the weights
# of that moment, and the early batches were scored by weights far worse than those at the end of the epoch,
# while the validation NLL is measured once, with the weights at the end of the epoch. Later the
# training NLL goes on down to 81.17, below the validation curve: even on 50,000 images, 785,284
# parameters overfit somewhat, and keeping the best validation epoch protects the test number.
# On all 10,000 test images the reference NADE scores 88.36 nats, beside the 88.86 of Larochelle & Murray
# (2011) for the same $H = 500$ (their optimiser and schedule differ from our recipe,
# so read it as the paper's number reproduced, not beaten). Re-evaluated here on the first 1,000 test images
# it gives 98.77 nats, exactly the value its record holds for that slice: the checkpoint loaded unchanged.
# That slice is not a typical sample, though. The ink (fraction of pixels on) differs from block to block of
# 1,000 test images — most in the first block (0.170), least in the second (0.076), as for heavy zeros and
# thin ones — and the completion figure below, which takes every 1,700th image, meets a 0, a 1, a 3, a 4,
# a 6 and an 8 in that order: the split is sorted by class, its first images are zeros,
# and that is why the first slice's NLL is higher than the full test's.
# A slice spread over the whole split (every 10th image) gives 88.02 nats, close to the full-test 88.36;
# the other slices of this chapter are spread too. The dotted line is the *published test* NLL,
# not one of our curves: a yardstick for where training ends up, drawn over our training and validation curves
# (which are measured on other images). Many samples are recognisable digits (sixes, zeros, fives, nines);
# others break off. To train it again: `python -m genlib reproduce nade` (57 minutes on the record's 2-core
# machine).
#
# ## Completion: the top half gives the bottom, the left half gives the right
# `complete(x, known)` keeps the known pixels and samples the others, one at a time in the model's ordering,
# each from $p(x_{o_d} \mid x_{o_{<d}})$: it conditions on the pixels *before it in the ordering* (known or
# already drawn), not on all known pixels. In raster order the top half is a prefix, so given the top half the
# completion is an exact sample from $p(\text{bottom} \mid \text{top})$.
# The left half is not a prefix: an unknown pixel of the right half cannot see the known pixels of the left
# half *below* it, so the result is not a sample from the posterior $p(\text{right} \mid \text{left})$ —
# that would need a sum over all values of the unknown pixels that come earlier in the ordering,
# which NADE cannot do in closed form.

# %%
digits = x_test[torch.arange(6) * 1700 + 10].to(DEVICE)  # spread over the split: its first images are zeros
top, left = torch.zeros(28, 28, dtype=torch.bool), torch.zeros(28, 28, dtype=torch.bool)
top[:14], left[:, :14] = True, True
torch.manual_seed(1)
with torch.no_grad():
    rows = [digits, digits * top, nade.complete(digits, top), digits * left, nade.complete(digits, left)]
title = "rows: test digit | top half | completed | left half | completed"
viz.show_grid(torch.cat(rows).cpu(), title, nrow=6);

# %% [markdown]
# What to see: from the top half, NADE draws mostly plausible bottoms — the 1, the 4,
# the 6 and the 8 are finished as such, the 3 gets its lower curve but with a blob of extra ink,
# and the 0 becomes an 8 (a top half can be finished in several ways).
# From the left half it does worse: the 0 is completed well and the 8 roughly, but the 1,
# the 3 and the 4 turn into scribbles and the 6 into a closed loop, because each unknown pixel of the right
# half cannot see the known left-half pixels below it. Chapter 06's order-agnostic NADE can condition on any
# set of known pixels.
#
# ## Density estimation: anomaly detection with exact likelihoods
# We score 500 binarized-MNIST test digits (every 20th) and the same digits turned into anomalies by
# $\log p(x)$, and measure the separation with the ROC AUC (1 = perfect, 0.5 = chance),
# as in chapter 00 with the independent model. (`torch.roll` shifts each digit 8 pixels to the right and wraps
# what leaves the right edge around to the left.)

# %%
from sklearn.metrics import roc_auc_score

x_digits = x_test[:: genlib.budget(full=20, quick=200)]  # every 20th: all classes (the split looks sorted)
p_on = data.load("binarized_mnist", "train").mean().item()
g = torch.Generator().manual_seed(0)
anomalies = {f"noise (p={p_on:.2f})": torch.bernoulli(torch.full_like(x_digits, p_on), generator=g),
             "inverted": 1 - x_digits, "rotated 90°": torch.rot90(x_digits, 1, dims=(2, 3)),
             "shifted 8 px": torch.roll(x_digits, shifts=8, dims=3)}
with torch.no_grad():
    lp_test = nade.log_prob(x_digits.to(DEVICE)).cpu()
    lp_anom = {k: nade.log_prob(v.to(DEVICE)).cpu() for k, v in anomalies.items()}
for k, lp in lp_anom.items():
    auc = roc_auc_score([1] * len(lp_test) + [0] * len(lp), torch.cat([lp_test, lp]))
    print(f"{k:15s} mean log p = {lp.mean():8.1f}   (digits {lp_test.mean():6.1f})   AUC = {auc:.3f}")

# %% [markdown]
# ### The caveat: simple images can look *more* likely than digits
# Nalisnick, Matsukawa, Teh, Gorur & Lakshminarayanan (2019) found that deep likelihood models trained on one
# data set can give higher likelihood to simpler images from another. Does our NADE?
# We score an all-black image, very sparse images (a few random pixels on) and a single thin stroke.

# %%
blank, stroke = torch.zeros(1, 1, 28, 28), torch.zeros(1, 1, 28, 28)
stroke[0, 0, 6:22, 13:15] = 1
sparse = torch.bernoulli(torch.full((100, 1, 28, 28), 0.01), generator=g)
with torch.no_grad():
    images = {"all black": blank, "sparse (1% on)": sparse, "one vertical stroke": stroke}
    simple = {k: nade.log_prob(v.to(DEVICE)).cpu() for k, v in images.items()}
for k, lp in simple.items():
    frac = (lp_test < lp.mean()).float().mean().item()
    print(f"{k:20s} log p = {lp.mean():7.1f}   higher than {100 * frac:5.1f}% of the test digits")
fig, ax = plt.subplots(figsize=(8, 3))
ax.hist(lp_test, bins=40, alpha=0.6, label="test digits")
ax.hist(lp_anom["rotated 90°"], bins=40, alpha=0.6, label="rotated 90°")
for (k, lp), c in zip(simple.items(), ["k", "tab:purple", "tab:green"]):
    ax.axvline(lp.mean(), color=c, ls="--", label=k)
ax.set_xlabel("log p(x)  (nats)"), ax.set_ylabel("images"), ax.legend(fontsize=8)
ax.set_title("reference NADE log-likelihoods: digits, rotated digits, and very simple images");

# %% [markdown]
# What to see: noise, inverted and shifted digits are separated perfectly (AUC 1.000) and rotated digits fall
# mostly to the left of real digits (AUC 0.837); but the blank image (log p = −11.4) and the single stroke
# (−25.4) sit to the *right* — more likely than every one of the 500 test digits.
# Not every simple image does: the sparse images (1% of the pixels on at random) average −114.0,
# more likely than only 11.2% of the digits, because isolated dots scattered over the image, even a few,
# are unlike anything NADE was trained on. A likelihood counts how cheaply an image can be encoded under the
# model, and an empty image, or one stroke where digits have strokes, is cheap. So $\log p(x)$ alone is not a
# detector of "is this a digit". Nalisnick, Matsukawa, Teh & Lakshminarayanan (2019, arXiv:1906.02994) propose
# a *typicality* test instead: ask whether the log-likelihood of a batch of inputs is close to the typical
# log-likelihood of the training data, not whether it is high; a blank image is far from typical,
# on the high side.
#
# ## Representation learning: NADE's hidden units as features
# After reading the whole image, $\sigma(a_{D+1}) = \sigma(c + W^\top x)$ summarises it in $H = 500$ numbers,
# learned without labels (`NADE.hidden_features`). Binarized MNIST has no labels, so here we use `mnist5k`: we
# train a logistic-regression classifier (scikit-learn) on the reference NADE's features and on the raw pixels
# of its 4,000 labelled training digits, and test on its 500 test digits.
# (All `mnist5k` digits come from MNIST's training set, so the reference NADE may have seen them —
# binarized differently and without their labels.)

# %%
from sklearn.linear_model import LogisticRegression

x_tr, y_tr = data.load("mnist5k", "train", labels=True)
x_te, y_te = data.load("mnist5k", "test", labels=True)
if QUICK:  # a random subset with every digit class
    sub = torch.randperm(len(x_tr), generator=torch.Generator().manual_seed(0))[:300]
    x_tr, y_tr = x_tr[sub], y_tr[sub]
with torch.no_grad():
    f_tr, f_te = nade.hidden_features(x_tr.to(DEVICE)).cpu(), nade.hidden_features(x_te.to(DEVICE)).cpu()
right = {}  # 1 where the classifier is right, one entry per test digit
for name, (a, b) in {"raw pixels (784)": (x_tr.flatten(1), x_te.flatten(1)),
                     f"NADE hidden units ({nade.hidden})": (f_tr, f_te)}.items():
    clf = LogisticRegression(max_iter=genlib.budget(full=2000, quick=100), C=0.1).fit(a, y_tr)
    right[name] = torch.as_tensor(clf.predict(b) == torch.as_tensor(y_te).numpy(), dtype=torch.float64)
    acc = right[name].mean().item()
    print(f"{name:24s} test accuracy {acc:.3f} ± {math.sqrt(acc * (1 - acc) / len(y_te)):.3f} "
          "(standard error)")
diff = right[f"NADE hidden units ({nade.hidden})"] - right["raw pixels (784)"]  # paired: the same digits
print(f"NADE - raw: {diff.mean():+.3f} ± {diff.std().item() / math.sqrt(len(diff)):.3f} "
      "(paired standard error)")

# %% [markdown]
# What to see: on NADE's 500 unsupervised features the classifier reaches 0.902 test accuracy,
# against 0.864 on the 784 raw pixels. Both are scored on the same 500 digits, so the uncertainty of the gain
# is a *paired* one: the standard deviation of the per-digit differences (right or wrong, +1,
# 0 or −1) divided by $\sqrt{500}$. The gain is +0.038 ± 0.012, about three paired standard errors: evidence,
# not proof, that the hidden layer has learned something about digit shape while learning to predict pixels.
# Both classifiers use the same regularization strength, `C=0.1`, untuned; one fixed `C` acts differently on
# 784 binary pixels and on 500 sigmoid features (the penalty weighs the same coefficients against inputs of
# different number and scale), so this compares these two settings only, not each input at its best `C`.
#
# ## RNADE: real-valued pixels
# Grey levels are not coins. RNADE (Uria, Murray & Larochelle, 2013) keeps NADE's shared hidden layer and asks
# it for the parameters of a *density* over each pixel's value. The data are scikit-learn's 8×8 digits,
# grey levels $g \in \{0, \dots, 16\}$. A density needs real values, so we *dequantize* them:
# add uniform noise $u \in [0, 1)$ to each grey level and divide by $L = 17$, $x = (g + u)/17 \in [0, 1)$
# (`dequantize`; why this is the right thing to do, and what it lets us say about the grey levels,
# follows below).
#
# Why not simply a Gaussian per pixel? A Gaussian with mean $\mu$ and standard deviation $\sigma$ has density
# $\mathcal{N}(x; \mu, \sigma^2) = \exp\big(-(x-\mu)^2 / 2\sigma^2\big) / \sqrt{2\pi\sigma^2}$: one bell.
# A *mixture of $K$ Gaussians* picks component $k$ with probability $\alpha_k$ ($\alpha_k \ge 0$,
# $\sum_k \alpha_k = 1$) and then draws from it, so its density is
# $\sum_{k=1}^K \alpha_k\, \mathcal{N}(x; \mu_k, \sigma_k^2)$: up to $K$ bells.
# Look at one pixel: pixel (row 3, column 5) in the digits whose left neighbour is bright.
# The stroke either goes on (bright), ends (dark), or passes at its edge (in between):
# the conditional has several modes, and a single Gaussian puts its peak where the data are rare.
# We fit one Gaussian and a mixture of three to the training values (scikit-learn's `GaussianMixture`,
# by maximum likelihood) and score each by its *mean log density* on held-out values,
# $\frac{1}{N}\sum_n \log p(x_n)$, in nats (higher is better; a density can exceed 1, so it can be positive).
# The baseline is the uniform density on $[0, 1)$, which is 1 there: log density 0 for every value.
# We also print how much probability each fit puts outside $[0, 1)$, where no value can fall,
# and the score of the histogram itself (17 bins, one per grey level).

# %%
from sklearn.mixture import GaussianMixture

from genlib.models.rnade import Dequantize, dequantize

g_train, g_val, g_test = (data.load("digits8", s) for s in ("train", "val", "test"))
r, c = 3, 5


def bright_left(g, seed):  # the values of pixel (r, c) in the images whose left neighbour is >= 12 of 16
    return dequantize(g[g[:, 0, r, c - 1] >= 12], seed=seed)[:, 0, r, c].double().numpy()[:, None]


v_tr, v_te = bright_left(g_train, 0), bright_left(g_test, 2)
u = torch.linspace(0, 1, 201).double().numpy()[:, None]
fig, ax = plt.subplots(figsize=(8, 3))
ax.hist(v_tr[:, 0], bins=17, range=(0, 1), density=True, alpha=0.4, label=f"{len(v_tr)} training digits")
for K in (1, 3):
    gm = GaussianMixture(K, random_state=0).fit(v_tr)
    ax.plot(u, torch.from_numpy(gm.score_samples(u)).exp(), label=f"{K} Gaussian{'s' * (K > 1)}")
    order = gm.means_[:, 0].argsort()  # components from dark to bright
    mu, sd = torch.from_numpy(gm.means_[order, 0]), torch.from_numpy(gm.covariances_[order]).view(K).sqrt()
    bells = torch.distributions.Normal(mu, sd)
    inside = bells.cdf(torch.tensor(1.0)) - bells.cdf(torch.tensor(0.0))  # each component's mass in [0, 1)
    lost = torch.from_numpy(gm.weights_[order]) * (1 - inside)
    print(f"{K} Gaussian{'s' * (K > 1)}: mean log density of the {len(v_te)} held-out values "
          f"{gm.score(v_te):.2f} nats;  means {', '.join(f'{m:.2f}' for m in mu)}, "
          f"sd {', '.join(f'{v:.3f}' for v in sd)}")
    print(f"   mass outside [0, 1): {lost.sum():.3f} (by component: {', '.join(f'{v:.3f}' for v in lost)})")
hist = torch.histc(torch.from_numpy(v_tr[:, 0]), bins=17, min=0, max=1) * 17 / len(v_tr)  # density per bin
lp_hist = hist[(torch.from_numpy(v_te[:, 0]) * 17).long()].log().mean()
print(f"histogram of the training values (17 bins): {lp_hist:+.2f} nats;  uniform on [0, 1): 0 nats")
ax.set_xlabel(f"value of pixel ({r}, {c}), x = (g + u) / 17"), ax.set_ylabel("density"), ax.legend(fontsize=8)
ax.set_title(f"p(pixel ({r}, {c}) | left neighbour bright): {len(v_te)} test digits held out");

# %% [markdown]
# What to see: the histogram has a peak at the dark end (its first bin, grey level 0), a tall,
# narrow one at the bright end, and a broad stretch in between. One Gaussian (orange) puts its maximum in the
# middle and misses both peaks. Three Gaussians (green; means 0.13, 0.57 and 0.97) catch the bright peak with
# a narrow component, but not the dark one: their lowest component sits at 0.13, not on the tall first bin
# at 0. Still, on the 192 held-out values the mixture's mean log density is −0.10 nats,
# against −0.30 for one Gaussian.
#
# Both are below the baseline, the uniform density on $[0, 1)$ with log density 0 (the same baseline as the
# 4.09 bits per dimension of the uniform distribution below). Part of the shortfall is probability put where
# no value can fall: the single Gaussian (sd 0.327) puts 0.127 of its mass outside $[0, 1)$,
# which lowers the log density of every value inside by $-\log(1 - 0.127)$; the mixture loses 0.050 —
# 0.025 below 0 from its dark component (sd 0.097), 0.017 from the broad middle one, and 0.008 beyond 1 from
# the narrow one at 0.97 (sd 0.017). The rest is shape: inside one grey level's bin the dequantized values are
# spread flat, which a bell does not fit, and this conditional is not far from flat overall —
# even the histogram of the training values, 17 flat bins, scores only +0.02 nats on the held-out values.
# So the example shows what a mixture gains over one bell when the values have several modes,
# not a density that beats the uniform one on this pixel.
#
# RNADE makes each conditional such a mixture, with parameters read from the hidden layer
# $h_d = \sigma(\rho_d a_d)$ (the paper rescales the activation by a learned $\rho_d$ per pixel;
# $a_d$ is NADE's running sum):
#
# $$p(x_{o_d} \mid x_{o_{<d}}) = \sum_{k=1}^K \alpha_{dk}\, \mathcal{N}(x_{o_d};\ \mu_{dk}, \sigma_{dk}^2),
#   \qquad
#   [\operatorname{logit}\alpha_d, \mu_d, \log\sigma_d] = b_d + V_d^\top h_d.$$
#
# So $V_d$ is now an $H \times 3K$ matrix per pixel (and $b_d \in \mathbb{R}^{3K}$): its $3K$ outputs are $K$
# unnormalized log-weights, $K$ means and $K$ log standard deviations.
# The weights must be positive and sum to 1, so they go through a softmax,
# $\alpha_{dk} = e^{\ell_k} / \sum_{k'} e^{\ell_{k'}}$ for the $K$ outputs
# $\ell = \operatorname{logit}\alpha_d$ (defined up to a constant); $\sigma_{dk} = e^{\log\sigma_{dk}}$ is
# positive whatever the network outputs. To evaluate $\log \sum_k \alpha_k \mathcal{N}_k$ without underflow
# (each $\mathcal{N}_k$ can be $e^{-1000}$), one works with logs and uses
# $\operatorname{logsumexp}(z) = \log \sum_k e^{z_k} = m + \log \sum_k e^{z_k - m}$, $m = \max_k z_k$
# (`torch.logsumexp`), with $z_k = \log\alpha_k + \log \mathcal{N}_k$.
#
# ### Dequantization, and why it bounds the probability of the grey levels
# A density on integers is meaningless: it can put infinite density on each integer. So we model
# $x = (g + u)/L$, with $g \in \{0, \dots, L-1\}^D$ the grey levels ($L = 17$), $u \sim \mathcal{U}[0, 1)^D$,
# reals in $[0, 1)$. Each grey-level image $g$ owns a *cell*, the little cube
# $\text{cell}(g) = \{(g + u)/L : u \in [0, 1)^D\}$ of side $1/L$, and the cells of different $g$ do not
# overlap. Any density $p$ on $x$ defines a model of the grey levels: the probability mass that $p$ puts on
# the cell of $g$, the integral of $p$ over it (substituting $x = (g + u)/L$, $dx = L^{-D} du$),
#
# $$P(g) = \int_{\text{cell}(g)} p(x)\, dx = L^{-D} \int_{[0,1)^D} p\Big(\frac{g+u}{L}\Big)\, du
#        = L^{-D}\; \mathbb{E}_u\Big[p\Big(\frac{g+u}{L}\Big)\Big].$$
#
# The cells do not overlap, so $\sum_g P(g) \le \int p = 1$: $P$ is a *sub-probability* (non-negative,
# summing to at most 1; less than 1 when $p$ puts mass outside $[0, 1)^D$, as a Gaussian does),
# hence $P(g) \le 1$ and $-\log P(g) \ge 0$. To compare with the density we need Jensen's inequality:
# for a concave function $f$ (one whose chords lie below its graph, like $\log$),
# $f(\mathbb{E}[Y]) \ge \mathbb{E}[f(Y)]$ — the log of an average is at least the average of the logs.
# With $Y = p((g+u)/L)$, $\log \mathbb{E}_u[p] \ge \mathbb{E}_u[\log p]$, and
#
# $$-\log P(g) \;\le\; \mathbb{E}_u\Big[-\log p\Big(\frac{g+u}{L}\Big)\Big] + D \log L .$$
#
# The left side is the NLL of grey levels, the quantity comparable across models of discrete data;
# the right side is the NLL of the dequantized data that we train and evaluate, plus a constant (Theis,
# van den Oord & Bethge, 2016). Two consequences. The density's own NLL can be *negative* (a narrow peak has
# density above 1), so it is not a rate; only after adding $D \log L$ is it a bound on one,
# which we report in bits per dimension, $(\text{NLL} + D \log L) / (D \ln 2)$ (exactly $\log_2 17 = 4.09$ for
# the uniform density on $[0, 1)^D$, whose log density is 0). And training should
# minimize the *expectation* over $u$: we draw fresh noise for every batch (`Dequantize(17)`, a transform that
# `train.fit` applies to each training batch), so the model cannot learn one particular draw of $u$ by heart.
# Validation and test use one fixed draw each.

# %%
x_val8, x_test8 = dequantize(g_val, seed=1), dequantize(g_test, seed=2)
rnade = RNADE((1, 8, 8), hidden=genlib.budget(full=100, quick=8), components=genlib.budget(full=5, quick=2))
torch.manual_seed(0)  # the dequantization noise of training comes from torch's global generator
rnade, hist_r = train.fit_or_load(rnade.to(DEVICE), g_train, x_val8, transform=Dequantize(17), lr=3e-3,
                                  epochs=genlib.budget(full=100, quick=2), schedule="cosine", batch_size=64,
                                  patience=100, device=DEVICE, progress=False)
nll_r = train.evaluate(rnade, x_test8)  # nats per image, E_u[-log p(x)] estimated with one draw of u
bound_r = nll_r + 64 * math.log(17)
print(f"RNADE (H={rnade.hidden}, K={rnade.components}, "
      f"{sum(p.numel() for p in rnade.parameters()):,} parameters): {hist_r.epochs_run} epochs, "
      f"best validation NLL at epoch {hist_r.best_epoch + 1}")
print(f"test: log density {-nll_r:.1f} nats per image;  grey levels: -log P(g) <= {bound_r:.1f} nats "
      f"= {train.bits_per_dim(bound_r, 64):.2f} bits/dim")

# %% [markdown]
# A log density needs a baseline to mean anything. The classic one is a single multivariate Gaussian with the
# data's mean and covariance (fitted in closed form on one dequantized draw of the training set),
# bounded the same way. Its covariance is invertible without a ridge: even a pixel that is black in every
# training digit (some border pixels are) has the variance of its dequantization noise,
# $1/(12 \cdot 17^2) \approx 2.9 \times 10^{-4}$.

# %%
x_train8 = dequantize(g_train, seed=0).flatten(1)
gauss = torch.distributions.MultivariateNormal(x_train8.mean(0), torch.cov(x_train8.T))
nll_g = -gauss.log_prob(x_test8.flatten(1)).mean().item()
for name, nll in [("full-covariance Gaussian", nll_g), ("RNADE", nll_r)]:
    print(f"{name:25s} test log density {-nll:6.1f} nats;  "
          f"bound {train.bits_per_dim(nll + 64 * math.log(17), 64):.2f} bits/dim")
print(f"uniform over the 17 grey levels: {math.log2(17):.2f} bits/dim")
fig, axes = plt.subplots(1, 2, figsize=(9, 3.6))
viz.show_grid(x_test8[:36], "test digits (dequantized)", ax=axes[0], levels=1)
torch.manual_seed(0)
with torch.no_grad():
    samples = rnade.sample(36).clamp(0, 1).cpu()
    viz.show_grid(samples, "36 RNADE samples (clipped to [0, 1])", ax=axes[1], levels=1)
plt.tight_layout()
fig.colorbar(axes[1].images[0], ax=axes, shrink=0.8, label="x (0 = black, 1 = white)");

# %% [markdown]
# What to see: RNADE (103,524 parameters, 100 epochs, each on fresh noise; its best validation epoch is the
# last) reaches a test log density of 85.1 nats per image, far above the Gaussian's 50.1. As bounds on the
# grey levels these are 2.17 and 2.96 bits per dimension, against 4.09 for the uniform distribution:
# positive rates, as they must be. The samples have the digits' stroke widths and grey edges,
# though many are not clearly one digit. (`train.fit_or_load` trains the RNADE the first time the cell runs
# and stores it in the cache, `~/.cache/genlib/models`, under a key made from the model,
# the data and the training arguments; later runs reload it, so the numbers are those of that one training
# run, and re-running the chapter does not change them.)
#
# ### What a conditional looks like
# For a test digit whose pixel (3, 4) is bright, we plot RNADE's density of pixel (3, 5) given *all* the
# pixels before it in raster order — the learned version of the histogram above, for one image.
# Rows and columns count from 0, as in the code; in raster order pixel (3, 5) is step
# $d = 8 \cdot 3 + 5 + 1 = 30$ of the maths, index `d = 29` in the code.

# %%
d = 8 * r + c
x0 = x_test8[g_test[:, 0, r, c - 1] >= 12][:1].to(DEVICE)
grid = torch.linspace(-0.2, 1.2, 281, device=DEVICE)
probe = x0.flatten(1).repeat(len(grid), 1)
probe[:, d] = grid  # only pixel d changes; the pixels before it stay those of the test digit
with torch.no_grad():
    dens = rnade.conditional_log_density(probe.view(-1, 1, 8, 8)).flatten(1)[:, d].exp().cpu()
fig, axes = plt.subplots(1, 2, figsize=(11, 3.4), gridspec_kw={"width_ratios": [1.3, 3]})
im = axes[0].imshow(x0[0, 0].cpu(), cmap="gray", vmin=0, vmax=1)
axes[0].plot(c, r, "rs"), axes[0].axis("off"), axes[0].set_title(f"test digit; red: pixel ({r}, {c})")
fig.colorbar(im, ax=axes[0], fraction=0.046, label="0 = black, 1 = white")
axes[1].plot(grid.cpu(), dens), axes[1].axvline(x0[0, 0, r, c].item(), color="r", ls="--", label="true value")
axes[1].set_xlabel(f"value of pixel ({r}, {c})"), axes[1].set_ylabel("density"), axes[1].legend()
axes[1].set_title(f"RNADE: p(x_d | x_<d), pixel ({r}, {c}) = step d = {d + 1} (code index {d})")
plt.tight_layout()
print("numerical integral of the conditional over [-0.2, 1.2]:",
      f"{torch.trapezoid(dens, grid.cpu()).item():.3f}")
peaks = [i for i in range(1, len(grid) - 1) if dens[i - 1] < dens[i] > dens[i + 1]]
print("local maxima (value: density):", ", ".join(f"{grid[i]:.2f}: {dens[i]:.2f}" for i in peaks))
true = x0[0, 0, r, c].item()
print(f"true value {true:.2f}: density {dens[(grid.cpu() - true).abs().argmin()]:.2f}")

# %% [markdown]
# What to see: given all 29 earlier pixels of this digit, the conditional is far from one bell curve.
# It has five local maxima: a narrow peak near the dark end (0.09, density 1.73), a narrow one at the bright
# end (0.96, 2.01), two broad humps in between (0.27 and 0.49) and a smaller bump at 0.78 —
# the shape the histogram above suggested, with more detail. The true value (0.13) lies on the falling flank
# of the dark peak, not on its top: the model gives it a density of 1.05. It integrates to 1.000 over the
# plotted range, as a density must.
#
# ## The results table
# Test NLL in nats per image, as recorded by the chapters' full runs (`genlib.results`),
# with the data each was measured on. A published number stands only beside the row that reproduces its
# setting.

# %%
rows = [r for r in results.load() if r["chapter"] <= "05"]
print(results.markdown(rows))
fv = recipes.record("fvsbn")  # the record of the reference FVSBN, checkpoints/fvsbn.json
print("\nreference FVSBN (checkpoints/fvsbn.json, trained by chapter 04's model with its recipe) "
      "on the same "
      f"10,000 binarized-MNIST test images: {fv['test_nll_nats']:.2f} nats "
      f"(Larochelle & Murray, 2011: {recipes.recipe('fvsbn').paper[0]:.2f})")

# %% [markdown]
# How to read it: only the reference NADE row is comparable with a paper — $H = 500$,
# trained to convergence on binarized MNIST and tested on its 10,000 test images: 88.36 nats against the
# published 88.86. The other rows come from models trained for minutes on 4,000 `mnist5k` digits and tested on
# 500 of them (less data, shorter training, another binarization and test set), so they are higher for reasons
# that are not the model, and no published number belongs beside them (the `mnist5k` rows use another random
# binarization of other digits). Chapter 04 did not train its FVSBN on binarized MNIST;
# the book ships a reference FVSBN that was, by its recipe (`checkpoints/fvsbn.json`,
# loaded with `genlib.recipes.reference("fvsbn")`; the last line above prints its record).
# On that benchmark the two reference checkpoints make the comparison this chapter is about: FVSBN 97.95 nats,
# NADE 88.36 — the shared hidden layer buys about 9.6 nats per image.
#
# ## Exercises
# Each checker says ✓ or ✗ with a hint. Replace the `...` and run the cell.
#
# **1.** How many parameters has a NADE with $D = 784$ pixels and $H = 500$ hidden units?
# **2.** Computing all hidden activations $a_1, \dots, a_D$ from the formula as written takes $\sum_d (d-1)H$
# multiply-adds; the running sum takes $(D-1)H$. How many times more multiply-adds does the naive way do for
# the activations alone (not the logits, whose $HD$ output products both ways do), for $D = 784$?
# (Not how many times slower it runs: the timing above shows that wall-clock time is another matter.)

# %%
from genlib.exercises import ch05

answer_1 = ...  # a number
answer_2 = ...  # a number
display(ch05.check_nade_parameters(answer_1), ch05.check_naive_over_shared_cost(answer_2))

# %% [markdown]
# <details><summary>Solutions</summary>
#
# 1. $W$ and $V$ have $DH$ entries each, $c$ has $H$ and $b$ has $D$: `answer_1 = 2 * 784 * 500 + 784 + 500`
#    (785,284).
# 2. $\frac{D(D-1)/2}{D-1} = D/2$: `answer_2 = 392` (with the $HD$ output products added to both,
#    the ratio for all logits is about 196).
# </details>
#
# **3.** Write `running_activations(W, x)`: for $W$ of shape $(D, H)$ and $x$ of shape $(D,)$,
# return $a$ of shape $(D, H)$ with $a_d = \sum_{j<d} x_j W_j$ — without a Python loop.

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
# **4.** Write `mixture_log_density(x, log_alpha, mu, log_sigma)`: the log density of $x$ (shape $(B,)$) under
# a mixture of $K$ Gaussians with log weights, means and log standard deviations of shape $(B, K)$ — one RNADE
# conditional for $B$ images.

# %%
def mixture_log_density(x, log_alpha, mu, log_sigma):
    raise NotImplementedError  # your code here


ch05.check_mixture_log_density(mixture_log_density)

# %% [markdown]
# <details><summary>Solution</summary>
#
# ```python
# def mixture_log_density(x, log_alpha, mu, log_sigma):
#     z = (x[:, None] - mu) / log_sigma.exp()
#     log_normal = -0.5 * z**2 - log_sigma - 0.5 * math.log(2 * math.pi)
#     return torch.logsumexp(log_alpha + log_normal, -1)   # log sum_k alpha_k N(x; mu_k, sigma_k^2)
# ```
# </details>
#
# **5.** Write `bits_per_dim_bound(log_density, D, levels)`: given the mean log density (nats per image) of
# dequantized images $x = (g + u)/L$ with $D$ pixels and $L$ levels, return the upper bound on the NLL of the
# grey levels in bits per dimension. Check it against the RNADE numbers above.

# %%
def bits_per_dim_bound(log_density, D, levels):
    raise NotImplementedError  # your code here


ch05.check_bits_per_dim_bound(bits_per_dim_bound)

# %% [markdown]
# <details><summary>Solution</summary>
#
# ```python
# def bits_per_dim_bound(log_density, D, levels):
#     return (-log_density + D * math.log(levels)) / (D * math.log(2))
# ```
# </details>
#
# ## Summary
# - NADE computes every conditional with one shared hidden layer; the running sum
#   $a_{d+1} = a_d + W_{o_d} x_{o_d}$ makes all $D$ conditionals cost $O(HD)$ instead of $O(HD^2)$,
#   with exactly the same numbers.
# - NADE saves computation, not parameters: $2DH + D + H$ (785,284 at $H = 500$) is more than FVSBN's
#   $D(D+1)/2$ (307,720) on 28×28 images, but grows linearly in $D$.
# - On the papers' benchmark the reference NADE ($H = 500$) scores 88.36 nats on the 10,000 test images
#   (published: 88.86), about 9.6 nats better than the reference FVSBN checkpoint (97.95,
#   `checkpoints/fvsbn.json`).
# - Its likelihood is exact: it sums to one, scores anomalies — but a high likelihood does not mean "in
#   distribution" (a blank image scores higher than any digit). `complete()` conditions on the earlier pixels
#   of the ordering, so it samples the posterior only when the known pixels form a prefix.
# - The hidden units are useful features for a classifier, learned without labels.
# - RNADE carries the shared hidden layer over to real values with mixture-of-Gaussian conditionals;
#   trained on freshly dequantized data, its density bounds the NLL of the grey levels.
#
# Next, chapter 06: MADE computes all $D$ conditionals in one pass of a masked network instead of $D$
# sequential steps, and the order-agnostic NADE learns every ordering at once, so the ordering can change at
# inference.
#
# ## References
# - H. Larochelle, I. Murray (2011). *The Neural Autoregressive Distribution Estimator.* AISTATS.
# - B. Uria, I. Murray, H. Larochelle (2013). *RNADE: The real-valued neural autoregressive
#   density-estimator.* NeurIPS.
# - B. Uria, M.-A. Côté, K. Gregor, I. Murray, H. Larochelle (2016). *Neural Autoregressive Distribution
#   Estimation.* JMLR.
# - E. Nalisnick, A. Matsukawa, Y. W. Teh, D. Gorur, B. Lakshminarayanan (2019). *Do Deep Generative Models
#   Know What They Don't Know?* ICLR.
# - E. Nalisnick, A. Matsukawa, Y. W. Teh, B. Lakshminarayanan (2019). *Detecting Out-of-Distribution Inputs
#   to Deep Generative Models Using Typicality.* arXiv:1906.02994.
# - L. Theis, A. van den Oord, M. Bethge (2016). *A note on the evaluation of generative models.* ICLR.
# - I. Loshchilov, F. Hutter (2017). *SGDR: Stochastic Gradient Descent with Warm Restarts.* ICLR.
