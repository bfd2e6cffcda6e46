import pytest
import torch

import genlib
from genlib.checkpoint import atomic_write_bytes
from genlib.models import IndependentBernoulli


def test_round_trip_keeps_log_prob(tmp_path):
    model = IndependentBernoulli((1, 3, 3))
    with torch.no_grad():
        model.logits.normal_()
    x = torch.bernoulli(torch.full((4, 1, 3, 3), 0.5))
    back = genlib.load(genlib.save(model, tmp_path / "m.pt"))
    assert torch.equal(model.log_prob(x), back.log_prob(x))


def test_truncated_checkpoint_is_refused(tmp_path):
    path = genlib.save(IndependentBernoulli((1, 3, 3)), tmp_path / "m.pt")
    raw = path.read_bytes()
    path.write_bytes(raw[: len(raw) // 2])
    with pytest.raises(ValueError, match="truncated or corrupted"):
        genlib.load(path)


def test_flipped_byte_is_refused(tmp_path):
    path = genlib.save(IndependentBernoulli((1, 3, 3)), tmp_path / "m.pt")
    raw = bytearray(path.read_bytes())
    raw[-10] ^= 0xFF
    path.write_bytes(bytes(raw))
    with pytest.raises(ValueError, match="corrupted"):
        genlib.load(path)


def test_foreign_file_is_refused(tmp_path):
    path = tmp_path / "foreign.pt"
    torch.save({"weights": torch.zeros(3)}, path)
    with pytest.raises(ValueError, match="not a genlib checkpoint"):
        genlib.load(path)
    with pytest.raises(ValueError, match="no checkpoint"):
        genlib.load(tmp_path / "missing.pt")


def test_atomic_write_leaves_old_file_when_interrupted(tmp_path, monkeypatch):
    path = tmp_path / "f.bin"
    atomic_write_bytes(path, b"old")

    def boom(*a, **k):
        raise KeyboardInterrupt

    monkeypatch.setattr("os.replace", boom)
    with pytest.raises(KeyboardInterrupt):
        atomic_write_bytes(path, b"new")
    assert path.read_bytes() == b"old"
    assert [p.name for p in tmp_path.iterdir()] == ["f.bin"]
