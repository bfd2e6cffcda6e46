"""File helpers shared by data, downloads, checkpoints and training: hashes, atomic writes, locks, the cache.

    files.sha256(path)                       # hex digest, read in 1 MiB blocks
    files.atomic_write_bytes(path, data)     # the old file or the new one after a crash, never half
    files.cache_dir()                        # $GENLIB_CACHE, else ~/.cache/genlib
    with files.exclusive(out):               # one training run at a time may write `out`
        ...

This module imports nothing else from genlib, so every other module can use it.
"""

from __future__ import annotations

import contextlib
import hashlib
import os
import secrets
import time
from pathlib import Path

try:
    import fcntl  # POSIX; on Windows the lock is skipped (see `exclusive`)
except ImportError:  # pragma: no cover
    fcntl = None


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

    A crash at any moment leaves either the old file or the new one, never half of one (a crash can leave
    the temporary file PATH.<random>.tmp behind: `remove_orphans` deletes those). The file is created
    with mode 0o666 minus the umask, like any file a program opens for writing.
    """
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(f"{path.name}.{secrets.token_hex(4)}.tmp")
    fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o666)
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


def remove_orphans(path, older_than: float = 0.0) -> list[Path]:
    """Delete the temporary files PATH.<random>.tmp that a killed atomic write of `path` left behind.

    Only safe when no other process writes `path` now: hold its lock (`exclusive`), or pass
    older_than (seconds) so that a write in progress is left alone.
    """
    path = Path(path)
    removed = []
    for tmp in path.parent.glob(f"{path.name}.*.tmp") if path.parent.is_dir() else []:
        with contextlib.suppress(OSError):
            if time.time() - tmp.stat().st_mtime >= older_than:
                tmp.unlink()
                removed.append(tmp)
    return removed


class LockedError(RuntimeError):
    """Another process holds the lock of a file."""


@contextlib.contextmanager
def exclusive(path):
    """Hold an exclusive lock on `path` (the lock file PATH.lock) for the length of the `with` block.

    A second process asking for the same lock is refused at once with LockedError, naming the process
    that holds it. The operating system drops the lock when its process dies, so the lock file of a killed
    run is stale but harmless: the next run takes it over. Without fcntl (Windows) nothing is locked.
    """
    lock = Path(f"{path}.lock")
    if fcntl is None:  # pragma: no cover
        yield lock
        return
    while True:
        fd = os.open(lock, os.O_RDWR | os.O_CREAT, 0o666)
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            holder = os.read(fd, 100).decode(errors="replace").strip() or "unknown"
            os.close(fd)
            raise LockedError(
                f"another run (process {holder}) is writing {path}; wait for it to finish, "
                f"or choose another output file"
            ) from None
        try:  # the holder before us may have deleted the file we opened: then lock the new one
            same = os.fstat(fd).st_ino == os.stat(lock).st_ino
        except FileNotFoundError:
            same = False
        if same:
            break
        os.close(fd)
    try:
        os.ftruncate(fd, 0)
        os.write(fd, f"{os.getpid()}\n".encode())
        yield lock
    finally:
        with contextlib.suppress(OSError):
            lock.unlink()
        os.close(fd)
