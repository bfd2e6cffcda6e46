"""PixelRNN: Row LSTM, Diagonal BiLSTM and PixelCNN (chapter 06).

van den Oord, Kalchbrenner & Kavukcuoglu (2016), Pixel Recurrent Neural Networks, ICML.
All three factorize an image of n pixels and C colours in raster order, colour by colour:

    p(x) = prod_i p(x_i,R | x_<i) p(x_i,G | x_<i, x_i,R) p(x_i,B | x_<i, x_i,R, x_i,G)

and share one architecture around a different core:

    x -> 7x7 conv, mask A (2h maps) -> [core layer + residual] x layers -> ReLU, 1x1 conv B -> ReLU, 1x1 conv B
    -> logits: sigmoid per channel (levels=2) or a 256-way softmax per channel (levels=256)

Every conditional comes out of ONE forward pass (training is parallel over pixels), but
sampling needs one forward pass per pixel and channel: n * C passes for one image.
"""
from __future__ import annotations

import torch
import torch.nn as nn
import torch.nn.functional as F

from .base import AutoregressiveModel
from .masked import MaskedConv2d, channel_groups


class _PixelModel(AutoregressiveModel):
    """What the three models share: levels, the mask-A input layer, the output layers, sampling."""

    pixel_kind = "binary"

    def __init__(self, shape, levels, hidden, out_hidden):
        super().__init__(shape)  # raster order, the only order a masked convolution knows
        if levels not in (2, 256):
            raise ValueError(f"levels must be 2 (binary pixels, sigmoid outputs) or 256 (8-bit pixels, "
                             f"a 256-way softmax per channel); got {levels!r}")
        for name, value in (("hidden", hidden), ("out_hidden", out_hidden)):
            if not isinstance(value, int) or value < self.shape[0]:
                raise ValueError(f"{name} must be an int >= the number of channels {self.shape[0]} "
                                 f"(each colour needs its own features); got {value!r}")
        self.levels, self.hidden, self.out_hidden = levels, hidden, out_hidden
        self.pixel_kind = "binary" if levels == 2 else "8bit"
        C, K = self.shape[0], (1 if levels == 2 else 256)
        self.input_layer = MaskedConv2d(C, 2 * hidden, 7, "A", C)  # 2h feature maps
        self.output_layers = nn.Sequential(
            nn.ReLU(), MaskedConv2d(2 * hidden, out_hidden, 1, "B", C),
            nn.ReLU(), MaskedConv2d(out_hidden, C * K, 1, "B", C))  # channel k predicts colour k // K

    def core(self, h, x):
        """The model's layers: features h (B, 2h, H, W) of the past -> features (B, 2h, H, W)."""
        raise NotImplementedError

    def forward(self, x):
        """Logits of every conditional: (B, C, H, W) for levels=2, (B, 256, C, H, W) for levels=256."""
        return self._logits(self.check_input(x))

    def _logits(self, x):
        x = x if self.levels == 2 else x / 127.5 - 1  # 8-bit pixels scaled to [-1, 1]
        out = self.output_layers(self.core(self.input_layer(x), x))  # (B, C*K, H, W)
        if self.levels == 2:
            return out
        B, _, H, W = out.shape
        return out.view(B, self.shape[0], 256, H, W).transpose(1, 2)  # (B, 256, C, H, W)

    @torch.no_grad()
    def complete(self, x, known):
        """Raster order, colour by colour: one forward pass per unknown pixel and channel.

        The pass for row r only needs rows 0..r (the model is causal), so it runs on x[:, :, :r+1].
        """
        x = self.check_input(x).clone()
        known = self._known_mask(known, x.shape[0])
        C, H, W = self.shape
        was_training = self.training
        self.eval()
        for r in range(H):
            for c in range(W):
                for ch in range(C):
                    todo = ~known[:, ch, r, c]
                    if not todo.any():
                        continue
                    out = self._logits(x[:, :, : r + 1])
                    at = out[:, ch, r, c] if self.levels == 2 else out[:, :, ch, r, c]
                    x[:, ch, r, c] = torch.where(todo, self._draw(at), x[:, ch, r, c])
        self.train(was_training)
        return x


def _lstm_step(gates, c):
    """One LSTM update from pre-activations (..., 4h) = [o, f, i, g] and the previous cell c (..., h)."""
    o, f, i, g = gates.chunk(4, -1)
    c = torch.sigmoid(f) * c + torch.sigmoid(i) * torch.tanh(g)
    return torch.sigmoid(o) * torch.tanh(c), c


def _gate_groups(hidden, colours):
    """Colour group of the 4h gate channels [o, f, i, g]: each gate repeats the groups of h."""
    return channel_groups(hidden, colours).repeat(4)


# --- Row LSTM ------------------------------------------------------------------------------
class RowLSTMLayer(nn.Module):
    """Rows top to bottom; one LSTM step computes a whole row (for the whole batch).

    input-to-state: a masked 1 x k convolution along the row, for all rows at once  (B, 4h, H, W)
    state-to-state: a 3 x 1 convolution over the previous row's hidden state; written as a linear
                    map of [state left, state above, state right], which is the same thing, only faster
    """

    def __init__(self, hidden, colours, k=3):
        super().__init__()
        self.hidden = hidden
        self.input_to_state = MaskedConv2d(2 * hidden, 4 * hidden, (1, k), "B", colours,
                                           out_groups=_gate_groups(hidden, colours))
        self.state_to_state = nn.Linear(3 * hidden, 4 * hidden)
        self.up = MaskedConv2d(hidden, 2 * hidden, 1, "B", colours)  # h -> 2h for the residual

    def forward(self, x):  # x: (B, 2h, H, W)
        B, _, H, W = x.shape
        gates_in = self.input_to_state(x).permute(2, 0, 3, 1).unbind(0)  # H rows, each (B, W, 4h)
        h = c = x.new_zeros(B, W, self.hidden)
        rows = []
        for r in range(H):
            padded = F.pad(h, (0, 0, 1, 1))  # (B, W + 2, h)
            window = torch.cat([padded[:, :-2], padded[:, 1:-1], padded[:, 2:]], 2)  # (B, W, 3h)
            h, c = _lstm_step(gates_in[r] + self.state_to_state(window), c)  # (B, W, h)
            rows.append(h)
        return x + self.up(torch.stack(rows, 1).permute(0, 3, 1, 2))  # residual connection


class RowLSTM(_PixelModel):
    """Row LSTM (chapter 06): each pixel sees a triangle of rows above it (and k//2 pixels to its left per layer).

    p(x) = prod_i prod_c p(x_i,c | x_<i, x_i,<c),  conditionals from one forward pass.
    Cost of a pass: H sequential LSTM steps per layer, each O(B W h^2 k).
    """

    def __init__(self, shape=(1, 28, 28), levels=2, layers=2, hidden=16, k=3, out_hidden=64):
        super().__init__(shape, levels, hidden, out_hidden)
        if not isinstance(k, int) or k < 3 or k % 2 == 0:
            raise ValueError(f"k, the width of the row convolution, must be odd and >= 3; got {k!r}")
        self.layers, self.k = layers, k
        self.lstm_layers = nn.ModuleList(RowLSTMLayer(hidden, self.shape[0], k) for _ in range(layers))

    def core(self, h, x):
        for layer in self.lstm_layers:
            h = layer(h)
        return h


# --- Diagonal BiLSTM -------------------------------------------------------------------------
def skew(x):
    """(B, F, H, W) -> (B, F, H, W + H - 1): row r shifted right by r, so diagonals become columns.

    Pad each row with H zeros and re-read the same numbers with rows one shorter: then
    row r starts r places later. (A loop over rows does the same, only slower.)
    """
    B, F_, H, W = x.shape
    flat = F.pad(x, (0, H)).flatten(2)  # (B, F, H * (W + H))
    return flat[:, :, : H * (W + H - 1)].view(B, F_, H, W + H - 1)


def unskew(s, W):
    """The inverse of skew: (B, F, H, W + H - 1) -> (B, F, H, W), re-reading rows one longer."""
    B, F_, H, S = s.shape
    flat = F.pad(s.flatten(2), (0, H))  # (B, F, H * (S + 1))
    return flat.view(B, F_, H, S + 1)[:, :, :, :W]


class DiagonalLSTM(nn.Module):
    """One direction of the Diagonal BiLSTM: pixel (r, c) gets the state of (r-1, c) and (r, c-1).

    On the skewed map, a diagonal is a column, so one LSTM step computes a whole diagonal, and
    the state-to-state convolution is 2 x 1 down the column (the cell above, the cell itself).
    Context: every pixel (r', c') with r' <= r and c' <= c.
    pixel_to_state: a 1x1 convolution of the image itself, for a direction whose output is shifted
    down a row (there every channel of the pixel at (r, c) is in the past).
    """

    def __init__(self, hidden, colours, sees_own_pixel=False):
        super().__init__()
        self.hidden = hidden
        self.input_to_state = MaskedConv2d(2 * hidden, 4 * hidden, 1, "B", colours,
                                           out_groups=_gate_groups(hidden, colours))
        self.pixel_to_state = nn.Conv2d(colours, 4 * hidden, 1, bias=False) if sees_own_pixel else None
        self.state_to_state = nn.Linear(2 * hidden, 4 * hidden)  # the 2 x 1 column convolution

    def forward(self, x, pixels=None):  # x: (B, 2h, H, W), pixels: (B, C, H, W)
        B, _, H, W = x.shape
        gates_in = self.input_to_state(x)  # (B, 4h, H, W)
        if self.pixel_to_state is not None:
            gates_in = gates_in + self.pixel_to_state(pixels)
        gates_in = skew(gates_in).permute(3, 0, 2, 1).unbind(0)  # W + H - 1 diagonals, each (B, H, 4h)
        h = c = x.new_zeros(B, H, self.hidden)
        columns = []
        for j in range(W + H - 1):
            above = F.pad(h, (0, 0, 1, 0))[:, :-1]  # (B, H, h): the state one row up, zero above row 0
            h, c = _lstm_step(gates_in[j] + self.state_to_state(torch.cat([above, h], 2)), c)
            columns.append(h)  # (B, H, h)
        return unskew(torch.stack(columns, 3).transpose(1, 2), W)  # (B, h, H, W)


class DiagonalBiLSTMLayer(nn.Module):
    """Two diagonal LSTMs, left-to-right and right-to-left (the width flipped), added.

    The right-to-left one sees (r' <= r, c' >= c), which includes future pixels of row r, so its
    output is shifted down one row: then it sees (r' < r, c' >= c). Together: every previous pixel.

    One detail the paper leaves open: features at (r, c) never contain the pixel x(r, c) itself
    (mask A), so after the shift nothing would carry the LAST pixel of the row above, x(r-1, W-1),
    to the pixels (r, c < W-4). The right-to-left pass therefore also reads the pixel at its own
    position (pixel_to_state); that is safe because its output is shifted down a row.
    """

    def __init__(self, hidden, colours):
        super().__init__()
        self.left_to_right = DiagonalLSTM(hidden, colours)
        self.right_to_left = DiagonalLSTM(hidden, colours, sees_own_pixel=True)
        self.up = MaskedConv2d(hidden, 2 * hidden, 1, "B", colours)

    def forward(self, x, pixels):  # x: (B, 2h, H, W) features, pixels: (B, C, H, W) the image
        left = self.left_to_right(x)                                   # sees rows <= r, columns <= c
        right = self.right_to_left(x.flip(3), pixels.flip(3)).flip(3)  # sees rows <= r, columns >= c
        right = F.pad(right, (0, 0, 1, 0))[:, :, :-1]                  # shifted down: rows < r, columns >= c
        return x + self.up(left + right)                               # residual connection


class DiagonalBiLSTM(_PixelModel):
    """Diagonal BiLSTM (chapter 06): every conditional sees every previous pixel.

    p(x) = prod_i prod_c p(x_i,c | x_<i, x_i,<c),  conditionals from one forward pass.
    Cost of a pass: 2 (W + H - 1) sequential LSTM steps per layer, each O(B H h^2).
    """

    def __init__(self, shape=(1, 28, 28), levels=2, layers=2, hidden=16, out_hidden=64):
        super().__init__(shape, levels, hidden, out_hidden)
        self.layers = layers
        self.lstm_layers = nn.ModuleList(DiagonalBiLSTMLayer(hidden, self.shape[0]) for _ in range(layers))

    def core(self, h, x):
        for layer in self.lstm_layers:
            h = layer(h, x)
        return h


# --- PixelCNN -------------------------------------------------------------------------------
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


class PixelCNN(_PixelModel):
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


# --- seeing the context ------------------------------------------------------------------------
def receptive_field(model, r, c, channel=0, n=4, seed=0):
    """|d output(r, c, channel) / d input|, summed over n random images: (C, H, W), zero = not seen.

    For 8-bit models the output is a fixed random mix of the 256 logits.
    """
    C, H, W = model.shape
    if not (0 <= r < H and 0 <= c < W and 0 <= channel < C):
        raise ValueError(f"pixel ({r}, {c}) channel {channel} is outside images of shape {model.shape}")
    g = torch.Generator().manual_seed(seed)
    if model.pixel_kind == "binary":
        x = torch.bernoulli(torch.full((n, C, H, W), 0.5), generator=g)
    else:
        x = torch.randint(0, 256, (n, C, H, W), generator=g).float()
    x = x.to(model._device()).requires_grad_(True)
    out = model._logits(x)
    if model.pixel_kind == "binary":
        target = out[:, channel, r, c].sum()
    else:
        mix = torch.randn(256, generator=g).to(out.device)
        target = (out[:, :, channel, r, c] @ mix).sum()
    (grad,) = torch.autograd.grad(target, x)
    return grad.abs().sum(0).detach().cpu()  # (C, H, W)
