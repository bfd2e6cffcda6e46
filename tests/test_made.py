"""MADE (chapter 06): masks from degrees, exact normalization per mask and as an ensemble, the
autoregressive property by gradients, the strictly triangular mask product, parameter counts,
sampling, save/load, and why averaging logits over masks is not a likelihood."""

import pytest
import torch

import genlib
from genlib.models import MADE, all_binary_images
from genlib.models.made import log_prob_averaged_logits
from helpers.frequencies import assert_frequencies_match
from helpers.round_trip import train_eval_sample

SHAPE = (1, 3, 3)


def make(shape=SHAPE, seed=0, **kw):
    torch.manual_seed(seed)
    kw = {"hidden": (16, 12), **kw}
    model = MADE(shape, **kw)
    with torch.no_grad():  # away from the initialisation, so that a leak would show
        for p in model.parameters():
            p.add_(0.5 * torch.randn_like(p))
    return model.eval()


def random_ordering(n, seed):
    return torch.randperm(n, generator=torch.Generator().manual_seed(seed))


CASES = [
    dict(num_masks=1),
    dict(num_masks=4),
    dict(num_masks=4, order_agnostic=True),
    dict(num_masks=3, order_agnostic=True, direct=False),
    dict(num_masks=2, hidden=(20,)),
]


@pytest.mark.parametrize("kw", CASES, ids=str)
@pytest.mark.parametrize("seed", [0, 1])
def test_every_mask_and_the_ensemble_sum_to_one_over_all_512_images(kw, seed):
    model = make(ordering=random_ordering(9, seed), seed=seed, **kw)
    x = all_binary_images(SHAPE)
    with torch.no_grad():
        for k in range(model.num_masks):
            total = torch.logsumexp(model.log_prob(x, mask=k).double(), 0).exp().item()
            assert total == pytest.approx(1, abs=1e-5), f"mask {k} sums to {total}"
        lp = model.log_prob(x)
    assert torch.logsumexp(lp.double(), 0).exp().item() == pytest.approx(1, abs=1e-5)
    per_mask = torch.stack([model.log_prob(x, mask=k) for k in range(model.num_masks)]).exp().mean(0)
    assert torch.allclose(lp.exp(), per_mask, atol=1e-6)  # the mean of the probabilities, not of the logs


@pytest.mark.parametrize("kw", CASES, ids=str)
def test_gradient_of_step_d_wrt_steps_d_and_later_is_exactly_zero_for_every_mask(kw):
    model = make(ordering=random_ordering(9, 5), **kw)
    x = torch.bernoulli(torch.full((1, *SHAPE), 0.5)).requires_grad_(True)
    for k in range(model.num_masks):
        logits = model(x, mask=k).flatten()
        steps = model.steps(k)
        seen = 0
        for d, i in enumerate(steps.tolist()):
            (g,) = torch.autograd.grad(logits[i], x, retain_graph=True)
            g = g.flatten()
            assert torch.all(g[steps[d:]] == 0), f"mask {k}: step {d} (pixel {i}) sees a later pixel"
            seen += int((g[steps[:d]] != 0).sum())
        assert seen > 0, "no conditional depends on anything: the check above could not fail"


def test_order_agnostic_masks_have_different_orderings_and_mask_0_keeps_the_given_one():
    o = random_ordering(9, 11)
    model = make(ordering=o, num_masks=4, order_agnostic=True)
    orders = [model.mask_ordering(k).tolist() for k in range(4)]
    assert orders[0] == o.tolist() and len({tuple(v) for v in orders}) == 4
    same = make(ordering=o, num_masks=4)  # connectivity-agnostic only: one ordering, new hidden degrees
    assert all(same.mask_ordering(k).tolist() == o.tolist() for k in range(4))
    assert len({tuple(same.degrees(k)[1].tolist()) for k in range(4)}) == 4


@pytest.mark.parametrize("kw", CASES, ids=str)
def test_product_of_the_masks_is_strictly_lower_triangular_in_the_ordering(kw):
    model = make(shape=(1, 4, 5), ordering=random_ordering(20, 2), **kw)
    D = model.dim
    for k in range(model.num_masks):
        M = model.masks(k)
        chain = M[len(model.hidden)]  # M^V (D, H_L)
        for M_l in reversed(M[: len(model.hidden)]):
            chain = chain @ M_l  # ... @ M^1: (D, D), paths from input j to output i
        if model.direct:
            chain = chain + M[-1]
            assert M[-1].sum() == D * (D - 1) // 2  # every earlier step, directly
        s = model.steps(k)
        P = chain[s][:, s]  # rows and columns in generation order
        assert torch.all(torch.triu(P) == 0), f"mask {k}: a path from a step to itself or an earlier one"
        assert torch.tril(P, -1).sum() > 0
        assert set(torch.cat([m.flatten() for m in M]).unique().tolist()) <= {0.0, 1.0}


def test_degrees_follow_the_rule():
    model = make(shape=(1, 4, 4), hidden=(30, 30), ordering=random_ordering(16, 1))
    m_in, m1, m2 = model.degrees(0)
    assert sorted(m_in.tolist()) == list(range(1, 17))
    assert m_in[model.ordering[0]] == 1 and m_in[model.ordering[-1]] == 16
    assert m1.min() >= 1 and m1.max() <= 15 and m2.min() >= m1.min() and m2.max() <= 15


def test_parameter_count_matches_the_closed_form():
    D, H1, H2 = 9, 16, 12
    for direct in (True, False):
        model = MADE(SHAPE, hidden=(H1, H2), direct=direct)
        closed = (D + 1) * H1 + (H1 + 1) * H2 + (H2 + 1) * D + direct * D * D
        assert sum(p.numel() for p in model.parameters()) == closed == model.num_parameters_formula()
    mnist = MADE((1, 28, 28))  # hidden=(500,), direct: 2 D H + H + D + D^2
    assert sum(p.numel() for p in mnist.parameters()) == 2 * 784 * 500 + 500 + 784 + 784**2 == 1_399_940


@pytest.mark.parametrize("direct", [True, False])
@pytest.mark.parametrize("num_masks", [1, 3])
def test_free_parameters_are_the_entries_that_get_a_gradient(direct, num_masks):
    """num_free_parameters = the parameter entries that can change mask 0's logits: with every hidden unit
    kept active (large positive biases), exactly those receive a nonzero gradient for some input."""
    torch.manual_seed(0)
    model = MADE((1, 4, 4), hidden=(30,), direct=direct, num_masks=num_masks, seed=2)
    with torch.no_grad():
        for p in model.parameters():
            p.normal_()
        model.hidden_layers[0].bias.fill_(100.0)  # relu is the identity: no gradient lost to a dead unit
    x = torch.rand(64, 16)  # real inputs in (0, 1): no input is 0 for every image
    (model._logits(x, 0) * torch.randn(64, 16)).sum().backward()
    used = sum(int((p.grad != 0).sum()) for p in model.parameters())
    assert used == model.num_free_parameters
    assert used < sum(p.numel() for p in model.parameters())


def test_free_parameters_in_closed_form():
    """Direct connections add D(D-1)/2 (strictly lower triangular); the hidden layer keeps sum_k m(k)
    inputs (a unit of degree m sees steps 1..m) and each output of step d sees the units of degree < d."""
    with_a, without = MADE((1, 4, 4), hidden=(30,)), MADE((1, 4, 4), hidden=(30,), direct=False)
    assert with_a.num_free_parameters - without.num_free_parameters == 16 * 15 // 2
    m = without.degrees(0)[1]
    seen_by_outputs = sum(int((m < d).sum()) for d in range(1, 17))
    assert without.num_free_parameters == 30 + 16 + int(m.sum()) + seen_by_outputs


def test_sampled_frequencies_match_the_ensemble_probabilities():
    """An order-agnostic ensemble of 3 masks on 2x2 images: sampling picks a mask per image, so
    the frequencies must follow the mixture, exp(log_prob) = the mean of the 3 masks' probabilities."""
    shape = (1, 2, 2)
    model = make(shape=shape, num_masks=3, order_agnostic=True, ordering=random_ordering(4, 7))
    torch.manual_seed(2024)
    n = 8000
    with torch.no_grad():
        x = model.sample(n)
        p = model.log_prob(all_binary_images(shape)).double().exp()
        p_masks = torch.stack([model.log_prob(all_binary_images(shape), mask=k) for k in range(3)]).exp()
    assert (p_masks - p_masks.mean(0)).abs().max() > 0.05, "the masks agree: the test could not fail"
    assert_frequencies_match(x, p)


def test_averaging_logits_over_orderings_is_not_a_likelihood_but_log_mean_exp_is():
    x = all_binary_images(SHAPE)
    model = make(num_masks=4, order_agnostic=True, ordering=random_ordering(9, 1))
    with torch.no_grad():
        ours = torch.logsumexp(model.log_prob(x).double(), 0).exp().item()
        averaged = torch.logsumexp(log_prob_averaged_logits(model, x).double(), 0).exp().item()
    assert ours == pytest.approx(1.0, abs=1e-5)
    assert abs(averaged - 1.0) > 1e-3, f"logit averaging summed to {averaged}"
    # with ONE ordering (connectivity-agnostic masks only) the averaged logits stay autoregressive:
    # a different but valid model, still not the mixture of the masks
    one = make(num_masks=4, ordering=random_ordering(9, 1))
    with torch.no_grad():
        lp_avg = log_prob_averaged_logits(one, x).double()
        assert torch.logsumexp(lp_avg, 0).exp().item() == pytest.approx(1.0, abs=1e-5)
        assert not torch.allclose(lp_avg, one.log_prob(x).double(), atol=1e-3)


def test_training_cycles_through_the_masks_and_evaluation_uses_the_ensemble():
    model = make(num_masks=3)
    x = torch.bernoulli(torch.full((8, *SHAPE), 0.5))
    model.train()
    for t in range(5):
        with torch.no_grad():
            want = -model.log_prob(x, mask=t % 3).mean()
        assert model.nll(x).item() == pytest.approx(want.item(), abs=1e-6)
    assert int(model.step) == 5
    model.eval()
    assert model.nll(x).item() == pytest.approx(-model.log_prob(x).mean().item(), abs=1e-6)
    assert int(model.step) == 5  # evaluation does not move the schedule


def test_save_load_keeps_the_masks_and_the_schedule(tmp_path):
    model = make(shape=(1, 4, 4), num_masks=3, order_agnostic=True, ordering=random_ordering(16, 4), seed=3)
    model.train()
    model.nll(torch.zeros(2, 1, 4, 4))
    back = genlib.load(genlib.save(model, tmp_path / "made.pt"))
    assert back.config == model.config and int(back.step) == 1
    for k in range(3):
        assert all(torch.equal(a, b) for a, b in zip(model.masks(k), back.masks(k)))
    x = torch.bernoulli(torch.full((5, 1, 4, 4), 0.5))
    assert torch.allclose(model.eval().log_prob(x), back.log_prob(x))
    other_seed = MADE((1, 4, 4), hidden=(16, 12), num_masks=3, seed=4)
    assert not torch.equal(other_seed.masks(0)[0], model.masks(0)[0])


def test_completion_keeps_known_pixels_under_every_mask_choice():
    model = make(num_masks=3, order_agnostic=True)
    x = torch.bernoulli(torch.full((20, *SHAPE), 0.5))
    known = torch.zeros(3, 3, dtype=torch.bool)
    known[1] = True
    out = model.complete(x, known)
    assert torch.equal(out[:, :, 1], x[:, :, 1]) and set(out.unique().tolist()) <= {0.0, 1.0}


def test_bad_arguments_are_clear_errors():
    with pytest.raises(ValueError, match="hidden"):
        MADE(SHAPE, hidden=())
    with pytest.raises(ValueError, match="hidden"):
        MADE(SHAPE, hidden=(16, 0))
    with pytest.raises(ValueError, match="num_masks"):
        MADE(SHAPE, num_masks=0)
    with pytest.raises(ValueError, match="direct"):
        MADE(SHAPE, direct="yes")
    model = MADE(SHAPE, hidden=8, num_masks=2)
    assert model.hidden == (8,)
    with pytest.raises(ValueError, match="mask must be an int in 0..1"):
        model.log_prob(torch.zeros(1, *SHAPE), mask=2)
    with pytest.raises(ValueError, match="binary"):
        model.log_prob(torch.full((1, *SHAPE), 3.0))


def test_one_pixel_images_work():
    """D = 1: no hidden unit may see anything (degree 0), the logit is a learned constant."""
    model = make(shape=(1, 1, 1))
    lp = model.log_prob(torch.tensor([[[[0.0]]], [[[1.0]]]]))
    assert lp.exp().sum().item() == pytest.approx(1.0, abs=1e-6)


def test_cli_train_eval_sample(tmp_path):
    train_eval_sample(tmp_path, "made", ["hidden=[32]", "num_masks=2"], n=4)


def test_a_new_ordering_gives_new_masks():
    model = make(num_masks=2)
    before = model.masks(0)[0].clone()
    model.ordering = random_ordering(9, 8)
    assert model.mask_ordering(0).tolist() == random_ordering(9, 8).tolist()
    assert not torch.equal(model.masks(0)[0], before)  # not a stale mask from the cache
    x = torch.bernoulli(torch.full((1, *SHAPE), 0.5)).requires_grad_(True)
    steps, logits = model.steps(0), model(x).flatten()
    for d, i in enumerate(steps.tolist()):
        (g,) = torch.autograd.grad(logits[i], x, retain_graph=True)
        assert torch.all(g.flatten()[steps[d:]] == 0)


def test_chapter_06_exercise_checkers():
    from genlib.exercises import ch06

    model = MADE((1, 28, 28), hidden=(500, 500))
    assert ch06.check_made_parameters(model.num_parameters_formula())
    assert not ch06.check_made_parameters(model.num_parameters_formula() - 784 * 784)  # no direct ones
    assert not ch06.check_made_parameters(MADE((1, 28, 28), hidden=(500,)).num_parameters_formula())
    assert ch06.check_mask(
        lambda mo, mi, out: (mo[:, None] > mi[None, :]) if out else (mo[:, None] >= mi[None, :])
    )
    assert not ch06.check_mask(lambda mo, mi, out: mo[:, None] >= mi[None, :])  # output mask not strict
    assert not ch06.check_mask(lambda mo, mi, out: mi[:, None] >= mo[None, :])  # transposed
    assert ch06.check_input_reach(84) and not ch06.check_input_reach(85) and not ch06.check_input_reach(700)
    assert ch06.check_completion_passes(392) and not ch06.check_completion_passes(784)
    assert not ch06.check_completion_passes(391)
    # the checker's answer for the input of degree 700 is what a real MADE does: the outputs reachable
    # through the hidden layers or the direct connections are exactly the 84 of larger degree
    one = MADE((1, 28, 28), hidden=(500,))
    m_in = one.degrees()[0]
    M1, MV, MA = one.masks()
    reach = (MV @ M1 + MA)[:, m_in == 700].flatten() > 0
    assert int(reach.sum()) == 84 and bool((m_in[reach] > 700).all())
