"""Exercises of chapter 05 (NADE): each checker says right or wrong, with a hint."""

from __future__ import annotations

import math

import torch

from . import Verdict, check_function, check_number


def check_nade_parameters(answer, D: int = 784, H: int = 500) -> Verdict:
    """How many parameters has a NADE with D pixels and H hidden units?"""
    return check_number(
        answer,
        2 * D * H + D + H,
        "count W (H per pixel), V (H per pixel), the hidden bias c and the output bias b",
        explain=f"2DH + D + H = {2 * D * H + D + H:,}",
    )


def check_naive_over_shared_cost(answer, D: int = 784) -> Verdict:
    """How many times more multiply-adds does the naive formula need for all the activations a_1..a_D?"""
    naive, shared = D * (D - 1) / 2, D - 1  # in units of H multiply-adds
    return check_number(
        answer,
        naive / shared,
        "the naive way recomputes sum_{j<d} W_j x_j from scratch for each d (d - 1 terms); "
        "the shared way adds one term per step. Compare sum_d (d - 1) with D - 1",
        rel=1e-3,
        explain=f"D(D-1)/2 / (D-1) = D/2 = {D / 2:g}",
    )


def _cases_activations():
    g = torch.Generator().manual_seed(5)
    cases = []
    for D, H in [(1, 3), (4, 2), (9, 5)]:
        x = torch.bernoulli(torch.full((D,), 0.5), generator=g)
        W = torch.randn(D, H, generator=g)
        a = torch.stack([(x[:d, None] * W[:d]).sum(0) for d in range(D)])
        cases.append(((W, x), a))
    return cases


def check_running_activations(fn) -> Verdict:
    """fn(W, x) -> a with a[d] = sum_{j<d} x[j] W[j] (W: (D, H), x: (D,)); a[0] is all zeros."""
    return check_function(
        fn,
        _cases_activations(),
        "use torch.cumsum over the rows of x[:, None] * W, then shift it down one step "
        "(a[d] must not include pixel d itself)",
        compare=lambda a, b: (
            isinstance(a, torch.Tensor) and a.shape == b.shape and torch.allclose(a, b, atol=1e-5)
        ),
        explain="that is the shared-weight trick: one running sum gives every a_d",
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
        explain="log (1/K) sum_k p(x | o_k): a mixture of K NADEs, itself normalized",
    )
