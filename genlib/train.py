"""One small training loop for every chapter (chapter 00).

    history = genlib.train.fit(model, x_train, x_val, epochs=20)
    model, history = genlib.train.fit_or_load(model, x_train, x_val, epochs=20)   # reuses a cached fit

Adam, a progress bar, validation NLL every epoch, early stopping, gradient clipping,
bf16 autocast on CUDA, and a checkpoint written atomically after every epoch so that
`resume=True` continues a run that was killed.
"""
from __future__ import annotations

import copy
import hashlib
import inspect
import json
import math
import os
import time
from dataclasses import asdict, dataclass, field
from pathlib import Path

import torch
from tqdm.auto import tqdm

from . import checkpoint as ckpt
from . import distributed
from . import quick_mode
from .files import cache_dir  # noqa: F401  (genlib.train.cache_dir, used by the chapters)


@dataclass
class History:
    """What happened during fit: NLL in nats per image, per epoch."""
    train_nll: list = field(default_factory=list)
    val_nll: list = field(default_factory=list)
    best_epoch: int = -1
    best_val_nll: float = math.inf
    epochs_run: int = 0
    seconds: float = 0.0
    stopped: str = ""


@torch.no_grad()
def evaluate(model, x, batch_size: int = 500) -> float:
    """Mean negative log-likelihood of the images x, in nats per image."""
    was_training = model.training
    model.eval()
    dev = model.device
    total = 0.0
    for i in range(0, len(x), batch_size):
        xb = x[i:i + batch_size].to(dev)
        total += -model.log_prob(xb).double().sum().item()
    model.train(was_training)
    return total / len(x)


def bits_per_dim(nll_nats: float, dim: int) -> float:
    """nats per image -> bits per dimension: nll / (D ln 2)."""
    return nll_nats / (dim * math.log(2))


def _batches(n, batch_size, generator, rank=0, world=1):
    perm = torch.randperm(n, generator=generator)
    perm = perm[:n - n % world][rank::world]  # each rank its shard of the shuffled data, all the same size
    for i in range(0, len(perm), batch_size):
        yield perm[i:i + batch_size]


def fit(model, train, val=None, *, epochs: int = 20, minutes: float | None = None,
        batch_size: int = 128, lr: float = 1e-3, weight_decay: float = 0.0, clip: float = 1.0,
        patience: int = 5, seed: int = 0, device=None, checkpoint=None, resume: bool = False,
        progress: bool = True, loss=None, rank: int = 0, world: int = 1,
        sync=None) -> History:
    """Train `model` on the images `train` (N, C, H, W) by minimizing the NLL; keep the best epoch.

    val:        images for validation NLL each epoch (early stopping, best-epoch selection)
    minutes:    stop after this much wall time (the best checkpoint is kept)
    checkpoint: path written atomically after every epoch; with resume=True, training
                continues from it (same seed -> the same final weights as an unbroken run)
    loss:       loss(model, xb) -> scalar; default: model.nll(xb)
    rank/world/sync: used by genlib.distributed (each rank trains on its shard)
    """
    if epochs < 1 and minutes is None:
        raise ValueError(f"epochs must be >= 1; got {epochs}")
    dev = torch.device(device) if device is not None else model.device
    model.to(dev)
    train_model = sync(model) if sync is not None else model
    loss = loss or (lambda m, xb: m.nll(xb) if m is model else m(xb))  # wrapped: forward returns the NLL
    opt = torch.optim.Adam(model.parameters(), lr=lr, weight_decay=weight_decay)
    hist, start_epoch, best_state = History(), 0, None
    if checkpoint is not None and resume and Path(checkpoint).exists():
        state = ckpt.load_payload(checkpoint)  # a truncated or corrupted file is a ValueError
        try:
            model.load_state_dict(state["model"])
            opt.load_state_dict(state["optimizer"])
            hist = History(**state["history"])
        except (KeyError, TypeError, ValueError, RuntimeError) as e:
            raise ValueError(f"{checkpoint} is not a training state of this {type(model).__name__} "
                             f"({type(e).__name__}: {str(e)[:200]}); delete it or train without resume") from None
        best_state = state["best_state"]
        start_epoch = hist.epochs_run
        torch.set_rng_state(state["rng"])
    train = train.to(dev) if train.device != dev and train.numel() * 4 < 2**31 else train
    val_dev = val
    autocast = torch.autocast("cuda", dtype=torch.bfloat16, enabled=(dev.type == "cuda"))
    t0 = time.time() - hist.seconds
    bar = tqdm(range(start_epoch, epochs), desc=type(model).__name__, disable=not progress or rank != 0,
               initial=start_epoch, total=epochs)
    wait = hist.epochs_run - 1 - hist.best_epoch if hist.best_epoch >= 0 else 0
    delay = float(os.environ.get("GENLIB_BATCH_DELAY") or 0)  # fault tests: slow batches, so a kill lands mid-epoch
    for epoch in bar:
        model.train()
        g = torch.Generator().manual_seed(seed * 100_003 + epoch)
        total, count = 0.0, 0
        for idx in _batches(len(train), batch_size, g, rank, world):
            xb = train[idx].to(dev)
            with autocast:
                l = loss(train_model, xb)
            if not torch.isfinite(l):
                raise FloatingPointError(f"the loss became {l.item()} at epoch {epoch}; lower lr "
                                         f"(now {lr}) or check the data")
            opt.zero_grad(set_to_none=True)
            l.backward()
            if clip:
                torch.nn.utils.clip_grad_norm_(model.parameters(), clip)
            opt.step()
            total, count = total + l.item() * len(idx), count + len(idx)
            if delay:
                time.sleep(delay)
        if world > 1:
            total, count = distributed.all_sum(total, count)
        hist.train_nll.append(total / max(count, 1))
        hist.epochs_run = epoch + 1
        if val is not None:
            v = evaluate(model, val_dev)
            if world > 1:  # every rank must take the same early-stopping decision: rank 0's
                v = distributed.from_rank0(v)
            hist.val_nll.append(v)
            if v < hist.best_val_nll - 1e-6:
                hist.best_val_nll, hist.best_epoch, wait = v, epoch, 0
                best_state = copy.deepcopy(model.state_dict())
            else:
                wait += 1
        hist.seconds = time.time() - t0
        bar.set_postfix(train=f"{hist.train_nll[-1]:.2f}",
                        **({"val": f"{hist.val_nll[-1]:.2f}"} if val is not None else {}))
        out_of_time = minutes is not None and hist.seconds > 60 * minutes
        if world > 1:
            out_of_time = bool(distributed.from_rank0(float(out_of_time)))
        if val is not None and wait >= patience:
            hist.stopped = f"early stop: no better val NLL for {patience} epochs"
        elif out_of_time:
            hist.stopped = f"time budget of {minutes} min reached"
        if checkpoint is not None and rank == 0:
            ckpt.save_payload({"model": model.state_dict(), "optimizer": opt.state_dict(),
                               "history": asdict(hist), "best_state": best_state,
                               "rng": torch.get_rng_state()}, checkpoint)
        if hist.stopped:
            break
    bar.close()
    if not hist.stopped:
        hist.stopped = f"{hist.epochs_run} epochs"
    if best_state is not None:
        model.load_state_dict(best_state)
    model.eval()
    return hist


def _fingerprint(*tensors) -> str:
    h = hashlib.sha256()
    for t in tensors:
        if t is None:
            h.update(b"none")
            continue
        t = t.detach().cpu().contiguous()
        h.update(str((tuple(t.shape), str(t.dtype))).encode())
        h.update(t.numpy().tobytes())
    return h.hexdigest()


def cache_key(model, train, val, fit_kwargs) -> str:
    """A hash of everything that decides the result of a fit: model class, source and config,
    the data, the fit arguments and the quick/full mode."""
    src = inspect.getsource(type(model))
    kw = {k: v for k, v in fit_kwargs.items() if k not in ("progress", "device", "checkpoint", "resume")}
    desc = json.dumps({"model": type(model).__name__, "config": model.config, "fit": kw,
                       "quick": quick_mode(), "src": hashlib.sha256(src.encode()).hexdigest(),
                       "data": _fingerprint(train, val)}, sort_keys=True, default=str)
    return hashlib.sha256(desc.encode()).hexdigest()[:16]


def fit_or_load(model, train, val=None, *, name: str | None = None, verbose: bool = True, **fit_kwargs):
    """Fit `model`, or load the result of an identical earlier fit from the cache.

    Re-running a chapter then takes seconds. Returns (model, history).
    The cache lives in $GENLIB_CACHE/models (default ~/.cache/genlib/models).
    """
    key = cache_key(model, train, val, fit_kwargs)
    path = cache_dir() / "models" / f"{name or type(model).__name__}-{key}.pt"
    dev = fit_kwargs.get("device") or model.device
    if path.exists():
        try:
            payload = ckpt.load_payload(path)
            model.load_state_dict(payload["state_dict"])
            hist = History(**payload["extra"]["history"])
            if verbose:
                print(f"loaded {type(model).__name__} from the cache ({hist.epochs_run} epochs, "
                      f"best val NLL {hist.best_val_nll:.2f} nats)")
            return model.to(dev).eval(), hist
        except (ValueError, KeyError, TypeError) as e:
            if verbose:
                print(f"ignoring a damaged cache entry {path.name}: {e}")
    hist = fit(model, train, val, **fit_kwargs)
    ckpt.save(model, path, history=asdict(hist))
    return model, hist
