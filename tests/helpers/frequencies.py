"""One chi-square test for "sampled frequencies match the model's probabilities",
shared by the model tests."""

import torch
from scipy.stats import chi2


def assert_frequencies_match(samples, p, level=0.999):
    """samples: (n, C, H, W) binary images; p: (2**D,) probabilities of every image in the order of
    genlib.models.all_binary_images. Bins expected fewer than 5 times are pooled; fails at p = 1 - level."""
    n, D = samples.shape[0], samples[0].numel()
    code = (samples.flatten(1).long() * (2 ** torch.arange(D - 1, -1, -1))).sum(1)
    counts = torch.bincount(code, minlength=2**D).double()
    expected = n * p.double()
    big = expected >= 5
    obs = torch.cat([counts[big], counts[~big].sum().view(1)])
    exp = torch.cat([expected[big], expected[~big].sum().view(1)])
    obs, exp = obs[exp > 0], exp[exp > 0]
    assert len(obs) > 5, "the model is almost deterministic: the test could not fail"
    stat = ((obs - exp) ** 2 / exp).sum().item()
    limit = chi2.ppf(level, len(obs) - 1)
    assert stat < limit, f"chi-square {stat:.1f} > {limit:.1f} with {len(obs) - 1} dof"
