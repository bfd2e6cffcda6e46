"""The model contract that every model of every chapter implements (chapter 00).

    model = Model(shape, **hyperparameters)      # shape = (C, H, W)
    model.pixel_kind                             # "binary", "8bit" or "real"
    model(x)                                     # parameters of every conditional, image layout
    model.log_prob(x)                            # exact log-likelihood in nats, shape (B,)
    model.sample(n)                              # n new images
    model.complete(x, known)                     # fill in the pixels where known is False

Autoregressive models also take `ordering=`: a permutation where ordering[j] is the
row-major index of the j-th pixel generated. One sampling loop, `AutoregressiveModel.complete`,
follows that ordering for every model; a model may make each step cheaper (`conditional`).

The config rule: every argument of a model's constructor is stored as an attribute of the same
name (`self.hidden = hidden`), so `model.config` lists them and `type(model)(**model.config)`
rebuilds the model (this is how genlib.save / genlib.load work). It is checked: a constructor
that takes *args or **kwargs is an error when the class is defined, and a constructor that
leaves an argument unstored is an error, naming it, when the model is built.
"""

from __future__ import annotations

import functools
import inspect
import operator

import torch
import torch.nn as nn
import torch.nn.functional as F

from ..orderings import check_ordering, rank


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
    """Base class: input checks, log_prob from the conditionals, config for save/load.

    Constructor arguments are stored as attributes with the same names (the config rule above).
    """

    pixel_kind = "binary"  # what pixels the model takes: "binary", "8bit" or "real"

    def __init__(self, shape):
        super().__init__()
        self.shape = check_shape(shape)

    # --- configuration, so genlib.save/load can rebuild the model -----------------
    def __init_subclass__(cls, **kwargs):
        """The config rule, when a model class is defined: named arguments only; checked after building."""
        super().__init_subclass__(**kwargs)
        for p in inspect.signature(cls.__init__).parameters.values():
            if p.kind in (p.VAR_POSITIONAL, p.VAR_KEYWORD):
                stars = "*" if p.kind == p.VAR_POSITIONAL else "**"
                raise TypeError(
                    f"{cls.__name__}.__init__ takes {stars}{p.name}; a genlib model "
                    f"names every constructor argument so that `config` can rebuild it"
                )
        if "__init__" in vars(cls):
            init = cls.__init__

            @functools.wraps(init)
            def checked_init(self, *args, **kwargs):
                init(self, *args, **kwargs)
                if type(self).__init__ is checked_init:  # the outermost constructor has finished
                    self.check_config()

            cls.__init__ = checked_init

    @classmethod
    def constructor_arguments(cls) -> list[str]:
        """The names of the constructor's arguments, as `config` stores them."""
        return [name for name in inspect.signature(cls.__init__).parameters if name != "self"]

    def check_config(self) -> None:
        """Raise a TypeError naming any constructor argument that the model did not store."""
        for name in self.constructor_arguments():
            if not hasattr(self, name):
                raise TypeError(
                    f"{type(self).__name__} does not store its constructor argument {name!r}: "
                    f"add `self.{name} = {name}` to __init__ so `config` can rebuild the model"
                )

    @classmethod
    def pixel_kind_for(cls, **hyperparameters) -> str:
        """The pixel kind of cls(shape, **hyperparameters), known without building it."""
        return cls.pixel_kind

    @property
    def config(self) -> dict:
        """The constructor arguments of this instance (saved in checkpoints)."""
        cfg = {}
        for name in self.constructor_arguments():
            value = getattr(self, name)
            if isinstance(value, torch.Tensor):
                value = value.tolist()
            cfg[name] = list(value) if isinstance(value, tuple) else value
        return cfg

    @property
    def num_pixels(self) -> int:
        """n = H * W, the number of pixels of one image."""
        return self.shape[1] * self.shape[2]

    @property
    def device(self) -> torch.device:
        """Where the model's parameters (or, without parameters, its buffers) live."""
        for t in (*self.parameters(), *self.buffers()):
            return t.device
        return torch.device("cpu")

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
            raise ValueError(
                f"{name} expects a batch (B, C, H, W); got one image of shape "
                f"{tuple(x.shape)}. Use x.unsqueeze(0)."
            )
        if x.dim() != 4 or tuple(x.shape[1:]) != self.shape:
            raise ValueError(
                f"{name} expects images of shape (B, {', '.join(map(str, self.shape))}); got {tuple(x.shape)}"
            )
        if x.is_complex():
            raise ValueError(f"{name} expects real pixel values; got complex numbers ({x.dtype})")
        if x.is_floating_point() and torch.isnan(x).any():
            raise ValueError(f"{name} got NaN pixel values")
        p = next((p for p in self.parameters() if p.is_floating_point()), None)
        x = x.to(p.dtype if p is not None else torch.float32)  # ints, bools, float64 -> the model's dtype
        if self.pixel_kind == "binary":
            if not ((x == 0) | (x == 1)).all():
                lo, hi = x.min().item(), x.max().item()
                raise ValueError(
                    f"{name} expects binary pixels in {{0, 1}}; got values in "
                    f"[{lo:g}, {hi:g}]. Did you forget genlib.data.binarize?"
                )
        elif self.pixel_kind == "8bit":
            if not ((x >= 0) & (x <= 255) & (x == x.round())).all():
                raise ValueError(
                    f"{name} expects 8-bit pixels, integers in [0, 255]; got values in "
                    f"[{x.min().item():g}, {x.max().item():g}]"
                )
        elif not torch.isfinite(x).all():
            raise ValueError(f"{name} expects finite real pixel values")
        return x

    def check_data(self, x: torch.Tensor) -> torch.Tensor:
        """check_input for a data set to train or evaluate on: real-valued models also need values in (0, 1)
        (dequantized grey levels, chapter 05); binary images there have no density worth reporting."""
        x = self.check_input(x)
        if self.pixel_kind == "real" and x.numel() and not ((x > 0) & (x < 1)).all():
            binary = bool(((x == 0) | (x == 1)).all())
            raise ValueError(
                f"{type(self).__name__} models real pixel values in (0, 1); got "
                + (
                    "binary pixels {0, 1}: use a model of binary images, or grey levels "
                    "dequantized with genlib.models.rnade.dequantize"
                    if binary
                    else f"values in [{x.min().item():g}, {x.max().item():g}]; dequantize grey levels "
                    f"with genlib.models.rnade.dequantize"
                )
            )
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

    def selection_nll(self, x: torch.Tensor) -> torch.Tensor:
        """The validation number `genlib.train.fit` picks the best epoch by, nats per image (B,).

        By default the exact -log p(x). A model trained for many orderings overrides it (the order-agnostic
        NADE), so that the best epoch is not chosen by one ordering alone.
        """
        return -self.log_prob(x)

    def sample(self, n: int, device=None) -> torch.Tensor:
        """n images from the model, shape (n, C, H, W)."""
        n = check_count(n)
        device = device or self.device
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

    @torch.no_grad()
    def start_from_means(self, x, alpha: float = 1.0):
        """Start every conditional at its pixel's mean in the images x, and return the model (chapter 02).

        p_i = (number of images with x_i = 1 + alpha) / (N + 2 alpha), Laplace-smoothed by alpha; the
        model's bias of pixel i becomes logit(p_i) (`set_pixel_logits`). For IndependentBernoulli that is
        the whole fit: with alpha = 0 the maximum-likelihood estimate, with alpha > 0 the Laplace-smoothed
        one; the other models start from it and learn the dependencies.
        """
        if self.pixel_kind != "binary":
            raise ValueError(
                f"start_from_means is for binary pixels; {type(self).__name__} takes {self.pixel_kind} pixels"
            )
        if not alpha >= 0:
            raise ValueError(f"alpha is a pseudo-count (Laplace smoothing) and must be >= 0; got {alpha}")
        x = self.check_input(x)
        p = (x.sum(0) + alpha) / (x.shape[0] + 2 * alpha)  # (C, H, W)
        self.set_pixel_logits(torch.logit(p))
        return self

    def set_pixel_logits(self, logits: torch.Tensor) -> None:
        """The hook of start_from_means: put logits (C, H, W), one per pixel, into the model's biases."""
        raise NotImplementedError(f"{type(self).__name__} has no per-pixel bias to start from the means")

    # --- helpers ----------------------------------------------------------------------
    def _known_mask(self, known, batch: int) -> torch.Tensor:
        known = torch.as_tensor(known, dtype=torch.bool, device=self.device)
        C, H, W = self.shape
        if tuple(known.shape) in {(H, W), (C, H, W), (batch, C, H, W)}:
            known = known.expand(batch, C, H, W)
        else:
            raise ValueError(
                f"known must have shape (H, W), (C, H, W) or (B, C, H, W) matching "
                f"images (B={batch}, {C}, {H}, {W}); got {tuple(known.shape)}"
            )
        return known

    def draw(self, params) -> torch.Tensor:
        """Values (B,) drawn from the parameters of one conditional: logits (B,) for binary pixels,
        (B, 256) for 8-bit ones. A model of real pixels defines its own."""
        if self.pixel_kind == "binary":
            return torch.bernoulli(torch.sigmoid(params.float()))
        if self.pixel_kind == "8bit":
            return torch.multinomial(torch.softmax(params.float(), -1), 1).squeeze(1).float()
        raise NotImplementedError(f"{type(self).__name__} must define draw for {self.pixel_kind} pixels")


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


class AutoregressiveModel(GenerativeModel):
    """An autoregressive model over pixels: p(x) = prod_d p(x_s[d] | x_s[<d]), s = steps().

    Pixels are generated in the order `self.ordering` (row-major indices); inside a pixel,
    channels in order 0, 1, 2 (R, then G, then B). `steps()` lists the D values in that order.

    Sampling and completion are one loop, written once here (`complete`): for d = 0, 1, ..., D-1
    it draws x_s[d] from `conditional(x, d, cache)`, the parameters of p(x_s[d] | x_s[<d]). That
    method is the one hook a model may override: the default runs the whole model on x for every
    step (obviously right, D forward passes); a model can crop the input to the rows it needs
    (PixelModel) or keep running sums in `cache` (NADE, RNADE: O(H) per step instead of O(HD)).
    """

    def __init__(self, shape, ordering=None):
        super().__init__(shape)
        self.register_buffer("ordering", check_ordering(ordering, self.num_pixels))

    def __setattr__(self, name, value):
        """`model.ordering = o` is checked, moved to the model's device, and everything follows it."""
        if name == "ordering" and "ordering" in self._buffers:
            if "ordering" not in self.constructor_arguments():
                raise ValueError(
                    f"{type(self).__name__} generates pixels in raster order only; it takes no ordering"
                )
            value = check_ordering(value, self.num_pixels).to(self._buffers["ordering"].device)
        super().__setattr__(name, value)

    @property
    def rank(self) -> torch.Tensor:
        """rank[i] = the generation step of pixel i (the inverse permutation of ordering)."""
        return rank(self.ordering, self.shape[1], self.shape[2]).flatten()

    def steps(self, ordering=None) -> torch.Tensor:
        """steps[d] = flat index (channel, row, col) of the d-th value generated, (D,).

        The pixels in `ordering` (default: self.ordering), channels 0..C-1 inside each pixel.
        """
        o = self.ordering
        if ordering is not None:
            o = check_ordering(ordering, self.num_pixels).to(o.device)
        C, H, W = self.shape
        return (o.unsqueeze(1) + H * W * torch.arange(C, device=o.device)).flatten()

    @torch.no_grad()
    def complete(self, x, known):
        x = self.check_input(x).clone()
        known = self._known_mask(known, x.shape[0]).flatten(1)  # (B, D)
        xf = x.view(x.shape[0], self.dim)  # (B, D), a view: writes go into x
        steps = self.steps()
        cache = {"steps": steps, "known": known}
        was_training = self.training
        self.eval()
        for d, s in enumerate(steps.tolist()):
            todo = ~known[:, s]
            if todo.any():
                xf[:, s] = torch.where(todo, self.draw(self.conditional(x, d, cache)), xf[:, s])
        self.train(was_training)
        return x

    def conditional(self, x, d: int, cache: dict):
        """The parameters of p(x_s | the values generated before it), s = steps[d], for every image of x.

        Binary pixels: logits (B,); others: the model's outputs at s, (B, P) (P = 256 logits, or
        RNADE's 3K mixture parameters), what `draw` takes.
        x: (B, C, H, W), its values at steps < d final. cache: one dict per call of `complete`,
        holding "steps" and "known" (B, D); a model may keep its running sums there. Steps where
        every image's value is known are skipped, so d grows but may jump.
        """
        s = int(cache["steps"][d])
        out = self(x)
        return out.flatten(1)[:, s] if self.pixel_kind == "binary" else out.flatten(2)[:, :, s]


def all_binary_images(shape, device=None) -> torch.Tensor:
    """Every binary image of a tiny shape, (2**D, C, H, W): for exact normalization checks."""
    C, H, W = check_shape(shape)
    D = C * H * W
    if D > 20:
        raise ValueError(f"2**{D} images are too many to enumerate; use at most 20 pixels")
    idx = torch.arange(2**D, device=device)
    bits = (idx.unsqueeze(1) >> torch.arange(D - 1, -1, -1, device=device)) & 1
    return bits.float().view(-1, C, H, W)
