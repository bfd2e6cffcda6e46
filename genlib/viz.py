"""Plots every chapter uses: image grids, ordering maps, training curves."""

from __future__ import annotations

import io
import math
from pathlib import Path

import matplotlib.pyplot as plt
import numpy as np
import torch

from .files import atomic_write_bytes

IMAGE_FORMATS = {".png": "png", ".jpg": "jpeg", ".jpeg": "jpeg", ".pdf": "pdf", ".svg": "svg"}


def make_grid(x, nrow: int | None = None, pad: int = 1, levels: float | None = None) -> np.ndarray:
    """Tile images (N, C, H, W) into one array (rows*H, cols*W[, 3]) with values in [0, 1]."""
    x = torch.as_tensor(x).detach().float().cpu()
    if x.dim() == 3:
        x = x.unsqueeze(1)
    if x.dim() != 4 or len(x) == 0:
        raise ValueError(
            f"make_grid expects a non-empty batch of images (N, C, H, W) or (N, H, W); "
            f"got shape {tuple(x.shape)}"
        )
    if pad < 0 or (nrow is not None and nrow < 1):
        raise ValueError(f"pad must be >= 0 and nrow >= 1; got pad={pad}, nrow={nrow}")
    if levels is None:
        levels = 255.0 if x.max() > 1 else 1.0
    x = (x / levels).clamp(0, 1)
    n, c, h, w = x.shape
    nrow = nrow or math.ceil(math.sqrt(n))
    ncol = math.ceil(n / nrow)
    grid = torch.full((c, ncol * (h + pad) + pad, nrow * (w + pad) + pad), 0.5)
    for k in range(n):
        r, col = divmod(k, nrow)
        grid[
            :,
            pad + r * (h + pad) : pad + r * (h + pad) + h,
            pad + col * (w + pad) : pad + col * (w + pad) + w,
        ] = x[k]
    grid = grid.permute(1, 2, 0).numpy()
    return grid[..., 0] if c == 1 else grid


def show_grid(x, title: str = "", nrow: int | None = None, ax=None, levels=None):
    """Show a batch of images as one grid."""
    grid = make_grid(x, nrow=nrow, levels=levels)
    if ax is None:
        _, ax = plt.subplots(figsize=(min(8, 0.6 * grid.shape[1] / 10 + 2),) * 2)
    ax.imshow(grid, cmap="gray" if grid.ndim == 2 else None, vmin=0, vmax=1, interpolation="nearest")
    ax.set_title(title)
    ax.axis("off")
    return ax


def check_image_path(path) -> str:
    """The image format of `path` from its extension (.png, .jpg, .jpeg, .pdf, .svg), or a ValueError."""
    ext = Path(path).suffix.lower()
    if ext not in IMAGE_FORMATS:
        raise ValueError(
            f"cannot write images to {path}: unknown extension {ext or '(none)'!r}; "
            f"use one of {', '.join(IMAGE_FORMATS)}"
        )
    if Path(path).is_dir():
        raise ValueError(f"{path} is a folder; give a file name such as {Path(path) / 'grid.png'}")
    return IMAGE_FORMATS[ext]


def save_grid(x, path, nrow=None, levels=None):
    """Write a batch of images as one grid image (the format from the extension), atomically; folders
    on the way are created."""
    fmt = check_image_path(path)
    grid = make_grid(x, nrow=nrow, levels=levels)
    buf = io.BytesIO()
    plt.imsave(buf, grid, cmap="gray" if grid.ndim == 2 else None, vmin=0, vmax=1, format=fmt)
    atomic_write_bytes(path, buf.getvalue())
    return path


def plot_history(history, ax=None, label=""):
    """Train and validation NLL (nats per image) against epoch."""
    if ax is None:
        _, ax = plt.subplots(figsize=(5, 3))
    ax.plot(history.train_nll, label=f"{label} train".strip())
    if history.val_nll:
        ax.plot(history.val_nll, label=f"{label} validation".strip())
    ax.set_xlabel("epoch")
    ax.set_ylabel("NLL (nats per image)")
    ax.legend()
    return ax


def show_ordering(ordering, H: int, W: int, ax=None, title: str = "", colorbar: bool = False):
    """An ordering as a heat map: the generation step of every pixel (dark = early, bright = late)."""
    from .orderings import rank

    r = rank(ordering, H, W)
    if ax is None:
        _, ax = plt.subplots(figsize=(3, 3))
    im = ax.imshow(r, cmap="viridis", interpolation="nearest")
    first = int(torch.as_tensor(ordering)[0])
    ax.plot(first % W, first // W, "r*", markersize=8)  # where generation starts
    ax.set_title(title)
    ax.axis("off")
    if colorbar:
        plt.colorbar(im, ax=ax, fraction=0.046, label="generation step")
    return ax


def generation_frames(x, ordering, H: int, W: int, frames: int = 8) -> torch.Tensor:
    """Snapshots of one image (1, H, W) being generated in `ordering`: (frames, H, W).

    Frame k shows the pixels of the first k/(frames-1) of the steps; the pixels not
    generated yet are grey (0.5), so the strip shows the order in which the image appears.
    """
    x = torch.as_tensor(x).detach().float().cpu().reshape(H * W)
    o = torch.as_tensor(ordering).cpu()
    out = torch.full((frames, H * W), 0.5)
    for k in range(frames):
        done = o[: round(k * H * W / (frames - 1))]
        out[k, done] = x[done]
    return out.view(frames, H, W)


def show_generation(x, ordering, H: int, W: int, frames: int = 8, axes=None):
    """A frame strip of one image (1, H, W) appearing pixel by pixel in `ordering`."""
    f = generation_frames(x, ordering, H, W, frames)
    if axes is None:
        _, axes = plt.subplots(1, frames, figsize=(1.2 * frames, 1.4))
    for k, ax in enumerate(axes):
        ax.imshow(f[k], cmap="gray", vmin=0, vmax=1, interpolation="nearest")
        ax.set_title(f"{round(k * H * W / (frames - 1))} drawn", fontsize=8)
        ax.axis("off")
    return axes
