import os

import pytest

os.environ.setdefault("MPLBACKEND", "Agg")


@pytest.fixture(autouse=True)
def _isolated_cache(tmp_path, monkeypatch):
    """Every test gets its own empty cache: nothing leaks from a user's ~/.cache/genlib."""
    monkeypatch.setenv("GENLIB_CACHE", str(tmp_path / "cache"))
