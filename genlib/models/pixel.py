"""The shared architecture of the PixelRNN paper's models (chapter 07): `PixelModel`, `receptive_field`.

van den Oord, Kalchbrenner & Kavukcuoglu (2016), Pixel Recurrent Neural Networks, ICML.
Row LSTM, Diagonal BiLSTM (genlib/models/pixelrnn.py) and PixelCNN (genlib/models/pixelcnn.py)
factorize an image of n pixels and C colours in raster order, colour by colour:

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
                raise ValueError(f"{name} must be an int >= the number of channels {self.shape[0]} "
                                 f"(each colour needs its own features); got {value!r}")
        self.levels, self.hidden, self.out_hidden = levels, hidden, out_hidden
        C, per_colour = self.shape[0], (1 if levels == 2 else 256)  # logits per colour
        self.input_layer = MaskedConv2d(C, 2 * hidden, 7, "A", C)  # 2h feature maps
        self.output_layers = nn.Sequential(
            nn.ReLU(), MaskedConv2d(2 * hidden, out_hidden, 1, "B", C),
            nn.ReLU(), MaskedConv2d(out_hidden, C * per_colour, 1, "B", C))  # channel j: colour j//per_colour

    @classmethod
    def pixel_kind_for(cls, levels=2, **hyperparameters) -> str:
        """'binary' for levels=2 (the default of every PixelModel), '8bit' for levels=256."""
        if levels not in KIND_OF_LEVELS:
            raise ValueError(f"levels must be 2 (binary pixels, sigmoid outputs) or 256 (8-bit pixels, "
                             f"a 256-way softmax per channel); got {levels!r}")
        return KIND_OF_LEVELS[levels]

    def core(self, h, x):
        """The model's layers: features h (B, 2h, H, W) of the past -> features (B, 2h, H, W)."""
        raise NotImplementedError

    def forward(self, x):
        """Logits of every conditional: (B, C, H, W) for levels=2, (B, 256, C, H, W) for levels=256."""
        return self._logits(self.check_input(x))

    def _logits(self, x):
        x = x if self.levels == 2 else x / 127.5 - 1  # 8-bit pixels scaled to [-1, 1]
        out = self.output_layers(self.core(self.input_layer(x), x))  # (B, C * per_colour, H, W)
        if self.levels == 2:
            return out
        B, _, H, W = out.shape
        return out.view(B, self.shape[0], 256, H, W).transpose(1, 2)  # (B, 256, C, H, W)

    def conditional(self, x, d, cache):
        """One forward pass per step, cropped: the pass for a pixel in row r only needs rows 0..r
        (the model is causal), so it runs on x[:, :, :r+1]."""
        C, H, W = self.shape
        ch, i = divmod(int(cache["steps"][d]), H * W)
        r, c = divmod(i, W)
        out = self._logits(x[:, :, : r + 1])
        return out[:, ch, r, c] if self.levels == 2 else out[:, :, ch, r, c]


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
