"""Draw docs/cover.png: real digits, then samples of the book's models, all on binarized MNIST.

Every model here is fitted to the same training split (the fixed binarization of Larochelle & Murray, 2011)
and scored on the same 10,000 test images, so the numbers under the panels compare. The independent and the
Markov AR(5) models are fitted in closed form here (seconds); the others are the reference checkpoints in
checkpoints/ (genlib.recipes), whose test NLL is read from their records. A missing checkpoint stops the
script with the command that trains it.

    .venv/bin/python docs/make_cover.py
"""

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402
import torch  # noqa: E402

import genlib  # noqa: E402
from genlib import data, recipes, train, viz  # noqa: E402
from genlib.models import IndependentBernoulli, MarkovTable  # noqa: E402

N = 16
genlib.seed_everything(0)
x = data.load("binarized_mnist", "train")
xt = data.load("binarized_mnist", "test")

panels = [("real test digits", xt[torch.randperm(len(xt))[:N]], None)]
ind = IndependentBernoulli().start_from_means(x)
panels.append(("independent (ch. 02)", ind.sample(N), train.evaluate(ind, xt)))
mk = MarkovTable((1, 28, 28), k=5)
mk.fit_counts(x, alpha=0.3)
panels.append(("Markov AR(5) (ch. 03)", mk.sample(N), train.evaluate(mk, xt)))
for name, title in [
    ("fvsbn", "FVSBN (ch. 04)"),
    ("nade", "NADE (ch. 05)"),
    ("made", "MADE (ch. 06)"),
    ("gated_pixelcnn", "gated PixelCNN (ch. 08)"),
]:
    try:
        model = recipes.reference(name)
    except ValueError as e:
        raise SystemExit(f"error: {e}") from None
    with torch.no_grad():
        panels.append((title, model.sample(N), recipes.record(name)["test_nll_nats"]))

fig, axes = plt.subplots(1, len(panels), figsize=(2.3 * len(panels), 3.0))
for ax, (title, s, nll) in zip(axes, panels):
    viz.show_grid(s, title + ("" if nll is None else f"\n{nll:.1f} nats"), ax=ax, nrow=4)
plt.tight_layout()
plt.savefig("docs/cover.png", dpi=70)
for title, _, nll in panels:
    print(f"{title:28s} {'' if nll is None else f'{nll:.2f} nats'}")
