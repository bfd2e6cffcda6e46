"""PixelCNN (chapter 07; van den Oord, Kalchbrenner & Kavukcuoglu, 2016).

A `PixelModel` (genlib/models/pixel.py) whose core is a stack of residual blocks of masked 3x3
convolutions: no recurrence, so every conditional of a pass is computed in parallel, but the
receptive field grows by one pixel per layer and has a blind spot above and to the right.
"""
from __future__ import annotations

import torch.nn as nn

from .masked import MaskedConv2d
from .pixel import PixelModel


class PixelCNN(PixelModel):
    """PixelCNN (chapter 07): masked 3x3 convolutions only, so every pixel is computed in parallel.

    p(x) = prod_i prod_c p(x_i,c | x_<i, x_i,<c),  but the receptive field grows by one pixel per
    layer and misses a blind spot above and to the right.  Cost of a pass: O(B H W h^2 layers), no loop.
    """

    def __init__(self, shape=(1, 28, 28), levels=2, layers=6, hidden=32, out_hidden=64):
        super().__init__(shape, levels, hidden, out_hidden)
        self.layers = layers
        self.blocks = nn.Sequential(*(ResidualBlock(hidden, self.shape[0]) for _ in range(layers)))

    def core(self, h, x):
        return self.blocks(h)


class ResidualBlock(nn.Module):
    """PixelCNN's residual block: ReLU, 1x1 (2h -> h), ReLU, masked 3x3 (h -> h), ReLU, 1x1 (h -> 2h), + x."""

    def __init__(self, hidden, colours):
        super().__init__()
        self.net = nn.Sequential(
            nn.ReLU(), MaskedConv2d(2 * hidden, hidden, 1, "B", colours),
            nn.ReLU(), MaskedConv2d(hidden, hidden, 3, "B", colours),
            nn.ReLU(), MaskedConv2d(hidden, 2 * hidden, 1, "B", colours))

    def forward(self, x):
        return x + self.net(x)
