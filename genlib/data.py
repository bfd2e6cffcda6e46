"""Datasets, offline by default (chapter 00).

    x = genlib.data.load("mnist5k", "train")            # (4000, 1, 28, 28) float in {0, 1}
    x, y = genlib.data.load("mnist5k", "test", labels=True)

Offline, shipped in data/: binarized_mnist (the papers' benchmark: Larochelle & Murray's fixed binarization,
50,000 / 10,000 / 10,000), mnist5k (5,000 real MNIST digits with labels, binarized once; quick mode), digits8
(scikit-learn), coloured_digits (mnist5k painted in two colours per image, 8-bit RGB 14x14; genlib.colour).
With internet (downloaded once, hash-checked, cached): mnist, fashion_mnist, cifar10.
Any .npz file works as a name too: images uint8, N x 784, N x 28 x 28 or N x C x H x W, values in {0, 1},
under the keys x_train / x_val / x_test (labels, optional: y_train / y_val / y_test), or under one key x
(labels y) that genlib splits the same way every time: a permutation with seed 0, the last 10 % (at least one
image) for test, the 10 % before it for val, the other 80 % for train. Validation never sees training images.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import torch

from . import colour
from .files import sha256

DATA_DIR = Path(__file__).resolve().parents[1] / "data"
MNIST5K_SHA256 = "7cb01f76a552bfdb9ed8227c3c89062d150dbc479110712bacc03e6b957d8d42"
BINARIZED_MNIST_SHA256 = "fc8a2c379ccae534676ef90639ba8599b7a4c2f139bfe861bb354d1043452ff6"
EMBEDDED = {"mnist5k": MNIST5K_SHA256, "binarized_mnist": BINARIZED_MNIST_SHA256}  # data/NAME.npz: SHA-256
SPLITS = ("train", "val", "test")
OFFLINE = ("binarized_mnist", "mnist5k", "mnist5k_grey", "digits8", "coloured_digits")
ONLINE = ("mnist", "fashion_mnist", "cifar10")

_cache: dict = {}


def _check_split(split):
    if split not in SPLITS:
        raise ValueError(f"split must be one of {SPLITS}; got {split!r}")


def _embedded(name: str) -> dict:
    """The arrays of data/NAME.npz, checked against its SHA-256 before first use."""
    if name not in _cache:
        path, expected = DATA_DIR / f"{name}.npz", EMBEDDED[name]
        if not path.is_file():
            raise ValueError(
                f"{path} is missing; restore it with `git checkout data/{name}.npz` "
                f"or rebuild it (see data/README.md)"
            )
        digest = sha256(path)
        if digest != expected:
            raise ValueError(
                f"{path} is corrupted: SHA-256 {digest[:12]}... instead of "
                f"{expected[:12]}...; restore it with `git checkout data/{name}.npz`"
            )
        with np.load(path) as f:
            _cache[name] = {k: f[k] for k in f.files}
    return _cache[name]


def _mnist5k_arrays() -> dict:
    return _embedded("mnist5k")


def binarized_mnist(split="train"):
    """The fixed binarization of MNIST by Larochelle & Murray (2011), the benchmark of the NADE, MADE and
    PixelRNN papers: train 50,000 / val 10,000 / test 10,000, 28x28, no labels. Returns (x uint8, None)."""
    _check_split(split)
    x = np.unpackbits(_embedded("binarized_mnist")[f"{split}_bits"], axis=1)[:, :784]
    return x.reshape(-1, 1, 28, 28), None


def mnist5k(split="train"):
    """5,000 real MNIST digits, binarized: train 4000 / val 500 / test 500, 28x28. Returns (x uint8, y)."""
    _check_split(split)
    a = _mnist5k_arrays()
    x = np.unpackbits(a[f"{split}_bits"], axis=1)[:, :784]
    return x.reshape(-1, 1, 28, 28), a[f"{split}_labels"].astype(np.int64)


def mnist5k_grey(split="train"):
    """The same 5,000 digits as 8-bit grey levels 0..255 (for 8-bit and real-valued models)."""
    _check_split(split)
    a = _mnist5k_arrays()
    return a[f"{split}_grey"].reshape(-1, 1, 28, 28), a[f"{split}_labels"].astype(np.int64)


def coloured_digits(split="train", seed=0):
    """mnist5k painted in two colours per image, 8-bit RGB 14x14 (chapter 08; see genlib.colour).
    Returns (x uint8 (N, 3, 14, 14), y)."""
    grey, labels = mnist5k_grey(split)
    return colour.paint(grey, seed=[seed, SPLITS.index(split)]), labels


def digits8(split="train"):
    """scikit-learn's 1,797 8x8 digits, grey levels 0..16; split 70 / 10 / 20 % with a fixed seed."""
    _check_split(split)
    from sklearn.datasets import load_digits

    d = load_digits()
    rng = np.random.default_rng(0)
    idx = rng.permutation(len(d.target))
    n_train, n_val = int(0.7 * len(idx)), int(0.1 * len(idx))
    part = {"train": idx[:n_train], "val": idx[n_train : n_train + n_val], "test": idx[n_train + n_val :]}[
        split
    ]
    part = np.sort(part)
    return d.images[part].reshape(-1, 1, 8, 8).astype(np.uint8), d.target[part].astype(np.int64)


def binarize(x, threshold=None, seed=0):
    """Grey images -> {0, 1}: stochastic (pixel is 1 with probability x / max) or by threshold.

    x: array or tensor of grey levels in [0, 255] (or [0, 1] floats).
    """
    try:
        x = torch.as_tensor(np.asarray(x) if not isinstance(x, torch.Tensor) else x).float()
    except (TypeError, ValueError, RuntimeError):
        raise ValueError(
            f"binarize expects grey levels (an array of numbers); got {type(x).__name__}"
        ) from None
    if x.numel() and not (torch.isfinite(x).all() and x.min() >= 0 and x.max() <= 255):
        what = "NaN values" if x.isnan().any() else f"values in [{x.min().item():g}, {x.max().item():g}]"
        raise ValueError(f"binarize expects grey levels in [0, 255] (or [0, 1]); got {what}")
    scale = 255.0 if x.numel() and x.max() > 1 else 1.0
    p = x / scale
    if threshold is not None:
        return (p > threshold).float()
    g = torch.Generator().manual_seed(seed)
    return (torch.rand(p.shape, generator=g) < p).float()


def _online(name, split):
    from . import download

    if name == "cifar10":
        if split == "val":
            raise ValueError("cifar10 has no validation split; use 'train' or 'test'")
        return download.cifar10(split)
    if split == "val":
        raise ValueError(f"{name} has no validation split; use 'train' or 'test'")
    images, labels = download.mnist(split, fashion=(name == "fashion_mnist"))
    x = binarize(images, seed={"train": 0, "test": 1}[split]).numpy().astype(np.uint8)
    return x.reshape(-1, 1, 28, 28), labels


def _npz_split(n: int, split: str) -> np.ndarray:
    """Which of n images form `split` of a one-array .npz: a fixed permutation (seed 0), the last 10 %
    for test, the 10 % before for val (at least one image each), the rest for train; sorted."""
    if n < 3:
        raise ValueError(
            f"an .npz with one array 'x' is split into train / val / test, so it needs at least "
            f"3 images; it has {n}"
        )
    n_hold = max(1, n // 10)
    idx = np.random.default_rng(0).permutation(n)
    part = {
        "train": idx[: n - 2 * n_hold],
        "val": idx[n - 2 * n_hold : n - n_hold],
        "test": idx[n - n_hold :],
    }
    return np.sort(part[split])


def _npz(path, split="train"):
    """Images (and labels) of one split of an .npz file: keys x_train / x_val / x_test (y_... for labels),
    or one array x (and y) split deterministically by `_npz_split`."""
    _check_split(split)
    path = Path(path)
    if not path.is_file():
        raise ValueError(
            f"unknown dataset {str(path)!r}: not a file, and not one of the names "
            f"{', '.join(OFFLINE + ONLINE)}"
        )
    try:
        f = np.load(path)
        if not hasattr(f, "files"):
            raise TypeError("not an .npz archive")
        with f:
            whole = f"x_{split}" not in f.files  # one array x for all three splits
            if not whole:
                x = f[f"x_{split}"]
                y = f[f"y_{split}"] if f"y_{split}" in f.files else None
            elif "x" in f.files:
                x, y = f["x"], f["y"] if "y" in f.files else None
            else:
                splits = [k for k in f.files if k.startswith("x_")]
                hint = f"it has {', '.join(splits)} but no x_{split}" if splits else f"it has {f.files}"
                raise LookupError(
                    f"{path} has no array 'x_{split}' or 'x' ({hint}); save images with "
                    f"np.savez(path, x_train=..., x_val=..., x_test=...) or "
                    f"np.savez(path, x=...)"
                )
    except LookupError as e:
        raise ValueError(str(e)) from None
    except Exception as e:
        raise ValueError(f"{path} is not a readable .npz file ({type(e).__name__}: {e})") from None
    if whole:  # take this split's share
        part = _npz_split(len(x), split)
        x, y = x[part], (y[part] if y is not None else None)
    if x.dtype != np.uint8:
        raise ValueError(f"{path}: the images must be uint8; got {x.dtype}")
    if x.ndim == 2 and x.shape[1] == 784:
        x = x.reshape(-1, 28, 28)
    if x.ndim == 3:
        x = x[:, None]
    if x.ndim != 4:
        raise ValueError(f"{path}: the images must be N x 784, N x 28 x 28 or N x C x H x W; got {x.shape}")
    if len(x) == 0:
        raise ValueError(f"{path}: the {split} split holds no images")
    if not np.isin(x, (0, 1)).all():
        raise ValueError(
            f"{path}: the images must hold binary pixels in {{0, 1}}; got values up to "
            f"{x.max()}. Binarize them first with genlib.data.binarize"
        )
    if y is not None and len(y) != len(x):
        raise ValueError(f"{path}: {len(x)} images but {len(y)} labels in the {split} split")
    return x, y


def load(name="mnist5k", split="train", labels=False, device=None):
    """Images as a float tensor (N, C, H, W) (binary in {0, 1}; 8-bit and digits8 as grey levels).

    name: a dataset name (see the module docstring) or the path of an .npz file (keys x_train / x_val /
    x_test, or one key x split 80 / 10 / 10).
    """
    if not isinstance(name, (str, Path)):
        raise ValueError(f"dataset must be a name or an .npz path; got {name!r}")
    key = str(name)
    if key == "mnist5k":
        x, y = mnist5k(split)
    elif key == "binarized_mnist":
        x, y = binarized_mnist(split)
    elif key == "mnist5k_grey":
        x, y = mnist5k_grey(split)
    elif key == "digits8":
        x, y = digits8(split)
    elif key == "coloured_digits":  # 8-bit RGB, 14 x 14 (chapter 08)
        x, y = coloured_digits(split)
    elif key in ONLINE:
        _check_split(split)
        x, y = _online(key, split)
    elif key.endswith(".npz") or Path(key).is_file():
        x, y = _npz(key, split)
    else:
        raise ValueError(
            f"unknown dataset {key!r}; known: {', '.join(OFFLINE + ONLINE)}, "
            f"or the path of an .npz file with key 'x'"
        )
    x = torch.from_numpy(np.ascontiguousarray(x)).float().to(device)
    if not labels:
        return x
    if y is None:
        raise ValueError(f"dataset {key!r} has no labels")
    return x, torch.from_numpy(np.asarray(y)).long().to(device)
