"""Run a learner's program in a sandbox and stream what happens, as events.

```python
from tutor.runner import RunRequest, Run, start_run, run_to_end
req = RunRequest(code="print('hi')", filename="lesson.py", timeout=15.0, isolation="auto")
run = await start_run(req)          # spawns from the running loop's thread
async for event in run.events(): ...   # tutor.runner.events structs, seq order, ends after Exit
await run.stop()                     # SIGINT to the program, stream 1 s, SIGKILL, sweep
events = run_to_end(req)             # sync helper (no asyncio needed): list of all events

spare = await prepare_run(req)       # a child started ahead: interpreter, sandbox, tracer
run = await start_run(req.replace(code=new_code), spare=spare)  # hands over the program
run = spare.take(req.replace(code=new_code))  # the same, synchronously: None if it did not fit
spare.close()                        # or discard it unused (kills, reaps, deletes scratch)
```

A spare (`Spare`) is a child that did all its start-up and waits for GO; `start_run(req,
spare=spare)` writes the program and says GO, so only that is left on Run's path. The spare
is used up either way: if it does not fit the request (tier, python, cap, limits, guard,
read_only), is older than `Spare.MAX_AGE` or its child is gone, it is closed and the run
spawns normally. The `start` event, the wall limit and `t` all count from GO.

No textual import here; asyncio and msgspec only when the API that needs them is used
(`coro-tutor run` imports neither). Details: docs/runner-sandbox.md.
"""

from __future__ import annotations

import os

from tutor.runner.sandbox import Limits, SandboxUnavailable

TYPE_CHECKING = False  # no `typing` import: `coro-tutor run` starts fast
if TYPE_CHECKING:
    from collections.abc import AsyncIterator, Callable
    from typing import Any

    from tutor.runner.events import Event, Exit
    from tutor.runner.process import Session

__all__ = [
    "RunRequest",
    "Run",
    "start_run",
    "prepare_run",
    "Spare",
    "run_to_end",
    "Limits",
    "SandboxUnavailable",
    "events",
]


def __getattr__(name: str) -> Any:
    if name == "events":  # imported on first use: msgspec is costly for `coro-tutor run`
        import importlib

        return importlib.import_module("tutor.runner.events")
    raise AttributeError(name)


class RunRequest:
    """What to run and how. Give `code` (written to `filename` in the scratch dir) or `path`.

    code, filename ("lesson.py"), timeout (wall-clock limit, s; a lesson may raise it),
    isolation ("auto" = best available, "full" = bubblewrap, "partial" = unshare, "basic"),
    path (a program file: its text is copied into the scratch dir under its own name unless
    `filename` is given, with the few .py files beside it so that it can import them),
    cap (switch events sent before the child only counts them),
    limits (a `Limits`; `timeout` always sets the wall limit), read_only (extra folders the
    program may read, bound read-only in full/partial), python (the child's interpreter,
    default the tutor's own), guard (audit-hook guard rails in the basic/partial tiers).

    A plain class (not a dataclass: `coro-tutor run` must not import dataclasses/inspect);
    `replace(**changes)` returns a modified copy.
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
    )

    def __init__(
        self,
        code: str | None = None,
        filename: str = "lesson.py",
        timeout: float = 15.0,
        isolation: str = "auto",
        path: str | os.PathLike | None = None,
        cap: int = 10_000,
        limits: Limits | None = None,
        read_only: tuple[str, ...] | list[str] = (),
        python: str | None = None,
        guard: bool = True,
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

    def as_dict(self) -> dict:
        return {k: getattr(self, k) for k in self.__slots__}

    def replace(self, **changes) -> RunRequest:
        return RunRequest(**{**self.as_dict(), **changes})

    def __eq__(self, other: object) -> bool:
        return isinstance(other, RunRequest) and self.as_dict() == other.as_dict()

    def __repr__(self) -> str:
        fields = ", ".join(f"{k}={v!r}" for k, v in self.as_dict().items())
        return f"RunRequest({fields})"


def resolve_tier(isolation: str) -> str:
    """The tier a request runs in (probing once, cached). Raises SandboxUnavailable."""
    from tutor.runner import sandbox

    return sandbox.choose(isolation)


class Run:
    """A started run. Iterate `events()` once; `stop()` any time; `wait()` for the Exit."""

    def __init__(self) -> None:
        import asyncio

        self._queue: asyncio.Queue = asyncio.Queue()
        self._loop = asyncio.get_running_loop()
        self._done: asyncio.Future = self._loop.create_future()
        self._timer: asyncio.TimerHandle | None = None
        self._session: Session | None = None
        self.exit: Exit | None = None

    @property
    def isolation(self) -> str:
        """ "bwrap", "unshare" or "basic" (as in the start event)."""
        return self._session.isolation if self._session else ""

    @property
    def tier(self) -> str:
        """ "full", "partial" or "basic"."""
        return self._session.tier if self._session else ""

    @property
    def token(self) -> str:
        """Marks the run's processes (CORO_TUTOR_RUN in their environment)."""
        return self._session.token if self._session else ""

    @property
    def scratch(self) -> str | None:
        """The run's scratch dir (deleted when the run ends)."""
        return self._session.scratch if self._session else None

    @property
    def pid(self) -> int | None:
        """The process the tutor spawned (the sandbox's outermost process)."""
        return self._session.pid if self._session else None

    @property
    def done(self) -> bool:
        return self._done.done()

    def _on_event(self, event: Event) -> None:
        from tutor.runner.events import Exit

        self._queue.put_nowait(event)
        if isinstance(event, Exit) and not self._done.done():
            self.exit = event
            self._done.set_result(event)

    def _pump(self, fd: int) -> None:
        s = self._session
        if s is None:
            return
        s.on_readable(fd)
        self._arm()

    def _tick(self) -> None:
        self._timer = None
        if self._session is not None:
            self._session.on_tick()
            self._arm()

    def _arm(self) -> None:
        import time

        s = self._session
        if self._timer is not None:
            self._timer.cancel()
            self._timer = None
        if s is None or s.done:
            return
        deadline = s.next_deadline()
        if deadline is not None:
            self._timer = self._loop.call_later(max(0.0, deadline - time.monotonic()), self._tick)

    async def events(self) -> AsyncIterator[Event]:
        """Every event in seq order, as it arrives; ends after the Exit event."""
        from tutor.runner.events import Exit

        while True:
            event = await self._queue.get()
            yield event
            if isinstance(event, Exit):
                return

    async def wait(self) -> Exit:
        """The Exit event, once the run is over."""
        return await self._done

    async def stop(self) -> Exit:
        """SIGINT to the program, 1 s of streaming, SIGKILL, sweep; returns the Exit event."""
        s = self._session
        if s is not None and not s.done:
            s.begin_stop("killed")
            self._arm()
        return await self._done

    def kill(self) -> None:
        """Stop at once, without the grace second (the Exit event still follows)."""
        s = self._session
        if s is not None and not s.done:
            s.kill_now("killed")
            self._arm()

    def close(self) -> None:
        """Kill and clean up right now without waiting for the loop (e.g. at app exit)."""
        s = self._session
        if s is not None and not s.done:
            s.kill_now("killed")
            s.cleanup()
        if self._timer is not None:
            self._timer.cancel()
            self._timer = None


def _new_session(request: RunRequest, tier: str) -> tuple[Run, Session]:
    from tutor.runner.process import Session

    run = Run()
    loop = run._loop
    session = Session(
        request,
        tier,
        run._on_event,
        lambda fd: loop.add_reader(fd, run._pump, fd),
        loop.remove_reader,
    )
    run._session = session
    return run, session


class Spare:
    """A child started ahead of its run (see the module docstring). `close()` when unused."""

    MAX_AGE = 600.0
    """Seconds a spare may wait; an older one is recycled (closed) instead of used."""

    def __init__(self, request: RunRequest, tier: str) -> None:
        self.request = request
        self.tier = tier
        self._run, self._session = _new_session(request, tier)

    @property
    def pid(self) -> int | None:
        return self._session.pid if self._session is not None else None

    @property
    def scratch(self) -> str | None:
        return self._session.scratch if self._session is not None else None

    @property
    def closed(self) -> bool:
        return self._session is None

    def _key(self, request: RunRequest, tier: str) -> tuple:
        import sys

        return (
            tier,
            request.python or sys.executable,
            request.cap,
            (request.limits or Limits()).spec(),
            bool(request.guard),
            tuple(request.read_only),
        )

    def fits(self, request: RunRequest) -> bool:
        """Same sandbox, interpreter and child limits as `request`, young, child waiting."""
        import time

        s = self._session
        if s is None or s.prepared_at is None:
            return False
        try:
            tier = resolve_tier(request.isolation)
        except SandboxUnavailable:
            return False
        return (
            self._key(request, tier) == self._key(self.request, self.tier)
            and time.monotonic() - s.prepared_at <= self.MAX_AGE
            and s.waiting()
        )

    def take(self, request: RunRequest) -> Run | None:
        """Hand `request`'s program over now: the started run, or None when the spare does
        not fit (it is closed then; spawn normally). Used up either way. Synchronous, from
        the loop's thread: a key handler can say GO before it does anything else, so the
        child starts the program while the app is still redrawing."""
        s, run = self._session, self._run
        if s is None or run is None or not self.fits(request):
            self.close()
            return None
        if run._loop is not _running_loop():
            self.close()
            return None
        if not s.go(request):
            self.close()
            return None
        self._session = self._run = None
        run._arm()
        return run

    def close(self) -> None:
        """Discard: the child is told to abort, killed, reaped; fds closed, scratch deleted."""
        s, self._session, self._run = self._session, None, None
        if s is not None:
            s.cleanup()

    def __del__(self) -> None:  # a forgotten spare still must not leak
        try:
            self.close()
        except Exception:
            pass


def _running_loop():
    import asyncio

    return asyncio.get_running_loop()


async def prepare_run(request: RunRequest) -> Spare:
    """Start a spare child for runs like `request` (its code/path/filename are ignored).

    Call from the event loop's thread that will run it (PDEATHSIG is per thread)."""
    tier = resolve_tier(request.isolation)
    spare = Spare(request, tier)
    spare._session.start(spare=True)
    return spare


async def start_run(request: RunRequest, spare: Spare | None = None) -> Run:
    """Start the program from the event loop's thread (the child's PDEATHSIG is per thread).

    With `spare`, hand the program to that pre-started child when it fits (else it is
    closed and the run spawns normally)."""
    if spare is not None:
        run = spare.take(request)
        if run is not None:
            return run
    tier = resolve_tier(request.isolation)
    run, session = _new_session(request, tier)
    session.start()
    run._arm()
    return run


def run_to_end(request: RunRequest, on_event: Callable[[Event], None] | None = None) -> list[Event]:
    """Run synchronously (no asyncio; fine inside a running loop's thread too): all events."""
    from tutor.runner.process import drive

    tier = resolve_tier(request.isolation)
    out: list = []

    def collect(event) -> None:
        out.append(event)
        if on_event is not None:
            on_event(event)

    drive(request, tier, collect)
    return out
