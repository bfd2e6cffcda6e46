"""Save and load models: configuration + weights, written atomically (chapter 00)."""
from __future__ import annotations

import hashlib
import io
from pathlib import Path

import torch

from .files import atomic_write_bytes

FORMAT = "genlib-checkpoint"
VERSION = 1


def save_payload(payload: dict, path) -> Path:
    """torch.save a dict atomically, with a SHA-256 of its bytes so corruption is detected."""
    buf = io.BytesIO()
    torch.save(payload, buf)
    body = buf.getvalue()
    header = f"{FORMAT} v{VERSION} sha256={hashlib.sha256(body).hexdigest()}\n".encode()
    return atomic_write_bytes(path, header + body)


def load_payload(path, map_location="cpu") -> dict:
    """Read a file written by save_payload; a truncated, corrupted or foreign file is a ValueError."""
    path = Path(path)
    if not path.is_file():
        raise ValueError(f"no checkpoint at {path}")
    raw = path.read_bytes()
    head, sep, body = raw.partition(b"\n")
    if not sep or not head.startswith(FORMAT.encode()):
        raise ValueError(f"{path} is not a genlib checkpoint (it does not start with '{FORMAT}'); "
                         f"save models with genlib.save(model, path)")
    try:
        expected = head.decode().split("sha256=")[1].strip()
    except (IndexError, UnicodeDecodeError):
        raise ValueError(f"{path}: the checkpoint header is damaged") from None
    actual = hashlib.sha256(body).hexdigest()
    if actual != expected:
        raise ValueError(f"{path} is truncated or corrupted: its SHA-256 is {actual[:12]}..., "
                         f"the header says {expected[:12]}...; retrain or restore it")
    return torch.load(io.BytesIO(body), map_location=map_location, weights_only=True)


def save(model, path, **extra) -> Path:
    """Save a genlib model (its class, constructor arguments and weights) to `path`, atomically."""
    payload = {"model": type(model).__name__, "config": model.config,
               "state_dict": model.state_dict(), "extra": extra}
    return save_payload(payload, path)


def load(path, map_location="cpu"):
    """Rebuild a model saved with genlib.save: `model = genlib.load("nade.pt")`."""
    from . import models

    payload = load_payload(path, map_location)
    if not isinstance(payload, dict) or "model" not in payload or "state_dict" not in payload:
        raise ValueError(f"{path} holds no model (is it a training checkpoint? use genlib.train.resume)")
    cls = models.get(payload["model"])
    model = cls(**payload["config"])
    model.load_state_dict(payload["state_dict"])
    model.extra = payload.get("extra", {})
    return model.to(map_location)
