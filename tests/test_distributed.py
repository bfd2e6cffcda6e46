"""genlib.distributed: `python -m genlib train` under torchrun (DDP, 2 CPU processes on loopback)."""

import os
import socket
import subprocess
import sys

from pathlib import Path

import pytest
import torch

import genlib
from genlib import data, distributed, train
from genlib.models import IndependentBernoulli


RANK_STATES_CLI = Path(__file__).parent / "helpers" / "rank_states_cli.py"  # also writes OUT.rankR per rank


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def test_two_cpu_processes_end_with_identical_weights(tmp_path):
    env = {**os.environ, "OMP_NUM_THREADS": "1"}
    cmd = [
        sys.executable,
        "-m",
        "torch.distributed.run",
        "--nproc_per_node",
        "2",
        "--master_addr",
        "127.0.0.1",
        "--master_port",
        str(free_port()),
        str(RANK_STATES_CLI),
        "train",
        "independent",
        "--device",
        "cpu",
        "--data",
        "mnist5k",
        "--epochs",
        "3",
        "--lr",
        "0.05",
        "--quiet",
        "--out",
        "m.pt",
    ]
    r = subprocess.run(cmd, cwd=tmp_path, env=env, capture_output=True, text=True, timeout=300)
    assert r.returncode == 0, r.stdout[-2000:] + r.stderr[-4000:]
    assert r.stdout.count("trained IndependentBernoulli") == 1, "only rank 0 may report and save"
    assert "(2 processes)" in r.stdout
    w0 = torch.load(tmp_path / "m.pt.rank0", weights_only=True)
    w1 = torch.load(tmp_path / "m.pt.rank1", weights_only=True)
    assert w0.keys() == w1.keys()
    for k in w0:
        assert torch.equal(w0[k], w1[k]), f"rank 0 and rank 1 disagree on {k}: gradients were not synced"
    model = genlib.load(tmp_path / "m.pt")
    assert torch.equal(model.logits, w0["logits"]), "the checkpoint is not the ranks' final model"
    assert model.logits.abs().sum() > 0, "the model did not train"
    nll = train.evaluate(model, data.load("mnist5k", "test"))
    assert nll < 784 * 0.6931 - 100, f"test NLL {nll:.1f} is no better than coin flips"


def test_each_rank_gets_a_disjoint_shard_of_the_same_size():
    for n, world in [(10, 2), (11, 2), (4000, 3), (7, 4)]:
        shards = []
        for rank in range(world):
            shards.append(torch.cat(list(train.epoch_order(n, 5, 0, rank, world).split(3))))
        assert len({len(s) for s in shards}) == 1, "ranks must take the same number of steps"
        union = torch.cat(shards)
        assert len(union) == len(set(union.tolist())) == n - n % world


def test_ddp_loss_module_is_the_models_nll():
    torch.manual_seed(0)
    model = IndependentBernoulli((1, 3, 3))
    x = torch.bernoulli(torch.full((8, 1, 3, 3), 0.3))
    assert torch.equal(distributed.NLLLoss(model)(x), model.nll(x))


def test_outside_torchrun(monkeypatch):
    for var in ("RANK", "WORLD_SIZE", "LOCAL_RANK"):
        monkeypatch.delenv(var, raising=False)
    assert not distributed.launched()
    with pytest.raises(ValueError, match="torchrun"):
        distributed.init()
    assert distributed.from_rank0(1.5) == 1.5 and distributed.all_sum(1.0, 2.0) == [1.0, 2.0]
