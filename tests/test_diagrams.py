import matplotlib

matplotlib.use("Agg")
import numpy as np  # noqa: E402
import pytest  # noqa: E402
import torch  # noqa: E402

from genlib import diagrams  # noqa: E402
from genlib.models import DiagonalBiLSTM, RowLSTM, pixel  # noqa: E402


def test_row_lstm_context_is_the_triangle_above():
    tri = diagrams.row_lstm_context(8, 11, 6, 5)
    assert (tri[6:] == 0).all()  # nothing in the pixel's row or below
    for d in range(1, 7):
        cols = np.flatnonzero(tri[6 - d])
        assert (tri[6 - d, cols] == d).all()
        assert cols.min() == max(0, 5 - d) and cols.max() == min(10, 5 + d)


def test_row_lstm_context_is_inside_the_measured_receptive_field():
    # every state the triangle says reaches (r, c) must show up in a real one-layer Row LSTM's gradients
    torch.manual_seed(0)
    g = pixel.receptive_field(RowLSTM((1, 9, 9), layers=1, hidden=8), 7, 4)[0]
    tri = diagrams.row_lstm_context(9, 9, 7, 4)
    assert (g[torch.from_numpy(tri > 0)] > 0).all()


def test_diagonal_contexts_together_cover_every_earlier_position_and_nothing_later():
    H, W, r, c = 6, 7, 3, 2
    ctx = diagrams.diagonal_contexts(H, W, r, c)
    together = ctx["left_to_right"] | ctx["right_to_left, shifted down"]
    earlier_or_here = np.arange(H * W).reshape(H, W) <= r * W + c
    assert (together == earlier_or_here).all()
    # and a real Diagonal BiLSTM sees every earlier pixel (the position itself holds no pixel of its own)
    torch.manual_seed(0)
    g = pixel.receptive_field(DiagonalBiLSTM((1, H, W), layers=1, hidden=8), r, c)[0]
    assert ((g > 0).numpy() == (np.arange(H * W).reshape(H, W) < r * W + c)).all()


def test_bad_pixel_is_a_clear_error():
    with pytest.raises(ValueError, match="outside a 4x4 map"):
        diagrams.row_lstm_context(4, 4, 4, 0)
    with pytest.raises(ValueError, match="whole-number sizes H, W >= 1"):
        diagrams.diagonal_contexts(0, 4, 0, 0)
    with pytest.raises(ValueError, match="whole-number sizes H, W >= 1"):
        diagrams.row_lstm_context(4, 2.5, 0, 0)


def test_lstm_cell_draws_labelled_axes():
    ax = diagrams.lstm_cell()
    texts = " ".join(t.get_text() for t in ax.texts)
    for word in ("forget", "write", "candidate", "show", "cell state"):
        assert word in texts
