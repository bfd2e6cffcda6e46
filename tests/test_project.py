"""The repository keeps its promises: environments agree, chapters are in sync and numbered."""

import re
import subprocess
import sys
import tomllib
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
CONDA_NAMES = {"pytorch": "torch"}


def _req(spec: str):
    m = re.match(r"\s*([A-Za-z0-9_.\-]+)\s*(.*)", spec)
    name = m.group(1).lower().replace("_", "-")
    return CONDA_NAMES.get(name, name), m.group(2).replace(" ", "")


def test_environment_yml_matches_pyproject():
    project = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]
    wanted = dict(_req(s) for s in project["dependencies"] + project["optional-dependencies"]["dev"])
    lines = (ROOT / "environment.yml").read_text().splitlines()
    conda = {}
    for line in lines[lines.index("dependencies:") :]:
        m = re.match(r"  - ([^\s:]+)$", line)
        if m and m.group(1) != "pip":
            name, ver = _req(m.group(1))
            if name != "python":
                conda[name] = ver
    assert conda == wanted, "environment.yml and pyproject.toml list different dependencies"
    assert any(re.match(r"\s+- -e \.\[dev\]", line) for line in lines), (
        "environment.yml must pip-install genlib"
    )
    python = next(line for line in lines if re.match(r"  - python", line))
    assert project["requires-python"].replace(" ", "") in python


def _notebooks():
    return sorted((ROOT / "notebooks").glob("*.ipynb"))


def test_chapters_are_numbered_pairs():
    nbs = _notebooks()
    assert nbs, "no chapters found"
    for nb in nbs:
        assert re.fullmatch(r"\d\d_[a-z0-9_]+\.ipynb", nb.name), nb.name
        assert nb.with_suffix(".py").is_file(), f"{nb.name} has no jupytext pair"
    for py in (ROOT / "notebooks").glob("[0-9][0-9]_*.py"):
        assert py.with_suffix(".ipynb").is_file(), f"{py.name} has no .ipynb pair"


@pytest.mark.parametrize("nb", _notebooks(), ids=lambda p: p.name)
def test_jupytext_pair_in_sync(nb):
    out = subprocess.run(
        [sys.executable, "-m", "jupytext", "--to", "py:percent", "-o", "-", str(nb)],
        capture_output=True,
        text=True,
        check=True,
    ).stdout
    assert out == nb.with_suffix(".py").read_text(), (
        f"{nb.name} and its .py differ: run `jupytext --sync notebooks/{nb.name}` "
        f"(or `make notebooks NB={nb.name[:2]}`)"
    )


@pytest.mark.parametrize("nb", _notebooks(), ids=lambda p: p.name)
def test_committed_outputs_exist(nb):
    import json

    cells = [c for c in json.loads(nb.read_text())["cells"] if c["cell_type"] == "code"]
    executed = [c for c in cells if c.get("execution_count")]
    assert len(executed) == len(cells), f"{nb.name}: run `make notebooks NB={nb.name[:2]}` before committing"
