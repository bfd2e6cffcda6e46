"""Painting grey digits in colour: the 8-bit RGB data set of chapter 08.

    x = genlib.data.load("coloured_digits", "train")     # (4000, 3, 14, 14) float, values 0..255

`genlib.data` paints each mnist5k grey digit with `paint`: shrunk to 14 x 14 (the mean of each
2 x 2 block) and painted with a foreground and a background colour drawn per image from PALETTE
(never the same colour twice):

    pixel = background * (1 - ink) + foreground * ink,    ink = grey / 255 in [0, 1]

So the three channels of a pixel are tied together: once a model has seen the red value of a
background pixel, its green and blue values are nearly determined. `paint` is a pure function:
the same grey images and seed give the same colour images.
"""

from __future__ import annotations

import numpy as np

# Ten colours far apart in RGB (red, green, yellow, blue, orange, purple, cyan, magenta, white, navy).
PALETTE = np.array(
    [
        [230, 25, 75],
        [60, 180, 75],
        [255, 225, 25],
        [0, 130, 200],
        [245, 130, 48],
        [145, 30, 180],
        [70, 240, 240],
        [240, 50, 230],
        [250, 250, 250],
        [0, 0, 128],
    ],
    dtype=np.float64,
)


def paint(grey, seed) -> np.ndarray:
    """Grey digits (N, 1, 28, 28) uint8 -> (N, 3, 14, 14) uint8 in two colours per image.

    seed: anything np.random.default_rng takes (an int, or a list such as [seed, split]).
    """
    grey = np.asarray(grey)
    if grey.ndim != 4 or grey.shape[1:] != (1, 28, 28):
        raise ValueError(f"paint expects grey digits of shape (N, 1, 28, 28); got {grey.shape}")
    n = len(grey)
    ink = grey.reshape(n, 14, 2, 14, 2).astype(np.float64).mean((2, 4)) / 255  # (N, 14, 14)
    rng = np.random.default_rng(seed)
    fg = rng.integers(0, len(PALETTE), n)
    bg = (fg + rng.integers(1, len(PALETTE), n)) % len(PALETTE)  # any colour but the foreground
    img = PALETTE[bg][:, :, None, None] * (1 - ink[:, None]) + PALETTE[fg][:, :, None, None] * ink[:, None]
    return np.rint(img).astype(np.uint8)
