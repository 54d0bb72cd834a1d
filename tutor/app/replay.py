"""A stand-in for `tutor.runner.start_run` that replays recorded events.

Tests and snapshots use it to make a run deterministic (same events, no timing); the
bench uses it to feed the output pane. It has the runner's shape: `await start(req)`
returns an object with `events()` (an async iterator) and `stop()`.
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Awaitable, Callable, Iterable

from tutor.runner import RunRequest
from tutor.runner.events import Event, Exit


class ReplayRun:
    def __init__(self, events: list[Event], delay: float = 0.0, hold: bool = False) -> None:
        self._events = events
        self._delay = delay
        self._hold = hold
        self._stopped = asyncio.Event()
        self.stop_calls = 0
        self.request: RunRequest | None = None

    async def events(self) -> AsyncIterator[Event]:
        last_seq = 0
        last_t = 0.0
        for event in self._events:
            if self._stopped.is_set():
                break
            if self._delay:
                await asyncio.sleep(self._delay)
            else:
                await asyncio.sleep(0)
            last_seq, last_t = event.seq, event.t
            yield event
            if isinstance(event, Exit):
                return
        if self._hold and not self._stopped.is_set():
            await self._stopped.wait()
        yield Exit(
            seq=last_seq + 1,
            t=last_t,
            returncode=-2,
            reason="killed",
            message="Stopped.",
            switches=0,
            dropped=0,
        )

    async def stop(self) -> None:
        self.stop_calls += 1
        self._stopped.set()


def replay(
    events: Iterable[Event],
    delay: float = 0.0,
    hold: bool = False,
    runs: list[ReplayRun] | None = None,
) -> Callable[[RunRequest], Awaitable[ReplayRun]]:
    """A `start_run` replacement. `hold`: after the events, wait for stop() (a program that
    never ends). Every run made is appended to `runs` when given."""
    recorded = list(events)

    async def start(request: RunRequest) -> ReplayRun:
        run = ReplayRun(recorded, delay, hold)
        run.request = request
        if runs is not None:
            runs.append(run)
        return run

    return start
