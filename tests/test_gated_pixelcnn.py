"""Gated PixelCNN (chapter 08): causality by gradients for binary and 8-bit colour pixels, the blind spot
closed (every earlier pixel reached, PixelCNN's 102 of 157 next to it), normalization, sampling, save/load."""

import pytest
import torch

import genlib
from genlib.models import GatedPixelCNN, PixelCNN, all_binary_images
from genlib.models.gated_pixelcnn import shift_down
from helpers.frequencies import assert_frequencies_match
from helpers.round_trip import train_eval_sample

SMALL = {"channels": 6, "layers": 2, "out_hidden": 12}


def make(shape, levels=2, seed=0, **kw):
    torch.manual_seed(seed)
    model = GatedPixelCNN(shape, levels=levels, **{**SMALL, **kw})
    with torch.no_grad():  # away from the initialisation, so that a leak would show
        for p in model.parameters():
            p.add_(0.3 * torch.randn_like(p))
    return model.eval()


def field(model, r, c, ch=0, n=2, seed=0):
    """|d output(r, c, ch) / d input| summed over n random images, (C, H, W), through the public forward.
    8-bit models: a fixed random mix of the 256 logits."""
    g = torch.Generator().manual_seed(seed)
    C, H, W = model.shape
    if model.pixel_kind == "binary":
        x = torch.bernoulli(torch.full((n, C, H, W), 0.5), generator=g)
    else:
        x = torch.randint(0, 256, (n, C, H, W), generator=g).float()
    x.requires_grad_(True)
    out = model(x)
    target = out[:, ch, r, c] if out.dim() == 4 else out[:, :, ch, r, c] @ torch.randn(256, generator=g)
    (grad,) = torch.autograd.grad(target.sum(), x)
    return grad.abs().sum(0)


def earlier(r2, c2, ch2, r, c, ch):
    """Is input (r2, c2, ch2) generated before output (r, c, ch)? Raster order, then R, G, B."""
    return (r2, c2) < (r, c) or ((r2, c2) == (r, c) and ch2 < ch)


@pytest.mark.parametrize("colours,levels", [(1, 2), (3, 2), (1, 256), (3, 256)])
def test_every_output_sees_every_earlier_value_and_nothing_else(colours, levels):
    """No output depends on its own or a later value, for any weights (3 random draws); and each
    earlier value reaches it for some of them (one tiny net can have a ReLU dead for every input)."""
    C, H, W = colours, 4, 5
    models = [make((C, H, W), levels, seed=s, layers=3) for s in range(3)]  # 3 layers reach across 4 x 5
    pairs = [(ch2, r2, c2) for ch2 in range(C) for r2 in range(H) for c2 in range(W)]
    for r in range(H):
        for c in range(W):
            for ch in range(C):
                g = sum(field(m, r, c, ch) for m in models)
                leaks = [p for p in pairs if not earlier(p[1], p[2], p[0], r, c, ch) and g[p] != 0]
                missed = [p for p in pairs if earlier(p[1], p[2], p[0], r, c, ch) and g[p] == 0]
                assert not leaks, f"output ({r}, {c}) channel {ch} sees later values {leaks[:3]}"
                assert not missed, f"output ({r}, {c}) channel {ch} does not see {missed[:3]}"


def test_the_blind_spot_is_gone_on_15x15():
    """Pixel (10, 7) of a 15 x 15 image has 157 earlier pixels. Seven gated layers (the default) reach
    all of them; PixelCNN with 4 residual blocks reaches 102, and even 12 blocks miss
    the pixels above and to the right."""
    r, c, shape = 10, 7, (1, 15, 15)
    is_earlier = torch.arange(15 * 15).view(15, 15) < r * 15 + c
    torch.manual_seed(0)
    gated = GatedPixelCNN(shape, channels=8, out_hidden=16)  # layers=7, kernel=3: the defaults
    g = field(gated, r, c)[0]
    assert int((g[is_earlier] > 0).sum()) == int(is_earlier.sum()) == 157
    assert int((g[~is_earlier] > 0).sum()) == 0
    p = field(PixelCNN(shape, layers=4, hidden=24), r, c)[0]
    assert int((p[is_earlier] > 0).sum()) == 102 and int((p[~is_earlier] > 0).sum()) == 0
    deep = field(PixelCNN(shape, layers=12, hidden=8), r, c)[0]
    assert deep[9, 10] > 0 and torch.all(deep[9, 11:] == 0)  # the row above: 3 to the right, never 4
    assert torch.all(g[9, 11:] > 0)


def test_fewer_layers_reach_less_far_up():
    """After L layers (7x7 first, then 3x3) a pixel sees 4 + (L - 1) rows up: finite reach, no blind spot."""
    model = make((1, 12, 9), layers=2)
    g = field(model, 11, 4)[0]
    assert torch.all(g[:6] == 0) and torch.all(g[6:11] > 0) and torch.all(g[11, :4] > 0)


def test_shift_down_moves_rows_by_one():
    v = torch.arange(12.0).view(1, 1, 3, 4)
    assert torch.equal(shift_down(v)[0, 0], torch.cat([torch.zeros(1, 4), v[0, 0, :2]]))


@pytest.mark.parametrize("shape", [(1, 3, 3), (3, 2, 2), (2, 1, 3)])
def test_binary_pixels_sum_to_one_over_every_image(shape):
    model = make(shape, layers=3)
    with torch.no_grad():
        lp = model.log_prob(all_binary_images(shape))
    assert torch.logsumexp(lp.double(), 0).exp().item() == pytest.approx(1.0, abs=1e-5)


@pytest.mark.parametrize("shape", [(1, 1, 2), (2, 1, 1)])
def test_8bit_pixels_sum_to_one_over_all_65536_images(shape):
    model = make(shape, levels=256)
    v = torch.arange(256.0)
    x = torch.cartesian_prod(v, v).view(-1, *shape)  # every pair of values, in the model's layout
    with torch.no_grad():
        lp = model.log_prob(x)
    assert torch.logsumexp(lp.double(), 0).exp().item() == pytest.approx(1.0, abs=1e-5)


def test_sampled_colour_frequencies_match_probabilities():
    """Binary colour pixels, a (3, 1, 2) image: 64 outcomes, 10,000 samples, a chi-square test."""
    shape = (3, 1, 2)
    model = make(shape, layers=2)
    torch.manual_seed(7)
    n = 10_000
    with torch.no_grad():
        x = model.sample(n)
        p = model.log_prob(all_binary_images(shape)).double().exp()
    assert_frequencies_match(x, p)


def test_8bit_samples_are_integers_and_completion_keeps_known_pixels():
    model = make((3, 3, 3), levels=256)
    s = model.sample(2)
    assert s.shape == (2, 3, 3, 3) and torch.all((s >= 0) & (s <= 255) & (s == s.round()))
    known = torch.zeros(3, 3, 3, dtype=torch.bool)
    known[:, 0] = True
    known[0, 1, 1] = True  # the red value of one pixel, its green and blue drawn given it
    out = model.complete(s, known)
    assert torch.equal(out[:, :, 0], s[:, :, 0]) and torch.equal(out[:, 0, 1, 1], s[:, 0, 1, 1])


@pytest.mark.parametrize("levels", [2, 256])
def test_save_load_round_trip(levels, tmp_path):
    model = make((3, 4, 4), levels=levels)
    back = genlib.load(genlib.save(model, tmp_path / "g.pt"))
    assert back.config == model.config and back.pixel_kind == model.pixel_kind
    x = model.sample(3)
    assert torch.allclose(model.log_prob(x), back.log_prob(x))


def test_parameter_count_matches_the_closed_form():
    """Per later layer: vertical (k//2+1) k p 2p + 2p, horizontal k p 2p + 2p, link 2p 2p + 2p,
    out p p + p; the first layer reads the C image channels with 7-wide kernels."""
    C, p, L, k, o = 1, 32, 7, 3, 64
    first = 4 * 7 * C * 2 * p + 2 * p + 7 * C * 2 * p + 2 * p + (2 * p) ** 2 + 2 * p + p * p + p
    later = (k // 2 + 1) * k * p * 2 * p + 2 * p + k * p * 2 * p + 2 * p + (2 * p) ** 2 + 2 * p + p * p + p
    out = p * o + o + o * C + C
    model = GatedPixelCNN((C, 28, 28))
    assert sum(q.numel() for q in model.parameters()) == first + (L - 1) * later + out


def test_bad_arguments_are_clear_errors():
    with pytest.raises(ValueError, match="levels"):
        GatedPixelCNN((1, 4, 4), levels=16)
    with pytest.raises(ValueError, match="kernel"):
        GatedPixelCNN((1, 4, 4), kernel=4)
    with pytest.raises(ValueError, match="channels"):
        GatedPixelCNN((3, 4, 4), channels=2)
    with pytest.raises(ValueError, match="layers"):
        GatedPixelCNN((1, 4, 4), layers=0)
    with pytest.raises(ValueError, match="8-bit"):
        GatedPixelCNN((1, 4, 4), levels=256).log_prob(torch.full((1, 1, 4, 4), 0.5))
    assert GatedPixelCNN((1, 4, 4), levels=None).pixel_kind == "binary"


def test_cli_train_eval_sample(tmp_path):
    train_eval_sample(tmp_path, "gated_pixelcnn", ["channels=4", "layers=2", "out_hidden=8"], n=2)
