import pytest
import torch

from genlib import orderings
from helpers.frequencies import assert_frequencies_match


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


@pytest.mark.parametrize(
    "bad, match",
    [
        ([0, 1, 2], "every one of the 4 pixels"),
        ([0, 1, 1, 3], "not a permutation"),
        ([0, 1, 2, 7], "not a permutation"),
        ([[0, 1], [2, 3]], "1-D"),
        ([0.0, 1.0, 2.0, 3.0], "integer"),
        ("zigzag", "unknown ordering 'zigzag'"),
    ],
)
def test_invalid_orderings_are_clear_errors(bad, match):
    with pytest.raises(ValueError, match=match):
        orderings.get(bad, 2, 2)


# --- neighbours_before: the local context an ordering gives each pixel ----------------------


def test_neighbours_before_small_cases():
    assert orderings.neighbours_before(orderings.get("raster", 3, 3), 3, 3).tolist() == [
        [0, 1, 1],
        [2, 4, 3],
        [2, 4, 3],
    ]
    assert orderings.neighbours_before(orderings.get("column", 2, 2), 2, 2).tolist() == [[0, 2], [1, 3]]


@pytest.mark.parametrize("hw", [(1, 1), (2, 3), (5, 4), (28, 28)])
def test_earlier_neighbours_always_add_up_to_the_number_of_neighbour_pairs(hw):
    H, W = hw
    pairs = H * (W - 1) + (H - 1) * W + 2 * (H - 1) * (W - 1)
    for name in orderings.NAMED:
        assert orderings.neighbours_before(orderings.get(name, H, W, seed=5), H, W).sum().item() == pairs


def test_neighbours_before_matches_a_direct_count():
    H, W = 4, 5
    o = orderings.get("random", H, W, seed=7)
    r = orderings.rank(o, H, W)
    want = [
        [
            sum(
                1
                for dr in (-1, 0, 1)
                for dc in (-1, 0, 1)
                if (dr or dc) and 0 <= i + dr < H and 0 <= j + dc < W and r[i + dr, j + dc] < r[i, j]
            )
            for j in range(W)
        ]
        for i in range(H)
    ]
    assert orderings.neighbours_before(o, H, W).tolist() == want


# --- every autoregressive model follows its ordering (one loop over genlib.models.REGISTRY) ------

import inspect  # noqa: E402

from genlib import models  # noqa: E402
from genlib.models import AutoregressiveModel, all_binary_images  # noqa: E402

AR_MODELS = [c for c in models.REGISTRY.values() if issubclass(c, AutoregressiveModel)]
TAKES_ORDERING = [c for c in AR_MODELS if "ordering" in inspect.signature(c).parameters]


def _cases():
    for cls in AR_MODELS:
        names = ["raster", "snake", "spiral", "random"] if cls in TAKES_ORDERING else [None]
        for name in names:
            yield pytest.param(cls, name, id=f"{cls.__name__}-{name or 'own'}")


def _make(cls, name, H, W):
    torch.manual_seed(0)
    C = 3 if cls.pixel_kind == "8bit" else 1
    kw = {} if name is None else {"ordering": orderings.get(name, H, W, seed=3)}
    model = cls((C, H, W), **kw)
    with torch.no_grad():  # away from the symmetric initialisation, so a leak would show
        for p in model.parameters():
            p.add_(0.5 * torch.randn_like(p))
    return model.eval()


def _images(model, n=1, seed=0):
    g = torch.Generator().manual_seed(seed)
    shape = (n, *model.shape)
    if model.pixel_kind == "binary":
        return torch.bernoulli(torch.full(shape, 0.5), generator=g)
    if model.pixel_kind == "8bit":
        return torch.randint(0, 256, shape, generator=g).float()
    return torch.randn(shape, generator=g)


def _conditional(out, ch, r, c):
    """The parameters of one pixel-channel's conditional: logits (B,) or (B, K)."""
    return out[:, ch, r, c] if out.dim() == 4 else out[:, :, ch, r, c]


@pytest.mark.parametrize("cls, name", list(_cases()))
def test_conditional_j_never_sees_step_j_or_later(cls, name):
    """Re-draw everything generated at step j or later: the j-th conditional must not change.

    Works for any input encoding (embeddings, table lookups), where gradients may not flow."""
    model = _make(cls, name, 4, 4)
    C, H, W = model.shape
    x = _images(model)
    with torch.no_grad():
        out = model(x)
        changed = 0
        for j, i in enumerate(model.ordering.tolist()):
            r, c = divmod(i, W)
            for ch in range(C):
                x2 = x.clone().flatten(2)
                fresh = _images(model, seed=1 + j * C + ch).flatten(2)
                later = model.ordering[j + 1 :]
                x2[:, :, later] = fresh[:, :, later]
                x2[:, ch:, i] = fresh[:, ch:, i]  # this pixel's own channel and those after it
                got = _conditional(model(x2.view_as(x)), ch, r, c)
                assert torch.allclose(got, _conditional(out, ch, r, c), atol=1e-6), (
                    f"{cls.__name__}: step {j} (pixel {i}, channel {ch}) sees a later value"
                )
                x3 = fresh.view_as(x)  # everything re-drawn: something should change
                changed += not torch.allclose(_conditional(model(x3), ch, r, c), _conditional(out, ch, r, c))
    assert changed > 0, "no conditional depends on anything: the check above could not fail"


@pytest.mark.parametrize("cls, name", [p for p in _cases() if p.values[0].pixel_kind == "binary"])
def test_gradient_of_logit_j_wrt_step_j_or_later_is_exactly_zero(cls, name):
    model = _make(cls, name, 5, 5)
    x = _images(model).requires_grad_(True)
    logits = model(x).flatten()
    for j, i in enumerate(model.ordering.tolist()):
        (g,) = torch.autograd.grad(logits[i], x, retain_graph=True, allow_unused=True)
        if g is None:
            continue  # the logit does not depend on x at all (a bias): nothing can leak
        assert torch.all(g.flatten()[model.ordering[j:]] == 0), f"step {j} (pixel {i}) sees a later pixel"


@pytest.mark.parametrize(
    "cls, name", [p for p in _cases() if p.values[0].pixel_kind == "binary" and p.values[1] == "random"]
)
def test_sampled_frequencies_match_exp_log_prob_on_3x3(cls, name):
    """10,000 samples of 3x3 images under a random ordering against exp(log_prob) of all 512 images:
    a chi-square test (bins with expected count < 5 pooled), at p = 0.001, with a fixed seed."""
    model = _make(cls, name, 3, 3)
    torch.manual_seed(2024)
    n = 10_000
    with torch.no_grad():
        x = model.sample(n)
        p = model.log_prob(all_binary_images((1, 3, 3))).double().exp()
    assert p.sum().item() == pytest.approx(1.0, abs=1e-6)
    assert_frequencies_match(x, p)


# --- the chapter 04 exercise checkers ---------------------------------------------------------


def test_chapter_04_checkers_accept_right_answers_and_reject_wrong_ones():
    from genlib.exercises import ch04

    assert ch04.check_fvsbn_parameters(2080) and not ch04.check_fvsbn_parameters(64 * 64)
    assert ch04.check_neighbour_pairs(2970) and not ch04.check_neighbour_pairs(4 * 784)
    assert ch04.check_bottom_up(lambda H, W: torch.arange(H * W).view(H, W).flip(0).flatten())
    assert not ch04.check_bottom_up(lambda H, W: torch.arange(H * W).flip(0))  # also reverses each row

    def can_complete(ordering, known):
        rank = torch.argsort(ordering)
        k = known.flatten()
        return bool(k.all() or not k.any() or rank[k].max() < rank[~k].min())

    assert ch04.check_can_complete(can_complete)
    assert not ch04.check_can_complete(lambda ordering, known: True)
    assert "not written yet" in repr(
        ch04.check_can_complete(lambda o, k: (_ for _ in ()).throw(NotImplementedError))
    )
