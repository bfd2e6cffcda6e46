"""benchmarks/run.py (`make bench`): a quick smoke run writes the JSON and the table the README shows."""

import importlib.util
import inspect
import json
import subprocess
import sys
import time
from pathlib import Path

import pytest

from genlib import models

ROOT = Path(__file__).resolve().parents[1]
spec = importlib.util.spec_from_file_location("bench_run", ROOT / "benchmarks" / "run.py")
bench = importlib.util.module_from_spec(spec)
spec.loader.exec_module(bench)
spec = importlib.util.spec_from_file_location("bench_timing", ROOT / "benchmarks" / "timing.py")
timing = importlib.util.module_from_spec(spec)
spec.loader.exec_module(timing)

ROW_KEYS = {
    "model": str,
    "class": str,
    "data": str,
    "device": str,
    "kwargs": dict,
    "params": int,
    "train_images_per_s": float,
    "sample_64_s": float,
    "sample_estimated": bool,
    "peak_memory_mib": float,
    "test_nll_nats": float,
    "bits_per_dim": float,
    "epochs": float,
}


def test_quick_run_writes_results_json_and_markdown(tmp_path):
    readme_before = (ROOT / "README.md").read_text()
    r = subprocess.run(
        [
            sys.executable,
            str(ROOT / "benchmarks" / "run.py"),
            "--quick",
            "--models",
            "independent",
            "--seconds",
            "0.5",
            "--devices",
            "cpu",
            "--out",
            str(tmp_path),
        ],
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert r.returncode == 0, r.stdout[-2000:] + r.stderr[-2000:]
    results = json.loads((tmp_path / "results.json").read_text())
    assert {"cpu", "cores", "torch", "gpu", "date"} <= results["machine"].keys()
    assert results["settings"]["quick"] is True and results["settings"]["devices"] == ["cpu"]
    (row,) = results["models"]
    assert "error" not in row, row
    for key, kind in ROW_KEYS.items():
        assert isinstance(row[key], kind) or (kind is float and isinstance(row[key], int)), (key, row[key])
    assert row["params"] == 784  # one logit per pixel
    assert row["train_images_per_s"] > 0 and row["sample_64_s"] >= 0 and row["peak_memory_mib"] >= 0
    assert (
        0 < row["test_nll_nats"] < 784 * 0.7
        and abs(row["bits_per_dim"] - row["test_nll_nats"] / (784 * 0.693147)) < 1e-3
    )
    table = (tmp_path / "results.md").read_text()
    assert "| IndependentBernoulli | mnist5k | cpu | 784 |" in table and results["machine"]["torch"] in table
    assert (ROOT / "README.md").read_text() == readme_before, "a quick run must not touch README.md"


def test_every_registered_model_is_benchmarked():
    cfgs = bench.configs()
    for name, cls in models.REGISTRY.items():
        assert {
            "model": name,
            "kwargs": {},
            "data": {"binary": "mnist5k", "8bit": "mnist5k_grey", "real": "digits8"}[cls.pixel_kind],
        } in cfgs
        if "levels" in inspect.signature(cls.__init__).parameters:
            assert {"model": name, "kwargs": {"levels": 256}, "data": "mnist5k_grey"} in cfgs


def test_readme_block_is_replaced_between_markers(tmp_path):
    readme = tmp_path / "README.md"
    readme.write_text(f"# Book\n\n{bench.START}\nold table\n{bench.END}\n\nafter\n")
    assert bench.update_readme("| new | table |\n", readme)
    assert readme.read_text() == f"# Book\n\n{bench.START}\n| new | table |\n{bench.END}\n\nafter\n"
    (tmp_path / "plain.md").write_text("no markers\n")
    assert not bench.update_readme("x\n", tmp_path / "plain.md")
    assert (tmp_path / "plain.md").read_text() == "no markers\n"


def test_interleaved_timing_calls_every_contender_once_a_round_in_turn():
    calls = []
    fns = {name: (lambda name=name: calls.append(name)) for name in "abc"}
    times = timing.interleaved(fns, rounds=3, max_rounds={"c": 1})
    assert calls == ["a", "b", "c", "a", "b", "a", "b"]
    assert [len(times[n]) for n in "abc"] == [3, 3, 1] and all(t >= 0 for ts in times.values() for t in ts)
    with pytest.raises(ValueError, match="rounds"):
        timing.interleaved(fns, rounds=0)
    with pytest.raises(ValueError, match="max_rounds"):
        timing.interleaved(fns, rounds=2, max_rounds={"d": 1})


def test_seconds_is_the_wall_time_of_one_call():
    assert 0.05 <= timing.seconds(lambda: time.sleep(0.05), "cpu") < 1.0
    times = timing.interleaved({"fast": lambda: None, "slow": lambda: time.sleep(0.02)}, rounds=1)
    assert times["fast"][0] < times["slow"][0] and times["slow"][0] >= 0.02


def test_references_legend_is_in_the_script_output_and_in_the_readme():
    """The README's references block is written by benchmarks/references.py: its legend is the script's."""
    sys.path.insert(0, str(ROOT / "benchmarks"))  # references.py imports `run` from its own folder
    try:
        path = ROOT / "benchmarks" / "references.py"
        spec = importlib.util.spec_from_file_location("bench_references", path)
        refs = importlib.util.module_from_spec(spec)
        spec.loader.exec_module(refs)
    finally:
        sys.path.remove(str(ROOT / "benchmarks"))
    row = {"name": "fvsbn", "about": "FVSBN", "paper": (97.45, "a paper"), "goal": 98.0, "nll": None}
    assert refs.LEGEND in refs.markdown([row]).splitlines()
    readme = (ROOT / "README.md").read_text()
    block = readme[readme.index(refs.START) : readme.index(refs.END)]
    assert refs.LEGEND in block.splitlines()
