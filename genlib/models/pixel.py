"""The shared architecture of the PixelRNN paper's models (chapter 07): `PixelModel`, `receptive_field`.

van den Oord, Kalchbrenner & Kavukcuoglu (2016), Pixel Recurrent Neural Networks, ICML.
Row LSTM, Diagonal BiLSTM (genlib/models/pixelrnn.py) and PixelCNN (genlib/models/pixelcnn.py)
factorize an image of n pixels and C colours in raster order, colour by colour:

    p(x) = prod_i p(x_i,R | x_<i) p(x_i,G | x_<i, x_i,R) p(x_i,B | x_<i, x_i,R, x_i,G)

and share one architecture around a different core:

    x -> 7x7 conv, mask A (2h maps) -> [core layer + residual] x layers
      -> ReLU, 1x1 conv B -> ReLU, 1x1 conv B
      -> logits: sigmoid per channel (levels=2) or a 256-way softmax per channel (levels=256)

Every conditional comes out of ONE forward pass (training is parallel over pixels), but
sampling needs one step per pixel and channel: n * C steps for one image. A step need not be a whole
forward pass: when the pixel of row r is drawn, every row above r is final, so the features (or LSTM
states) of those rows are kept and only row r is computed again (`PixelModel.conditional`).
"""

from __future__ import annotations

import torch
import torch.nn as nn
import torch.nn.functional as F

from .base import AutoregressiveModel
from .masked import MaskedConv2d


KIND_OF_LEVELS = {2: "binary", 256: "8bit"}  # levels -> pixel_kind: the one place that ties them


class PixelKindFromLevels:
    """`pixel_kind` of a PixelModel, read from its `levels`, so the two can never disagree.

    On an instance: the kind of its levels. On the class: the kind of the default, levels=2, so
    `RowLSTM.pixel_kind == "binary"` like every binary model; `RowLSTM.pixel_kind_for(levels=256)`
    answers for other levels without building a model.
    """

    def __get__(self, model, cls):
        return cls.pixel_kind_for() if model is None else cls.pixel_kind_for(levels=model.levels)

    def __set__(self, model, value):
        raise AttributeError("pixel_kind follows levels: build the model with levels=256 for 8-bit pixels")


class PixelModel(AutoregressiveModel):
    """The architecture that Row LSTM, Diagonal BiLSTM and PixelCNN share (chapter 07).

    p(x) = prod_i prod_c p(x_i,c | x_<i, x_i,<c)      raster order, colour by colour
    x -> input_layer (7x7, mask A) -> core (the model's own layers) -> output_layers (1x1, mask B)
    A subclass only writes `core`. Every conditional comes out of one forward pass.
    """

    pixel_kind = PixelKindFromLevels()

    def __init__(self, shape, levels, hidden, out_hidden):
        super().__init__(shape)  # raster order, the only order a masked convolution knows
        self.pixel_kind_for(levels=levels)  # checks levels
        for name, value in (("hidden", hidden), ("out_hidden", out_hidden)):
            if not isinstance(value, int) or value < self.shape[0]:
                raise ValueError(
                    f"{name} must be an int >= the number of channels {self.shape[0]} "
                    f"(each colour needs its own features); got {value!r}"
                )
        self.levels, self.hidden, self.out_hidden = levels, hidden, out_hidden
        C, per_colour = self.shape[0], (1 if levels == 2 else 256)  # logits per colour
        self.input_layer = MaskedConv2d(C, 2 * hidden, 7, "A", C)  # 2h feature maps
        self.output_layers = nn.Sequential(
            nn.ReLU(),
            MaskedConv2d(2 * hidden, out_hidden, 1, "B", C),
            nn.ReLU(),
            MaskedConv2d(out_hidden, C * per_colour, 1, "B", C),
        )  # channel j: colour j//per_colour

    @classmethod
    def pixel_kind_for(cls, levels=2, **hyperparameters) -> str:
        """'binary' for levels=2 (the default of every PixelModel), '8bit' for levels=256."""
        if levels not in KIND_OF_LEVELS:
            raise ValueError(
                f"levels must be 2 (binary pixels, sigmoid outputs) or 256 (8-bit pixels, "
                f"a 256-way softmax per channel); got {levels!r}"
            )
        return KIND_OF_LEVELS[levels]

    def core(self, h, x):
        """The model's layers: features h (B, 2h, H, W) of the past -> features (B, 2h, H, W)."""
        raise NotImplementedError

    def forward(self, x):
        """Logits of every conditional: (B, C, H, W) for levels=2, (B, 256, C, H, W) for levels=256."""
        return self._logits(self.check_input(x))

    def _logits(self, x):
        x = self._scaled(x)
        return self._to_logits(self.output_layers(self.core(self.input_layer(x), x)))

    def _to_logits(self, out):
        """The output layers' maps (B, C * per_colour, H, W) -> logits (B, C, H, W) or (B, 256, C, H, W)."""
        if self.levels == 2:
            return out
        B, _, H, W = out.shape
        return out.view(B, self.shape[0], 256, H, W).transpose(1, 2)  # (B, 256, C, H, W)

    def _scaled(self, x):
        return x if self.levels == 2 else x / 127.5 - 1  # 8-bit pixels scaled to [-1, 1]

    # --- sampling: compute only what the new pixel changes ------------------------------------
    def conditional(self, x, d, cache):
        """The parameters of step d, computed incrementally, exactly as one forward pass would.

        Step d draws channel ch of pixel (r, c). Every value before it in raster order is final, so
        cache["memory"] keeps what the core computed for them (features, LSTM states: the model's
        `new_memory`), and `core_at` computes only what the new pixel changes. The 1x1 output layers
        then run on the one pixel (r, c).
        """
        C, H, W = self.shape
        ch, i = divmod(int(cache["steps"][d]), H * W)
        r, c = divmod(i, W)
        if not self.incremental:  # no incremental core: one pass on rows 0..r
            out = self._logits(x[:, :, : r + 1])
            return out[:, ch, r, c] if self.levels == 2 else out[:, :, ch, r, c]
        x = self._scaled(x)
        if "memory" not in cache:
            cache["memory"] = {"row": 0, "col": 0, **self.new_memory(x)}  # (row, col): first pixel not kept
        f = self.core_at(x, r, c, ch, cache["memory"])  # (B, 2h): the core's output at (r, c)
        out = self.output_layers(f[:, :, None, None]).flatten(1)  # (B, C * per_colour)
        return out[:, ch] if self.levels == 2 else out.view(-1, C, 256)[:, ch]

    @property
    def incremental(self) -> bool:
        """Does this model sample incrementally (it defines `core_pixel` or `core_row`)?"""
        cls = type(self)
        return cls.core_pixel is not PixelModel.core_pixel or cls.core_row is not PixelModel.core_row

    def new_memory(self, x) -> dict:
        """What the core keeps while sampling x (scaled pixels): per-layer features or states."""
        return {}

    def core_pixel(self, x, r, c, memory, keep):
        """The core's output at pixel (r, c), (B, 2h), from x (scaled, final before (r, c)) and the
        memory of the pixels before; keep=True: the pixel is final, keep what later pixels read."""
        raise NotImplementedError

    def finish_row(self, x, r, memory):
        """Row r is final (every pixel kept): what needs the whole row (a pass shifted down) runs here."""

    def core_row(self, x, r, memory, keep):
        """The core's output at row r, (B, 2h, 1, W), from x and the memory of rows < r; keep=True: row r
        is final, keep it. For a model that cannot compute one pixel alone but can compute one row."""
        raise NotImplementedError

    def core_at(self, x, r, c, ch, memory):
        """The core's output at pixel (r, c), (B, 2h), for the step that draws its channel ch.

        Pixel by pixel (`core_pixel`): first keep every pixel before (r, c) not kept yet (steps where
        every value was known are skipped), finishing rows on the way; then compute (r, c). It is kept
        at once when its last channel is drawn: features at (r, c) never see that channel.
        Row by row (`core_row`): keep the rows above r, then compute row r (again at every step).
        """
        C, H, W = self.shape
        if type(self).core_pixel is not PixelModel.core_pixel:
            while (memory["row"], memory["col"]) < (r, c):
                if memory["col"] == W:
                    self.finish_row(x, memory["row"], memory)
                    memory["row"], memory["col"] = memory["row"] + 1, 0
                else:
                    self.core_pixel(x, memory["row"], memory["col"], memory, keep=True)
                    memory["col"] += 1
            f = self.core_pixel(x, r, c, memory, keep=(ch == C - 1))
            memory["col"] += ch == C - 1
            return f
        while memory["row"] < r:
            self.core_row(x, memory["row"], memory, keep=True)
            memory["row"] += 1
        return self.core_row(x, r, memory, keep=False)[:, :, 0, c]

    def input_at(self, x, r, c):
        """The 7x7 input layer at pixel (r, c) of x (scaled pixels): (B, 2h)."""
        return self.input_layer.at(window(x, r, c, 7, 7))


class KeptFeatures:
    """What one masked kh x kw convolution reads, kept pixel by pixel while sampling.

    data (B, F, kh//2 + H, kw//2 + W + kw//2): the convolution's input map with its zero padding
    around (no padding below: rows below the centre are masked, never read). `put(r, c, v)` writes
    the features v (B, F) of pixel (r, c), each time they are computed; later pixels read the last
    write, made when every value before (r, c) was final. `conv(conv, r, c)`: its output at (r, c).
    A convolutional model keeps one of these per masked k x k convolution (PixelCNN: one per block).
    """

    def __init__(self, like, channels, kernel):
        (B, _, H, W), (kh, kw) = like.shape, kernel
        self.kernel = kernel
        self.data = like.new_zeros(B, channels, kh // 2 + H, kw - 1 + W)

    def put(self, r, c, v):
        kh, kw = self.kernel
        self.data[:, :, r + kh // 2, c + kw // 2] = v

    def conv(self, conv, r, c):
        kh, kw = self.kernel
        return conv.at(self.data[:, :, r : r + kh // 2 + 1, c : c + kw])  # (B, out)


def rows_up_to(x, r, above):
    """Rows r-above..r of the image x (B, C, H, W), zero rows where r-above < 0: (B, C, above + 1, W)."""
    return F.pad(x[:, :, max(0, r - above) : r + 1], (0, 0, max(0, above - r), 0))


def window(x, r, c, kh, kw):
    """What a masked kh x kw kernel centred on (r, c) reads of x: rows r-kh//2..r, columns c-kw//2..c+kw//2,
    zero outside the image: (B, C, kh//2 + 1, kw)."""
    return F.pad(rows_up_to(x, r, kh // 2), (kw // 2, kw // 2))[:, :, :, c : c + kw]


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
    x = x.to(model.device).requires_grad_(True)
    out = model._logits(x)
    if model.pixel_kind == "binary":
        target = out[:, channel, r, c].sum()
    else:
        mix = torch.randn(256, generator=g).to(out.device)
        target = (out[:, :, channel, r, c] @ mix).sum()
    (grad,) = torch.autograd.grad(target, x)
    return grad.abs().sum(0).detach().cpu()  # (C, H, W)
