"""`python tests/helpers/slow_cli.py ARGS` = `python -m genlib ARGS` with every training batch slowed by
SLOW_BATCH_SECONDS (default 0.01), so that a test can kill a run in the middle of an epoch.

The slowing lives here, in the tests, not in genlib: it wraps train.train_epoch's `after_batch` callback.
"""

import os
import sys
import time

from genlib import cli, train

DELAY = float(os.environ.get("SLOW_BATCH_SECONDS", "0.01"))
_train_epoch = train.train_epoch


def slow_train_epoch(*args, after_batch=None, **kwargs):
    def slowly():
        time.sleep(DELAY)
        return after_batch() if after_batch is not None else False

    return _train_epoch(*args, after_batch=slowly, **kwargs)


train.train_epoch = slow_train_epoch
sys.exit(cli.main(sys.argv[1:]))
