"""Training recipes and the reference checkpoints trained from them (chapters 04-08).

A lesson must not depend on how long a model happened to train or how busy the machine was. So every headline
model has a *recipe*: the settings that train it well on the papers' benchmark (binarized MNIST of
Larochelle & Murray, 2011), with a fixed seed. `reproduce` trains a model from its recipe and writes a
*reference checkpoint* to checkpoints/: the weights, plus a JSON record of the recipe, the training curve, the
wall time, the machine and the test NLL. Chapters load those checkpoints by name:

    model = genlib.recipes.reference("fvsbn")   # verified by SHA-256, in eval mode
    genlib.recipes.RECIPES["fvsbn"]             # what trained it
    python -m genlib reproduce fvsbn            # train it again (genlib.cli.reproduce; make checkpoints: all)

A run that is stopped continues from checkpoints/NAME.pt.state with `--resume` and gives the same weights.
"""

from __future__ import annotations

import json
import os
import platform
import time
from dataclasses import asdict, dataclass, field
from pathlib import Path

import torch

from . import checkpoint, data, train
from .files import atomic_write_bytes, sha256
from .results import PUBLISHED

CHECKPOINT_DIR = Path(__file__).resolve().parents[1] / "checkpoints"
SLICE = 1000  # the test that guards a checkpoint re-evaluates it on the first SLICE test images


@dataclass(frozen=True)
class Recipe:
    """How to train one reference model: model, data, hyperparameters, optimiser settings and seed."""

    model: str  # a name of genlib.models.REGISTRY
    hp: dict = field(default_factory=dict)  # constructor arguments
    fit: dict = field(default_factory=dict)  # genlib.train.fit arguments: epochs, batch_size, lr, ...
    data: str = "binarized_mnist"
    seed: int = 0
    start_from_means: bool = False  # set the output biases to the pixel means before training
    goal: float | None = None  # the test NLL (nats) we aim for on the benchmark
    paper: tuple | None = None  # (published test NLL in nats, source)
    about: str = ""  # what the results table calls it


RECIPES: dict[str, Recipe] = {
    "fvsbn": Recipe(
        "fvsbn",
        fit=dict(epochs=30, batch_size=100, lr=3e-3, schedule="cosine", clip=None, patience=30),
        start_from_means=True,
        goal=98.0,
        paper=PUBLISHED["FVSBN"],
        about="FVSBN",
    ),
    "made": Recipe(
        "made",
        hp=dict(hidden=[500], num_masks=1, direct=True),
        fit=dict(epochs=30, batch_size=100, lr=1e-3, schedule="cosine", clip=None, patience=30),
        goal=89.0,
        paper=PUBLISHED["MADE (one mask)"],
        about="MADE, one mask, H = 500",
    ),
    "nade": Recipe(
        "nade",
        hp=dict(hidden=500),
        fit=dict(epochs=100, batch_size=100, lr=1e-3, schedule="cosine", clip=None, patience=100),
        start_from_means=True,
        goal=90.0,
        paper=PUBLISHED["NADE"],
        about="NADE, H = 500",
    ),
    "oanade": Recipe(
        "oanade",
        hp=dict(hidden=500),
        fit=dict(epochs=60, batch_size=100, lr=1e-3, schedule="cosine", clip=None, patience=60),
        start_from_means=True,
        about="order-agnostic NADE, H = 500 (exact NLL in raster order)",
    ),
    # The PixelRNN paper's best MNIST model is bigger (7 Diagonal BiLSTM layers, h = 16), trained on GPUs with
    # RMSProp and batches of 16. These three are scaled down to train in about an hour on a 2-core CPU
    # (measured on a busy 2-core machine: roughly 7-9 minutes per epoch for the Row LSTM and the PixelCNN,
    # 15-20 for the Diagonal BiLSTM), so they get few epochs and may stop short of their goals.
    "row_lstm": Recipe(
        "row_lstm",
        hp=dict(layers=2, hidden=32, k=3, out_hidden=64),
        fit=dict(epochs=8, batch_size=32, lr=1e-3, schedule="cosine", clip=None, patience=8),
        goal=84.0,
        paper=PUBLISHED["Row LSTM"],
        about="Row LSTM, 2 layers, h = 32",
    ),
    "diagonal_bilstm": Recipe(
        "diagonal_bilstm",
        hp=dict(layers=1, hidden=32, out_hidden=64),
        fit=dict(epochs=4, batch_size=32, lr=1e-3, schedule="cosine", clip=None, patience=4),
        goal=83.0,
        paper=PUBLISHED["Diagonal BiLSTM (1 layer, h=32)"],
        about="Diagonal BiLSTM, 1 layer, h = 32 (the paper's one-layer size)",
    ),
    "pixelcnn": Recipe(
        "pixelcnn",
        hp=dict(layers=6, hidden=32, out_hidden=64),
        fit=dict(epochs=8, batch_size=32, lr=1e-3, schedule="cosine", clip=None, patience=8),
        goal=85.0,
        paper=PUBLISHED["PixelCNN"],
        about="PixelCNN, 6 residual blocks, h = 32",
    ),
    "gated_pixelcnn": Recipe(
        "gated_pixelcnn",
        hp=dict(channels=32, layers=7, kernel=3, out_hidden=64),
        fit=dict(epochs=15, batch_size=64, lr=1e-3, schedule="cosine", clip=None, patience=15),
        goal=84.0,
        paper=PUBLISHED["PixelCNN"],
        about="gated PixelCNN, 7 layers, 32 channels (paper: PixelCNN; the gated paper has no MNIST number)",
    ),
}


def recipe(name: str) -> Recipe:
    """The recipe of a model, by its CLI name."""
    if name not in RECIPES:
        raise ValueError(f"no recipe for {name!r}; recipes exist for: {', '.join(RECIPES)}")
    return RECIPES[name]


def paths(name: str, folder=None) -> tuple[Path, Path]:
    """(weights, record) of a reference checkpoint: checkpoints/NAME.pt and checkpoints/NAME.json."""
    folder = Path(folder) if folder is not None else CHECKPOINT_DIR
    return folder / f"{name}.pt", folder / f"{name}.json"


def record(name: str, folder=None) -> dict:
    """The JSON record written next to a reference checkpoint (recipe, curve, wall time, machine, NLLs)."""
    _, rec = paths(name, folder)
    if not rec.is_file():
        raise ValueError(
            f"no reference checkpoint for {name!r} in {rec.parent}; "
            f"train it with `python -m genlib reproduce {name}`"
        )
    return json.loads(rec.read_text())


def reference(name: str, folder=None, device=None):
    """Load the reference model `name`, after checking its file against the SHA-256 in its record."""
    weights, _ = paths(name, folder)
    rec = record(name, folder)
    digest = sha256(weights) if weights.is_file() else "missing"
    if digest != rec["sha256"]:
        raise ValueError(
            f"{weights} does not match its record ({digest[:12]}... instead of "
            f"{rec['sha256'][:12]}...); restore it with `git checkout {weights.name}` or retrain "
            f"with `python -m genlib reproduce {name}`"
        )
    model = checkpoint.load(weights).eval()
    return model.to(device) if device is not None else model


def machine(dev: torch.device) -> str:
    """A line naming the machine a run used (for the record: wall times compare only on one machine)."""
    cpu = platform.processor() or platform.machine()
    try:
        with open("/proc/cpuinfo") as f:
            cpu = next(line.split(":", 1)[1].strip() for line in f if line.startswith("model name"))
    except (OSError, StopIteration):
        pass
    what = torch.cuda.get_device_name(dev) if dev.type == "cuda" else f"{cpu}, {os.cpu_count()} cores"
    return f"{what}; {torch.get_num_threads()} torch threads; torch {torch.__version__}; {dev.type}"


def write_record(name: str, model, hist, dev, folder=None) -> dict:
    """Evaluate a freshly trained reference model and write checkpoints/NAME.json next to its weights."""
    r = recipe(name)
    weights, rec_path = paths(name, folder)
    model = model.cpu().eval()
    x_test = data.load(r.data, "test")
    test_nll = train.evaluate(model, x_test)
    rec = {
        "model": r.model,
        "recipe": asdict(r),
        "data": r.data,
        "test_nll_nats": round(test_nll, 4),
        "test_bits_per_dim": round(train.bits_per_dim(test_nll, model.dim), 5),
        f"test_nll_first_{SLICE}": train.evaluate(model, x_test[:SLICE]),
        "val_nll_nats": round(hist.best_val_nll, 4),
        "params": sum(p.numel() for p in model.parameters()),
        "history": {
            "train_nll": hist.train_nll,
            "val_nll": hist.val_nll,
            "best_epoch": hist.best_epoch,
            "epochs_run": hist.epochs_run,
            "epoch_seconds": hist.epoch_seconds,
            "stopped": hist.stopped,
        },
        "seconds": round(hist.seconds, 1),
        "machine": machine(torch.device(dev)),
        "load_average": list(os.getloadavg()) if hasattr(os, "getloadavg") else None,
        "date": time.strftime("%Y-%m-%d %H:%M UTC", time.gmtime()),
        "sha256": sha256(weights),
    }
    atomic_write_bytes(rec_path, (json.dumps(rec, indent=1) + "\n").encode())
    return rec
