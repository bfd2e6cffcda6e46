"""The command line's train -> eval -> sample round trip for one model, in a fresh interpreter each step."""

import json
import subprocess
import sys


def train_eval_sample(folder, model, settings, n):
    """Train `model` 1 epoch (default data, --set KEY=VALUE for each of `settings`), evaluate, sample n."""

    def run(*args):
        return subprocess.run(
            [sys.executable, "-m", "genlib", *args], cwd=folder, capture_output=True, text=True, timeout=300
        )

    sets = [arg for kv in settings for arg in ("--set", kv)]
    r = run("train", model, "--epochs", "1", *sets, "--quiet", "--out", "m.pt")
    assert r.returncode == 0, r.stderr
    r = run("eval", "m.pt", "--json")
    assert r.returncode == 0, r.stderr
    assert 50 < json.loads(r.stdout)["nll_nats"] < 544  # better than a coin per pixel (784 ln 2)
    r = run("sample", "m.pt", "-n", str(n), "--out", "grid.png")
    assert r.returncode == 0, r.stderr
    assert (folder / "grid.png").read_bytes()[:4] == b"\x89PNG"
