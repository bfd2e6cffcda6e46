import time

import pytest
import torch

from genlib import checkpoint as ckpt
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
    assert len(hist.train_nll) == hist.epochs_run == len(hist.val_nll) == len(hist.epoch_seconds)
    assert hist.epoch_seconds == sorted(hist.epoch_seconds) and hist.epoch_seconds[-1] <= hist.seconds + 0.01


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
    hist = train.fit(
        c, x[:300], x[300:], epochs=6, lr=0.05, patience=100, progress=False, checkpoint=ck, resume=True
    )
    assert hist.epochs_run == 6
    assert torch.equal(a.logits, c.logits)


def test_fit_or_load_reuses_the_cache():
    x = tiny_data()
    m1, h1 = train.fit_or_load(
        IndependentBernoulli((1, 4, 4)), x[:300], x[300:], epochs=3, lr=0.1, progress=False, verbose=False
    )
    m2, h2 = train.fit_or_load(
        IndependentBernoulli((1, 4, 4)), x[:300], x[300:], epochs=3, lr=0.1, progress=False, verbose=False
    )
    assert torch.equal(m1.logits, m2.logits) and h1 == h2
    m3, h3 = train.fit_or_load(
        IndependentBernoulli((1, 4, 4)), x[:300], x[300:], epochs=4, lr=0.1, progress=False, verbose=False
    )
    assert h3.epochs_run == 4  # a different configuration trains anew


def test_bits_per_dim():
    assert train.bits_per_dim(784 * 0.6931471805599453, 784) == pytest.approx(1.0)


def test_cosine_schedule_decays_from_lr_to_zero_over_all_steps():
    T = 100
    lrs = [train.cosine(0.01, s, T) for s in range(T)]
    assert lrs[0] == 0.01 and lrs[-1] < 0.01 * 1e-3 and all(a > b for a, b in zip(lrs, lrs[1:]))
    assert train.cosine(0.01, T // 2, T) == pytest.approx(0.005)


def test_fit_uses_the_schedule_and_counts_clipped_steps():
    x = tiny_data()
    model = IndependentBernoulli((1, 4, 4))
    hist = train.fit(
        model,
        x[:300],
        x[300:],
        epochs=3,
        lr=0.05,
        batch_size=100,
        schedule="cosine",
        clip=1e-6,
        patience=100,
        progress=False,
    )
    assert hist.steps == 9 and hist.clipped == 9  # 3 batches x 3 epochs, every gradient norm above 1e-6
    hist = train.fit(IndependentBernoulli((1, 4, 4)), x[:300], x[300:], epochs=1, clip=None, progress=False)
    assert hist.clipped == 0


def test_resume_refuses_a_cosine_schedule_of_another_length(tmp_path):
    """The cosine schedule spans `epochs`, so resuming with other epochs would change every later step.
    (That a killed cosine run resumes to the unbroken weights: test_faults, SIGKILL mid-epoch.)"""
    x = tiny_data()
    kw = dict(lr=0.05, batch_size=64, schedule="cosine", patience=100, progress=False)
    b = IndependentBernoulli((1, 4, 4))
    train.fit(b, x[:300], x[300:], epochs=2, checkpoint=tmp_path / "b.state", **kw)  # as if killed after 2
    state = ckpt.load_payload(tmp_path / "b.state")
    state["run"]["epochs"] = 5  # the killed run was a 5-epoch run: its schedule spans 5 epochs
    ckpt.save_payload(state, tmp_path / "b.state")
    with pytest.raises(ValueError, match="was trained with epochs 5; this run asks for 2"):
        train.fit(
            IndependentBernoulli((1, 4, 4)),
            x[:300],
            x[300:],
            epochs=2,
            checkpoint=tmp_path / "b.state",
            resume=True,
            **kw,
        )


def test_a_time_budget_ends_inside_an_epoch_and_keeps_the_best_model():
    """minutes is checked after every batch: a budget smaller than one epoch stops inside it; the partial
    epoch is validated and recorded, and the model is the best one seen."""
    x = torch.bernoulli(torch.full((4000, 1, 4, 4), 0.3), generator=torch.Generator().manual_seed(0))
    model = IndependentBernoulli((1, 4, 4))
    slow = model.nll

    def nll(xb):  # a slow model: 20 ms a batch, 4000 batches an epoch = 80 s
        time.sleep(0.02)
        return slow(xb)

    model.nll = nll
    t0 = time.time()
    hist = train.fit(model, x, x[:100], epochs=2, minutes=0.01, batch_size=1, lr=0.05, progress=False)
    assert time.time() - t0 < 5
    assert hist.epochs_run == 1 and len(hist.val_nll) == 1 and hist.best_epoch == 0
    assert (
        "time budget of 0.01 min reached after" in hist.stopped
        and "of 4000 batches of epoch 1" in hist.stopped
    )
    assert 0 < hist.steps < 4000
    assert train.evaluate(model, x[:100]) == pytest.approx(hist.best_val_nll, abs=1e-4)


def test_bad_fit_arguments_are_clear_errors():
    x = tiny_data()
    for kw, phrase in [
        (dict(epochs=0), "epochs"),
        (dict(epochs=None), "epochs, minutes or both"),
        (dict(minutes=float("nan")), "minutes"),
        (dict(lr=float("inf")), "learning rate"),
        (dict(batch_size=0), "batch_size"),
        (dict(schedule="linear"), "schedule"),
        (dict(epochs=None, minutes=1, schedule="cosine"), "cosine"),
        (dict(clip=-1), "clip"),
    ]:
        with pytest.raises(ValueError, match=phrase):
            train.fit(IndependentBernoulli((1, 4, 4)), x, **kw, progress=False)
    with pytest.raises(ValueError, match="non-empty"):
        train.fit(IndependentBernoulli((1, 4, 4)), x[:0], progress=False)
    with pytest.raises(ValueError, match="binary"):
        train.fit(IndependentBernoulli((1, 4, 4)), x * 3, progress=False)


def test_train_epoch_is_one_screen():
    """The loop a learner reads: about 20 lines of code, no test hooks."""
    import inspect

    src = inspect.getsource(train.train_epoch).split('"""')[-1]
    code = [line for line in src.splitlines() if line.strip() and not line.strip().startswith("#")]
    assert len(code) <= 24, len(code)
    assert "environ" not in inspect.getsource(train)
