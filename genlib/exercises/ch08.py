"""Checkers for the exercises of chapter 08 (PixelCNN, its blind spot, and the gated PixelCNN)."""

from __future__ import annotations

import torch

from . import Verdict, check_function, check_number, right, wrong


def pixelcnn_sees(up: int, right_: int, layers: int) -> bool:
    """Does the output at (r, c) of a PixelCNN (7x7 mask-A input layer, `layers` blocks of masked 3x3
    mask-B convolutions) depend on the pixel `up` rows above and `right_` columns to the right?

    Row r itself (up = 0): the pixels 1 .. 3 + layers to the left. Row r - up, 1 <= up <= 3 + layers: from
    3 + layers columns left to 3 + min(layers, up - 1) columns right; the rest of that row to the right is
    the blind spot (a masked kernel climbs a row only by also moving at most one column right).
    """
    if up == 0:
        return -(3 + layers) <= right_ <= -1
    if 1 <= up <= 3 + layers:
        return -(3 + layers) <= right_ <= 3 + min(layers, up - 1)
    return False


def check_pixelcnn_sees(fn, layers=(1, 2, 4)) -> Verdict:
    """fn(up, right, layers) -> True if a PixelCNN output sees the pixel `up` rows up and `right` right."""
    cases = [
        ((u, v, L), pixelcnn_sees(u, v, L))
        for L in layers
        for u in range(0, L + 6)
        for v in range(-L - 6, L + 7)
        if u > 0 or v < 0  # earlier pixels only
    ]
    return check_function(
        fn,
        cases,
        "the 7x7 mask-A layer reaches rows r-3 .. r-1 at columns c-3 .. c+3, and row r at c-3 .. c-1; a "
        "masked 3x3 (mask B) adds one row up with columns -1 .. +1, or the same row with -1 .. 0. "
        "Add up the steps: how far right can you be after climbing `up` rows?",
        compare=lambda a, b: isinstance(a, (bool, int)) and bool(a) == b,
        explain="the cone climbs one column right per row up and never reaches the wedge beyond it",
    )


def check_shift_down(fn) -> Verdict:
    """fn(v) for v (B, F, H, W) must return v moved down one row: row r gets row r - 1, row 0 zeros."""
    from ..models.gated_pixelcnn import shift_down

    if not callable(fn):
        return wrong(f"expected a function, got {fn!r}")
    for shape in [(1, 1, 4, 3), (2, 3, 5, 2), (1, 2, 1, 4)]:
        v = torch.randn(shape) + 1  # no zeros by accident
        try:
            got = fn(v)
        except NotImplementedError:
            return wrong("the function is not written yet: pad one zero row on top and drop the last row")
        except Exception as e:
            return wrong(f"on an input of shape {shape} it raised {type(e).__name__}: {e}")
        want = shift_down(v)
        if not isinstance(got, torch.Tensor) or tuple(got.shape) != shape:
            return wrong(f"the shifted map keeps the shape {shape}; got {getattr(got, 'shape', type(got))}")
        if not torch.equal(got, want):
            if torch.equal(got, torch.roll(v, 1, 2)):
                return wrong("torch.roll wraps the last row round to the top: row 0 must get zeros")
            return wrong("row r must hold row r - 1 of the input, and row 0 zeros")
    return right("row r now holds what the vertical stack computed from rows <= r - 1: only the past")


def check_gate(fn) -> Verdict:
    """fn(a) for a (B, 2p, H, W) must return tanh(first p maps) * sigmoid(last p maps), (B, p, H, W)."""
    g = torch.Generator().manual_seed(0)
    cases = []
    for shape in [(1, 4, 2, 2), (2, 6, 3, 1)]:
        a = torch.randn(shape, generator=g)
        p = shape[1] // 2
        cases.append(((a,), torch.tanh(a[:, :p]) * torch.sigmoid(a[:, p:])))
    return check_function(
        fn,
        cases,
        "split the maps in two halves along dimension 1 (a.chunk(2, 1)); tanh of the first, "
        "sigmoid of the second, multiplied",
        compare=lambda got, want: (
            isinstance(got, torch.Tensor) and got.shape == want.shape and torch.allclose(got, want, atol=1e-6)
        ),
        explain="tanh gives the value in (-1, 1), sigmoid a gate in (0, 1) that lets it through or not",
    )


def check_full_pass_ratio(answer, height: int = 28, width: int = 28) -> Verdict:
    """How many times more pixel positions per layer does one full pass per step compute than the cache?"""
    n = height * width
    return check_number(
        answer,
        n,
        "one full pass computes every layer at all n pixels, and sampling takes n steps (n * n positions); "
        "the cached sampler computes each layer once per pixel (n positions)",
        explain=f"n^2 / n = n = {n:,}",
    )
