"""Checkers for the exercises of chapter 07 (PixelRNN)."""

from __future__ import annotations

import torch

from . import Verdict, check_function, check_number, right, wrong


def check_centre_mask(fn) -> "Verdict":
    """fn(out_colour, in_colour, kind) -> 1 if the centre tap connects them, else 0 (colours 0, 1, 2)."""
    cases = [
        ((o, i, k), int(o > i if k == "A" else o >= i)) for k in "AB" for o in range(3) for i in range(3)
    ]
    return check_function(
        fn,
        cases,
        "at the centre, mask A lets colour o see only EARLIER colours "
        "(i < o); mask B also lets it see its own group (i <= o)",
        compare=lambda a, b: int(a) == b,
        explain="mask A: strictly earlier colours; mask B: earlier or the same",
    )


def check_sampling_passes(answer, height=32, width=32, colours=3) -> "Verdict":
    """How many sequential steps does sampling one height x width image with `colours` channels take?"""
    return check_number(
        answer,
        height * width * colours,
        "every pixel AND every colour of it is one conditional, and each conditional "
        "needs its own step (it depends on the value just drawn)",
    )


def check_row_lstm_reach(answer, layers=7, k=3) -> "Verdict":
    """How far left in its own row does a Row LSTM output see (7x7 mask-A input layer, `layers` layers)?"""
    return check_number(
        answer,
        3 + layers * (k // 2),
        "the 7x7 input layer reaches 3 pixels left; each Row LSTM layer's 1 x k input-to-state "
        "convolution reaches k // 2 more; the state-to-state convolution only looks at the row above",
    )


def check_skew(fn) -> "Verdict":
    """fn(x) for x of shape (B, F, H, W) must return the skewed map (B, F, H, W + H - 1)."""
    from ..models.pixelrnn import skew

    if not callable(fn):
        return wrong(f"expected a function, got {fn!r}")
    for shape in [(1, 1, 3, 4), (2, 3, 5, 2), (1, 2, 1, 6)]:
        x = torch.randn(shape)
        try:
            got = fn(x)
        except NotImplementedError:
            return wrong(
                "the function is not written yet: make a zero map (B, F, H, W + H - 1) and "
                "copy row r into columns r .. r + W - 1"
            )
        except Exception as e:
            return wrong(f"on an input of shape {shape} it raised {type(e).__name__}: {e}")
        want = skew(x)
        if not isinstance(got, torch.Tensor) or tuple(got.shape) != tuple(want.shape):
            return wrong(
                f"for an input of shape {shape} the skewed map has shape {tuple(want.shape)}; "
                f"yours has {tuple(got.shape) if isinstance(got, torch.Tensor) else type(got).__name__}"
            )
        if not torch.allclose(got, want):
            return wrong("right shape, wrong place: row r must start at column r (row 0 does not move)")
    return right("row r shifted right by r: every diagonal of the image is now a column")
