"""NADE and the order-agnostic NADE (genlib/models/nade.py, chapter 05)."""

import json
import subprocess
import sys

import pytest
import torch
import torch.nn.functional as F

import genlib
from genlib import data, train
from genlib.models import NADE, OrderAgnosticNADE, all_binary_images
from genlib.models.nade import loop_logits, naive_logits

SHAPE = (1, 3, 3)
MODELS = [NADE, OrderAgnosticNADE]


def make(cls, shape=SHAPE, hidden=6, seed=0, ordering=None):
    torch.manual_seed(seed)
    model = cls(shape, hidden=hidden, ordering=ordering)
    with torch.no_grad():  # away from the initialisation (U starts at zero) so every check can fail
        for p in model.parameters():
            p.add_(0.7 * torch.randn_like(p))
    return model.eval()


def perm(n, seed):
    return torch.randperm(n, generator=torch.Generator().manual_seed(seed))


@pytest.mark.parametrize("cls", MODELS, ids=lambda c: c.__name__)
@pytest.mark.parametrize("seed", [0, 1, 2])
def test_exact_normalization_over_all_512_images(cls, seed):
    model = make(cls, seed=seed, ordering=perm(9, seed))
    with torch.no_grad():
        lp = model.log_prob(all_binary_images(SHAPE))
    assert torch.logsumexp(lp.double(), 0).exp().item() == pytest.approx(1.0, abs=1e-5)


def test_order_agnostic_nade_is_normalized_under_every_ordering_without_retraining():
    model = make(OrderAgnosticNADE)
    x = all_binary_images(SHAPE)
    with torch.no_grad():
        totals = [
            torch.logsumexp(model.log_prob(x, ordering=perm(9, s)).double(), 0).exp().item() for s in range(5)
        ]
        model.ordering = perm(9, 7)  # the buffer can be set directly too
        totals.append(torch.logsumexp(model.log_prob(x).double(), 0).exp().item())
        lp = [model.log_prob(x[:20], ordering=perm(9, s)) for s in range(2)]
    assert totals == pytest.approx([1.0] * 6, abs=1e-5)
    assert not torch.allclose(lp[0], lp[1]), "different orderings should give different models"


def test_order_agnostic_ensemble_is_a_probability():
    model = make(OrderAgnosticNADE)
    with torch.no_grad():
        lp = model.log_prob_ensemble(all_binary_images(SHAPE), [perm(9, s) for s in range(4)])
    assert torch.logsumexp(lp.double(), 0).exp().item() == pytest.approx(1.0, abs=1e-5)


@pytest.mark.parametrize("cls", MODELS, ids=lambda c: c.__name__)
def test_vectorized_equals_naive_and_loop(cls):
    model = make(cls, (1, 5, 6), hidden=11, ordering=perm(30, 3))
    x = torch.bernoulli(torch.full((37, 1, 5, 6), 0.4))
    steps = model.steps()
    with torch.no_grad():
        fast = model(x).flatten(1)[:, steps]
        assert torch.allclose(fast, naive_logits(model, x), atol=1e-5)
        assert torch.allclose(fast, loop_logits(model, x), atol=1e-5)


@pytest.mark.parametrize("cls", MODELS, ids=lambda c: c.__name__)
def test_gradients_equal_the_naive_implementation(cls):
    """The fused backward pass (recomputed activations, reverse sums) gives autograd's gradients."""
    model = make(cls, (1, 5, 6), hidden=11, ordering=perm(30, 4)).train()
    x = torch.bernoulli(torch.full((37, 1, 5, 6), 0.4))
    x_o = x.flatten(1)[:, model.steps()]
    fast = torch.autograd.grad(-model.log_prob(x).sum(), list(model.parameters()))
    ref_loss = F.binary_cross_entropy_with_logits(naive_logits(model, x), x_o, reduction="sum")
    ref = torch.autograd.grad(ref_loss, list(model.parameters()))
    for (name, _), a, b in zip(model.named_parameters(), fast, ref):
        assert torch.allclose(a, b, atol=1e-4, rtol=1e-4), name


@pytest.mark.parametrize("cls", MODELS, ids=lambda c: c.__name__)
def test_autoregressive_property_by_gradients(cls):
    model = make(cls, ordering=perm(9, 5))
    x = torch.bernoulli(torch.full((1, *SHAPE), 0.5)).requires_grad_(True)
    logits = model(x).flatten()
    for d, i in enumerate(model.ordering.tolist()):
        (g,) = torch.autograd.grad(logits[i], x, retain_graph=True)
        g = g.flatten()
        assert torch.all(g[model.ordering[d:]] == 0), f"step {d} sees itself or a later pixel"
        if d > 0:
            assert g[model.ordering[:d]].abs().sum() > 0, f"step {d} ignores the pixels before it"


@pytest.mark.parametrize("cls", MODELS, ids=lambda c: c.__name__)
def test_sampled_frequencies_match_probabilities_on_3x3(cls):
    model = make(cls, ordering=perm(9, 6), seed=3)
    torch.manual_seed(0)
    n = 20000
    with torch.no_grad():
        x = model.sample(n)
        p = model.log_prob(all_binary_images(SHAPE)).double().exp()
    code = (x.flatten(1) * (2 ** torch.arange(8, -1, -1))).sum(1).long()
    counts = torch.bincount(code, minlength=512).double()
    expected = n * p
    # pool the rare images into one cell so that every expected count is at least 5
    rare = expected < 5
    obs = torch.cat([counts[~rare], counts[rare].sum(0, keepdim=True)])
    exp = torch.cat([expected[~rare], expected[rare].sum(0, keepdim=True)])
    chi2 = ((obs - exp) ** 2 / exp).sum().item()
    dof = len(obs) - 1
    assert chi2 < dof + 4 * (2 * dof) ** 0.5, f"chi-square {chi2:.1f} with {dof} dof"


def test_order_agnostic_completion_conditions_on_every_known_pixel():
    """Completing with all pixels but one known draws from
    p(x_i | all others) = p(x)/sum_v p(x with x_i=v)."""
    model = make(OrderAgnosticNADE, seed=2)
    x = torch.zeros(6000, *SHAPE)
    x[:, 0, 0, :] = 1
    known = torch.ones(SHAPE[1:], dtype=torch.bool)
    known[2, 2] = False
    torch.manual_seed(1)
    with torch.no_grad():
        out = model.complete(x, known)
        m = torch.ones(1, 9)
        m[0, 8] = 0
        h = torch.sigmoid(model.c + (x[:1].flatten(1) * m) @ model.W + m @ model.U)
        p = torch.sigmoid(model.b[8] + h @ model.V[8]).item()
    assert torch.equal(out.flatten(1)[:, :8], x.flatten(1)[:, :8])
    assert out[:, 0, 2, 2].mean().item() == pytest.approx(p, abs=4 * (p * (1 - p) / 6000) ** 0.5 + 1e-3)


def test_parameter_counts_match_the_formulas():
    for shape, H in [((1, 28, 28), 500), ((1, 3, 3), 6), ((2, 4, 5), 7)]:
        D = shape[0] * shape[1] * shape[2]
        assert sum(p.numel() for p in NADE(shape, hidden=H).parameters()) == 2 * D * H + D + H
        assert sum(p.numel() for p in OrderAgnosticNADE(shape, hidden=H).parameters()) == 3 * D * H + D + H


def test_order_agnostic_loss_is_unbiased_for_the_mean_over_orderings():
    """On 2x2 images the D!/... expectation can be enumerated:
    E[loss] = mean over the 24 orderings of -log p(x|o)."""
    model = make(OrderAgnosticNADE, (1, 2, 2), hidden=5, seed=4)
    x = torch.tensor([[[[1.0, 0.0], [1.0, 1.0]]]])
    import itertools

    with torch.no_grad():
        exact = torch.stack(
            [-model.log_prob(x, ordering=list(o)) for o in itertools.permutations(range(4))]
        ).mean()
        torch.manual_seed(0)
        est = model.order_agnostic_loss(x.expand(200000, -1, -1, -1)).item()
    assert est == pytest.approx(exact.item(), rel=0.01)


def test_training_lowers_the_nll_and_round_trips_through_save_load(tmp_path):
    x = data.load("mnist5k", "train")[::20]  # 200 digits of every class
    model = NADE((1, 28, 28), hidden=16).start_from_means(x)
    before = train.evaluate(model, x)
    train.fit(model, x, None, epochs=2, lr=3e-3, batch_size=50, progress=False)
    after = train.evaluate(model, x)
    assert after < before
    back = genlib.load(genlib.save(model, tmp_path / "nade.pt"))
    assert type(back) is NADE and back.config == model.config
    assert torch.allclose(back.log_prob(x[:10]), model.log_prob(x[:10]))


def test_cli_train_eval_sample(tmp_path):
    def run(*args):
        return subprocess.run(
            [sys.executable, "-m", "genlib", *args], cwd=tmp_path, capture_output=True, text=True, timeout=300
        )

    import numpy as np

    np.savez(
        tmp_path / "small.npz", x=data.load("mnist5k", "train")[::8].numpy().astype(np.uint8)
    )  # 500 digits
    r = run(
        "train",
        "nade",
        "--data",
        "small.npz",
        "--epochs",
        "1",
        "--set",
        "hidden=16",
        "--lr",
        "0.003",
        "--quiet",
        "--out",
        "nade.pt",
    )
    assert r.returncode == 0, r.stderr
    r = run("eval", "nade.pt", "--data", "mnist5k", "--json")
    assert r.returncode == 0, r.stderr
    out = json.loads(r.stdout)
    assert out["model"] == "NADE" and 60 < out["nll_nats"] < 550
    r = run("sample", "nade.pt", "-n", "4", "--out", "grid.png")
    assert r.returncode == 0, r.stderr
    assert (tmp_path / "grid.png").read_bytes()[:4] == b"\x89PNG"


@pytest.mark.parametrize("cls", MODELS, ids=lambda c: c.__name__)
def test_bad_input_is_a_clear_error(cls):
    model = make(cls)
    with pytest.raises(ValueError, match="binary"):
        model.log_prob(torch.full((2, *SHAPE), 0.5))
    with pytest.raises(ValueError, match="shape"):
        model.log_prob(torch.zeros(2, 1, 4, 4))
    with pytest.raises(ValueError, match="permutation"):
        model.log_prob(torch.zeros(2, *SHAPE), ordering=[0, 1, 2, 3, 4, 5, 6, 7, 7])
    with pytest.raises(ValueError, match="hidden"):
        cls(SHAPE, hidden=0)


def test_exercise_checkers_accept_right_and_reject_wrong_answers():
    """Exercises 1-3 of chapter 05; 4 and 5 (RNADE) are in tests/test_exercises.py."""
    from genlib.exercises import ch05

    assert ch05.check_nade_parameters(2 * 784 * 500 + 784 + 500) and not ch05.check_nade_parameters(
        2 * 784 * 500
    )
    assert ch05.check_naive_over_shared_cost(392) and not ch05.check_naive_over_shared_cost(784)

    def right(W, x):
        contrib = x[:, None] * W
        return torch.cumsum(contrib, 0) - contrib

    assert ch05.check_running_activations(right)
    assert not ch05.check_running_activations(
        lambda W, x: torch.cumsum(x[:, None] * W, 0)
    )  # includes pixel d


def test_empty_batches_give_empty_results():
    from genlib.models import NADE, OrderAgnosticNADE

    for cls in (NADE, OrderAgnosticNADE):
        model = cls((1, 3, 3), hidden=4)
        empty = torch.zeros(0, 1, 3, 3)
        assert model.log_prob(empty).shape == (0,)
        assert model.complete(empty, torch.zeros(3, 3, dtype=torch.bool)).shape == (0, 1, 3, 3)
