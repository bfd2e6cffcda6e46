"""The book's results table: test NLLs measured by the chapters' full runs (chapters 03–08).

A chapter records what it measured; later chapters put those numbers side by side:

    results.record("04", "FVSBN (raster)", nll_nats=110.96, params=307_720)
    results.record("05", "NADE (H=500, reference)", nll_nats=88.36, data="binarized_mnist test",
                   paper=results.PUBLISHED["NADE"][0])
    print(results.markdown())

A published number is shown only beside a row that says it is comparable (`paper=`): the same model,
size and benchmark, trained to convergence. A small model trained for minutes on 4,000 digits is not.

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

# Published test NLLs on the full binarized MNIST (nats per image), for the tables. The PixelRNN paper's
# binarized-MNIST table (its Table 4) has one row per model below, the Diagonal BiLSTM in two sizes. A row of
# ours shows one of these only when it is recorded with `paper=` (same model, size and benchmark).
LM2011 = "Larochelle & Murray (2011), The Neural Autoregressive Distribution Estimator, AISTATS"
GERMAIN2015 = (
    "Germain, Gregor, Murray & Larochelle (2015), MADE: Masked Autoencoder for Distribution Estimation, ICML"
)
VDO2016 = "van den Oord, Kalchbrenner & Kavukcuoglu (2016), Pixel Recurrent Neural Networks, ICML"
PUBLISHED = {
    "FVSBN": (97.45, LM2011),
    "NADE": (88.86, LM2011),
    "MADE (one mask)": (88.40, GERMAIN2015),
    "PixelCNN": (81.30, VDO2016),
    "Row LSTM": (80.54, VDO2016),
    "Diagonal BiLSTM (1 layer, h=32)": (80.75, VDO2016),
    "Diagonal BiLSTM (7 layers, h=16)": (79.20, VDO2016),
}


def record(
    chapter: str,
    model: str,
    *,
    nll_nats: float,
    data: str = "mnist5k test",
    paper: float | None = None,
    **extra,
) -> bool:
    """Store one measured result of a chapter (full mode only). Returns True if it was written.

    paper: the published test NLL of the same model on the same benchmark (see PUBLISHED), for rows that
    reproduce a paper's setting; leave it out for every other row.
    """
    if quick_mode():
        return False
    if not math.isfinite(nll_nats):
        raise ValueError(f"nll_nats must be a finite number; got {nll_nats}")
    path = RESULTS_DIR / f"{chapter}.json"
    rows = json.loads(path.read_text()) if path.exists() else {}
    rows[model] = {"nll_nats": round(float(nll_nats), 3), "data": data, **extra}
    if paper is not None:
        rows[model]["paper"] = float(paper)
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
    """The results as a Markdown table: test data, and the published number beside the rows that match it."""
    rows = load() if rows is None else rows
    lines = ["| chapter | model | test data | test NLL (nats) | published |", "|---|---|---|---|---|"]
    for r in rows:
        pub = r.get("paper")
        lines.append(
            f"| {r['chapter']} | {r['model']} | {r.get('data', '')} | {r['nll_nats']:.2f} "
            f"| {'' if pub is None else f'{pub:.2f}'} |"
        )
    return "\n".join(lines)
