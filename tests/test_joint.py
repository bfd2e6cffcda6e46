"""genlib.joint: exact tables, the chain rule, Bayes' rule, (conditional) independence, MLE."""

import math

import pytest
import torch

from genlib import data
from genlib.joint import Joint, categorical_mle, fit_by_gradient, log_likelihood


def random_joint(sizes, names, seed=0):
    t = torch.rand(sizes, generator=torch.Generator().manual_seed(seed), dtype=torch.float64) + 0.05
    return Joint(t / t.sum(), names)


def markov_chain_joint():
    """p(a, b, c) = p(a) p(b|a) p(c|b): c is independent of a given b, by construction."""
    pa = torch.tensor([0.3, 0.7], dtype=torch.float64)
    pb_a = torch.tensor([[0.2, 0.5, 0.3], [0.6, 0.1, 0.3]], dtype=torch.float64)
    pc_b = torch.tensor([[0.1, 0.9], [0.5, 0.5], [0.8, 0.2]], dtype=torch.float64)
    return Joint(pa[:, None, None] * pb_a[:, :, None] * pc_b[None], ["a", "b", "c"])


def test_from_data_is_the_table_of_empirical_frequencies():
    x = data.load("mnist5k", "train")[:, 0, 14, 12:15].long()  # three neighbouring pixels of real digits
    J = Joint.from_data(x, ["a", "b", "c"])
    for cell in torch.cartesian_prod(*[torch.arange(2)] * 3):
        freq = (x == cell).all(1).double().mean().item()
        assert J.table[tuple(cell)].item() == pytest.approx(freq, abs=1e-12)
    assert J.num_parameters == 7


def test_marginal_and_condition():
    J = random_joint((2, 3, 4), ["a", "b", "c"])
    assert torch.allclose(J.marginal("c", "a").table, J.table.sum(1).T)
    C = J.condition(b=2)
    assert C.names == ("a", "c")
    assert torch.allclose(C.table, J.table[:, 2] / J.table[:, 2].sum())
    assert J.p(a=1, c=3) == pytest.approx(J.table[1, :, 3].sum().item())


@pytest.mark.parametrize("order", [None, ["c", "a", "b"], ["b", "c", "a"]])
def test_chain_rule_product_equals_the_joint_exactly(order):
    J = random_joint((2, 3, 2), ["a", "b", "c"], seed=3)
    assert torch.allclose(J.chain_rule(order).table, J.table, rtol=0, atol=1e-15)


def test_chain_rule_is_exact_on_real_pixels_with_zero_cells():
    x = data.load("mnist5k", "train")[:60, 0, 13:15, 13:16].flatten(1).long()  # 60 digits: many cells unseen
    J = Joint.from_data(x, list("abcdef"))
    assert (J.table == 0).any()
    assert torch.allclose(J.chain_rule(list("dbfcae")).table, J.table, rtol=0, atol=1e-15)


def test_bayes_rule():
    J = random_joint((2, 3), ["a", "b"], seed=5)
    for va in range(2):
        for vb in range(3):
            direct = J.table[va, vb] / J.table[:, vb].sum()
            assert J.bayes("a", va, "b", vb) == pytest.approx(direct.item(), rel=1e-12)
            assert J.condition(b=vb).p(a=va) == pytest.approx(direct.item(), rel=1e-12)


def test_conditional_independence_on_tables_built_with_and_without_it():
    J = markov_chain_joint()
    assert J.independent("a", "c", given="b")
    assert J.mutual_information("a", "c", given="b") == pytest.approx(0, abs=1e-12)
    assert not J.independent("a", "c")  # marginally they are dependent
    assert J.mutual_information("a", "c") > 1e-3
    chain = {"a": [], "b": ["a"], "c": ["b"]}
    assert torch.allclose(J.factorize(chain).table, J.table, atol=1e-15)
    assert J.factor_parameters(chain) == 1 + 2 * 2 + 3 * 1 < J.num_parameters
    K = random_joint((2, 3, 2), ["a", "b", "c"], seed=1)
    assert not K.independent("a", "c", given="b")
    assert K.kl(K.factorize(chain)) > 1e-4


def test_independent_table():
    pa, pb = (
        torch.tensor([0.25, 0.75], dtype=torch.float64),
        torch.tensor([0.1, 0.2, 0.7], dtype=torch.float64),
    )
    J = Joint(pa[:, None] * pb[None], ["a", "b"])
    assert J.independent("a", "b") and J.mutual_information("a", "b") == pytest.approx(0, abs=1e-12)
    assert J.factor_parameters({"a": [], "b": []}) == 1 + 2


def test_mutual_information_against_the_formula():
    J = random_joint((2, 2), ["a", "b"], seed=2)
    p, pa, pb = J.table, J.table.sum(1), J.table.sum(0)
    mi = sum(p[i, j] * math.log(p[i, j] / (pa[i] * pb[j])) for i in range(2) for j in range(2))
    assert J.mutual_information("a", "b") == pytest.approx(float(mi), rel=1e-10)
    assert J.kl(Joint(pa[:, None] * pb[None], ["a", "b"])) == pytest.approx(float(mi), rel=1e-10)


def test_sampled_frequencies_match_the_table():
    J = random_joint((2, 3, 2), ["a", "b", "c"], seed=7)
    x = J.sample(6000, generator=torch.Generator().manual_seed(0))
    counts = Joint.from_data(x, J.names, sizes=J.sizes).table * 6000
    chi2 = ((counts - 6000 * J.table) ** 2 / (6000 * J.table)).sum().item()
    assert chi2 < 31.3  # 11 degrees of freedom, p = 0.001


def test_bernoulli_and_categorical_mle_are_the_frequencies():
    pix = data.load("mnist5k", "train")[:, 0, 14, 14].long()  # a Bernoulli: the centre pixel
    grey = data.load("digits8", "train")[:, 0, 3, 3].long()  # a categorical over 17 grey levels
    for x, m in [(pix, 2), (grey, 17)]:
        freq = torch.bincount(x, minlength=m).double() / len(x)
        assert torch.allclose(categorical_mle(x, m), freq)
        assert torch.allclose(fit_by_gradient(x, m), freq, atol=1e-4)
        best = log_likelihood(freq, x)
        for other in [torch.full((m,), 1.0 / m), 0.9 * freq + 0.1 / m]:
            assert log_likelihood(other, x) < best


def test_clear_errors():
    with pytest.raises(ValueError, match="sum to 1"):
        Joint(torch.ones(2, 2), ["a", "b"])
    with pytest.raises(ValueError, match="negative"):
        Joint(torch.tensor([[1.5, -0.5], [0, 0]]), ["a", "b"])
    with pytest.raises(ValueError, match="one name per variable"):
        Joint(torch.full((2, 2), 0.25), ["a"])
    J = markov_chain_joint()
    with pytest.raises(ValueError, match="unknown variable 'z'"):
        J.marginal("z")
    with pytest.raises(ValueError, match="unknown variable"):
        J.independent("a", "z")
    with pytest.raises(ValueError, match="parents come first"):
        J.factorize({"a": ["b"], "b": [], "c": []})
    with pytest.raises(ValueError, match="probability 0"):
        Joint(torch.tensor([[0.5, 0.5], [0, 0]]), ["a", "b"]).condition(a=1)
    with pytest.raises(ValueError, match="sum to 1"):
        log_likelihood([0.5, 0.6], [0, 1])
