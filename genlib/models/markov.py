"""AR(k) with lookup tables: each pixel depends on the k pixels generated just before it (chapter 03)."""

from __future__ import annotations

import torch
import torch.nn as nn
import torch.nn.functional as F

from .. import counting
from .base import AutoregressiveModel

MAX_PARAMETERS = 100_000_000  # 400 MB of float32: k = 16 on 28x28 needs 50,397,183
LOGIT_MAX = 25.0  # alpha = 0 can give probabilities 0 and 1; we stop at sigmoid(+-25) so log 0 never occurs


class MarkovTable(AutoregressiveModel):
    """AR(k): an order-k Markov chain over the pixels, one lookup table per pixel (chapter 03).

    p(x) = prod_j p(x_o[j] | x_o[j-k], ..., x_o[j-1]),   p(x_o[j] = 1 | context c) = sigmoid(theta[j, c])
    Pixel j has min(j, k) parents, so its table has 2**min(j, k) rows: sum_j 2**min(j, k) parameters
    (n for k = 0, 2n - 1 for k = 1, 2**n - 1 for k = n - 1: the full chain rule).
    The context c is the k previous pixels read as a binary number; log p(x) costs O(n k) per image.
    """

    pixel_kind = "binary"

    def __init__(self, shape=(1, 28, 28), k: int = 1, ordering=None, alpha: float = 1.0):
        super().__init__(shape, ordering)
        if self.shape[0] != 1:
            raise ValueError(f"MarkovTable models one binary channel; got shape {self.shape}")
        n = self.num_pixels
        if isinstance(k, bool) or not isinstance(k, int) or not 0 <= k < max(n, 1):
            raise ValueError(
                f"k is the number of previous pixels each pixel sees: an int from 0 to "
                f"n - 1 = {n - 1} for a {self.shape[1]}x{self.shape[2]} image; got {k!r}"
            )
        size = counting.markov_table(n, k)
        if size > MAX_PARAMETERS:
            raise ValueError(
                f"AR({k}) on {n} pixels needs {size:,} table entries "
                f"({4 * size / 2**30:.1f} GiB); the limit is {MAX_PARAMETERS:,}. Use a smaller k"
            )
        if alpha < 0:
            raise ValueError(f"alpha is a pseudo-count (Laplace smoothing) and must be >= 0; got {alpha}")
        self.k, self.alpha = k, float(alpha)
        rows = 2 ** torch.arange(n).clamp(max=k)  # 2**min(j, k) rows at step j
        self.register_buffer(
            "offset", torch.cumsum(rows, 0) - rows, persistent=False
        )  # where step j's table starts
        self.register_buffer(
            "powers", 2 ** torch.arange(k - 1, -1, -1), persistent=False
        )  # x_o[j-k] ... x_o[j-1]
        self.logits = nn.Parameter(torch.zeros(size))  # all tables, one after another

    def _context(self, xo):
        """Table row of every step: the k previous pixels as a binary number.
        xo: (B, n) in generation order."""
        n = xo.shape[1]
        padded = F.pad(xo, (self.k, 0))  # (B, k + n), zeros before step 0
        windows = padded.unfold(1, self.k, 1)[:, :n] if self.k else padded[:, :n, None][..., :0]  # (B, n, k)
        return (windows.long() * self.powers).sum(-1), windows  # (B, n), (B, n, k)

    def forward(self, x):
        x = self.check_input(x)
        B = x.shape[0]
        xo = x.flatten(1)[:, self.ordering]  # (B, n) in generation order
        ctx, windows = self._context(xo)
        idx = self.offset + ctx  # (B, n)
        out = self.logits[idx]
        if x.requires_grad:
            # The table as a multilinear polynomial in its context bits: the same value, and
            # d out_j / d x_o[j-i] = theta[c with bit i set] - theta[c with bit i clear].
            bits = (ctx.unsqueeze(-1) // self.powers) % 2  # (B, n, k)
            up = self.logits[(idx.unsqueeze(-1) + (1 - bits) * self.powers).clamp(max=len(self.logits) - 1)]
            down = self.logits[idx.unsqueeze(-1) - bits * self.powers]
            step, slot = torch.arange(self.num_pixels, device=x.device), torch.arange(self.k, device=x.device)
            real = step.unsqueeze(-1) >= self.k - slot  # (n, k): slot holds a pixel, not padding
            out = out + ((windows - windows.detach()) * (up - down) * real).sum(-1)
        logits = torch.empty_like(out)
        logits[:, self.ordering] = out  # back to row-major pixels
        return logits.view(B, *self.shape)

    @torch.no_grad()
    def counts(self, x):
        """(ones, total): for every table row, how often its context occurred and how often x = 1 followed."""
        x = self.check_input(x).to(self.logits.device)
        xo = x.flatten(1)[:, self.ordering]
        idx = (self.offset + self._context(xo)[0]).flatten()
        size = len(self.logits)
        return torch.bincount(idx, weights=xo.flatten().double(), minlength=size), torch.bincount(
            idx, minlength=size
        ).double()

    @torch.no_grad()
    def fit_counts(self, x, alpha: float | None = None):
        """The maximum-likelihood tables in closed form: p(1 | c) = (ones(c) + alpha) / (total(c) + 2 alpha).

        alpha = 0 is the exact MLE, the empirical conditional frequency (a context never seen gets 1/2);
        alpha > 0 adds alpha imaginary 0s and 1s to every row (Laplace smoothing).
        """
        return self.set_tables(*self.counts(x), alpha=alpha)

    @torch.no_grad()
    def set_tables(self, ones, total, alpha: float | None = None):
        """Tables from counts (as returned by `counts`): lets you try many alphas while counting once."""
        alpha = self.alpha if alpha is None else float(alpha)
        if alpha < 0:
            raise ValueError(f"alpha is a pseudo-count and must be >= 0; got {alpha}")
        if ones.shape != self.logits.shape or total.shape != self.logits.shape:
            raise ValueError(
                f"counts must have one entry per table row ({len(self.logits):,}); got "
                f"{tuple(ones.shape)} and {tuple(total.shape)}. Use model.counts(x)"
            )
        p = torch.where(total + 2 * alpha > 0, (ones + alpha) / (total + 2 * alpha).clamp_min(1e-300), 0.5)
        self.logits.copy_(torch.logit(p).clamp(-LOGIT_MAX, LOGIT_MAX).to(self.logits.dtype))
        return self

    def conditional(self, x, j, cache):
        """The logit of step j: one table look-up per image, the row named by the k values before it."""
        previous = x.flatten(1)[:, cache["steps"][max(0, j - self.k) : j]]  # (B, min(j, k))
        ctx = (previous.long() * self.powers[max(0, self.k - j) :]).sum(1)
        return self.logits[self.offset[j] + ctx]
