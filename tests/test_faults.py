"""Faults a long training run meets: a SIGKILL mid-epoch, damaged checkpoints and data files.

A killed run resumes from its last checkpoint (`--resume`) and ends with exactly the weights of
an unbroken run; a truncated or corrupted file is a clear error, never silently used or replaced.
"""

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import numpy as np
import pytest
import torch

import genlib
from genlib import checkpoint as ckpt
from genlib import cli, data, train
from genlib.models import IndependentBernoulli

SLOW_CLI = Path(__file__).parent / "helpers" / "slow_cli.py"
TRAIN = [
    "train",
    "independent",
    "--data",
    "mnist5k",
    "--schedule",
    "cosine",
    "--epochs",
    "5",
    "--lr",
    "0.05",
    "--seed",
    "3",
    "--quiet",
    "--device",
    "cpu",
]


def genlib_cli(*args, cwd):
    """`python -m genlib ARGS` in a fresh process (one thread, as torchrun would run it)."""
    env = {**os.environ, "OMP_NUM_THREADS": "1"}
    return subprocess.run(
        [sys.executable, "-m", "genlib", *args], cwd=cwd, env=env, capture_output=True, text=True, timeout=300
    )


def main(*args, capsys):
    """The same command line in this process (faster): returns (exit code, stderr)."""
    code = cli.main([str(a) for a in args])
    return code, capsys.readouterr().err


def epochs_in(state_path) -> int:
    """How many epochs a training checkpoint holds (0 if there is none yet)."""
    try:
        return ckpt.load_payload(state_path)["history"]["epochs_run"]
    except ValueError:
        return 0


def test_sigkill_mid_epoch_then_resume_gives_the_unbroken_weights(tmp_path):
    r = genlib_cli(*TRAIN, "--out", "unbroken.pt", cwd=tmp_path)
    assert r.returncode == 0, r.stderr
    # The same run, slowed to ~10 ms a batch (32 batches an epoch) by a wrapper in tests/helpers,
    # killed half-way through epoch 3.
    env = {**os.environ, "OMP_NUM_THREADS": "1", "SLOW_BATCH_SECONDS": "0.01"}
    proc = subprocess.Popen(
        [sys.executable, str(SLOW_CLI), *TRAIN, "--out", "killed.pt"],
        cwd=tmp_path,
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
    )
    state = tmp_path / "killed.pt.state"
    deadline = time.time() + 120
    while epochs_in(state) < 2 and proc.poll() is None and time.time() < deadline:
        time.sleep(0.02)
    time.sleep(0.15)  # about half an epoch of 32 x 10 ms batches
    proc.send_signal(signal.SIGKILL)
    proc.wait()
    assert proc.returncode == -signal.SIGKILL, f"the run ended before the kill: {proc.stderr.read()[-2000:]}"
    done = epochs_in(state)
    assert 2 <= done < 5 and not (tmp_path / "killed.pt").exists()

    r = genlib_cli(*TRAIN, "--out", "killed.pt", "--resume", cwd=tmp_path)
    assert r.returncode == 0, r.stderr
    a, b = genlib.load(tmp_path / "unbroken.pt"), genlib.load(tmp_path / "killed.pt")
    assert torch.equal(a.logits, b.logits), f"killed after {done} epochs and resumed: different weights"
    sa, sb = ckpt.load_payload(tmp_path / "unbroken.pt.state"), ckpt.load_payload(state)
    assert torch.equal(sa["model"]["logits"], sb["model"]["logits"])  # the last epoch's weights too
    assert sa["history"]["train_nll"] == sb["history"]["train_nll"]  # no epoch lost or run twice
    assert sb["history"]["epochs_run"] == 5


@pytest.fixture(scope="module")
def trained(tmp_path_factory):
    """A real model file and training checkpoint (after 2 epochs) to damage: (model bytes, state bytes)."""
    out = tmp_path_factory.mktemp("state") / "m.pt"
    model, x = IndependentBernoulli((1, 28, 28)), data.load("mnist5k", "train")[:512]
    train.fit(model, x, x[:128], epochs=2, lr=0.05, progress=False, checkpoint=f"{out}.state")
    genlib.save(model, out)
    return out.read_bytes(), Path(f"{out}.state").read_bytes()


@pytest.mark.parametrize("damage", ["truncated", "flipped byte", "empty", "foreign"])
def test_damaged_training_state_is_an_error_not_a_restart(tmp_path, trained, damage, capsys):
    state_file = trained[1]
    body = {
        "truncated": state_file[: len(state_file) // 2],
        "flipped byte": state_file[:-100] + bytes([state_file[-100] ^ 0x40]) + state_file[-99:],
        "empty": b"",
        "foreign": b"PK\x03\x04 a zip file, not a genlib checkpoint",
    }[damage]
    (tmp_path / "m.pt.state").write_bytes(body)
    code, err = main(*TRAIN, "--out", tmp_path / "m.pt", "--resume", capsys=capsys)
    assert code == 2, f"training went on from a {damage} checkpoint"
    assert "m.pt.state" in err and ("truncated or corrupted" in err or "not a genlib checkpoint" in err), err
    assert not (tmp_path / "m.pt").exists()
    assert (tmp_path / "m.pt.state").read_bytes() == body, (
        "the damaged file must be left for the user to inspect"
    )


def test_training_state_of_another_model_is_refused(tmp_path):
    x = torch.bernoulli(torch.full((64, 1, 4, 4), 0.3))
    path = tmp_path / "run.state"
    train.fit(IndependentBernoulli((1, 4, 4)), x, epochs=1, progress=False, checkpoint=path)
    with pytest.raises(ValueError, match="not a training state of this IndependentBernoulli"):
        train.fit(
            IndependentBernoulli((1, 5, 5)),
            torch.zeros(8, 1, 5, 5),
            epochs=2,
            progress=False,
            checkpoint=path,
            resume=True,
        )
    genlib.save(IndependentBernoulli((1, 4, 4)), path)  # a saved model, not a training state
    with pytest.raises(ValueError, match="not a training state"):
        train.fit(IndependentBernoulli((1, 4, 4)), x, epochs=2, progress=False, checkpoint=path, resume=True)


def test_damaged_model_file_is_an_error_in_every_command(tmp_path, trained, capsys):
    model_file, state_file = trained
    (tmp_path / "m.pt").write_bytes(model_file[:-10])
    for cmd in (["eval", tmp_path / "m.pt"], ["sample", tmp_path / "m.pt", "--out", tmp_path / "g.png"]):
        code, err = main(*cmd, capsys=capsys)
        assert code == 2 and "truncated or corrupted" in err, err
    assert not (tmp_path / "g.png").exists()
    (tmp_path / "state.pt").write_bytes(state_file)  # a training state where a model is expected
    code, err = main("eval", tmp_path / "state.pt", capsys=capsys)
    assert code == 2 and "holds no model" in err, err


def test_damaged_cache_entry_is_retrained_not_used(capsys):
    x = torch.bernoulli(torch.full((64, 1, 4, 4), 0.3))
    m1, _ = train.fit_or_load(
        IndependentBernoulli((1, 4, 4)), x, epochs=2, lr=0.1, progress=False, verbose=False
    )
    (entry,) = (train.cache_dir() / "models").glob("*.pt")
    raw = entry.read_bytes()
    entry.write_bytes(raw[:-1] + bytes([raw[-1] ^ 1]))
    m2, _ = train.fit_or_load(IndependentBernoulli((1, 4, 4)), x, epochs=2, lr=0.1, progress=False)
    assert "ignoring a damaged cache entry" in capsys.readouterr().out
    assert torch.equal(m1.logits, m2.logits)
    ckpt.load_payload(entry)  # the entry was rewritten whole


@pytest.mark.parametrize("damage", ["truncated", "not npz", "wrong values"])
def test_damaged_data_file_is_a_clear_error(tmp_path, damage, capsys):
    good = tmp_path / "good.npz"
    np.savez(good, x=data.mnist5k("train")[0][:200])
    raw = good.read_bytes()
    bad = tmp_path / "bad.npz"
    if damage == "truncated":
        bad.write_bytes(raw[: len(raw) // 2])
    elif damage == "not npz":
        bad.write_bytes(b"\x00" * 1000)
    else:
        np.savez(bad, x=(data.mnist5k("train")[0][:200] * 255))
    with pytest.raises(ValueError, match="bad.npz"):
        data.load(str(bad))
    code, err = main(
        "train",
        "independent",
        "--data",
        bad,
        "--epochs",
        "1",
        "--quiet",
        "--out",
        tmp_path / "m.pt",
        capsys=capsys,
    )
    assert code == 2 and "bad.npz" in err, err
    assert not (tmp_path / "m.pt").exists()


def test_truncated_embedded_data_is_refused(tmp_path, monkeypatch):
    raw = (data.DATA_DIR / "mnist5k.npz").read_bytes()
    (tmp_path / "mnist5k.npz").write_bytes(raw[: len(raw) - 4096])
    monkeypatch.setattr(data, "DATA_DIR", tmp_path)
    monkeypatch.setattr(data, "_cache", {})
    with pytest.raises(ValueError, match="corrupted"):
        data.load("mnist5k", "train")


def test_damaged_parse_cache_of_a_download_is_never_used(tmp_path, monkeypatch):
    """binarized_mnist keeps a parsed .npy next to the hash-checked .amat;
    a flipped pixel in it is noticed."""
    from genlib import download

    bits = np.random.default_rng(0).integers(0, 2, (3, 784), dtype=np.uint8)
    amat = tmp_path / "binarized_mnist_test.amat"
    amat.write_text("\n".join(" ".join(map(str, row)) for row in bits) + "\n")
    monkeypatch.setattr(download, "fetch", lambda name, base_url=None: {"test": amat})
    assert np.array_equal(download.binarized_mnist("test"), bits)
    npy = amat.with_suffix(".npy")
    raw = bytearray(npy.read_bytes())
    raw[-1] ^= 1  # one pixel of the last image flips
    npy.write_bytes(bytes(raw))
    assert np.array_equal(download.binarized_mnist("test"), bits), "the damaged .npy was used"
    assert np.array_equal(np.load(npy), bits), "and it was rewritten from the .amat"
