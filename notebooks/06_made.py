# %% [markdown]
# # 06 · MADE: every conditional in one pass of a masked network
#
# **What you will learn**
# - how MADE (Germain, Gregor, Murray & Larochelle, 2015) computes all $D$ conditionals of an autoregressive
#   model in *one* pass of an ordinary multilayer perceptron, by zeroing the weights that would let a pixel
#   see itself or the pixels after it;
# - the rule that builds those masks from *degrees*, and why the product of the masks is strictly lower
#   triangular in the ordering — which is exactly the autoregressive property, checked here by gradients;
# - what one pass buys over NADE's $D$ sequential steps, timed;
# - how good a MADE is on the papers' benchmark (binarized MNIST), from a reference checkpoint;
# - *connectivity-agnostic* training and ensembles over masks, and why an ensemble must average probabilities,
#   not logits.
#
# Chapter 05's NADE shares one matrix $W$ among all conditionals, so all of them cost $O(HD)$ — but the hidden
# activations are a running sum: conditional $d+1$ waits for conditional $d$. MADE keeps the cost and removes
# the wait.

# %%
import inspect
import json
import time

import matplotlib.pyplot as plt
import numpy as np
import torch

import genlib
from genlib import data, orderings, recipes, train, viz
from genlib.models import MADE, NADE, all_binary_images
from genlib.models import made as made_lib

SEED = genlib.seed_everything(0)
DEVICE = genlib.device()
QUICK = genlib.quick_mode()
print(f"seed {SEED}, quick mode: {QUICK}  (set GENLIB_QUICK=1 for tiny budgets)")

# %% [markdown]
# ## From $D$ sequential steps to one pass
# An autoencoder maps $x$ to a reconstruction $\hat x$ in one pass of an MLP. Read its outputs as
# probabilities, $\hat x_i = p(x_i = 1 \mid \cdot)$, and it is a model of $x$ — a useless one, because output
# $i$ can simply copy input $i$. MADE's idea: delete connections until output $i$ can depend only on the
# inputs that come *before* $i$ in an ordering. Then the outputs are exactly the conditionals $p(x_{o_d} \mid
# x_{o_{<d}})$ of chapter 04, their product is a normalized $p(x)$, and all of them come out of one pass.
#
# Here is a tiny MADE: $D = 6$ pixels of a $2 \times 3$ image in a random ordering, one hidden layer of 8
# units. Every unit carries a number, its **degree** (inside the circle); a line is drawn where a connection
# survives. The degree of an input or an output is the pixel's position in the ordering, counted from 1: the
# pixel generated first has degree 1, the last one degree $D$. (The code and its plots count steps from 0, so
# a pixel's degree is 1 + its step.) A hidden unit's degree is defined below.

# %%
tiny = MADE((1, 2, 3), hidden=(8,), ordering=orderings.get("random", 2, 3, seed=3), direct=False, seed=4)
m_in, m_h = tiny.degrees()
M1, MV = tiny.masks()
fig, ax = plt.subplots(figsize=(9, 3.6))
pos_in, pos_h, pos_out = np.linspace(0, 7, 6), np.arange(8.0), np.linspace(0, 7, 6)
for k, j in zip(*np.nonzero(M1.numpy())):
    ax.plot([pos_in[j], pos_h[k]], [0, 1], color="tab:blue", lw=0.8, alpha=0.6)
for i, k in zip(*np.nonzero(MV.numpy())):
    ax.plot([pos_h[k], pos_out[i]], [1, 2], color="tab:orange", lw=0.8, alpha=0.6)
rows = [(0, pos_in, m_in, "tab:blue"), (1, pos_h, m_h, "grey"), (2, pos_out, m_in, "tab:orange")]
for y, xs, ms, c in rows:
    ax.scatter(xs, [y] * len(xs), s=420, color="white", edgecolor=c, zorder=3, lw=2)
    for xx, m in zip(xs, ms.tolist()):
        ax.text(xx, y, str(m), ha="center", va="center", zorder=4)
ax.set_yticks([0, 1, 2], ["inputs x_i", "hidden units", "outputs p(x_i | earlier)"]), ax.set_xticks([])
ax.set_xlabel("inputs and outputs: pixel (flat index 0 to 5), left to right; hidden units: k = 0 to 7")
ax.plot([], [], color="tab:blue", label="kept by M^1 (input -> hidden)")
ax.plot([], [], color="tab:orange", label="kept by M^V (hidden -> output)")
ax.legend(loc="upper left", bbox_to_anchor=(1.0, 1.0), fontsize=8)
ax.set_title("a MADE with D=6, H=8: the number in a unit is its degree; lines are unmasked weights")
ax.spines[:].set_visible(False)

# %% [markdown]
# What to see: follow the lines upwards. An output of degree $d$ is reached only from inputs of degree less
# than $d$; the output of degree 1 has no incoming line at all (its conditional is a constant, the first
# pixel's marginal). Now look at the input of the highest degree.
#
# ## Degrees and the mask rule
# Input $x_i$ has the degree $m(i) \in \{1, \dots, D\}$, its position in the ordering (counted from 1, as
# above); write $m^0 = m$ for the degrees of the input layer. The network has $L$ hidden layers ($L = 1$ in
# the picture). Each hidden unit $k$ of layer $l = 1, \dots, L$ gets a degree $m^l(k)$ drawn uniformly at
# random from $\{\min_j m^{l-1}(j), \dots, D-1\}$: the largest input degree it may depend on. The lower
# bound keeps every unit connected: a unit with a degree below every degree of the layer under it would keep
# none of its incoming weights; the upper bound $D - 1$, because a unit of degree $D$ could feed no output. A
# hidden unit may see every unit of the layer below with a degree not larger than its own; an output must see
# strictly smaller degrees only.
#
# MADE may also have **direct connections**: a $D \times D$ matrix $A$ of weights from every input straight to
# every output, next to the path through the hidden layers. Its mask follows the output rule. The three rules:
#
# $$M^{l}_{k,j} = \big[\, m^{l}(k) \ge m^{l-1}(j) \,\big], \qquad
#   M^{V}_{i,k} = \big[\, m(i) > m^{L}(k) \,\big], \qquad M^{A}_{i,j} = \big[\, m(i) > m(j) \,\big].$$
#
# The network is an ordinary MLP whose weight matrices are multiplied element-wise by the masks,
#
# $$h^{l} = \mathrm{relu}\big(b^{l} + (W^{l} \odot M^{l})\, h^{l-1}\big), \qquad
#   p(x_i = 1 \mid x_{o_{<m(i)}}) = \sigma\big(c_i + ((V \odot M^{V})\, h^{L})_i
#   + ((A \odot M^{A})\, x)_i\big),$$
#
# with $h^0 = x$, $\sigma(a) = 1 / (1 + e^{-a})$ the logistic sigmoid, and the last term present only with
# direct connections. In genlib the degrees and masks are two short methods. The lines that matter are the
# `torch.randint` that draws the hidden degrees (from `lo` to $D - 1$) and the two comparisons that build the
# masks: `>=` for the hidden layers, `>` for the outputs and the direct connections.

# %%
print(inspect.getsource(MADE.degrees).split('"""')[-1])
print(inspect.getsource(MADE._bool_masks).split('"""')[-1])

# %% [markdown]
# The tiny MADE's degrees and masks, as matrices. Rows are the units a weight goes *to*, columns the units it
# comes *from*; the tick labels are the degrees, and for the picture the units are sorted by degree.

# %%
# NBVAL_CHECK_OUTPUT
print("pixel (flat index):    ", list(range(6)))
print("input degrees m(i):    ", m_in.tolist(), " (1 + the pixel's step in the ordering)")
print("hidden degrees m^1(k): ", m_h.tolist())
print(f"unmasked weights: M^1 {int(M1.sum())} of {M1.numel()}, M^V {int(MV.sum())} of {MV.numel()}")

# %%
fig, axes = plt.subplots(1, 2, figsize=(10, 3.8))
for ax, M, rows, cols, name in [(axes[0], M1, m_h, m_in, "M^1: hidden <- input  (m^1(k) >= m(j))"),
                                (axes[1], MV, m_in, m_h, "M^V: output <- hidden  (m(i) > m^1(k))")]:
    r_order, c_order = rows.argsort(stable=True), cols.argsort(stable=True)
    M, rows, cols = M[r_order][:, c_order], rows[r_order], cols[c_order]
    im = ax.imshow(M, cmap="Blues", vmin=0, vmax=1)
    ax.set_xticks(range(len(cols)), [f"{m}" for m in cols.tolist()])
    ax.set_yticks(range(len(rows)), [f"{m}" for m in rows.tolist()])
    ax.set_xlabel("degree of the unit it comes from"), ax.set_ylabel("degree of the unit it goes to")
    ax.set_title(name, fontsize=10)
    fig.colorbar(im, ax=ax, ticks=[0, 1], fraction=0.046, label="1 = weight kept")
plt.tight_layout()

# %% [markdown]
# What to see: sorted by degree, each mask is a staircase — a hidden unit of degree 3 keeps its weights from
# the inputs of degree 1, 2 and 3; an output of degree 3 keeps its weights from the hidden units of degree 1
# and 2 only. The staircase of $M^V$ sits one step lower (strict $>$): that one step is what keeps a pixel
# from itself.
#
# ## Why the product of the masks is strictly triangular
# Entry $(i, j)$ of $M^V M^1$ counts the paths from input $j$ to output $i$ through the hidden layer. A path
# needs $m(i) > m^1(k) \ge m(j)$, so it exists only if $m(i) > m(j)$: output $i$ depends on input $j$ only if
# $j$ comes earlier in the ordering. Sort the rows and columns by step, and $M^V M^1$ (and $M^A$) is
# **strictly lower triangular**: the diagonal (a pixel seeing itself) and everything above it (later pixels)
# are zero. With more layers the argument chains: $m(i) > m^L \ge \dots \ge m^1 \ge m(j)$. In pixel order (a
# random ordering here) the same matrix looks scattered:

# %%
# NBVAL_CHECK_OUTPUT
paths = MV @ M1                                        # (D, D): paths from input j to output i
steps = tiny.steps()                                   # steps[d] = the pixel generated at step d
in_order = paths[steps][:, steps]                      # rows and columns sorted by step
print("paths, rows/columns in pixel order:\n", paths.int())
print("paths, rows/columns in the ordering:\n", in_order.int())
print("strictly lower triangular in the ordering:", bool(torch.triu(in_order).eq(0).all()))

# %%
fig, axes = plt.subplots(1, 2, figsize=(9, 3.6))
for ax, P, lab, title in [(axes[0], paths, "pixel", "M^V M^1, pixel order"),
                          (axes[1], in_order, "step", "M^V M^1, sorted by step in the ordering")]:
    im = ax.imshow(P, cmap="viridis")
    ax.set_xlabel(f"input ({lab})"), ax.set_ylabel(f"output ({lab})"), ax.set_title(title, fontsize=10)
    fig.colorbar(im, ax=ax, fraction=0.046, label="number of paths")
plt.tight_layout()

# %% [markdown]
# What to see: on the right every nonzero entry lies below the diagonal, and the entries grow towards the
# bottom left: a late output is reached from an early input through many hidden units, an early output through
# few.
#
# ## The autoregressive property, checked by gradients
# A mask is a promise; a gradient checks it. For a small MADE with two hidden layers, random weights, direct
# connections and a random ordering, we back-propagate every output logit to the input: the logit of the
# pixel of degree $d$ must have a zero gradient with respect to the pixels of degree $d, d+1, \dots, D$ — and
# the probabilities of all $2^9 = 512$ binary $3 \times 3$ images must sum to one. (The code sorts the
# gradients by step, counted from 0.)

# %%
# NBVAL_CHECK_OUTPUT
torch.manual_seed(0)
small = MADE((1, 3, 3), hidden=(12, 12), ordering=orderings.get("random", 3, 3, seed=1))
x = torch.bernoulli(torch.full((1, 1, 3, 3), 0.5)).requires_grad_(True)
logits, st = small(x).flatten(), small.steps()
jac = torch.stack([torch.autograd.grad(logits[i], x, retain_graph=True)[0].flatten() for i in st.tolist()])
jac = jac[:, st].abs()                                 # (step of output, step of input)
print(f"gradients on or above the diagonal (a pixel seeing itself or a later one): "
      f"{int((torch.triu(jac) > 0).sum())}")
print(f"nonzero gradients below it: {int((torch.tril(jac, -1) > 0).sum())} of {9 * 8 // 2}")
with torch.no_grad():
    total = small.log_prob(all_binary_images((1, 3, 3))).double().exp().sum()
    print(f"sum of p(x) over all 512 images: {total:.6f}")

# %% [markdown]
# The one pass itself is a few lines: a linear layer with masked weights per layer, then the masked output and
# direct layers. The mask multiplies the weight inside `F.linear`, so the gradient of a masked weight is zero
# too (editing `weight.data` in place would leave it unmasked). The lines to read are the three `F.linear`
# calls, each with `weight * M`.

# %%
print(inspect.getsource(MADE._logits).split('"""')[-1])

# %% [markdown]
# ## One pass against $D$ sequential steps, timed
# Both models below have $H = 500$ hidden units and get the same batch of binarized MNIST digits. NADE's
# forward pass is a running sum over the $D = 784$ steps (computed in blocks, chapter 05); MADE's is three
# matrix products: input to hidden, hidden to output, and the direct connections. We time the
# log-likelihood, with and without the backward pass a training step needs, as the best of a few repeats, in
# one cell.

# %%
x_bench = data.load("binarized_mnist", "test")[:genlib.budget(full=100, quick=20)].to(DEVICE)
models = {"NADE": NADE((1, 28, 28), hidden=500).to(DEVICE),
          "MADE": MADE((1, 28, 28), hidden=(500,)).to(DEVICE)}


def best_time(fn, repeats=genlib.budget(full=5, quick=2)):
    times = []
    for _ in range(repeats):
        t = time.perf_counter()
        fn()
        times.append(time.perf_counter() - t)
    return min(times)


fwd, step = {}, {}
for name, m in models.items():
    with torch.no_grad():
        fwd[name] = best_time(lambda: m.log_prob(x_bench))
    step[name] = best_time(lambda: m.log_prob(x_bench).mean().backward())
for name in models:
    print(f"{name}: forward {1000 * fwd[name]:7.1f} ms, forward + backward {1000 * step[name]:7.1f} ms "
          f"({len(x_bench)} images)")
print(f"MADE is {fwd['NADE'] / fwd['MADE']:.1f}x faster forward and "
      f"{step['NADE'] / step['MADE']:.1f}x faster forward + backward")

# %% [markdown]
# What to see: the ratio printed last. MADE does *more* multiply-adds per image, not fewer: $HD$ into the
# hidden layer, $HD$ out of it and $D^2$ for the direct connections, $2HD + D^2 = 784{,}000 + 614{,}656$,
# against NADE's $2HD$ (the running sum and the outputs). But MADE's are three large matrix products — what a
# CPU or GPU does best — while NADE's running sum is $D$ dependent steps of element-wise work. The ratio
# depends on the machine; the direction does not. (Sampling is another matter: there both models must wait
# for each pixel; exercise 4.)
#
# ## The reference MADE on binarized MNIST
# The recipe `genlib.recipes.RECIPES["made"]` trains one mask, $H = 500$, direct connections, with Adam and a
# cosine schedule for 30 epochs on the 50,000 training digits of binarized MNIST (Larochelle & Murray's fixed
# binarization, the benchmark of the papers). `python -m genlib reproduce made` trains it again; the chapter
# loads the result and its JSON record (recipe, training curve, wall time, machine, test NLL on the 10,000
# test digits).

# %%
# NBVAL_CHECK_OUTPUT
def load_reference(name):
    try:
        return recipes.reference(name), recipes.record(name)
    except ValueError as e:
        print(f"reference checkpoint {name!r} not available: {e}")
        return None, None


made_ref, rec = load_reference("made")
_, rec_fvsbn = load_reference("fvsbn")
if rec is not None:
    paper, source = rec["recipe"]["paper"]
    print(f"MADE, one mask, H=500: test NLL {rec['test_nll_nats']:.2f} nats ({rec['params']:,} parameters "
          f"stored, best of {rec['history']['epochs_run']} epochs, {rec['seconds'] / 60:.0f} min on "
          f"{rec['machine']})")
    print(f"  published: {paper:.2f} nats ({source.split(',')[0]} et al., 2015, one mask)")
if rec_fvsbn is not None:
    print(f"FVSBN reference (chapter 04's model, same benchmark): test NLL "
          f"{rec_fvsbn['test_nll_nats']:.2f} nats")

# %%
if rec is not None:
    fig, ax = plt.subplots(figsize=(7, 3.6))
    for r, name, c in [(rec, "MADE", "tab:blue"), (rec_fvsbn, "FVSBN", "tab:grey")]:
        if r is not None:
            epochs = np.arange(1, len(r["history"]["val_nll"]) + 1)
            ax.plot(epochs, r["history"]["val_nll"], color=c, label=f"{name} validation")
            ax.plot(epochs, r["history"]["train_nll"], color=c, ls=":", label=f"{name} training")
    ax.axhline(rec["recipe"]["paper"][0], color="tab:red", ls="--", lw=1, label="MADE, published test NLL")
    ax.set_ylim(80, 115), ax.set_xlabel("epoch"), ax.set_ylabel("NLL (nats per image)")
    ax.set_title("reference runs on binarized MNIST (from their JSON records)"), ax.legend(fontsize=8)

# %% [markdown]
# The reference MADE (91.54 nats, printed above) is 6.4 nats better than FVSBN's reference (97.95) on the same
# test digits, and 3.1 nats short of the paper's 88.40: its recipe does not yet reach the published number.
#
# What to see: how fast the MADE curve falls below FVSBN's, how close its last validation NLL comes to the
# published test NLL (dashed; a rough guide only, since validation and test are different digits), and the
# gap between its training and validation curves — about 1.4 million stored weights fitting 50,000 digits.
# The cosine schedule brings the learning rate to zero at the last epoch, which flattens the curves at the
# end.
#
# Samples from the reference MADE, next to real test digits (each sample is drawn pixel by pixel):

# %%
if made_ref is not None:
    torch.manual_seed(0)
    fig, axes = plt.subplots(1, 2, figsize=(10, 5))
    real = data.load("binarized_mnist", "test")[torch.randperm(10_000)[:36]]
    viz.show_grid(real, "36 test digits", ax=axes[0])
    with torch.no_grad():
        viz.show_grid(made_ref.sample(36).cpu(), "36 samples from the reference MADE", ax=axes[1])
    plt.tight_layout()
else:
    print("no reference MADE: train it with `python -m genlib reproduce made` to see its samples here")

# %% [markdown]
# What to see: compare the strokes — thickness, closed loops, where they end — with the real digits on the
# left. Some samples are recognisable digits (fives, a zero, nines); many are speckled fragments. A
# one-hidden-layer network sees the whole prefix of every pixel, but it has no notion that neighbouring pixels
# are neighbours: chapter 07's convolutions build that in.
#
# ## Connectivity-agnostic training and ensembles
# The hidden degrees are random, so every draw gives a different MADE for the same ordering. Germain et al.
# train one network with $K$ masks, switching to the next mask at every step (*connectivity-agnostic*
# training; with new orderings as well, *order-agnostic*, as in chapter 05). Each mask $k$ is an exact
# autoregressive model $p(x \mid k)$; their mixture is one as well, and its log-likelihood is a log-mean-exp:
#
# $$\log p_{\text{ens}}(x) = \log \frac{1}{K} \sum_{k=1}^{K} p(x \mid k).$$
#
# A tempting shortcut, used by a well-known public implementation, averages the $K$ *logits* of each pixel and
# scores $x$ with them. With one ordering that is another valid autoregressive model (not the mixture); with
# several orderings, the averaged logit of a pixel has seen pixels that come after it in some of the
# orderings, and the result is not a likelihood at all. On $3 \times 3$ images we can sum both over all 512
# images:

# %%
# NBVAL_CHECK_OUTPUT
torch.manual_seed(0)
ens = MADE((1, 3, 3), hidden=(16,), num_masks=4, order_agnostic=True)
with torch.no_grad():
    for p in ens.parameters():  # large random weights: at initialisation the logits are all near 0, and
        p.add_(torch.randn_like(p))  # averaging near-equal logits would hide the error
    x9 = all_binary_images((1, 3, 3))
    per_mask = [ens.log_prob(x9, mask=k).double().exp().sum().item() for k in range(4)]
    print("each of the 4 masks alone:       ", [f"{s:.6f}" for s in per_mask])
    print(f"log-mean-exp of probabilities:    {ens.log_prob(x9).double().exp().sum():.6f}")
    wrong = made_lib.log_prob_averaged_logits(ens, x9).double().exp().sum()
    print(f"averaged logits (not a model):    {wrong:.6f}")
    one = MADE((1, 3, 3), hidden=(16,), num_masks=4, order_agnostic=False)  # 4 masks, one ordering
    for p in one.parameters():
        p.add_(torch.randn_like(p))
    same = made_lib.log_prob_averaged_logits(one, x9).double().exp().sum()
    print(f"averaged logits, one ordering:    {same:.6f}  (another valid model, not the mixture)")

# %% [markdown]
# ### Does an ensemble of masks pay? An experiment at equal epochs
# We train two MADEs on the 4,000 training digits of mnist5k for the same number of epochs, three seeds each:
# one with a single mask, and one trained connectivity-agnostically with $K = 8$ masks (same ordering, raster;
# both with direct connections, as the reference MADE). For the second we report the test NLL of its first
# mask alone and of the ensemble of all 8. Both keep the epoch with the best validation NLL; the test set is
# mnist5k's 500 digits.

# %%
x_tr, x_val, x_te = (data.load("mnist5k", s) for s in ("train", "val", "test"))
x_tr = x_tr[:genlib.budget(full=4000, quick=300)]
H_ENS, K_ENS = genlib.budget(full=100, quick=16), genlib.budget(full=8, quick=2)
EPOCHS = genlib.budget(full=20, quick=1)
cols = {"one mask": [], f"{K_ENS} masks, mask 0 alone": [], f"{K_ENS} masks, ensemble": []}
for seed in range(3):
    for K in (1, K_ENS):
        genlib.seed_everything(seed)
        m = MADE((1, 28, 28), hidden=(H_ENS,), num_masks=K, seed=seed)
        train.fit(m, x_tr, x_val, epochs=EPOCHS, patience=EPOCHS, lr=3e-3, batch_size=100, seed=seed,
                  device=DEVICE, progress=False)
        with torch.no_grad():
            mask0 = -m.log_prob(x_te.to(m.device), mask=0).mean().item()
            if K == 1:
                cols["one mask"].append(mask0)
            else:
                cols[f"{K_ENS} masks, mask 0 alone"].append(mask0)
                cols[f"{K_ENS} masks, ensemble"].append(train.evaluate(m, x_te))
n_params = sum(p.numel() for p in m.parameters())
print(f"H={H_ENS}, {EPOCHS} epochs, {n_params:,} parameters each; test NLL (nats), mean ± sd over 3 seeds")
for name, v in cols.items():
    seeds = ", ".join(f"{a:.2f}" for a in v)
    print(f"{name:24s} {np.mean(v):7.2f} ± {np.std(v, ddof=1):.2f}   seeds: {seeds}")

# %%
fig, ax = plt.subplots(figsize=(7, 2.8))
names = list(cols)
ax.barh(names, [np.mean(v) for v in cols.values()], xerr=[np.std(v, ddof=1) for v in cols.values()],
        color=["tab:grey", "tab:orange", "tab:blue"], capsize=4)
for i, v in enumerate(cols.values()):
    ax.plot(v, [i] * 3, "k.", ms=5)
lo = min(min(v) for v in cols.values())
ax.set_xlim(lo - 5, max(max(v) for v in cols.values()) + 2)
ax.set_xlabel("test NLL on mnist5k (nats per image; lower is better)")
ax.set_title(f"MADE, H={H_ENS}, {EPOCHS} epochs: bars = mean ± sd over 3 seeds, dots = seeds", fontsize=10);

# %% [markdown]
# What to see: at equal epochs the three bars are close. The ensemble of 8 masks beats the single-mask MADE by
# about 0.6 nats on average (109.13 against 109.72 in the full run: 0.59), less than the single-mask runs'
# own spread (sd 1.33). What it clearly changes is that spread: one mask is one random draw of hidden
# degrees, and some draws are worse than others, while the ensemble's three seeds (109.21, 109.10, 109.08)
# differ by an sd of 0.07 nats (range 0.13).
#
# Mask 0 of the connectivity-agnostic network alone (109.43) beats the one-mask mean (109.72) mostly because
# of one bad one-mask seed (111.26); the other two one-mask seeds (109.05, 108.85) beat it. That it comes so
# close although it was used in only an eighth of the training steps suggests, perhaps, that the direct
# connections, the same under every mask, carry much of the model — a hypothesis this experiment does not
# test (a run without them would). Mind how the epoch is chosen: `train.fit` keeps the epoch with the best
# validation NLL of the model in evaluation mode, which for $K = 8$ is the ensemble's, so "mask 0 alone" is
# read from a checkpoint chosen for the ensemble, not for mask 0.
#
# So at this budget (20 epochs, $H = 100$, 4,000 digits) connectivity-agnostic training buys stability, not
# a clear gain; Germain et al. report theirs (88.40 → 86.64 nats) with 32 masks and far longer training on
# the full data. And Jensen's inequality promises only that the ensemble beats the *average* of its members'
# log-likelihoods, not each one.
#
# ## Exercises
# Exercises 1 to 4 have a checker that says ✓ or ✗ with a hint: replace the `...` and run the cell.
# Exercise 5 is an open experiment with no checker.
#
# **1.** How many parameters does a MADE with $D = 784$, *two* hidden layers of 500 units each and direct
# connections store (masked weights included)?

# %%
from genlib.exercises import ch06

answer = ...  # a number
ch06.check_made_parameters(answer)

# %% [markdown]
# <details><summary>Solution</summary>
#
# $W^1$ and its bias: $(D + 1)H$; $W^2$ and its bias: $(H + 1)H$; $V$ and its bias: $(H + 1)D$; $A$: $D^2$.
# `answer = 785 * 500 + 501 * 500 + 501 * 784 + 784 ** 2` (1,650,440). `MADE.num_parameters_formula` computes
# the same.
# </details>
#
# **2.** Write `made_mask(m_out, m_in, output)`: given the degrees of the units a layer goes to (`m_out`) and
# comes from (`m_in`), return the 0/1 mask of shape `(len(m_out), len(m_in))` — the hidden-layer rule when
# `output` is False, the output rule when it is True.

# %%
def made_mask(m_out, m_in, output):
    raise NotImplementedError  # your code here


ch06.check_mask(made_mask)

# %% [markdown]
# <details><summary>Solution</summary>
#
# ```python
# def made_mask(m_out, m_in, output):
#     if output:
#         return (m_out[:, None] > m_in[None, :]).float()
#     return (m_out[:, None] >= m_in[None, :]).float()
# ```
# </details>
#
# **3.** A MADE has $D = 784$ pixels, one hidden layer and direct connections. How many of its outputs (the
# conditionals) can the input of degree 700 influence?

# %%
answer = ...  # a number
ch06.check_input_reach(answer)

# %% [markdown]
# <details><summary>Solution</summary>
#
# `answer = 84`: output $i$ depends on input $j$ only if $m(i) > m(j) = 700$ (through the hidden layer,
# $m(i) > m^1(k) \ge m(j)$), and the direct connections keep exactly those pairs, $M^A_{i,j} = [m(i) > 700]$:
# the $784 - 700 = 84$ later pixels. The same rule with $m(j) = D$ gives zero: the last pixel is never an
# input to any conditional, as the factorization demands — the input without lines in the first picture.
# </details>
#
# **4.** Training evaluates all conditionals in one pass. MADE (raster ordering) is asked to *complete* a
# binary $28 \times 28$ digit whose top half, the first 392 pixels, is given. How many forward passes of the
# network, used as a black box that returns all 784 logits at once, does it need?

# %%
answer = ...  # a number
ch06.check_completion_passes(answer)

# %% [markdown]
# <details><summary>Solution</summary>
#
# `answer = 392`: the logit of pixel $o_d$ needs the values of every earlier pixel $o_{<d}$, and a missing
# pixel's value is known only once it is sampled, so each of the 392 missing pixels takes its own pass. One
# pass for the likelihood, one per pixel to sample: a full sample takes $D = 784$ (or 783, if you notice that
# the first pixel's conditional is a constant that can be computed once and reused).
# </details>
#
# **5.** (open, no checker) Repeat the ensemble experiment with `order_agnostic=True` (a new random ordering
# for each of the 8 masks). The gain over one mask is the mean test NLL of the one-mask MADEs minus that of
# the ensembles, both trained for the same 20 epochs (0.59 nats with a single ordering, above). Is it larger
# or smaller with eight orderings? The full experiment costs 3 seeds × 2 models × 20 epochs; the one-mask
# runs do not change, so you can reuse them and train only the three order-agnostic ones.
#
# ## Summary
# - MADE deletes connections of an MLP so that output $i$ depends only on the inputs before $i$ in an
#   ordering; its outputs are then the conditionals of an exact autoregressive model, all computed in one
#   pass.
# - The masks come from degrees: $M^l = [m^l \ge m^{l-1}]$ for hidden layers, $[m > m^L]$ (strict) for
#   outputs. Their product is strictly lower triangular in the ordering: the autoregressive property, which
#   gradients confirm.
# - One pass of three matrix products ($2HD + D^2$ multiply-adds per image, more than NADE's $2HD$) is still
#   much faster than NADE's running sum over $D$ dependent steps; sampling waits for each pixel in both.
# - On binarized MNIST the reference MADE (one mask, $H = 500$) reaches 91.54 nats against the published
#   88.40; FVSBN gets 97.95.
# - At equal epochs on mnist5k, an ensemble of 8 masks gains about 0.6 nats over one mask, less than the
#   spread between one-mask seeds; mostly it removes that spread.
# - Connectivity-agnostic training gives one network many masks; the ensemble averages *probabilities*
#   (log-mean-exp) — averaging logits is not a likelihood once the orderings differ.
#
# Next, chapter 07: PixelRNN and PixelCNN replace the fully connected layers by recurrent and convolutional
# ones that know the image's geometry — and the masks of this chapter, laid on convolutions, are PixelCNN.
#
# ## References
# - M. Germain, K. Gregor, I. Murray, H. Larochelle (2015). *MADE: Masked Autoencoder for Distribution
#   Estimation.* ICML. (Degrees and masks, connectivity- and order-agnostic training, 88.40 nats with one mask
#   on binarized MNIST, 86.64 with an ensemble.)
# - H. Larochelle, I. Murray (2011). *The Neural Autoregressive Distribution Estimator.* AISTATS. (NADE; the
#   binarized MNIST benchmark.)
# - B. Uria, I. Murray, H. Larochelle (2014). *A Deep and Tractable Density Estimator.* ICML. (Order-agnostic
#   training and ensembles over orderings.)
