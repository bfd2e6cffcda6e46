"""Exercises of chapter 06 (MADE): each checker says right or wrong, with a hint."""

from __future__ import annotations

import torch

from . import Verdict, check_function, check_number


def check_made_parameters(answer, D: int = 784, H: int = 500) -> Verdict:
    """How many parameters does a MADE with one hidden layer of H units and direct connections store?"""
    expected = (D + 1) * H + (H + 1) * D + D * D
    return check_number(
        answer,
        expected,
        "count the input-to-hidden weights and biases, the hidden-to-output weights and "
        "biases, and the D x D direct connections (the masks zero some of them, but they are stored)",
        explain=f"(D + 1) H + (H + 1) D + D^2 = {expected:,}",
    )


def _cases_mask():
    g = torch.Generator().manual_seed(7)
    cases = []
    for n_out, n_in, output in [(5, 4, False), (4, 5, True), (6, 6, True), (3, 7, False)]:
        m_in = torch.randint(1, 5, (n_in,), generator=g)
        m_out = torch.randint(1, 5, (n_out,), generator=g)
        M = (m_out[:, None] > m_in[None, :]) if output else (m_out[:, None] >= m_in[None, :])
        cases.append(((m_out, m_in, output), M.float()))
    return cases


def check_mask(fn) -> Verdict:
    """fn(m_out, m_in, output) -> the (len(m_out), len(m_in)) 0/1 mask between two layers of a MADE."""
    return check_function(
        fn,
        _cases_mask(),
        "a hidden unit may see units of degree <= its own (>=); an output of degree d may "
        "only see units of degree < d (strictly >). "
        "Compare m_out[:, None] with m_in[None, :]",
        compare=lambda a, b: isinstance(a, torch.Tensor) and a.shape == b.shape and torch.equal(a.float(), b),
        explain="one comparison of degrees builds the whole mask",
    )


def check_last_input_reach(answer) -> Verdict:
    """How many hidden units can the input of degree D (the last pixel in the ordering) connect to?"""
    return check_number(
        answer,
        0,
        "hidden degrees are drawn from {1, ..., D-1}; the rule keeps a connection only if "
        "the hidden degree is >= the input's degree D",
        explain="none: the last pixel is never an input to any conditional, as it must be",
    )


def check_sampling_passes(answer, D: int = 784) -> Verdict:
    """How many forward passes does MADE need to sample one 28 x 28 binary image?"""
    return check_number(
        answer,
        D,
        "the logit of step d needs the value of step d - 1, which is only known once it is "
        "sampled: one pass per pixel",
        explain=f"{D}: training takes one pass, sampling D (as for every autoregressive model)",
    )
