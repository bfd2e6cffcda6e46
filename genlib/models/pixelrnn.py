"""PixelRNN: Row LSTM and Diagonal BiLSTM (chapter 07).

van den Oord, Kalchbrenner & Kavukcuoglu (2016), Pixel Recurrent Neural Networks, ICML.
Both models are a `PixelModel` (genlib/models/pixel.py: raster order, colour by colour, masked input
and output layers) around a core of LSTM layers; they differ in what one LSTM step computes:

    Row LSTM          one row at a time: each pixel sees a triangle of rows above it
    Diagonal BiLSTM   one diagonal at a time, in both directions: each pixel sees every previous pixel

The models come first; their layers (RowLSTMLayer, DiagonalBiLSTMLayer) and skewing follow.
"""

from __future__ import annotations

import torch
import torch.nn as nn
import torch.nn.functional as F

from .masked import MaskedConv2d, channel_groups
from .pixel import PixelModel, rows_up_to


class RowLSTM(PixelModel):
    """Row LSTM (chapter 07): each pixel sees a triangle of rows above it
    (and k//2 pixels to its left per layer).

    p(x) = prod_i prod_c p(x_i,c | x_<i, x_i,<c),  conditionals from one forward pass.
    Cost of a pass: H sequential LSTM steps per layer, each O(B W h^2 k). Sampling keeps the state of the
    row above and computes row r again at each of its W * C steps: one LSTM step per layer a step.
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

    def new_memory(self, x):  # the state (h, c) of the last kept row, per layer: zeros above row 0
        zeros = x.new_zeros(x.shape[0], self.shape[2], self.hidden)  # (B, W, h)
        return {"state": [(zeros, zeros)] * self.layers}

    def core_row(self, x, r, memory, keep):
        h = self.input_layer.row(rows_up_to(x, r, 3))  # (B, 2h, 1, W): the 7x7 input layer at row r
        states = []
        for layer, state in zip(self.lstm_layers, memory["state"]):
            h, state = layer.row(h, state)
            states.append(state)
        if keep:
            memory["state"] = states
        return h


class DiagonalBiLSTM(PixelModel):
    """Diagonal BiLSTM (chapter 07): every conditional sees every previous pixel.

    p(x) = prod_i prod_c p(x_i,c | x_<i, x_i,<c),  conditionals from one forward pass.
    Cost of a pass: 2 (W + H - 1) sequential LSTM steps per layer, each O(B H h^2). Sampling keeps the
    states of the pixels drawn so far: one left-to-right step per layer a pixel, and one right-to-left
    pass (W steps) per finished row.
    """

    def __init__(self, shape=(1, 28, 28), levels=2, layers=2, hidden=16, out_hidden=64):
        super().__init__(shape, levels, hidden, out_hidden)
        self.layers = layers
        self.lstm_layers = nn.ModuleList(DiagonalBiLSTMLayer(hidden, self.shape[0]) for _ in range(layers))

    def core(self, h, x):
        for layer in self.lstm_layers:
            h = layer(h, x)
        return h

    # --- sampling, one pixel at a time ------------------------------------------------------------
    # Row r's left-to-right states run along the row, (r, c) from (r, c-1) and (r-1, c): a row cannot be
    # recomputed in one step, but one pixel can, from the kept states to its left and above. The
    # right-to-left pass reaches row r shifted down, so it runs once per finished row. The states the
    # scan computes left of the image (zero inputs) are the same for every image: `edge_states`.
    def new_memory(self, x):
        B, (_, H, W), h = x.shape[0], self.shape, self.hidden
        memory = {"layers": []}
        for layer in self.lstm_layers:
            edge_l2r, edge_r2l = layer.left_to_right.edge_states(H, x), layer.right_to_left.edge_states(H, x)
            memory["layers"].append(
                {
                    "edge_l2r": edge_l2r,
                    "edge_r2l": edge_r2l,  # (h, c) at column -1 of each row
                    "left": tuple(
                        e[0].expand(B, h) for e in edge_l2r
                    ),  # left-to-right (h, c), pixel to the left
                    "above": x.new_zeros(B, W, h),  # left-to-right h of the row above
                    "right": x.new_zeros(B, W, h),  # right-to-left h of the row above
                    "inputs": x.new_zeros(B, W, 2 * h),
                }
            )  # the layer's input features, this row
        return memory

    def core_pixel(self, x, r, c, memory, keep):
        f = self.input_at(x, r, c)  # (B, 2h)
        for layer, m in zip(self.lstm_layers, memory["layers"]):
            if keep:
                m["inputs"][:, c] = f
            f = layer.pixel(f, c, m, keep)
        return f

    def finish_row(self, x, r, memory):
        for layer, m in zip(self.lstm_layers, memory["layers"]):
            layer.finish_row(x[:, :, r].transpose(1, 2), r, m)  # pixels of row r, (B, W, C)


# --- the layers -------------------------------------------------------------------------------
def _lstm_step(gates, c):
    """One LSTM update from pre-activations (..., 4h) = [o, f, i, g] and the previous cell c (..., h)."""
    o, f, i, g = gates.chunk(4, -1)
    c = torch.sigmoid(f) * c + torch.sigmoid(i) * torch.tanh(g)
    return torch.sigmoid(o) * torch.tanh(c), c


def _gate_groups(hidden, colours):
    """Colour group of the 4h gate channels [o, f, i, g]: each gate repeats the groups of h."""
    return channel_groups(hidden, colours).repeat(4)


class RowLSTMLayer(nn.Module):
    """Rows top to bottom; one LSTM step computes a whole row (for the whole batch).

    input-to-state: a masked 1 x k convolution along the row, for all rows at once  (B, 4h, H, W)
    state-to-state: a 3 x 1 convolution over the previous row's hidden state; written as a linear
                    map of [state left, state above, state right], which is the same thing, only faster
    """

    def __init__(self, hidden, colours, k=3):
        super().__init__()
        self.hidden = hidden
        self.input_to_state = MaskedConv2d(
            2 * hidden, 4 * hidden, (1, k), "B", colours, out_groups=_gate_groups(hidden, colours)
        )
        self.state_to_state = nn.Linear(3 * hidden, 4 * hidden)
        self.up = MaskedConv2d(hidden, 2 * hidden, 1, "B", colours)  # h -> 2h for the residual

    def forward(self, x):  # x: (B, 2h, H, W)
        B, _, H, W = x.shape
        gates_in = self.input_to_state(x).permute(2, 0, 3, 1).unbind(0)  # H rows, each (B, W, 4h)
        h = c = x.new_zeros(B, W, self.hidden)
        rows = []
        for r in range(H):
            h, c = self.step(gates_in[r], h, c)  # (B, W, h)
            rows.append(h)
        return x + self.up(torch.stack(rows, 1).permute(0, 3, 1, 2))  # residual connection

    def step(self, gates_in, h, c):
        """One row: its input-to-state gates (B, W, 4h) and the state (h, c) of the row above -> its state."""
        padded = F.pad(h, (0, 0, 1, 1))  # (B, W + 2, h)
        window = torch.cat([padded[:, :-2], padded[:, 1:-1], padded[:, 2:]], 2)  # (B, W, 3h)
        return _lstm_step(gates_in + self.state_to_state(window), c)

    def row(self, x, state):
        """The layer at one row (sampling): x (B, 2h, 1, W), the state of the row above -> output, state."""
        h, c = self.step(self.input_to_state(x)[:, :, 0].transpose(1, 2), *state)  # (B, W, h) each
        return x + self.up(h.transpose(1, 2)[:, :, None]), (h, c)


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
        self.input_to_state = MaskedConv2d(
            2 * hidden, 4 * hidden, 1, "B", colours, out_groups=_gate_groups(hidden, colours)
        )
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
            h, c = self.step(gates_in[j], above, h, c)
            columns.append(h)  # (B, H, h)
        return unskew(torch.stack(columns, 3).transpose(1, 2), W)  # (B, h, H, W)

    def step(self, gates_in, above, h, c):
        """One step at a diagonal (..., H, .) or a pixel: the state above and the state (h, c) to the left."""
        return _lstm_step(gates_in + self.state_to_state(torch.cat([above, h], -1)), c)

    def edge_states(self, H, like):
        """(h, c) at column -1 of each row r, (H, h) each: on the skewed map row r starts r steps early,
        with zero inputs, so these states do not depend on the image (sampling starts each row from them)."""
        h = c = like.new_zeros(1, H, self.hidden)
        gates_in, hs, cs = like.new_zeros(1, H, 4 * self.hidden), [h[0, 0]], [c[0, 0]]
        for j in range(H - 1):  # after step j, row j + 1 is at column -1
            h, c = self.step(gates_in, F.pad(h, (0, 0, 1, 0))[:, :-1], h, c)
            hs.append(h[0, j + 1])
            cs.append(c[0, j + 1])
        return torch.stack(hs), torch.stack(cs)


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
        left = self.left_to_right(x)  # sees rows <= r, columns <= c
        right = self.right_to_left(x.flip(3), pixels.flip(3)).flip(3)  # sees rows <= r, columns >= c
        right = F.pad(right, (0, 0, 1, 0))[:, :, :-1]  # shifted down: rows < r, columns >= c
        return x + self.up(left + right)  # residual connection

    def pixel(self, f, c, m, keep):
        """The layer at one pixel (r, c) of the current row (sampling): features f (B, 2h) -> (B, 2h).
        m: the layer's memory (DiagonalBiLSTM.new_memory); keep: the pixel is final, keep its state."""
        l2r = self.left_to_right
        h, cell = l2r.step(l2r.input_to_state.at_pixels(f), m["above"][:, c], *m["left"])  # (B, h) each
        if keep:
            m["left"] = (h, cell)
            m["above"][:, c] = h  # row r's state, the row above for row r + 1
        return f + self.up.at_pixels(h + m["right"][:, c])

    def finish_row(self, pixels, r, m):
        """Row r is final: run the right-to-left pass along it (right to left, from its edge state),
        which the next row reads shifted down. pixels (B, W, C), m["inputs"] (B, W, 2h): row r."""
        r2l, (B, W, _) = self.right_to_left, m["inputs"].shape
        gates_in = r2l.input_to_state.at_pixels(m["inputs"])  # (B, W, 4h)
        gates_in = gates_in + F.linear(pixels, r2l.pixel_to_state.weight[:, :, 0, 0])  # its own pixel too
        h, cell = (e[r].expand(B, -1) for e in m["edge_r2l"])
        states = [None] * W
        for c in reversed(range(W)):
            h, cell = r2l.step(gates_in[:, c], m["right"][:, c], h, cell)
            states[c] = h
        m["right"] = torch.stack(states, 1)  # (B, W, h)
        if r + 1 < len(m["edge_l2r"][0]):
            m["left"] = tuple(e[r + 1].expand(B, -1) for e in m["edge_l2r"])
