"""The runner's small value classes: RunRequest, Limits, TierStatus, Facts.

One pattern for all of them: `Value`, a plain base with `__slots__` (the fields, in order,
each also a keyword of `__init__`), `as_dict()`, `replace(**changes)`, `==` and a repr. Not
dataclasses: `coro-tutor run` imports this and must not pay for dataclasses/inspect.
"""

from __future__ import annotations

import os

TYPE_CHECKING = False  # not `typing`: `coro-tutor run` imports this module
if TYPE_CHECKING:
    from typing import Any, TypeVar

    V = TypeVar("V", bound="Value")

MiB = 1024 * 1024

THREAD_STACK = 1 * MiB
"""The stack of each thread the program starts (glibc's default is 8 MiB)."""
AS_ROOM = 256 * MiB
"""Address space beyond the data limit: the interpreter and its libraries (~30 MiB), two
malloc arenas (64 MiB each) and 64 thread stacks; measured with 60 threads + 450 MiB."""

UNATTRIBUTED = "?"
"""The runner of output that bypassed sys.stdout/sys.stderr (os.write, a subprocess, C code)."""


class Value:
    """A base for small records: the subclass lists its fields in `__slots__`."""

    __slots__: tuple[str, ...] = ()

    def as_dict(self) -> dict[str, Any]:
        return {k: getattr(self, k) for k in self.__slots__}

    def replace(self: V, **changes: Any) -> V:
        """A copy with some fields changed (through `__init__`, so its checks apply)."""
        make: Any = type(self)  # a subclass, whose __init__ takes its fields
        copy: V = make(**{**self.as_dict(), **changes})
        return copy

    def __eq__(self, other: object) -> bool:
        return type(other) is type(self) and self.as_dict() == other.as_dict()

    # mutable: equal values need not stay equal (mypy does not model a None __hash__)
    __hash__ = None  # type: ignore[assignment]

    def __repr__(self) -> str:
        fields = ", ".join(f"{k}={v!r}" for k, v in self.as_dict().items())
        return f"{type(self).__name__}({fields})"


class Limits(Value):
    """The limits of one run. A lesson may raise `wall` (RunRequest.timeout does).

    wall (s), cpu_soft/cpu_hard (s of CPU), data (bytes, RLIMIT_DATA), nproc, fsize (bytes),
    nofile, output (bytes of program output before the run is stopped: 2 MB), disk (bytes of
    each private tmpfs of the namespace tiers: the scratch dir, /tmp, /var/tmp, /dev/shm).

    RLIMIT_AS is data + AS_ROOM: it stops shared memory (mmap MAP_SHARED), which
    RLIMIT_DATA does not count; threads get THREAD_STACK bytes of stack so that `nproc` of
    them fit in AS_ROOM.
    """

    __slots__ = (
        "wall", "cpu_soft", "cpu_hard", "data", "nproc", "fsize", "nofile", "output", "disk",
    )  # fmt: skip

    def __init__(
        self,
        wall: float = 15.0,
        cpu_soft: int = 10,
        cpu_hard: int = 11,
        data: int = 512 * MiB,
        nproc: int = 64,
        fsize: int = 10 * MiB,
        nofile: int = 256,
        output: int = 2_000_000,
        disk: int = 64 * MiB,
    ) -> None:
        self.wall = wall
        self.cpu_soft = cpu_soft
        self.cpu_hard = cpu_hard
        self.data = data
        self.nproc = nproc
        self.fsize = fsize
        self.nofile = nofile
        self.output = output
        self.disk = disk

    def spec(self) -> str:
        """The CORO_TUTOR_RLIMITS string that guard.apply_limits() reads in the child
        (`disk` is there too, for a spare's match: the guard ignores it)."""
        return (
            f"cpu={self.cpu_soft}:{self.cpu_hard},data={self.data},nproc={self.nproc},"
            f"fsize={self.fsize},nofile={self.nofile},core=0,"
            f"as={self.data + AS_ROOM},stack={THREAD_STACK},disk={self.disk}"
        )


class TierStatus(Value):
    """Whether a tier works here; when not, `reason` says why and `hint` how to get it."""

    __slots__ = ("tier", "available", "reason", "hint")

    def __init__(self, tier: str, available: bool, reason: str = "", hint: str = "") -> None:
        self.tier = tier
        self.available = available
        self.reason = reason
        self.hint = hint


class RunRequest(Value):
    """What to run and how. Give `code` (written to `filename` in the scratch dir) or `path`.

    code, filename ("lesson.py"), timeout (wall-clock limit, s; a lesson may raise it),
    isolation ("auto" = best available, "full" = bubblewrap, "partial" = unshare, "basic"),
    path (a program file: its text is copied into the scratch dir under its own name unless
    `filename` is given, with the few .py files beside it so that it can import them),
    cap (switch events sent before the child only counts them),
    limits (a `Limits`; `timeout` always sets the wall limit), read_only (extra folders the
    program may read, bound read-only in full/partial), python (the child's interpreter,
    default the tutor's own), guard (audit-hook guard rails in the basic/partial tiers),
    block_ms (a `block` event when a runner holds the event loop / gevent's hub longer;
    0: no watch).
    """

    __slots__ = (
        "code",
        "filename",
        "timeout",
        "isolation",
        "path",
        "cap",
        "limits",
        "read_only",
        "python",
        "guard",
        "block_ms",
    )

    def __init__(
        self,
        code: str | None = None,
        filename: str = "lesson.py",
        timeout: float = 15.0,
        isolation: str = "auto",
        path: str | os.PathLike[str] | None = None,
        cap: int = 2_000,
        limits: Limits | None = None,
        read_only: tuple[str, ...] | list[str] = (),
        python: str | None = None,
        guard: bool = True,
        block_ms: int = 50,
    ) -> None:
        if code is None and path is None:
            raise ValueError("RunRequest needs code or path")
        self.code = code
        self.filename = filename
        self.timeout = timeout
        self.isolation = isolation
        self.path = path
        self.cap = cap
        self.limits = limits
        self.read_only = tuple(str(p) for p in read_only)
        self.python = python
        self.guard = guard
        self.block_ms = block_ms


class Facts(Value):
    """What the process layer saw when a run ended (tutor.runner.outcome reads it).

    returncode is normalised: the exit status, or -N when signal N ended the program.
    stop: why we stopped it (None, "killed" by the user, "timeout", "output", "disk").
    exception: class name of the uncaught exception (from the child's end event).
    ended: False when the child never sent its end event (it did not start, or was killed).
    traceback: the program printed one (a timeout's sentence says where it was only then).
    nofile: the open-files limit. raised_recursion_limit: the program calls
    sys.setrecursionlimit() (with SIGSEGV: evidence of a C stack overflow).
    """

    __slots__ = (
        "returncode",
        "stop",
        "exception",
        "last_stderr",
        "traceback",
        "cpu",
        "wall",
        "cpu_soft",
        "data",
        "fsize",
        "output",
        "disk",
        "swept",
        "tier",
        "ended",
        "nofile",
        "raised_recursion_limit",
    )

    def __init__(
        self,
        returncode: int,
        stop: str | None = None,
        exception: str | None = None,
        last_stderr: list[str] | None = None,
        traceback: bool = False,
        cpu: float = 0.0,
        wall: float = 15.0,
        cpu_soft: int = 10,
        data: int = 512 * MiB,
        fsize: int = 10 * MiB,
        output: int = 2_000_000,
        disk: int = 64 * MiB,
        swept: int = 0,
        tier: str = "basic",
        ended: bool = True,
        nofile: int = 256,
        raised_recursion_limit: bool = False,
    ) -> None:
        self.returncode = returncode
        self.stop = stop
        self.exception = exception
        self.last_stderr = last_stderr or []
        self.traceback = traceback
        self.cpu = cpu
        self.wall = wall
        self.cpu_soft = cpu_soft
        self.data = data
        self.fsize = fsize
        self.output = output
        self.disk = disk
        self.swept = swept
        self.tier = tier
        self.ended = ended
        self.nofile = nofile
        self.raised_recursion_limit = raised_recursion_limit
