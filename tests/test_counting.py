"""Parameter counts: closed forms against brute-force sums and against real models."""

import itertools

import pytest

from genlib import counting
from genlib.models import IndependentBernoulli, MarkovTable


def test_small_distributions():
    assert counting.bernoulli() == 1
    assert counting.categorical(2) == counting.bernoulli()
    assert counting.categorical(256**3) == 16_777_215
    assert counting.joint_table(3) == 7 and counting.joint_table(2, m=3) == 8


@pytest.mark.parametrize("n", [1, 2, 5, 16, 784])
@pytest.mark.parametrize("m", [2, 3, 10])
def test_chain_rule_has_as_many_parameters_as_the_joint_table(n, m):
    assert counting.chain_rule(n, m) == counting.joint_table(n, m) == m**n - 1


@pytest.mark.parametrize("n, k, m", list(itertools.product([1, 2, 3, 7, 30, 784], [0, 1, 2, 5, 16], [2, 3])))
def test_markov_table_closed_form_matches_the_sum_over_pixels(n, k, m):
    brute = sum(m ** min(j, k) * (m - 1) for j in range(n))
    assert counting.markov_table(n, k, m) == brute


def test_markov_table_special_cases():
    for n in [1, 2, 9, 784]:
        assert counting.markov_table(n, 0) == counting.independent(n) == n
        assert counting.markov_table(n, 1) == 2 * n - 1
        assert counting.markov_table(n, n - 1) == counting.joint_table(n)


def test_big_counts_are_exact():
    big = counting.joint_table(784)
    assert isinstance(big, int) and big == 2**784 - 1
    assert counting.digits(big) == 237
    assert counting.fvsbn(784) == 784 * 785 // 2 == 307_720


@pytest.mark.parametrize(
    "shape, k",
    [((1, 2, 2), k) for k in range(4)]
    + [((1, 5, 3), k) for k in (0, 1, 5, 14)]
    + [((1, 28, 28), k) for k in (0, 1, 2, 8)],
)
def test_models_have_exactly_the_counted_parameters(shape, k):
    n = shape[1] * shape[2]
    model = MarkovTable(shape, k=k)
    assert sum(p.numel() for p in model.parameters()) == counting.markov_table(n, k)
    assert sum(p.numel() for p in IndependentBernoulli(shape).parameters()) == counting.independent(n)


@pytest.mark.parametrize("bad", [-1, 2.5, "ten", None])
def test_bad_counts_are_clear_errors(bad):
    with pytest.raises(ValueError, match="n|m"):
        counting.joint_table(bad)
    with pytest.raises(ValueError):
        counting.markov_table(10, bad)


def test_exercise_checkers_accept_the_formulas_and_reject_off_by_one():
    from genlib.exercises import ch01, ch02, ch03

    assert ch01.check_rgb_pixel_parameters(16_777_215) and not ch01.check_rgb_pixel_parameters(256**3)
    assert ch01.check_binary_image_parameters(lambda n: 2**n - 1)
    assert not ch01.check_binary_image_parameters(lambda n: 2**n)
    assert ch02.check_chain_rule_factor_parameters(lambda j: 2 ** (j - 1))
    assert ch02.check_markov_chain_parameters(7) and not ch02.check_markov_chain_parameters(15)
    assert ch03.check_markov_table_parameters(lambda n, k: sum(2 ** min(j, k) for j in range(n)))
    assert not ch03.check_markov_table_parameters(lambda n, k: n * 2**k)
    assert ch03.check_ar2_parameters(3131) and ch03.check_full_table_k(15)
