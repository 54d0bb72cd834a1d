"""What a run looks like to whoever streams it, for type checking only.

`tutor.runner.Run` fits, and so does tutor.app.replay's ReplayRun (tests and benches swap
it in). Imported under TYPE_CHECKING only: nothing here runs.
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Awaitable, Callable
from typing import Protocol

from tutor.runner.events import Event
from tutor.runner.values import RunRequest


class Streaming(Protocol):
    """A started run: its events in order (ending after Exit), and a way to stop it."""

    def events(self) -> AsyncIterator[Event]: ...

    async def stop(self) -> object: ...


StartRun = Callable[[RunRequest], Awaitable[Streaming]]
"""`tutor.runner.start_run` or a stand-in for it."""
