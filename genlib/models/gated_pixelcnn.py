"""The gated PixelCNN: a vertical and a horizontal stack close PixelCNN's blind spot (chapter 07).

van den Oord, Kalchbrenner, Vinyals, Espeholt, Graves & Kavukcuoglu (2016), Conditional Image
Generation with PixelCNN Decoders, NeurIPS.

PixelCNN's masked 3x3 kernels never reach the pixels above and to the right of a growing cone: its
blind spot. Here two stacks of convolutions run side by side:

    vertical stack:   a (k//2 + 1) x k kernel over the rows ABOVE and the current row, every column
                      in reach, the future of row r included, so it is only ever used shifted down a row;
    horizontal stack: a 1 x k kernel over the current row, masked so it sees the pixels to the LEFT
                      (mask A in the first layer: not the pixel itself; mask B later), plus the vertical
                      stack's features from the row above (the link shifted down a row);
    gates:            y = tanh(a) * sigmoid(b) on both stacks, a residual connection in the horizontal one.

Together a pixel sees every row above (as far as the layers reach) and every pixel to its left.
"""
from __future__ import annotations

import torch
import torch.nn as nn
import torch.nn.functional as F

from .base import AutoregressiveModel
from .masked import MaskedConv2d, channel_groups
from .pixel import PixelKindFromLevels, PixelModel


def gate(a: torch.Tensor) -> torch.Tensor:
    """The gated activation: (B, 2p, H, W) -> tanh(first p maps) * sigmoid(last p maps), (B, p, H, W)."""
    a, b = a.chunk(2, 1)
    return torch.tanh(a) * torch.sigmoid(b)


def shift_down(v: torch.Tensor) -> torch.Tensor:
    """Row r gets row r - 1 (row 0 gets zeros): features of rows <= r become features of rows < r."""
    return F.pad(v, (0, 0, 1, 0))[:, :, :-1]


class GatedLayer(nn.Module):
    """One layer of both stacks. v, h: (B, in, H, W) -> (B, p, H, W) each.

    v(r, c) depends on pixels in rows <= r; h(r, c) on the pixels before (r, c) in raster order
    (and, with colours, on the earlier colours of (r, c) itself: the groups of masked.py).
    """

    def __init__(self, in_channels, p, k, colours, first):
        super().__init__()
        self.n, self.first = k // 2, first
        self.vertical = nn.Conv2d(in_channels, 2 * p, (k // 2 + 1, k))  # rows r-n..r, columns c-n..c+n
        gate_groups = channel_groups(p, colours).repeat(2)                # a and b: the same colour groups
        self.horizontal = MaskedConv2d(in_channels, 2 * p, (1, k), "A" if first else "B", colours,
                                       out_groups=gate_groups)            # columns c-n..c of row r
        self.vertical_to_horizontal = nn.Conv2d(2 * p, 2 * p, 1)
        self.horizontal_out = MaskedConv2d(p, p, 1, "B", colours)

    def forward(self, v, h):
        n = self.n
        v_pre = self.vertical(F.pad(v, (n, n, n, 0)))                     # (B, 2p, H, W): rows <= r
        h_pre = self.horizontal(h) + self.vertical_to_horizontal(shift_down(v_pre))  # rows < r, or row r left
        h_out = self.horizontal_out(gate(h_pre))                          # (B, p, H, W)
        return gate(v_pre), (h_out if self.first else h + h_out)          # residual after the first layer


class GatedPixelCNN(AutoregressiveModel):
    """Gated PixelCNN (chapter 07): PixelCNN's factorization without the blind spot.

    p(x) = prod_i prod_c p(x_i,c | x_<i, x_i,<c),  every conditional from one forward pass.
    Layer 1 reaches 3 pixels each way (like PixelCNN's 7x7 input layer), later layers k//2: after L
    layers a pixel sees n = 3 + (L-1)(k//2) pixels to its left, and n + 1 rows up, at least n columns
    to either side: a rectangle with no blind spot (L = 7, k = 3: 10 rows up, 9 columns
    each way). Cost of a pass: O(B H W p^2 k^2 L), no loop; sampling: H W C passes.
    levels=2: binary pixels, one logit each; levels=256: 8-bit pixels, a 256-way softmax per colour.
    """

    pixel_kind = PixelKindFromLevels()  # read from levels, as for every PixelModel
    pixel_kind_for = classmethod(PixelModel.pixel_kind_for.__func__)

    def __init__(self, shape=(1, 28, 28), channels: int = 32, layers: int = 7, kernel: int = 3,
                 levels: int | None = 2, out_hidden: int = 64):
        super().__init__(shape)  # raster order: the only order these convolutions know
        if levels is None:
            levels = 2
        self.pixel_kind_for(levels=levels)  # checks levels
        C = self.shape[0]
        for name, value in (("channels", channels), ("out_hidden", out_hidden)):
            if not isinstance(value, int) or isinstance(value, bool) or value < C:
                raise ValueError(f"{name} must be an int >= the number of colours {C} (each colour needs "
                                 f"its own features); got {value!r}")
        if not isinstance(layers, int) or isinstance(layers, bool) or layers < 1:
            raise ValueError(f"layers must be a whole number >= 1; got {layers!r}")
        if not isinstance(kernel, int) or isinstance(kernel, bool) or kernel < 3 or kernel % 2 == 0:
            raise ValueError(f"kernel must be odd and >= 3 (it needs a centre); got {kernel!r}")
        self.channels, self.layers, self.kernel, self.levels, self.out_hidden = (
            channels, layers, kernel, levels, out_hidden)
        K = 1 if levels == 2 else 256
        self.stack = nn.ModuleList([GatedLayer(C, channels, 7, C, first=True)] +
                                   [GatedLayer(channels, channels, kernel, C, first=False)
                                    for _ in range(layers - 1)])
        self.output_layers = nn.Sequential(
            nn.ReLU(), MaskedConv2d(channels, out_hidden, 1, "B", C),
            nn.ReLU(), MaskedConv2d(out_hidden, C * K, 1, "B", C))  # channel j predicts colour j // K

    def forward(self, x):
        """Logits of every conditional: (B, C, H, W) for levels=2, (B, 256, C, H, W) for levels=256."""
        return self._logits(self.check_input(x))

    def _logits(self, x):
        x = x if self.levels == 2 else x / 127.5 - 1                # 8-bit pixels scaled to [-1, 1]
        v = h = x
        for layer in self.stack:
            v, h = layer(v, h)
        out = self.output_layers(h)                                  # (B, C*K, H, W)
        if self.levels == 2:
            return out
        B, _, H, W = out.shape
        return out.view(B, self.shape[0], 256, H, W).transpose(1, 2)  # (B, 256, C, H, W)

    def conditional(self, x, d, cache):
        """The sampling loop's hook (genlib.models.base): row r depends on rows <= r only, so the pass
        for a pixel in row r runs on rows 0..r alone."""
        C, H, W = self.shape
        ch, i = divmod(int(cache["steps"][d]), H * W)
        r, c = divmod(i, W)
        out = self._logits(x[:, :, : r + 1])
        return out[:, ch, r, c] if self.levels == 2 else out[:, :, ch, r, c]
