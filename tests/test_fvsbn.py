"""FVSBN (genlib/models/fvsbn.py): parameter counts, masking, normalization, sampling in its ordering."""

import pytest
import torch

import genlib
from genlib import data, orderings, train
from genlib.models import FVSBN, all_binary_images


def randomised(model, scale=1.0, seed=0):
    torch.manual_seed(seed)
    with torch.no_grad():
        for p in model.parameters():
            p.add_(scale * torch.randn_like(p))
    return model.eval()


@pytest.mark.parametrize("shape", [(1, 2, 2), (1, 3, 3), (2, 3, 2), (1, 28, 28)])
def test_free_parameters_are_n_n_plus_1_over_2(shape):
    n = shape[0] * shape[1] * shape[2]
    model = FVSBN(shape)
    assert model.num_free_parameters == n * (n + 1) // 2
    assert sum(p.numel() for p in model.parameters()) == n * n + n  # W is stored dense


def test_only_the_free_parameters_get_gradient_and_masked_ones_do_nothing():
    model = randomised(FVSBN((1, 4, 4), ordering=orderings.get("random", 4, 4, seed=2)))
    x = torch.bernoulli(torch.full((64, 1, 4, 4), 0.5), generator=torch.Generator().manual_seed(0))
    model.nll(x).backward()
    used = (model.weight.grad != 0).sum().item() + (model.bias.grad != 0).sum().item()
    assert used == model.num_free_parameters  # every free parameter is used, no other one
    before = model.log_prob(x)
    with torch.no_grad():
        model.weight.add_(100 * (1 - model.mask))  # change only the masked-out entries
    assert torch.equal(model.log_prob(x), before)


@pytest.mark.parametrize("name", ["raster", "column", "spiral", "random"])
def test_exact_normalization_over_all_512_3x3_images(name):
    model = randomised(FVSBN((1, 3, 3), ordering=orderings.get(name, 3, 3, seed=4)))
    with torch.no_grad():
        lp = model.log_prob(all_binary_images((1, 3, 3)))
    assert lp.shape == (512,)
    assert torch.logsumexp(lp.double(), 0).exp().item() == pytest.approx(1.0, abs=1e-6)


def test_colour_channels_are_normalized_too():
    model = randomised(FVSBN((2, 2, 2), ordering=[3, 1, 0, 2]))
    with torch.no_grad():
        lp = model.log_prob(all_binary_images((2, 2, 2)))
    assert torch.logsumexp(lp.double(), 0).exp().item() == pytest.approx(1.0, abs=1e-6)


def alternating(ordering, H, W):
    """Hand-set FVSBN: the first pixel is a fair coin, each later one is the opposite of the previous."""
    model = FVSBN((1, H, W), ordering=ordering)
    with torch.no_grad():
        n = H * W
        model.bias.fill_(20.0)
        model.bias[0] = 0.0
        model.weight[torch.arange(1, n), torch.arange(n - 1)] = -40.0  # W[j, j-1]: step j looks at step j-1
    return model.eval()


def test_sampling_follows_the_models_ordering():
    o = orderings.get("random", 5, 5, seed=11)
    model = alternating(o, 5, 5)
    torch.manual_seed(0)
    x = model.sample(200).flatten(1)
    along = x[:, o]  # pixel values in the model's generation order
    assert torch.all(along[:, 1:] != along[:, :-1]), "samples do not alternate along the ordering"
    assert 0.35 < along[:, 0].mean().item() < 0.65  # the first pixel is a fair coin
    raster = x  # read in raster order, the same images do not alternate
    assert not torch.all(raster[:, 1:] != raster[:, :-1])
    lp = model.log_prob(x.view(-1, 1, 5, 5))
    assert torch.allclose(lp, torch.full_like(lp, -0.6931), atol=1e-3)  # only the coin flip costs


def test_completion_follows_the_ordering_and_keeps_known_pixels():
    o = orderings.get("spiral", 5, 5)
    model = alternating(o, 5, 5)
    x = torch.zeros(10, 1, 5, 5)
    first = o[0].item()
    x.view(10, -1)[:5, first] = 1.0  # half the images start with 1, half with 0
    known = torch.zeros(5, 5, dtype=torch.bool)
    known.view(-1)[first] = True
    out = model.complete(x, known).flatten(1)[:, o]
    expected_1 = torch.arange(25) % 2 == 0  # 1, 0, 1, 0, ... along the ordering
    assert torch.equal(out[:5], expected_1.float().expand(5, -1))
    assert torch.equal(out[5:], (~expected_1).float().expand(5, -1))


def test_setting_the_ordering_later_is_the_same_as_building_with_it():
    """The steps are derived from model.ordering, so a new ordering changes what the model computes."""
    built = randomised(FVSBN((1, 3, 3), ordering=orderings.get("spiral", 3, 3)))
    later = FVSBN((1, 3, 3))
    later.load_state_dict({k: v for k, v in built.state_dict().items() if k != "ordering"}, strict=False)
    later.ordering = orderings.get("spiral", 3, 3)
    x = all_binary_images((1, 3, 3))
    assert torch.equal(later.ordering, built.ordering)
    assert torch.equal(later.log_prob(x), built.log_prob(x))
    torch.manual_seed(0)
    a = later.sample(20)
    torch.manual_seed(0)
    assert torch.equal(a, built.sample(20))
    with pytest.raises(ValueError, match="permutation"):
        later.ordering = [0, 0, 1, 2, 3, 4, 5, 6, 7]


def test_start_from_means_is_the_independent_models_fit():
    x = data.load("mnist5k", "train")[:500]
    model = FVSBN(ordering=orderings.get("snake", 28, 28)).start_from_means(x)
    freq = (x.flatten(1).sum(0) + 1) / (500 + 2)
    assert torch.allclose(torch.sigmoid(model(x[:1])).flatten(), freq, atol=1e-6)
    assert train.evaluate(model, x) == pytest.approx(
        -(x.flatten(1) * freq.log() + (1 - x.flatten(1)) * (1 - freq).log()).sum(1).mean().item(), rel=1e-5
    )


def test_a_short_training_run_beats_the_independent_start():
    x = data.load("mnist5k", "train")[:600]
    xv = data.load("mnist5k", "val")[:200]
    model = FVSBN(ordering=orderings.get("column", 28, 28)).start_from_means(x)
    start = train.evaluate(model, xv)
    train.fit(model, x, xv, epochs=2, lr=0.02, batch_size=100, progress=False)
    assert train.evaluate(model, xv) < start - 20  # neighbours explain a lot: at least 20 nats better


@pytest.mark.parametrize(
    "bad, match",
    [
        ([0, 1, 2], "every one of the 4 pixels"),
        ([0, 1, 1, 3], "not a permutation"),
        ([[0, 1], [2, 3]], "1-D"),
        ([0.0, 1.0, 2.0, 3.0], "integer"),
    ],
)
def test_invalid_orderings_are_clear_errors(bad, match):
    with pytest.raises(ValueError, match=match):
        FVSBN((1, 2, 2), ordering=bad)


def test_ordering_survives_save_and_load(tmp_path):
    model = randomised(FVSBN((1, 3, 3), ordering=orderings.get("spiral", 3, 3)))
    back = genlib.load(genlib.save(model, tmp_path / "fvsbn.pt"))
    assert torch.equal(back.ordering, model.ordering)
    x = all_binary_images((1, 3, 3))
    assert torch.equal(back.log_prob(x), model.log_prob(x))
