"""Incremental sampling of the PixelRNN models (genlib/models/pixel.py, chapter 06): the kept features and
states give exactly the conditionals of one full forward pass, at every step, whatever is known."""

import importlib.util
import types
from pathlib import Path

import pytest
import torch

from genlib.models import (
    AutoregressiveModel,
    DiagonalBiLSTM,
    GatedPixelCNN,
    PixelCNN,
    RowLSTM,
    all_binary_images,
)
from genlib.models.pixel import KeptFeatures, PixelModel, window

ROOT = Path(__file__).resolve().parents[1]
MODELS = [RowLSTM, DiagonalBiLSTM, PixelCNN, GatedPixelCNN]
SMALL = {"layers": 2, "hidden": 6, "out_hidden": 12}
SMALL_GATED = {"layers": 3, "channels": 6, "out_hidden": 12}  # 3 layers: a vertical input kept between layers


def make(cls, shape, levels=2, seed=0):
    """A small model with parameters moved off their initial values, so every connection matters."""
    torch.manual_seed(seed)
    model = cls(shape, levels=levels, **(SMALL_GATED if cls is GatedPixelCNN else SMALL)).eval()
    with torch.no_grad():
        for p in model.parameters():
            p.add_(0.3 * torch.randn_like(p))
    return model


def full_pass(model, x, d, cache):
    """The reference: the parameters of step d sliced from one forward pass of the whole model."""
    s = int(cache["steps"][d])
    out = model(x)
    return out.flatten(1)[:, s] if model.levels == 2 else out.flatten(2)[:, :, s]


def uncached(model):
    """The same model, sampling with one full forward pass per step (the base class's conditional)."""
    model.conditional = types.MethodType(AutoregressiveModel.conditional, model)
    return model


def known_masks(shape, batch, gen):
    C, H, W = shape
    pixels = torch.rand(H, W, generator=gen) < 0.4  # pixels known in every image: their steps are skipped
    pixels[1] = True  # and a whole row
    return {
        "nothing": torch.zeros(H, W, dtype=torch.bool),
        "pixels and a row": pixels,
        "channels, per image": torch.rand(batch, C, H, W, generator=gen) < 0.3,
    }


@pytest.mark.parametrize("cls", MODELS, ids=lambda c: c.__name__)
@pytest.mark.parametrize(
    "shape,levels",
    [((1, 5, 6), 2), ((3, 4, 5), 2), ((3, 4, 5), 256)],
    ids=["binary", "binary RGB", "8-bit RGB"],
)
def test_every_cached_conditional_equals_the_full_forward_pass(cls, shape, levels):
    model = make(cls, shape, levels)
    assert model.incremental
    gen = torch.Generator().manual_seed(1)
    x = torch.randint(0, levels, (3, *shape), generator=gen).float()
    for name, known in known_masks(shape, 3, gen).items():
        errors, cached = [], model.conditional

        def checked(x, d, cache):
            got = cached(x, d, cache)
            errors.append((got - full_pass(model, x, d, cache)).abs().max().item())
            return got

        model.conditional = checked
        out = model.complete(x, known)
        del model.conditional
        todo = (~model._known_mask(known, 3)).any(0).sum().item()  # steps with something to draw
        assert len(errors) == todo > 0, name
        assert max(errors) < 1e-5, f"{name}: cached logits differ from the full pass by {max(errors):.2e}"
        assert torch.equal(out[model._known_mask(known, 3)], x[model._known_mask(known, 3)])


@pytest.mark.parametrize("cls", MODELS, ids=lambda c: c.__name__)
@pytest.mark.parametrize("shape,levels", [((1, 4, 5), 2), ((3, 3, 4), 256)], ids=["binary", "8-bit RGB"])
def test_same_seed_same_samples_as_one_full_pass_per_step(cls, shape, levels):
    """Same logits (to float rounding), same random numbers drawn in the same order: the same images."""
    model = make(cls, shape, levels)
    torch.manual_seed(3)
    cached = model.sample(16)
    torch.manual_seed(3)
    reference = uncached(model).sample(16)
    assert torch.equal(cached, reference)
    assert cached.unique().numel() > 1  # not a constant image that any sampler would match


@pytest.mark.parametrize("cls", MODELS, ids=lambda c: c.__name__)
@pytest.mark.parametrize("shape", [(1, 2, 3), (3, 1, 2)], ids=["2x3 binary", "1x2 RGB"])
def test_sampled_frequencies_match_probabilities_on_every_image(cls, shape):
    """All 64 images of a tiny shape: counts of 20,000 cached samples vs 20,000 exp(log_prob)."""
    model = make(cls, shape)
    images = all_binary_images(shape)  # (64, C, H, W)
    with torch.no_grad():
        p = model.log_prob(images).double().exp()
    assert p.sum().item() == pytest.approx(1.0, abs=1e-5)
    n = 20_000
    torch.manual_seed(0)
    x = model.sample(n)
    code = (x.flatten(1) * 2 ** torch.arange(images[0].numel() - 1, -1, -1)).sum(1).long()
    counts = torch.bincount(code, minlength=64).double()
    chi2 = lambda q: (((counts - n * q) ** 2) / (n * q)).sum().item()  # noqa: E731
    assert chi2(p) < 103.4, f"chi-square {chi2(p):.1f} with 63 degrees of freedom (p < 0.001)"
    # the test has teeth: the same counts against a slightly different distribution fail it
    other = p * (1 + 0.3 * torch.linspace(-1, 1, 64, dtype=torch.float64))
    assert chi2(other / other.sum()) > 103.4


def test_a_pixel_model_without_an_incremental_core_falls_back_to_cropped_passes():
    class Plain(PixelModel):
        def __init__(self, shape=(1, 3, 4), levels=2, hidden=4, out_hidden=4):
            super().__init__(shape, levels, hidden, out_hidden)

        def core(self, h, x):
            return h

    torch.manual_seed(0)
    model = Plain().eval()
    assert not model.incremental
    torch.manual_seed(2)
    a = model.sample(8)
    torch.manual_seed(2)
    assert torch.equal(a, uncached(model).sample(8))


def test_kept_features_give_the_convolution_at_each_pixel():
    """KeptFeatures.conv at (r, c) equals the masked convolution of the whole map, once the map is put."""
    conv = make(PixelCNN, (1, 4, 5)).blocks[0].net[3]  # a masked 3x3, h -> h
    fmap = torch.randn(2, 6, 4, 5)
    kept = KeptFeatures(fmap, 6, (3, 3))
    want = conv(fmap)
    for r in range(4):
        for c in range(5):
            kept.put(r, c, fmap[:, :, r, c])
            torch.testing.assert_close(kept.conv(conv, r, c), want[:, :, r, c], atol=1e-6, rtol=1e-5)
    w = window(fmap, 0, 0, 7, 7)
    assert w.shape == (2, 6, 4, 7) and torch.all(w[:, :, :3] == 0) and torch.all(w[:, :, 3, :3] == 0)
    assert torch.equal(w[:, :, 3, 3:], fmap[:, :, 0, :4])


def test_the_sampling_benchmark_times_both_samplers_and_writes_a_table():
    spec = importlib.util.spec_from_file_location("sampling_bench", ROOT / "benchmarks" / "sampling.py")
    bench = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(bench)
    rows = bench.run("cpu", quick=True)
    assert [r["model"] for r in rows] == [c.__name__ for c in MODELS]
    for r in rows:
        assert r["cached_s"] > 0 and r["full_pass_s"] > 0 and r["images"] == 8
        assert r["speedup"] == pytest.approx(r["full_pass_s"] / r["cached_s"], rel=0.05, abs=0.1)
    table = bench.markdown(rows)
    assert all(f"| {c.__name__} | cpu | 8 x 8x8 |" in table for c in MODELS)
