"""NADE speed: the fused vectorized kernel vs the naive formula vs a per-pixel Python loop (chapter 05).

    python benchmarks/nade_variants.py           # Markdown table, D = 784, H = 500, batch 256
    python benchmarks/nade_variants.py --quick   # tiny sizes, seconds

Training throughput = images per second through forward + backward + an Adam step.
Sampling throughput = images per second of `model.sample` (the O(HD) recurrence, batch 256).
"""
from __future__ import annotations

import argparse
import time

import torch
import torch.nn.functional as F

from genlib.models import NADE
from genlib.models.nade import log_prob_from_logits, loop_logits, naive_logits


def _sync(device):
    if device.type == "cuda":
        torch.cuda.synchronize()


def _train_step(model, opt, x, logits_fn):
    steps = model.steps()
    loss = -log_prob_from_logits(logits_fn(model, x), x.flatten(1)[:, steps]).mean()
    opt.zero_grad(set_to_none=True)
    loss.backward()
    opt.step()


def _rate(fn, n_images, device, repeats):
    fn()  # warm-up
    _sync(device)
    t = time.perf_counter()
    for _ in range(repeats):
        fn()
    _sync(device)
    return n_images * repeats / (time.perf_counter() - t)


def run(device="cpu", quick=False) -> list[dict]:
    """One row per implementation: images/s for a training step and for sampling."""
    device = torch.device(device)
    side, H, B = (10, 50, 64) if quick else (28, 500, 256)
    torch.manual_seed(0)
    model = NADE((1, side, side), hidden=H).to(device)
    x = torch.bernoulli(torch.full((B, 1, side, side), 0.13, device=device))
    variants = {
        "vectorized (fused kernel, O(HD))": lambda m, xb: m(xb).flatten(1)[:, m.steps()],
        "per-pixel Python loop (O(HD))": loop_logits,
        "naive per-conditional (O(HD^2))": naive_logits,
    }
    rows = []
    for name, fn in variants.items():
        opt = torch.optim.Adam(model.parameters(), lr=1e-4)
        repeats = 1 if (quick or "naive" in name) else 2
        train_rate = _rate(lambda: _train_step(model, opt, x, fn), B, device, repeats)
        rows.append({"implementation": name, "device": device.type, "D": side * side, "H": H, "batch": B,
                     "train_images_per_s": round(train_rate, 1)})
    with torch.no_grad():
        sample_rate = _rate(lambda: model.sample(B), B, device, 1)
    rows[0]["sample_images_per_s"] = round(sample_rate, 1)  # sampling is the recurrence in every variant
    loop = rows[1]["train_images_per_s"]
    for r in rows:
        r["speed_vs_loop"] = round(r["train_images_per_s"] / loop, 2)
    return rows


def markdown(rows) -> str:
    lines = ["| implementation | device | D | H | batch | train images/s | vs loop | sample images/s |",
             "|---|---|---|---|---|---|---|---|"]
    for r in rows:
        sample = f"{r['sample_images_per_s']:.0f}" if "sample_images_per_s" in r else ""
        lines.append(f"| {r['implementation']} | {r['device']} | {r['D']} | {r['H']} | {r['batch']} | "
                     f"{r['train_images_per_s']:.0f} | {r['speed_vs_loop']:.2f}x | {sample} |")
    return "\n".join(lines)


if __name__ == "__main__":
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--quick", action="store_true")
    args = p.parse_args()
    rows = run("cpu", args.quick)
    if torch.cuda.is_available():
        rows += run("cuda", args.quick)
    print(f"torch {torch.__version__}, {torch.get_num_threads()} CPU threads\n")
    print(markdown(rows))
