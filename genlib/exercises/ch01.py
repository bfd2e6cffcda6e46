"""Exercises of chapter 01 (discrete distributions): parameter counts, the MLE, the log-likelihood."""

from __future__ import annotations

import math

import torch

from .. import counting
from ..joint import log_likelihood
from . import Verdict, check_function, check_number


def check_rgb_pixel_parameters(answer) -> "Verdict":
    """How many free parameters does a categorical over all colours of one 8-bit RGB pixel have?"""
    return check_number(
        answer,
        counting.categorical(256**3),
        "a categorical over m values has m - 1 free parameters (they sum to 1); "
        "how many colours can one pixel with three 8-bit channels take?",
    )


def check_binary_image_parameters(fn) -> "Verdict":
    """fn(n) -> the number of free parameters of the full joint table of n binary pixels."""
    cases = [((n,), counting.joint_table(n)) for n in (1, 2, 3, 10, 784)]
    return check_function(
        fn,
        cases,
        "a binary image of n pixels can be 2**n different images; "
        "one probability each, minus one because they sum to 1",
        explain="2**n - 1: for 784 pixels a number with 237 digits",
    )


def check_bernoulli_mle(fn) -> "Verdict":
    """fn(flips) -> the maximum-likelihood theta = p(1) of a coin from a list of 0/1 observations."""
    cases = [(([1, 0, 0, 1, 1],), 0.6), (([0, 0, 0, 1],), 0.25), (([1],), 1.0), (([0] * 7 + [1] * 3,), 0.3)]
    return check_function(
        fn,
        cases,
        "write the log-likelihood N1 log(theta) + N0 log(1 - theta), set its derivative to zero "
        "and solve for theta",
        compare=lambda a, b: math.isclose(float(a), b, abs_tol=1e-9),
        explain="theta = N1 / N: the fraction of ones",
    )


def check_log_likelihood(fn) -> "Verdict":
    """fn(probs, samples) -> log p(samples) = sum_i log probs[x_i], in nats."""
    cases = [(([0.5, 0.5], [0, 1, 1]),), (([0.2, 0.3, 0.5], [2, 2, 0, 1]),), (([0.9, 0.1], [0] * 9 + [1]),)]
    cases = [(args, log_likelihood(*args)) for (args,) in cases]
    return check_function(
        fn,
        cases,
        "independent observations multiply, so their logs add: sum math.log(probs[x]) over the samples",
        compare=lambda a, b: math.isclose(float(torch.as_tensor(a)), b, rel_tol=1e-6),
        explain="the log-likelihood is a sum over the data of log-probabilities",
    )
