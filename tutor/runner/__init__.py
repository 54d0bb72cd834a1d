"""Run a learner's program in a sandbox and stream what happens, as events.

```python
from tutor.runner import RunRequest, Run, start_run, run_to_end
req = RunRequest(code="print('hi')", filename="lesson.py", timeout=15.0, isolation="auto")
run = await start_run(req)          # spawns from the running loop's thread
async for event in run.events(): ...   # tutor.runner.events structs, seq order, ends after Exit
await run.stop()                     # SIGINT to the program, stream 1 s, SIGKILL, sweep
events = run_to_end(req)             # sync helper (no asyncio): list of all events
```

No textual import here, and asyncio only when the async API is used.
"""

from __future__ import annotations

import os
from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING

from tutor.runner import events
from tutor.runner.events import Event, Exit
from tutor.runner.sandbox import Limits, SandboxUnavailable

if TYPE_CHECKING:
    import asyncio
    from collections.abc import AsyncIterator

    from tutor.runner.process import Session

__all__ = [
    "RunRequest",
    "Run",
    "start_run",
    "run_to_end",
    "Limits",
    "SandboxUnavailable",
    "events",
]


@dataclass
class RunRequest:
    """What to run and how. Give `code` (written to `filename` in the scratch dir) or `path`."""

    code: str | None = None
    filename: str = "lesson.py"
    timeout: float = 15.0
    """Wall-clock limit in seconds (a lesson may raise it)."""
    isolation: str = "auto"
    """"auto" (best available), "full" (bubblewrap), "partial" (unshare) or "basic"."""
    path: str | os.PathLike | None = None
    """A program file: its text is copied into the scratch dir (under its own name)."""
    cap: int = 10_000
    """Switch events sent before the child only counts them."""
    limits: Limits | None = None
    """Resource limits; `timeout` always sets the wall limit."""
    read_only: tuple[str, ...] = ()
    """Extra folders the program may read (bound read-only in the full/partial tiers)."""
    python: str | None = None
    """The interpreter of the child (default: the tutor's own)."""
    guard: bool = True
    """The audit-hook guard rails in the basic and partial tiers."""

    def __post_init__(self) -> None:
        if self.code is None and self.path is None:
            raise ValueError("RunRequest needs code or path")
        self.read_only = tuple(str(p) for p in self.read_only)


def resolve_tier(isolation: str) -> str:
    """The tier a request runs in (probing once, cached). Raises SandboxUnavailable."""
    from tutor.runner import sandbox

    return sandbox.choose(isolation)


class Run:
    """A started run. Iterate `events()` once; `stop()` any time; `wait()` for the Exit."""

    def __init__(self) -> None:
        import asyncio

        self._queue: asyncio.Queue[Event] = asyncio.Queue()
        self._loop = asyncio.get_running_loop()
        self._done: asyncio.Future[Exit] = self._loop.create_future()
        self._timer: asyncio.TimerHandle | None = None
        self._session: Session | None = None
        self.exit: Exit | None = None

    @property
    def isolation(self) -> str:
        return self._session.isolation if self._session else ""

    @property
    def tier(self) -> str:
        return self._session.tier if self._session else ""

    @property
    def token(self) -> str:
        """Marks the run's processes (CORO_TUTOR_RUN in their environment)."""
        return self._session.token if self._session else ""

    @property
    def scratch(self):
        return self._session.scratch if self._session else None

    @property
    def pid(self) -> int | None:
        s = self._session
        return s.proc.pid if s and s.proc else None

    @property
    def done(self) -> bool:
        return self._done.done()

    def _on_event(self, event: Event) -> None:
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
        while True:
            event = await self._queue.get()
            yield event
            if isinstance(event, Exit):
                return

    async def wait(self) -> Exit:
        return await self._done

    async def stop(self) -> Exit:
        """SIGINT to the program, 1 s of streaming, SIGKILL, sweep; returns the Exit event."""
        s = self._session
        if s is not None and not s.done:
            s.begin_stop("killed")
            self._arm()
        return await self._done

    def kill(self) -> None:
        """Stop at once (no grace): for shutting the tutor down."""
        s = self._session
        if s is not None and not s.done:
            s._stop = s._stop or "killed"
            s.kill_all()
            self._arm()

    def close(self) -> None:
        """Kill and clean up immediately, without waiting for the loop (e.g. at app exit)."""
        s = self._session
        if s is not None and not s.done:
            s._stop = s._stop or "killed"
            s.cleanup()
        if self._timer is not None:
            self._timer.cancel()
            self._timer = None


async def start_run(request: RunRequest) -> Run:
    """Start the program from the event loop's thread (the child's PDEATHSIG is per thread)."""
    from tutor.runner.process import Session

    tier = resolve_tier(request.isolation)
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
    session.start()
    run._arm()
    return run


def run_to_end(request: RunRequest, on_event: Callable[[Event], None] | None = None) -> list[Event]:
    """Run synchronously (no asyncio; fine inside a running loop's thread too): all events."""
    from tutor.runner.process import drive

    tier = resolve_tier(request.isolation)
    out: list[Event] = []

    def collect(event: Event) -> None:
        out.append(event)
        if on_event is not None:
            on_event(event)

    drive(request, tier, collect)
    return out
