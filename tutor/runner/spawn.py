"""Start a run's child: its environment and walls, its command line (tutor.runner.sandbox),
the pipes,
os.posix_spawn and a pidfd.

posix_spawn rather than `subprocess`: no import cost for `coro-tutor run`, and safe from any
thread of a threaded program.
"""

from __future__ import annotations

import os
import sys

from tutor.runner import sandbox
from tutor.runner.procs import basic_run_ended, basic_run_started
from tutor.runner.tiers import landlock_abi
from tutor.runner.wallspec import walls_spec

TYPE_CHECKING = False  # no `typing` import: `coro-tutor run` starts fast
if TYPE_CHECKING:
    from tutor.runner.values import Limits, RunRequest


class Child:
    """A spawned child: `pid`, `pidfd`, `fds` ({read end: "event"/"stdout"/"stderr"}, all
    non-blocking) and `go` (a spare's end of the go pipe, else None)."""

    __slots__ = ("pid", "pidfd", "fds", "go")

    def __init__(self, pid: int, pidfd: int, fds: dict[int, str], go: int | None) -> None:
        self.pid = pid
        self.pidfd = pidfd
        self.fds = fds
        self.go = go


def spawn_child(
    request: RunRequest, tier: str, limits: Limits, token: str, scratch: str, program: str | None
) -> Child:
    """Spawn the bootstrap in `tier` with cwd `scratch`. `program` None: a spare, which
    starts up and then waits for its program on the go pipe. In the basic tier the tutor
    becomes a subreaper first (procs.basic_run_started; the caller ends it after the run)."""
    python = request.python or sys.executable
    ev_r, ev_w = os.pipe()
    out_r, out_w = os.pipe()
    err_r, err_w = os.pipe()
    go_r = go_w = None
    devnull = os.open(os.devnull, os.O_RDONLY | os.O_CLOEXEC)
    extra = {
        "CORO_TUTOR_EVENT_FD": str(ev_w),
        "CORO_TUTOR_CAP": str(request.cap),
        "CORO_TUTOR_BLOCK_MS": str(request.block_ms),
        "CORO_TUTOR_RLIMITS": limits.spec() + (",pdeathsig=9" if tier == "basic" else ""),
        "CORO_TUTOR_RUN": token,
    }
    keep = [ev_w]
    if program is None:
        go_r, go_w = os.pipe()
        extra["CORO_TUTOR_GO_FD"] = str(go_r)
        keep.append(go_r)
    if tier != "full" and request.guard:
        extra["CORO_TUTOR_GUARD"] = "1"
        if tier == "partial":
            extra["CORO_TUTOR_GUARD_ALLOW"] = ":".join(sandbox.hidden_paths())
    basic = tier == "basic"
    extra["CORO_TUTOR_WALLS"] = walls_spec(
        tier,
        scratch,
        python,
        tuple(request.read_only),
        tuple(keep),
        abi=landlock_abi(),
        parent=os.getpid() if basic else None,
    )
    if basic:  # no `env -C` before it (sandbox.command): the child goes there itself
        extra["CORO_TUTOR_CWD"] = scratch
    else:  # the scratch dir is a tmpfs there; the program comes from the inbox
        extra["CORO_TUTOR_INBOX"] = sandbox.INBOX
    env = sandbox.child_env(scratch, extra)
    argv = sandbox.command(
        tier,
        [python, "-I", sandbox.BOOTSTRAP] + ([] if program is None else [program]),
        scratch,
        python,
        tuple(request.read_only),
        keep_fds=tuple(keep),
        disk=limits.disk,
    )
    if tier == "basic":
        basic_run_started()
    try:
        for fd in keep:
            os.set_inheritable(fd, True)
        pid = os.posix_spawn(
            argv[0],
            argv,
            env,
            file_actions=[
                (os.POSIX_SPAWN_DUP2, devnull, 0),
                (os.POSIX_SPAWN_DUP2, out_w, 1),
                (os.POSIX_SPAWN_DUP2, err_w, 2),
            ],
            setsid=True,
        )
    except BaseException:
        for ours in (ev_r, out_r, err_r, go_w):
            if ours is not None:
                os.close(ours)
        if tier == "basic":
            basic_run_ended()
        raise
    finally:
        for childs in (ev_w, out_w, err_w, devnull, go_r):
            if childs is not None:
                os.close(childs)
    fds = {ev_r: "event", out_r: "stdout", err_r: "stderr"}
    for fd in fds:
        os.set_blocking(fd, False)
    return Child(pid, os.pidfd_open(pid), fds, go_w)


_versions: dict[str, str] = {}


def python_version(python: str) -> str:
    """The version of a child interpreter, for the start event (asked once, then cached)."""
    if python == sys.executable:
        return sys.version.split()[0]
    if python not in _versions:
        import subprocess

        try:
            out = subprocess.run(
                [python, "-I", "-c", "import platform;print(platform.python_version())"],
                capture_output=True,
                text=True,
                timeout=10,
            )
            _versions[python] = out.stdout.strip() or "unknown"
        except (OSError, subprocess.SubprocessError):
            _versions[python] = "unknown"
    return _versions[python]
