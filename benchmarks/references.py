"""The book's results table: every reference checkpoint on the full test split, beside the papers' numbers.

    python benchmarks/references.py              # evaluate checkpoints/*.pt; write references.md, README
    python benchmarks/references.py --no-readme  # the same, README.md left alone

`make bench` runs it. Each checkpoint is verified by SHA-256 (genlib.recipes.reference), evaluated on all
10,000 test images of binarized MNIST on the CPU, and compared with the NLL recorded when it was trained.
Models with a recipe but no checkpoint yet are listed with the command that trains them.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

import torch

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
sys.path.insert(0, str(ROOT))

from genlib import data, recipes, train  # noqa: E402
from run import update_readme  # noqa: E402  (benchmarks/run.py)

README = ROOT / "README.md"
START, END = "<!-- references:start -->", "<!-- references:end -->"


LEGEND = (
    "NLL: negative log-likelihood of a test image in nats, lower is better. *goal*: the test NLL the "
    "recipe aims at (`genlib/recipes.py`); the PixelRNN-family recipes are scaled down from the papers' "
    "models (fewer layers and channels, a few epochs on a CPU), so their goals sit above the papers' "
    "numbers. *free parameters*: the biases plus the weights the masks let through (`num_free_parameters`: "
    "FVSBN, and MADE under its one mask); the masked convolutions of the PixelRNN family store full "
    "kernels, and for them the count is of stored weights. The order-agnostic NADE is trained for every "
    "ordering at once, so in one fixed (raster) ordering its NLL is higher than that of a NADE trained for "
    "that ordering alone (chapter 06)."
)


def rows() -> list[dict]:
    out = []
    for name, r in recipes.RECIPES.items():
        row = {"name": name, "about": r.about or name, "paper": r.paper, "goal": r.goal, "nll": None}
        try:
            rec = recipes.record(name)
        except ValueError:
            out.append(row)
            continue
        model = recipes.reference(name)
        with torch.no_grad():
            nll = train.evaluate(model, data.load(rec["data"], "test"))
        row.update(
            nll=nll,
            recorded=rec["test_nll_nats"],
            params=getattr(model, "num_free_parameters", rec["params"]),
            epochs=rec["history"]["epochs_run"],
            hours=rec["seconds"] / 3600,
            machine=rec["machine"],
        )
        out.append(row)
    return out


def markdown(rows: list[dict]) -> str:
    lines = [
        "| model | test NLL (nats), ours | paper | goal | free parameters | epochs | training time "
        "| reproduce |",
        "|---|---:|---:|---:|---:|---:|---:|---|",
    ]
    for r in rows:
        paper = f"{r['paper'][0]:.2f}" if r["paper"] else ""
        cmd = f"`python -m genlib reproduce {r['name']}`"
        if r["nll"] is None:
            lines.append(f"| {r['about']} | not trained yet | {paper} | {r['goal'] or ''} | | | | {cmd} |")
            continue
        lines.append(
            f"| {r['about']} | {r['nll']:.2f} | {paper} | {r['goal'] or ''} | {r['params']:,} "
            f"| {r['epochs']} | {r['hours']:.2f} h | {cmd} |"
        )
    machines = sorted({r["machine"] for r in rows if r["nll"] is not None})
    notes = [
        "",
        LEGEND,
        "Test split of binarized MNIST (Larochelle & Murray, 2011), 10,000 images, nats per image. "
        "Training times are wall clock (on a shared machine, so only a rough guide) on: "
        + "; ".join(machines)
        + "."
        if machines
        else "",
    ]
    sources = sorted({r["paper"][1] for r in rows if r["paper"]})
    notes += ["Papers: " + "; ".join(sources) + "."]
    return "\n".join(lines + notes)


def main(argv=None) -> int:
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--no-readme", action="store_true")
    args = p.parse_args(argv)
    table_rows = rows()
    for r in table_rows:
        if r["nll"] is not None and abs(r["nll"] - r["recorded"]) > 1e-2:
            print(f"{r['name']}: test NLL {r['nll']:.3f} differs from the recorded {r['recorded']:.3f}")
            return 1
    table = markdown(table_rows)
    (HERE / "references.md").write_text(table + "\n")
    print(table)
    if not args.no_readme:
        update_readme(table + "\n", README, START, END)
    return 0


if __name__ == "__main__":
    sys.exit(main())
