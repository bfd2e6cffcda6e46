"""The chapters' widgets: pick a setting, see what the model does with it (chapter 04).

Each widget is a plain figure function plus a few ipywidgets controls wired with
`ipywidgets.interactive_output`, so it renders in JupyterLab, shows a default result
without any interaction, and runs headless (tests, nbval) through the same code:

    box = widgets.ordering_explorer(model_for)   # model_for(name, seed) -> (model, test NLL)
    box                                           # dropdown "ordering" + seed, then the figure
"""

from __future__ import annotations

import io

import ipywidgets as W
import matplotlib.pyplot as plt
import torch
from IPython.display import display

from . import orderings, viz


def figure_png(fig) -> bytes:
    """The figure as PNG bytes (what a test compares to see that a widget's picture changed)."""
    buf = io.BytesIO()
    fig.savefig(buf, format="png", dpi=60)
    return buf.getvalue()


def ordering_figure(
    model, name: str = "", nll: float | None = None, n_samples: int = 8, frames: int = 8, seed: int = 0
):
    """One row about an autoregressive model's ordering: heat map (with its colour bar of
    generation steps), one sample appearing pixel by pixel in that order, and n_samples
    samples; the title gives the test NLL."""
    _, H, Wd = model.shape
    with torch.random.fork_rng():  # the same picture every time, without touching the global seed
        torch.manual_seed(seed)
        x = model.sample(n_samples).cpu()
    fig = plt.figure(figsize=(1.25 * (frames + 4), 3.2), layout="constrained")
    grid = fig.add_gridspec(2, frames + 4, height_ratios=[1, 1])
    heat_map = fig.add_subplot(grid[:, :2])  # with its colour bar: the generation step of each colour
    viz.show_ordering(model.ordering.cpu(), H, Wd, ax=heat_map, title="ordering", colorbar=True)
    viz.show_generation(
        x[0],
        model.ordering.cpu(),
        H,
        Wd,
        frames,
        axes=[fig.add_subplot(grid[0, 2 + k]) for k in range(frames)],
    )
    viz.show_grid(x, "samples", nrow=n_samples, ax=fig.add_subplot(grid[1, 2:]))
    nll_text = "" if nll is None else f": test NLL {nll:.2f} nats"
    fig.suptitle(f"{type(model).__name__}, {name or 'custom'} ordering{nll_text}")
    return fig


def ordering_explorer(model_for, names=tuple(orderings.NAMED), seed: int = 0):
    """Choose an ordering (and a seed for `random`); see its heat map, generation and NLL.

    model_for(name, seed) -> (model, test_nll) trains or loads the model for that ordering,
    e.g. with genlib.train.fit_or_load, so switching back to an ordering is instant.
    The returned VBox also keeps `.png`, the bytes of the picture it shows now.
    """
    names = list(names)
    dropdown = W.Dropdown(options=names, value=names[0], description="ordering")
    seed_box = W.IntSlider(value=seed, min=0, max=20, description="seed", disabled=names[0] != "random")
    dropdown.observe(lambda change: setattr(seed_box, "disabled", change["new"] != "random"), "value")
    box = W.VBox([W.HBox([dropdown, seed_box])])

    def show(ordering, seed):
        model, nll = model_for(ordering, seed)
        label = f"random (seed {seed})" if ordering == "random" else ordering
        fig = ordering_figure(model, label, nll)
        box.png = figure_png(fig)
        display(fig)
        plt.close(fig)

    out = W.interactive_output(show, {"ordering": dropdown, "seed": seed_box})
    box.children = (*box.children, out)
    return box
