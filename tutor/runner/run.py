"""A run as the API sees it: `Run` (driven by the running asyncio loop), `Spare` (a child
started ahead of its run) and the functions that make them. See tutor.runner's docstring.

asyncio and msgspec are imported only when these are used: `coro-tutor run` uses neither.
"""

from __future__ import annotations

from tutor.runner.tiers import SandboxUnavailable, choose
from tutor.runner.values import Limits, RunRequest

TYPE_CHECKING = False  # no `typing` import: `coro-tutor run` starts fast
if TYPE_CHECKING:
    import asyncio
    from collections.abc import AsyncIterator, Callable

    from tutor.runner.events import Event, Exit
    from tutor.runner.session import Session


def resolve_tier(isolation: str) -> str:
    """The tier a request runs in (probing once, cached). Raises SandboxUnavailable."""
    return choose(isolation)


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
    from tutor.runner.driver import struct_factory
    from tutor.runner.session import Session

    run = Run()
    loop = run._loop
    session = Session(
        request,
        tier,
        run._on_event,
        lambda fd: loop.add_reader(fd, run._pump, fd),
        loop.remove_reader,
        struct_factory(),
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
        run, session = _new_session(request, tier)
        self._run: Run | None = run
        self._session: Session | None = session
        import weakref

        # A safety net, not the owner's way (that is close()): a spare dropped unclosed
        # would keep a child waiting for GO, its pipes and its scratch dir until the tutor
        # exits. Detached when the spare is used up; runs at exit for one still open.
        self._finalizer = weakref.finalize(self, session.cleanup)

    @property
    def pid(self) -> int | None:
        return self._session.pid if self._session is not None else None

    @property
    def scratch(self) -> str | None:
        return self._session.scratch if self._session is not None else None

    @property
    def closed(self) -> bool:
        return self._session is None

    def _key(self, request: RunRequest, tier: str) -> tuple[object, ...]:
        import sys

        return (
            tier,
            request.python or sys.executable,
            request.cap,
            request.block_ms,
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
        self._finalizer.detach()
        run._arm()
        return run

    def close(self) -> None:
        """Discard: the child is told to abort, killed, reaped; fds closed, scratch deleted."""
        s, self._session, self._run = self._session, None, None
        self._finalizer.detach()
        if s is not None:
            s.cleanup()


def _running_loop() -> asyncio.AbstractEventLoop:
    import asyncio

    return asyncio.get_running_loop()


async def prepare_run(request: RunRequest) -> Spare:
    """Start a spare child for runs like `request` (its code/path/filename are ignored).

    Call from the event loop's thread that will run it (PDEATHSIG is per thread)."""
    tier = resolve_tier(request.isolation)
    spare = Spare(request, tier)
    session = spare._session
    assert session is not None  # a new spare has its session
    session.start(spare=True)
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
    from tutor.runner.driver import drive

    tier = resolve_tier(request.isolation)
    out: list[Event] = []

    def collect(event: Event) -> None:
        out.append(event)
        if on_event is not None:
            on_event(event)

    drive(request, tier, collect)
    return out
