"""Training on several processes or GPUs with DistributedDataParallel (the command line).

    torchrun --nproc_per_node 4 -m genlib train nade --epochs 50 --out nade.pt     # 4 GPUs
    torchrun --nproc_per_node 2 -m genlib train independent --device cpu --out m.pt  # 2 CPU processes

torchrun starts one process per device and tells each its place through the environment:
RANK (0..WORLD_SIZE-1), WORLD_SIZE, LOCAL_RANK (the GPU on this machine), MASTER_ADDR/PORT.
Every epoch each rank trains on its shard of the same shuffled data, rank::WORLD_SIZE
(`genlib.train.fit(ddp=context)`); after each backward pass DDP averages the gradients, so every
rank takes the same optimizer step and holds the same weights. Rank 0 writes the checkpoints and
shows the progress bar; decisions that must agree (early stopping, time budget) use rank 0's numbers.
Backends: NCCL on CUDA, gloo on CPU.
"""

from __future__ import annotations

import os
from dataclasses import dataclass

import torch
import torch.distributed as dist
import torch.nn as nn


@dataclass
class Context:
    """Where this process stands: rank r of world processes, on `device`."""

    rank: int = 0
    world: int = 1
    local_rank: int = 0
    device: torch.device = torch.device("cpu")

    @property
    def is_main(self) -> bool:
        return self.rank == 0


def launched() -> bool:
    """True inside a process started by torchrun (RANK and WORLD_SIZE are set)."""
    return "RANK" in os.environ and "WORLD_SIZE" in os.environ


def init(device=None) -> Context:
    """Join the process group torchrun set up; pick this rank's device (cuda:LOCAL_RANK or the CPU)."""
    try:
        rank, world = int(os.environ["RANK"]), int(os.environ["WORLD_SIZE"])
        local = int(os.environ.get("LOCAL_RANK", rank))
    except (KeyError, ValueError):
        raise ValueError(
            "genlib.distributed.init() runs under torchrun, which sets RANK, WORLD_SIZE and "
            "LOCAL_RANK; start with `torchrun --nproc_per_node N -m genlib train ...`"
        ) from None
    dev = (
        torch.device(device)
        if device is not None
        else (torch.device("cuda", local) if torch.cuda.is_available() else torch.device("cpu"))
    )
    if dev.type == "cuda":
        dev = torch.device("cuda", local if dev.index is None else dev.index)
        torch.cuda.set_device(dev)
    if world > 1 and not dist.is_initialized():
        dist.init_process_group("nccl" if dev.type == "cuda" else "gloo", rank=rank, world_size=world)
    return Context(rank, world, local, dev)


class NLLLoss(nn.Module):
    """forward(x) = model.nll(x): the training loss as a module, so DDP wraps exactly the call that
    computes it (DDP syncs the gradients of what goes through its forward)."""

    def __init__(self, model):
        super().__init__()
        self.model = model

    def forward(self, x):
        return self.model.nll(x)


def wrap(model, ctx: Context) -> nn.Module:
    """DDP(NLLLoss(model)): call it on a batch to get the loss; backward() averages gradients over ranks."""
    from torch.nn.parallel import DistributedDataParallel as DDP

    ids = [ctx.device.index] if ctx.device.type == "cuda" else None
    return DDP(NLLLoss(model), device_ids=ids)


def _tensor(values):
    dev = torch.device("cuda", torch.cuda.current_device()) if dist.get_backend() == "nccl" else "cpu"
    return torch.tensor(values, dtype=torch.float64, device=dev)


def from_rank0(value: float) -> float:
    """Rank 0's value on every rank (so that every rank takes the same decision)."""
    if not dist.is_initialized():
        return value
    t = _tensor([value])
    dist.broadcast(t, src=0)
    return t.item()


def all_sum(*values: float) -> list[float]:
    """The sum of each value over all ranks."""
    if not dist.is_initialized():
        return list(values)
    t = _tensor(list(values))
    dist.all_reduce(t)
    return t.tolist()


def barrier():
    if dist.is_initialized():
        dist.barrier()


def cleanup():
    """Leave the process group (call once, at the end of training)."""
    if dist.is_initialized():
        dist.destroy_process_group()
