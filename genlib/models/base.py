"""The model contract that every model of every chapter implements (chapter 00).

    model = Model(shape, **hyperparameters)      # shape = (C, H, W)
    model.pixel_kind                             # "binary", "8bit" or "real"
    model(x)                                     # parameters of every conditional, image layout
    model.log_prob(x)                            # exact log-likelihood in nats, shape (B,)
    model.sample(n)                              # n new images
    model.complete(x, known)                     # fill in the pixels where known is False

Autoregressive models also take `ordering=`: a permutation where ordering[j] is the
row-major index of the j-th pixel generated. The slow but obviously correct
sampling loop below follows that ordering; models may override it with a faster one.
"""
from __future__ import annotations

import inspect
import math
import operator

import torch
import torch.nn as nn
import torch.nn.functional as F

PIXEL_KINDS = ("binary", "8bit", "real")


def check_shape(shape) -> tuple[int, int, int]:
    """Validate an image shape (C, H, W) and return it as a tuple of ints."""
    try:
        given = tuple(shape)
        shape = tuple(int(s) for s in given)
    except (TypeError, ValueError):
        raise ValueError(f"shape must be (C, H, W); got {shape!r}") from None
    if any(isinstance(g, str) or s != g for s, g in zip(shape, given)):
        raise ValueError(f"shape must be three whole numbers (C, H, W); got {given!r}")
    if len(shape) != 3 or min(shape) < 1:
        raise ValueError(f"shape must be three positive sizes (C, H, W); got {shape!r}")
    return shape


class GenerativeModel(nn.Module):
    """Base class: input checks, log_prob from the conditionals, config for save/load."""

    pixel_kind = "binary"

    def __init__(self, shape):
        super().__init__()
        self.shape = check_shape(shape)

    # --- configuration, so genlib.save/load can rebuild the model -----------------
    @property
    def config(self) -> dict:
        """The constructor arguments of this instance (saved in checkpoints)."""
        cfg = {}
        for name in inspect.signature(type(self).__init__).parameters:
            if name == "self":
                continue
            value = getattr(self, name)
            if isinstance(value, torch.Tensor):
                value = value.tolist()
            cfg[name] = list(value) if isinstance(value, tuple) else value
        return cfg

    @property
    def num_pixels(self) -> int:
        return self.shape[1] * self.shape[2]

    @property
    def dim(self) -> int:
        """D = C * H * W, the number of dimensions of one image."""
        return self.shape[0] * self.shape[1] * self.shape[2]

    # --- input checks ---------------------------------------------------------------
    def check_input(self, x: torch.Tensor) -> torch.Tensor:
        """Return x as a float tensor (B, C, H, W), or raise a ValueError that names the problem."""
        name = type(self).__name__
        if not isinstance(x, torch.Tensor):
            x = torch.as_tensor(x)
        if x.dim() == 3 and tuple(x.shape) == self.shape:
            raise ValueError(f"{name} expects a batch (B, C, H, W); got one image of shape "
                             f"{tuple(x.shape)}. Use x.unsqueeze(0).")
        if x.dim() != 4 or tuple(x.shape[1:]) != self.shape:
            raise ValueError(f"{name} expects images of shape (B, {', '.join(map(str, self.shape))}); "
                             f"got {tuple(x.shape)}")
        if x.is_complex():
            raise ValueError(f"{name} expects real pixel values; got complex numbers ({x.dtype})")
        if x.is_floating_point() and torch.isnan(x).any():
            raise ValueError(f"{name} got NaN pixel values")
        p = next((p for p in self.parameters() if p.is_floating_point()), None)
        x = x.to(p.dtype if p is not None else torch.float32)  # ints, bools, float64 -> the model's dtype
        if self.pixel_kind == "binary":
            if not ((x == 0) | (x == 1)).all():
                lo, hi = x.min().item(), x.max().item()
                raise ValueError(f"{name} expects binary pixels in {{0, 1}}; got values in "
                                 f"[{lo:g}, {hi:g}]. Did you forget genlib.data.binarize?")
        elif self.pixel_kind == "8bit":
            if not ((x >= 0) & (x <= 255) & (x == x.round())).all():
                raise ValueError(f"{name} expects 8-bit pixels, integers in [0, 255]; got values in "
                                 f"[{x.min().item():g}, {x.max().item():g}]")
        elif not torch.isfinite(x).all():
            raise ValueError(f"{name} expects finite real pixel values")
        return x

    def check_data(self, x: torch.Tensor) -> torch.Tensor:
        """check_input for a data set to train or evaluate on: real-valued models also need values in (0, 1)
        (dequantized grey levels, chapter 05); binary images there have no density worth reporting."""
        x = self.check_input(x)
        if self.pixel_kind == "real" and x.numel() and not ((x > 0) & (x < 1)).all():
            binary = bool(((x == 0) | (x == 1)).all())
            raise ValueError(f"{type(self).__name__} models real pixel values in (0, 1); got "
                             + ("binary pixels {0, 1}: use a model of binary images, or grey levels "
                                "dequantized with genlib.models.rnade.dequantize" if binary else
                                f"values in [{x.min().item():g}, {x.max().item():g}]; dequantize grey levels "
                                f"with genlib.models.rnade.dequantize"))
        return x

    # --- the contract -----------------------------------------------------------------
    def log_prob(self, x: torch.Tensor) -> torch.Tensor:
        """Exact log p(x) in nats for each image of the batch: shape (B,)."""
        x = self.check_input(x)
        out = self(x)
        if self.pixel_kind == "binary":  # out: logits (B, C, H, W)
            return -F.binary_cross_entropy_with_logits(out, x, reduction="none").flatten(1).sum(1)
        if self.pixel_kind == "8bit":  # out: logits (B, 256, C, H, W)
            return -F.cross_entropy(out, x.long(), reduction="none").flatten(1).sum(1)
        raise NotImplementedError(f"{type(self).__name__} must define log_prob for real pixels")

    def nll(self, x: torch.Tensor) -> torch.Tensor:
        """Mean negative log-likelihood in nats per image (the training loss)."""
        return -self.log_prob(x).mean()

    def sample(self, n: int, device=None) -> torch.Tensor:
        """n images from the model, shape (n, C, H, W)."""
        n = check_count(n)
        device = device or self._device()
        x = torch.zeros(n, *self.shape, device=device)
        if n == 0:
            return x
        return self.complete(x, torch.zeros(self.shape, dtype=torch.bool, device=device))

    def complete(self, x: torch.Tensor, known: torch.Tensor) -> torch.Tensor:
        """Fill in the pixels where `known` is False by sampling each conditional in order.

        known: bool mask of shape (H, W), (C, H, W) or (B, C, H, W). Known pixels stay as
        they are; each unknown one is drawn from p(x_i | everything generated before it),
        one forward pass per pixel and channel.
        """
        raise NotImplementedError

    # --- helpers ----------------------------------------------------------------------
    def _device(self) -> torch.device:
        p = next(self.parameters(), None)
        if p is None:
            b = next(self.buffers(), None)
            return b.device if b is not None else torch.device("cpu")
        return p.device

    def _known_mask(self, known, batch: int) -> torch.Tensor:
        known = torch.as_tensor(known, dtype=torch.bool, device=self._device())
        C, H, W = self.shape
        if tuple(known.shape) in {(H, W), (C, H, W), (batch, C, H, W)}:
            known = known.expand(batch, C, H, W)
        else:
            raise ValueError(f"known must have shape (H, W), (C, H, W) or (B, C, H, W) matching "
                             f"images (B={batch}, {C}, {H}, {W}); got {tuple(known.shape)}")
        return known

    def _draw(self, out_at: torch.Tensor) -> torch.Tensor:
        """Draw pixel values from the conditional parameters of one pixel and channel."""
        if self.pixel_kind == "binary":  # out_at: logits (B,)
            return torch.bernoulli(torch.sigmoid(out_at.float()))
        if self.pixel_kind == "8bit":  # out_at: logits (B, 256)
            return torch.multinomial(torch.softmax(out_at.float(), -1), 1).squeeze(1).float()
        raise NotImplementedError


def check_count(n) -> int:
    """Validate a number of images to draw: a whole number >= 0."""
    try:
        if isinstance(n, bool):
            raise TypeError
        n = operator.index(n)  # ints, NumPy ints, integer 0-d tensors; not 1.5, not "3", not True
    except TypeError:
        raise ValueError(f"the number of samples must be a whole number >= 0; got {n!r}") from None
    if n < 0:
        raise ValueError(f"the number of samples must be a whole number >= 0; got {n}")
    return n


def check_ordering(ordering, num_pixels: int) -> torch.Tensor:
    """Validate an ordering (a permutation of 0..num_pixels-1); default: raster order."""
    if ordering is None:
        return torch.arange(num_pixels)
    try:
        o = torch.as_tensor(ordering)
    except Exception:
        raise ValueError(f"ordering must be a permutation of 0..{num_pixels - 1}; got {ordering!r}") from None
    if o.is_floating_point() or o.dim() != 1:
        raise ValueError(f"ordering must be a 1-D sequence of integer pixel indices; got shape "
                         f"{tuple(o.shape)}, dtype {o.dtype}")
    o = o.long()
    if o.numel() != num_pixels:
        raise ValueError(f"ordering must list every one of the {num_pixels} pixels once; got "
                         f"{o.numel()} entries")
    if not torch.equal(torch.sort(o).values, torch.arange(num_pixels, device=o.device)):
        missing = sorted(set(range(num_pixels)) - set(o.tolist()))[:5]
        raise ValueError(f"ordering is not a permutation of 0..{num_pixels - 1}: pixels {missing} "
                         f"are missing (and others repeat or are out of range)")
    return o


class AutoregressiveModel(GenerativeModel):
    """An autoregressive model over pixels: p(x) = prod_j p(x_o[j] | x_o[<j]).

    Pixels are generated in the order `self.ordering` (row-major indices); inside a pixel,
    channels in order 0, 1, 2 (R, then G, then B).
    """

    def __init__(self, shape, ordering=None):
        super().__init__(shape)
        self.register_buffer("ordering", check_ordering(ordering, self.num_pixels))

    @property
    def rank(self) -> torch.Tensor:
        """rank[i] = the generation step of pixel i (the inverse permutation of ordering)."""
        from ..orderings import rank  # orderings imports this module: import here, not at the top

        return rank(self.ordering, self.shape[1], self.shape[2]).flatten()

    @torch.no_grad()
    def complete(self, x, known):
        x = self.check_input(x).clone()
        known = self._known_mask(known, x.shape[0])
        C, H, W = self.shape
        was_training = self.training
        self.eval()
        for i in self.ordering.tolist():
            r, c = divmod(i, W)
            for ch in range(C):
                todo = ~known[:, ch, r, c]
                if not todo.any():
                    continue
                out = self(x)
                at = out[:, ch, r, c] if self.pixel_kind == "binary" else out[:, :, ch, r, c]
                x[:, ch, r, c] = torch.where(todo, self._draw(at), x[:, ch, r, c])
        self.train(was_training)
        return x


def all_binary_images(shape, device=None) -> torch.Tensor:
    """Every binary image of a tiny shape, (2**D, C, H, W): for exact normalization checks."""
    C, H, W = check_shape(shape)
    D = C * H * W
    if D > 20:
        raise ValueError(f"2**{D} images are too many to enumerate; use at most 20 pixels")
    idx = torch.arange(2 ** D, device=device)
    bits = (idx.unsqueeze(1) >> torch.arange(D - 1, -1, -1, device=device)) & 1
    return bits.float().view(-1, C, H, W)


def logsumexp_total(log_probs: torch.Tensor) -> float:
    """log of the total probability, sum_x p(x), from log p(x) of every image."""
    return torch.logsumexp(log_probs.double(), 0).item()


LOG2 = math.log(2)
