"""MarkovTable (AR(k) with lookup tables): normalization, structure, counting MLE, sampling."""

import pytest
import torch

import genlib
from genlib import counting, data, train
from genlib.joint import Joint
from genlib.models import MarkovTable, all_binary_images


def noisy(model, seed=0):
    g = torch.Generator().manual_seed(seed)
    with torch.no_grad():
        model.logits.add_(torch.randn(model.logits.shape, generator=g))
    return model.eval()


def random_order(n, seed):
    return torch.randperm(n, generator=torch.Generator().manual_seed(seed))


@pytest.mark.parametrize("shape", [(1, 2, 2), (1, 3, 3)])
@pytest.mark.parametrize("k", [0, 1, 2, 3, 5])
def test_exact_normalization_for_every_k_and_a_random_ordering(shape, k):
    n = shape[1] * shape[2]
    if k >= n:
        k = n - 1
    model = noisy(MarkovTable(shape, k=k, ordering=random_order(n, k)), seed=k)
    with torch.no_grad():
        lp = model.log_prob(all_binary_images(shape))
    assert torch.logsumexp(lp.double(), 0).exp().item() == pytest.approx(1.0, abs=1e-5)


@pytest.mark.parametrize("k", [0, 1, 2, 4])
def test_each_pixel_depends_on_exactly_its_k_predecessors(k):
    """By gradients: d logit(step j) / d x(step i) can be non-zero only for j - k <= i < j."""
    shape, n = (1, 3, 3), 9
    model = noisy(MarkovTable(shape, k=k, ordering=random_order(n, 4)), seed=1)
    rank = model.rank
    for trial in range(4):
        x = torch.bernoulli(torch.full((1, *shape), 0.5), generator=torch.Generator().manual_seed(trial))
        x.requires_grad_(True)
        logits = model(x).flatten()
        for i in range(n):
            (g,) = torch.autograd.grad(logits[i], x, retain_graph=True)
            j = rank[i].item()
            outside = (rank > j - 1) | (rank < j - k)
            assert torch.all(g.flatten()[outside] == 0)
            # inside the window the gradient is a table difference: with random tables it is non-zero
            assert torch.all(g.flatten()[~outside] != 0)


def test_gradient_is_the_table_difference():
    """d logit_j / d x_(j-1) = theta[context with that bit 1] - theta[context with it 0]
    (multilinear extension)."""
    model = noisy(MarkovTable((1, 2, 3), k=2), seed=3)
    x = torch.tensor([[[[1.0, 0.0, 1.0], [1.0, 1.0, 0.0]]]], requires_grad=True)
    logits = model(x).flatten()
    (g,) = torch.autograd.grad(logits[4], x)  # step 4 has context (x_2, x_3) = (1, 1)
    flip = x.detach().clone()
    flip[0, 0, 1, 0] = 0.0  # x_3 -> 0
    with torch.no_grad():
        diff = model(x.detach()).flatten()[4] - model(flip).flatten()[4]
    assert g.flatten()[3].item() == pytest.approx(diff.item(), abs=1e-6)


@pytest.mark.parametrize("k", [0, 1, 3])
def test_counting_fit_is_the_empirical_conditional_frequency(k):
    x = data.load("mnist5k", "train")[:500, :, 10:14, 10:14]  # 4x4 crops of real digits
    model = MarkovTable((1, 4, 4), k=k).fit_counts(x, alpha=0.0)
    xo = x.flatten(1)[:, model.ordering]
    p = torch.sigmoid(model(x)).flatten(1)[:, model.ordering]
    for j in [0, 5, 15]:
        ctx = xo[:, max(0, j - k) : j]
        for b in range(len(x)):
            if b % 97:
                continue
            same = (ctx == ctx[b]).all(1)
            assert p[b, j].item() == pytest.approx(xo[same, j].mean().item(), abs=1e-5)


def test_counting_fit_maximizes_the_likelihood():
    """Gradient training on the same data cannot beat the closed form (alpha = 0)."""
    x = data.load("mnist5k", "train")[:500, :, 10:18, 10:18]
    closed = MarkovTable((1, 8, 8), k=2).fit_counts(x, alpha=0.0)
    best = train.evaluate(closed, x)
    model = MarkovTable((1, 8, 8), k=2)
    train.fit(model, x, None, epochs=30, lr=0.5, batch_size=500, clip=0, progress=False)
    assert best <= train.evaluate(model, x) + 1e-3
    assert train.evaluate(model, x) == pytest.approx(best, rel=0.03)


def test_full_chain_rule_on_a_tiny_image_is_the_empirical_joint_table():
    """AR(n - 1) with alpha = 0 on 3x3 crops reproduces the table of empirical frequencies exactly."""
    x = data.load("mnist5k", "train")[:, :, 12:15, 12:15]
    model = MarkovTable((1, 3, 3), k=8, ordering=random_order(9, 0)).fit_counts(x, alpha=0.0)
    assert sum(p.numel() for p in model.parameters()) == counting.joint_table(9) == 511
    emp = Joint.from_data(x.flatten(1).long(), [f"x{i}" for i in range(9)], sizes=[2] * 9).table.flatten()
    with torch.no_grad():
        p = model.log_prob(all_binary_images((1, 3, 3))).double().exp()
    assert torch.allclose(p, emp, atol=1e-6)


def test_sampled_frequencies_match_probabilities_for_k2():
    model = noisy(MarkovTable((1, 2, 2), k=2, ordering=random_order(4, 2)), seed=5)
    torch.manual_seed(0)
    x = model.sample(8000)
    with torch.no_grad():
        p = model.log_prob(all_binary_images((1, 2, 2))).double().exp()
    code = (x.flatten(1) * (2 ** torch.arange(3, -1, -1))).sum(1).long()
    counts = torch.bincount(code, minlength=16).double()
    chi2 = ((counts - 8000 * p) ** 2 / (8000 * p)).sum().item()
    assert chi2 < 37.7  # 15 degrees of freedom, p = 0.001


def test_completion_keeps_known_pixels_and_follows_the_ordering():
    model = MarkovTable((1, 28, 28), k=3).fit_counts(data.load("mnist5k", "train")[:500])
    x = data.load("mnist5k", "test")[:4]
    known = torch.zeros(28, 28, dtype=torch.bool)
    known[:14] = True
    out = model.complete(x, known)
    assert torch.equal(out[:, :, :14], x[:, :, :14])
    assert set(out.unique().tolist()) <= {0.0, 1.0}


def test_save_load_keeps_k_ordering_and_tables(tmp_path):
    model = noisy(MarkovTable((1, 4, 4), k=3, ordering=random_order(16, 9), alpha=0.3))
    back = genlib.load(genlib.save(model, tmp_path / "m.pt"))
    assert back.k == 3 and back.alpha == 0.3 and torch.equal(back.ordering, model.ordering)
    x = torch.bernoulli(torch.full((5, 1, 4, 4), 0.5))
    assert torch.equal(back.log_prob(x), model.log_prob(x))


def test_clear_errors():
    with pytest.raises(ValueError, match="k is the number of previous pixels"):
        MarkovTable((1, 2, 2), k=4)
    with pytest.raises(ValueError, match="k is the number"):
        MarkovTable((1, 28, 28), k=-1)
    with pytest.raises(ValueError, match="Use a smaller k"):
        MarkovTable((1, 28, 28), k=20)
    with pytest.raises(ValueError, match="alpha"):
        MarkovTable((1, 4, 4), k=1, alpha=-1)
    with pytest.raises(ValueError, match="one binary channel"):
        MarkovTable((3, 4, 4))
    with pytest.raises(ValueError, match="binary"):
        MarkovTable((1, 4, 4)).fit_counts(torch.full((2, 1, 4, 4), 255.0))


def test_context_index_is_the_binary_number_of_the_previous_pixels():
    """The row convention the chapter teaches (oldest pixel = most significant bit), checked on the model."""
    from genlib.exercises import ch03

    model = MarkovTable((1, 1, 6), k=3)
    xo = torch.tensor([[1.0, 0.0, 1.0, 1.0, 0.0, 0.0]])
    ctx, _ = model._context(xo)
    expected = [
        int("".join(str(int(b)) for b in xo[0, max(0, j - 3) : j].tolist()) or "0", 2) for j in range(6)
    ]
    assert ctx[0].tolist() == expected
    assert ch03.check_context_index(lambda bits: int("".join(map(str, bits)) or "0", 2))
