"""genlib: the companion package of *Autoregressive generative models, from a coin flip to PixelRNN*.

Everything a chapter reuses lives here: data (`genlib.data`), models (`genlib.models`),
one training loop (`genlib.train`), plots (`genlib.viz`) and widgets (`genlib.widgets`).

Symbols, the same in every file and chapter:
    B   images in a batch                 N   images in a data set
    C   channels of an image (1 grey, 3 RGB: R, G, B)
    H, W  image height and width: shape = (C, H, W)
    n   pixels of an image, H * W         D   values of an image, C * H * W (= n for grey images)
    o   an ordering: o[j] = row-major index of the j-th pixel generated (genlib.orderings)
    d, j  a generation step; steps[d] = flat index (channel, row, col) of the d-th value generated
    k   the Markov order of AR(k) (chapter 03); Row LSTM's `k` is its kernel width, as in the paper
    K   components of a mixture: RNADE's Gaussians, an ensemble of K orderings (chapter 05)
    hidden  hidden units (NADE, RNADE) or feature maps (PixelRNN, the paper's h). In chapter 05's
        formulas, as in the NADE papers, it is written H (cost O(HD)); nade.py and rnade.py never
        use H for the height.
"""

from __future__ import annotations

import os
import random

import numpy as np
import torch

__version__ = "0.1.0"

QUICK_ENV = "GENLIB_QUICK"


def quick_mode() -> bool:
    """True when the environment variable GENLIB_QUICK is set to 1 / true / yes.

    Quick mode runs every chapter with tiny budgets through the same code paths;
    the test suite uses it. Full mode (the default) is what the committed outputs show.
    """
    return os.environ.get(QUICK_ENV, "").strip().lower() in {"1", "true", "yes", "on"}


def budget(full, quick):
    """Pick a budget for the current mode: `epochs = genlib.budget(full=30, quick=1)`."""
    return quick if quick_mode() else full


def device(verbose: bool = True) -> torch.device:
    """The best device here: CUDA, then Apple MPS, then CPU (and say which)."""
    if torch.cuda.is_available():
        dev, why = torch.device("cuda"), torch.cuda.get_device_name(0)
    elif getattr(torch.backends, "mps", None) is not None and torch.backends.mps.is_available():
        dev, why = torch.device("mps"), "Apple Metal"
    else:
        dev, why = torch.device("cpu"), f"{torch.get_num_threads()} threads"
    if verbose:
        print(f"genlib.device(): {dev} ({why})")
    return dev


def seed_everything(seed: int = 0) -> int:
    """Seed Python, NumPy and PyTorch (CPU and CUDA) so a chapter re-runs identically."""
    if not isinstance(seed, int) or seed < 0:
        raise ValueError(f"seed must be a non-negative int; got {seed!r}")
    random.seed(seed)
    np.random.seed(seed % 2**32)
    torch.manual_seed(seed)
    return seed


from .checkpoint import load, save  # noqa: E402

__all__ = ["quick_mode", "budget", "device", "seed_everything", "save", "load"]
