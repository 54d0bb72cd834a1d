"""A cap on programs running at once across processes: `coro-tutor serve` gives every
learner's app process CORO_TUTOR_RUN_SLOTS=DIR:M, and a run first takes one of M slots.

A slot is an exclusive flock on one of M files in DIR: the kernel frees it when the holder
closes it or dies, so a crashed app never keeps a slot.
"""

from __future__ import annotations

import fcntl
import os

ENV = "CORO_TUTOR_RUN_SLOTS"


class Slot:
    """One taken slot; release() (or the process ending) gives it back."""

    def __init__(self, fd: int) -> None:
        self.fd = fd

    def release(self) -> None:
        if self.fd >= 0:
            os.close(self.fd)
            self.fd = -1


def configured(environ: dict[str, str] | None = None) -> tuple[str, int] | None:
    """(folder, count) from the environment, or None when runs are not capped."""
    spec = (os.environ if environ is None else environ).get(ENV, "")
    folder, _, count = spec.rpartition(":")
    if not folder or not count.isdigit() or int(count) < 1:
        return None
    return folder, int(count)


def try_take(folder: str, count: int) -> Slot | None:
    """A free slot now, or None when all `count` are taken."""
    for index in range(count):
        fd = os.open(os.path.join(folder, f"slot-{index}"), os.O_RDWR | os.O_CREAT, 0o600)
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            os.close(fd)
            continue
        return Slot(fd)
    return None
