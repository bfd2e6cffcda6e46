"""How many numbers a distribution needs: the parameter counts of chapters 01–04.

Every count is an exact Python int, so 2**784 - 1 stays exact (it has 237 digits).

    counting.categorical(256**3)       # one RGB pixel: 16,777,215
    counting.joint_table(784)          # a binary 28x28 image, no assumptions: 2**784 - 1
    counting.independent(784)          # every pixel its own coin: 784
    counting.markov_table(784, k=1)    # a Markov chain over the pixels: 2*784 - 1 = 1,567
    counting.fvsbn(784)                # a logistic regression per pixel (chapter 04): 307,720
"""

from __future__ import annotations


def _count(name: str, value, low: int = 0) -> int:
    if isinstance(value, bool) or not isinstance(value, int):
        try:
            as_int = int(value)
        except (TypeError, ValueError):
            as_int = None
        if as_int is None or as_int != value:
            raise ValueError(f"{name} must be a whole number; got {value!r}")
        value = as_int
    if value < low:
        raise ValueError(f"{name} must be at least {low}; got {value}")
    return value


def bernoulli() -> int:
    """A coin flip: p(1) = theta, p(0) = 1 - theta. One free parameter."""
    return 1


def categorical(m: int) -> int:
    """A categorical over m values: m probabilities that sum to 1, so m - 1 are free."""
    return _count("m (the number of values)", m, 1) - 1


def joint_table(n: int, m: int = 2) -> int:
    """The full joint table of n variables with m values each: m**n cells that sum to 1."""
    return categorical(
        _count("m (the number of values)", m, 1) ** _count("n (the number of variables)", n, 0)
    )


def independent(n: int, m: int = 2) -> int:
    """n independent variables with m values each: n separate categoricals, n * (m - 1)."""
    return _count("n (the number of variables)", n, 0) * categorical(m)


def chain_rule(n: int, m: int = 2) -> int:
    """The chain rule p(x_1) p(x_2|x_1) ... p(x_n|x_<n) with a table per context.

    Variable j (0-based) has m**j contexts, each an (m - 1)-parameter categorical:
    sum_j m**j (m - 1) = m**n - 1, the same as the joint table (the chain rule is exact).
    """
    n = _count("n (the number of variables)", n, 0)
    return sum(m**j * categorical(m) for j in range(n))


def markov_table(n: int, k: int, m: int = 2) -> int:
    """AR(k) with lookup tables: each variable depends on the previous k (chapter 03).

    Variable j (0-based) has min(j, k) parents, so m**min(j, k) contexts of (m - 1) parameters:
        sum_{j<n} m**min(j, k) (m - 1)
      = (m**k - 1) + (n - k) m**k (m - 1)      when n > k
    k = 0 gives n (independent), k = 1 gives 2n - 1 (binary), k >= n - 1 gives m**n - 1 (the chain rule).
    """
    n = _count("n (the number of variables)", n, 0)
    k = _count("k (the number of parents)", k, 0)
    m = _count("m (the number of values)", m, 1)
    if n <= k:
        return m**n - 1
    return (m**k - 1) + (n - k) * m**k * (m - 1)


def fvsbn(n: int) -> int:
    """Fully visible sigmoid belief net (chapter 04): pixel j has a bias and j weights.

    sum_{j<n} (1 + j) = n (n + 1) / 2.
    """
    n = _count("n (the number of variables)", n, 0)
    return n * (n + 1) // 2


def digits(number: int) -> int:
    """How many decimal digits an exact count has: digits(2**784 - 1) = 237."""
    if isinstance(number, bool) or not isinstance(number, int):
        raise ValueError(f"digits counts the digits of a whole number; got {number!r}")
    return len(str(abs(number)))


__all__ = [
    "bernoulli",
    "categorical",
    "joint_table",
    "independent",
    "chain_rule",
    "markov_table",
    "fvsbn",
    "digits",
]
