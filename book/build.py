"""Build the book: every chapter of notebooks/ as a static HTML site, from the committed outputs.

    python book/build.py                  # -> _build/html/index.html   (what `make book` runs)
    python book/build.py --out /tmp/book  # -> /tmp/book/_build/html

The table of contents is written fresh on every build from notebooks/NN_*.ipynb, in number order,
so a new chapter appears in the book as soon as its notebook is committed. Nothing is executed
(`execute_notebooks: off` in book/_config.yml) and nothing is downloaded: Jupyter Book 1.x (Sphinx)
ships its theme. Equations are typeset by MathJax, which the reader's browser loads from a CDN.
"""

from __future__ import annotations

import argparse
import re
import shutil
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
CHAPTER = re.compile(r"\d\d_[a-z0-9_]+\.ipynb")


def chapters(root: Path = ROOT) -> list[Path]:
    """The chapter notebooks, in reading order (their two-digit prefix)."""
    return sorted(p for p in (root / "notebooks").glob("*.ipynb") if CHAPTER.fullmatch(p.name))


def toc(root: Path = ROOT) -> str:
    """_toc.yml for Jupyter Book: the README is the landing page, then every chapter."""
    lines = [
        "# written by book/build.py from notebooks/NN_*.ipynb; do not edit",
        "format: jb-book",
        "root: README",
        "chapters:",
    ]
    lines += [f"- file: notebooks/{p.stem}" for p in chapters(root)]
    return "\n".join(lines) + "\n"


def build(out: Path, root: Path = ROOT, quiet: bool = False) -> Path:
    """Write the table of contents into `out`, build the site into out/_build/html, return that folder."""
    out = Path(out).resolve()
    toc_file = out / "_build" / "_toc.yml"  # next to the site, never in the repository
    toc_file.parent.mkdir(parents=True, exist_ok=True)
    toc_file.write_text(toc(root))
    cmd = [
        str(Path(sys.executable).with_name("jupyter-book")),
        "build",
        str(root),
        "--config",
        str(root / "book" / "_config.yml"),
        "--toc",
        str(toc_file),
        "--path-output",
        str(out),
    ]
    if not Path(cmd[0]).exists():
        cmd[0] = shutil.which("jupyter-book") or "jupyter-book"
    if quiet:
        cmd.append("--quiet")
    subprocess.run(cmd, check=True)
    return out / "_build" / "html"


def main(argv=None) -> int:
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--out", default=str(ROOT), help="output folder; the site goes to OUT/_build/html")
    p.add_argument("--quiet", action="store_true")
    args = p.parse_args(argv)
    if not chapters():
        print("no chapters in notebooks/", file=sys.stderr)
        return 1
    html = build(Path(args.out), quiet=args.quiet)
    print(f"the book is in {html / 'index.html'}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
