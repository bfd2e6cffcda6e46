"""MADE: every conditional of an autoregressive model in one pass of a masked MLP (chapter 06).

Germain, Gregor, Murray & Larochelle (2015), MADE: Masked Autoencoder for Distribution Estimation, ICML.

    model = MADE((1, 28, 28), hidden=(500,))                    # one mask, raster ordering
    model = MADE((1, 28, 28), hidden=(500,), num_masks=32)      # connectivity-agnostic: 32 masks
    model = MADE((1, 28, 28), num_masks=8, order_agnostic=True) # and a different ordering per mask
    model.log_prob(x)            # the ensemble: log (1/K sum_k p(x | mask k)), exact and normalized
    model.log_prob(x, mask=3)    # one mask: itself an exact autoregressive model

Every unit carries a degree m: an input's degree is the step at which it is generated (1..D), a hidden
unit's degree is the largest input step it may see. A connection is kept only if it cannot carry
information from a step to itself or to an earlier step; see `MADE` for the rule.
"""

from __future__ import annotations

import math

import torch
import torch.nn as nn
import torch.nn.functional as F

from .base import AutoregressiveModel


class MADE(AutoregressiveModel):
    """Masked autoencoder for distribution estimation (chapter 06: one pass for all conditionals).

    p(x) = prod_d p(x_o[d] | x_o[<d]),  with every logit from ONE pass of an MLP whose weights are masked:
        h^1 = relu(b^1 + (W^1 * M^1) x),   h^l = relu(b^l + (W^l * M^l) h^(l-1)),
        logits = b + (V * M^V) h^L + (A * M^A) x                      (A: direct connections, optional)
    Degrees: m(x_i) = the step of x_i in the ordering (1..D); hidden m^l(k) drawn from
    {min_j m^(l-1)(j), ..., D-1}. Masks: M^l[k, j] = [m^l(k) >= m^(l-1)(j)], and strictly for the outputs,
    M^V[i, k] = [m(x_i) > m^L(k)], M^A[i, j] = [m(x_i) > m(x_j)]. So the logit of step d sees only steps < d.
    Cost: all D conditionals in one pass of matrix products, O(D H) per image (+ D^2 direct); NADE gets
    its O(D H) only by sharing W, as a running sum over D sequential steps. Sampling takes D passes.
    Parameters: sum_l (H_(l-1) + 1) H_l + (H_L + 1) D, plus D^2 with direct connections (H_0 = D).

    num_masks K > 1 (connectivity-agnostic training): mask k (k = 0..K-1) is rebuilt from (seed, k)
    whenever it is needed, so masks are never stored yet survive save/load. Training step t uses mask
    t mod K; `log_prob(x)` is the ensemble, the mean of the K probabilities. With order_agnostic=True
    the masks k >= 1 also get their own random ordering (mask 0 keeps `ordering`).
    """

    pixel_kind = "binary"

    def __init__(
        self,
        shape=(1, 28, 28),
        hidden=(500,),
        num_masks: int = 1,
        ordering=None,
        direct: bool = True,
        order_agnostic: bool = False,
        seed: int = 0,
    ):
        super().__init__(shape, ordering)
        hidden = (hidden,) if isinstance(hidden, int) and not isinstance(hidden, bool) else hidden
        try:
            hidden = tuple(hidden)
        except TypeError:
            hidden = None
        if not hidden or not all(isinstance(h, int) and not isinstance(h, bool) and h >= 1 for h in hidden):
            raise ValueError(
                f"hidden must be the sizes of the hidden layers, e.g. (500,) or (500, 500); got {hidden!r}"
            )
        if not isinstance(num_masks, int) or isinstance(num_masks, bool) or num_masks < 1:
            raise ValueError(f"num_masks must be a whole number >= 1 (1: one fixed mask); got {num_masks!r}")
        for name, value in (("direct", direct), ("order_agnostic", order_agnostic)):
            if not isinstance(value, bool):
                raise ValueError(f"{name} must be True or False; got {value!r}")
        if not isinstance(seed, int) or isinstance(seed, bool):
            raise ValueError(f"seed must be an int (it decides the masks); got {seed!r}")
        self.hidden, self.num_masks, self.direct = hidden, num_masks, direct
        self.order_agnostic, self.seed = order_agnostic, seed
        D, sizes = self.dim, (self.dim, *hidden)
        self.hidden_layers = nn.ModuleList(nn.Linear(a, b) for a, b in zip(sizes[:-1], sizes[1:]))
        self.output_layer = nn.Linear(hidden[-1], D)  # V, b
        self.direct_layer = nn.Linear(D, D, bias=False) if direct else None  # A
        self.register_buffer("step", torch.zeros((), dtype=torch.long))  # training steps: picks the mask
        self._mask_cache = {}

    # --- masks from degrees ---------------------------------------------------------------------
    def mask_ordering(self, k: int = 0) -> torch.Tensor:
        """The pixel ordering of mask k: `self.ordering`, or a random one per mask if order_agnostic."""
        self._check_mask(k)
        if k == 0 or not self.order_agnostic:
            return self.ordering
        g = torch.Generator().manual_seed(self.seed * 1_000_003 + k)
        return torch.randperm(self.num_pixels, generator=g).to(self.ordering.device)

    def steps(self, k: int = 0) -> torch.Tensor:
        """steps[d] = flat index (channel, row, col) of the d-th value generated under mask k."""
        o = self.mask_ordering(k)
        C, H, W = self.shape
        return (o.unsqueeze(1) + H * W * torch.arange(C, device=o.device)).flatten()

    def degrees(self, k: int = 0) -> list[torch.Tensor]:
        """[m_in (D,), m^1 (H_1,), ..., m^L (H_L,)]: the degree of every unit under mask k.

        m_in[i] = 1 + the step of x_i; hidden degrees uniform in {min of the layer below, ..., D-1},
        drawn from a generator seeded with (seed, k). (For D = 1 every hidden degree is 0.)
        """
        D, steps = self.dim, self.steps(k).cpu()
        m_in = torch.empty(D, dtype=torch.long)
        m_in[steps] = torch.arange(1, D + 1)
        g = torch.Generator().manual_seed(self.seed * 1_000_003 + k + 500_000)
        ms = [m_in]
        for H in self.hidden:
            lo = min(int(ms[-1].min()), D - 1)
            ms.append(torch.randint(lo, D, (H,), generator=g))
        return [m.to(self.ordering.device) for m in ms]

    def masks(self, k: int = 0) -> list[torch.Tensor]:
        """[M^1 (H_1, D), ..., M^L (H_L, H_(L-1)), M^V (D, H_L)], then M^A (D, D) if direct: 0/1 floats."""
        return [M.float() for M in self._bool_masks(k)]

    def _bool_masks(self, k: int) -> list[torch.Tensor]:
        """The masks of `masks(k)` as bools, kept in a small cache (not a buffer: they are never saved)."""
        key = (k, self.ordering.device, self.ordering.cpu().numpy().tobytes())
        if key not in self._mask_cache:
            if len(self._mask_cache) >= self.num_masks:
                self._mask_cache.clear()  # the ordering or the device changed
            m = self.degrees(k)
            out = [m[i + 1][:, None] >= m[i][None, :] for i in range(len(self.hidden))]
            out.append(m[0][:, None] > m[-1][None, :])  # strict: an output never sees its own step
            if self.direct:
                out.append(m[0][:, None] > m[0][None, :])  # strict as well
            self._mask_cache[key] = out
        return self._mask_cache[key]

    def _check_mask(self, k):
        if not isinstance(k, int) or isinstance(k, bool) or not 0 <= k < self.num_masks:
            raise ValueError(
                f"mask must be an int in 0..{self.num_masks - 1} (this MADE has num_masks="
                f"{self.num_masks}); got {k!r}"
            )

    # --- one pass, every conditional -------------------------------------------------------------
    def _logits(self, x, k: int = 0) -> torch.Tensor:
        """x (B, D) -> the logit of every dimension (B, D) under mask k, in one pass."""
        M = self._bool_masks(k)
        h = x
        for layer, M_l in zip(self.hidden_layers, M):
            h = torch.relu(F.linear(h, layer.weight * M_l, layer.bias))  # (B, H_l)
        out = F.linear(h, self.output_layer.weight * M[len(self.hidden)], self.output_layer.bias)  # (B, D)
        if self.direct:
            out = out + F.linear(x, self.direct_layer.weight * M[-1])
        return out

    def forward(self, x, mask: int = 0):
        """The logit of every pixel's conditional under one mask, image layout (B, C, H, W)."""
        x = self.check_input(x)
        return self._logits(x.flatten(1), mask).view(-1, *self.shape)

    def log_prob(self, x, mask: int | None = None):
        """Exact log p(x) in nats, (B,). mask=k: that mask's model; None: the ensemble of all K masks,
        log (1/K sum_k p(x | mask k)), a mixture and so itself normalized."""
        x = self.check_input(x)
        xf = x.flatten(1)
        ks = range(self.num_masks) if mask is None else [mask]
        lp = torch.stack(
            [
                -F.binary_cross_entropy_with_logits(self._logits(xf, k), xf, reduction="none").sum(1)
                for k in ks
            ]
        )  # (K, B)
        return torch.logsumexp(lp, 0) - math.log(len(ks))

    def nll(self, x):
        """Training: -log p(x | mask t mod K) at training step t. Evaluation: the ensemble's NLL."""
        if not self.training:
            return -self.log_prob(x).mean()
        k = int(self.step) % self.num_masks
        self.step += 1
        return -self.log_prob(x, mask=k).mean()

    @torch.no_grad()
    def complete(self, x, known):
        """Fill in the unknown pixels, one pass per step. With K masks, each image first picks a mask
        uniformly at random (sampling from the mixture: exactly the ensemble's distribution when
        nothing is known), then follows that mask's ordering."""
        x = self.check_input(x).clone()
        B = x.shape[0]
        known = self._known_mask(known, B).flatten(1)  # (B, D)
        xf = x.view(B, self.dim)  # a view: writes go into x
        pick = (
            torch.randint(self.num_masks, (B,), device=x.device)
            if self.num_masks > 1
            else torch.zeros(B, dtype=torch.long, device=x.device)
        )
        for k in pick.unique().tolist():
            rows = (pick == k).nonzero().squeeze(1)
            xk, known_k = xf[rows], known[rows]
            for i in self.steps(k).tolist():
                todo = ~known_k[:, i]
                if todo.any():
                    p = torch.sigmoid(self._logits(xk, k)[:, i])
                    xk[:, i] = torch.where(todo, torch.bernoulli(p), xk[:, i])
            xf[rows] = xk
        return x

    @property
    def num_free_parameters(self) -> int:
        """The parameters mask 0 lets act: every bias, plus the entries of W^l, V and A its masks keep.

        The weights are stored dense, so `sum(p.numel() for p in model.parameters())` (=
        `num_parameters_formula()`) also counts entries that are multiplied by zero and never used,
        as FVSBN's does. With num_masks K > 1 this counts mask 0 only (each mask keeps a different set of
        entries; training uses their union over the K masks).
        """
        biases = sum(layer.bias.numel() for layer in self.hidden_layers) + self.output_layer.bias.numel()
        return biases + sum(int(M.sum().item()) for M in self._bool_masks(0))

    def num_parameters_formula(self) -> int:
        """sum_l (H_(l-1) + 1) H_l + (H_L + 1) D, plus D^2 with direct connections (H_0 = D)."""
        sizes, D = (self.dim, *self.hidden), self.dim
        layers = sum((a + 1) * b for a, b in zip(sizes[:-1], sizes[1:]))
        return layers + (sizes[-1] + 1) * D + D * D * self.direct


def log_prob_averaged_logits(model: MADE, x) -> torch.Tensor:
    """What NOT to do with an ensemble: average the K masks' logits, then score x with them.

    A well-known public implementation of MADE does this. With one ordering the averaged logit of a
    step still sees only earlier steps (another valid model, just not the mixture); with several
    orderings it sees pixels that come later in some of them, and sum_x exp(this) != 1: not a likelihood.
    """
    x = model.check_input(x)
    xf = x.flatten(1)
    logits = torch.stack([model._logits(xf, k) for k in range(model.num_masks)]).mean(0)  # (B, D)
    return -F.binary_cross_entropy_with_logits(logits, xf, reduction="none").sum(1)
