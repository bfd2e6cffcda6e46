import pytest
import torch

from genlib import train
from genlib.models import IndependentBernoulli


def tiny_data():
    g = torch.Generator().manual_seed(0)
    p = torch.rand(1, 1, 4, 4, generator=g)
    return torch.bernoulli(p.expand(400, 1, 4, 4), generator=g)


def test_fit_improves_and_keeps_the_best_epoch():
    x = tiny_data()
    model = IndependentBernoulli((1, 4, 4))
    before = train.evaluate(model, x[300:])
    hist = train.fit(model, x[:300], x[300:], epochs=15, lr=0.1, progress=False)
    assert train.evaluate(model, x[300:]) == pytest.approx(hist.best_val_nll, abs=1e-4)
    assert hist.best_val_nll < before - 1
    assert len(hist.train_nll) == hist.epochs_run == len(hist.val_nll)


def test_resume_gives_the_same_weights_as_an_unbroken_run(tmp_path):
    x = tiny_data()
    torch.manual_seed(0)
    a = IndependentBernoulli((1, 4, 4))
    train.fit(a, x[:300], x[300:], epochs=6, lr=0.05, patience=100, progress=False)
    torch.manual_seed(0)
    b = IndependentBernoulli((1, 4, 4))
    ck = tmp_path / "run.state"
    train.fit(b, x[:300], x[300:], epochs=3, lr=0.05, patience=100, progress=False, checkpoint=ck)
    c = IndependentBernoulli((1, 4, 4))
    hist = train.fit(c, x[:300], x[300:], epochs=6, lr=0.05, patience=100, progress=False,
                     checkpoint=ck, resume=True)
    assert hist.epochs_run == 6
    assert torch.equal(a.logits, c.logits)


def test_fit_or_load_reuses_the_cache():
    x = tiny_data()
    m1, h1 = train.fit_or_load(IndependentBernoulli((1, 4, 4)), x[:300], x[300:], epochs=3,
                               lr=0.1, progress=False, verbose=False)
    m2, h2 = train.fit_or_load(IndependentBernoulli((1, 4, 4)), x[:300], x[300:], epochs=3,
                               lr=0.1, progress=False, verbose=False)
    assert torch.equal(m1.logits, m2.logits) and h1 == h2
    m3, h3 = train.fit_or_load(IndependentBernoulli((1, 4, 4)), x[:300], x[300:], epochs=4,
                               lr=0.1, progress=False, verbose=False)
    assert h3.epochs_run == 4  # a different configuration trains anew


def test_bits_per_dim():
    assert train.bits_per_dim(784 * 0.6931471805599453, 784) == pytest.approx(1.0)
