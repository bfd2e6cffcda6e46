"""Checkers for chapter 04: autoregressive models on images, and the pixel ordering."""

from __future__ import annotations

import torch

from . import Verdict, check_function, check_number
from .. import orderings


def check_fvsbn_parameters(answer) -> "Verdict":
    """Free parameters of an FVSBN on the 8 x 8 digits (n = 64 pixels)."""
    return check_number(
        answer,
        64 * 65 // 2,
        "pixel j (counting from 0) has one bias and j weights; add 1 + j over j = 0..N-1 (N pixels)",
        explain="64 * 65 / 2 = 2,080: a bias and j weights for pixel j",
    )


def check_neighbour_pairs(answer) -> "Verdict":
    """The number of pairs of 8-neighbours in a 28 x 28 image."""
    return check_number(
        answer,
        2 * 28 * 27 + 2 * 27 * 27,
        "count horizontal pairs (28 rows of 27), vertical pairs (the same) and the two "
        "diagonal directions (27 x 27 each)",
        explain="2,970 pairs; each is counted once, by the pixel of the pair generated "
        "second, so every ordering has 2970 / 784 = 3.79 earlier neighbours per pixel",
    )


def _as_list(o):
    return [int(i) for i in torch.as_tensor(o).tolist()]


def check_bottom_up(fn) -> "Verdict":
    """fn(H, W) -> the ordering that generates the bottom row first, each row left to right."""
    cases = [
        ((H, W), [r * W + c for r in reversed(range(H)) for c in range(W)])
        for H, W in [(2, 3), (3, 2), (4, 4)]
    ]
    return check_function(
        lambda H, W: _as_list(fn(H, W)),
        cases,
        "list the rows from H-1 down to 0, and inside each row the columns 0..W-1; "
        "pixel (r, c) has index r * W + c",
        explain="a model trained in this order can complete the top half from the bottom",
    )


def can_complete(ordering, known) -> bool:
    """The reference answer: True when every known pixel is generated before every unknown one."""
    known = torch.as_tensor(known, dtype=torch.bool).flatten()
    rank = orderings.rank(ordering, 1, known.numel()).flatten()
    if known.all() or not known.any():
        return True
    return bool(rank[known].max() < rank[~known].min())


def check_can_complete(fn) -> "Verdict":
    """fn(ordering, known) -> True when the model's completion conditions on all the known pixels."""
    top = torch.zeros(4, 4, dtype=torch.bool)
    top[:2] = True
    left = torch.zeros(4, 4, dtype=torch.bool)
    left[:, :2] = True
    cases = [
        ((orderings.get(o, 4, 4), k), can_complete(orderings.get(o, 4, 4), k))
        for o in ("raster", "column", "snake", "spiral")
        for k in (top, ~top, left, ~left)
    ]
    return check_function(
        fn,
        cases,
        "a pixel's conditional sees exactly the pixels generated before it: the known "
        "pixels must all come first (compare the largest rank of a known pixel with the "
        "smallest rank of an unknown one)",
        explain="the ordering decides which questions a model can answer exactly",
    )
