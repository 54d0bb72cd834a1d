"""The processes of a run: /proc scanning, the subreaper, signalling, sweeping, reaping.

`Procs` knows which processes belong to one run (the spawned sandbox process, the
namespace's init, the program and whatever it forked) and how to stop them; the session
decides when. Reading /proc directly (no psutil) keeps `coro-tutor run` fast.
"""

from __future__ import annotations

import os
import sys
import time

SIGINT, SIGKILL = 2, 9  # Linux numbers (the `signal` module pulls in enum)

_PR_SET_CHILD_SUBREAPER = 36
_basic_runs = 0
"""Basic-tier runs in progress: the tutor is a child subreaper only while there are any."""
_subreaper_ok = False


def _set_subreaper(on: bool) -> bool:
    """prctl through child/walls.py's bare `_ctypes` binding: the `ctypes` package would
    cost `coro-tutor run` several ms of imports."""
    if not sys.platform.startswith("linux"):
        return False
    try:
        from tutor.runner.child.walls import prctl

        prctl(_PR_SET_CHILD_SUBREAPER, 1 if on else 0, 0, 0, 0)
        return True
    except (OSError, AttributeError, ImportError):
        return False


def basic_run_started() -> None:
    """Orphans of a basic-tier program are re-parented to us, so the sweep finds them.

    Only while a basic run is active: a subreaper also inherits the namespace init of the
    bwrap/unshare tiers (it can outlive the process we spawned by a moment) as a zombie."""
    global _basic_runs, _subreaper_ok
    if _basic_runs == 0:
        _subreaper_ok = _set_subreaper(True)
    _basic_runs += 1


def basic_run_ended() -> None:
    global _basic_runs, _subreaper_ok
    _basic_runs = max(0, _basic_runs - 1)
    if _basic_runs == 0 and _subreaper_ok:
        _set_subreaper(False)
        _subreaper_ok = False


def alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


def pids() -> list[int]:
    return [int(n) for n in os.listdir("/proc") if n.isdigit()]


def stat(pid: int) -> tuple[str, int, int, int] | None:
    """(state, ppid, pgrp, session) of a process, or None when it is gone."""
    try:
        with open(f"/proc/{pid}/stat", "rb") as f:
            data = f.read()
    except OSError:
        return None
    fields = data[data.rindex(b")") + 2 :].split()
    return fields[0].decode(), int(fields[1]), int(fields[2]), int(fields[3])


def has_token(pid: int, token: bytes) -> bool:
    try:
        with open(f"/proc/{pid}/environ", "rb") as f:
            return token in f.read()
    except OSError:
        return False


def our_children() -> set[int]:
    """Direct children of this process (every thread), from /proc: cheap, no full scan."""
    kids: set[int] = set()
    try:
        tids = os.listdir("/proc/self/task")
    except OSError:
        return kids
    for tid in tids:
        try:
            with open(f"/proc/self/task/{tid}/children") as f:
                kids.update(int(p) for p in f.read().split())
        except OSError:
            return set(pids())  # no CONFIG_PROC_CHILDREN: fall back to everything
    return kids


def _status(pid: int) -> dict[bytes, bytes]:
    try:
        with open(f"/proc/{pid}/status", "rb") as f:
            return dict(line.split(b":", 1) for line in f.read().splitlines() if b":" in line)
    except OSError:
        return {}


def walled(pid: int) -> bool:
    """The process runs behind a run's walls: NoNewPrivs is set (child/walls.py sets it
    before the program runs; it is inherited and can never be cleared)."""
    return _status(pid).get(b"NoNewPrivs", b"").strip() == b"1"


def _hard_limits(pid: int) -> dict[str, str]:
    try:
        with open(f"/proc/{pid}/limits") as f:
            rows = f.read().splitlines()[1:]
    except OSError:
        return {}
    return {row[:26].strip(): row[26:].split()[1] for row in rows if len(row[26:].split()) > 1}


def survivor(pid: int) -> bool:
    """A process a run left behind, known without trusting anything the program controls:
    NoNewPrivs, a finite hard CPU limit and a zero hard core limit (all set by the child
    before the program ran, inherited, none of them can be undone by an unprivileged
    process), and of our uid."""
    status = _status(pid)
    if status.get(b"NoNewPrivs", b"").strip() != b"1":
        return False
    uid = status.get(b"Uid", b"").split()
    if not uid or int(uid[0]) != os.getuid():
        return False
    hard = _hard_limits(pid)
    return (
        hard.get("Max cpu time") not in (None, "unlimited")
        and hard.get("Max core file size") == "0"
    )


def _cmdline(pid: int) -> bytes:
    try:
        with open(f"/proc/{pid}/cmdline", "rb") as f:
            return f.read()
    except OSError:
        return b""


def kill_stale(folders: list[str], live_tutors: set[int]) -> int:
    """At start-up, end what runs of dead tutors left: a process working in or started
    with one of their scratch dirs (`folders`: bwrap/unshare/sh, also a namespace's PID 1
    left sleeping after `coro-tutor run` was SIGKILLed), or a `survivor` (a daemon that left
    its session, environment and folder) with no living tutor among its ancestors."""
    marks = [os.fsencode(f) for f in folders]
    stats = {pid: st for pid in pids() if (st := stat(pid)) is not None}
    me = os.getpid()
    live = live_tutors | {me}
    doomed = []
    for pid, st in stats.items():
        if pid in live or pid <= 1 or st[0] in ("Z", "X"):
            continue
        try:
            cwd = os.readlink(f"/proc/{pid}/cwd")
        except OSError:
            cwd = ""
        cmdline = _cmdline(pid)
        if any(cwd == f or cwd.startswith(f + "/") for f in folders) or any(
            m in cmdline for m in marks
        ):
            doomed.append(pid)
        elif survivor(pid) and not _below(pid, live, stats):
            doomed.append(pid)
    for pid in doomed:
        try:
            os.kill(pid, SIGKILL)
        except OSError:
            pass
    return len(doomed)


def _below(pid: int, ancestors: set[int], stats: dict[int, tuple[str, int, int, int]]) -> bool:
    for _ in range(256):
        st = stats.get(pid)
        if st is None or st[1] <= 1:
            return False
        pid = st[1]
        if pid in ancestors:
            return True
    return False


def reap_inits(inits: set[int]) -> None:
    """Reap namespace inits re-parented to us (only while we are a subreaper; otherwise
    waitpid says ECHILD at once). They die with their parent, so this is quick."""
    deadline = time.monotonic() + 0.5
    pending = set(inits)
    while pending:
        for pid in list(pending):
            try:
                done, _ = os.waitpid(pid, os.WNOHANG)
            except OSError:  # not our child: its own parent or init reaps it
                pending.discard(pid)
                continue
            if done:
                pending.discard(pid)
        if not pending or time.monotonic() > deadline:
            return
        time.sleep(0.002)


class Procs:
    """The processes of one run. `pid` is the process the tutor spawned (set once spawned);
    `exited` is set once it has been waited for; `token` marks the run's environment."""

    def __init__(self, tier: str, token: str) -> None:
        self.tier = tier
        self.token = token
        self.pid: int | None = None
        self.exited = False
        self.inits: set[int] = set()
        """The namespace's init (bwrap's inner process, or sh): reaped by us if it was
        re-parented to us (we are a subreaper while basic runs are active)."""

    def members(self, program_only: bool = False) -> dict[int, int]:
        """Processes that belong to this run: {pid: depth below the spawned process}.

        Depth 0 is the spawned process (setpriv/env/bwrap/unshare, exec'd into python in the
        basic tier), 1 the namespace's init (bwrap's or sh) in the other tiers, 2+ the program.
        """
        if self.pid is None:
            return {}
        stats: dict[int, tuple[str, int, int, int]] = {}
        for pid in pids():
            st = stat(pid)
            if st is not None:
                stats[pid] = st
        children: dict[int, list[int]] = {}
        for pid, st in stats.items():
            children.setdefault(st[1], []).append(pid)
        main = self.pid
        me = os.getpid()
        roots: list[tuple[int, int]] = []
        if not self.exited and main in stats:
            roots.append((main, 0))
        if self.tier == "basic":
            token = f"CORO_TUTOR_RUN={self.token}\0".encode()
            for pid, st in stats.items():
                if pid in (main, me) or pid <= 1:
                    continue
                if st[3] == main or st[2] == main or (st[1] == me and self._orphan(pid, token)):
                    roots.append((pid, 2))
        found: dict[int, int] = {}
        stack = roots
        while stack:
            pid, d = stack.pop()
            if pid in found or pid == me or pid <= 1:
                continue
            if stats.get(pid, ("X",))[0] in ("Z", "X"):
                continue
            found[pid] = d
            for child in children.get(pid, ()):
                stack.append((child, d + 1))
        if program_only and self.tier != "basic":
            found = {p: d for p, d in found.items() if d >= 2}
        return found

    def capture_inits(self, procs: dict[int, int] | None = None) -> None:
        """Remember the namespace's init (depth 1), to reap it if it is re-parented to us."""
        if self.tier == "basic" or self.pid is None or self.exited:
            return
        if procs is not None:
            self.inits.update(p for p, d in procs.items() if d == 1)
            return
        try:
            with open(f"/proc/{self.pid}/task/{self.pid}/children") as f:
                self.inits.update(int(p) for p in f.read().split())
        except (OSError, ValueError):
            pass

    def signal_program(self, sig: int) -> None:
        """Signal the program's processes, never bwrap/unshare (SIGINT kills them silently)."""
        if self.pid is None or self.exited:
            return
        if self.tier == "basic":
            try:
                os.killpg(self.pid, sig)
            except OSError:
                pass
            return
        procs = self.members()
        self.capture_inits(procs)
        for pid, depth in procs.items():
            if depth >= 2:
                try:
                    os.kill(pid, sig)
                except OSError:
                    pass

    def kill_all(self) -> None:
        """SIGKILL the sandbox (and so its namespace) and every process of the run."""
        if self.pid is None or self.exited:
            return
        procs = self.members()  # before the first kill: the tree is still whole
        self.capture_inits(procs)
        try:
            os.kill(self.pid, SIGKILL)
        except OSError:
            pass
        if self.tier == "basic":
            try:
                os.killpg(self.pid, SIGKILL)
            except OSError:
                pass
        for pid in procs:
            try:
                os.kill(pid, SIGKILL)
            except OSError:
                pass

    def sweep(self) -> int:
        """After the program ended (basic tier): kill and reap what it left behind; count it.

        In the namespace tiers the kernel ends every process of the sandbox with its init.
        """
        if self.tier != "basic":
            return 0
        if self.exited and _subreaper_ok and not self._orphans_left():
            return 0
        seen: set[int] = set()
        for attempt in range(100):
            procs = self.members()
            if not procs:
                break
            for pid in procs:
                seen.add(pid)
                try:
                    os.kill(pid, SIGKILL)
                except OSError:
                    pass
            time.sleep(0.002 if attempt < 5 else 0.02)
            self._reap(seen)
        self._reap(seen)
        return len(seen)

    def _orphans_left(self) -> bool:
        """Cheap check (no /proc scan) once the program has ended: as we are the subreaper,
        anything it left running hangs below one of our own children."""
        token = f"CORO_TUTOR_RUN={self.token}\0".encode()
        for pid in our_children():
            st = stat(pid)
            if st is None or st[0] in ("Z", "X"):
                continue
            if st[3] == self.pid or st[2] == self.pid or self._orphan(pid, token):
                return True
        return False

    def _orphan(self, pid: int, token: bytes) -> bool:
        """A child of ours we did not spawn (we are a subreaper): a basic-tier program's
        orphan when it is behind the walls and in our pid namespace, even if it left its
        session and emptied its environment; not when it carries another run's token."""
        if pid == self.pid or not walled(pid):
            return False
        try:
            if os.readlink(f"/proc/{pid}/ns/pid") != os.readlink("/proc/self/ns/pid"):
                return False  # a namespace tier's init
        except OSError:
            return False
        if has_token(pid, token):
            return True
        return not has_token(pid, b"CORO_TUTOR_RUN=")

    def _reap(self, found: set[int]) -> None:
        kids = our_children()
        for pid in found:
            if pid in kids:
                try:
                    os.waitpid(pid, os.WNOHANG)
                except OSError:
                    pass

    def reap_inits(self) -> None:
        if self.inits:
            reap_inits(self.inits)
            self.inits.clear()
