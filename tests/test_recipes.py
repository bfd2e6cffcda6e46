"""Recipes and the reference checkpoints trained from them (genlib/recipes.py)."""

import inspect
import json

import pytest

from genlib import cli, data, models, recipes, train

REFERENCES = sorted(p.stem for p in recipes.CHECKPOINT_DIR.glob("*.json"))


@pytest.mark.parametrize("name", sorted(recipes.RECIPES))
def test_every_recipe_names_a_model_and_real_arguments(name):
    r = recipes.RECIPES[name]
    cls = models.get(r.model)
    ctor = inspect.signature(cls.__init__).parameters
    assert set(r.hp) <= set(ctor), f"{name}: {set(r.hp) - set(ctor)} are not arguments of {cls.__name__}"
    fit_args = inspect.signature(train.fit).parameters
    assert set(r.fit) <= set(fit_args), f"{name}: {set(r.fit) - set(fit_args)} are not arguments of fit"
    assert r.data in data.OFFLINE, "a reference model trains on data shipped with the book"
    if r.paper is not None:
        assert r.goal is not None and r.goal >= r.paper[0], "the goal is at or above the paper's number"


@pytest.mark.parametrize("name", REFERENCES)
def test_reference_checkpoint_reproduces_its_recorded_nll(name):
    """Each committed checkpoint loads, and its NLL on the first 1,000 test images is the recorded one."""
    rec = recipes.record(name)
    model = recipes.reference(name)
    assert not model.training
    x = data.load(rec["data"], "test")[: recipes.SLICE]
    nll = train.evaluate(model, x)
    assert nll == pytest.approx(rec[f"test_nll_first_{recipes.SLICE}"], abs=1e-3)
    assert rec["recipe"]["model"] == name and rec["params"] == sum(p.numel() for p in model.parameters())


def test_reproduce_writes_a_verified_checkpoint_and_a_record(tmp_path, monkeypatch):
    tiny = recipes.Recipe(
        "fvsbn", data="mnist5k", fit=dict(epochs=2, batch_size=200, lr=1e-3), start_from_means=True
    )
    monkeypatch.setitem(recipes.RECIPES, "tiny", tiny)
    rec = cli.reproduce("tiny", folder=tmp_path, device="cpu", quiet=True)
    assert rec["history"]["epochs_run"] == 2 and len(rec["history"]["val_nll"]) == 2
    assert json.loads((tmp_path / "tiny.json").read_text())["sha256"] == rec["sha256"]
    model = recipes.reference("tiny", folder=tmp_path)
    x = data.load("mnist5k", "test")
    assert train.evaluate(model, x) == pytest.approx(rec["test_nll_nats"], abs=1e-3)
    raw = bytearray((tmp_path / "tiny.pt").read_bytes())
    raw[-10] ^= 1
    (tmp_path / "tiny.pt").write_bytes(bytes(raw))
    with pytest.raises(ValueError, match="does not match its record"):
        recipes.reference("tiny", folder=tmp_path)


def test_unknown_names_are_clear_errors(tmp_path):
    with pytest.raises(ValueError, match="no recipe for 'nope'"):
        recipes.recipe("nope")
    with pytest.raises(ValueError, match="genlib reproduce fvsbn"):
        recipes.reference("fvsbn", folder=tmp_path)
