"""The shape of genlib itself: no import cycles (tools/import_cycles.py)."""
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "tools"))
import import_cycles  # noqa: E402


def test_genlib_has_no_import_cycle():
    """Imports inside functions count too: a late import still ties two modules together."""
    run = subprocess.run([sys.executable, str(ROOT / "tools" / "import_cycles.py"), str(ROOT / "genlib")],
                         capture_output=True, text=True)
    assert run.returncode == 0, run.stdout + run.stderr
    assert "0 import cycle(s)" in run.stdout


def test_the_cycle_finder_sees_function_level_and_relative_imports(tmp_path):
    """A made-up package whose only cycles hide in a function and behind relative imports."""
    pkg = tmp_path / "pkg"
    (pkg / "sub").mkdir(parents=True)
    (pkg / "__init__.py").write_text("")
    (pkg / "sub" / "__init__.py").write_text("")
    (pkg / "a.py").write_text("from .sub import b\n")
    (pkg / "sub" / "b.py").write_text("def f():\n    from .. import a\n    return a\n")
    (pkg / "c.py").write_text("import pkg.d\n")
    (pkg / "d.py").write_text("from pkg.c import something\n")
    (pkg / "e.py").write_text("from . import a\n")  # imports into a cycle, is not part of one
    cycles = import_cycles.find_cycles(pkg)
    assert sorted(cycles) == [["pkg.a", "pkg.sub.b", "pkg.a"], ["pkg.c", "pkg.d", "pkg.c"]]
    run = subprocess.run([sys.executable, str(ROOT / "tools" / "import_cycles.py"), str(pkg)],
                         capture_output=True, text=True)
    assert run.returncode == 1 and "pkg.a -> pkg.sub.b -> pkg.a" in run.stdout
