"""NADE speed: the kernels of genlib/models/nade_kernel.py vs a per-pixel Python loop vs the naive formula.

    python benchmarks/nade_variants.py           # Markdown table, D = 784, H = 500, batch 256, 1 thread
    python benchmarks/nade_variants.py --quick   # tiny sizes, seconds

Training throughput = images per second through forward + backward + an Adam step, measured in
rounds that run every implementation once each (so a busy machine slows them all alike), after a
warm-up; the median over the rounds is reported, and `vs loop` divides by the loop's median.
Sampling throughput = images per second of `model.sample` (the O(HD) recurrence, same batch).
Peak memory = growth of the peak resident set size (VmHWM in /proc/self/status, Linux) of a fresh
process during one training step, after the model, the optimizer and the data exist; glibc's mmap
threshold is fixed at 64 KiB there so that freed tensors leave the resident set (else the same
step reads anywhere from 0.4 to 2.2 GiB for the loop, depending on how the heap was reused).
"""

from __future__ import annotations

import argparse
import functools
import json
import os
import resource
import statistics
import subprocess
import sys
from pathlib import Path

import torch

from genlib.models import NADE, nade_kernel
from genlib.models.nade import log_prob_from_logits, loop_logits, naive_logits

sys.path.insert(0, str(Path(__file__).resolve().parent))  # benchmarks/, however this file is loaded
import timing  # noqa: E402  (benchmarks/timing.py)


def blocks_kernel(model, x):
    """SharedWeightLogits, the general kernel (what the order-agnostic NADE uses): c as a (D, H) tensor."""
    steps = model.steps()
    c = model.step_bias(steps).contiguous()
    x_o = x.flatten(1)[:, steps]
    return nade_kernel.shared_weight_logits(x_o, model.W[steps], c, model.V[steps], model.b[steps])


def blocks_autograd(model, x, block=4):
    """The same blocks with autograd's backward pass, which keeps every block's h: O(B D H) memory."""
    steps = model.steps()
    x_o, W, V = x.flatten(1)[:, steps], model.W[steps], model.V[steps]
    c, D = model.step_bias(steps), len(steps)
    S, out = x_o.new_zeros(len(x_o), model.hidden), []
    for s in range(0, D, block):
        e = min(s + block, D)
        a, _ = nade_kernel.block_activations(x_o[:, s:e], S, W[s:e], c[s:e])
        out.append(torch.linalg.vecdot(torch.sigmoid(a), V[s:e, None, :]))  # (k, B)
        S = torch.addmm(S, x_o[:, s:e], W[s:e])
    return torch.cat(out).t() + model.b[steps]


VARIANTS = {
    "runs kernel (NADE.forward, O(HD))": lambda m, x: m(x).flatten(1)[:, m.steps()],
    "blocks kernel (general, O(HD))": blocks_kernel,
    "blocks, autograd keeps h (O(HD))": blocks_autograd,
    "per-pixel Python loop (O(HD))": loop_logits,
    "naive per-conditional (O(HD^2))": naive_logits,
}
LOOP = "per-pixel Python loop (O(HD))"
SAMPLE = "model.sample (one sampler for all)"


def sizes(quick):
    """(side, hidden, batch): the chapter's model on 28 x 28 digits, or a tiny one."""
    return (10, 50, 64) if quick else (28, 500, 256)


def setup(device, quick):
    side, H, B = sizes(quick)
    torch.manual_seed(0)
    model = NADE((1, side, side), hidden=H).to(device)
    x = torch.bernoulli(torch.full((B, 1, side, side), 0.13, device=device))  # about as many ones as MNIST
    return model, torch.optim.Adam(model.parameters(), lr=1e-4), x


def train_step(model, opt, x, logits_fn):
    loss = -log_prob_from_logits(logits_fn(model, x), x.flatten(1)[:, model.steps()]).mean()
    opt.zero_grad(set_to_none=True)
    loss.backward()
    opt.step()


def peak_memory_mib(name, device, quick) -> float | None:
    """Growth of the peak RSS during one training step, in a fresh process (CPU only; None elsewhere)."""
    if device.type != "cpu":
        return None
    cmd = [sys.executable, str(Path(__file__).resolve()), "--memory-of", name]
    cmd += ["--quick"] if quick else []
    env = {**os.environ, "MALLOC_MMAP_THRESHOLD_": "65536"}  # big blocks go back to the system when freed
    out = subprocess.run(cmd, capture_output=True, text=True, check=True, env=env).stdout
    return json.loads(out.strip().splitlines()[-1])["peak_mib"]


def _peak_rss_kib() -> int:
    """The peak resident set size of this process, in KiB.

    VmHWM belongs to the process image, so a child does not inherit its parent's peak
    (ru_maxrss does, across fork and exec, on Linux); ru_maxrss where /proc is missing."""
    status = Path("/proc/self/status")
    if status.exists():
        for line in status.read_text().splitlines():
            if line.startswith("VmHWM:"):
                return int(line.split()[1])
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss


def _peak_memory_child(name, quick):
    torch.set_num_threads(1)
    model, opt, x = setup(torch.device("cpu"), quick)
    before = _peak_rss_kib()
    train_step(model, opt, x, VARIANTS[name])
    print(json.dumps({"peak_mib": round((_peak_rss_kib() - before) / 1024, 1)}))


def run(device="cpu", quick=False, rounds=None, memory=True) -> list[dict]:
    """One row per implementation: training images/s (median of interleaved rounds), ratio vs the loop."""
    device = torch.device(device)
    side, H, B = sizes(quick)
    model, opt, x = setup(device, quick)
    rounds = rounds or (3 if quick else 5)
    for fn in VARIANTS.values():  # warm-up
        train_step(model, opt, x, fn)

    def sample():
        with torch.no_grad():
            model.sample(B)

    fns = {name: functools.partial(train_step, model, opt, x, fn) for name, fn in VARIANTS.items()}
    fns[SAMPLE] = sample
    # the naive formula does 392x the arithmetic: two rounds are enough
    naive = {name: 2 for name in VARIANTS if "naive" in name and not quick}
    times = timing.interleaved(fns, rounds, device, max_rounds=naive)
    sample_times = times.pop(SAMPLE)
    loop = B / statistics.median(times[LOOP])
    rows = []
    for name in VARIANTS:
        rate = B / statistics.median(times[name])
        rows.append(
            {
                "implementation": name,
                "device": device.type,
                "D": side * side,
                "H": H,
                "batch": B,
                "threads": torch.get_num_threads(),
                "rounds": len(times[name]),
                "train_images_per_s": round(rate, 1),
                "speed_vs_loop": round(rate / loop, 2),
                "train_seconds": [round(t, 3) for t in times[name]],
                "peak_train_mib": peak_memory_mib(name, device, quick) if memory else None,
            }
        )
    rows[0]["sample_images_per_s"] = round(B / statistics.median(sample_times), 1)  # one sampler for all
    return rows


def markdown(rows) -> str:
    lines = [
        "| implementation | device | D | H | batch | train images/s | vs loop | peak MiB (train step) "
        "| sample images/s |",
        "|---|---|---|---|---|---|---|---|---|",
    ]
    for r in rows:
        sample = f"{r['sample_images_per_s']:.0f}" if "sample_images_per_s" in r else ""
        peak = "" if r.get("peak_train_mib") is None else f"{r['peak_train_mib']:.0f}"  # None: not measured
        lines.append(
            f"| {r['implementation']} | {r['device']} | {r['D']} | {r['H']} | {r['batch']} | "
            f"{r['train_images_per_s']:.0f} | {r['speed_vs_loop']:.2f}x | {peak} | {sample} |"
        )
    return "\n".join(lines)


if __name__ == "__main__":
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--quick", action="store_true")
    p.add_argument("--threads", type=int, default=1, help="torch CPU threads (default 1: per-core numbers)")
    p.add_argument("--rounds", type=int, help="interleaved timing rounds (default 5, quick 3)")
    p.add_argument("--memory-of", help=argparse.SUPPRESS)  # internal: peak memory of one variant (JSON)
    args = p.parse_args()
    if args.memory_of:
        _peak_memory_child(args.memory_of, args.quick)
        sys.exit(0)
    torch.set_num_threads(args.threads)
    rows = run("cpu", args.quick, args.rounds)
    if torch.cuda.is_available():
        rows += run("cuda", args.quick, args.rounds)
    print(f"torch {torch.__version__}, {torch.get_num_threads()} CPU threads, {rows[0]['rounds']} rounds\n")
    print(markdown(rows))
