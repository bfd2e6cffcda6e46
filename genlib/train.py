"""One small training loop for every chapter (chapter 00).

    history = genlib.train.fit(model, x_train, x_val, epochs=20)
    model, history = genlib.train.fit_or_load(model, x_train, x_val, epochs=20)   # reuses a cached fit

Read `train_epoch` first: it is all of learning (batches, loss, backward, clip, step). `fit` wraps it in
small layers, each a function below it: checks of the arguments and the data, the learning-rate schedule,
validation and early stopping (keep the best epoch), a time budget checked after every batch, a checkpoint
after every epoch so that `resume=True` continues a killed run to exactly the weights of an unbroken one,
and DistributedDataParallel (`ddp=`, see genlib.distributed). bf16 autocast on CUDA.
"""

from __future__ import annotations

import copy
import hashlib
import inspect
import json
import math
import time
from dataclasses import asdict, dataclass, field
from pathlib import Path

import torch
from tqdm.auto import tqdm

from . import checkpoint as ckpt
from . import distributed
from . import quick_mode
from .files import cache_dir, remove_orphans

SCHEDULES = ("constant", "cosine")


@dataclass
class History:
    """What happened during fit: NLL in nats per image, per epoch."""

    train_nll: list = field(default_factory=list)
    val_nll: list = field(default_factory=list)
    best_epoch: int = -1
    best_val_nll: float = math.inf
    epochs_run: int = 0
    seconds: float = 0.0
    epoch_seconds: list = field(default_factory=list)  # wall time at the end of each epoch (NLL against time)
    stopped: str = ""
    steps: int = 0  # optimizer steps taken (the position in the learning-rate schedule)
    clipped: int = 0  # of which the gradient norm was clipped


@dataclass
class EpochStats:
    loss_sum: float = 0.0
    images: int = 0
    steps: int = 0
    clipped: int = 0


def train_epoch(
    model,
    x,
    opt,
    batch_size,
    *,
    order,
    clip=None,
    lr_at=None,
    first_step=0,
    loss=None,
    after_batch=None,
    transform=None,
) -> EpochStats:
    """One pass over the images x[order] in batches: the loop every chapter trains with.

    order: indices of x, shuffled afresh every epoch;  clip: max gradient norm (None: no clipping);
    lr_at(step): the learning rate of each step (None: the optimizer's);  loss(xb): default model.nll;
    after_batch(): returns True to end the epoch early (a time budget);
    transform(xb): applied to every batch before the loss, e.g. fresh dequantization noise (chapter 05).
    """
    loss = loss or model.nll
    dev = model.device
    stats = EpochStats()
    for step, idx in enumerate(order.split(batch_size), start=first_step):
        xb = x[idx].to(dev) if transform is None else transform(x[idx].to(dev))
        with torch.autocast("cuda", dtype=torch.bfloat16, enabled=(dev.type == "cuda")):
            nll = loss(xb)  # mean NLL of the batch, nats per image
        if not torch.isfinite(nll):
            raise FloatingPointError(f"the loss became {nll.item()} at step {step}; lower the learning rate")
        opt.zero_grad(set_to_none=True)
        nll.backward()
        if clip:
            norm = torch.nn.utils.clip_grad_norm_(model.parameters(), clip)
            stats.clipped += int(norm > clip)
        if lr_at is not None:
            for group in opt.param_groups:
                group["lr"] = lr_at(step)
        opt.step()
        stats.loss_sum += nll.item() * len(idx)
        stats.images += len(idx)
        stats.steps += 1
        if after_batch is not None and after_batch():
            break
    return stats


def fit(
    model,
    train,
    val=None,
    *,
    epochs: int | None = 20,
    minutes: float | None = None,
    batch_size: int = 128,
    lr: float = 1e-3,
    schedule: str = "constant",
    weight_decay: float = 0.0,
    clip: float | None = 1.0,
    patience: int = 5,
    seed: int = 0,
    device=None,
    checkpoint=None,
    resume: bool = False,
    progress: bool = True,
    ddp=None,
    transform=None,
) -> History:
    """Train `model` on the images `train` (N, C, H, W) by minimizing the NLL with Adam; keep the best epoch.

    val:       images for the validation NLL after every epoch: early stopping after `patience` epochs
               without a better one, and the best epoch's weights are the result
    epochs:    passes over the data (None: as many as `minutes` allows)
    minutes:   a wall-time budget, checked after every batch. When it ends inside an epoch, that partial
               epoch is validated and recorded like a full one (so it can become the best), then fit stops.
    schedule:  "constant" (lr throughout) or "cosine": after step t of T = epochs * batches per epoch,
               lr_t = lr * (1 + cos(pi t / T)) / 2, from lr down to ~0 at the last batch (per batch, smooth).
    clip:      max norm of the gradient (None: no clipping). The loss is an image's NLL summed over its 784
               pixels (hundreds of nats), so its gradient is large and at 1.0 clipping acts on nearly every
               step: on mnist5k, batch 128, lr 1e-3, FVSBN clipped 64 of 64 steps in 2 epochs (gradient norm
               14-48, median 21), NADE H=100 64 of 64 (median 39). Clipping every step rescales each gradient
               to norm 1, which Adam mostly undoes; FVSBN still reached 279.4 nats val after 3 epochs with
               clip=1.0 against 294.9 with None, so 1.0 stays the default. `History.clipped` counts them.
    checkpoint: a path written atomically after every epoch; with resume=True, training continues from it
               and ends with the same weights as an unbroken run. The seed, data, batch size, learning rate
               and schedule are stored in it, and resuming with different ones is a ValueError.
    ddp:       a genlib.distributed.Context: each rank trains on its shard, DDP averages the gradients
    transform: a function applied to every training batch before the loss (not to val), e.g.
               genlib.models.rnade.Dequantize(17): fresh uniform noise on grey levels every epoch
    """
    check_args(epochs, minutes, batch_size, lr, schedule, clip, patience, seed)
    _check_data(model, train if transform is None else transform(train), "training")  # what the model sees
    if val is not None:
        _check_data(model, val, "validation")
    dev = torch.device(device) if device is not None else model.device
    model.to(dev)
    opt = torch.optim.Adam(model.parameters(), lr=lr, weight_decay=weight_decay)
    rank, world = (ddp.rank, ddp.world) if ddp is not None else (0, 1)
    run = {
        "seed": seed,
        "batch_size": batch_size,
        "lr": lr,
        "schedule": schedule,
        "world": world,
        "data": _fingerprint(train, val),
    }
    if schedule == "cosine":
        run["epochs"] = epochs
    hist, best = History(), None
    if checkpoint is not None and resume and Path(checkpoint).exists():
        hist, best = _restore(checkpoint, model, opt, run)
        hist.stopped = ""  # a finished run resumed with more epochs (or minutes) goes on
    loss = distributed.wrap(model, ddp) if world > 1 else None
    steps_per_epoch = math.ceil((len(train) // world) / batch_size)
    lr_at = (lambda s: cosine(lr, s, epochs * steps_per_epoch)) if schedule == "cosine" else None
    x = train.to(dev) if train.device != dev and train.numel() * 4 < 2**31 else train
    clock = Clock(minutes, hist.seconds, world)
    bar = Progress(type(model).__name__, epochs, minutes, hist, enabled=progress and rank == 0)
    epoch = hist.epochs_run
    while not hist.stopped and (epochs is None or epoch < epochs):
        model.train()
        stats = train_epoch(
            model,
            x,
            opt,
            batch_size,
            order=epoch_order(len(x), seed, epoch, rank, world),
            clip=clip,
            lr_at=lr_at,
            first_step=hist.steps,
            loss=loss,
            after_batch=lambda: bar.tick(clock) or clock.out_of_time(),
            transform=transform,
        )
        best = _end_epoch(model, val, hist, best, stats, world)
        hist.seconds = clock.elapsed()
        hist.epoch_seconds.append(round(hist.seconds, 2))
        partial = (
            f" after {stats.steps} of {steps_per_epoch} batches of epoch {epoch + 1}"
            if stats.steps < steps_per_epoch
            else ""
        )
        hist.stopped = _why_stop(hist, val, patience, clock, epochs, partial)
        if checkpoint is not None and rank == 0:
            ckpt.save_payload(
                {
                    "model": model.state_dict(),
                    "optimizer": opt.state_dict(),
                    "history": asdict(hist),
                    "best_state": best,
                    "rng": torch.get_rng_state(),
                    "run": run,
                },
                checkpoint,
            )
        bar.epoch_done(hist)
        epoch += 1
    bar.close()
    if best is not None:
        model.load_state_dict(best)
    model.eval()
    return hist


# --- the layers around train_epoch ---------------------------------------------------------------------
def cosine(lr: float, step: int, total: int) -> float:
    """The cosine schedule: lr at step 0, ~0 at step total - 1 (Loshchilov & Hutter 2017, no restarts)."""
    return lr * 0.5 * (1 + math.cos(math.pi * min(step, total) / max(total, 1)))


def epoch_order(n: int, seed: int, epoch: int, rank: int = 0, world: int = 1) -> torch.Tensor:
    """The shuffled indices one rank visits in one epoch: a permutation fixed by (seed, epoch), cut to a
    multiple of world, every world-th index from `rank` (so every rank gets a shard of the same size)."""
    perm = torch.randperm(n, generator=torch.Generator().manual_seed(seed * 100_003 + epoch))
    return perm[: n - n % world][rank::world]


def _end_epoch(model, val, hist, best, stats, world):
    """Record the epoch's training NLL; validate, and keep a copy of the best weights so far."""
    loss_sum, images = distributed.all_sum(stats.loss_sum, stats.images)  # over all ranks (one: itself)
    hist.train_nll.append(loss_sum / max(images, 1))
    hist.steps += stats.steps
    hist.clipped += stats.clipped
    hist.epochs_run += 1
    if val is None:
        return best
    v = distributed.from_rank0(evaluate(model, val, selection=True))  # every rank takes rank 0's decisions
    hist.val_nll.append(v)
    if v < hist.best_val_nll - 1e-6:
        hist.best_val_nll, hist.best_epoch = v, hist.epochs_run - 1
        best = copy.deepcopy(model.state_dict())
    return best


def _why_stop(hist, val, patience, clock, epochs, partial) -> str:
    """Why training ends after this epoch ("" to go on)."""
    if val is not None and hist.epochs_run - 1 - hist.best_epoch >= patience:
        return f"early stop: no better val NLL for {patience} epochs"
    if clock.out_of_time():
        return f"time budget of {clock.minutes:g} min reached{partial}"
    if epochs is not None and hist.epochs_run >= epochs:
        return f"{hist.epochs_run} epochs"
    return ""


class Clock:
    """The time budget: seconds since the start (earlier runs of a resumed fit included)."""

    def __init__(self, minutes, seconds_before, world):
        self.minutes, self.t0, self.world = minutes, time.time() - seconds_before, world

    def elapsed(self) -> float:
        return time.time() - self.t0

    def out_of_time(self) -> bool:
        if self.minutes is None:
            return False
        late = self.elapsed() > 60 * self.minutes
        return bool(distributed.from_rank0(float(late))) if self.world > 1 else late  # all stop together


class Progress:
    """A tqdm bar over epochs; over the time budget (seconds, with time left) when only `minutes` is set."""

    def __init__(self, name, epochs, minutes, hist, enabled):
        self.by_time = epochs is None
        total = round(60 * minutes) if self.by_time else epochs
        fmt = "{desc}: {percentage:3.0f}%|{bar}| {n_fmt}/{total_fmt} s, {remaining} left{postfix}"
        initial = min(round(hist.seconds), total) if self.by_time else hist.epochs_run
        self.bar = tqdm(
            total=total,
            initial=initial,
            desc=name,
            disable=not enabled,
            bar_format=fmt if self.by_time else None,
        )
        self.minutes = minutes

    def tick(self, clock):
        if self.by_time:
            self.bar.update(min(round(clock.elapsed()), self.bar.total) - self.bar.n)

    def epoch_done(self, hist):
        left = (
            {}
            if self.minutes is None
            else {"left": f"{max(0, 60 * self.minutes - hist.seconds) / 60:.1f} min"}
        )
        val = {"val": f"{hist.val_nll[-1]:.2f}"} if hist.val_nll else {}
        self.bar.set_postfix(epoch=hist.epochs_run, train=f"{hist.train_nll[-1]:.2f}", **val, **left)
        if not self.by_time:
            self.bar.update(1)

    def close(self):
        self.bar.close()


def check_args(epochs, minutes, batch_size, lr, schedule, clip, patience, seed):
    """fit's settings, each checked with a message that names it (fit calls this before anything else)."""

    def number(x):
        return isinstance(x, (int, float)) and not isinstance(x, bool)

    if epochs is None and minutes is None:
        raise ValueError("give epochs, minutes or both: with neither, training would never end")
    if epochs is not None and not (isinstance(epochs, int) and not isinstance(epochs, bool) and epochs >= 1):
        raise ValueError(f"epochs must be a whole number >= 1; got {epochs!r}")
    if minutes is not None and not (number(minutes) and math.isfinite(minutes) and minutes > 0):
        raise ValueError(f"minutes must be a finite number > 0; got {minutes!r}")
    if not (isinstance(batch_size, int) and not isinstance(batch_size, bool) and batch_size >= 1):
        raise ValueError(f"batch_size must be a whole number >= 1; got {batch_size!r}")
    if not (number(lr) and math.isfinite(lr) and lr > 0):
        raise ValueError(f"the learning rate must be a finite number > 0 (1e-3 is a good start); got {lr!r}")
    if schedule not in SCHEDULES:
        raise ValueError(f"schedule must be one of {SCHEDULES}; got {schedule!r}")
    if schedule == "cosine" and epochs is None:
        raise ValueError(
            "the cosine schedule decays over `epochs`: give epochs (minutes alone is not enough)"
        )
    if clip is not None and not (number(clip) and math.isfinite(clip) and clip >= 0):
        raise ValueError(f"clip must be None (no clipping) or a gradient norm > 0; got {clip!r}")
    if not (isinstance(patience, int) and patience >= 1) or not (isinstance(seed, int) and seed >= 0):
        raise ValueError(f"patience must be >= 1 and seed >= 0, whole numbers; got {patience!r}, {seed!r}")


def _check_data(model, x, what):
    if not isinstance(x, torch.Tensor) or x.dim() != 4 or len(x) == 0:
        shape = tuple(x.shape) if isinstance(x, torch.Tensor) else type(x).__name__
        raise ValueError(f"the {what} data must be a non-empty batch of images (N, C, H, W); got {shape}")
    for i in range(0, len(x), 4096):  # every image, in blocks: pixel kind, range, shape
        model.check_data(x[i : i + 4096])


def _restore(path, model, opt, run):
    """Load a training state into model and optimizer; check that it is the same run. -> (history, best)."""
    state = ckpt.load_payload(path)  # a truncated or corrupted file is a ValueError
    try:
        model.load_state_dict(state["model"])
        opt.load_state_dict(state["optimizer"])
        hist = History(**state["history"])
    except (KeyError, TypeError, ValueError, RuntimeError) as e:
        raise ValueError(
            f"{path} is not a training state of this {type(model).__name__} "
            f"({type(e).__name__}: {str(e)[:200]}); delete it or train without resume"
        ) from None
    stored = state.get("run", {})  # absent in states written before genlib 0.2: nothing to compare
    for key, now in run.items():
        if key in stored and stored[key] != now:
            was, now = (stored[key][:12] + "...", now[:12] + "...") if key == "data" else (stored[key], now)
            raise ValueError(
                f"{path} was trained with {key} {was}; this run asks for {now}. Resume with the "
                f"same {key}, or start a new run without resume (another output file)"
            )
    torch.set_rng_state(state["rng"])
    return hist, state["best_state"]


@torch.no_grad()
def evaluate(model, x, batch_size: int = 500, selection: bool = False) -> float:
    """Mean negative log-likelihood of the images x, in nats per image.

    selection=True: the model's `selection_nll` instead, the number fit picks the best epoch by (the same
    as the NLL for every model but the order-agnostic NADE).
    """
    if len(x) == 0:
        raise ValueError("cannot evaluate on an empty set of images")
    was_training = model.training
    model.eval()
    dev = model.device
    total = 0.0
    with torch.no_grad():
        for i in range(0, len(x), batch_size):
            xb = x[i : i + batch_size].to(dev)
            nll = model.selection_nll(xb) if selection else -model.log_prob(xb)
            total += nll.double().sum().item()
    model.train(was_training)
    return total / len(x)


def bits_per_dim(nll_nats: float, dim: int) -> float:
    """nats per image -> bits per dimension: nll / (D ln 2)."""
    return nll_nats / (dim * math.log(2))


# --- a cache of finished fits, for the chapters ---------------------------------------------------------
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
    desc = json.dumps(
        {
            "model": type(model).__name__,
            "config": model.config,
            "fit": kw,
            "quick": quick_mode(),
            "src": hashlib.sha256(src.encode()).hexdigest(),
            "data": _fingerprint(train, val),
        },
        sort_keys=True,
        default=str,
    )
    return hashlib.sha256(desc.encode()).hexdigest()[:16]


def fit_or_load(model, train, val=None, *, name: str | None = None, verbose: bool = True, **fit_kwargs):
    """Fit `model`, or load the result of an identical earlier fit from the cache.

    Re-running a chapter then takes seconds. Returns (model, history), the model in eval mode.
    The cache lives in $GENLIB_CACHE/models (default ~/.cache/genlib/models).
    """
    key = cache_key(model, train, val, fit_kwargs)
    path = cache_dir() / "models" / f"{name or type(model).__name__}-{key}.pt"
    remove_orphans(path, older_than=3600)  # temporary files of a killed write, an hour old
    dev = fit_kwargs.get("device") or model.device
    if path.exists():
        try:
            payload = ckpt.load_payload(path)
            model.load_state_dict(payload["state_dict"])
            hist = History(**payload["extra"]["history"])
            if verbose:
                print(
                    f"loaded {type(model).__name__} from the cache ({hist.epochs_run} epochs, "
                    f"best val NLL {hist.best_val_nll:.2f} nats)"
                )
            return model.to(dev).eval(), hist
        except (ValueError, KeyError, TypeError) as e:
            if verbose:
                print(f"ignoring a damaged cache entry {path.name}: {e}")
    hist = fit(model, train, val, **fit_kwargs)
    ckpt.save(model, path, history=asdict(hist))
    return model.eval(), hist
