"""PixelCNN (chapter 06; van den Oord, Kalchbrenner & Kavukcuoglu, 2016).

A `PixelModel` (genlib/models/pixel.py) whose core is a stack of residual blocks of masked 3x3
convolutions: no recurrence, so every conditional of a pass is computed in parallel, but the
receptive field grows by one pixel per layer and has a blind spot above and to the right.
Sampling keeps, for each block, the finished rows of its 3x3 convolution's input (`Rows`), so a
step computes one row per layer, not the whole image.
"""
from __future__ import annotations

import torch.nn as nn

from .masked import MaskedConv2d
from .pixel import PixelModel, Rows, rows_up_to


class PixelCNN(PixelModel):
    """PixelCNN (chapter 06): masked 3x3 convolutions only, so every pixel is computed in parallel.

    p(x) = prod_i prod_c p(x_i,c | x_<i, x_i,<c),  but the receptive field grows by one pixel per
    layer and misses a blind spot above and to the right.  Cost of a pass: O(B H W h^2 layers), no loop.
    """

    def __init__(self, shape=(1, 28, 28), levels=2, layers=6, hidden=32, out_hidden=64):
        super().__init__(shape, levels, hidden, out_hidden)
        self.layers = layers
        self.blocks = nn.Sequential(*(ResidualBlock(hidden, self.shape[0]) for _ in range(layers)))

    def core(self, h, x):
        return self.blocks(h)

    def new_memory(self, x):
        H = self.shape[1]
        return {"done": 0, "rows": [Rows(x, self.hidden, H, 3) for _ in self.blocks]}

    def core_row(self, x, r, memory, keep):
        h = self.input_layer.row(rows_up_to(x, r, 3))  # (B, 2h, 1, W): the 7x7 input layer at row r
        for block, rows in zip(self.blocks, memory["rows"]):
            h = block.row(h, r, rows, keep)
        return h


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

    def row(self, x, r, rows, keep):
        """The block at row r only: x (B, 2h, 1, W); rows holds the 3x3's input at the rows above."""
        a = self.net[:3](x)                                   # ReLU, 1x1, ReLU: the 3x3's input at row r
        if keep:
            rows.keep(r, a)
        return x + self.net[4:](self.net[3].row(rows.band(r, a)))  # masked 3x3 on rows r-1, r; ReLU, 1x1
