"""Command line: train, evaluate and sample any genlib model.

    python -m genlib train nade --epochs 20 --out nade.pt              # on binarized MNIST (50,000 / 10,000)
    python -m genlib train fvsbn --minutes 4 --out fvsbn.pt            # a time budget, checked every batch
    torchrun --nproc_per_node 2 -m genlib train independent --epochs 10 --out independent.pt   # DDP
    python -m genlib eval nade.pt [--data binarized_mnist] [--split test] [--json]
    python -m genlib sample nade.pt -n 64 --out grid.png
    python -m genlib reproduce fvsbn [--resume]                         # a reference model from its recipe

Every bad input is one line `error: ...` that names the problem, and exit status 2 (--debug: the traceback).
A training run holds a lock on OUT: a second run with the same --out is refused while the first goes on.
"""

from __future__ import annotations

import argparse
import contextlib
import inspect
import json
import math
import os
import sys
from pathlib import Path

import torch

from . import checkpoint, data, distributed, files, models, recipes, seed_everything, train

MAX_SAMPLES = 10_000  # one PNG grid
DEFAULT_DATA = {"binary": "binarized_mnist", "8bit": "mnist5k_grey", "real": "digits8"}


def train_model(
    model_name: str,
    out,
    *,
    data_name: str | None = None,
    hp: dict | None = None,
    fit_kwargs: dict | None = None,
    resume: bool = False,
    device=None,
    quiet: bool = False,
    ddp=None,
    start_from_means: bool = False,
    extra: dict | None = None,
):
    """Train model `model_name` (with hyperparameters hp) on `data_name` with train.fit(**fit_kwargs); save to
    `out`. The command line's `train` and a recipe both call this. Returns (model, history).

    Everything is checked before training starts (settings, output file, device, data); the run holds a
    lock on `out`, writes its training state to OUT.state after every epoch (resume=True continues it),
    and saves nothing unless it ends with a finite validation NLL. start_from_means: set the model's output
    biases to the training pixels' means first. extra: more entries for the saved file's `extra`.
    """
    cls = models.get(model_name)
    hp, fit_kwargs = dict(hp or {}), dict(fit_kwargs or {})
    if "shape" in hp:
        raise ValueError("the image shape comes from the data; choose the data with --data, not --set shape=")
    checkpoint.check_config(cls, hp)
    fit_kwargs = _check_fit_kwargs(fit_kwargs)
    out = _check_out(out)
    dev = ddp.device if ddp is not None else _device(device, verbose=not quiet)
    main = ddp is None or ddp.is_main
    with files.exclusive(out) if main else contextlib.nullcontext():
        if main:
            files.remove_orphans(out)  # temporary files of a killed earlier run; no one else writes OUT now
            files.remove_orphans(f"{out}.state")
        kind = cls.pixel_kind_for(**hp)
        name = data_name or DEFAULT_DATA[kind]
        x_train = _load(name, "train", kind, training=True)
        x_val = _load(name, "val", kind, missing_ok=True)
        seed_everything(fit_kwargs.get("seed", 0))
        model = checkpoint.build(cls, {"shape": tuple(x_train.shape[1:]), **hp})
        if start_from_means:
            model.start_from_means(x_train)
        hist = train.fit(
            model,
            x_train,
            x_val,
            device=dev,
            checkpoint=f"{out}.state",
            resume=resume,
            progress=not quiet,
            ddp=ddp,
            transform=_fresh_noise(name, kind),
            **fit_kwargs,
        )
        if x_val is not None and not math.isfinite(hist.best_val_nll):
            raise ValueError(
                f"training ended without a finite validation NLL ({hist.stopped}); "
                f"nothing saved. Lower the learning rate or train longer"
            )
        if main:
            checkpoint.save(
                model.cpu(), out, data=str(name), history=hist.__dict__, fit=fit_kwargs, **(extra or {})
            )
            print(
                f"trained {type(model).__name__} on {name}: {hist.epochs_run} epochs ({hist.stopped}), "
                f"best val NLL {hist.best_val_nll:.3f} nats; saved {out}"
                + (f" ({ddp.world} processes)" if ddp is not None and ddp.world > 1 else "")
            )
    return model, hist


def reproduce(name: str, folder=None, resume: bool = False, device=None, quiet: bool = False) -> dict:
    """Train the reference model `name` from its recipe (genlib.recipes) into checkpoints/NAME.pt, and
    write its record checkpoints/NAME.json (recipe, training curve, wall time, machine, test NLL).
    Returns the record."""
    r = recipes.recipe(name)
    weights, _ = recipes.paths(name, folder)
    dev = _device(device, verbose=not quiet)
    model, hist = train_model(
        r.model,
        weights,
        data_name=r.data,
        hp=r.hp,
        fit_kwargs={**r.fit, "seed": r.seed},
        resume=resume,
        device=dev,
        quiet=quiet,
        start_from_means=r.start_from_means,
        extra={"recipe": name},
    )
    return recipes.write_record(name, model, hist, dev, folder)


def _check_fit_kwargs(kw: dict) -> dict:
    """The fit arguments a recipe or the command line gives, checked now (not after loading data)."""
    allowed = set(inspect.signature(train.fit).parameters) - {
        "model",
        "train",
        "val",
        "device",
        "checkpoint",
        "resume",
        "progress",
        "ddp",
        "transform",
    }
    unknown = sorted(set(kw) - allowed)
    if unknown:
        raise ValueError(
            f"unknown training setting(s) {', '.join(unknown)}; known: {', '.join(sorted(allowed))}"
        )
    args = inspect.signature(train.fit).bind_partial(None, None, **kw)
    args.apply_defaults()
    a = args.arguments
    train.check_args(
        a["epochs"],
        a["minutes"],
        a["batch_size"],
        a["lr"],
        a["schedule"],
        a["clip"],
        a["patience"],
        a["seed"],
    )
    return kw


def _check_out(out) -> Path:
    """OUT must be a file we can write: not a folder, in a folder that exists or can be made."""
    path = Path(out)
    if str(out).strip() == "" or path.is_dir():
        raise ValueError(f"--out {str(out)!r} is a folder; give a file name such as {path / 'model.pt'}")
    folder = path.parent
    while not folder.exists():
        folder = folder.parent
    if not folder.is_dir():
        raise ValueError(f"--out {out}: {folder} is a file, not a folder; choose another path")
    if not os.access(folder, os.W_OK | os.X_OK) or (path.exists() and not os.access(path, os.W_OK)):
        raise ValueError(f"--out {out}: {'the file' if path.exists() else folder} is not writable here")
    return path


def _device(text, verbose=True) -> torch.device:
    """--device: cpu, cuda, cuda:N or mps, if this machine has it; default: the best one here."""
    if text is None:
        from . import device

        return device(verbose=verbose)
    try:
        dev = torch.device(text)
    except (RuntimeError, TypeError):
        raise ValueError(f"unknown device {text!r}; use cpu, cuda, cuda:N or mps") from None
    if dev.type == "cuda" and not torch.cuda.is_available():
        raise ValueError(
            f"--device {text}: this machine has no CUDA GPU that PyTorch can use; use --device cpu"
        )
    if dev.type == "cuda" and dev.index is not None and dev.index >= torch.cuda.device_count():
        raise ValueError(f"--device {text}: there are {torch.cuda.device_count()} CUDA GPUs, numbered from 0")
    mps = getattr(torch.backends, "mps", None)
    if dev.type == "mps" and not (mps is not None and mps.is_available()):
        raise ValueError(f"--device {text}: Apple MPS is not available here; use --device cpu")
    if dev.type not in ("cpu", "cuda", "mps"):
        raise ValueError(f"--device {text}: genlib runs on cpu, cuda or mps")
    return dev


def _load(name, split, pixel_kind, missing_ok=False, training=False):
    """data.load, plus: real-valued models see digits8 dequantized to (0, 1) with fixed noise (chapter 05);
    training=True keeps the grey levels, which `_fresh_noise` dequantizes afresh in every batch."""
    try:
        x = data.load(name, split)
    except ValueError as e:
        if missing_ok and "no validation split" in str(e):  # mnist, fashion_mnist: no early stopping
            return None
        raise
    if _grey_levels(name, pixel_kind) and not training:
        from .models.rnade import dequantize

        x = dequantize(x, levels=DIGITS8_LEVELS, seed={"train": 0, "val": 1, "test": 2}[split])
    return x


DIGITS8_LEVELS = 17  # digits8's grey levels 0..16


def _grey_levels(name, pixel_kind) -> bool:
    """Real-valued models on digits8 see its grey levels dequantized to (0, 1) (chapter 05)."""
    return pixel_kind == "real" and str(name) == "digits8"


def _fresh_noise(name, pixel_kind):
    """The training transform of fit: new dequantization noise every epoch for digits8 (else None)."""
    if _grey_levels(name, pixel_kind):
        from .models.rnade import Dequantize

        return Dequantize(DIGITS8_LEVELS)
    return None


def _parse_value(text):
    try:
        return json.loads(text)
    except json.JSONDecodeError:
        return text


def _parse_set(pairs) -> dict:
    hp = {}
    for kv in pairs:
        key, sep, value = kv.partition("=")
        if not sep or not key:
            raise ValueError(f"--set takes KEY=VALUE, such as --set hidden=500; got {kv!r}")
        hp[key.strip()] = _parse_value(value)
    return hp


def cmd_train(args):
    given = {
        "epochs": args.epochs,
        "minutes": args.minutes,
        "batch_size": args.batch_size,
        "lr": args.lr,
        "schedule": args.schedule,
        "seed": args.seed,
        "patience": args.patience,
    }
    fit_kwargs = {k: v for k, v in given.items() if v is not None}
    if args.clip is not None:
        fit_kwargs["clip"] = None if args.clip == 0 else args.clip
    if args.epochs is None and args.minutes is None:
        fit_kwargs["epochs"] = 20
    elif args.epochs is None:
        fit_kwargs["epochs"] = None  # as many as the time budget allows
    if distributed.launched():
        _device(args.device, verbose=False)  # a clear error before joining the process group
    ctx = distributed.init(args.device) if distributed.launched() else None  # under torchrun: DDP
    try:
        train_model(
            args.model,
            args.out,
            data_name=args.data,
            hp=_parse_set(args.set),
            fit_kwargs=fit_kwargs,
            resume=args.resume,
            device=args.device,
            quiet=args.quiet,
            ddp=ctx,
        )
        if ctx is not None:
            distributed.barrier()
    finally:
        if ctx is not None:
            distributed.cleanup()


def cmd_eval(args):
    model = checkpoint.load(args.path)
    # default: the data set the model was trained on (recorded by `train`), else one that fits its pixels
    recorded = model.extra.get("data")
    name = args.data or (recorded if isinstance(recorded, str) else None) or DEFAULT_DATA[model.pixel_kind]
    x = _load(name, args.split, model.pixel_kind)
    if tuple(x.shape[1:]) != model.shape:
        raise ValueError(f"the model takes images of shape {model.shape}; {name} has {tuple(x.shape[1:])}")
    model.check_data(x)
    nll = train.evaluate(model, x)
    bpd = train.bits_per_dim(nll, model.dim)
    finite = math.isfinite(nll)
    if args.json:
        print(
            json.dumps(
                {
                    "nll_nats": nll if finite else None,
                    "bits_per_dim": bpd if finite else None,
                    "model": type(model).__name__,
                    "data": str(name),
                    "split": args.split,
                    "n": len(x),
                }
            )
        )
    else:
        print(
            f"{type(model).__name__} on {name}/{args.split} ({len(x)} images): "
            f"NLL {nll:.3f} nats per image, {bpd:.4f} bits per dimension"
        )
    if not finite:
        raise ValueError(f"the NLL is {nll}: the model's weights hold NaN or infinite values; retrain it")


def cmd_sample(args):
    from . import viz

    if not 1 <= args.n <= MAX_SAMPLES:
        raise ValueError(f"-n must be between 1 and {MAX_SAMPLES:,} (one image grid); got {args.n}")
    if args.seed < 0:
        raise ValueError(f"--seed must be >= 0; got {args.seed}")
    viz.check_image_path(args.out)  # before drawing: an unknown extension wastes no sampling
    model = checkpoint.load(args.path)
    seed_everything(args.seed)
    x = model.sample(args.n)
    viz.save_grid(x, args.out, levels=255 if model.pixel_kind == "8bit" else None)
    print(f"wrote {args.n} samples to {args.out}")


def parser() -> argparse.ArgumentParser:
    # --debug before or after the subcommand: the subcommands' copy has no default of its own (SUPPRESS),
    # so it cannot overwrite a --debug given before the subcommand with False.
    common = argparse.ArgumentParser(add_help=False)
    common.add_argument(
        "--debug", action="store_true", default=argparse.SUPPRESS, help="show the full traceback of an error"
    )
    p = argparse.ArgumentParser(
        prog="python -m genlib",
        description=__doc__,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    p.add_argument("--debug", action="store_true", help="show the full traceback of an error")
    sub = p.add_subparsers(dest="cmd", required=True)
    t = sub.add_parser("train", help="train a model and save it", parents=[common])
    t.add_argument("model", help=f"one of: {', '.join(sorted(models.REGISTRY))}")
    t.add_argument(
        "--data",
        help="dataset name or .npz path (default: binarized_mnist for binary models, "
        "mnist5k_grey for 8-bit ones, digits8 for real-valued ones)",
    )
    t.add_argument(
        "--epochs", type=int, help="passes over the data (default 20, or as many as --minutes allows)"
    )
    t.add_argument("--minutes", type=float, help="a time budget, checked after every batch")
    t.add_argument("--batch-size", type=int, default=128)
    t.add_argument("--lr", type=float, default=1e-3)
    t.add_argument("--schedule", choices=train.SCHEDULES, help="learning rate: constant (default) or cosine")
    t.add_argument("--clip", type=float, help="max gradient norm (default 1.0; 0: no clipping)")
    t.add_argument("--seed", type=int, default=0)
    t.add_argument(
        "--patience",
        type=int,
        help="early stopping: stop after this many epochs without a better validation NLL (default 5)",
    )
    t.add_argument("--device", help="cpu, cuda, cuda:N or mps (default: the best one here)")
    t.add_argument(
        "--set",
        action="append",
        default=[],
        metavar="KEY=VALUE",
        help="a hyperparameter of the model, e.g. --set hidden=500",
    )
    t.add_argument(
        "--resume",
        action="store_true",
        help="continue from OUT.state if it exists (refused if the seed, data, batch size, lr, schedule, "
        "number of processes or, with cosine, epochs changed)",
    )
    t.add_argument("--quiet", action="store_true")
    t.add_argument("--out", required=True)
    e = sub.add_parser("eval", help="NLL of a saved model on a dataset", parents=[common])
    e.add_argument("path")
    e.add_argument("--data", help="dataset name or .npz path (default: the one the model was trained on)")
    e.add_argument("--split", default="test", help="train, val or test (default: test)")
    e.add_argument("--json", action="store_true")
    s = sub.add_parser(
        "sample", help="draw samples into an image grid (.png, .jpg, .pdf, .svg)", parents=[common]
    )
    s.add_argument("path")
    s.add_argument("-n", type=int, default=64)
    s.add_argument("--seed", type=int, default=0)
    s.add_argument("--out", required=True)
    r = sub.add_parser(
        "reproduce", help="train a reference model from its recipe into checkpoints/", parents=[common]
    )
    r.add_argument("name", help=f"one of: {', '.join(recipes.RECIPES)}, or all")
    r.add_argument(
        "--resume", action="store_true", help="continue from checkpoints/NAME.pt.state if it exists"
    )
    r.add_argument("--device", help="cpu, cuda, cuda:N or mps (default: the best one here)")
    r.add_argument("--quiet", action="store_true")
    return p


def cmd_reproduce(args):
    names = list(recipes.RECIPES) if args.name == "all" else [recipes.recipe(args.name) and args.name]
    for name in names:
        rec = reproduce(name, resume=args.resume, device=args.device, quiet=args.quiet)
        print(
            f"{name}: test NLL {rec['test_nll_nats']:.2f} nats on {rec['data']} "
            f"(paper: {rec['recipe']['paper'][0] if rec['recipe']['paper'] else '-'}); "
            f"{rec['history']['epochs_run']} epochs, {rec['seconds'] / 60:.1f} min"
        )


def main(argv=None):
    args = parser().parse_args(argv)
    try:
        {"train": cmd_train, "eval": cmd_eval, "sample": cmd_sample, "reproduce": cmd_reproduce}[args.cmd](
            args
        )
    except KeyboardInterrupt:
        print("interrupted", file=sys.stderr)
        return 130
    except Exception as err:  # every error is one clear message; --debug shows where it came from
        if args.debug:
            raise
        known = (
            isinstance(err, (ValueError, files.LockedError, FloatingPointError, OSError))
            or type(err).__name__ == "DownloadError"
        )
        text = (
            str(err) if known else f"unexpected {type(err).__name__}: {err} (run with --debug to see where)"
        )
        print(f"error: {text}", file=sys.stderr)
        return 2
    return 0
