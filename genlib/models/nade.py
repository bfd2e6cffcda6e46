"""NADE and the order-agnostic NADE (chapter 05).

    model = NADE((1, 28, 28), hidden=500)                # one fixed ordering (raster by default)
    model = OrderAgnosticNADE((1, 28, 28), hidden=500)   # trained on random orderings
    model.log_prob(x, ordering=orderings.get("spiral", 28, 28))

Three implementations of the same D conditionals, so the chapter and the tests can compare them:
`naive_logits` (the formula as written, one matrix product per conditional, O(HD^2)), `loop_logits`
(the O(HD) recurrence a <- a + W[o[d]] x_o[d], one Python step per pixel) and `NADE.forward`
(all conditionals at once, O(HD), no Python loop over pixels: the fused kernel of
genlib/models/nade_kernel.py). Here H is the number of hidden units and D the number of pixels.
"""

from __future__ import annotations

import math

import torch
import torch.nn as nn
import torch.nn.functional as F

from . import nade_kernel
from .base import AutoregressiveModel


class NADE(AutoregressiveModel):
    """Neural autoregressive density estimator (chapter 05; Larochelle & Murray, 2011).

    p(x) = prod_d p(x_o[d] | x_o[<d]),   h_d = sigmoid(c + W[o[<d]]^T x_o[<d]),
    p(x_o[d] = 1 | x_o[<d]) = sigmoid(b[o[d]] + V[o[d]] . h_d)
    W, V: (D, H), one row per pixel; c: (H,), b: (D,). Parameters: 2DH + D + H.
    All D conditionals share W, so a_{d+1} = a_d + W[o[d]] x_o[d]: O(HD) per image, not O(HD^2).
    """

    pixel_kind = "binary"

    def __init__(self, shape=(1, 28, 28), hidden: int = 500, ordering=None):
        super().__init__(shape, ordering)
        if not isinstance(hidden, int) or hidden < 1:
            raise ValueError(f"hidden must be a positive int (the number of hidden units); got {hidden!r}")
        self.hidden = hidden
        D = self.dim
        self.W = nn.Parameter(torch.randn(D, hidden) / math.sqrt(D))  # input -> hidden, row per pixel
        self.c = nn.Parameter(torch.zeros(hidden))
        self.V = nn.Parameter(torch.randn(D, hidden) / math.sqrt(hidden))  # hidden -> logit, row per pixel
        self.b = nn.Parameter(torch.zeros(D))

    def set_pixel_logits(self, logits):
        """b = logits (the hook of `start_from_means`): every conditional starts near its pixel's mean."""
        self.b.copy_(logits.flatten())

    def step_bias(self, steps) -> torch.Tensor:
        """The hidden bias of every step, (D, H): h_d = sigmoid(step_bias[d] + ...). NADE: c at every step."""
        return self.c.expand(len(steps), -1)

    def logits_in_order(self, x_o, steps) -> torch.Tensor:
        """The logit of every step, (B, D), from x_o (B, D) in generation order, O(HD) per image.

        The same numbers as `naive_logits` (the formula as written), computed by the fused kernel of
        genlib/models/nade_kernel.py.
        """
        c_steps = self.step_bias(steps)  # (D, H)
        if in_raster_order(steps):  # rows already in generation order: no copies (~6 % of a training step)
            return nade_kernel.shared_weight_logits(x_o, self.W, c_steps, self.V, self.b)
        return nade_kernel.shared_weight_logits(x_o, self.W[steps], c_steps, self.V[steps], self.b[steps])

    def forward(self, x, ordering=None):
        """The logit of every pixel's conditional, in image layout (B, *shape)."""
        x = self.check_input(x)
        steps = self.steps(ordering)
        if in_raster_order(steps):
            return self.logits_in_order(x.flatten(1), steps).view(-1, *self.shape)
        logits_o = self.logits_in_order(x.flatten(1)[:, steps], steps)  # (B, D)
        out = torch.empty_like(logits_o)
        out[:, steps] = logits_o
        return out.view(-1, *self.shape)

    def log_prob(self, x, ordering=None):
        """Exact log p(x | ordering) in nats, (B,); ordering defaults to self.ordering."""
        x = self.check_input(x)
        logits = self(x, ordering)
        return -F.binary_cross_entropy_with_logits(logits, x, reduction="none").flatten(1).sum(1)

    def hidden_features(self, x) -> torch.Tensor:
        """h_D = sigmoid(c + W^T x): the hidden units after seeing the whole image, (B, H)."""
        x = self.check_input(x)
        return torch.sigmoid(self.c + x.flatten(1) @ self.W)

    def conditional(self, x, d, cache):
        """The logit of step d, b_s + V_s . sigmoid(c_d + a), from a running sum a = sum_{j<d} x_s[j] W[s[j]]
        kept in `cache`: sampling costs O(HD) per image, not O(HD^2)."""
        s = cache["steps"][d]
        if "c_steps" not in cache:
            cache["c_steps"] = self.step_bias(cache["steps"])
        a = running_sum(x, d, cache, self.W)
        return self.b[s] + torch.sigmoid(cache["c_steps"][d] + a) @ self.V[s]


def in_raster_order(steps) -> bool:
    """True if step d generates value d (steps = 0, 1, ..., D-1): no reordering is needed."""
    return torch.equal(steps, torch.arange(len(steps), device=steps.device))


def naive_logits(model: NADE, x, ordering=None) -> torch.Tensor:
    """The formula as written: h_d = sigmoid(c_d + W[o[<d]]^T x_o[<d]) for each d separately.

    One (B, d) x (d, H) product per conditional: O(H D^2) per image. Returns (B, D) in order.
    """
    x = model.check_input(x)
    steps = model.steps(ordering)
    x_o, W, c_steps = x.flatten(1)[:, steps], model.W[steps], model.step_bias(steps)
    out = [
        model.b[i] + torch.sigmoid(c_steps[d] + x_o[:, :d] @ W[:d]) @ model.V[i]
        for d, i in enumerate(steps.tolist())
    ]
    return torch.stack(out, 1)


def loop_logits(model: NADE, x, ordering=None) -> torch.Tensor:
    """The O(HD) recurrence a <- a + W[o[d]] x_o[d], one Python step per pixel. Returns (B, D) in order."""
    x = model.check_input(x)
    steps = model.steps(ordering)
    x_o = x.flatten(1)[:, steps]
    # rows unbound once: indexing a (D, H) tensor at every step would make autograd write a (D, H) gradient
    # of zeros per step (measured up to 1.7x slower)
    c, W, V, b = (
        t.unbind(0) for t in (model.step_bias(steps), model.W[steps], model.V[steps], model.b[steps])
    )
    S, out = torch.zeros(x.shape[0], model.hidden, device=x.device), []
    for d, x_d in enumerate(x_o.unbind(1)):
        out.append(b[d] + torch.sigmoid(c[d] + S) @ V[d])
        S = S + x_d.unsqueeze(1) * W[d]
    return torch.stack(out, 1)


class OrderAgnosticNADE(NADE):
    """Order-agnostic NADE (chapter 05; Uria, Murray & Larochelle, 2014, sec. 3).

    The hidden layer also sees which pixels are observed (the mask m): for an observed set m,
    h = sigmoid(c + W^T (x * m) + U^T m) and p(x_i = 1 | x_m) = sigmoid(b_i + V_i . h).
    Trained on a random ordering and a random prefix length per image (`order_agnostic_loss`),
    it is a NADE for *every* ordering at once: set `model.ordering` or pass `ordering=`.
    Under one ordering the mask grows one pixel per step, so U folds into a per-step bias
    c_d = c + sum_{j<d} U[o[j]] and log p(x | o) still costs O(HD). Parameters: 3DH + D + H.
    """

    def __init__(self, shape=(1, 28, 28), hidden: int = 500, ordering=None):
        super().__init__(shape, hidden, ordering)
        self.U = nn.Parameter(torch.zeros(self.dim, hidden))  # mask -> hidden, row per pixel

    def step_bias(self, steps):
        U = self.U[steps]
        return self.c + torch.cumsum(U, 0) - U  # c + sum_{j<d} U[o[j]], (D, H)

    def order_agnostic_loss(self, x, generator=None, reduce: bool = True) -> torch.Tensor:
        """The training objective of Uria et al. (2014), an unbiased estimate of E_o[-log p(x | o)].

        Per image: a random ordering o and d ~ U{1..D}; the pixels o[<d] are observed and
        the loss is D / (D - d + 1) * sum_{j >= d} -log p(x_o[j] | x_o[<d]), one pass of O(HD).
        generator: a torch.Generator for the random draws (fixed: the same draws every call).
        reduce=False: the estimate per image, (B,).
        """
        x = self.check_input(x).flatten(1)  # (B, D)
        B, D = x.shape
        k = torch.randint(0, D, (B, 1), device=x.device, generator=generator)  # k = d - 1 observed pixels
        u = torch.rand(B, D, device=x.device, generator=generator)
        m = (u.argsort(1).argsort(1) < k).float()  # a random subset of size k
        h = torch.sigmoid(self.c + (x * m) @ self.W + m @ self.U)  # (B, H)
        logits = self.b + h @ self.V.T  # (B, D)
        nll = (F.binary_cross_entropy_with_logits(logits, x, reduction="none") * (1 - m)).sum(1)
        per_image = D / (D - k.squeeze(1)) * nll
        return per_image.mean() if reduce else per_image

    def selection_nll(self, x):
        """fit picks the best epoch by the order-agnostic loss with the same random draws every epoch
        (seed 0), an estimate of the NLL averaged over orderings, not the exact NLL of one ordering."""
        g = torch.Generator(device=self.device).manual_seed(0)
        return self.order_agnostic_loss(x, generator=g, reduce=False)

    def nll(self, x):
        """Training mode: the order-agnostic loss; eval mode: exact -log p(x | self.ordering)."""
        return self.order_agnostic_loss(x) if self.training else -self.log_prob(x).mean()

    def log_prob_ensemble(self, x, orderings) -> torch.Tensor:
        """log (1/K sum_k p(x | o_k)), (B,): a mixture of K components, one per ordering,
        itself normalized."""
        lp = torch.stack([self.log_prob(x, o) for o in orderings])  # (K, B)
        return torch.logsumexp(lp, 0) - math.log(len(orderings))

    def conditional(self, x, d, cache):
        """Completion conditions on *all* known pixels at once (any set, not only a prefix of the
        ordering); each pixel drawn since the last step then joins the observed set."""
        steps, known, xf = cache["steps"], cache["known"], x.flatten(1)
        if "a" not in cache:
            m = known.float()  # every known pixel observed
            cache.update(a=self.c + (xf * m) @ self.W + m @ self.U, done=0)  # (B, H)
        new = steps[cache["done"] : d]
        drawn = (~known[:, new]).float()  # (B, steps since the last call)
        cache["a"] = cache["a"] + (xf[:, new] * drawn) @ self.W[new] + drawn @ self.U[new]
        cache["done"] = d
        s = steps[d]
        return self.b[s] + torch.sigmoid(cache["a"]) @ self.V[s]


def running_sum(x, d, cache, W) -> torch.Tensor:
    """a = sum_{j<d} x_s[j] W[s[j]], (B, H), kept in `cache` between the steps of a completion.

    Each call adds only the steps since the last call (one matrix product), so a whole
    completion costs O(HD) per image. Shared by NADE and RNADE.
    """
    steps = cache["steps"]
    if "a" not in cache:
        cache.update(a=x.new_zeros(x.shape[0], W.shape[1]), done=0)
    new = steps[cache["done"] : d]
    cache["a"] = cache["a"] + x.flatten(1)[:, new] @ W[new]
    cache["done"] = d
    return cache["a"]


def log_prob_from_logits(logits_o, x_o) -> torch.Tensor:
    """sum_d log p(x_o[d] | x_o[<d]) from the logits in generation order, (B,)."""
    return -F.binary_cross_entropy_with_logits(logits_o, x_o, reduction="none").sum(1)
