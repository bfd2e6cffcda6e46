"""`make bench`: speed, memory and test NLL of every model in genlib.models.REGISTRY.

    python benchmarks/run.py                       # every model, CPU (1 thread) + CUDA if any; updates README
    python benchmarks/run.py --quick --out /tmp/b  # smoke run: tiny data and budgets, seconds a model
    python benchmarks/run.py --models nade,fvsbn   # a few models

For each model (binary models on mnist5k 28x28; models with a `levels` argument also with
levels=256 on the 8-bit grey digits; real-valued models on dequantized digits8), on each device:

    train images/s   forward + backward + Adam step, batch 128, after a warm-up step
    sample 64 (s)    wall time of model.sample(64); a sampler slower than --sample-cap seconds is
                     stopped and its time estimated as (one forward pass) x (pixels x channels), marked "~"
    peak memory      CUDA: torch.cuda.max_memory_allocated; CPU: growth of the process's peak RSS
                     (resource.getrusage) while building and training the model
    test NLL         nats per image (and bits per dimension) after --seconds of training (the steps of
                     genlib.train.fit: Adam, lr 1e-3, batch 128, gradient clipping; the clock is checked
                     after every step, so slow models get the same budget): the same for every model
Each configuration runs in its own process, so peak memory is its own and one failing model does not stop the
others (its row says what went wrong). Writes benchmarks/results.json and benchmarks/results.md (with the
machine: CPU model, cores, torch version, GPU) and, for a full run into benchmarks/, the table between
<!-- bench:start --> and <!-- bench:end --> in README.md. The NADE implementation comparison of
benchmarks/nade_variants.py and the PixelRNN sampling comparison of benchmarks/sampling.py (incremental
sampler vs one full forward pass per pixel) are included when they exist.
"""

from __future__ import annotations

import argparse
import datetime
import importlib.util
import inspect
import json
import os
import platform
import resource
import signal
import subprocess
import sys
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
README = ROOT / "README.md"
START, END = "<!-- bench:start -->", "<!-- bench:end -->"
BATCH, N_SAMPLES = 128, 64


# --- what to measure ------------------------------------------------------------------------------
def configs(names=None) -> list[dict]:
    """One configuration per model (and per levels=256 variant), in REGISTRY order."""
    from genlib import models

    wanted = None if not names else [models.get(n) for n in names]
    out = []
    for name, cls in models.REGISTRY.items():
        if wanted is not None and cls not in wanted:
            continue
        params = inspect.signature(cls.__init__).parameters
        data_name = {"binary": "mnist5k", "8bit": "mnist5k_grey", "real": "digits8"}[cls.pixel_kind]
        out.append({"model": name, "kwargs": {}, "data": data_name})
        if "levels" in params:
            out.append({"model": name, "kwargs": {"levels": 256}, "data": "mnist5k_grey"})
    return out


def load_split(name, split, quick):
    from genlib import data

    x = data.load(name, split)
    if name == "digits8":  # grey levels 0..16 -> reals in (0, 1) for real-valued densities
        from genlib.models.rnade import dequantize

        x = dequantize(x, levels=17, seed={"train": 0, "val": 1, "test": 2}[split])
    return x[: {"train": 512, "val": 128, "test": 128}[split]] if quick else x


def _sync(dev):
    import torch

    if dev.type == "cuda":
        torch.cuda.synchronize(dev)


def _peak_rss_mib() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024  # Linux: KiB


class _Timeout(Exception):
    pass


def measure(cfg: dict, quick: bool, seconds: float, sample_cap: float) -> dict:
    """Run one configuration in this process and return its row."""
    import torch

    if cfg.get("threads"):
        torch.set_num_threads(cfg["threads"])

    import genlib
    from genlib import models, train

    dev = torch.device(cfg["device"])
    x_train, x_test = (load_split(cfg["data"], s, quick) for s in ("train", "test"))
    cls = models.get(cfg["model"])
    shape = tuple(x_train.shape[1:])
    if dev.type == "cuda":
        torch.cuda.reset_peak_memory_stats(dev)
    rss0 = _peak_rss_mib()

    # 1. training throughput: full training steps on one batch, after a warm-up step
    genlib.seed_everything(0)
    model = cls(shape, **cfg["kwargs"]).to(dev)
    row = {
        **cfg,
        "threads": torch.get_num_threads(),
        "class": cls.__name__,
        "pixel_kind": model.pixel_kind,
        "shape": list(shape),
        "params": getattr(model, "num_free_parameters", sum(p.numel() for p in model.parameters())),
    }
    opt = torch.optim.Adam(model.parameters(), lr=1e-3)
    autocast = torch.autocast(
        "cuda", dtype=torch.bfloat16, enabled=(dev.type == "cuda")
    )  # as genlib.train.fit

    def step(xb):
        with autocast:
            loss = model.nll(xb)
        opt.zero_grad(set_to_none=True)
        loss.backward()
        torch.nn.utils.clip_grad_norm_(model.parameters(), 1.0)
        opt.step()

    xb = x_train[:BATCH].to(dev)
    step(xb)
    _sync(dev)
    t0, steps = time.perf_counter(), 0
    while steps < 2 or time.perf_counter() - t0 < (0.3 if quick else 3.0):
        step(xb)
        steps += 1
    _sync(dev)
    row["train_images_per_s"] = round(steps * len(xb) / (time.perf_counter() - t0), 1)

    # 2. test NLL after a fixed wall-clock budget of training: shuffled batches, checked every step
    genlib.seed_everything(0)
    model = cls(shape, **cfg["kwargs"]).to(dev)
    opt = torch.optim.Adam(model.parameters(), lr=1e-3)
    g, seen, t0 = torch.Generator().manual_seed(0), 0, time.perf_counter()
    while time.perf_counter() - t0 < seconds:
        for idx in torch.randperm(len(x_train), generator=g).split(BATCH):
            step(x_train[idx].to(dev))
            seen += len(idx)
            if time.perf_counter() - t0 >= seconds:
                break
    _sync(dev)
    nll = train.evaluate(model, x_test)
    row.update(
        test_nll_nats=round(nll, 3),
        bits_per_dim=round(train.bits_per_dim(nll, model.dim), 4),
        epochs=round(seen / len(x_train), 2),
        train_seconds=round(time.perf_counter() - t0, 1),
    )

    # 3. sampling 64 images (stopped after sample_cap seconds and estimated)
    genlib.seed_everything(0)
    model.eval()
    with torch.no_grad():
        xs = x_train[:N_SAMPLES].to(dev)
        model(xs) if model.pixel_kind != "real" else model.log_prob(xs)  # warm-up
        _sync(dev)
        t = time.perf_counter()
        model(xs) if model.pixel_kind != "real" else model.log_prob(xs)
        _sync(dev)
        one_pass = time.perf_counter() - t

        def alarm(*_):
            raise _Timeout

        old = signal.signal(signal.SIGALRM, alarm)
        signal.setitimer(signal.ITIMER_REAL, sample_cap)
        try:
            t = time.perf_counter()
            s = model.sample(N_SAMPLES)
            _sync(dev)
            row["sample_64_s"], row["sample_estimated"] = round(time.perf_counter() - t, 3), False
            assert s.shape == (N_SAMPLES, *shape)
        except _Timeout:
            row["sample_64_s"] = round(one_pass * model.dim, 1)  # one pass per pixel and channel
            row["sample_estimated"] = True
        finally:
            signal.setitimer(signal.ITIMER_REAL, 0)
            signal.signal(signal.SIGALRM, old)

    row["load_average"] = round(os.getloadavg()[0], 2)  # how busy the machine was (other jobs slow us down)
    if dev.type == "cuda":
        row["peak_memory_mib"] = round(torch.cuda.max_memory_allocated(dev) / 2**20, 1)
    else:
        row["peak_memory_mib"] = round(max(_peak_rss_mib() - rss0, 0.0), 1)
    return row


def run_in_child(cfg, quick, seconds, sample_cap) -> dict:
    """measure() in a fresh process: its own peak memory, and a crash or hang costs one row only."""
    cmd = [
        sys.executable,
        str(Path(__file__).resolve()),
        "--one",
        json.dumps(cfg),
        "--seconds",
        str(seconds),
        "--sample-cap",
        str(sample_cap),
    ] + (["--quick"] if quick else [])
    limit = 300 + 2 * seconds + 2 * sample_cap  # slow start-up, test-set evaluation of the slowest models
    try:
        r = subprocess.run(cmd, capture_output=True, text=True, timeout=limit)
    except subprocess.TimeoutExpired:
        return {**cfg, "error": f"no result within {limit:.0f} s"}
    lines = [line for line in r.stdout.splitlines() if line.startswith("{")]
    if r.returncode != 0 or not lines:
        return {**cfg, "error": (r.stderr.strip().splitlines() or ["exit code %d" % r.returncode])[-1][:300]}
    return json.loads(lines[-1])


# --- where it ran, and the tables -----------------------------------------------------------------
def machine() -> dict:
    import torch

    cpu = platform.processor() or platform.machine()
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    info = {
        "cpu": cpu,
        "cores": os.cpu_count(),
        "torch_threads": torch.get_num_threads(),
        "torch": torch.__version__,
        "python": platform.python_version(),
        "os": platform.platform(),
        "gpu": torch.cuda.get_device_name(0) if torch.cuda.is_available() else None,
        "date": datetime.datetime.now(datetime.timezone.utc).strftime("%Y-%m-%d %H:%M UTC"),
    }
    try:
        info["load_average"] = [round(v, 2) for v in os.getloadavg()]
    except OSError:
        pass
    return info


def _name(row) -> str:
    kw = ", ".join(f"{k}={v}" for k, v in row.get("kwargs", {}).items())
    return f"{row.get('class', row['model'])}" + (f" ({kw})" if kw else "")


def _load_note(m, rows) -> str:
    loads = [r["load_average"] for r in rows if "load_average" in r] + m.get("load_average", [])[:1]
    if not loads:
        return ""
    return (
        f"; 1-minute load average {min(loads):.1f}–{max(loads):.1f} while it ran (on {m['cores']} cores: "
        f"other jobs shared the CPU, so the times are slower than on an idle machine)"
        if max(loads) > m["cores"]
        else f"; load average {max(loads):.1f}"
    )


def markdown(results: dict) -> str:
    m, s = results["machine"], results["settings"]
    gpu = f", GPU {m['gpu']}" if m.get("gpu") else ", no GPU"
    threads = f"{m['torch_threads']} torch thread" + ("s" if m["torch_threads"] != 1 else "")
    lines = [
        f"Measured {m['date']} on {m['cpu']} ({m['cores']} cores, {threads}{gpu}), "
        f"torch {m['torch']}, Python {m['python']}"
        + (" — QUICK smoke run, not a measurement" if s["quick"] else "")
        + _load_note(m, results["models"])
        + ".",
        f"Test NLL on the test split after {s['seconds']:g} s of training (batch {BATCH}, Adam lr 1e-3; "
        f"'epochs' = how far that budget got); `~` marks a sampling time estimated from one forward pass "
        f"per pixel because sampling took longer than {s['sample_cap']:g} s.",
        "",
        "| model | data | device | free parameters | train images/s | sample 64 (s) | peak memory (MiB) "
        "| test NLL (nats) | bits/dim | epochs |",
        "|---|---|---|---:|---:|---:|---:|---:|---:|---:|",
    ]
    for r in results["models"]:
        if "error" in r:
            lines.append(f"| {_name(r)} | {r['data']} | {r['device']} | failed: {r['error']} | | | | | | |")
            continue
        sample = ("~" if r["sample_estimated"] else "") + f"{r['sample_64_s']:g}"
        lines.append(
            f"| {_name(r)} | {r['data']} | {r['device']} | {r['params']:,} | {r['train_images_per_s']:,.0f} "
            f"| {sample} | {r['peak_memory_mib']:,.0f} | {r['test_nll_nats']:.2f} | {r['bits_per_dim']:.3f} "
            f"| {r['epochs']:g} |"
        )
    if any(r.get("pixel_kind") == "real" for r in results["models"]):
        lines += [
            "",
            "Real-valued models (RNADE) give a density on dequantized values in (0, 1), so their NLL can be "
            "negative and is not comparable with the discrete models' NLL.",
        ]
    if results.get("nade_variants"):
        lines += [
            "",
            "NADE: one fused vectorized pass vs a per-pixel loop vs the naive O(HD²) formula "
            "(`benchmarks/nade_variants.py`):",
            "",
            _module("nade_variants").markdown(results["nade_variants"]),
        ]
    if results.get("sampling"):
        lines += [
            "",
            "PixelRNN sampling: the incremental sampler (features and states of the pixels drawn "
            "so far kept) vs one full forward pass per pixel, timed alternately in one process, best of "
            f"{results['sampling'][0]['repeats']} (`benchmarks/sampling.py`):",
            "",
            _module("sampling").markdown(results["sampling"]),
        ]
    return "\n".join(lines) + "\n"


def update_readme(table: str, readme: Path = README, start: str = START, end: str = END) -> bool:
    """Replace the block between two markers in README.md (the bench ones by default); False if missing."""
    text = readme.read_text()
    if start not in text or end not in text:
        print(f"README.md has no {start} ... {end} block; the table is in the benchmarks/ folder only")
        return False
    head, rest = text.split(start, 1)
    _, tail = rest.split(end, 1)
    readme.write_text(f"{head}{start}\n{table}{end}{tail}")
    return True


def _module(name):
    """benchmarks/<name>.py as a module, or None when the file does not exist."""
    path = HERE / f"{name}.py"
    if not path.exists():
        return None
    spec = importlib.util.spec_from_file_location(name, path)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def comparison(name, devices, quick):
    """The rows of benchmarks/<name>.py's run() on each device ([] when the file is missing)."""
    module = _module(name)
    if module is None:
        return []
    rows = []
    for dev in devices:
        try:
            rows += module.run(dev, quick)
        except Exception as e:  # a comparison in progress must not lose the main table
            print(f"{name} on {dev} failed: {type(e).__name__}: {e}", file=sys.stderr)
    return rows


def nade_variants(devices, quick):
    return comparison("nade_variants", devices, quick)


def main(argv=None) -> int:
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--quick", action="store_true", help="tiny data and budgets: a smoke run")
    p.add_argument("--models", help="comma-separated model names (default: every registered model)")
    p.add_argument("--devices", help="comma-separated, e.g. cpu,cuda (default: cpu, and cuda when present)")
    p.add_argument("--seconds", type=float, help="training budget per model (default 30, quick 1)")
    p.add_argument(
        "--sample-cap", type=float, help="longest sampling run before estimating (default 20, quick 5)"
    )
    p.add_argument(
        "--threads",
        type=int,
        default=1,
        help="CPU threads per model (default 1: per-core numbers, steady even on a shared machine, "
        "where several threads spend their time waiting on each other; 0 = torch's choice)",
    )
    p.add_argument("--out", default=str(HERE), help="folder for results.json and results.md")
    p.add_argument("--no-readme", action="store_true", help="do not update the table in README.md")
    p.add_argument(
        "--render", metavar="RESULTS_JSON", help="only rewrite results.md (and README) from a results.json"
    )
    p.add_argument("--one", help=argparse.SUPPRESS)  # internal: measure one configuration (JSON)
    args = p.parse_args(argv)
    seconds = args.seconds if args.seconds is not None else (1.0 if args.quick else 30.0)
    cap = args.sample_cap if args.sample_cap is not None else (5.0 if args.quick else 20.0)
    if args.one:
        print(json.dumps(measure(json.loads(args.one), args.quick, seconds, cap)))
        return 0
    if args.render:
        results = json.loads(Path(args.render).read_text())
        table = markdown(results)
        (Path(args.render).parent / "results.md").write_text(table)
        if (
            not results["settings"]["quick"]
            and not args.no_readme
            and Path(args.render).resolve().parent == HERE
        ):
            update_readme(table)
        print(table)
        return 0

    import torch

    devices = (
        args.devices.split(",") if args.devices else ["cpu"] + (["cuda"] if torch.cuda.is_available() else [])
    )
    names = [n.strip() for n in args.models.split(",")] if args.models else None
    if args.threads:
        torch.set_num_threads(args.threads)  # this process runs the NADE variants
    todo = [
        {**c, "device": d, **({"threads": args.threads} if args.threads else {})}
        for d in devices
        for c in configs(names)
    ]
    results = {
        "machine": machine(),
        "settings": {
            "quick": args.quick,
            "seconds": seconds,
            "sample_cap": cap,
            "threads": torch.get_num_threads(),
            "batch": BATCH,
            "devices": devices,
        },
        "models": [],
        "nade_variants": [],
        "sampling": [],
    }
    t0 = time.time()
    for i, cfg in enumerate(todo, 1):
        print(
            f"[{i}/{len(todo)}] {cfg['model']} {cfg['kwargs'] or ''} on {cfg['data']}, {cfg['device']} ...",
            flush=True,
        )
        row = run_in_child(cfg, args.quick, seconds, cap)
        results["models"].append(row)
        print(
            "    "
            + (
                f"failed: {row['error']}"
                if "error" in row
                else f"{row['train_images_per_s']:,.0f} images/s, sample 64 in {row['sample_64_s']} s, "
                f"{row['peak_memory_mib']:.0f} MiB, test NLL {row['test_nll_nats']:.2f} nats"
            ),
            flush=True,
        )
    if names is None or any(n.lower() == "nade" for n in names):
        results["nade_variants"] = nade_variants(devices, args.quick)
    from genlib.models import PixelModel, get

    if names is None or any(issubclass(get(n), PixelModel) for n in names):
        print("PixelRNN sampling: cached vs one full pass per pixel ...", flush=True)
        results["sampling"] = comparison("sampling", devices, args.quick)
    results["settings"]["wall_seconds"] = round(time.time() - t0, 1)
    out = Path(args.out)
    out.mkdir(parents=True, exist_ok=True)
    (out / "results.json").write_text(json.dumps(results, indent=1) + "\n")
    table = markdown(results)
    (out / "results.md").write_text(table)
    print(
        f"\nwrote {out / 'results.json'} and {out / 'results.md'} "
        f"in {results['settings']['wall_seconds']:.0f} s\n"
    )
    print(table)
    if not args.quick and not args.no_readme and out.resolve() == HERE:
        if update_readme(table):
            print("updated the benchmark table in README.md")
    failed = [r for r in results["models"] if "error" in r]
    return 1 if failed and len(failed) == len(results["models"]) else 0


if __name__ == "__main__":
    sys.exit(main())
