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
    assert results.record("05", "NADE", nll_nats=90.0)
    assert json.loads((tmp_path / "04.json").read_text())["FVSBN (raster)"]["nll_nats"] == 100.043
    rows = results.load()
    assert [r["model"] for r in rows] == ["FVSBN (raster)", "NADE"]
    table = results.markdown(rows)
    assert "| 04 | FVSBN (raster) | 100.04 | 97.45 |" in table and "| 05 | NADE | 90.00 | 88.86 |" in table
    with pytest.raises(ValueError, match="finite"):
        results.record("05", "NADE", nll_nats=float("nan"))
