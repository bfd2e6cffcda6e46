"""Exercises of chapter 06 (MADE and the order-agnostic NADE): each checker says right or wrong, with a hint
(exercise 5, the ensemble over orderings, moved here from chapter 05)."""

from __future__ import annotations

import math

import torch

from . import Verdict, check_function, check_number


def check_made_parameters(answer, D: int = 784, hidden=(500, 500), direct: bool = True) -> Verdict:
    """How many parameters does a MADE with these hidden layers (and direct connections) store?"""
    sizes = (D, *hidden)
    expected = sum((a + 1) * b for a, b in zip(sizes[:-1], sizes[1:])) + (sizes[-1] + 1) * D + D * D * direct
    return check_number(
        answer,
        expected,
        "count every layer's weights and biases (input to hidden, hidden to hidden, hidden to output) "
        "and the D x D direct connections (the masks zero some of them, but they are stored)",
        explain=f"sum over layers of (inputs + 1) x outputs, plus D^2 = {expected:,}",
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


def check_input_reach(answer, D: int = 784, degree: int = 700) -> Verdict:
    """With direct connections, how many outputs can the input of this degree influence?"""
    return check_number(
        answer,
        D - degree,
        "output i may depend on input j only if m(i) > m(j); with direct connections M^A keeps "
        "exactly those pairs. Count the outputs whose degree is larger than the input's",
        explain=f"D - {degree} = {D - degree}: every later pixel, and none of the others",
    )


def check_completion_passes(answer, D: int = 784, known: int = 392) -> Verdict:
    """Passes of the network (one gives all D logits) to fill in the last D - known pixels of an image."""
    return check_number(
        answer,
        D - known,
        "each missing pixel's logit needs every earlier step's value, and a value is known only once it "
        "is sampled: one pass per missing pixel. The known pixels need no pass",
        explain=f"{D - known}: one pass per pixel still to sample (a full sample takes D passes, or D - 1 "
        "if you notice that the first pixel's conditional is a constant that can be computed once)",
    )


def check_ensemble_log_prob(fn) -> Verdict:
    """fn(lp) -> log of the mean of exp(lp) over the orderings, lp: (K, B) log-probabilities."""
    g = torch.Generator().manual_seed(6)
    cases = []
    for K, B in [(1, 3), (4, 2), (8, 5)]:
        lp = -100 - 50 * torch.rand(K, B, generator=g)
        cases.append(((lp,), torch.logsumexp(lp.double(), 0).float() - math.log(K)))
    return check_function(
        fn,
        cases,
        "average the probabilities, not the log-probabilities; exp(-120) underflows to 0 in "
        "float32, so use torch.logsumexp(lp, 0) - log K",
        compare=lambda a, b: (
            isinstance(a, torch.Tensor) and a.shape == b.shape and torch.allclose(a.float(), b, atol=1e-3)
        ),
        explain="log (1/K sum_k p(x | o_k)): a mixture of K autoregressive models, itself normalized",
    )
