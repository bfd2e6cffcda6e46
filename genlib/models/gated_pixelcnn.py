"""The gated PixelCNN: a vertical and a horizontal stack close PixelCNN's blind spot (chapter 08).

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

Sampling keeps both stacks row by row, as PixelModel does (genlib/models/pixel.py): when row r is final
the vertical stack runs on it once, all layers (`finish_row`), and its link to row r + 1 is kept; a step
then computes the horizontal stack at one pixel, each 1 x k kernel reading its kept input on the left.
"""

from __future__ import annotations

import torch
import torch.nn as nn
import torch.nn.functional as F

from .base import AutoregressiveModel
from .masked import MaskedConv2d, channel_groups
from .pixel import KeptFeatures, PixelKindFromLevels, PixelModel, rows_up_to, window


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
        gate_groups = channel_groups(p, colours).repeat(2)  # a and b: the same colour groups
        self.horizontal = MaskedConv2d(
            in_channels, 2 * p, (1, k), "A" if first else "B", colours, out_groups=gate_groups
        )  # columns c-n..c of row r
        self.vertical_to_horizontal = nn.Conv2d(2 * p, 2 * p, 1)
        self.horizontal_out = MaskedConv2d(p, p, 1, "B", colours)

    def forward(self, v, h):
        n = self.n
        v_pre = self.vertical(F.pad(v, (n, n, n, 0)))  # (B, 2p, H, W): rows <= r
        h_pre = self.horizontal(h) + self.vertical_to_horizontal(shift_down(v_pre))  # rows < r, or row r left
        h_out = self.horizontal_out(gate(h_pre))  # (B, p, H, W)
        return gate(v_pre), (h_out if self.first else h + h_out)  # residual after the first layer

    def vertical_row(self, v, r):
        """The vertical stack's pre-activation at row r alone, from v's rows r-n..r: (B, 2p, W)."""
        n = self.n
        band = rows_up_to(v, r, n)  # (B, in, n + 1, W)
        return F.conv2d(band, self.vertical.weight, self.vertical.bias, padding=(0, n))[:, :, 0]

    def pixel(self, h, h_pre):
        """The horizontal stack at one pixel (sampling): h (B, in) its input there, h_pre (B, 2p) its
        pre-activation (the 1 x k kernel on the pixels to the left plus the link from the row above)."""
        h_out = self.horizontal_out.at_pixels(gate(h_pre))  # (B, p)
        return h_out if self.first else h + h_out


class GatedPixelCNN(AutoregressiveModel):
    """Gated PixelCNN (chapter 08): PixelCNN's factorization without the blind spot.

    p(x) = prod_i prod_c p(x_i,c | x_<i, x_i,<c),  every conditional from one forward pass.
    Layer 1 reaches 3 pixels each way (like PixelCNN's 7x7 input layer), later layers k//2: after L
    layers a pixel sees n = 3 + (L-1)(k//2) pixels to its left, and n + 1 rows up, at least n columns
    to either side: a rectangle with no blind spot (L = 7, k = 3: 10 rows up, 9 columns
    each way). Cost of a pass: O(B H W p^2 k^2 L), no loop. Sampling keeps the features of the pixels
    drawn so far: a step costs O(B p^2 k L) (one pixel of the horizontal stack), a finished row
    O(B W p^2 k^2 L) (one row of the vertical stack), H W C steps and H rows for an image.
    levels=2: binary pixels, one logit each; levels=256: 8-bit pixels, a 256-way softmax per colour.
    """

    pixel_kind = PixelKindFromLevels()  # read from levels, as for every PixelModel
    pixel_kind_for = classmethod(PixelModel.pixel_kind_for.__func__)

    def __init__(
        self,
        shape=(1, 28, 28),
        channels: int = 32,
        layers: int = 7,
        kernel: int = 3,
        levels: int | None = 2,
        out_hidden: int = 64,
    ):
        super().__init__(shape)  # raster order: the only order these convolutions know
        if levels is None:
            levels = 2
        self.pixel_kind_for(levels=levels)  # checks levels
        C = self.shape[0]
        for name, value in (("channels", channels), ("out_hidden", out_hidden)):
            if not isinstance(value, int) or isinstance(value, bool) or value < C:
                raise ValueError(
                    f"{name} must be an int >= the number of colours {C} (each colour needs "
                    f"its own features); got {value!r}"
                )
        if not isinstance(layers, int) or isinstance(layers, bool) or layers < 1:
            raise ValueError(f"layers must be a whole number >= 1; got {layers!r}")
        if not isinstance(kernel, int) or isinstance(kernel, bool) or kernel < 3 or kernel % 2 == 0:
            raise ValueError(f"kernel must be odd and >= 3 (it needs a centre); got {kernel!r}")
        self.channels, self.layers, self.kernel, self.levels, self.out_hidden = (
            channels,
            layers,
            kernel,
            levels,
            out_hidden,
        )
        K = 1 if levels == 2 else 256
        self.stack = nn.ModuleList(
            [GatedLayer(C, channels, 7, C, first=True)]
            + [GatedLayer(channels, channels, kernel, C, first=False) for _ in range(layers - 1)]
        )
        self.output_layers = nn.Sequential(
            nn.ReLU(),
            MaskedConv2d(channels, out_hidden, 1, "B", C),
            nn.ReLU(),
            MaskedConv2d(out_hidden, C * K, 1, "B", C),
        )  # channel j predicts colour j // K

    def forward(self, x):
        """Logits of every conditional: (B, C, H, W) for levels=2, (B, 256, C, H, W) for levels=256."""
        return self._logits(self.check_input(x))

    def _logits(self, x):
        v = h = x = self._scaled(x)
        for layer in self.stack:
            v, h = layer(v, h)
        return self._to_logits(self.output_layers(h))  # from (B, C*K, H, W)

    # the input scaling and the output layout of every PixelModel, and for sampling PixelModel's loop
    # (keep every pixel before (r, c), then compute (r, c))
    _scaled, _to_logits = PixelModel._scaled, PixelModel._to_logits
    conditional, core_at = PixelModel.conditional, PixelModel.core_at
    incremental = True

    def new_memory(self, x):
        """Per layer after the first (which reads the image itself): its horizontal 1 x k kernel's input at
        the pixels kept so far and its vertical input at the rows finished so far; per layer, the link
        from the last finished row to the next."""
        B, _, H, W = x.shape
        zeros = x.new_zeros(B, 2 * self.channels, 1, W)  # row 0's link reads zeros
        return {
            "h": [KeptFeatures(x, self.channels, (1, 2 * layer.n + 1)) for layer in self.stack[1:]],
            "v": [x.new_zeros(B, self.channels, H, W) for _ in self.stack[1:]],
            "link": [layer.vertical_to_horizontal(zeros)[:, :, 0] for layer in self.stack],
        }

    def finish_row(self, x, r, memory):
        """Row r is final: the vertical stack on row r, every layer; the links become row r + 1's."""
        inputs = [x] + memory["v"]  # each layer's vertical input
        for i, layer in enumerate(self.stack):
            v_pre = layer.vertical_row(inputs[i], r)[:, :, None]  # (B, 2p, 1, W)
            memory["link"][i] = layer.vertical_to_horizontal(v_pre)[:, :, 0]
            if i + 1 < len(self.stack):
                inputs[i + 1][:, :, r] = gate(v_pre)[:, :, 0]

    def core_pixel(self, x, r, c, memory, keep):
        """The horizontal stack's output at pixel (r, c), (B, p): one pixel per layer."""
        h = x[:, :, r, c]  # (B, C)
        for i, layer in enumerate(self.stack):
            if i == 0:  # the image itself, final before (r, c): nothing to keep
                h_pre = layer.horizontal.at(window(x, r, c, 1, 2 * layer.n + 1))
            else:  # the layer's input at (r, c) is final in every colour it may see: keep it
                kept = memory["h"][i - 1]
                kept.put(r, c, h)
                h_pre = kept.conv(layer.horizontal, r, c)  # (B, 2p)
            h = layer.pixel(h, h_pre + memory["link"][i][:, :, c])
        return h
