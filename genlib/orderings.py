"""Pixel orderings: the order in which an autoregressive model generates pixels (chapter 04).

An ordering of an H x W image is a permutation `o` of 0..H*W-1: o[j] is the row-major index
(row * W + col) of the j-th pixel generated. Its inverse, the *rank*, says at which step each
pixel is generated; drawn as an image it is the ordering's heat map.

    o = orderings.get("snake", 28, 28)
    model = FVSBN((1, 28, 28), ordering=o)
"""

from __future__ import annotations

import math
import operator

import torch


def check_ordering(ordering, num_pixels: int) -> torch.Tensor:
    """Validate an ordering (a permutation of 0..num_pixels-1); default: raster order."""
    if ordering is None:
        return torch.arange(num_pixels)
    try:
        o = torch.as_tensor(ordering)
    except Exception:
        raise ValueError(f"ordering must be a permutation of 0..{num_pixels - 1}; got {ordering!r}") from None
    if o.is_floating_point() or o.dim() != 1:
        raise ValueError(
            f"ordering must be a 1-D sequence of integer pixel indices; got shape "
            f"{tuple(o.shape)}, dtype {o.dtype}"
        )
    o = o.long()
    if o.numel() != num_pixels:
        raise ValueError(
            f"ordering must list every one of the {num_pixels} pixels once; got {o.numel()} entries"
        )
    if not torch.equal(torch.sort(o).values, torch.arange(num_pixels, device=o.device)):
        missing = sorted(set(range(num_pixels)) - set(o.tolist()))[:5]
        raise ValueError(
            f"ordering is not a permutation of 0..{num_pixels - 1}: pixels {missing} "
            f"are missing (and others repeat or are out of range)"
        )
    return o


def _from_keys(H, W, key) -> torch.Tensor:
    """Sort pixels by key(row, col); ties broken by row-major index."""
    cells = [(key(r, c), r * W + c) for r in range(H) for c in range(W)]
    return torch.tensor([i for _, i in sorted(cells)], dtype=torch.long)


def raster(H, W):
    """Row by row, left to right: the usual reading order."""
    return torch.arange(H * W)


def column(H, W):
    """Column by column, top to bottom (column-major)."""
    return _from_keys(H, W, lambda r, c: (c, r))


def snake(H, W):
    """Boustrophedon: rows alternate left-to-right and right-to-left."""
    return _from_keys(H, W, lambda r, c: (r, c if r % 2 == 0 else -c))


def diagonal(H, W):
    """Zig-zag over anti-diagonals r + c = 0, 1, 2, ..., alternating direction (as in JPEG)."""
    return _from_keys(H, W, lambda r, c: (r + c, r if (r + c) % 2 else -r))


def spiral(H, W):
    """Centre-out: the pixel nearest the centre first, then outward ring by ring, clockwise."""
    cy, cx = (H - 1) / 2, (W - 1) / 2

    def key(r, c):
        ring = max(abs(r - cy), abs(c - cx))  # square rings around the centre
        angle = math.atan2(r - cy, c - cx) % (2 * math.pi)
        return (round(ring, 6), round(angle, 6))

    return _from_keys(H, W, key)


def random(H, W, seed=0):
    """A uniformly random permutation (fixed by seed): no spatial structure at all."""
    return torch.randperm(H * W, generator=torch.Generator().manual_seed(int(seed)))


NAMED = {
    "raster": raster,
    "column": column,
    "snake": snake,
    "diagonal": diagonal,
    "spiral": spiral,
    "random": random,
}


def _check_size(H, W):
    try:
        ok = all(not isinstance(s, bool) and operator.index(s) >= 1 for s in (H, W))
    except TypeError:
        ok = False
    if not ok:
        raise ValueError(f"an image needs whole-number sizes H, W >= 1; got H={H!r}, W={W!r}")


def get(name, H, W, seed=0) -> torch.Tensor:
    """An ordering by name ('raster', 'column', 'snake', 'diagonal', 'spiral', 'random'),
    or a user-given permutation (validated)."""
    _check_size(H, W)
    if isinstance(name, str):
        key = name.lower()
        if key not in NAMED:
            raise ValueError(
                f"unknown ordering {name!r}; known: {', '.join(NAMED)}, or a permutation of 0..{H * W - 1}"
            )
        o = NAMED[key](H, W, seed) if key == "random" else NAMED[key](H, W)
        return check_ordering(o, H * W)
    return check_ordering(name, H * W)


def rank(ordering, H, W) -> torch.Tensor:
    """The generation step of every pixel as an (H, W) image: the ordering's heat map."""
    _check_size(H, W)
    o = check_ordering(ordering, H * W)
    r = torch.empty_like(o)
    r[o] = torch.arange(H * W, device=o.device)
    return r.view(H, W)


def neighbours_before(ordering, H, W) -> torch.Tensor:
    """For every pixel, how many of its 8 neighbours are generated before it, as an (H, W) image.

    This is the local context a pixel's conditional can see. Its *mean* over the image is the
    same for every ordering (each adjacent pair is counted once, by whichever pixel comes second);
    orderings differ in *where* the context is: which pixels are generated with none.
    """
    r = rank(ordering, H, W)
    pad = torch.full((H + 2, W + 2), H * W)  # off-image "neighbours" come after everything
    pad[1:-1, 1:-1] = r
    count = torch.zeros(H, W, dtype=torch.long)
    for dr in (-1, 0, 1):
        for dc in (-1, 0, 1):
            if dr or dc:
                count += (pad[1 + dr : H + 1 + dr, 1 + dc : W + 1 + dc] < r).long()
    return count
