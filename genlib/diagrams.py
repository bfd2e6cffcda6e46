"""Explanatory diagrams of chapter 07: an LSTM cell, how state flows in the Row LSTM and the Diagonal BiLSTM.

These are pictures of the *rules*, drawn from the rules themselves (which position's state feeds which);
the chapter checks the same regions on real networks by gradients (`genlib.models.pixel.receptive_field`).

    row_lstm_context(H, W, r, c)       states of earlier rows that reach (r, c): the triangle above
    diagonal_contexts(H, W, r, c)      positions each direction of the Diagonal BiLSTM reaches
    lstm_cell(ax)                      the gates and the cell state of one LSTM step, labelled
"""

from __future__ import annotations

import matplotlib.pyplot as plt
import numpy as np
from matplotlib.patches import FancyBboxPatch

from .orderings import _check_size


def _check_pixel(H, W, r, c):
    _check_size(H, W)  # the map's size, checked as for every ordering
    if not (0 <= r < H and 0 <= c < W):
        raise ValueError(f"pixel ({r}, {c}) is outside a {H}x{W} map; pick 0 <= r < {H}, 0 <= c < {W}")


def row_lstm_context(H, W, r, c, k=3):
    """(H, W) int map: d > 0 where the Row LSTM state d rows above reaches the state at (r, c), else 0.

    One step reads the row above through a width-k convolution, k//2 places to each side, so after d steps
    the state at (r, c) has read (r - d, c - d*(k//2) .. c + d*(k//2)): a triangle above the pixel.
    """
    _check_pixel(H, W, r, c)
    out = np.zeros((H, W), dtype=int)
    for d in range(1, r + 1):
        lo, hi = max(0, c - d * (k // 2)), min(W - 1, c + d * (k // 2))
        out[r - d, lo : hi + 1] = d
    return out


def diagonal_contexts(H, W, r, c):
    """Positions whose features reach (r, c) in the two directions of a Diagonal BiLSTM layer, (H, W) bools.

    left_to_right: (r', c') with r' <= r and c' <= c (state from above and from the left, step by step);
    right_to_left: r' <= r and c' >= c, then shifted down one row: r' < r and c' >= c.
    """
    _check_pixel(H, W, r, c)
    rows, cols = np.indices((H, W))
    left = (rows <= r) & (cols <= c)
    right_shifted = (rows < r) & (cols >= c)
    return {"left_to_right": left, "right_to_left, shifted down": right_shifted}


def lstm_cell(ax=None):
    """Draw one LSTM step: inputs x_t, h_{t-1}; gates f, i, g, o; cell state c; output h_t."""
    if ax is None:
        _, ax = plt.subplots(figsize=(9, 4.6))

    def box(x, y, text, colour, w=0.9, h=0.55):
        ax.add_patch(
            FancyBboxPatch((x - w / 2, y - h / 2), w, h, boxstyle="round,pad=0.05", fc=colour, ec="k")
        )
        ax.text(x, y, text, ha="center", va="center", fontsize=9.5)

    def arrow(x0, y0, x1, y1, text="", colour="k", **kw):
        ax.annotate("", (x1, y1), (x0, y0), arrowprops=dict(arrowstyle="->", color=colour, lw=1.5))
        if text:
            ax.text((x0 + x1) / 2, (y0 + y1) / 2, text, fontsize=11, color=colour, **kw)

    ax.add_patch(FancyBboxPatch((0.8, 0.6), 8.4, 3.9, boxstyle="round,pad=0.1", fc="#f4f4f4", ec="grey"))
    # the cell state runs along the top: multiplied by f, then i * g is added
    arrow(0.0, 4.0, 2.55, 4.0, "$c_{t-1}$", "tab:red", va="bottom")
    ax.text(2.8, 4.0, "x", ha="center", va="center", fontsize=14, color="tab:red")
    arrow(3.05, 4.0, 4.75, 4.0, colour="tab:red")
    ax.text(5.0, 4.0, "+", ha="center", va="center", fontsize=16, color="tab:red")
    arrow(5.25, 4.0, 10.0, 4.0, colour="tab:red")
    ax.text(9.5, 4.1, "$c_t$", color="tab:red", fontsize=11)
    ax.text(5.4, 4.1, "cell state: the memory", color="tab:red", fontsize=9)
    # the four gates read x_t and h_{t-1}
    gates = [
        (2.8, r"$f_t=\sigma(\cdot)$" + "\nforget", "#cfe2f3"),
        (4.2, r"$i_t=\sigma(\cdot)$" + "\nwrite", "#d9ead3"),
        (5.6, r"$g_t=\tanh(\cdot)$" + "\ncandidate", "#fff2cc"),
        (7.6, r"$o_t=\sigma(\cdot)$" + "\nshow", "#ead1dc"),
    ]
    for x, text, colour in gates:
        box(x, 1.9, text, colour, w=1.2, h=0.8)
        arrow(x, 0.7, x, 1.45)
    ax.plot([1.2, 7.6], [0.7, 0.7], color="k", lw=1.5)
    arrow(0.0, 0.7, 1.2, 0.7, r"$x_t,\ h_{t-1}$", va="bottom")
    arrow(2.8, 2.35, 2.8, 3.75)  # f multiplies the old cell
    ax.text(4.9, 3.15, "x", ha="center", va="center", fontsize=14)
    arrow(4.2, 2.35, 4.75, 3.0)
    arrow(5.6, 2.35, 5.05, 3.0)
    arrow(4.95, 3.35, 5.0, 3.75, r" $i_t \odot g_t$", ha="left")
    # output: h_t = o_t * tanh(c_t)
    box(7.6, 3.2, r"$\tanh(c_t)$", "white", w=1.0, h=0.45)
    arrow(7.6, 4.0, 7.6, 3.45)
    ax.text(8.6, 2.55, "x", ha="center", va="center", fontsize=14)
    arrow(7.6, 2.95, 8.45, 2.65)
    arrow(8.2, 1.9, 8.45, 2.4)
    arrow(8.75, 2.55, 10.0, 2.55, "$h_t$", va="bottom")
    ax.set_xlim(-0.1, 10.2)
    ax.set_ylim(0.2, 4.7)
    ax.axis("off")
    ax.set_title(r"one LSTM step: $c_t = f_t \odot c_{t-1} + i_t \odot g_t$,   $h_t = o_t \odot \tanh(c_t)$")
    return ax
