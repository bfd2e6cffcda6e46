"""One loop over every registered model: the shared contract of genlib.models.base."""

import inspect
import math
import types

import pytest
import torch

import genlib
from genlib import models
from genlib.models import AutoregressiveModel, all_binary_images

BINARY = [cls for cls in models.REGISTRY.values() if cls.pixel_kind == "binary"]
SHAPE = (1, 3, 3)


def make(cls, shape=SHAPE, ordering=None, seed=0):
    torch.manual_seed(seed)
    takes_ordering = "ordering" in inspect.signature(cls).parameters  # PixelRNN models: raster only
    kw = {"ordering": ordering} if takes_ordering and ordering is not None else {}
    model = cls(shape, **kw)
    with torch.no_grad():  # move away from the symmetric initialisation so the checks can fail
        for p in model.parameters():
            p.add_(0.5 * torch.randn_like(p))
    return model.eval()


def random_ordering(n, seed=1):
    return torch.randperm(n, generator=torch.Generator().manual_seed(seed))


@pytest.mark.parametrize("cls", BINARY, ids=lambda c: c.__name__)
@pytest.mark.parametrize("shape", [(1, 2, 2), (1, 3, 3)])
def test_exact_normalization(cls, shape):
    model = make(cls, shape, random_ordering(shape[1] * shape[2]))
    with torch.no_grad():
        lp = model.log_prob(all_binary_images(shape))
    assert lp.shape == (2 ** math.prod(shape),)
    assert (lp <= 0).all()
    assert torch.logsumexp(lp.double(), 0).exp().item() == pytest.approx(1.0, abs=1e-5)


@pytest.mark.parametrize(
    "cls", [c for c in BINARY if issubclass(c, AutoregressiveModel)], ids=lambda c: c.__name__
)
@pytest.mark.parametrize("seed", [0, 1])
def test_autoregressive_property(cls, seed):
    """d logit(step j) / d x(pixel generated at step >= j) is exactly zero."""
    order = random_ordering(9, seed) if seed else None
    model = make(cls, SHAPE, order)
    x = torch.bernoulli(torch.full((1, *SHAPE), 0.5)).requires_grad_(True)
    logits = model(x).flatten()
    for j, i in enumerate(model.ordering.tolist()):
        (g,) = torch.autograd.grad(logits[i], x, retain_graph=True)
        later = model.ordering[j:]
        assert torch.all(g.flatten()[later] == 0), f"step {j} (pixel {i}) sees a later pixel"


@pytest.mark.parametrize("cls", BINARY, ids=lambda c: c.__name__)
def test_sampled_frequencies_match_probabilities(cls):
    """Draw 6000 samples of 2x2 images and compare with exp(log_prob) by a chi-square test."""
    shape = (1, 2, 2)
    model = make(cls, shape, random_ordering(4, 3))
    torch.manual_seed(123)
    with torch.no_grad():
        x = model.sample(6000)
        p = model.log_prob(all_binary_images(shape)).double().exp()
    assert set(x.unique().tolist()) <= {0.0, 1.0}
    code = (x.flatten(1) * (2 ** torch.arange(3, -1, -1))).sum(1).long()
    counts = torch.bincount(code, minlength=16).double()
    expected = 6000 * p
    possible = expected > 0  # a deep net can put probability exactly 0 (in float64) on an image
    assert counts[~possible].sum() == 0, "sampled an image whose probability is 0"
    chi2 = ((counts - expected)[possible] ** 2 / expected[possible]).sum().item()
    assert chi2 < 37.7, f"chi-square {chi2:.1f} with 15 dof (p < 0.001)"


@pytest.mark.parametrize("cls", BINARY, ids=lambda c: c.__name__)
def test_completion_keeps_known_pixels(cls):
    model = make(cls, SHAPE)
    x = torch.bernoulli(torch.full((5, *SHAPE), 0.5))
    known = torch.zeros(SHAPE[1:], dtype=torch.bool)
    known[0] = True
    out = model.complete(x, known)
    assert out.shape == x.shape
    assert torch.equal(out[:, :, 0], x[:, :, 0])
    assert set(out.unique().tolist()) <= {0.0, 1.0}


@pytest.mark.parametrize(
    "cls",
    [c for c in models.REGISTRY.values() if issubclass(c, AutoregressiveModel)],
    ids=lambda c: c.__name__,
)
def test_conditional_hook_agrees_with_the_one_pass_per_step_default(cls):
    """A model's own `conditional` (cropped or cached) and the base's (the whole model once per step)
    draw the same completions from the same random numbers. The order-agnostic NADE conditions on every
    known pixel, not only the earlier ones, by design (tests/test_nade.py): here it samples, nothing known."""
    shape = (3, 3, 3) if "levels" in cls.constructor_arguments() else (1, 3, 3)  # PixelRNN: colours too
    model = make(cls, shape, random_ordering(9, 2))
    gen = torch.Generator().manual_seed(1)
    if model.pixel_kind == "real":
        x = torch.rand(40, *shape, generator=gen)
    else:
        x = torch.bernoulli(torch.full((40, *shape), 0.5), generator=gen)
    known = torch.rand(40, *shape, generator=gen) < (0.0 if cls is models.OrderAgnosticNADE else 0.3)
    torch.manual_seed(5)
    own = model.complete(x, known)
    model.conditional = types.MethodType(AutoregressiveModel.conditional, model)  # the default, here only
    torch.manual_seed(5)
    default = model.complete(x, known)
    if model.pixel_kind == "real":  # Gaussian draws: the two sums differ in the last float bits
        assert torch.allclose(own, default, atol=1e-5)
    else:
        assert torch.equal(own, default)


@pytest.mark.parametrize("cls", list(models.REGISTRY.values()), ids=lambda c: c.__name__)
def test_save_load_round_trip(cls, tmp_path):
    model = make(cls, (cls.pixel_kind == "8bit" and 3 or 1, 4, 4))
    path = genlib.save(model, tmp_path / "m.pt")
    back = genlib.load(path)
    assert type(back) is type(model) and back.config == model.config
    for (k, a), (k2, b) in zip(model.state_dict().items(), back.state_dict().items()):
        assert k == k2 and torch.equal(a, b)


@pytest.mark.parametrize("cls", BINARY, ids=lambda c: c.__name__)
def test_bad_input_is_a_clear_error(cls):
    model = make(cls, SHAPE)
    with pytest.raises(ValueError, match="binary"):
        model.log_prob(torch.full((2, *SHAPE), 255.0))
    with pytest.raises(ValueError, match="shape"):
        model.log_prob(torch.zeros(2, 1, 4, 4))
    with pytest.raises(ValueError, match="NaN"):
        model.log_prob(torch.full((2, *SHAPE), float("nan")))
    with pytest.raises(ValueError, match="batch"):
        model.log_prob(torch.zeros(SHAPE))


def test_the_config_rule_is_checked():
    """Constructor arguments are stored under their own names; a model that forgets one, or hides its
    arguments behind **kwargs, is an error that names the problem."""
    from genlib.models import IndependentBernoulli

    class Forgetful(IndependentBernoulli):
        def __init__(self, shape=(1, 2, 2), alpha=1.0):
            super().__init__(shape)

    with pytest.raises(TypeError, match="'alpha'"):
        Forgetful()
    with pytest.raises(TypeError, match=r"\*\*kwargs"):

        class Vague(IndependentBernoulli):
            def __init__(self, shape=(1, 2, 2), **kwargs):
                super().__init__(shape)

    class Careful(Forgetful):  # a subclass that stores it: fine, and config rebuilds it
        def __init__(self, shape=(1, 2, 2), alpha=1.0):
            super().__init__(shape, alpha)
            self.alpha = alpha

    model = Careful(alpha=0.5)
    assert model.config == {"shape": [1, 2, 2], "alpha": 0.5}
    assert Careful(**model.config).config == model.config


@pytest.mark.parametrize("cls", list(models.REGISTRY.values()), ids=lambda c: c.__name__)
def test_pixel_kind_has_one_source(cls):
    """pixel_kind on the class is the kind of the default model; PixelRNN models read it from levels."""
    assert cls.pixel_kind == cls.pixel_kind_for() == make(cls, (1, 2, 2)).pixel_kind
    if "levels" in cls.constructor_arguments():
        width = {"hidden": 6} if "hidden" in cls.constructor_arguments() else {"channels": 6}
        model = cls((3, 2, 2), levels=256, out_hidden=6, **width)
        assert model.pixel_kind == cls.pixel_kind_for(levels=256) == "8bit" and cls.pixel_kind == "binary"
        with pytest.raises(AttributeError, match="levels"):
            model.pixel_kind = "binary"
        with pytest.raises(ValueError, match="levels"):
            cls.pixel_kind_for(levels=16)
