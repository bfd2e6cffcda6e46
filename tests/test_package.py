"""The shape of genlib itself: no import cycles (tools/import_cycles.py), one model family per file."""

import importlib
import inspect
import pkgutil
import subprocess
import sys
import types
from pathlib import Path

import pytest

import genlib.models
from genlib.models import GenerativeModel

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "tools"))
import import_cycles  # noqa: E402


def test_genlib_has_no_import_cycle():
    """Imports inside functions count too: a late import still ties two modules together."""
    run = subprocess.run(
        [sys.executable, str(ROOT / "tools" / "import_cycles.py"), str(ROOT / "genlib")],
        capture_output=True,
        text=True,
    )
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
    run = subprocess.run(
        [sys.executable, str(ROOT / "tools" / "import_cycles.py"), str(pkg)], capture_output=True, text=True
    )
    assert run.returncode == 1 and "pkg.a -> pkg.sub.b -> pkg.a" in run.stdout


# Files of genlib/models/ allowed more than one family root, and exactly which classes they hold.
# Row LSTM and Diagonal BiLSTM are the two variants of one architecture in one paper (van den Oord,
# Kalchbrenner & Kavukcuoglu, 2016) and one chapter (07); PixelCNN, the same paper's third model,
# has its own file.
SHARED_FILES = {"genlib.models.pixelrnn": {"RowLSTM", "DiagonalBiLSTM"}}


def model_classes(module) -> list[type]:
    """The public GenerativeModel subclasses that `module` itself defines (not the ones it imports)."""
    return [
        obj
        for name, obj in vars(module).items()
        if inspect.isclass(obj)
        and issubclass(obj, GenerativeModel)
        and obj.__module__ == module.__name__
        and not name.startswith("_")
    ]


def family_roots(module) -> list[str]:
    """The model classes of `module` whose parent class lives elsewhere: one per family."""
    classes = model_classes(module)
    return sorted(c.__name__ for c in classes if not any(base in classes for base in c.__mro__[1:]))


def _models_modules():
    names = [m.name for m in pkgutil.iter_modules(genlib.models.__path__)]
    return [importlib.import_module(f"genlib.models.{name}") for name in names]


@pytest.mark.parametrize("module", _models_modules(), ids=lambda m: m.__name__)
def test_one_model_family_per_file(module):
    """The rule: a file of genlib/models/ defines at most one model family. A family is one root class
    (a public GenerativeModel subclass whose parent is defined in another file) plus its public
    subclasses in the same file: NADE and OrderAgnosticNADE (an order-agnostic NADE *is* a NADE that
    also sees the mask) are one family; base.py's GenerativeModel and AutoregressiveModel are one.
    Files listed in SHARED_FILES hold exactly the classes listed there."""
    roots = family_roots(module)
    if module.__name__ in SHARED_FILES:
        assert {c.__name__ for c in model_classes(module)} == SHARED_FILES[module.__name__]
    else:
        assert len(roots) <= 1, f"{module.__name__} defines {len(roots)} model families: {roots}"


def test_the_family_rule_can_fail():
    fake = types.ModuleType("genlib.models.fake")
    exec(
        "from genlib.models import GenerativeModel, NADE\n"
        "class A(GenerativeModel): pass\n"
        "class A2(A): pass\n"
        "class B(NADE): pass\n",
        fake.__dict__,
    )
    assert family_roots(fake) == ["A", "B"]
