"""The fully independent model (chapters 00 and 02)."""

from __future__ import annotations

import torch
import torch.nn as nn

from .base import GenerativeModel, check_count


class IndependentBernoulli(GenerativeModel):
    """Every pixel its own coin flip (chapter 02).

    p(x) = prod_i Bernoulli(x_i; sigmoid(theta_i))      n = C*H*W parameters.
    No pixel knows about any other, so samples look like noise around the mean image.
    """

    pixel_kind = "binary"

    def __init__(self, shape=(1, 28, 28)):
        super().__init__(shape)
        self.logits = nn.Parameter(torch.zeros(self.shape))  # (C, H, W)

    def forward(self, x):
        x = self.check_input(x)
        return self.logits.expand_as(x)  # (B, C, H, W): the same conditional for every image

    def set_pixel_logits(self, logits):
        """theta = logits: with `start_from_means(x)` the maximum-likelihood fit in closed form."""
        self.logits.copy_(logits)

    @torch.no_grad()
    def sample(self, n: int, device=None):
        p = torch.sigmoid(self.logits).to(device or self.logits.device)
        return torch.bernoulli(p.expand(check_count(n), *self.shape))

    @torch.no_grad()
    def complete(self, x, known):
        x = self.check_input(x)
        known = self._known_mask(known, x.shape[0])
        return torch.where(known, x, self.sample(x.shape[0], device=x.device))
