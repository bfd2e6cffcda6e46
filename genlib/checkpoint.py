"""Save and load models: configuration + weights, written atomically (chapter 00).

    genlib.save(model, "nade.pt")           # class name, constructor arguments (model.config), weights
    model = genlib.load("nade.pt")          # the same model, in eval mode

A checkpoint is one header line `genlib-checkpoint v1 sha256=...` and a torch.save body; the hash
catches truncated and corrupted files, and the body is read with weights_only=True, so a crafted file
cannot run code. A config read from a file is checked before anything is allocated (`build`).
"""

from __future__ import annotations

import hashlib
import inspect
import io
import pickle
from pathlib import Path

import torch

from . import models
from .files import atomic_write_bytes

FORMAT = "genlib-checkpoint"
VERSION = 1
MAX_PARAMETERS = 200_000_000  # 800 MB of float32: far above every model of the book
MAX_SIZE = 10_000  # any one size in a config (hidden units, layers, image side)


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
        raise ValueError(f"no checkpoint at {path}" + (" (it is a folder)" if path.is_dir() else ""))
    raw = path.read_bytes()
    head, sep, body = raw.partition(b"\n")
    if not sep or not head.startswith(FORMAT.encode()):
        raise ValueError(
            f"{path} is not a genlib checkpoint (it does not start with '{FORMAT}'); "
            f"save models with genlib.save(model, path)"
        )
    try:
        expected = head.decode().split("sha256=")[1].strip()
    except (IndexError, UnicodeDecodeError):
        raise ValueError(f"{path}: the checkpoint header is damaged") from None
    actual = hashlib.sha256(body).hexdigest()
    if actual != expected:
        raise ValueError(
            f"{path} is truncated or corrupted: its SHA-256 is {actual[:12]}..., "
            f"the header says {expected[:12]}...; retrain or restore it"
        )
    try:
        return torch.load(io.BytesIO(body), map_location=map_location, weights_only=True)
    except (pickle.UnpicklingError, RuntimeError, EOFError, AttributeError, ImportError) as e:
        raise ValueError(
            f"{path} holds objects genlib does not load (only tensors, numbers, strings, "
            f"lists and dicts): {str(e).splitlines()[0][:200]}"
        ) from None


def check_config(cls, config: dict):
    """A config (or --set hyperparameters) for cls, checked: every key a constructor argument of cls,
    numbers where the default is a number, every size at most MAX_SIZE."""
    if not isinstance(config, dict):
        raise ValueError(f"a {cls.__name__} config must be a dict of constructor arguments; got {config!r}")
    params = {k: p.default for k, p in inspect.signature(cls.__init__).parameters.items() if k != "self"}
    unknown = sorted(set(config) - set(params))
    if unknown:
        raise ValueError(
            f"{cls.__name__} has no setting {', '.join(map(repr, unknown))}; it takes {', '.join(params)}"
        )
    for key, value in config.items():
        default = params[key]
        if isinstance(default, bool):
            ok, kind = isinstance(value, bool), "true or false"
        elif isinstance(default, int):
            ok, kind = isinstance(value, int) and not isinstance(value, bool), "a whole number"
        elif isinstance(default, float):
            ok, kind = isinstance(value, (int, float)) and not isinstance(value, bool), "a number"
        else:
            ok = True
        if not ok:
            raise ValueError(
                f"{cls.__name__} setting {key} must be {kind} (like its default {default!r}); got {value!r}"
            )
        numbers = value if isinstance(value, (list, tuple)) and key != "ordering" else [value]
        sizes = [abs(v) for v in numbers if isinstance(v, (int, float)) and not isinstance(v, bool)]
        if any(v > MAX_SIZE for v in sizes):
            raise ValueError(
                f"{cls.__name__} setting {key}={value!r} is too large (sizes up to {MAX_SIZE:,})"
            )


def build(cls, config: dict, state_dict: dict | None = None):
    """cls(**config), checked first: known keys and types, bounded sizes, and (where the model can be built
    on PyTorch's `meta` device, which allocates nothing) at most MAX_PARAMETERS parameters whose shapes
    match `state_dict`. Any problem is a ValueError naming it."""
    check_config(cls, config)
    try:
        with torch.device("meta"):
            probe = cls(**config)
    except (ValueError, TypeError) as e:
        raise ValueError(f"cannot build {cls.__name__} from {config}: {e}") from None
    except (NotImplementedError, RuntimeError):  # a constructor that reads tensor values: no probe
        probe = None
    if probe is not None:
        n = sum(p.numel() for p in probe.parameters())
        if n > MAX_PARAMETERS:
            raise ValueError(
                f"{cls.__name__}({config}) would have {n:,} parameters, more than the "
                f"{MAX_PARAMETERS:,} genlib allows; choose smaller settings"
            )
        if state_dict is not None:
            _check_weights(cls, probe.state_dict(), state_dict)
    try:
        model = cls(**config)
    except (ValueError, TypeError, RuntimeError) as e:
        raise ValueError(f"cannot build {cls.__name__} from {config}: {e}") from None
    if state_dict is not None:
        _check_weights(cls, model.state_dict(), state_dict)
        model.load_state_dict(state_dict)
    return model


def _check_weights(cls, expected: dict, given: dict):
    if not isinstance(given, dict) or not all(isinstance(v, torch.Tensor) for v in given.values()):
        raise ValueError("the weights are not a dict of tensors")
    want = {k: tuple(v.shape) for k, v in expected.items()}
    got = {k: tuple(v.shape) for k, v in given.items()}
    if want != got:
        diff = sorted(k for k in set(want) | set(got) if want.get(k) != got.get(k))[:4]
        raise ValueError(
            f"the weights do not fit a {cls.__name__} of this config: "
            + "; ".join(f"{k}: expected {want.get(k)}, found {got.get(k)}" for k in diff)
        )


def save(model, path, **extra) -> Path:
    """Save a genlib model (its class, constructor arguments and weights) to `path`, atomically."""
    payload = {
        "model": type(model).__name__,
        "config": model.config,
        "state_dict": model.state_dict(),
        "extra": extra,
    }
    return save_payload(payload, path)


def load(path, map_location="cpu"):
    """Rebuild a model saved with genlib.save, in eval mode: `model = genlib.load("nade.pt")`."""
    payload = load_payload(path, map_location)
    if not isinstance(payload, dict) or "model" not in payload or "state_dict" not in payload:
        raise ValueError(f"{path} holds no model (is it a training checkpoint? use genlib.train.resume)")
    if not isinstance(payload["model"], str):
        raise ValueError(f"{path}: the model name is not a string")
    try:
        model = build(models.get(payload["model"]), payload.get("config", {}), payload["state_dict"])
    except ValueError as e:
        raise ValueError(f"{path}: {e}") from None
    extra = payload.get("extra", {})
    model.extra = extra if isinstance(extra, dict) else {}
    return model.to(map_location).eval()
