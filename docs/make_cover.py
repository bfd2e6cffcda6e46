"""Draw docs/cover.png: samples of every chapter's model, from the models `make notebooks` trained and cached.

Run after `make notebooks`: .venv/bin/python docs/make_cover.py (it picks the cached model whose test NLL
matches the number the chapter recorded, and stops if it is missing).
"""

import glob

import matplotlib
import torch

matplotlib.use("Agg")
import matplotlib.pyplot as plt
import genlib
from genlib import data, viz, train
from genlib.models import IndependentBernoulli, MarkovTable

genlib.seed_everything(0)
x = data.load("mnist5k", "train")
xt = data.load("mnist5k", "test")


def pick(pattern, target):
    for f in glob.glob(str(train.cache_dir() / "models" / pattern)):
        m = genlib.load(f)
        if m.shape != (1, 28, 28):
            continue
        nll = train.evaluate(m, xt)
        if abs(nll - target) < 0.05:
            return m, nll
    raise SystemExit(f"no {pattern} at {target}")


panels = [("real digits", x[torch.randperm(len(x))[:16]], None)]
panels.append(("independent (ch. 02)", IndependentBernoulli().start_from_means(x).sample(16), 209.31))
mk = MarkovTable((1, 28, 28), k=5)
mk.fit_counts(x, alpha=0.3)
panels.append(("Markov AR(5) (ch. 03)", mk.sample(16), 143.55))
fv, n = pick("fvsbn-raster-*.pt", 110.96)
panels.append(("FVSBN (ch. 04)", fv.sample(16), n))
nd, n = pick("NADE-*.pt", 104.68)
panels.append(("NADE (ch. 05)", nd.sample(16), n))
db, n = pick("ch07-Diagonal_BiLSTM-*.pt", 99.49)
panels.append(("Diagonal BiLSTM (ch. 07)", db.sample(16), n))
fig, axes = plt.subplots(1, 6, figsize=(15, 3.2))
for ax, (title, s, nll) in zip(axes, panels):
    viz.show_grid(s, title + ("" if nll is None else f"\ntest NLL {nll:.1f} nats"), ax=ax, nrow=4)
plt.tight_layout()
plt.savefig("docs/cover.png", dpi=70)
