"""One run as a process: spawn, GO, deadlines, the stop sequence, the end.

`Session` is a small state machine driven by whoever owns the loop: the asyncio driver in
`tutor.runner.run` (the TUI) or the epoll driver in `tutor.runner.driver` (`coro-tutor run`,
`run_to_end`), so the CLI never imports asyncio. A driver tells the session when an fd is
readable and when its deadline passed; the session hands out events through `emit`, built
by the driver's factory (`make`). The child is started with os.posix_spawn (no `subprocess`
import, safe from any thread of a threaded program). Its processes are `procs.Procs`, its
folder `scratch`, its pipes and events `pipes.Pipes`, and what the end means `outcome`.
"""

from __future__ import annotations

import os
import sys
import time

from tutor.runner.pipes import Pipes
from tutor.runner.procs import SIGINT, Procs, basic_run_ended
from tutor.runner.scratch import make_scratch, mentions, rmtree, scratch_size, write_program
from tutor.runner.spawn import python_version, spawn_child
from tutor.runner.tiers import ISOLATION, enforces
from tutor.runner.values import Facts, Limits

TYPE_CHECKING = False  # neither `typing` nor `signal`/`selectors`: `coro-tutor run` starts fast
if TYPE_CHECKING:
    from collections.abc import Callable
    from typing import Any

    from tutor.runner.values import RunRequest

GRACE = 1.0
"""Seconds of streaming after SIGINT before SIGKILL (the traceback shows where it was)."""
DRAIN = 1.0
"""Seconds to wait for the pipes to close after the program ended."""
DISK_CHECK = 0.2
"""Seconds between two measures of a basic-tier run's scratch dir (`Limits.disk`)."""


class Session:
    """One child process and everything that belongs to it."""

    def __init__(
        self,
        request: RunRequest,
        tier: str,
        emit: Callable[[Any], None],
        add_reader: Callable[[int], None],
        remove_reader: Callable[[int], object],
        make: Callable[[str, dict[str, Any]], Any],
    ) -> None:
        self.request = request
        self.tier = tier
        self.isolation = ISOLATION[tier]
        self._add_reader = add_reader
        self._remove_reader = remove_reader
        base = request.limits or Limits()
        self.limits = base.replace(wall=float(request.timeout))
        self.token = os.urandom(8).hex()
        self.procs = Procs(tier, self.token)
        """The run's processes (`procs.pid` is the one we spawn)."""
        self.pipes = Pipes(emit, make, remove_reader, self.procs, self._flood)
        self.done = False
        self.returncode: int | None = None
        self.scratch: str | None = None
        self.program: str | None = None
        """The program file in the scratch dir (None: a spare before GO)."""
        self.pidfd: int | None = None
        self._stop: str | None = None
        self._grace_at: float | None = None
        self._disk_at: float | None = None
        """Basic tier: when the scratch dir's size is checked next."""
        self._drain_at: float | None = None
        self._status = 0
        self._cpu = 0.0
        self._swept = 0
        self._counted = False
        self.t0 = time.monotonic()
        self.deadline_wall = self.t0 + self.limits.wall
        self._go: int | None = None
        """A spare's end of the go pipe (None: not a spare, or GO already said)."""
        self._watched = False
        """The pipes and the pidfd are registered with the driver."""
        self.prepared_at: float | None = None

    @property
    def pid(self) -> int | None:
        """The process the tutor spawned (the sandbox's outermost process)."""
        return self.procs.pid

    # -- spawn ------------------------------------------------------------------------

    def start(self, spare: bool = False) -> None:
        """Spawn the child. A spare child starts up and then waits for go() (no program yet:
        no reader is registered, no event is sent and the wall clock does not run)."""
        path = self.scratch = make_scratch()
        try:
            program = self.program = None if spare else write_program(self.request, path)
            child = spawn_child(self.request, self.tier, self.limits, self.token, path, program)
        except BaseException:
            rmtree(path)
            raise
        self.procs.pid = child.pid
        self._counted = self.tier == "basic"
        self.pidfd = child.pidfd
        for fd, kind in child.fds.items():
            self.pipes.add(fd, kind)
        try:
            if spare:
                self._go = child.go
                self.prepared_at = time.monotonic()
            else:
                self._begin()
        except BaseException:
            self.cleanup()
            raise
        # While the child starts (the parent only waits), load what the end will need:
        # the outcome, its English sentence (the exit event's message) and the `resource`
        # module that os.wait4 imports for its rusage.
        import resource  # noqa: F401

        from tutor.runner import outcome  # noqa: F401
        from tutor.strings import catalog

        catalog("en")

    def _begin(self) -> None:
        """The run's clock starts: watch the pipes and the pidfd, send the start event."""
        self.t0 = self.pipes.t0 = time.monotonic()
        self.deadline_wall = self.t0 + self.limits.wall
        self.pipes.output_limit = self.limits.output
        if self.tier == "basic":  # no tmpfs to cap the scratch dir: we measure it
            self._disk_at = self.t0 + DISK_CHECK
        for fd in self.pipes.fds:
            self._add_reader(fd)
        assert self.pidfd is not None  # start() has spawned the child
        self._add_reader(self.pidfd)
        self._watched = True
        python = self.request.python or sys.executable
        self.pipes.emit(
            "start",
            t=0.0,
            isolation=self.isolation,
            python=python_version(python),
            enforces=enforces(self.tier),
        )

    def waiting(self) -> bool:
        """A spare whose child still waits for GO."""
        if self._go is None or self.pidfd is None or self.procs.exited:
            return False
        which = getattr(os, "P_PIDFD", None)
        if which is None:  # no waitid on a pidfd: a dead child shows as EPIPE on GO instead
            return True
        try:
            return os.waitid(which, self.pidfd, os.WEXITED | os.WNOHANG | os.WNOWAIT) is None
        except OSError:
            return False

    def go(self, request: RunRequest) -> bool:
        """Hand a spare child its program (`request`: same tier/python/cap/limits/guard/
        read_only as the spare's; its code, filename, path and timeout are used). False
        (and nothing sent or started) if the child no longer waits: discard it then."""
        if not self.waiting():
            return False
        self.request = request
        self.limits = (request.limits or Limits()).replace(wall=float(request.timeout))
        assert self.scratch is not None  # a spare has its scratch dir
        program = self.program = write_program(request, self.scratch)
        go, self._go = self._go, None
        assert go is not None  # waiting() saw the go pipe
        self.t0 = time.monotonic()
        try:
            os.write(go, os.fsencode(program) + b"\n")
        except OSError:
            return False
        finally:
            os.close(go)
        self._begin()
        return True

    # -- pipes ------------------------------------------------------------------------

    def on_readable(self, fd: int) -> None:
        if fd == self.pidfd:
            self._on_exit()
        elif self.pipes.read(fd):  # that pipe closed
            self._maybe_finish()

    def _flood(self, runaway: bool) -> bool:
        """The output passed its limit: SIGKILL at once. True when the run now stops for
        its output (a runaway event line does not replace an earlier reason)."""
        if not runaway or self._stop is None:
            self._stop = "output"
        self.kill_all()
        return self._stop == "output"

    # -- time ---------------------------------------------------------------------------

    def next_deadline(self) -> float | None:
        """The monotonic time at which on_tick() must run next (None: nothing pending)."""
        if self.done:
            return None
        if self.procs.exited:
            return self._drain_at
        if self._grace_at is not None:
            return self._grace_at
        if self._disk_at is not None:
            return min(self.deadline_wall, self._disk_at)
        return self.deadline_wall

    def on_tick(self) -> None:
        if self.done:
            return
        now = time.monotonic()
        if self.procs.exited:
            if self._drain_at is not None and now >= self._drain_at:
                self._finish()
        elif self._grace_at is not None:
            if now >= self._grace_at:
                self.kill_all()
                self._grace_at = now + 5.0  # SIGKILL again if it somehow still runs
        elif now >= self.deadline_wall:
            self.begin_stop("timeout")
        elif self._disk_at is not None and now >= self._disk_at:
            self._disk_at = now + DISK_CHECK
            if self.scratch and scratch_size(self.scratch, self.limits.disk) > self.limits.disk:
                self._disk_at = None
                self.kill_now("disk")

    # -- stopping -----------------------------------------------------------------------

    def begin_stop(self, why: str = "killed") -> None:
        """The stop sequence: SIGINT to the program, stream for GRACE s, then SIGKILL."""
        if self.done or self.procs.exited or self._grace_at is not None:
            return
        if self._stop is None:
            self._stop = why
        self.procs.signal_program(SIGINT)
        self._grace_at = time.monotonic() + GRACE

    def kill_now(self, why: str = "killed") -> None:
        """Stop without the grace period."""
        if self.done:
            return
        if self._stop is None:
            self._stop = why
        self.kill_all()

    def kill_all(self) -> None:
        """SIGKILL the sandbox (and so its namespace) and every process of the run."""
        self.procs.kill_all()

    # -- the end ------------------------------------------------------------------------

    def _on_exit(self) -> None:
        if self.procs.exited or self.pid is None:
            return
        try:
            pid, status, usage = os.wait4(self.pid, os.WNOHANG)
        except ChildProcessError:
            pid, status, usage = self.pid, 0, None
        if pid == 0:
            return
        self.procs.exited = True
        self._status = os.waitstatus_to_exitcode(status)
        if usage is not None:
            self._cpu = usage.ru_utime + usage.ru_stime
        self._close_pidfd()
        self._swept = self.procs.sweep()
        self._drain_at = time.monotonic() + DRAIN
        self._maybe_finish()

    def _close_pidfd(self) -> None:
        if self.pidfd is not None:
            if self._watched:
                self._remove_reader(self.pidfd)
            os.close(self.pidfd)
            self.pidfd = None

    def _maybe_finish(self) -> None:
        if self.procs.exited and not self.pipes.fds and not self.done:
            self._finish()

    def _returncode(self) -> int:
        rc = self._status
        if self.tier != "basic" and rc > 128 and self.pipes.end is None:
            return -(rc - 128)  # the wrapper reports a signal as 128 + N
        return rc

    def _finish(self) -> None:
        from tutor.runner import outcome

        self.pipes.close_all()
        rc = self._returncode()
        self.returncode = rc
        end = self.pipes.end
        exc = end.get("exception") if end else None
        facts = Facts(
            returncode=rc,
            stop=self._stop,
            exception=exc if isinstance(exc, str) else None,
            last_stderr=self.pipes.stderr_tail(),
            traceback=self.pipes.traceback,
            cpu=self._cpu,
            wall=self.limits.wall,
            cpu_soft=self.limits.cpu_soft,
            data=self.limits.data,
            fsize=self.limits.fsize,
            disk=self.limits.disk,
            output=self.limits.output,
            swept=self._swept,
            tier=self.tier,
            ended=end is not None,
            nofile=self.limits.nofile,
            raised_recursion_limit=rc == -outcome.SIGSEGV
            and mentions(self.program, b"setrecursionlimit"),
        )
        reason, sentence, params = outcome.classify(facts)
        switches = dropped = 0
        if end:
            try:
                switches = int(end.get("switches") or 0)
                dropped = int(end.get("dropped") or 0)
            except (TypeError, ValueError):
                pass
        self.cleanup()
        self.done = True
        self.pipes.emit(
            "exit",
            t=self.pipes.now(),
            returncode=rc,
            reason=reason,
            message=outcome.render(sentence, params, "en"),
            switches=switches,
            dropped=dropped,
            sentence=sentence,
            params=params,
        )

    def cleanup(self) -> None:
        """Kill what is left, reap, close every fd, delete the scratch dir. Safe to repeat."""
        if self._go is not None:  # a spare never used: EOF on the go pipe means "abort"
            os.close(self._go)
            self._go = None
        if self.pid is not None and not self.procs.exited:
            self.kill_all()
            try:
                _, status = os.waitpid(self.pid, 0)
                self._status = os.waitstatus_to_exitcode(status)
            except ChildProcessError:
                pass
            self.procs.exited = True
            self.procs.sweep()
        self.procs.reap_inits()
        if self._counted:  # after the sweep: it relies on the subreaper
            self._counted = False
            basic_run_ended()
        self._close_pidfd()
        self.pipes.discard(self._watched)
        if self.scratch is not None and os.path.exists(self.scratch):
            rmtree(self.scratch)
