"""Masked convolutions: a convolution that cannot look at the future (chapter 07).

Pixels are generated in raster order and, inside a pixel, colour by colour:

    p(x) = prod_i p(x_i,R | x_<i) p(x_i,G | x_<i, x_i,R) p(x_i,B | x_<i, x_i,R, x_i,G)

A kernel centred on pixel i may use every row above and the pixels to the left of i.
At the centre itself the feature maps are split into C groups (R, G, B for C = 3):

    mask A (first layer):  output group g sees input groups < g    (a colour never sees itself)
    mask B (later layers): output group g sees input groups <= g   (features of g already exclude x_i,g)

The mask is applied functionally, F.conv2d(x, weight * mask), so the gradient of a masked
weight is zero as well and no optimizer step can bring a forbidden connection back.
"""

from __future__ import annotations

import math

import torch
import torch.nn as nn
import torch.nn.functional as F


def channel_groups(n: int, colours: int) -> torch.Tensor:
    """The colour group of each of n channels, in contiguous blocks: n=6, colours=3 -> [0,0,1,1,2,2]."""
    return torch.arange(n) * colours // n


def causal_mask(out_groups, in_groups, kernel, kind: str) -> torch.Tensor:
    """A 0/1 mask (out, in, kh, kw) for a kernel centred on the pixel being predicted.

    out_groups, in_groups: the colour group of each output / input channel.
    """
    if kind not in ("A", "B"):
        raise ValueError(f"mask kind must be 'A' (first layer) or 'B' (later layers); got {kind!r}")
    kh, kw = kernel
    if kh % 2 == 0 or kw % 2 == 0:
        raise ValueError(f"masked kernels need odd sizes so they have a centre; got {kh}x{kw}")
    mask = torch.zeros(len(out_groups), len(in_groups), kh, kw)
    mask[:, :, : kh // 2, :] = 1  # every row above the centre
    mask[:, :, kh // 2, : kw // 2] = 1  # the pixels left of the centre in its row
    g_out, g_in = out_groups[:, None], in_groups[None, :]
    mask[:, :, kh // 2, kw // 2] = (g_out > g_in).float() if kind == "A" else (g_out >= g_in).float()
    return mask


class MaskedConv2d(nn.Module):
    """A kh x kw convolution ('same' padding) that sees only the past: conv2d(x, weight * mask).

    colours: C, the number of image channels (the groups at the centre); out_groups overrides
    the group of each output channel (the LSTM gates: four blocks that each repeat the groups).
    """

    def __init__(self, in_channels, out_channels, kernel, kind, colours, out_groups=None):
        super().__init__()
        kernel = (kernel, kernel) if isinstance(kernel, int) else tuple(kernel)
        self.padding = (kernel[0] // 2, kernel[1] // 2)
        self.weight = nn.Parameter(torch.empty(out_channels, in_channels, *kernel))
        self.bias = nn.Parameter(torch.zeros(out_channels))
        nn.init.kaiming_uniform_(self.weight, a=math.sqrt(5))  # the default of nn.Conv2d
        if out_groups is None:
            out_groups = channel_groups(out_channels, colours)
        mask = causal_mask(out_groups, channel_groups(in_channels, colours), kernel, kind)
        self.register_buffer("mask", mask, persistent=False)

    def forward(self, x):
        return F.conv2d(x, self.weight * self.mask, self.bias, padding=self.padding)

    def top(self):
        """The masked kernel's rows above and at the centre, (out, in, kh//2 + 1, kw): the rest is zero."""
        return (self.weight * self.mask)[:, :, : self.weight.shape[2] // 2 + 1]

    def row(self, band):
        """The output at the LAST row of band (B, in, kh//2 + 1, W): that row and the kh//2 rows above it,
        zero columns around as in forward. Rows below the centre are masked, so a row of output needs no
        row below it (incremental sampling: genlib/models/pixel.py). Returns (B, out, 1, W)."""
        return F.conv2d(band, self.top(), self.bias, padding=(0, self.weight.shape[3] // 2))

    def at(self, window):
        """The output at the centre of one window (B, in, kh//2 + 1, kw) (`pixel.window`): (B, out).
        The same sum as the convolution, written as one matrix product (faster for a single pixel)."""
        return F.linear(window.flatten(1), self.top().flatten(1), self.bias)

    def at_pixels(self, v):
        """A 1x1 masked convolution on the features of single pixels: v (..., in) -> (..., out)."""
        if self.weight.shape[2:] != (1, 1):
            kernel = tuple(self.weight.shape[2:])
            raise ValueError(f"at_pixels is for 1x1 convolutions; this kernel is {kernel}: use row()")
        return F.linear(v, (self.weight * self.mask)[:, :, 0, 0], self.bias)
