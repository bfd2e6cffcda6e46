import json

import pytest

from genlib import results


def test_record_only_in_full_mode(tmp_path, monkeypatch):
    monkeypatch.setattr(results, "RESULTS_DIR", tmp_path)
    monkeypatch.setenv("GENLIB_QUICK", "1")
    assert not results.record("04", "FVSBN (raster)", nll_nats=100.0)
    assert not list(tmp_path.iterdir())
    monkeypatch.setenv("GENLIB_QUICK", "0")
    assert results.record("04", "FVSBN (raster)", nll_nats=100.04321, params=10)
    assert results.record("05", "NADE (H=50)", nll_nats=115.0)
    assert results.record("05", "NADE", nll_nats=90.0, data="binarized_mnist test", paper=88.86)
    assert json.loads((tmp_path / "04.json").read_text())["FVSBN (raster)"]["nll_nats"] == 100.043
    rows = results.load()
    assert [r["model"] for r in rows] == ["FVSBN (raster)", "NADE", "NADE (H=50)"]
    table = results.markdown(rows)
    # the published number only beside the row that declares it comparable (issue 14, finding 8)
    assert "| 04 | FVSBN (raster) | mnist5k test | 100.04 |  |" in table
    assert "| 05 | NADE (H=50) | mnist5k test | 115.00 |  |" in table
    assert "| 05 | NADE | binarized_mnist test | 90.00 | 88.86 |" in table
    with pytest.raises(ValueError, match="finite"):
        results.record("05", "NADE", nll_nats=float("nan"))


def test_published_pixelrnn_rows_match_the_papers_binarized_mnist_table():
    # van den Oord, Kalchbrenner & Kavukcuoglu (2016): one Row LSTM row, the Diagonal BiLSTM in two sizes
    assert {k: v[0] for k, v in results.PUBLISHED.items() if v[1] == results.VDO2016} == {
        "PixelCNN": 81.30,
        "Row LSTM": 80.54,
        "Diagonal BiLSTM (1 layer, h=32)": 80.75,
        "Diagonal BiLSTM (7 layers, h=16)": 79.20,
    }
    # a row is compared with the paper only when it says it is the paper's setting (recorded with paper=)
    rows = [
        {"chapter": "07", "model": "Row LSTM (1 layer, h=8)", "data": "d", "nll_nats": 100.0},
        {
            "chapter": "07",
            "model": "Diagonal BiLSTM (7 layers, h=16)",
            "data": "d",
            "nll_nats": 90.0,
            "paper": results.PUBLISHED["Diagonal BiLSTM (7 layers, h=16)"][0],
        },
    ]
    table = results.markdown(rows).splitlines()
    assert table[2] == "| 07 | Row LSTM (1 layer, h=8) | d | 100.00 |  |"
    assert table[3] == "| 07 | Diagonal BiLSTM (7 layers, h=16) | d | 90.00 | 79.20 |"
