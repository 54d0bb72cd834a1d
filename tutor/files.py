"""Writing the tutor's own files so that no crash, kill -9 or second process can damage them.

One helper for every file the tutor writes (progress, the course cache, the sandbox probe
cache): :func:`atomic_write` leaves either the old content or the new one, never a mix.
:func:`locked` serialises read-modify-write cycles between processes (`coro-tutor quiz`
in one terminal and the TUI in another).
"""

from __future__ import annotations

import contextlib
import os
import time
from collections.abc import Iterator
from pathlib import Path


def atomic_write(path: str | os.PathLike[str], payload: bytes, mode: int = 0o600) -> None:
    """Replace `path` with `payload`: temp file, fsync, rename, fsync the folder."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(f".{path.name}.tmp-{os.getpid()}-{time.monotonic_ns()}")
    fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_EXCL | os.O_CLOEXEC, mode)
    try:
        view = memoryview(payload)
        while view:
            written = os.write(fd, view)
            view = view[written:]
        os.fsync(fd)
    except BaseException:
        os.close(fd)
        with contextlib.suppress(OSError):
            os.unlink(tmp)
        raise
    os.close(fd)
    try:
        os.replace(tmp, path)
    except BaseException:
        with contextlib.suppress(OSError):
            os.unlink(tmp)
        raise
    with contextlib.suppress(OSError):  # some file systems cannot fsync a folder
        dir_fd = os.open(path.parent, os.O_RDONLY)
        try:
            os.fsync(dir_fd)
        finally:
            os.close(dir_fd)


def sweep_temp_files(path: str | os.PathLike[str]) -> None:
    """Remove temp files a killed :func:`atomic_write` of `path` left (older than a minute,
    so never a live writer's)."""
    path = Path(path)
    with contextlib.suppress(OSError):
        for leftover in path.parent.glob(f".{path.name}.tmp-*"):
            with contextlib.suppress(OSError):
                if time.time() - leftover.stat().st_mtime > 60:
                    leftover.unlink()


@contextlib.contextmanager
def locked(path: str | os.PathLike[str]) -> Iterator[bool]:
    """Hold an exclusive lock on `path`.lock (flock) for the block; yields whether it is held.

    A folder where the lock file cannot be made (read-only, missing) yields False and the
    block runs unlocked: the write that follows fails there anyway, with its own sentence.
    The kernel drops the lock when the process dies, so a kill -9 never leaves it stuck.
    """
    import fcntl

    lock_path = Path(path).with_name(Path(path).name + ".lock")
    try:
        lock_path.parent.mkdir(parents=True, exist_ok=True)
        fd = os.open(lock_path, os.O_RDWR | os.O_CREAT | os.O_CLOEXEC, 0o600)
    except OSError:
        yield False
        return
    try:
        fcntl.flock(fd, fcntl.LOCK_EX)
        yield True
    finally:
        os.close(fd)  # closing the descriptor releases the lock
