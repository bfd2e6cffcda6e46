"""Checkers for the chapters' exercises: each says right or wrong, with a hint.

Every chapter has its own module (`genlib.exercises.ch01`, ...). A checker takes the
learner's answer (a number or a function), compares it with a value computed here, and
returns a `Verdict` that prints as one line:

    >>> from genlib.exercises import ch01
    >>> ch01.check_rgb_pixel_parameters(256**3)
    ✗ not quite: a categorical over m values has m - 1 free parameters (they sum to 1)
"""

from __future__ import annotations

import math
from dataclasses import dataclass


@dataclass
class Verdict:
    correct: bool
    message: str

    def __bool__(self):
        return self.correct

    def __repr__(self):
        return f"{'✓ correct' if self.correct else '✗ not quite'}: {self.message}"

    def _repr_html_(self):
        colour = "#1a7f37" if self.correct else "#cf222e"
        text = repr(self).replace("&", "&amp;").replace("<", "&lt;")
        return f'<span style="color:{colour};font-weight:bold">{text}</span>'


def right(message: str = "well done") -> Verdict:
    return Verdict(True, message)


def wrong(hint: str) -> Verdict:
    return Verdict(False, hint)


def check_number(
    answer, expected, hint: str, *, rel: float = 1e-6, abs_tol: float = 0.0, explain: str = ""
) -> Verdict:
    """Right when answer equals expected (within rel / abs_tol); otherwise the hint."""
    if answer is None or answer is Ellipsis:
        return wrong(f"no answer yet. {hint}")
    exact = isinstance(expected, int) and not isinstance(expected, bool)  # counts must be exact
    if exact and isinstance(answer, int) and not isinstance(answer, bool):
        return (
            right(explain or f"{expected:,}") if answer == expected else wrong(hint)
        )  # no float: 256**784 is fine
    try:
        value = float(answer)
    except (TypeError, ValueError, OverflowError):
        return wrong(f"expected a number, got {answer!r}. {hint}")
    if exact:
        ok = value == expected
    else:
        ok = math.isclose(value, float(expected), rel_tol=rel, abs_tol=abs_tol)
    if ok:
        return right(explain or (f"{expected:,}" if isinstance(expected, int) else f"{expected:.6g}"))
    return wrong(hint)


def _same(got, expected) -> bool:
    """Equality that also works for arrays and tensors (same shape, values within 1e-6)."""
    import numpy as np

    if hasattr(got, "shape") or hasattr(expected, "shape"):
        try:
            a, b = np.asarray(got, dtype=float), np.asarray(expected, dtype=float)
        except (TypeError, ValueError):
            return False
        return a.shape == b.shape and bool(np.allclose(a, b, rtol=1e-6, atol=1e-6))
    return got == expected


def check_function(fn, cases, hint: str, *, compare=None, explain: str = "well done") -> Verdict:
    """Right when fn(*args) matches every expected result in cases = [(args, expected), ...]."""
    if not callable(fn):
        return wrong(f"expected a function, got {fn!r}. {hint}")
    compare = compare or _same
    for args, expected in cases:
        try:
            got = fn(*args)
        except NotImplementedError:
            return wrong(f"the function is not written yet. {hint}")
        except Exception as e:  # the learner's code raised: show what and where
            return wrong(f"calling it with {args!r} raised {type(e).__name__}: {e}. {hint}")
        if not compare(got, expected):
            return wrong(f"for input {args!r} it returned {got!r}, expected {expected!r}. {hint}")
    return right(explain)
