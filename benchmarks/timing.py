"""The stopwatch the benchmarks share: `seconds` times one call, `interleaved` times several in turns.

    times = timing.interleaved({"cached": lambda: a.sample(8), "full": lambda: b.sample(8)}, rounds=3)
    best = {name: min(t) for name, t in times.items()}     # or statistics.median(t)

Timing each contender in its own block would let a machine that gets busier halfway through (other jobs,
thermal throttling) favour whichever ran first. Rounds that call every contender once, in turn, spread such
a slowdown over all of them, so their ratio stays fair even when the absolute times move.
"""

from __future__ import annotations

import time

import torch


def seconds(fn, device=None) -> float:
    """Wall-clock seconds of one call `fn()`. On a GPU, kernels run asynchronously: the queue is emptied
    before the clock starts and again before it stops, so the time covers the work `fn` asked for."""
    cuda = device is not None and torch.device(device).type == "cuda"
    if cuda:
        torch.cuda.synchronize(device)
    t = time.perf_counter()
    fn()
    if cuda:
        torch.cuda.synchronize(device)
    return time.perf_counter() - t


def interleaved(fns: dict, rounds: int, device=None, max_rounds: dict | None = None) -> dict[str, list]:
    """{name: [seconds of each round]} for `fns` = {name: fn}: each round calls every fn once, in order.

    max_rounds = {name: n} times that fn in the first n rounds only (for one much slower than the others).
    """
    if not isinstance(rounds, int) or rounds < 1:
        raise ValueError(f"rounds must be a whole number >= 1; got {rounds!r}")
    max_rounds = max_rounds or {}
    if set(max_rounds) - set(fns):
        raise ValueError(f"max_rounds names {sorted(set(max_rounds) - set(fns))}, not among {list(fns)}")
    times = {name: [] for name in fns}
    for r in range(rounds):
        for name, fn in fns.items():
            if r < max_rounds.get(name, rounds):
                times[name].append(seconds(fn, device))
    return times
