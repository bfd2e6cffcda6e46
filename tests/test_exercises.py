from genlib.exercises import check_function, check_number


def test_check_number():
    assert check_number(16777215, 256**3 - 1, "hint")
    assert not check_number(256**3, 256**3 - 1, "m - 1")
    assert "m - 1" in repr(check_number(256**3, 256**3 - 1, "m - 1"))
    assert not check_number(None, 1, "hint")
    assert not check_number("many", 1, "hint")


def test_check_function():
    assert check_function(lambda n: 2**n - 1, [((1,), 1), ((3,), 7)], "hint")
    v = check_function(lambda n: 2**n, [((1,), 1)], "remember the sum-to-one constraint")
    assert not v and "sum-to-one" in repr(v)
    assert not check_function(lambda n: 1 / 0, [((1,), 1)], "hint")


def test_check_function_compares_arrays():
    import numpy as np
    import torch

    assert check_function(lambda n: np.arange(n), [((3,), np.array([0, 1, 2]))], "hint")
    assert check_function(lambda n: torch.arange(n).float(), [((3,), np.array([0, 1, 2]))], "hint")
    assert not check_function(lambda n: np.arange(n), [((3,), np.array([0, 1, 3]))], "hint")
    assert not check_function(lambda n: np.arange(n + 1), [((3,), np.array([0, 1, 2]))], "hint")


def test_chapter06_ensemble_log_prob_checker():
    """The ensemble exercise (moved from chapter 05) accepts log-mean-exp and rejects the usual mistakes."""
    import math

    import torch

    from genlib.exercises import ch06

    assert ch06.check_ensemble_log_prob(lambda lp: torch.logsumexp(lp, 0) - math.log(lp.shape[0]))
    assert not ch06.check_ensemble_log_prob(lambda lp: lp.mean(0))  # mean of the logs: Jensen's lower bound
    assert not ch06.check_ensemble_log_prob(lambda lp: lp.exp().mean(0).log())  # underflows to -inf
    assert not ch06.check_ensemble_log_prob(lambda lp: torch.logsumexp(lp, 0))  # forgets the 1/K
