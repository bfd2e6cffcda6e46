"""`torchrun ... tests/helpers/rank_states_cli.py train ... --out OUT` = `-m genlib train ...`, and every rank
also writes its final weights to OUT.rankR, so that a test can check that all ranks end with the same model.

The saving lives here, in the tests, not in genlib: it wraps train.fit.
"""

import functools
import os
import sys

import torch

from genlib import cli, train

_fit = train.fit
OUT = sys.argv[sys.argv.index("--out") + 1]


@functools.wraps(_fit)
def fit_and_save_rank_state(model, *args, **kwargs):
    hist = _fit(model, *args, **kwargs)
    weights = {k: v.detach().cpu() for k, v in model.state_dict().items()}
    torch.save(weights, f"{OUT}.rank{os.environ.get('RANK', '0')}")
    return hist


train.fit = fit_and_save_rank_state
sys.exit(cli.main(sys.argv[1:]))
