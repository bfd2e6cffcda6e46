"""RNADE, NADE for real-valued pixels (genlib/models/rnade.py, chapter 05)."""

import math

import pytest
import torch

import genlib
from genlib import data, train
from genlib.models import RNADE
from genlib.models.rnade import Dequantize, dequantize


def make(shape, hidden=5, components=3, seed=0, ordering=None):
    torch.manual_seed(seed)
    model = RNADE(shape, hidden=hidden, components=components, ordering=ordering)
    with torch.no_grad():
        for p in model.parameters():
            p.add_(0.3 * torch.randn_like(p))
    return model.eval()


def test_density_integrates_to_one_in_1d():
    model = make((1, 1, 1))
    grid = torch.linspace(-8, 9, 40001)
    with torch.no_grad():
        p = model.log_prob(grid.view(-1, 1, 1, 1)).double().exp()
    assert torch.trapezoid(p, grid.double()).item() == pytest.approx(1.0, abs=1e-4)


@pytest.mark.parametrize("ordering", [[0, 1], [1, 0]])
def test_density_integrates_to_one_in_2d(ordering):
    model = make((1, 1, 2), seed=1, ordering=ordering)
    g = torch.linspace(-8, 9, 801)
    u, v = torch.meshgrid(g, g, indexing="ij")
    x = torch.stack([u, v], -1).view(-1, 1, 1, 2)
    with torch.no_grad():
        p = model.log_prob(x).double().exp().view(len(g), len(g))
    total = torch.trapezoid(torch.trapezoid(p, g.double(), dim=1), g.double())
    assert total.item() == pytest.approx(1.0, abs=1e-3)


def test_conditional_is_a_density_given_any_prefix():
    """p(x_2 | x_1) integrates to 1 for every value of x_1."""
    model = make((1, 1, 2), seed=2)
    g = torch.linspace(-8, 9, 20001)
    for x1 in (-0.5, 0.2, 0.9):
        x = torch.stack([torch.full_like(g, x1), g], -1).view(-1, 1, 1, 2)
        with torch.no_grad():
            p = model.conditional_log_density(x)[:, 0, 0, 1].double().exp()
        assert torch.trapezoid(p, g.double()).item() == pytest.approx(1.0, abs=1e-4)


def test_autoregressive_property_by_gradients():
    model = make((1, 3, 3), ordering=torch.randperm(9, generator=torch.Generator().manual_seed(0)))
    x = torch.rand(1, 1, 3, 3, requires_grad=True)
    params = model(x).flatten(2)  # (1, 3K, 9)
    for d, i in enumerate(model.ordering.tolist()):
        (g,) = torch.autograd.grad(params[0, :, i].sum(), x, retain_graph=True)
        assert torch.all(g.flatten()[model.ordering[d:]] == 0), f"step {d} sees a later pixel"


def test_samples_follow_the_density_in_1d():
    """Mean and variance of 20,000 samples of a 1-pixel model against the mixture's, by quadrature."""
    model = make((1, 1, 1), seed=3)
    torch.manual_seed(0)
    with torch.no_grad():
        s = model.sample(20000).flatten().double()
        grid = torch.linspace(-8, 9, 40001)
        p = model.log_prob(grid.view(-1, 1, 1, 1)).double().exp()
    g = grid.double()
    mean = torch.trapezoid(p * g, g)
    var = torch.trapezoid(p * (g - mean) ** 2, g)
    assert s.mean().item() == pytest.approx(mean.item(), abs=4 * math.sqrt(var.item() / 20000))
    assert s.var().item() == pytest.approx(var.item(), rel=0.05)


def test_completion_keeps_known_pixels():
    model = make((1, 3, 3))
    x = torch.rand(4, 1, 3, 3)
    known = torch.zeros(3, 3, dtype=torch.bool)
    known[0] = True
    out = model.complete(x, known)
    assert torch.equal(out[:, :, 0], x[:, :, 0]) and not torch.equal(out[:, :, 1:], x[:, :, 1:])


def test_dequantize_and_training_on_digits8(tmp_path):
    g = data.load("digits8", "train")
    x = dequantize(g, levels=17)
    assert x.min() >= 0 and x.max() < 1 and torch.equal((x * 17).floor(), g)
    with pytest.raises(ValueError, match="integer grey levels"):
        dequantize(x)
    model = RNADE((1, 8, 8), hidden=8, components=2)
    before = train.evaluate(model, x[:200])
    train.fit(model, x[:200], None, epochs=2, lr=1e-2, batch_size=50, progress=False)
    assert train.evaluate(model, x[:200]) < before
    back = genlib.load(genlib.save(model, tmp_path / "rnade.pt"))
    assert back.config == model.config and torch.allclose(back.log_prob(x[:5]), model.log_prob(x[:5]))


def test_training_draws_fresh_dequantization_noise_every_epoch():
    """fit(..., transform=Dequantize(17)): the same grey levels give new values in (0, 1) each epoch,
    always in the level's own cell [g / 17, (g + 1) / 17)."""
    g = data.load("digits8", "train")[:40]
    model = RNADE((1, 8, 8), hidden=4, components=2)
    opt = torch.optim.Adam(model.parameters(), lr=1e-3)
    seen = []

    def spy(xb):
        seen.append(xb.clone())
        return model.nll(xb)

    order = torch.arange(len(g))
    for _ in range(2):  # two epochs over the same images in the same order
        train.train_epoch(model, g, opt, 40, order=order, loss=spy, transform=Dequantize(17))
    first, second = seen
    assert not torch.equal(first, second)
    assert (first - second).abs().mean() > 0.01  # about 1 / (3 * 17) for independent noise
    for x in (first, second):
        assert x.min() > 0 and x.max() < 1 and torch.equal((x * 17).floor(), g)
    assert torch.equal(dequantize(g, seed=3), dequantize(g, seed=3))  # val and test: a fixed draw


def test_fit_passes_the_transform_to_every_batch():
    calls = []

    def count(xb):
        calls.append(len(xb))
        return dequantize(xb, seed=None)

    model = RNADE((1, 8, 8), hidden=4, components=2)
    g = data.load("digits8", "train")[:60]
    train.fit(model, g, None, epochs=2, batch_size=20, progress=False, transform=count)
    assert calls[-6:] == [20] * 6  # 3 batches per epoch, 2 epochs (before them: fit checks the data)


def test_bad_input_is_a_clear_error():
    model = make((1, 2, 2))
    with pytest.raises(ValueError, match="finite"):
        model.log_prob(torch.full((2, 1, 2, 2), float("inf")))
    with pytest.raises(ValueError, match="shape"):
        model.log_prob(torch.zeros(2, 1, 3, 3))
    with pytest.raises(ValueError, match="components"):
        RNADE((1, 2, 2), components=0)


def test_cli_evaluates_on_dequantized_digits8(tmp_path):
    """`python -m genlib eval` dequantizes digits8 for a real-valued model
    (grey levels would have no density)."""
    import json
    import subprocess
    import sys

    genlib.save(RNADE((1, 8, 8), hidden=8, components=2), tmp_path / "r.pt")
    r = subprocess.run(
        [sys.executable, "-m", "genlib", "eval", "r.pt", "--data", "digits8", "--json"],
        cwd=tmp_path,
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert r.returncode == 0, r.stderr
    out = json.loads(r.stdout)
    assert out["model"] == "RNADE" and out["n"] == 361 and math.isfinite(out["nll_nats"])
