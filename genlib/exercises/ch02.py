"""Exercises of chapter 02 (independence and the chain rule)."""

from __future__ import annotations

import math

import torch

from .. import counting
from ..joint import Joint
from . import Verdict, check_function, check_number


def check_independent_parameters(answer) -> "Verdict":
    """How many parameters does the independent model of a binary 28x28 image have?"""
    return check_number(
        answer,
        counting.independent(28 * 28),
        "one Bernoulli per pixel, and a Bernoulli has one free parameter",
    )


def check_chain_rule_factor_parameters(fn) -> "Verdict":
    """fn(j) -> free parameters of the factor p(x_j | x_1, ..., x_(j-1)) of binary variables (j from 1)."""
    cases = [((j,), 2 ** (j - 1)) for j in (1, 2, 3, 8, 20)]
    return check_function(
        fn,
        cases,
        "the context x_1..x_(j-1) can take 2**(j-1) values, and for each "
        "one the factor is a Bernoulli with one parameter",
        explain="2**(j-1); summed over j = 1..n that is 2**n - 1, the joint table again",
    )


def _tables():
    g = torch.Generator().manual_seed(2)
    out = []
    for sizes in [(2, 2), (2, 3), (3, 2)]:
        t = torch.rand(sizes, generator=g, dtype=torch.float64) + 0.05
        out.append(Joint(t / t.sum(), ["a", "b"]))
    return out


def check_bayes(fn) -> "Verdict":
    """fn(p_b_given_a, p_a, p_b) -> p(a | b) by Bayes' rule (all numbers)."""
    cases = []
    for J in _tables():
        pb_a = J.conditional("b", "a")[1, 1].item()
        cases.append(((pb_a, J.p(a=1), J.p(b=1)), J.condition(b=1).p(a=1)))
    return check_function(
        fn,
        cases,
        "p(a | b) = p(b | a) p(a) / p(b): the joint p(a, b) written two ways",
        compare=lambda a, b: math.isclose(float(a), b, rel_tol=1e-9),
    )


def check_markov_chain_parameters(answer) -> "Verdict":
    """Free parameters of p(a) p(b|a) p(c|b) p(d|c) for four binary variables."""
    parents = {"a": [], "b": ["a"], "c": ["b"], "d": ["c"]}
    J = Joint(torch.full((2, 2, 2, 2), 1 / 16), list(parents))
    return check_number(
        answer,
        J.factor_parameters(parents),
        "p(a) has 1 parameter; each p(next | previous) has one Bernoulli per value of the previous variable",
    )
