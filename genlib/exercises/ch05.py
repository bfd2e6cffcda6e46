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
    """How many times more multiply-adds does the naive formula need for the activations a_1..a_D alone?"""
    naive, shared = D * (D - 1) / 2, D - 1  # in units of H multiply-adds
    return check_number(
        answer,
        naive / shared,
        "the naive way recomputes sum_{j<d} W_j x_j from scratch for each d (d - 1 terms); "
        "the shared way adds one term per step. Compare sum_d (d - 1) with D - 1",
        rel=1e-3,
        explain=f"D(D-1)/2 / (D-1) = D/2 = {D / 2:g} for the activations; with the D products V_d . h_d "
        f"that both ways add for the outputs, the ratio for all logits is {(naive + D) / (shared + D):.0f}",
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


def _cases_mixture():
    g = torch.Generator().manual_seed(7)
    cases = []
    for B, K in [(3, 1), (4, 2), (6, 5)]:
        x = torch.rand(B, generator=g) * 2 - 0.5
        log_alpha = torch.log_softmax(torch.randn(B, K, generator=g), -1)
        mu, log_sigma = torch.rand(B, K, generator=g), torch.randn(B, K, generator=g) - 3  # narrow peaks
        comp = torch.distributions.Normal(mu.double(), log_sigma.double().exp())
        lp = torch.logsumexp(log_alpha.double() + comp.log_prob(x.double()[:, None]), -1)
        cases.append(((x, log_alpha, mu, log_sigma), lp.float()))
    return cases


def check_mixture_log_density(fn) -> Verdict:
    """fn(x, log_alpha, mu, log_sigma) -> log sum_k alpha_k N(x; mu_k, sigma_k^2); x (B,), the rest (B, K)."""
    return check_function(
        fn,
        _cases_mixture(),
        "log N(x; mu, sigma^2) = -(x - mu)^2 / (2 sigma^2) - log sigma - log(2 pi) / 2; add log alpha and "
        "combine the K components with torch.logsumexp(..., -1): exp of a narrow peak's log density "
        "far from x underflows, and a mixture averages densities, not log densities",
        compare=lambda a, b: (
            isinstance(a, torch.Tensor) and a.shape == b.shape and torch.allclose(a.float(), b, atol=1e-3)
        ),
        explain="that is RNADE's conditional_log_density, one pixel at a time",
    )


def check_bits_per_dim_bound(fn) -> Verdict:
    """fn(log_density, D, levels) -> the upper bound on the discrete NLL in bits per dimension.

    log_density: mean log p of dequantized images x = (g + u) / levels, nats per image (can be > 0)."""
    cases = [
        ((ld, D, L), (-ld + D * math.log(L)) / (D * math.log(2)))
        for ld, D, L in [(79.6, 64, 17), (-10.0, 64, 17), (0.0, 784, 256), (1500.0, 784, 256)]
    ]
    return check_function(
        fn,
        cases,
        "a density on (0, 1)^D with cells of side 1 / levels: -log P(g) <= -log p(x) + D log(levels) "
        "(nats per image); then divide by D ln 2 for bits per dimension",
        compare=lambda a, b: isinstance(a, (int, float)) and math.isclose(a, b, rel_tol=1e-6),
        explain="never negative: the bound is at least -log P(g) >= 0",
    )
