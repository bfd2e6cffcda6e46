"""genlib.widgets: the chapter widgets build and render headless, and their picture follows the controls."""

import ipywidgets as W
import matplotlib.pyplot as plt
import torch

from genlib import orderings, widgets
from genlib.models import FVSBN


def tiny_model_for(calls):
    def model_for(name, seed):
        calls.append((name, seed))
        torch.manual_seed(0)
        model = FVSBN((1, 6, 6), ordering=orderings.get(name, 6, 6, seed=seed))
        with torch.no_grad():
            model.weight.add_(torch.randn_like(model.weight))
        return model.eval(), 12.5

    return model_for


def test_ordering_figure_renders_heat_map_frames_and_samples():
    model, _ = tiny_model_for([])("snake", 0)
    fig = widgets.ordering_figure(model, "snake", 12.5, n_samples=4, frames=5)
    assert len(fig.axes) == 1 + 1 + 5 + 1  # heat map, its colour bar, frames, samples
    assert fig.axes[1].get_ylabel() == "generation step"  # the colour bar says what the colours mean
    assert "snake" in fig._suptitle.get_text() and "12.50" in fig._suptitle.get_text()
    png = widgets.figure_png(fig)
    assert png[:8] == b"\x89PNG\r\n\x1a\n"
    assert widgets.figure_png(widgets.ordering_figure(model, "snake", 12.5, n_samples=4, frames=5)) == png
    plt.close("all")


def test_explorer_shows_a_default_picture_and_changes_with_the_dropdown():
    calls = []
    box = widgets.ordering_explorer(tiny_model_for(calls))
    dropdown, seed = box.children[0].children
    assert isinstance(dropdown, W.Dropdown) and dropdown.description == "ordering"
    assert list(dropdown.options) == list(orderings.NAMED)
    assert isinstance(box.children[-1], W.Output)
    assert calls == [("raster", 0)]  # rendered once without any interaction
    first = box.png
    dropdown.value = "spiral"
    assert calls[-1] == ("spiral", 0) and box.png != first
    dropdown.value = "raster"
    assert box.png == first  # the same ordering gives the same picture
    plt.close("all")


def test_seed_is_only_live_for_the_random_ordering():
    calls = []
    box = widgets.ordering_explorer(tiny_model_for(calls))
    dropdown, seed = box.children[0].children
    assert seed.disabled
    dropdown.value = "random"
    assert not seed.disabled
    before = box.png
    seed.value = 3
    assert calls[-1] == ("random", 3) and box.png != before
    plt.close("all")


def test_generation_frames_reveal_pixels_in_the_ordering():
    from genlib import viz

    o = orderings.get("column", 3, 3)
    x = torch.ones(1, 3, 3)
    f = viz.generation_frames(x, o, 3, 3, frames=4)  # after 0, 3, 6 and 9 steps
    assert f.shape == (4, 3, 3)
    assert (f[0] == 0.5).all() and (f[-1] == 1).all()
    assert f[1][:, 0].tolist() == [1, 1, 1] and (f[1][:, 1:] == 0.5).all()  # the first column first
