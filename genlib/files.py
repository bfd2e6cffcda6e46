"""File helpers shared by data, downloads, checkpoints and training: hashes, atomic writes, the cache folder.

    files.sha256(path)                       # hex digest, read in 1 MiB blocks
    files.atomic_write_bytes(path, data)     # the old file or the new one after a crash, never half
    files.cache_dir()                        # $GENLIB_CACHE, else ~/.cache/genlib

This module imports nothing else from genlib, so every other module can use it.
"""

from __future__ import annotations

import hashlib
import os
import tempfile
from pathlib import Path


def sha256(path) -> str:
    """The SHA-256 of a file's bytes, as 64 hex digits."""
    h = hashlib.sha256()
    with open(path, "rb") as f:
        for block in iter(lambda: f.read(1 << 20), b""):
            h.update(block)
    return h.hexdigest()


def cache_dir() -> Path:
    """Where trained models and downloads are cached: $GENLIB_CACHE, else ~/.cache/genlib."""
    return Path(os.environ.get("GENLIB_CACHE") or Path.home() / ".cache" / "genlib").expanduser()


def atomic_write_bytes(path, data: bytes) -> Path:
    """Write to a temporary file in the same folder, flush to disk, then rename over `path`.

    A crash at any moment leaves either the old file or the new one, never half of one.
    """
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=path.name + ".", suffix=".tmp")
    try:
        with os.fdopen(fd, "wb") as f:
            f.write(data)
            f.flush()
            os.fsync(f.fileno())
        os.replace(tmp, path)
    except BaseException:
        if os.path.exists(tmp):
            os.unlink(tmp)
        raise
    return path
