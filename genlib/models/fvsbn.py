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
    The steps are derived from `ordering` at every call: setting `model.ordering = o` later hands
    row j of W and b to the pixel o[j] of the new ordering.
    """

    pixel_kind = "binary"

    def __init__(self, shape=(1, 28, 28), ordering=None):
        super().__init__(shape, ordering)
        n = self.dim
        self.register_buffer("mask", torch.tril(torch.ones(n, n), diagonal=-1), persistent=False)
        self.weight = nn.Parameter(torch.zeros(n, n))  # W[j, i]: weight of step i in the logit of step j
        self.bias = nn.Parameter(torch.zeros(n))  # b[j]: logit of step j when nothing is known

    @property
    def num_free_parameters(self) -> int:
        """n(n+1)/2: the biases and the weights the mask keeps (what the chapter counts)."""
        return self.bias.numel() + int(self.mask.sum().item())

    def set_pixel_logits(self, logits):
        """W = 0, b_j = logits of pixel o[j]: with `start_from_means(x)`, the independent model of chapter 02
        in closed form. With W = 0 the FVSBN *is* that model; training then only learns the dependencies."""
        self.bias.copy_(logits.flatten()[self.steps()])
        self.weight.zero_()

    def forward(self, x):
        """The logit of every pixel's conditional, in image layout (B, C, H, W)."""
        x = self.check_input(x)
        steps = self.steps()  # derived from self.ordering
        x_o = x.flatten(1)[:, steps]  # (B, n), in generation order
        logits_o = x_o @ (self.weight * self.mask).T + self.bias  # (B, n), mask applied functionally
        logits = torch.empty_like(logits_o)
        logits[:, steps] = logits_o  # back to image layout
        return logits.view(-1, *self.shape)

    def conditional(self, x, j, cache):
        """The logit of step j alone, b_j + sum_{i<j} W_ji x_o[i]: one row of W, O(n) (sampling: O(n^2))."""
        earlier = cache["steps"][:j]
        return self.bias[j] + x.flatten(1)[:, earlier] @ (self.weight[j, :j] * self.mask[j, :j])
