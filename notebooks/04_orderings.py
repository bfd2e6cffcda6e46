# %% [markdown]
# # 04 · Autoregressive models on images, and the pixel ordering
#
# **What you will learn**
# - an autoregressive model is the chain rule with *learned* conditionals, and how it sits between
#   AR(1) (a lookup table on the previous pixel) and AR($N-1$) (a lookup table on all previous pixels);
# - the fully visible sigmoid belief network (FVSBN): one logistic regression per pixel, $N(N+1)/2$
#   parameters, an exact log-likelihood and exact samples;
# - that the chain rule holds in *any* pixel ordering, what six orderings look like, and how much the
#   ordering changes a trained model's test NLL on real digits;
# - that the ordering decides which questions a model can answer: which halves of a digit it can complete.
#
# ## The picture
# In chapter 03 each pixel looked up its probability in a table indexed by the previous pixel (AR(1)) — cheap,
# but blind to everything else; a table indexed by *all* previous pixels (AR($N-1$): the last pixel sees the
# $N-1$ others) is exact but has $2^N - 1$ entries. Here $N$ is the number of pixels, the $n$ of chapter 03.
# An FVSBN keeps the "all previous pixels" context and replaces the table by a **logistic regression** (the
# standard model of a yes/no outcome, defined below): pixel $j$ looks at every pixel before it,
# weighs each by a learned number, and squashes the sum into a probability.
# "Before" is decided by an **ordering** — raster (row by row) is only one choice.

# %%
import math

import matplotlib.pyplot as plt
import torch

import genlib
from genlib import counting, data, orderings, results, train, viz, widgets
from genlib.models import FVSBN

SEED = genlib.seed_everything(0)
DEVICE = genlib.device()
QUICK = genlib.quick_mode()
print(f"seed {SEED}, quick mode: {QUICK}  (set GENLIB_QUICK=1 for tiny budgets)")

# %% [markdown]
# ## The maths: the chain rule in an ordering
# Let $o$ be a permutation of the $N$ pixels: $o_1$ is generated first, $o_2$ second, and so on. The chain
# rule holds in every ordering, with no assumption:
# $$p(x) = \prod_{j=1}^{N} p\big(x_{o_j} \mid x_{o_1}, \dots, x_{o_{j-1}}\big) =
# \prod_{j=1}^{N} p(x_{o_j} \mid x_{o_{<j}}).$$
# An **autoregressive model** chooses a parametric form for each conditional. The FVSBN
# (Neal 1992; Frey 1998) chooses a logistic regression on all earlier pixels:
# $$p(x_{o_j} = 1 \mid x_{o_{<j}}) = \sigma\Big(b_j + \sum_{i<j} W_{ji}\, x_{o_i}\Big), \qquad
# \sigma(a) = \frac{1}{1+e^{-a}}.$$
# Pixel $j$ has one bias and $j-1$ weights, so the model has $\sum_{j=1}^N j = N(N+1)/2$ parameters —
# between AR(1) with tables ($2N-1$) and AR($N-1$) with tables ($2^N-1$).

# %%
# NBVAL_CHECK_OUTPUT
N = 28 * 28
print(f"AR(1), lookup tables:     {counting.markov_table(N, k=1):>10,}")
print(f"FVSBN, logistic per pixel:{counting.fvsbn(N):>10,}   = N(N+1)/2")
print(f"AR(N-1), lookup tables:   2^{N} - 1, a number with {counting.digits(counting.chain_rule(N))} digits")

# %% [markdown]
# ## The code
# In the ordering's own coordinates ($x_o$, the pixels listed in generation order) "earlier" means "to the
# left", so the whole model is **one masked linear layer**: a dense $N\times N$ matrix $W$ multiplied by a
# strictly lower-triangular mask, the same mask for every ordering. The mask is applied in the forward pass
# (`W * mask`), never written into the weights. (The code's `n` is the chapter's $N$.) `steps = self.steps()`
# lists the flat index of every value in generation order: each pixel of the ordering, expanded into its
# channels. For one channel, as here, `steps` *is* the ordering.

# %%
import inspect
print(inspect.getsource(FVSBN.forward))

# %% [markdown]
# `W` is stored dense, so PyTorch counts $N^2 + N$ numbers; the mask zeroes $N(N-1)/2 + N$ of them (the
# diagonal and everything above it), which never influence the model and get zero gradient. The *free*
# parameters are $N(N+1)/2$:

# %%
# NBVAL_CHECK_OUTPUT
model = FVSBN((1, 28, 28))
print(f"stored (sum of numel):  {sum(p.numel() for p in model.parameters()):,}  = N^2 + N")
print(f"free (used by the mask): {model.num_free_parameters:,}  = N(N+1)/2 = counting.fvsbn(784): "
      f"{model.num_free_parameters == counting.fvsbn(N)}")

# %% [markdown]
# ## Six orderings
# `genlib.orderings` names six orderings. Each is drawn as a heat map of its generation step (dark = early,
# the red star = the first pixel): raster reads like a book (the order PixelRNN and PixelCNN use, van den
# Oord, Kalchbrenner & Kavukcuoglu 2016), column reads down columns, snake turns at the end of each row,
# diagonal zig-zags over anti-diagonals, spiral starts in the centre and winds outward, and random has no
# spatial structure at all.

# %%
NAMES = list(orderings.NAMED)
fig, axes = plt.subplots(2, len(NAMES), figsize=(2.3 * len(NAMES) + 1, 5.0), layout="constrained")
for ax, zoom, name in zip(axes[0], axes[1], NAMES):
    o = orderings.get(name, 28, 28)  # checked: a permutation of 0..783 (else ValueError)
    viz.show_ordering(o, 28, 28, ax=ax, title=name)
    r0, c0 = (min(max(int(v) - 2, 0), 22) for v in divmod(int(o[0]), 28))  # 6 x 6 around the first pixel
    steps = orderings.rank(o, 28, 28)[r0 : r0 + 6, c0 : c0 + 6]
    zoom.imshow(steps, cmap="viridis")  # colours scaled within the zoom
    for (i, j), v in zip(torch.cartesian_prod(torch.arange(6), torch.arange(6)).tolist(), steps.flatten()):
        zoom.text(j, i, int(v), ha="center", va="center", fontsize=7,
                  color="w" if v < steps.median() else "k")
    zoom.set_title(f"zoom: rows {r0}-{r0 + 5}, columns {c0}-{c0 + 5}", fontsize=8)
    zoom.axis("off")
fig.colorbar(axes[0, -1].images[0], ax=axes[0], shrink=0.9, label="generation step (0 = first)")
scale = plt.cm.ScalarMappable(plt.Normalize(0, 1), cmap="viridis")  # each zoom scales to its own 36 steps
bar = fig.colorbar(scale, ax=axes[1], shrink=0.9, ticks=[0, 1], label="step, within the zoom")
bar.ax.set_yticklabels(["earliest", "latest"]);

# %% [markdown]
# What to see: in the full maps (top), raster and snake both fill the image row by row and look alike at this
# scale, column fills it column by column, diagonal sweeps from the top-left corner to the bottom-right one,
# spiral grows square rings from the centre (the seam to the right of the centre is where each ring starts
# and ends), and random is noise. The zooms (bottom, the generation step written in each of 36 pixels around
# the first one, the colours scaled within each zoom: the lower colour bar) show what the full maps hide:
# snake runs its second row right to left, diagonal zig-zags (down one anti-diagonal, up the next),
# spiral winds clockwise. That each ordering holds every step from 0 to 783 exactly once is not something a
# picture can show; `orderings.get` checks it (`check_ordering`: a permutation of the 784 pixels,
# or a ValueError). Any permutation gives an exact factorization of $p(x)$.
#
# ## Training FVSBNs on real digits
# The data is `mnist5k`: 4,000 binarized training digits, 500 for validation, 500 for test. 307,720 parameters
# and 4,000 images is a recipe for overfitting, so training uses three brakes. It starts from the independent
# model of chapter 02 (`start_from_means`: $W = 0$, $b_j$ = the logit of pixel $o_j$'s frequency of ink,
# add-one smoothed, $(\text{count} + 1)/(4000 + 2)$, its default $\alpha = 1$: chapter 02 showed that a raw
# frequency of 0 gives the logit $-\infty$; this smoothed independent model is the start's 209.19 nats printed
# below). It adds `weight_decay` to the optimizer, Adam (learning rate `lr = 0.04`): PyTorch adds
# $5\cdot10^{-4}\,\theta$ to the gradient of *every* parameter $\theta$, an L2 penalty coupled into the
# gradient, which Adam's per-parameter step scaling then rescales — so it is not a uniform shrink, and it
# pulls the biases too towards 0, that is towards $p = 0.5$, not only the weights towards 0. And it keeps the
# epoch with the best *validation* NLL (early stopping, chapter 00).
# Every ordering gets exactly the same budget: the same number of epochs and the same settings (`FIT` below).

# %%
x_train, x_val = data.load("mnist5k", "train"), data.load("mnist5k", "val")
x_test, y_test = data.load("mnist5k", "test", labels=True)
FIT = dict(epochs=genlib.budget(full=20, quick=1), lr=0.04, weight_decay=5e-4, batch_size=500,
           patience=4, device=DEVICE, progress=False)


HISTORY = {}


def model_for(name, seed=0):
    """The FVSBN trained in ordering `name` (cached: the second call loads it), and its test NLL."""
    fresh = FVSBN((1, 28, 28), ordering=orderings.get(name, 28, 28, seed)).start_from_means(x_train)
    model, HISTORY[name, seed] = train.fit_or_load(fresh.to(DEVICE), x_train, x_val,
                                                   name=f"fvsbn-{name}-{seed}", verbose=False, **FIT)
    return model, train.evaluate(model, x_test)

# %%
start = train.evaluate(FVSBN((1, 28, 28)).start_from_means(x_train), x_test)
print(f"the start, W = 0 (the independent model): test NLL {start:7.2f} nats")
trained, nll = {}, {}
for name in NAMES:
    trained[name], nll[name] = model_for(name)
    h = HISTORY[name, 0]
    print(f"{name:9s} test NLL {nll[name]:7.2f} nats = {train.bits_per_dim(nll[name], N):.4f} bits/pixel "
          f"(train {train.evaluate(trained[name], x_train):.2f}, validation {h.best_val_nll:.2f}; "
          f"best epoch {h.best_epoch + 1} of {h.epochs_run})")
    results.record("04", f"FVSBN ({name})", nll_nats=nll[name], params=counting.fvsbn(N))
print(f"gain over the start: {start - max(nll.values()):.1f} to {start - min(nll.values()):.1f} nats")
print(f"training time of the six, from their histories: {sum(HISTORY[n, 0].seconds for n in NAMES):.0f} s")

# %% [markdown]
# Letting each pixel see the earlier ones takes about 100 nats off the independent model's bill (the last
# line before the last). Every ordering ran the same number of epochs with the same settings; we do not
# compare training times, which depend on what else the machine was doing. Without the cache, training all six
# took 160 s (the last line) on the shared 2-core CPU this chapter was run on.
#
# The best epochs were 19, 17, 20, 20, 20 and 20 of 20: the validation NLL was still falling (or nearly so)
# when the budget of 20 epochs ended, so the budget ended before overfitting — validation NLL rising again —
# set in, and early stopping hardly had to act. The gap is there all the same: every model's train NLL (92.3
# to 93.5 nats) is 14 to 16 nats below its validation NLL (107.7 to 108.7), the price of 307,720 parameters
# fitted to 4,000 digits. For scale, Larochelle & Murray (2011) report 97.45 nats for an FVSBN on the
# binarized MNIST benchmark: 50,000 training digits (12 times more data), and 10,000 test digits from MNIST's
# test set, binarized once by Salakhutdinov & Murray's (2008) random draw. Our 500 test digits are a different
# test set (taken from MNIST's training digits) with a different random binarization (same rule, see
# `data/README.md`), so the two numbers are not directly comparable. Chapter 05 gives this book's own
# reference FVSBN on that benchmark, trained by a recorded recipe (`checkpoints/fvsbn.json`): 97.95 nats, half
# a nat from the published 97.45 (a different implementation, optimiser and training run).
#
# ## An explicit model: exact log-likelihood and samples
# `log_prob` is exact — the 784 conditionals of one image are computed by one matrix product, and their logs
# summed. Sampling follows the ordering, one pixel at a time (784 steps).

# %%
raster = trained["raster"]
with torch.no_grad():
    lp = raster.log_prob(x_test[:4].to(DEVICE)).cpu()
print("log p(x) of four test digits:", [round(v, 1) for v in lp.tolist()], "nats")
samples = raster.sample(64).cpu()
fig, axes = plt.subplots(1, 2, figsize=(9, 4.6))
viz.show_grid(x_test[torch.randperm(len(x_test))[:64]], "64 test digits", ax=axes[0])
viz.show_grid(samples, "64 samples of the raster FVSBN", ax=axes[1]);

# %% [markdown]
# The four test digits cost 123.4 to 185.3 nats ($-\log p(x)$), all more than the mean test NLL of 110.96:
# four digits are not the average, and the NLL varies a lot from digit to digit (its spread over the 500 test
# digits is printed with the experiment below).
#
# In the figure, the left grid is 64 test digits drawn at random from the 500 (not the four scored above); the
# right grid is 64 samples. The samples have strokes: pixels now know their neighbours, so ink continues where
# ink was. But a logistic regression is a weak conditional — few samples are clean digits; chapters 05 to 07
# give the conditionals hidden units, as Bengio & Bengio (2000) first did with a neural network shared by the
# conditionals.
#
# ## The experiment: does the ordering matter?
# Same model, same data, same budget, six orderings. The table gives each test NLL and its difference from
# raster with a standard error computed on the same 500 test digits (a paired comparison: for each digit, its
# NLL under the ordering minus its NLL under raster; the standard error is the standard deviation of those 500
# differences divided by $\sqrt{500}$, and a mean difference of more than about two standard errors is
# unlikely to be chance).

# %%
per_image = {n: -trained[n].log_prob(x_test.to(DEVICE)).detach().cpu().double() for n in NAMES}
print(f"{'ordering':9s} {'test NLL':>9s} {'minus raster':>13s}")
se = {}
for n in NAMES:
    d = per_image[n] - per_image["raster"]
    se[n] = d.std() / math.sqrt(len(d))  # paired standard error (0 for raster itself)
    print(f"{n:9s} {nll[n]:9.2f} {d.mean():+8.2f} ± {se[n]:.2f}")
fig, ax = plt.subplots(figsize=(6, 3))
ax.bar(NAMES, [nll[n] for n in NAMES], yerr=[2 * se[n] for n in NAMES], capsize=4, color="tab:blue")
lo = min(nll.values())
ax.set_ylim(lo - 5, max(nll.values()) + 2)
ax.set_ylabel("test NLL (nats per image)")
ax.set_title(f"FVSBN on mnist5k (lower is better; y axis starts at {lo - 5:.0f};\n"
             "error bars: ± 2 paired standard errors of the difference from raster)", fontsize=9)
print(f"spread (largest - smallest test NLL): {max(nll.values()) - min(nll.values()):.2f} nats")
r = per_image["raster"]
print(f"raster, NLL of single test digits: sd {r.std():.1f} nats, from {r.min():.1f} to {r.max():.1f}")

# %% [markdown]
# The bars are close (the y axis is truncated: it starts 5 nats below the lowest bar, as the title says): the
# six orderings land within about one nat of each other (the spread printed above), under 1 % of the NLL.
# Single digits vary far more (the last line: under raster, 50.6 to 212.9 nats, standard deviation 28.1), so
# the comparison is paired: every ordering is scored on the same 500 digits, and the error bars (± 2 paired
# standard errors) measure the noise of the *difference*. They are small enough to show that some gaps are
# real on this test set: spiral and random come out ahead of raster by 0.88 nats (± 0.22 and ± 0.23, about
# four standard errors), and column by 0.54 ± 0.19 (about 2.8 standard errors, also past the two-SE rule);
# diagonal ($-0.22 \pm 0.18$) and snake ($+0.11 \pm 0.13$) are within noise of raster. None is large. That is
# the chain rule at work: every ordering factorizes the same distribution exactly, and the FVSBN's conditional
# for pixel $j$ sees *every* earlier pixel, however far away. What the ordering changes is *which* questions
# the 784 logistic regressions are asked, and a linear rule answers some of them a little better than others.
#
# ## Why: what context each conditional sees
# Count, for every pixel, how many of its 8 neighbours are generated before it. Averaged over the image, the
# count is **the same for every ordering**: each of the 2,970 pairs of neighbouring pixels is counted exactly
# once, by the pixel of the pair that comes second (exercise 2), so the mean is $2970/784 = 3.79$. The
# orderings differ in *where* that context is: the number of pixels generated with no neighbour known, and
# whether the uncertain pixels — those in the centre, where digits put their ink — get their context. The last
# column weights each pixel's count by its uncertainty: the entropy (defined in chapter 02) of the pixel's
# Bernoulli, $-\theta_i \log\theta_i - (1-\theta_i)\log(1-\theta_i)$ with $\theta_i$ its frequency of ink in
# the training set.

# %%
# NBVAL_CHECK_OUTPUT
freq = x_train.mean(0).flatten().double().clamp(1e-6, 1 - 1e-6)
entropy = -(freq * freq.log() + (1 - freq) * (1 - freq).log())  # nats, per pixel
print(f"{'ordering':9s} {'mean':>6s} {'no neighbour':>13s} {'entropy-weighted':>17s}")
for n in NAMES:
    k = orderings.neighbours_before(orderings.get(n, 28, 28), 28, 28).flatten().double()
    print(f"{n:9s} {k.mean():6.3f} {int((k == 0).sum()):13d} {(k * entropy).sum() / entropy.sum():17.3f}")

# %% [markdown]
# The table holds a surprise. By these local measures raster, column, snake and diagonal are nearly identical,
# and spiral — which gives the uncertain centre pixels the *least* local context (entropy-weighted 3.722),
# because it starts there — is among the best orderings. Random, with 93 pixels drawn with no neighbour known,
# still gets about the same entropy-weighted context as raster (3.993 against 4.000),
# and is also among the best. Local context does not rank orderings for an FVSBN: its conditionals see all
# earlier pixels, near and far. Why spiral and random then come out ahead is a hypothesis we have not tested:
# a pixel drawn early with little context may make many later ones easier to predict.
#
# For a model that sees only the $k$ previous pixels, the AR($k$) tables of chapter 03, the ordering decides
# what those $k$ pixels *are*. We measure it: AR($k$) tables in each of the six orderings, fitted by counting
# with $\alpha$ chosen on validation as in chapter 03, test NLL in nats per image.

# %%
# NBVAL_CHECK_OUTPUT
from genlib.models import MarkovTable


def ar_k_test_nll(name, k, alphas=(0.03, 0.1, 0.3, 1.0)):
    """AR(k) lookup tables in ordering `name`, counted on x_train; alpha chosen on x_val (chapter 03)."""
    m = MarkovTable((1, 28, 28), k=k, ordering=orderings.get(name, 28, 28))
    counts = m.counts(x_train)
    best = min(alphas, key=lambda a: train.evaluate(m.set_tables(*counts, alpha=a), x_val))
    return train.evaluate(m.set_tables(*counts, alpha=best), x_test)


print(" " * 7 + "".join(f"{n:>9s}" for n in NAMES) + "   spread   spread without random")
for k in [1, 2, 4, 8]:
    r = {n: ar_k_test_nll(n, k) for n in NAMES}
    spatial = [r[n] for n in NAMES if n != "random"]
    print(f"AR({k})  " + "".join(f"{r[n]:9.1f}" for n in NAMES)
          + f"   {max(r.values()) - min(r.values()):6.1f}   {max(spatial) - min(spatial):6.1f}")

# %%
spatial = [nll[n] for n in NAMES if n != "random"]
print("FVSBN  " + "".join(f"{nll[n]:9.1f}" for n in NAMES)
      + f"   {max(nll.values()) - min(nll.values()):6.1f}   {max(spatial) - min(spatial):6.1f}")

# %% [markdown]
# What to see: for the AR($k$) tables the ordering moves the test NLL by 56.7 to 64.6 nats (the spread column)
# — random, whose $k$ previous pixels are scattered over the image, gains only 1 to 11 nats over the
# independent model (209.19 nats, the first line of the training output) — and even among the five spatial
# orderings by 16.5 to 18.8 nats (the last column): diagonal is the most expensive of them and spiral the
# cheapest. For the FVSBN, whose conditionals see every earlier pixel, the spread is about one nat. The
# ordering matters far more for a model with a short window than for one that sees the whole past.
#
# The per-pixel picture shows where each ordering pays. Below, the test NLL of every pixel's conditional
# (averaged over the 500 test digits, bright = expensive), and the NLL accumulated along the generation steps.
# The code computes each pixel's NLL with `binary_cross_entropy_with_logits(logit, x)`: for a 0/1 pixel that
# is $-[x \log \sigma(\ell) + (1-x)\log(1-\sigma(\ell))] = -\log p(x_i \mid \text{earlier pixels})$, the
# same as the `logsigmoid` of chapter 03, in one call.

# %%
LINE = {"raster": "-", "column": "-", "snake": "--", "diagonal": ":", "spiral": "-", "random": "-"}
fig, axes = plt.subplots(1, len(NAMES) + 1, figsize=(2.3 * len(NAMES) + 5, 2.8), layout="constrained",
                         gridspec_kw={"width_ratios": [1] * len(NAMES) + [2]})
xt = x_test.to(DEVICE)
for ax, n in zip(axes, NAMES):
    with torch.no_grad():
        bce = torch.nn.functional.binary_cross_entropy_with_logits(trained[n](xt), xt, reduction="none")
    pixel_nll = bce.mean(0)[0].cpu()  # (28, 28) nats
    im = ax.imshow(pixel_nll, cmap="magma", vmin=0, vmax=0.6)
    ax.set_title(f"{n}\n{pixel_nll.sum():.1f} nats", fontsize=9)
    ax.axis("off")
    steps = pixel_nll.flatten()[trained[n].ordering.cpu()]
    axes[-1].plot(steps.cumsum(0), label=n, linestyle=LINE[n], linewidth=1.2)
    print(f"{n:9s} NLL of the first 150 steps: {steps[:150].sum():5.1f} nats of {steps.sum():5.1f}"
          f"  (spread evenly: {steps.sum() * 150 / N:4.1f}); costliest pixel {pixel_nll.max():.2f} nats")
fig.colorbar(im, ax=axes[:-1], shrink=0.9, extend="max", label="NLL of the pixel (nats)")
axes[-1].set_xlabel("generation step")
axes[-1].set_ylabel("NLL so far (nats)")
axes[-1].legend(fontsize=7);

# %% [markdown]
# What to see: every ordering pays almost nothing on the blank border and most of its bill on the stroke
# region, but *when* it pays differs (the curves on the right; raster's solid blue curve is hidden under
# snake's dashed one, which pays the same per row; diagonal's dotted curve runs below both from about step 150
# to 450). Raster, column, snake and diagonal spend almost
# nothing in their first 150 steps (blank rows, columns or corners; printed above the figure); spiral spends
# at once (it starts in the uncertain centre). Random is not even: it pays 28.4 nats in its first 150 steps
# against the 21.1 an even spread would pay, and its curve bends (concave): the pixels it happens to draw
# early, with little known, are expensive, which also speckles its map (its costliest pixel, like spiral's,
# costs 0.69 nats, past the colour scale's 0.6: the arrow on the colour bar). The spiral's map shows a bright
# X: the corners of its square rings, where a pixel has one neighbour in the ring inside it instead of three,
# and so less context; the ordering map above also shows the spiral's seam, to the right of the centre, where
# every ring starts. The totals still end up close. That an early, expensive guess makes later pixels cheaper
# is a hypothesis these curves are consistent with, not something they test.
#
# ## Explore: an ordering of your choice
# Pick an ordering from the dropdown (and a seed for `random`); the figure shows its heat map, one sample
# appearing pixel by pixel in that order, eight samples, and the test NLL. The six named orderings load from
# the cache instantly; a new random seed trains a new FVSBN first (under a minute in full mode on the
# CPU above). The widget needs a running kernel: on a static page it shows as a line of text, and the figure
# after it is the widget's picture for one choice.

# %%
explorer = widgets.ordering_explorer(model_for)
explorer

# %% [markdown]
# The same figure without a widget, for the static page — the spiral FVSBN builds each digit from the centre
# out:

# %%
widgets.ordering_figure(trained["spiral"], "spiral", nll["spiral"]);

# %% [markdown]
# What to see: left, the spiral's generation steps (dark = early, the star = the first pixel; its colour bar
# gives the step, 0 to 783, as in the six heat maps above); top row, one sample as it is generated,
# each frame titled with the number of pixels drawn so far, from 0 to all 784 (grey = not generated yet),
# the strokes growing outward from the centre; bottom row, eight finished samples.
#
# ## Completion: the ordering decides which questions a model can answer
# `model.complete(x, known)` keeps the known pixels and samples the others in the model's ordering. When every
# known pixel comes before every unknown one, each sampled pixel is drawn from $p(x_{o_j}\mid x_{o_{<j}})$
# with all the known pixels in its context: an exact sample of $p(\text{unknown} \mid \text{known})$.
# Otherwise the model samples the early unknown pixels *without looking* at the known ones that come later.
#
# Raster generates the top half first, column the left half. So raster can complete a bottom half from a top
# half, but not a top half from a bottom one; column can complete right from left, but not left from right.

# %%
top = torch.zeros(28, 28, dtype=torch.bool)
top[:14] = True
left = torch.zeros(28, 28, dtype=torch.bool)
left[:, :14] = True
CASES = {"raster, top known": ("raster", top), "raster, bottom known": ("raster", ~top),
         "column, left known": ("column", left), "column, right known": ("column", ~left)}
digits = x_test[torch.stack([torch.nonzero(y_test == d)[0, 0] for d in (2, 3, 4, 5, 7, 9)])]  # six classes
INK, PAPER = torch.tensor([1.0, 0.55, 0.1]), torch.tensor([0.1, 0.1, 0.35])  # colours of sampled pixels
KEY = [plt.Rectangle((0, 0), 1, 1, facecolor=c.tolist(), edgecolor="0.5") for c in (INK, PAPER, torch.ones(3),
                                                                                   torch.zeros(3))]
torch.manual_seed(1)
fig, axes = plt.subplots(2, 2, figsize=(12, 5.2))
for ax, (title, (n, known)) in zip(axes.flat, CASES.items()):
    done = trained[n].complete(digits.to(DEVICE), known.to(DEVICE)).cpu()         # (6, 1, 28, 28)
    sampled = done * INK.view(3, 1, 1) + (1 - done) * PAPER.view(3, 1, 1)          # (6, 3, 28, 28)
    shown = torch.where(known, done.expand(-1, 3, -1, -1), sampled)
    given = torch.where(known, digits, 0.5).expand(-1, 3, -1, -1)
    viz.show_grid(torch.cat([given, shown]), title, nrow=6, ax=ax)
fig.legend(KEY, ["sampled ink", "sampled background", "given ink", "given background"], ncol=4,
           loc="lower center", frameon=False)
plt.tight_layout(rect=(0, 0.06, 1, 1))

# %% [markdown]
# In each panel the top row is what the model is given (grey = hidden), the bottom row its completion, with
# the sampled pixels in colour (orange = sampled ink, navy = sampled background; the legend). Honestly, the
# pictures do not settle much: in all four panels several completions are blobs of ink rather than strokes,
# and whether a sampled stroke continues a given one or is a piece of some digit glued on is hard to judge by
# eye from six digits. The claim rests on the numbers below.
#
# To measure it, a logistic-regression digit classifier (trained on the 4,000 training digits) reads each
# completed test digit; we count how often it still gets the original label. As a baseline, the same
# classifier reads the same digits with the hidden half left blank (all background): what completion adds is
# the difference. For the two exact cases the model can also *score* the hidden half: $-\log
# p(\text{hidden}\mid\text{known})$ is the sum of the hidden pixels' conditionals. For the other two, the
# known pixels that come after hidden ones are predicted *from* the hidden values, so
# $p(\text{hidden}\mid\text{known}) = p(\text{hidden}, \text{known}) / p(\text{known})$ needs the marginal
# $p(\text{known}) = \sum_{\text{hidden}} p(\text{hidden}, \text{known})$, a sum over the $2^{392}$ values
# of the hidden half — out of reach.

# %%
from sklearn.linear_model import LogisticRegression

clf = LogisticRegression(max_iter=genlib.budget(full=500, quick=100), C=0.05)
clf.fit(x_train.flatten(1).numpy(), data.load("mnist5k", "train", labels=True)[1].numpy())
print("classifier accuracy on intact test digits:",
      f"{clf.score(x_test.flatten(1).numpy(), y_test.numpy()):.3f}")
torch.manual_seed(2)
pick = torch.randperm(len(x_test))[:genlib.budget(full=500, quick=100)]  # test digits to complete
for title, (n, known) in CASES.items():
    m, k = trained[n], known.to(DEVICE)
    done = m.complete(xt[pick], k).cpu()
    kept = clf.score(done.flatten(1).numpy(), y_test[pick].numpy())
    blank = clf.score((xt[pick] * k).cpu().flatten(1).numpy(), y_test[pick].numpy())  # hidden half = 0
    exact = bool(k.flatten()[m.ordering][:N // 2].all())  # the known half comes first in the ordering
    with torch.no_grad():
        bce = torch.nn.functional.binary_cross_entropy_with_logits(m(xt), xt, reduction="none")
    cond = f"{bce[:, 0][:, ~k].sum(1).mean():6.1f} nats" if exact else "intractable"
    print(f"{title:21s} label kept {kept:.3f} (hidden half blank: {blank:.3f})   "
          f"-log p(hidden | known): {cond}")

# %% [markdown]
# The two exact completions keep the digit's label clearly more often than the two that sample the hidden half
# blind (0.624 and 0.682 against 0.412 and 0.420). The blank baseline says what completion adds: an exact
# completion raises the label kept from 0.406 to 0.624 (raster, top known) and from 0.418 to 0.682 (column,
# left known), while a blind completion *lowers* it, from 0.530 to 0.412 and from 0.514 to 0.420 — the half
# sampled without looking at the given one misleads the classifier more than a blank half does. The printed
# $-\log p(\text{hidden} \mid \text{known})$ (56.9 and 58.2 nats) is about half of the whole-image test NLL
# (about 111 nats): predicting one half from the other costs about as much as the half's share of the
# digit. The ordering is a modelling choice with consequences beyond the NLL: it fixes which conditional
# questions have exact, cheap answers. Models that answer every question need every ordering — the idea behind
# order-agnostic training (Uria, Murray & Larochelle 2014) and MADE's ordering ensembles (Germain et al.
# 2015).
#
# ## Exercises
# **1.** How many free parameters does an FVSBN have on the 8 × 8 digits of `digits8`?

# %%
from genlib.exercises import ch04

answer = ...  # your number
ch04.check_fvsbn_parameters(answer)

# %% [markdown] jupyter={"source_hidden": true}
# **Solution.** $N = 64$, so $N(N+1)/2 = 64 \cdot 65 / 2 = 2080$: `ch04.check_fvsbn_parameters(64 * 65 // 2)`.

# %% [markdown]
# **2.** How many pairs of 8-neighbours does a 28 × 28 image have? (This is why the mean number of earlier
# neighbours is 3.79 for *every* ordering.)

# %%
answer = ...  # your number
ch04.check_neighbour_pairs(answer)

# %% [markdown] jupyter={"source_hidden": true}
# **Solution.** Horizontal pairs: 28 rows × 27 = 756; vertical: the same, 756; each diagonal direction: 27 ×
# 27 = 729. Total $756 + 756 + 729 + 729 = 2970$. In any ordering each pair has a first and a second pixel,
# and only the second counts the first as an earlier neighbour, so the counts always sum to 2,970.

# %% [markdown]
# **3.** Write the ordering that generates the *bottom* row first (each row left to right). An FVSBN trained
# in this order completes the top half of a digit from its bottom half.

# %%
def bottom_up(H, W):
    raise NotImplementedError  # return a list or tensor of the H*W pixel indices r * W + c


ch04.check_bottom_up(bottom_up)

# %% [markdown] jupyter={"source_hidden": true}
# **Solution.**
# ```python
# def bottom_up(H, W):
#     return torch.arange(H * W).view(H, W).flip(0).flatten()
# ch04.check_bottom_up(bottom_up)
# model = FVSBN(ordering=bottom_up(28, 28))   # train it as above and try complete(x, ~top)
# ```

# %% [markdown]
# **4.** Write `can_complete(ordering, known)`: True when the model's completion conditions on *all* the known
# pixels, that is, when every known pixel is generated before every unknown one.

# %%
def can_complete(ordering, known):
    raise NotImplementedError  # ordering: permutation of 0..N-1, known: bool (H, W)


ch04.check_can_complete(can_complete)

# %% [markdown] jupyter={"source_hidden": true}
# **Solution.**
# ```python
# def can_complete(ordering, known):
#     rank = torch.argsort(ordering)          # rank[i] = the step at which pixel i is generated
#     k = known.flatten()
#     return bool(k.all() or not k.any() or rank[k].max() < rank[~k].min())
# ```

# %% [markdown]
# ## Summary
# - An autoregressive model is the chain rule with learned conditionals; the FVSBN makes each one a logistic
#   regression on all earlier pixels: $N(N+1)/2$ parameters, exact $\log p(x)$ in one masked matrix product.
# - The chain rule is exact in every ordering. For the FVSBN on mnist5k, six orderings land within about one
#   nat of each other; they differ in where the cost is paid, not in the mean amount of local context (that is
#   fixed). For AR($k$) lookup tables, which see only $k$ previous pixels, the ordering moves the test NLL by
#   57 to 65 nats (random included) and by 17 to 19 nats among the five spatial orderings.
# - Sampling and completion must follow the model's ordering; the ordering decides which completions are
#   exact.
#
# ## References
# - R. M. Neal (1992). *Connectionist learning of belief networks.* Artificial Intelligence 56.
# - B. J. Frey (1998). *Graphical models for machine learning and digital communication.* MIT Press (the
#   FVSBN).
# - Y. Bengio, S. Bengio (2000). *Modeling high-dimensional discrete data with multi-layer neural networks.*
#   NeurIPS.
# - H. Larochelle, I. Murray (2011). *The neural autoregressive distribution estimator.* AISTATS (FVSBN: 97.45
#   nats on binarized MNIST).
# - B. Uria, I. Murray, H. Larochelle (2014). *A deep and tractable density estimator.* ICML (order-agnostic
#   training).
# - M. Germain, K. Gregor, I. Murray, H. Larochelle (2015). *MADE: masked autoencoder for distribution
#   estimation.* ICML.
# - A. van den Oord, N. Kalchbrenner, K. Kavukcuoglu (2016). *Pixel recurrent neural networks.* ICML.
