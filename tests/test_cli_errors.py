"""Issue 15: every bad input to `python -m genlib` is one clear line and a non-zero exit, never a traceback,
and writes no model; one training run at a time per output file; --resume refuses a different run."""

import argparse
import io
import hashlib
import json
import os
import signal
import subprocess
import sys
import time
import traceback
from pathlib import Path

import numpy as np
import pytest
import torch

import genlib
from genlib import checkpoint as ckpt
from genlib import cli, files
from genlib.models import NADE, IndependentBernoulli

SLOW_CLI = Path(__file__).parent / "helpers" / "slow_cli.py"
TRAIN = ["train", "independent", "--data", "tiny.npz", "--epochs", "1", "--quiet", "--device", "cpu"]


def genlib_cli(*args, cwd, script=None, **popen):
    env = {**os.environ, "OMP_NUM_THREADS": "1"}
    cmd = [sys.executable, *([str(script)] if script else ["-m", "genlib"]), *map(str, args)]
    return subprocess.run(cmd, cwd=cwd, env=env, capture_output=True, text=True, timeout=300, **popen)


def forked_cli(args, cwd):
    """`python -m genlib ARGS` in a forked child of this process (which has imported torch already, so a
    case costs milliseconds, not a 2-second interpreter start): (exit code, stderr), as the interpreter
    would give them, an uncaught exception's traceback included."""
    err_path = Path(cwd) / f".stderr-{os.getpid()}-{time.monotonic_ns()}"
    pid = os.fork()
    if pid == 0:  # the child: never returns into pytest
        code = 1
        try:
            fd = os.open(err_path, os.O_WRONLY | os.O_CREAT, 0o600)
            os.dup2(fd, 2)
            sys.stderr = open(2, "w", closefd=False)
            sys.stdout = open(os.devnull, "w")
            os.chdir(cwd)
            code = cli.main(list(map(str, args)))
        except SystemExit as e:
            code = e.code if isinstance(e.code, int) else 1
        except BaseException:
            traceback.print_exc()
        finally:
            sys.stderr.flush()
            os._exit(code)
    _, status = os.waitpid(pid, 0)
    err = err_path.read_text()
    err_path.unlink()
    return os.waitstatus_to_exitcode(status), err


def crafted_checkpoint(path, payload):
    """A file with a valid genlib header around any torch.save body."""
    buf = io.BytesIO()
    torch.save(payload, buf)
    body = buf.getvalue()
    path.write_bytes(f"genlib-checkpoint v1 sha256={hashlib.sha256(body).hexdigest()}\n".encode() + body)


@pytest.fixture(scope="module")
def folder(tmp_path_factory):
    """Inputs of every kind, good and bad."""
    d = tmp_path_factory.mktemp("inputs")
    rng = np.random.default_rng(0)
    np.savez(d / "tiny.npz", x=rng.integers(0, 2, (60, 1, 4, 4), dtype=np.uint8))
    np.savez(
        d / "empty.npz",
        x_train=np.zeros((0, 1, 4, 4), np.uint8),
        x_val=np.zeros((3, 1, 4, 4), np.uint8),
        x_test=np.zeros((3, 1, 4, 4), np.uint8),
    )
    np.savez(d / "grey.npz", x=rng.integers(0, 256, (20, 784), dtype=np.uint8))
    np.savez(
        d / "noval.npz", x_train=np.zeros((9, 1, 4, 4), np.uint8), x_test=np.zeros((3, 1, 4, 4), np.uint8)
    )
    (d / "afile").write_text("not a folder")
    (d / "adir").mkdir()
    (d / "garbage.pt").write_bytes(b"garbage")
    genlib.save(IndependentBernoulli((1, 4, 4)), d / "good.pt", data=str(d / "tiny.npz"))
    nan = IndependentBernoulli((1, 4, 4))
    with torch.no_grad():
        nan.logits.fill_(float("nan"))
    genlib.save(nan, d / "nan.pt", data=str(d / "tiny.npz"))
    crafted_checkpoint(
        d / "pickled.pt",
        {
            "model": "independent",
            "config": {"shape": [1, 4, 4]},
            "state_dict": {},
            "extra": argparse.Namespace(x=1),
        },
    )
    crafted_checkpoint(
        d / "swapped.pt",
        {
            "model": "NADE",
            "config": {"shape": [1, 4, 4], "hidden": 3},
            "state_dict": IndependentBernoulli((1, 4, 4)).state_dict(),
        },
    )
    crafted_checkpoint(
        d / "huge.pt", {"model": "NADE", "config": {"shape": [1, 28, 28], "hidden": 10**7}, "state_dict": {}}
    )
    crafted_checkpoint(
        d / "unknown_key.pt", {"model": "NADE", "config": {"shape": [1, 4, 4], "depth": 3}, "state_dict": {}}
    )
    return d


BAD = [  # (arguments, a phrase the one-line message must contain)
    (["train", "no_such_model", "--out", "m.pt"], "unknown model 'no_such_model'"),
    ([*TRAIN, "--batch-size", "-5", "--out", "m.pt"], "batch_size"),
    ([*TRAIN, "--batch-size", "0", "--out", "m.pt"], "batch_size"),
    ([*TRAIN, "--minutes", "-1", "--out", "m.pt"], "minutes"),
    ([*TRAIN, "--minutes", "nan", "--out", "m.pt"], "minutes"),
    ([*TRAIN, "--minutes", "inf", "--out", "m.pt"], "minutes"),
    (
        ["train", "independent", "--data", "tiny.npz", "--epochs", "0", "--minutes", "0.01", "--out", "m.pt"],
        "epochs",
    ),
    ([*TRAIN, "--epochs", "-3", "--out", "m.pt"], "epochs"),
    ([*TRAIN, "--lr", "inf", "--out", "m.pt"], "learning rate"),
    ([*TRAIN, "--lr", "nan", "--out", "m.pt"], "learning rate"),
    ([*TRAIN, "--lr", "0", "--out", "m.pt"], "learning rate"),
    ([*TRAIN, "--lr", "-0.001", "--out", "m.pt"], "learning rate"),
    ([*TRAIN, "--seed", "-1", "--out", "m.pt"], "seed"),
    ([*TRAIN, "--clip", "-1", "--out", "m.pt"], "clip"),
    (
        [
            "train",
            "independent",
            "--data",
            "tiny.npz",
            "--minutes",
            "1",
            "--schedule",
            "cosine",
            "--out",
            "m.pt",
        ],
        "cosine",
    ),
    ([*TRAIN[:-2], "--device", "tpu", "--out", "m.pt"], "tpu"),
    ([*TRAIN[:-2], "--device", "cuda:99", "--out", "m.pt"], "cuda:99"),
    ([*TRAIN, "--set", "foo=1", "--out", "m.pt"], "no setting 'foo'"),
    ([*TRAIN, "--set", "novalue", "--out", "m.pt"], "KEY=VALUE"),
    ([*TRAIN, "--set", "shape=[1,2,2]", "--out", "m.pt"], "shape comes from the data"),
    (
        ["train", "nade", "--data", "tiny.npz", "--epochs", "1", "--set", "hidden=true", "--out", "m.pt"],
        "hidden must be a whole number",
    ),
    (
        ["train", "nade", "--data", "tiny.npz", "--epochs", "1", "--set", "hidden=-5", "--out", "m.pt"],
        "hidden",
    ),
    (
        ["train", "nade", "--data", "tiny.npz", "--epochs", "1", "--set", "hidden=10000000", "--out", "m.pt"],
        "too large",
    ),
    (
        ["train", "pixelcnn", "--data", "tiny.npz", "--epochs", "1", "--set", "hidden=5000", "--out", "m.pt"],
        "parameters",
    ),
    ([*TRAIN, "--out", "adir"], "is a folder"),
    ([*TRAIN, "--out", "afile/m.pt"], "is a file, not a folder"),
    ([*TRAIN[:3], "missing.npz", *TRAIN[4:], "--out", "m.pt"], "unknown dataset"),
    ([*TRAIN[:3], "mnits", *TRAIN[4:], "--out", "m.pt"], "unknown dataset 'mnits'"),
    ([*TRAIN[:3], "empty.npz", *TRAIN[4:], "--out", "m.pt"], "holds no images"),
    ([*TRAIN[:3], "grey.npz", *TRAIN[4:], "--out", "m.pt"], "binary pixels"),
    ([*TRAIN[:3], "noval.npz", *TRAIN[4:], "--out", "m.pt"], "x_val"),
    ([*TRAIN[:3], "garbage.pt", *TRAIN[4:], "--out", "m.pt"], "not a readable .npz"),
    (["train", "rnade", "--data", "tiny.npz", "--epochs", "1", "--out", "m.pt"], "binary pixels {0, 1}"),
    ([*TRAIN, "--epochs", "abc", "--out", "m.pt"], "invalid int value"),
    (["eval", "missing.pt"], "no checkpoint at missing.pt"),
    (["eval", "adir"], "it is a folder"),
    (["eval", "garbage.pt"], "not a genlib checkpoint"),
    (["eval", "pickled.pt"], "does not load"),
    (["eval", "swapped.pt"], "weights do not fit"),
    (["eval", "huge.pt"], "too large"),
    (["eval", "unknown_key.pt"], "no setting 'depth'"),
    (["eval", "good.pt", "--split", "bogus"], "split must be one of"),
    (["eval", "good.pt", "--data", "digits8"], "shape"),
    (["eval", "nan.pt"], "NaN"),
    (["sample", "good.pt", "-n", "1000000000", "--out", "g.png"], "-n must be between 1 and"),
    (["sample", "good.pt", "-n", "0", "--out", "g.png"], "-n must be between 1 and"),
    (["sample", "good.pt", "--out", "grid.bmpx"], "unknown extension '.bmpx'"),
    (["sample", "good.pt", "--out", "grid"], "unknown extension"),
    (["sample", "garbage.pt", "--out", "g.png"], "not a genlib checkpoint"),
    ([*TRAIN, "--patience", "0", "--out", "m.pt"], "patience must be >= 1"),
]


def test_every_bad_invocation_is_one_clear_line(folder):
    assert len(BAD) >= 30
    before = {p.name for p in folder.iterdir()}
    for args, phrase in BAD:
        code, err = forked_cli(args, folder)
        shown = f"python -m genlib {' '.join(args)}\n{err[-1500:]}"
        assert code != 0, shown
        assert "Traceback" not in err, shown
        assert phrase in err, shown
    assert {p.name for p in folder.iterdir()} == before, "a bad invocation left a file behind"


@pytest.mark.parametrize("case", [0, 3, 26, 33, 36], ids=lambda i: " ".join(BAD[i][0][:2]))
def test_bad_invocations_in_a_fresh_interpreter(folder, case):
    """A few of the cases above through the real entry point, `python -m genlib`."""
    args, phrase = BAD[case]
    r = genlib_cli(*args, cwd=folder)
    assert r.returncode != 0 and "Traceback" not in r.stderr and phrase in r.stderr, r.stderr


def test_debug_shows_the_traceback(folder):
    r = genlib_cli("eval", "garbage.pt", "--debug", cwd=folder)
    assert r.returncode != 0 and "Traceback" in r.stderr and "not a genlib checkpoint" in r.stderr


@pytest.mark.parametrize(
    "args",
    [["--debug", "eval", "garbage.pt"], ["eval", "garbage.pt", "--debug"]],
    ids=["before", "after"],
)
def test_debug_works_before_and_after_the_subcommand(folder, args):
    """The subcommand's --debug must not reset a --debug given before the subcommand to False."""
    assert cli.parser().parse_args(args).debug is True
    code, err = forked_cli(args, folder)
    assert code != 0 and "Traceback" in err and "not a genlib checkpoint" in err, err[-1500:]
    code, err = forked_cli([a for a in args if a != "--debug"], folder)
    assert code != 0 and "Traceback" not in err, err[-1500:]


def test_patience_reaches_fit(folder, monkeypatch):
    """--patience N is fit's patience (early stopping); without it, fit's default."""
    seen = []
    monkeypatch.setattr(cli, "train_model", lambda *a, fit_kwargs, **kw: seen.append(fit_kwargs))
    assert cli.main([*TRAIN, "--patience", "3", "--out", str(folder / "p.pt")]) == 0
    assert cli.main([*TRAIN, "--out", str(folder / "p.pt")]) == 0
    assert seen[0]["patience"] == 3 and "patience" not in seen[1]


def test_eval_json_of_nan_weights_is_valid_json(folder):
    r = genlib_cli("eval", "nan.pt", "--json", cwd=folder)
    assert r.returncode != 0 and "NaN" in r.stderr
    out = json.loads(r.stdout)  # strict JSON: NaN would not parse with allow_nan off below
    json.dumps(out, allow_nan=False)
    assert out["nll_nats"] is None and out["bits_per_dim"] is None


def test_sample_writes_into_new_folders(folder, tmp_path):
    r = genlib_cli(
        "sample", folder / "good.pt", "-n", "4", "--out", tmp_path / "a" / "b" / "grid.jpg", cwd=folder
    )
    assert r.returncode == 0, r.stderr
    assert (tmp_path / "a" / "b" / "grid.jpg").read_bytes()[:2] == b"\xff\xd8"
    assert [p.name for p in (tmp_path / "a" / "b").iterdir()] == ["grid.jpg"]  # no temporary file left


def test_two_trainings_on_one_out(folder, tmp_path):
    """The second run is refused at once, naming the first's process; the first finishes intact."""
    (tmp_path / "tiny.npz").write_bytes((folder / "tiny.npz").read_bytes())
    args = [
        "train",
        "independent",
        "--data",
        "tiny.npz",
        "--epochs",
        "4",
        "--batch-size",
        "4",
        "--quiet",
        "--device",
        "cpu",
        "--out",
        "m.pt",
    ]
    env = {
        **os.environ,
        "OMP_NUM_THREADS": "1",
        "SLOW_BATCH_SECONDS": "0.05",
    }  # 12 batches x 4 epochs: ~2.5 s
    first = subprocess.Popen(
        [sys.executable, str(SLOW_CLI), *args],
        cwd=tmp_path,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    lock = tmp_path / "m.pt.lock"
    deadline = time.time() + 120
    while not (lock.exists() and lock.read_text().strip()) and time.time() < deadline:
        time.sleep(0.02)
    t0 = time.time()
    second = genlib_cli(*args, "--resume", cwd=tmp_path)
    refused_in = time.time() - t0
    out, err = first.communicate(timeout=300)
    assert first.returncode == 0, err
    assert second.returncode != 0 and "Traceback" not in second.stderr
    assert f"another run (process {first.pid}) is writing m.pt" in second.stderr, second.stderr
    assert refused_in < 30, "the second run must be refused at once, not after training"
    model, state = genlib.load(tmp_path / "m.pt"), ckpt.load_payload(tmp_path / "m.pt.state")
    assert model.extra["history"]["epochs_run"] == 4 == state["history"]["epochs_run"]
    assert torch.equal(model.logits, state["best_state"]["logits"])  # the first run's own best epoch
    assert not lock.exists(), "the lock file is removed when the run ends"


def test_a_stale_lock_of_a_dead_process_is_taken_over(tmp_path):
    proc = subprocess.Popen(
        [
            sys.executable,
            "-c",
            "import sys, time; from genlib import files\n"
            "with files.exclusive(sys.argv[1]):\n    print('locked', flush=True); time.sleep(60)",
            str(tmp_path / "m.pt"),
        ],
        stdout=subprocess.PIPE,
        text=True,
    )
    assert proc.stdout.readline().strip() == "locked"
    with pytest.raises(files.LockedError, match=f"process {proc.pid}"):
        with files.exclusive(tmp_path / "m.pt"):
            pass
    proc.send_signal(signal.SIGKILL)
    proc.wait()
    assert (tmp_path / "m.pt.lock").exists()  # killed: the file stays, the lock is gone
    with files.exclusive(tmp_path / "m.pt"):
        assert (tmp_path / "m.pt.lock").read_text().strip() == str(os.getpid())


@pytest.mark.parametrize(
    "change,phrase",
    [
        (["--lr", "0.01"], "lr"),
        (["--data", "other.npz"], "data"),
        (["--batch-size", "16"], "batch_size"),
        (["--seed", "5"], "seed"),
    ],
)
def test_resume_refuses_a_different_run(folder, tmp_path, change, phrase, capsys):
    rng = np.random.default_rng(1)
    np.savez(tmp_path / "tiny.npz", x=rng.integers(0, 2, (60, 1, 4, 4), dtype=np.uint8))
    np.savez(tmp_path / "other.npz", x=rng.integers(0, 2, (60, 1, 4, 4), dtype=np.uint8))
    base = [
        "train",
        "independent",
        "--data",
        tmp_path / "tiny.npz",
        "--epochs",
        "2",
        "--batch-size",
        "8",
        "--lr",
        "0.05",
        "--seed",
        "0",
        "--quiet",
        "--out",
        tmp_path / "m.pt",
    ]
    assert cli.main(list(map(str, base))) == 0
    state = (tmp_path / "m.pt.state").read_bytes()
    (tmp_path / "m.pt").unlink()
    args = [str(a) for a in base]
    args[args.index("--epochs") + 1] = "4"
    for flag, value in zip(change[::2], change[1::2]):
        args[args.index(flag) + 1] = str(tmp_path / value) if flag == "--data" else value
    code = cli.main([*args, "--resume"])
    err = capsys.readouterr().err
    assert code == 2 and f"was trained with {phrase}" in err and "Traceback" not in err, err
    assert not (tmp_path / "m.pt").exists() and (tmp_path / "m.pt.state").read_bytes() == state


def test_load_returns_eval_mode_and_files_follow_the_umask(tmp_path):
    model = IndependentBernoulli((1, 3, 3)).train()
    old = os.umask(0o022)
    try:
        path = genlib.save(model, tmp_path / "m.pt")
    finally:
        os.umask(old)
    assert path.stat().st_mode & 0o777 == 0o644
    assert genlib.load(path).training is False


def test_orphan_temporary_files_are_removed_by_the_next_run(folder, tmp_path):
    (tmp_path / "tiny.npz").write_bytes((folder / "tiny.npz").read_bytes())
    orphans = [tmp_path / "m.pt.1a2b3c4d.tmp", tmp_path / "m.pt.state.5e6f7a8b.tmp"]
    for p in orphans:
        p.write_bytes(b"half a checkpoint")
    (tmp_path / "other.pt.0000.tmp").write_bytes(b"someone else's")
    r = genlib_cli(*TRAIN, "--out", "m.pt", cwd=tmp_path)
    assert r.returncode == 0, r.stderr
    assert not any(p.exists() for p in orphans) and (tmp_path / "other.pt.0000.tmp").exists()


def test_complex_input_is_refused():
    with pytest.raises(ValueError, match="complex"):
        NADE((1, 2, 2), hidden=3).log_prob(torch.ones(1, 1, 2, 2, dtype=torch.complex64))
