# %% [markdown]
# # 02 · Independence, the chain rule and conditional independence
#
# **What you will learn**
# - the fully independent model: $n$ parameters instead of $2^n - 1$, trained on real digits — and why its
#   samples are noise;
# - the chain rule, which is exact for any order and therefore still needs $2^n - 1$ parameters;
# - Bayes' rule;
# - three measures in nats: entropy, KL divergence and mutual information;
# - conditional independence, and how it makes terms of the chain rule drop out;
# - how far real pixels are from independence: neighbours share a lot of information, distant pixels little.
#
# Every identity is checked numerically on an exact joint table of real pixels (`genlib.joint.Joint`).

# %%
import inspect

import matplotlib.pyplot as plt
import numpy as np
import torch

import genlib
from genlib import counting, data, results, train, viz
from genlib.joint import Joint
from genlib.models import IndependentBernoulli

SEED = genlib.seed_everything(0)
DEVICE = genlib.device()
QUICK = genlib.quick_mode()
print(f"seed {SEED}, quick mode: {QUICK}  (set GENLIB_QUICK=1 for tiny budgets)")

# %% [markdown]
# ## Independence: one coin per pixel
# If the pixels were independent, the joint would be a product of $n$ Bernoullis:
#
# $$p(x_1, \dots, x_n) = \prod_{i=1}^{n} p(x_i) = \prod_{i=1}^n \theta_i^{x_i}(1-\theta_i)^{1-x_i} \qquad n \text{ parameters}.$$
#
# From $2^{784}-1$ down to 784. `genlib.models.IndependentBernoulli` is exactly this model:

# %%
print(inspect.getsource(IndependentBernoulli.forward))

# %%
# NBVAL_CHECK_OUTPUT
model = IndependentBernoulli((1, 28, 28)).to(DEVICE)
print("parameters of IndependentBernoulli((1, 28, 28)):", sum(p.numel() for p in model.parameters()))
print("counting.independent(784):                      ", counting.independent(784))

# %% [markdown]
# We train it on the 4,000 binarized training digits of `mnist5k` by gradient descent on the negative
# log-likelihood, as in chapter 00. Chapter 01 showed where that should end: the maximum-likelihood estimate
# (MLE) of each pixel's Bernoulli is its frequency of ink, $\hat\theta_i = N_1(i)/N$, with $N_1(i)$ the number
# of training digits that ink pixel $i$. The MLE has a flaw: a pixel that no training digit inks gets
# $\hat\theta_i = 0$, and any new digit that inks it gets probability 0, an infinite NLL. **Add-one (Laplace)
# smoothing** pretends that every pixel was seen once more inked and once more blank:
# $$\hat\theta_i^{\,+1} = \frac{N_1(i) + 1}{N + 2}.$$
# It is *not* the MLE but a small pull of every frequency towards $1/2$, enough to keep probabilities off 0
# and 1 (chapter 03 tunes the size of the pull). We compute both in closed form next to the trained model:

# %%
x_train, x_val = data.load("mnist5k", "train"), data.load("mnist5k", "val")
x_test = data.load("mnist5k", "test")
model, history = train.fit_or_load(model, x_train, x_val, epochs=genlib.budget(full=40, quick=2),
                                   lr=0.05, batch_size=128, device=DEVICE)
nll_indep = train.evaluate(model, x_test)
closed = IndependentBernoulli((1, 28, 28)).start_from_means(x_train, alpha=1.0)
never = x_train.sum(0) == 0                                  # pixels no training digit inks
print(f"test NLL: {nll_indep:.2f} nats per image (gradient descent), "
      f"{train.evaluate(closed, x_test):.2f} (closed form, add-one smoothing)")
print(f"the MLE (alpha = 0): {int(never.sum())} pixels never inked in training get theta = 0; "
      f"{int((x_test * never).flatten(1).any(1).sum())} of {len(x_test)} test digits ink one of them "
      f"(probability 0, NLL infinite)")
_ = results.record("02", "IndependentBernoulli", nll_nats=nll_indep, params=counting.independent(784))

# %%
fig, ax = plt.subplots(1, 3, figsize=(12, 4.2))
viz.show_grid(x_test[torch.randperm(len(x_test), generator=torch.Generator().manual_seed(0))[:36]], "36 real test digits", ax=ax[0])
im = ax[1].imshow(torch.sigmoid(model.logits[0]).detach().cpu(), cmap="gray", vmin=0, vmax=1)
ax[1].set_title("theta_i = p(pixel i = 1)"), ax[1].axis("off")
plt.colorbar(im, ax=ax[1], fraction=0.046, label="probability of ink")
viz.show_grid(model.sample(36).cpu(), "36 samples of the independent model", ax=ax[2])
plt.tight_layout()

# %% [markdown]
# The two test NLLs printed above differ by a fraction of a nat: gradient descent never reaches the MLE's
# $\theta_i = 0$ either (a logit would have to reach $-\infty$), so like the add-one estimate it keeps every
# test digit finite.
#
# What to see: the model knows *where* ink is likely (the blurry average digit in the middle) but its samples
# are noise, because each pixel decides without looking at its neighbours. A stroke is a *dependency* between
# pixels, and this model has none.
#
# ## The chain rule: exact, and just as expensive as the table
# Any joint distribution can be written, in any order, as
#
# $$p(x_1, \dots, x_n) = p(x_1)\, p(x_2 \mid x_1)\, p(x_3 \mid x_1, x_2) \cdots p(x_n \mid x_1, \dots, x_{n-1}).$$
#
# This is exact — it follows from the definition $p(a \mid b) = p(a, b) / p(b)$ applied $n - 1$ times — and it
# is the skeleton of every autoregressive model in this book. With a lookup table per factor, the factor of
# $x_j$ has one Bernoulli for each of the $2^{j-1}$ values of its context: $\sum_{j=1}^{n} 2^{j-1} = 2^n - 1$,
# exactly as many as the joint table. Nothing is gained yet.

# %%
# NBVAL_CHECK_OUTPUT
for n in [1, 2, 3, 4]:
    terms = " + ".join(str(2 ** (j - 1)) for j in range(1, n + 1))
    print(f"n = {n}: {terms} = {counting.chain_rule(n)}   (joint table: 2**{n} - 1 = {counting.joint_table(n)})")
print(f"n = 784: {counting.digits(counting.chain_rule(784))}-digit count, equal to the table: "
      f"{counting.chain_rule(784) == counting.joint_table(784)}")

# %% [markdown]
# ## An exact table of four real pixels
# Four neighbouring pixels of row 14, columns 12–15 — call them $a, b, c, d$ from left to right — have
# $2^4 = 16$ joint values, few enough to estimate from 4,000 digits. `Joint.from_data` counts them
# (the maximum-likelihood table of chapter 01).

# %%
# NBVAL_CHECK_OUTPUT
cols = [12, 13, 14, 15]
four = x_train[:, 0, 14, cols].long()                 # (4000, 4): a, b, c, d
J = Joint.from_data(four, ["a", "b", "c", "d"])
print(J)

# %% [markdown]
# ### The chain rule on real data
# `J.chain_rule(order)` multiplies out $p(x_{o_1})\,p(x_{o_2} \mid x_{o_1}) \cdots$ with every factor read off
# the table. For every one of the $4! = 24$ orders the product is the table again:

# %%
# NBVAL_CHECK_OUTPUT
from itertools import permutations

worst = max((J.chain_rule(list(o)).table - J.table).abs().max().item() for o in permutations("abcd"))
print(f"orders tried: {len(list(permutations('abcd')))};  largest |product - table| over all cells and orders < 1e-15: {worst < 1e-15}")
print("parameters of the chain rule with tables:", J.factor_parameters({"a": [], "b": ["a"], "c": ["a", "b"], "d": ["a", "b", "c"]}),
      "= table:", J.num_parameters)

# %% [markdown]
# ### Bayes' rule
# Writing $p(a, b)$ both ways, $p(a \mid b)\,p(b) = p(b \mid a)\,p(a)$, gives
# $$p(a \mid b) = \frac{p(b \mid a)\, p(a)}{p(b)}.$$
# The left side straight from the table (condition on $b = 1$ and renormalize) against the right side from
# three other numbers:

# %%
# NBVAL_CHECK_OUTPUT
direct = J.condition(b=1).p(a=1)
p_b_given_a = J.conditional("b", "a")[1, 1].item()
print(f"p(a=1 | b=1) from the table:        {direct:.6f}")
print(f"p(b=1 | a=1) p(a=1) / p(b=1) =      {p_b_given_a:.4f} x {J.p(a=1):.4f} / {J.p(b=1):.4f} = {J.bayes('a', 1, 'b', 1):.6f}")

# %% [markdown]
# Knowing that pixel $b$ is inked raises the probability that its left neighbour is inked from $p(a=1)$ to the
# value above: the pixels are far from independent.
#
# ## Three measures of information: entropy, KL divergence, mutual information
# The rest of the chapter (and the book) measures dependence and modelling cost in nats, with three quantities
# (Cover & Thomas 2006, ch. 2). Each is computed below on the four-pixel table, by the formula and by `Joint`.
#
# **Entropy** of a distribution $p$:
# $$H(p) = -\sum_x p(x) \log p(x).$$
# It is the average NLL of data from $p$ under $p$ itself: the fewest nats per sample that any model can pay
# on average.
#
# **KL divergence** from $p$ to a model $q$:
# $$\mathrm{KL}(p \,\|\, q) = \sum_x p(x) \log \frac{p(x)}{q(x)} = \underbrace{-\sum_x p(x) \log q(x)}_{\text{cross-entropy}} - H(p) \;\ge 0.$$
# It is the *extra* nats per sample that $q$ pays on data from $p$, beyond the entropy; it is 0 only when
# $q = p$. (A test NLL estimates the cross-entropy, so a better test NLL means a smaller KL to the data's
# distribution.)
#
# **Mutual information** of two variables $a$ and $b$:
# $$I(a; b) = \mathrm{KL}\big(p(a, b) \,\|\, p(a)\,p(b)\big) = \sum_{a, b} p(a, b) \log \frac{p(a, b)}{p(a)\,p(b)}.$$
# It is what a model loses by treating $a$ and $b$ as independent: the nats that knowing one saves on the
# other. It is 0 exactly when $a$ and $b$ are independent.

# %%
# NBVAL_CHECK_OUTPUT
p = J.table                                                        # (2, 2, 2, 2): p(a, b, c, d), no zero cell
H = -(p * p.log()).sum().item()
print(f"H(p)                    = {H:.4f} nats per 4-pixel patch    J.entropy():   {J.entropy():.4f}")
print(f"(four fair coins: 4 ln 2 = {4 * np.log(2):.4f} nats)")
q = J.factorize({"a": [], "b": [], "c": [], "d": []}).table         # q = p(a) p(b) p(c) p(d)
cross = -(p * q.log()).sum().item()
print(f"KL(p || independent q)  = {cross:.4f} - {H:.4f} = {cross - H:.4f} nats    "
      f"J.kl(q):      {J.kl(J.factorize({v: [] for v in 'abcd'})):.4f}")
pab = J.marginal("a", "b").table                                   # (2, 2): p(a, b)
pa, pb = pab.sum(1, keepdim=True), pab.sum(0, keepdim=True)        # (2, 1) and (1, 2)
print(f"I(a; b)                 = {(pab * (pab / (pa * pb)).log()).sum().item():.4f} nats    "
      f"J.mutual_information('a', 'b'): {J.mutual_information('a', 'b'):.4f}")

# %% [markdown]
# The four pixels carry fewer nats than four fair coins would; treating them as independent costs the
# KL printed above on every patch; and the two neighbours $a$ and $b$ share the mutual information printed
# last.
#
# ## Independence and conditional independence
# $a$ and $b$ are **independent** when $p(a, b) = p(a)\,p(b)$ for all values. They are **conditionally
# independent given $c$**, $a \perp b \mid c$, when $p(a, b \mid c) = p(a \mid c)\,p(b \mid c)$ for every $c$
# — equivalently $p(a \mid b, c) = p(a \mid c)$: once $c$ is known, $b$ tells nothing more about $a$. The
# **conditional mutual information**, the mutual information defined above computed inside each value of $c$
# and averaged, $I(a; b \mid c) = \sum p(a, b, c) \log \frac{p(a, b \mid c)}{p(a \mid c)\, p(b \mid c)}$ (in
# nats), is 0 exactly in that case, and measures how far from it we are.
#
# First a table built to have the property: the *Markov chain*
# $q(a, b, c, d) = p(a)\,p(b \mid a)\,p(c \mid b)\,p(d \mid c)$ with the factors of our real table. In $q$,
# $a \perp c \mid b$ holds exactly — so the chain-rule factor $q(c \mid a, b)$ does not depend on $a$ and the
# term drops to $q(c \mid b)$:

# %%
# NBVAL_CHECK_OUTPUT
markov1 = {"a": [], "b": ["a"], "c": ["b"], "d": ["c"]}
Q = J.factorize(markov1)
print("in q: a independent of c given b?", Q.independent("a", "c", given="b"), "  |I(a; c | b)| < 1e-12:", abs(Q.mutual_information("a", "c", given="b")) < 1e-12)
print("in q: a independent of c?        ", Q.independent("a", "c"), "  I(a; c) =", round(Q.mutual_information("a", "c"), 4))
print("q(c=1 | a, b) for (a, b) = 00, 01, 10, 11:", Q.conditional("c", ["a", "b"])[..., 1].flatten().numpy().round(4))
print("q(c=1 | b)    for b = 0, 1:               ", Q.conditional("c", "b")[:, 1].numpy().round(4))

# %% [markdown]
# And the real table, which nobody built to have it:

# %%
# NBVAL_CHECK_OUTPUT
print(f"real: I(a; c)     = {J.mutual_information('a', 'c'):.4f} nats   independent? {J.independent('a', 'c', tol=1e-3)}")
print(f"real: I(a; c | b) = {J.mutual_information('a', 'c', given='b'):.4f} nats   independent given b (up to 0.01)? "
      f"{J.independent('a', 'c', given='b', tol=1e-2)}")
print("p(c=1 | a, b) for (a, b) = 00, 01, 10, 11:", J.conditional("c", ["a", "b"])[..., 1].flatten().numpy().round(4))

# %% [markdown]
# Knowing $b$ removes most, but not all, of what $a$ says about $c$. Each assumption of conditional
# independence removes a dependency from the chain rule and shrinks its factor's table. How much do we lose?
# The KL divergence $\mathrm{KL}(p \,\|\, q)$ defined above answers it: the extra nats per 4-pixel patch that
# the factorized model $q$ pays on data from the real table $p$.

# %%
# NBVAL_CHECK_OUTPUT
factorizations = {
    "chain rule p(a)p(b|a)p(c|a,b)p(d|a,b,c)": {"a": [], "b": ["a"], "c": ["a", "b"], "d": ["a", "b", "c"]},
    "2nd order  p(a)p(b|a)p(c|a,b)p(d|b,c)": {"a": [], "b": ["a"], "c": ["a", "b"], "d": ["b", "c"]},
    "Markov     p(a)p(b|a)p(c|b)p(d|c)": markov1,
    "independent p(a)p(b)p(c)p(d)": {"a": [], "b": [], "c": [], "d": []},
}
kl = {name: J.kl(J.factorize(parents)) for name, parents in factorizations.items()}
for name, parents in factorizations.items():
    print(f"{name:42s} {J.factor_parameters(parents):2d} parameters   KL(p || q) = {kl[name]:.4f} nats")
markov_kl, indep_kl = kl["Markov     p(a)p(b|a)p(c|b)p(d|c)"], kl["independent p(a)p(b)p(c)p(d)"]
print(f"independent / Markov: {indep_kl / markov_kl:.0f} times the KL")

# %% [markdown]
# What to see: going from the chain rule (15 parameters) to the Markov chain (7) costs less than a hundredth
# of a nat per patch; dropping *all* dependencies (4) costs 74 times as much as the Markov chain (last line).
# Chapter 03 builds the Markov chain over all 784 pixels.
#
# ## How dependent are real pixels? Neighbours versus distant pixels
# We measure $I(x_{14,14}; x_j)$ between the centre pixel and every other pixel $j$ of the digit, each from an
# exact 2×2 table, together with the largest gap $\max |p(a, b) - p(a)\,p(b)|$, and average both over the
# square rings of pixels at distance $d = \max(|\Delta \text{row}|, |\Delta \text{col}|)$ from the centre.

# %%
def pair(i, j):
    return Joint.from_data(torch.stack([x_train[:, 0, i // 28, i % 28], x_train[:, 0, j // 28, j % 28]], 1).long(),
                           ["u", "v"], sizes=[2, 2])


centre = 14 * 28 + 14
tables = [pair(centre, j) for j in range(784)]
mi_map = torch.tensor([t.mutual_information("u", "v") for t in tables]).view(28, 28)
gap_map = torch.tensor([t.independence_gap("u", "v") for t in tables]).view(28, 28)
rows, cols_ = torch.meshgrid(torch.arange(28), torch.arange(28), indexing="ij")
ring = torch.maximum((rows - 14).abs(), (cols_ - 14).abs())
dist = list(range(1, 15))
mi_ring = [mi_map[ring == d].mean().item() for d in dist]
gap_ring = [gap_map[ring == d].mean().item() for d in dist]

# %%
from matplotlib.patches import Patch

fig, ax = plt.subplots(1, 2, figsize=(11, 3.8))
shown = np.ma.masked_array(mi_map.numpy(), mask=np.zeros((28, 28), dtype=bool))
shown.mask[14, 14] = True  # I(x; x) is the entropy of x, far above the rest: masked so the neighbours are visible
cmap = plt.get_cmap("magma").copy()
cmap.set_bad("deepskyblue")  # the masked centre gets a colour that is not on the scale
im = ax[0].imshow(shown, cmap=cmap)
ax[0].set_title("I(centre pixel; pixel j)"), ax[0].axis("off")
plt.colorbar(im, ax=ax[0], fraction=0.046, label="mutual information (nats)")
ax[0].legend(handles=[Patch(color="deepskyblue", label="centre pixel (not shown)")], loc="lower center",
             bbox_to_anchor=(0.5, -0.12), fontsize=8, frameon=False)
ax[1].semilogy(dist, mi_ring, "o-", label="mutual information I (nats)")
ax[1].semilogy(dist, gap_ring, "s--", label="max |p(a,b) - p(a)p(b)| (probability)")
ax[1].set_xlabel("ring distance from the centre (pixels)"), ax[1].set_ylabel("ring average (log scale)")
ax[1].set_title("average over each ring"), ax[1].legend()
plt.tight_layout()

# %%
# NBVAL_CHECK_OUTPUT
print(f"mean I(centre; pixel) at distance 1: {mi_ring[0]:.4f} nats;  at distance 2: {mi_ring[1]:.4f};  "
      f"at distances 5-14: {mi_map[ring >= 5].mean().item():.4f};  "
      f"distance 1 / distance 2: {mi_ring[0] / mi_ring[1]:.1f}")

# %% [markdown]
# What to see: the information the centre pixel shares falls off quickly with distance — the map is a bright
# blob of neighbours around the blue centre (and faint echoes along the typical strokes), and the ring
# averages fall by about a factor of five from distance 1 to distance 2 (printed above). A model that lets
# each pixel look at its recent neighbours should capture most of the structure with far fewer parameters than
# the chain rule: that is chapter 03.
#
# ## Exercises
# **1.** How many parameters does the independent model of a binary 28×28 image have?

# %%
from genlib.exercises import ch02

answer = ...  # a number
ch02.check_independent_parameters(answer)

# %% [markdown]
# <details><summary>Solution</summary>
#
# One Bernoulli per pixel: `answer = 28 * 28` (784).
# </details>
#
# **2.** Write `factor_parameters(j)`: the free parameters of the chain-rule factor
# $p(x_j \mid x_1, \dots, x_{j-1})$ of binary variables, $j$ counted from 1.

# %%
def factor_parameters(j):
    raise NotImplementedError  # your code here


ch02.check_chain_rule_factor_parameters(factor_parameters)

# %% [markdown]
# <details><summary>Solution</summary>
#
# ```python
# def factor_parameters(j):
#     return 2 ** (j - 1)      # one Bernoulli per value of the j - 1 context bits
# ```
# </details>
#
# **3.** Write `bayes(p_b_given_a, p_a, p_b)` returning $p(a \mid b)$.

# %%
def bayes(p_b_given_a, p_a, p_b):
    raise NotImplementedError  # your code here


ch02.check_bayes(bayes)

# %% [markdown]
# <details><summary>Solution</summary>
#
# ```python
# def bayes(p_b_given_a, p_a, p_b):
#     return p_b_given_a * p_a / p_b
# ```
# </details>
#
# **4.** How many free parameters does the Markov chain $p(a)\,p(b \mid a)\,p(c \mid b)\,p(d \mid c)$ of four
# binary variables have?

# %%
answer = ...  # a number
ch02.check_markov_chain_parameters(answer)

# %% [markdown]
# <details><summary>Solution</summary>
#
# $1 + 2 + 2 + 2 = 7$, against $2^4 - 1 = 15$ for the chain rule: `answer = 7`.
# </details>
#
# ## Summary
# - Independent pixels need $n$ parameters; trained on real digits they reach the test NLL above, and sample
#   noise.
# - The chain rule is exact in any order, and with tables it needs $2^n - 1$ parameters, like the joint table.
# - Bayes' rule and the chain rule hold to machine precision on a real 4-pixel table.
# - Entropy is the best average NLL, KL divergence the extra NLL a model pays, mutual information the KL of
#   assuming independence.
# - Conditional independence removes variables from a factor's context; real neighbouring pixels are *nearly*
#   conditionally independent of farther ones, and dependence falls quickly with distance.
#
# ## References
# - C. M. Bishop (2006). *Pattern Recognition and Machine Learning*, §1.2 (sum, product and Bayes' rules),
#   §8.2 (conditional independence). Springer.
# - D. Koller, N. Friedman (2009). *Probabilistic Graphical Models: Principles and Techniques*, ch. 2–3. MIT
#   Press.
# - T. M. Cover, J. A. Thomas (2006). *Elements of Information Theory*, 2nd ed., ch. 2 (mutual information, KL
#   divergence). Wiley.
# - Y. LeCun, C. Cortes, C. Burges. *The MNIST database of handwritten digits* (CC BY-SA 3.0).
