"""The book's results table: test NLLs measured by the chapters' full runs (chapters 03–08).

A chapter records what it measured; later chapters put those numbers side by side:

    results.record("04", "FVSBN (raster)", nll_nats=97.1, params=307_720)
    print(results.markdown())

Records are written to results/NN.json in the repository, only in full mode (quick-mode
budgets would give meaningless numbers), atomically. The JSON files are committed, so a
chapter can show the full table even when the earlier chapters were not re-run.
"""

from __future__ import annotations

import json
import math
from pathlib import Path

from . import quick_mode
from .files import atomic_write_bytes

RESULTS_DIR = Path(__file__).resolve().parents[1] / "results"

# Published test NLLs on the full binarized MNIST (nats per image), for the tables.
PUBLISHED = {
    "FVSBN": (97.45, "Larochelle & Murray (2011), The Neural Autoregressive Distribution Estimator, AISTATS"),
    "NADE": (88.86, "Larochelle & Murray (2011), The Neural Autoregressive Distribution Estimator, AISTATS"),
    "PixelCNN": (
        81.30,
        "van den Oord, Kalchbrenner & Kavukcuoglu (2016), Pixel Recurrent Neural Networks, ICML",
    ),
    "Row LSTM": (
        80.54,
        "van den Oord, Kalchbrenner & Kavukcuoglu (2016), Pixel Recurrent Neural Networks, ICML",
    ),
    "Diagonal BiLSTM": (
        79.20,
        "van den Oord, Kalchbrenner & Kavukcuoglu (2016), Pixel Recurrent Neural Networks, ICML",
    ),
}


def record(chapter: str, model: str, *, nll_nats: float, data: str = "mnist5k test", **extra) -> bool:
    """Store one measured result of a chapter (full mode only). Returns True if it was written."""
    if quick_mode():
        return False
    if not math.isfinite(nll_nats):
        raise ValueError(f"nll_nats must be a finite number; got {nll_nats}")
    path = RESULTS_DIR / f"{chapter}.json"
    rows = json.loads(path.read_text()) if path.exists() else {}
    rows[model] = {"nll_nats": round(float(nll_nats), 3), "data": data, **extra}
    atomic_write_bytes(path, (json.dumps(rows, indent=1, sort_keys=True) + "\n").encode())
    return True


def load() -> list[dict]:
    """Every recorded result, in chapter order: [{'chapter', 'model', 'nll_nats', ...}, ...]."""
    rows = []
    for path in sorted(RESULTS_DIR.glob("*.json")):
        for model, row in json.loads(path.read_text()).items():
            rows.append({"chapter": path.stem, "model": model, **row})
    return rows


def markdown(rows: list[dict] | None = None) -> str:
    """The results as a Markdown table, with the published full-data number where there is one."""
    rows = load() if rows is None else rows
    lines = ["| chapter | model | test NLL (nats) | published, full binarized MNIST |", "|---|---|---|---|"]
    for r in rows:
        pub = next((v[0] for k, v in PUBLISHED.items() if r["model"].startswith(k) and v[0]), None)
        lines.append(
            f"| {r['chapter']} | {r['model']} | {r['nll_nats']:.2f} | {'' if pub is None else f'{pub:.2f}'} |"
        )
    return "\n".join(lines)
