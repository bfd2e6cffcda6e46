"""Command line: train, evaluate and sample any genlib model.

    python -m genlib train independent --epochs 10 --out independent.pt
    torchrun --nproc_per_node 2 -m genlib train independent --epochs 10 --out independent.pt   # DDP
    python -m genlib eval independent.pt --data mnist5k [--json]
    python -m genlib sample independent.pt -n 64 --out grid.png
"""
from __future__ import annotations

import argparse
import json
import sys

import torch

from . import checkpoint, data, device, distributed, models, seed_everything, train


def _parse_value(text):
    try:
        return json.loads(text)
    except json.JSONDecodeError:
        return text


def _default_data(model_cls, hp=None):
    kind = getattr(model_cls, "pixel_kind", "binary")
    if (hp or {}).get("levels") == 256:  # --set levels=256: a PixelRNN of 8-bit pixels (chapter 06)
        kind = "8bit"
    return {"binary": "mnist5k", "8bit": "mnist5k_grey", "real": "digits8"}[kind]


def _load(name, split, pixel_kind):
    """data.load, plus: real-valued models see digits8 dequantized to (0, 1) (chapter 05)."""
    x = data.load(name, split)
    if pixel_kind == "real" and str(name) == "digits8":
        from .models.rnade import dequantize
        x = dequantize(x, levels=17, seed={"train": 0, "val": 1, "test": 2}[split])
    return x


def cmd_train(args):
    cls = models.get(args.model)
    hp = {k: _parse_value(v) for k, v in (kv.split("=", 1) for kv in args.set)}
    name = args.data or _default_data(cls, hp)
    x_train = _load(name, "train", cls.pixel_kind)
    try:
        x_val = _load(name, "val", cls.pixel_kind)
    except ValueError:
        x_val = None
    shape = tuple(x_train.shape[1:])
    seed_everything(args.seed)
    model = cls(shape, **hp)
    ctx = distributed.init(args.device) if distributed.launched() else None  # under torchrun: DDP
    if ctx is not None:
        dev = ctx.device
    else:
        dev = torch.device(args.device) if args.device else device(verbose=not args.quiet)
    epochs = args.epochs if args.epochs is not None else (10**6 if args.minutes else 20)
    ddp = {} if ctx is None or ctx.world == 1 else {
        "rank": ctx.rank, "world": ctx.world, "sync": lambda m: distributed.wrap(m, ctx)}
    try:
        hist = train.fit(model, x_train, x_val, epochs=epochs, minutes=args.minutes,
                         batch_size=args.batch_size, lr=args.lr, seed=args.seed, device=dev,
                         checkpoint=args.out + ".state", resume=args.resume, progress=not args.quiet, **ddp)
        if ctx is not None:
            distributed.save_rank_state(model, args.out, ctx)
        if ctx is None or ctx.is_main:  # one process writes the model and speaks
            checkpoint.save(model.cpu(), args.out, data=str(name), history=hist.__dict__)
            print(f"trained {type(model).__name__} on {name}: {hist.epochs_run} epochs ({hist.stopped}), "
                  f"best val NLL {hist.best_val_nll:.3f} nats; saved {args.out}"
                  + (f" ({ctx.world} processes)" if ctx is not None and ctx.world > 1 else ""))
        if ctx is not None:
            distributed.barrier()
    finally:
        if ctx is not None:
            distributed.cleanup()


def cmd_eval(args):
    model = checkpoint.load(args.path)
    # default: the data set the model was trained on (recorded by `train`), else one that fits its pixels
    args.data = args.data or model.extra.get("data") or _default_data(model)
    x = _load(args.data, args.split, model.pixel_kind)
    if tuple(x.shape[1:]) != model.shape:
        raise ValueError(f"the model takes images of shape {model.shape}; {args.data} has {tuple(x.shape[1:])}")
    nll = train.evaluate(model, x)
    bpd = train.bits_per_dim(nll, model.dim)
    if args.json:
        print(json.dumps({"nll_nats": nll, "bits_per_dim": bpd, "model": type(model).__name__,
                          "data": str(args.data), "split": args.split, "n": len(x)}))
    else:
        print(f"{type(model).__name__} on {args.data}/{args.split} ({len(x)} images): "
              f"NLL {nll:.3f} nats per image, {bpd:.4f} bits per dimension")


def cmd_sample(args):
    from . import viz

    model = checkpoint.load(args.path)
    seed_everything(args.seed)
    x = model.sample(args.n)
    viz.save_grid(x, args.out, levels=255 if model.pixel_kind == "8bit" else None)
    print(f"wrote {args.n} samples to {args.out}")


def main(argv=None):
    p = argparse.ArgumentParser(prog="python -m genlib", description=__doc__,
                                formatter_class=argparse.RawDescriptionHelpFormatter)
    sub = p.add_subparsers(dest="cmd", required=True)
    t = sub.add_parser("train", help="train a model and save it")
    t.add_argument("model", help=f"one of: {', '.join(sorted(models.REGISTRY))}")
    t.add_argument("--data", help="dataset name or .npz path (default: mnist5k for binary models)")
    t.add_argument("--epochs", type=int)
    t.add_argument("--minutes", type=float)
    t.add_argument("--batch-size", type=int, default=128)
    t.add_argument("--lr", type=float, default=1e-3)
    t.add_argument("--seed", type=int, default=0)
    t.add_argument("--device")
    t.add_argument("--set", action="append", default=[], metavar="KEY=VALUE",
                   help="a hyperparameter of the model, e.g. --set hidden=500")
    t.add_argument("--resume", action="store_true", help="continue from OUT.state if it exists")
    t.add_argument("--quiet", action="store_true")
    t.add_argument("--out", required=True)
    e = sub.add_parser("eval", help="NLL of a saved model on a dataset")
    e.add_argument("path")
    e.add_argument("--data", help="dataset name or .npz path (default: the one the model was trained on)")
    e.add_argument("--split", default="test")
    e.add_argument("--json", action="store_true")
    s = sub.add_parser("sample", help="draw samples into a PNG grid")
    s.add_argument("path")
    s.add_argument("-n", type=int, default=64)
    s.add_argument("--seed", type=int, default=0)
    s.add_argument("--out", required=True)
    args = p.parse_args(argv)
    try:
        {"train": cmd_train, "eval": cmd_eval, "sample": cmd_sample}[args.cmd](args)
    except ValueError as err:
        print(f"error: {err}", file=sys.stderr)
        return 2
    return 0
