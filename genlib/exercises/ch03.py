"""Exercises of chapter 03 (the Markov assumption and AR(k))."""

from __future__ import annotations

from .. import counting
from . import Verdict, check_function, check_number


def check_markov_table_parameters(fn) -> "Verdict":
    """fn(n, k) -> parameters of AR(k) with lookup tables over n binary pixels."""
    cases = [
        ((n, k), counting.markov_table(n, k))
        for n, k in [(5, 0), (5, 1), (784, 1), (784, 2), (16, 15), (784, 8), (3, 2), (10, 12)]
    ]
    return check_function(
        fn,
        cases,
        "pixel j (from 0) has min(j, k) parents, so a table of 2**min(j, k) rows; add them up",
        explain="sum_j 2**min(j, k) = (2**k - 1) + (n - k) 2**k when n > k",
    )


def check_context_index(fn) -> "Verdict":
    """fn(previous) -> the table row for the previous pixels [x_(j-k), ..., x_(j-1)] (oldest first)."""
    cases = [
        (([],), 0),
        (([1],), 1),
        (([0, 1],), 1),
        (([1, 0],), 2),
        (([1, 1, 0, 1],), 13),
        (([0, 0, 0, 0, 0, 0, 0, 1],), 1),
        (([1, 0, 0, 0, 0, 0, 0, 0],), 128),
    ]
    return check_function(
        fn,
        cases,
        "read the previous pixels as a binary number, oldest pixel the most significant bit: [1, 0] is 2",
        explain="the context is a k-bit number, so each pixel's table has 2**k rows",
    )


def check_ar2_parameters(answer) -> "Verdict":
    """Parameters of AR(2) with lookup tables on a binary 28x28 image."""
    return check_number(
        answer,
        counting.markov_table(784, 2),
        "the first pixel has 1 row, the second 2, and each of the other 782 has 4",
    )


def check_full_table_k(answer) -> "Verdict":
    """The smallest k for which AR(k) on a 4x4 binary image is the full joint table."""
    return check_number(answer, 15, "the last pixel of 16 must see all the others: how many is that?")
