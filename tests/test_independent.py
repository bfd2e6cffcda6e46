import pytest
import torch

from genlib import data, train
from genlib.models import IndependentBernoulli


def test_parameter_count_is_n():
    for shape in [(1, 2, 2), (1, 28, 28), (3, 5, 7)]:
        model = IndependentBernoulli(shape)
        assert sum(p.numel() for p in model.parameters()) == shape[0] * shape[1] * shape[2]


def test_closed_form_fit_is_the_empirical_frequency():
    x = data.load("mnist5k", "train")[:300]
    model = IndependentBernoulli((1, 28, 28)).start_from_means(x, alpha=0.0 + 1e-9)
    assert torch.allclose(torch.sigmoid(model.logits), x.mean(0), atol=1e-5)


def test_gradient_training_reaches_the_closed_form_optimum():
    x = data.load("mnist5k", "train")[:1000]
    best = train.evaluate(IndependentBernoulli().start_from_means(x, alpha=0.5), x)
    model = IndependentBernoulli()
    train.fit(model, x, None, epochs=60, lr=0.1, batch_size=250, progress=False)
    assert train.evaluate(model, x) == pytest.approx(best, rel=0.02)
