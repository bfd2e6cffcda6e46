"""PixelRNN (chapter 07): causality by gradients, receptive fields, skewing, normalization, CLI."""

import json
import numpy as np
import pytest
import torch

from genlib import cli, data
from genlib.models import DiagonalBiLSTM, PixelCNN, RowLSTM, all_binary_images
from genlib.models.masked import causal_mask, channel_groups
from genlib.models.pixel import receptive_field
from genlib.models.pixelrnn import skew, unskew

MODELS = [RowLSTM, DiagonalBiLSTM, PixelCNN]
SMALL = {"layers": 2, "hidden": 6, "out_hidden": 12}


def make(cls, shape, levels=2, seed=0, **kw):
    torch.manual_seed(seed)
    return cls(shape, levels=levels, **{**SMALL, **kw}).eval()


def earlier(r2, c2, ch2, r, c, ch):
    """Is input (r2, c2, ch2) generated before output (r, c, ch)? Raster order, then R, G, B."""
    return (r2, c2) < (r, c) or ((r2, c2) == (r, c) and ch2 < ch)


@pytest.mark.parametrize("cls", MODELS, ids=lambda c: c.__name__)
@pytest.mark.parametrize("colours,levels", [(1, 2), (3, 2), (1, 256), (3, 256)])
def test_no_output_sees_its_own_or_a_later_pixel_or_channel(cls, colours, levels):
    C, H, W = colours, 3, 4
    model = make(cls, (C, H, W), levels)
    for r in range(H):
        for c in range(W):
            for ch in range(C):
                g = receptive_field(model, r, c, ch, n=2)
                later = [
                    (ch2, r2, c2)
                    for ch2 in range(C)
                    for r2 in range(H)
                    for c2 in range(W)
                    if not earlier(r2, c2, ch2, r, c, ch)
                ]
                seen = [p for p in later if g[p] != 0]
                assert not seen, f"output ({r}, {c}) channel {ch} depends on later inputs {seen[:3]}"


@pytest.mark.parametrize("shape", [(1, 5, 7), (3, 4, 5)])
def test_diagonal_bilstm_sees_every_earlier_pixel(shape):
    C, H, W = shape
    model = make(DiagonalBiLSTM, shape, layers=1)
    for r in range(H):
        for c in range(W):
            for ch in range(C):
                g = receptive_field(model, r, c, ch, n=4)
                missed = [
                    (r2, c2, ch2)
                    for ch2 in range(C)
                    for r2 in range(H)
                    for c2 in range(W)
                    if earlier(r2, c2, ch2, r, c, ch) and g[ch2, r2, c2] == 0
                ]
                assert not missed, f"output ({r}, {c}) channel {ch} does not see {missed[:3]}"


def test_row_lstm_misses_pixels_far_to_the_left_in_its_own_row():
    # one layer, k = 3: the 7x7 input layer reaches 3 pixels left, the row convolution 1 more
    model = make(RowLSTM, (1, 4, 12), layers=1, k=3)
    g = receptive_field(model, 2, 10, n=4)[0]
    assert torch.all(g[2, :6] == 0) and torch.all(g[2, 6:10] > 0)
    assert g[1, 10] > 0 and g[0, 11] > 0  # the triangle above
    diag = receptive_field(make(DiagonalBiLSTM, (1, 4, 12), layers=1), 2, 10, n=4)[0]
    assert torch.all(diag[2, :10] > 0)


@pytest.mark.parametrize("layers", [2, 6])
def test_pixelcnn_has_a_blind_spot_above_and_to_the_right(layers):
    model = make(PixelCNN, (1, 8, 12), layers=layers)
    g = receptive_field(model, 6, 3, n=4)[0]
    assert g[5, 7] == 0 and g[5, 6] > 0  # row above: 3 to the right is seen, 4 is not, however deep
    assert g[6, 2] > 0 and g[5, 3] > 0
    diag = receptive_field(make(DiagonalBiLSTM, (1, 8, 12), layers=1), 6, 3, n=4)[0]
    assert diag[5, 7] > 0 and diag[5, 11] > 0


def test_skew_shifts_row_r_by_r_and_unskew_undoes_it():
    x = torch.randn(2, 3, 5, 7)
    s = skew(x)
    assert s.shape == (2, 3, 5, 11)
    for r in range(5):
        assert torch.equal(s[:, :, r, r : r + 7], x[:, :, r])
        assert torch.all(s[:, :, r, :r] == 0) and torch.all(s[:, :, r, r + 7 :] == 0)
    assert torch.equal(unskew(s, 7), x)
    # a diagonal of the image is a column of the skewed map: pixel (r, c) sits in column r + c
    assert torch.equal(s[0, 0, :, 4], torch.stack([x[0, 0, r, 4 - r] for r in range(5)]))


@pytest.mark.parametrize("cls", MODELS, ids=lambda c: c.__name__)
@pytest.mark.parametrize("shape", [(1, 2, 5), (3, 2, 2)])
def test_exact_normalization_odd_sizes_and_colour(cls, shape):
    model = make(cls, shape)
    with torch.no_grad():
        for p in model.parameters():
            p.add_(0.3 * torch.randn_like(p))
        lp = model.log_prob(all_binary_images(shape))
    assert torch.logsumexp(lp.double(), 0).exp().item() == pytest.approx(1.0, abs=1e-5)


@pytest.mark.parametrize("cls", MODELS, ids=lambda c: c.__name__)
def test_colour_sampling_follows_r_then_g_then_b(cls):
    """One RGB binary pixel: sampled frequencies of the 8 colours match exp(log_prob)."""
    model = make(cls, (3, 1, 1))
    with torch.no_grad():
        for p in model.parameters():
            p.add_(0.5 * torch.randn_like(p))
        p = model.log_prob(all_binary_images((3, 1, 1))).double().exp()
        torch.manual_seed(1)
        x = model.sample(4000)
    counts = torch.bincount((x.flatten(1) * torch.tensor([4, 2, 1])).sum(1).long(), minlength=8).double()
    expected = 4000 * p
    chi2 = ((counts - expected) ** 2 / expected).sum().item()
    assert chi2 < 24.3, f"chi-square {chi2:.1f} with 7 dof (p < 0.001)"


@pytest.mark.parametrize("cls", MODELS, ids=lambda c: c.__name__)
def test_odd_sizes_and_8bit_shapes(cls):
    model = make(cls, (3, 5, 7), levels=256)
    assert model.pixel_kind == "8bit" and cls.pixel_kind == "binary"
    x = torch.randint(0, 256, (2, 3, 5, 7)).float()
    assert model(x).shape == (2, 256, 3, 5, 7)
    lp = model.log_prob(x)
    assert lp.shape == (2,) and torch.all(lp < 0)
    known = torch.zeros(5, 7, dtype=torch.bool)
    known[:2] = True
    out = model.complete(x, known)
    assert torch.equal(out[:, :, :2], x[:, :, :2]) and torch.all(out == out.round())
    assert 0 <= out.min() and out.max() <= 255
    binary = make(cls, (1, 5, 7))
    assert binary(torch.zeros(2, 1, 5, 7)).shape == (2, 1, 5, 7)
    assert set(binary.sample(3).unique().tolist()) <= {0.0, 1.0}


def test_masks_a_and_b_at_the_centre():
    groups = channel_groups(3, 3)
    a = causal_mask(groups, groups, (3, 3), "A")
    b = causal_mask(groups, groups, (3, 3), "B")
    assert torch.equal(a[:, :, 1, 1], torch.tensor([[0.0, 0, 0], [1, 0, 0], [1, 1, 0]]))  # R sees nothing
    assert torch.equal(b[:, :, 1, 1], torch.tensor([[1.0, 0, 0], [1, 1, 0], [1, 1, 1]]))
    assert torch.all(a[:, :, 0] == 1) and torch.all(a[:, :, 1, 0] == 1)  # the row above, the left pixel
    assert torch.all(a[:, :, 2] == 0) and torch.all(a[:, :, 1, 2] == 0)  # the future
    assert channel_groups(6, 3).tolist() == [0, 0, 1, 1, 2, 2]
    with pytest.raises(ValueError, match="odd"):
        causal_mask(groups, groups, (2, 2), "A")


def test_parameter_count_matches_the_formula():
    C, h, o, L, k = 3, 8, 16, 2, 5
    model = RowLSTM((C, 6, 6), levels=256, layers=L, hidden=h, k=k, out_hidden=o)
    first = C * 2 * h * 49 + 2 * h
    layer = (2 * h * 4 * h * k + 4 * h) + (3 * h * 4 * h + 4 * h) + (h * 2 * h + 2 * h)
    head = (2 * h * o + o) + (o * C * 256 + C * 256)
    assert sum(p.numel() for p in model.parameters()) == first + L * layer + head


def test_raster_order_only_and_clear_errors():
    model = RowLSTM((1, 3, 3))
    assert model.ordering.tolist() == list(range(9))
    with pytest.raises(TypeError):
        RowLSTM((1, 3, 3), ordering=torch.randperm(9))
    with pytest.raises(ValueError, match="levels"):
        PixelCNN((1, 3, 3), levels=16)
    with pytest.raises(ValueError, match="odd"):
        RowLSTM((1, 3, 3), k=4)
    with pytest.raises(ValueError, match="hidden"):
        DiagonalBiLSTM((3, 3, 3), hidden=2)
    with pytest.raises(ValueError, match="outside"):
        receptive_field(model, 3, 0)
    with pytest.raises(ValueError, match="binary"):
        model.log_prob(torch.full((1, 1, 3, 3), 7.0))
    with pytest.raises(ValueError, match="8-bit"):
        RowLSTM((1, 3, 3), levels=256).log_prob(torch.full((1, 1, 3, 3), 0.5))


def test_coloured_digits():
    x, y = data.load("coloured_digits", "val", labels=True)
    assert x.shape == (500, 3, 14, 14) and len(y) == 500
    assert torch.all(x == x.round()) and x.min() >= 0 and x.max() <= 255
    assert torch.equal(x, data.load("coloured_digits", "val"))  # deterministic
    # corners are background: one colour per image, and images do not all share it
    corners = x[:, :, 0, 0]
    assert len({tuple(c) for c in corners.tolist()}) > 5
    assert torch.all((x - corners[:, :, None, None]).abs().flatten(1).amax(1) > 50)  # a foreground


def test_cli_default_data_follows_levels():
    assert cli.DEFAULT_DATA[RowLSTM.pixel_kind_for()] == "binarized_mnist"
    assert cli.DEFAULT_DATA[RowLSTM.pixel_kind_for(levels=256)] == "mnist5k_grey"


@pytest.mark.parametrize("name", ["row_lstm", "diagonal_bilstm", "pixelcnn"])
def test_cli_trains_and_evaluates(name, tmp_path, capsys):
    x = data.load("mnist5k", "test")[:48].numpy().astype(np.uint8).reshape(48, 784)
    np.savez(tmp_path / "tiny.npz", x=x)
    out, tiny = str(tmp_path / "m.pt"), str(tmp_path / "tiny.npz")
    assert (
        cli.main(
            [
                "train",
                name,
                "--data",
                tiny,
                "--epochs",
                "1",
                "--batch-size",
                "16",
                "--quiet",
                "--set",
                "hidden=4",
                "--set",
                "layers=1",
                "--set",
                "out_hidden=8",
                "--out",
                out,
            ]
        )
        == 0
    )
    capsys.readouterr()
    assert cli.main(["eval", out, "--data", tiny, "--split", "train", "--json"]) == 0
    result = json.loads(capsys.readouterr().out)
    assert 50 < result["nll_nats"] < 1000 and result["n"] == len(
        data.load(tiny, "train")
    )  # one x: 80 % train


def test_exercise_checkers_accept_right_and_reject_wrong_answers():
    from genlib.exercises import ch07

    assert ch07.check_centre_mask(lambda o, i, k: int(o > i) if k == "A" else int(o >= i))
    assert not ch07.check_centre_mask(lambda o, i, k: int(o >= i))  # mask B everywhere
    assert ch07.check_sampling_passes(3072) and not ch07.check_sampling_passes(1024)
    assert ch07.check_row_lstm_reach(10) and not ch07.check_row_lstm_reach(7)
    assert ch07.check_skew(skew)

    def transposed(x):  # shifts columns instead of rows
        return skew(x.transpose(2, 3)).transpose(2, 3)

    assert not ch07.check_skew(transposed) and not ch07.check_skew(lambda x: x)
