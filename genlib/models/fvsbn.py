"""The fully visible sigmoid belief network, FVSBN (chapter 04)."""
from __future__ import annotations

import torch
import torch.nn as nn

from .base import AutoregressiveModel


class FVSBN(AutoregressiveModel):
    """Fully visible sigmoid belief network (chapter 04): a logistic regression per pixel.

    p(x) = prod_j p(x_o[j] | x_o[<j]),    p(x_o[j] = 1 | x_o[<j]) = sigmoid(b_j + sum_{i<j} W_ji x_o[i])

    o is the ordering; W and b live in *ordering space* (row j of W is the j-th pixel generated),
    so the mask that hides the future is the same strictly lower-triangular matrix for every ordering.
    Free parameters: n biases + n(n-1)/2 weights = n(n+1)/2 (307,720 for 28 x 28). W is stored
    dense, n x n, so sum(p.numel() for p in model.parameters()) = n^2 + n; the other n(n-1)/2 + n
    entries are multiplied by zero and never used (see `num_free_parameters`).
    Cost: log_prob is one masked matrix product, O(n^2) per image; sampling is n steps of O(n).
    """

    pixel_kind = "binary"

    def __init__(self, shape=(1, 28, 28), ordering=None):
        super().__init__(shape, ordering)
        C, H, W = self.shape
        n = self.dim
        # steps[j] = flat index (channel, row, col) of the j-th value generated: pixels in the
        # ordering, channels 0..C-1 inside a pixel. step_of is its inverse.
        steps = (self.ordering.unsqueeze(1) + H * W * torch.arange(C)).flatten()
        self.register_buffer("steps", steps, persistent=False)
        self.register_buffer("step_of", torch.argsort(steps), persistent=False)
        self.register_buffer("mask", torch.tril(torch.ones(n, n), diagonal=-1), persistent=False)
        self.weight = nn.Parameter(torch.zeros(n, n))  # W[j, i]: weight of step i in the logit of step j
        self.bias = nn.Parameter(torch.zeros(n))       # b[j]: logit of step j when nothing is known

    @property
    def num_free_parameters(self) -> int:
        """n(n+1)/2: the biases and the weights the mask keeps (what the chapter counts)."""
        return self.bias.numel() + int(self.mask.sum().item())

    @torch.no_grad()
    def start_from_independent(self, x, alpha: float = 1.0):
        """Start training from the independent model (chapter 02): W = 0, b = its closed-form fit.

        b_j = logit of the (Laplace-smoothed by alpha) frequency of pixel o[j] in the images x.
        With W = 0 the FVSBN *is* the independent model; training then only learns dependencies.
        """
        x = self.check_input(x)
        p = (x.flatten(1).sum(0) + alpha) / (x.shape[0] + 2 * alpha)   # (n,) in image layout
        self.bias.copy_(torch.logit(p)[self.steps])
        self.weight.zero_()
        return self

    def forward(self, x):
        """The logit of every pixel's conditional, in image layout (B, C, H, W)."""
        x = self.check_input(x)
        x_o = x.flatten(1)[:, self.steps]                               # (B, n), in generation order
        logits_o = x_o @ (self.weight * self.mask).T + self.bias        # (B, n), mask applied functionally
        return logits_o[:, self.step_of].view(-1, *self.shape)          # back to image layout

    @torch.no_grad()
    def complete(self, x, known):
        """Fill in unknown pixels in the model's ordering: one pass over the n steps, O(n^2) in all.

        A running logit a[:, j] collects sum_{i<j} W_ji x_o[i]; once step j is drawn (or known),
        its column of W is added to the logits of every later step.
        """
        x = self.check_input(x)
        known = self._known_mask(known, x.shape[0])
        x_o = x.flatten(1)[:, self.steps].clone()                       # (B, n)
        known_o = known.flatten(1)[:, self.steps]                       # (B, n)
        W = self.weight * self.mask                                     # (n, n)
        a = self.bias.expand(x.shape[0], -1).clone()                    # (B, n) running logits
        for j in range(self.dim):
            drawn = torch.bernoulli(torch.sigmoid(a[:, j]))
            x_o[:, j] = torch.where(known_o[:, j], x_o[:, j], drawn)
            a[:, j + 1:] += x_o[:, j:j + 1] * W[j + 1:, j]              # pixel j joins every later context
        return x_o[:, self.step_of].view(-1, *self.shape)
