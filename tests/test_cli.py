import json
import subprocess
import sys

import pytest


def run(*args, cwd):
    return subprocess.run(
        [sys.executable, "-m", "genlib", *args], cwd=cwd, capture_output=True, text=True, timeout=300
    )


def test_train_eval_sample(tmp_path):
    r = run(
        "train",
        "independent",
        "--data",
        "mnist5k",
        "--epochs",
        "2",
        "--lr",
        "0.05",
        "--quiet",
        "--out",
        "m.pt",
        cwd=tmp_path,
    )
    assert r.returncode == 0, r.stderr
    r = run("eval", "m.pt", "--data", "mnist5k", "--json", cwd=tmp_path)
    assert r.returncode == 0, r.stderr
    out = json.loads(r.stdout)
    assert 100 < out["nll_nats"] < 400
    assert out["bits_per_dim"] == pytest.approx(out["nll_nats"] / (784 * 0.6931471805599453))
    r = run("sample", "m.pt", "-n", "16", "--out", "grid.png", cwd=tmp_path)
    assert r.returncode == 0, r.stderr
    assert (tmp_path / "grid.png").read_bytes()[:4] == b"\x89PNG"


def test_clear_errors(tmp_path):
    r = run("train", "no_such_model", "--epochs", "1", "--out", "m.pt", cwd=tmp_path)
    assert r.returncode == 2 and "unknown model 'no_such_model'" in r.stderr
    (tmp_path / "bad.pt").write_bytes(b"garbage")
    r = run("eval", "bad.pt", cwd=tmp_path)
    assert r.returncode == 2 and "not a genlib checkpoint" in r.stderr


def test_eval_defaults_to_the_training_data(tmp_path):
    """A model trained on 8-bit digits is evaluated on 8-bit digits unless --data says otherwise."""
    r = run(
        "train",
        "pixelcnn",
        "--epochs",
        "1",
        "--set",
        "levels=256",
        "--set",
        "hidden=4",
        "--set",
        "layers=1",
        "--minutes",
        "0.02",
        "--quiet",
        "--out",
        "m.pt",
        cwd=tmp_path,
    )
    assert r.returncode == 0, r.stderr
    r = run("eval", "m.pt", "--json", cwd=tmp_path)
    assert r.returncode == 0, r.stderr
    out = json.loads(r.stdout)
    assert out["data"] == "mnist5k_grey" and out["bits_per_dim"] > 0.5


def test_default_data_is_binarized_mnist_and_the_time_budget_binds_inside_an_epoch(tmp_path):
    """No --data: binary models train on binarized MNIST (early stopping on its val split) and eval uses its
    test split; --minutes is checked every batch, so 0.01 min ends inside the first epoch of 391 batches."""
    r = run(
        "train",
        "independent",
        "--minutes",
        "0.01",
        "--lr",
        "0.05",
        "--device",
        "cpu",
        "--out",
        "m.pt",
        cwd=tmp_path,
    )
    assert r.returncode == 0, r.stderr
    assert "on binarized_mnist" in r.stdout and "time budget of 0.01 min reached after" in r.stdout, r.stdout
    assert "of 391 batches of epoch 1" in r.stdout
    assert " s, " in r.stderr and "left" in r.stderr  # the progress bar counts seconds, not 1/1000000 epochs
    r = run("eval", "m.pt", "--json", cwd=tmp_path)
    assert r.returncode == 0, r.stderr
    out = json.loads(r.stdout)
    assert (out["data"], out["split"], out["n"]) == ("binarized_mnist", "test", 10000)
