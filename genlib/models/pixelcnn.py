"""PixelCNN (chapter 08; van den Oord, Kalchbrenner & Kavukcuoglu, 2016).

A `PixelModel` (genlib/models/pixel.py) whose core is a stack of residual blocks of masked 3x3
convolutions: no recurrence, so every conditional of a pass is computed in parallel, but the
receptive field grows by one pixel per layer and has a blind spot above and to the right.
Sampling keeps, for each block, its 3x3 convolution's input at the pixels drawn so far (`KeptFeatures`),
so a step computes one pixel per layer, not the whole image.
"""

from __future__ import annotations

import torch.nn as nn

from .masked import MaskedConv2d
from .pixel import KeptFeatures, PixelModel


class PixelCNN(PixelModel):
    """PixelCNN (chapter 08): masked 3x3 convolutions only, so every pixel is computed in parallel.

    p(x) = prod_i prod_c p(x_i,c | x_<i, x_i,<c),  but the receptive field grows by one pixel per
    layer and misses a blind spot above and to the right.  Cost of a pass: O(B H W h^2 layers), no loop.
    Sampling keeps each block's 3x3 input at the pixels drawn so far: O(B h^2 layers) a step.
    """

    def __init__(self, shape=(1, 28, 28), levels=2, layers=6, hidden=32, out_hidden=64):
        super().__init__(shape, levels, hidden, out_hidden)
        self.layers = layers
        self.blocks = nn.Sequential(*(ResidualBlock(hidden, self.shape[0]) for _ in range(layers)))

    def core(self, h, x):
        return self.blocks(h)

    def new_memory(self, x):  # per block, its 3x3 convolution's input at the pixels computed so far
        return {"blocks": [KeptFeatures(x, self.hidden, (3, 3)) for _ in self.blocks]}

    def core_pixel(self, x, r, c, memory, keep):
        h = self.input_at(x, r, c)  # (B, 2h)
        for block, kept in zip(self.blocks, memory["blocks"]):
            h = block.pixel(h, r, c, kept)
        return h


class ResidualBlock(nn.Module):
    """PixelCNN's residual block: ReLU, 1x1 (2h -> h), ReLU, masked 3x3 (h -> h), ReLU, 1x1 (h -> 2h), + x."""

    def __init__(self, hidden, colours):
        super().__init__()
        self.net = nn.Sequential(
            nn.ReLU(),
            MaskedConv2d(2 * hidden, hidden, 1, "B", colours),
            nn.ReLU(),
            MaskedConv2d(hidden, hidden, 3, "B", colours),
            nn.ReLU(),
            MaskedConv2d(hidden, 2 * hidden, 1, "B", colours),
        )

    def forward(self, x):
        return x + self.net(x)

    def pixel(self, x, r, c, kept):
        """The block at one pixel (sampling): x (B, 2h); kept holds the 3x3's input at earlier pixels."""
        relu, down, _, conv, _, up = self.net
        kept.put(r, c, relu(down.at_pixels(relu(x))))  # the 3x3's input at (r, c), (B, h)
        return x + up.at_pixels(relu(kept.conv(conv, r, c)))  # masked 3x3 on rows r-1, r; ReLU, 1x1
