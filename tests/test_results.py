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
