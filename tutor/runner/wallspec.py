"""What the child's kernel walls allow (CORO_TUTOR_WALLS, put up by child/walls.py): which
folders and files it may read, write or only open, and which of the walls a tier needs.

The folders come from tutor.runner.sandbox (the same ones a tier binds); the Landlock ABI
from tutor.runner.tiers (the probe). docs/runner-sandbox.md, "The kernel walls".
"""

from __future__ import annotations

import os

from tutor.runner.sandbox import INBOX, needed_paths, system_paths

PRIVATE = ("/tmp", "/var/tmp", "/dev/shm")
"""Writable private tmpfs folders of the namespace tiers (besides the scratch dir)."""
DEVICES = ("/dev/null", "/dev/zero", "/dev/full")
"""Device files the program may write (and read)."""
RANDOM = ("/dev/urandom", "/dev/random")
"""Device files the program may only read: not /dev as a whole (a terminal in /dev/pts
would let a basic-tier program read the learner's keystrokes)."""


def walls_spec(
    tier: str,
    scratch: str,
    python: str,
    extra_ro: list[str] | tuple[str, ...] = (),
    keep_fds: tuple[int, ...] = (),
    *,
    abi: int,
    parent: int | None = None,
) -> str:
    """CORO_TUTOR_WALLS: what child/walls.py puts up in the child (see its docstring), with
    Landlock at `abi` (tiers.landlock_abi(); 0: none); `parent`: the child dies with that
    process, its parent (the basic tier, which has no setpriv or bwrap to see to it)."""
    lines = [] if parent is None else [f"pdeathsig {parent}"]
    lines += [f"keep {fd}" for fd in keep_fds]
    if abi:
        lines.append(f"landlock {abi}")
    if tier != "full":  # the full tier mounts no socket file; the others keep the host's
        lines.append("seccomp")
    if tier == "partial":
        lines.append("rofs")
    system = system_paths()
    if tier == "full":  # bwrap's /etc holds these entries and nothing else: one rule for all
        system = [p for p in system if not p.startswith("/etc/")] + ["/etc"]
    reads = system + needed_paths(python, extra_ro) + ["/proc", *RANDOM]
    reads.append("/sys/devices/system/cpu")
    if tier != "basic":
        reads.append(INBOX)
    lines += ["r " + p for p in reads]
    lines.append("w " + scratch)
    if tier != "basic":
        lines += ["w " + p for p in PRIVATE if os.path.isdir(p)]
    lines += ["f " + p for p in DEVICES]
    return "\n".join(lines)
