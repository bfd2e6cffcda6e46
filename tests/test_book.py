"""`make book`: every chapter becomes a page of the static site, with its title, figures and equations."""

import html
import importlib.util
import json
import re
import shutil
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
spec = importlib.util.spec_from_file_location("book_build", ROOT / "book" / "build.py")
book = importlib.util.module_from_spec(spec)
spec.loader.exec_module(book)

pytestmark = pytest.mark.skipif(
    shutil.which("jupyter-book") is None and not (Path(sys.executable).parent / "jupyter-book").exists(),
    reason="book test not run: jupyter-book<2 is not installed (pip install -e '.[dev]')",
)


def title(nb: Path) -> str:
    """The first Markdown heading of a chapter: its title."""
    for cell in json.loads(nb.read_text())["cells"]:
        if cell["cell_type"] == "markdown":
            m = re.search(r"^#\s+(.+)$", "".join(cell["source"]), re.M)
            if m:
                return m.group(1).strip()
    raise AssertionError(f"{nb.name} has no '# title' heading")


@pytest.fixture(scope="module")
def monkeypatch_module():
    mp = pytest.MonkeyPatch()
    yield mp
    mp.undo()


@pytest.fixture(scope="module")
def site(tmp_path_factory, monkeypatch_module):
    """The book, built once for this module;
    any attempt to fetch something goes to a closed port and fails."""
    for var in ("http_proxy", "https_proxy", "HTTP_PROXY", "HTTPS_PROXY"):
        monkeypatch_module.setenv(var, "http://127.0.0.1:9")
    return book.build(tmp_path_factory.mktemp("book"), quiet=True)


def test_toc_lists_every_chapter_in_order():
    toc = book.toc()
    files = re.findall(r"- file: notebooks/(\S+)", toc)
    assert files == [p.stem for p in book.chapters()]
    assert files == sorted(files) and files, "chapters must be listed in number order"


@pytest.mark.parametrize("nb", book.chapters(), ids=lambda p: p.name)
def test_every_chapter_page_has_title_figure_and_equations(site, nb):
    page = site / "notebooks" / f"{nb.stem}.html"
    assert page.is_file(), f"the book has no page for {nb.name}"
    text = html.unescape(page.read_text(encoding="utf-8"))
    words = [w.strip() for w in re.split(r"\$[^$]*\$", title(nb)) if w.strip()]  # $math$ is typeset apart
    assert all(w in text for w in words), f"{page.name} does not show the chapter title {title(nb)!r}"
    images = [src for src in re.findall(r'<img[^>]+src="([^"]+)"', text) if "_images/" in src]
    assert images, f"{page.name} shows no figure"
    for src in images:
        assert (page.parent / src).resolve().is_file(), f"{page.name} links a missing image {src}"
    source = "".join(
        "".join(c["source"]) for c in json.loads(nb.read_text())["cells"] if c["cell_type"] == "markdown"
    )
    if "$" in source:
        assert 'class="math' in text, f"{page.name}: the LaTeX equations were not turned into math"


def test_landing_page_links_the_chapters(site):
    index = (site / "README.html").read_text(encoding="utf-8")
    for nb in book.chapters():
        assert f"notebooks/{nb.stem}.html" in index, f"the book's navigation misses {nb.name}"
