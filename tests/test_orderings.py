import pytest
import torch

from genlib import orderings


@pytest.mark.parametrize("name", list(orderings.NAMED))
@pytest.mark.parametrize("hw", [(1, 1), (2, 3), (5, 4), (28, 28)])
def test_every_named_ordering_is_a_permutation(name, hw):
    o = orderings.get(name, *hw)
    assert torch.equal(torch.sort(o).values, torch.arange(hw[0] * hw[1]))


def test_known_small_orderings():
    assert orderings.get("raster", 2, 3).tolist() == [0, 1, 2, 3, 4, 5]
    assert orderings.get("column", 2, 3).tolist() == [0, 3, 1, 4, 2, 5]
    assert orderings.get("snake", 2, 3).tolist() == [0, 1, 2, 5, 4, 3]
    assert orderings.get("diagonal", 3, 3).tolist() == [0, 1, 3, 6, 4, 2, 5, 7, 8]
    assert orderings.get("spiral", 3, 3)[0].item() == 4  # the centre first


def test_rank_inverts_ordering():
    o = orderings.get("random", 4, 5, seed=3)
    r = orderings.rank(o, 4, 5).flatten()
    assert torch.equal(r[o], torch.arange(20))


def test_random_depends_on_seed_only():
    assert torch.equal(orderings.get("random", 6, 6, seed=1), orderings.get("random", 6, 6, seed=1))
    assert not torch.equal(orderings.get("random", 6, 6, seed=1), orderings.get("random", 6, 6, seed=2))


@pytest.mark.parametrize("bad, match", [
    ([0, 1, 2], "every one of the 4 pixels"),
    ([0, 1, 1, 3], "not a permutation"),
    ([0, 1, 2, 7], "not a permutation"),
    ([[0, 1], [2, 3]], "1-D"),
    ([0.0, 1.0, 2.0, 3.0], "integer"),
    ("zigzag", "unknown ordering 'zigzag'"),
])
def test_invalid_orderings_are_clear_errors(bad, match):
    with pytest.raises(ValueError, match=match):
        orderings.get(bad, 2, 2)
