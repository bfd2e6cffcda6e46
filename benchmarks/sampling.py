"""PixelRNN sampling: the incremental sampler vs one full forward pass per pixel (chapter 06).

    python benchmarks/sampling.py            # 8 binary images 28x28, default model sizes, 1 CPU thread
    python benchmarks/sampling.py --quick    # 8x8 images, seconds

For each model, `model.sample(8)` twice: with its own `conditional` (features and states of the pixels
drawn so far kept, genlib/models/pixel.py) and with the base class's (the whole model once per pixel).
The two are timed alternately, `repeats` times each, in this one process, so a busy machine slows both
alike; the table gives the best time of each and their ratio. `make bench` runs this (benchmarks/run.py).
"""

from __future__ import annotations

import argparse
import sys
import types
from pathlib import Path

import torch

from genlib.models import AutoregressiveModel, DiagonalBiLSTM, GatedPixelCNN, PixelCNN, RowLSTM

sys.path.insert(0, str(Path(__file__).resolve().parent))  # benchmarks/, however this file is loaded
import timing  # noqa: E402  (benchmarks/timing.py)

MODELS = [RowLSTM, DiagonalBiLSTM, PixelCNN, GatedPixelCNN]
N_IMAGES = 8


def _draw(model):
    """A call that samples N_IMAGES from the same seed every time, so both samplers draw the same images."""

    def draw():
        torch.manual_seed(1)
        model.sample(N_IMAGES)

    return draw


def run(device="cpu", quick=False, repeats=None) -> list[dict]:
    """One row per model: best seconds of the cached and of the full-pass sampler, and the ratio."""
    device = torch.device(device)
    side = 8 if quick else 28
    repeats = repeats or (1 if quick else 2)
    rows = []
    for cls in MODELS:
        torch.manual_seed(0)
        cached = cls((1, side, side)).to(device).eval()  # default sizes
        full = cls((1, side, side)).to(device).eval()
        full.load_state_dict(cached.state_dict())
        full.conditional = types.MethodType(AutoregressiveModel.conditional, full)  # one full pass per step
        cached.sample(1)  # warm-up
        times = timing.interleaved({"cached": _draw(cached), "full": _draw(full)}, repeats, device)
        best = {k: min(v) for k, v in times.items()}
        rows.append(
            {
                "model": cls.__name__,
                "device": device.type,
                "shape": [1, side, side],
                "images": N_IMAGES,
                "threads": torch.get_num_threads(),
                "repeats": repeats,
                "cached_s": round(best["cached"], 3),
                "full_pass_s": round(best["full"], 3),
                "cached_images_per_s": round(N_IMAGES / best["cached"], 2),
                "full_pass_images_per_s": round(N_IMAGES / best["full"], 3),
                "speedup": round(best["full"] / best["cached"], 1),
            }
        )
    return rows


def markdown(rows) -> str:
    lines = [
        "| model | device | images | cached (s) | one full pass per pixel (s) | speed-up | cached images/s |",
        "|---|---|---|---:|---:|---:|---:|",
    ]
    for r in rows:
        side = "x".join(map(str, r["shape"][1:]))
        lines.append(
            f"| {r['model']} | {r['device']} | {r['images']} x {side} | {r['cached_s']:.2f} | "
            f"{r['full_pass_s']:.2f} | {r['speedup']:.0f}x | {r['cached_images_per_s']:.1f} |"
        )
    return "\n".join(lines)


if __name__ == "__main__":
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--quick", action="store_true")
    p.add_argument("--repeats", type=int, help="timings of each sampler (default 2, quick 1)")
    p.add_argument("--threads", type=int, default=1, help="CPU threads (default 1)")
    args = p.parse_args()
    torch.set_num_threads(args.threads)
    rows = run("cpu", args.quick, args.repeats)
    if torch.cuda.is_available():
        rows += run("cuda", args.quick, args.repeats)
    print(f"torch {torch.__version__}, {torch.get_num_threads()} CPU threads\n")
    print(markdown(rows))
