"""The lesson screen's runs, without widgets: the spare child, start and stop, the GC pause,
and every event of a run posted to one node as messages (tutor.app.messages).

The node (the run pane) lends its workers and timers and receives the messages; they bubble
on to the screen. Who starts a run and what it shows is decided above; this class only
knows the runner API.
"""

from __future__ import annotations

import asyncio
import gc

from textual.dom import DOMNode

from tutor.app.messages import RunEvent, RunFailed, RunFinished, RunStarted, RunWaiting
from tutor.runner import slots
from tutor.runner.events import Event, Exit

TYPE_CHECKING = False
if TYPE_CHECKING:
    from tutor.runner import Run, RunRequest, Spare
    from tutor.runner.streaming import StartRun, Streaming


class RunController:
    """One run at a time, posted to `node`. `start_run` replaces tutor.runner.start_run (tests
    inject replayed runs; then no spare child is started)."""

    def __init__(self, node: DOMNode, start_run: StartRun | None = None) -> None:
        self.node = node
        self.start_run = start_run
        self.run: Streaming | None = None
        """The run whose events stream now (None before its start and after its end)."""
        self.spare: Spare | None = None
        """A pre-started child (tutor.runner.Spare) for the next start, while wanted."""
        self.spare_wanted = False
        """Set by the screen: a program step is shown, so keep a spare child ready."""
        self.spare_timeout = 15.0
        """The wall limit the spare child is made for (the screen sets the lesson's)."""
        self.count = 0
        self._handed: Run | None = None
        """A run handed to the spare by start() that the run worker has not taken yet."""
        self._batch: list[Event] = []
        self._closed = False
        self._gc_paused = False
        self.slots = slots.configured()
        """(folder, count) when runs are capped across processes (`coro-tutor serve`)."""
        self._slot: slots.Slot | None = None

    # --- start and stop ------------------------------------------------------------

    def start(self, request: RunRequest) -> None:
        """Start `request`: on the spare child at once if one waits and fits (GO before any
        painting), else in the run worker. Posts RunStarted, then the events. Where runs
        are capped and no slot is free, posts RunWaiting and starts once one frees."""
        if self.slots is not None and self._slot is None:
            self._slot = slots.try_take(*self.slots)
        if self.slots is None or self._slot is not None:
            self._handed = self._take_spare(request)
        self.count += 1
        self._batch = []
        self.node.post_message(RunStarted(self.count))
        self.node.run_worker(
            self._stream(request), group="run", exclusive=True, exit_on_error=False
        )

    def stop(self) -> bool:
        """Ask the running program to stop (False: nothing was running)."""
        if self.run is not None:
            self.node.run_worker(self.run.stop(), group="stop", exit_on_error=False)
            return True
        workers = [w for w in self.node.workers if w.group == "run" and w.is_running]
        self.node.workers.cancel_group(self.node, "run")
        return bool(workers)

    def close(self) -> None:
        """The screen goes away: no more spares, and a handed-over run nobody streams dies."""
        self._closed = True
        self.discard_spare()
        handed, self._handed = self._handed, None
        if handed is not None:  # its worker was cancelled before it began
            handed.kill()

    def _take_spare(self, request: RunRequest) -> Run | None:
        """Hand the program to the spare child now, if one waits and fits (else None: the
        run worker spawns normally, and reports whatever fails there)."""
        spare, self.spare = self.spare, None
        if spare is None:
            return None
        try:
            return spare.take(request)  # used up either way
        except Exception:
            spare.close()
            return None

    async def _wait_for_slot(self) -> None:
        assert self.slots is not None
        self.node.post_message(RunWaiting())
        while self._slot is None:
            await asyncio.sleep(0.2)
            self._slot = slots.try_take(*self.slots)

    async def _stream(self, request: RunRequest) -> None:
        run: Streaming | None
        run, self._handed = self._handed, None
        finished = False
        try:
            if self.slots is not None and self._slot is None:
                await self._wait_for_slot()
            if run is None:
                if self.start_run is not None:
                    run = await self.start_run(request)
                else:
                    from tutor.runner import start_run

                    spare, self.spare = self.spare, None
                    run = await start_run(request, spare=spare)  # used up, spare or not
            self.run = run
            self.pause_gc(True)
            async for event in run.events():
                self._post(event)
                if isinstance(event, Exit):
                    finished = True
                    self.node.post_message(RunFinished(event))
        except asyncio.CancelledError:
            if not finished:
                self.node.post_message(RunFinished(None))
            raise
        except Exception as error:
            self.node.post_message(RunFailed(error))
        else:
            if not finished:
                self.node.post_message(RunFinished(None))
        finally:
            self.run = None
            self.pause_gc(False)
            if run is not None and not finished:
                await asyncio.shield(run.stop())
            if self._slot is not None:
                self._slot.release()
                self._slot = None
            self.prepare_spare()

    def _post(self, event: Event) -> None:
        """Queue one event; a RunEvent message goes out when the queue was empty."""
        batch = self._batch
        batch.append(event)
        if len(batch) == 1:
            self.node.post_message(RunEvent(batch))

    def take_events(self, message: RunEvent) -> list[Event]:
        """The events of `message`, every one that came before it was handled."""
        if message.events is self._batch:
            self._batch = []
        return message.events

    def pause_gc(self, pause: bool) -> None:
        """No cyclic garbage collection while a run streams output (as Textual itself does
        during smooth scrolling): a full collection can take tens of ms, a visible stall.
        Reference counting still frees everything that is not a cycle; the collector
        catches up when the run ends."""
        if pause and not self._gc_paused:
            self._gc_paused = gc.isenabled()
            gc.disable()
        elif not pause and self._gc_paused:
            self._gc_paused = False
            gc.enable()

    # --- the spare child -----------------------------------------------------------

    def _wants_spare(self) -> bool:
        return (
            not self._closed
            and self.start_run is None
            and self.spare_wanted
            and self.node.is_attached
        )

    def want_spare(self, wanted: bool) -> None:
        """Keep a spare child ready (a program step is shown), or let it go."""
        self.spare_wanted = wanted
        if wanted:
            self.node.call_after_refresh(self.prepare_spare)
        else:
            self.discard_spare()

    def prepare_spare(self) -> None:
        """Start a child ahead of the next run (in the background), unless one is ready."""
        if self.spare is None and self._wants_spare():
            self.node.run_worker(
                self._prepare_spare(), group="spare", exclusive=True, exit_on_error=False
            )

    async def _prepare_spare(self) -> None:
        from tutor.runner import RunRequest, Spare, prepare_run, resolve_tier

        request = RunRequest(code="", timeout=self.spare_timeout)
        await asyncio.to_thread(resolve_tier, request.isolation)  # a first probe: off the loop
        if self.spare is not None or not self._wants_spare():
            return
        spare = await prepare_run(request)  # no await inside: nothing cancels it half-way
        if self.spare is not None or not self._wants_spare():
            spare.close()
            return
        self.spare = spare
        self.node.set_timer(Spare.MAX_AGE, lambda: self._recycle_spare(spare))

    def _recycle_spare(self, spare: Spare) -> None:
        """A spare that waited too long is replaced (start_run would not use it anyway)."""
        if self.spare is spare:
            self.discard_spare()
            self.prepare_spare()

    def discard_spare(self) -> None:
        spare, self.spare = self.spare, None
        if spare is not None:
            spare.close()
