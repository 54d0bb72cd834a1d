"""One run as a process: spawn, pipes, wire decoding, the stop sequence, the end.

`Session` is a small state machine driven by whoever owns the loop: the asyncio driver in
`tutor.runner.run` (the TUI) or the epoll driver in `tutor.runner.driver` (`coro-tutor run`,
`run_to_end`), so the CLI never imports asyncio. A driver tells the session when an fd is
readable and when its deadline passed; the session hands out events through `emit`, built
by the driver's factory (`make`). The child is started with os.posix_spawn (no `subprocess`
import, safe from any thread of a threaded program). Its processes are `procs.Procs`, its
folder `scratch`, and what the end means `outcome`.
"""

from __future__ import annotations

import os
import sys
import time

from tutor.runner.procs import SIGINT, Procs, basic_run_ended
from tutor.runner.scratch import make_scratch, mentions, rmtree, scratch_size, write_program
from tutor.runner.spawn import python_version, spawn_child
from tutor.runner.values import UNATTRIBUTED, Facts, Limits
from tutor.runner.wire import (
    block_fields,
    char_cut,
    clean_str,
    clip,
    finite,
    line_decoder,
    pieces,
    switch_fields,
)

TYPE_CHECKING = False  # neither `typing` nor `signal`/`selectors`: `coro-tutor run` starts fast
if TYPE_CHECKING:
    from collections.abc import Callable
    from typing import Any

    from tutor.runner.values import RunRequest

GRACE = 1.0
"""Seconds of streaming after SIGINT before SIGKILL (the traceback shows where it was)."""
DRAIN = 1.0
"""Seconds to wait for the pipes to close after the program ended."""
READ_SIZE = 65536


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
        from tutor.runner import sandbox

        self.request = request
        self.tier = tier
        self.isolation = sandbox.ISOLATION[tier]
        self._emit_cb = emit
        self._add_reader = add_reader
        self._remove_reader = remove_reader
        self._make = make
        base = request.limits or Limits()
        self.limits = base.replace(wall=float(request.timeout))
        self.token = os.urandom(8).hex()
        self.procs = Procs(tier, self.token)
        """The run's processes (`procs.pid` is the one we spawn)."""
        self.seq = 0
        self.done = False
        self.returncode: int | None = None
        self.scratch: str | None = None
        self.program: str | None = None
        """The program file in the scratch dir (None: a spare before GO)."""
        self.pidfd: int | None = None
        self._fds: dict[int, str] = {}
        self._buf: dict[int, bytes] = {}
        self._output_bytes = 0
        self._stop: str | None = None
        self._grace_at: float | None = None
        self._disk_at: float | None = None
        """Basic tier: when the scratch dir's size is checked next."""
        self._drain_at: float | None = None
        self._status = 0
        self._cpu = 0.0
        self._swept = 0
        self._end: dict[str, Any] | None = None
        self._last_stderr: list[str] = []
        self._traceback = False
        """The program printed a traceback (a timeout's sentence points at it)."""
        self._err_part = ""
        """The program's last stderr line until its newline arrives."""
        self._offset: float | None = None
        self._counted = False
        self._decode, self._decode_errors = line_decoder()
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
            self._fds[fd] = kind
            self._buf[fd] = b""
        try:
            if spare:
                self._go = child.go
                self.prepared_at = time.monotonic()
            else:
                self._begin()
        except BaseException:
            self.cleanup()
            raise
        # While the child starts (the parent only waits), load what the end will need.
        from tutor.runner import outcome  # noqa: F401

    def _begin(self) -> None:
        """The run's clock starts: watch the pipes and the pidfd, send the start event."""
        self.t0 = time.monotonic()
        self.deadline_wall = self.t0 + self.limits.wall
        if self.tier == "basic":  # no tmpfs to cap the scratch dir: we measure it
            self._disk_at = self.t0 + DISK_CHECK
        for fd in self._fds:
            self._add_reader(fd)
        assert self.pidfd is not None  # start() has spawned the child
        self._add_reader(self.pidfd)
        self._watched = True
        python = self.request.python or sys.executable
        from tutor.runner import sandbox

        self._emit(
            "start",
            t=0.0,
            isolation=self.isolation,
            python=python_version(python),
            enforces=sandbox.enforces(self.tier),
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

    # -- events -----------------------------------------------------------------------

    def _now(self) -> float:
        """Seconds since the program started, on the child's clock when it has spoken.

        The child stamps its events from its own start; our clock starts at spawn. The
        smallest (arrival - child stamp) seen estimates the difference (child start-up)."""
        now = time.monotonic() - self.t0
        if self._offset is not None:
            now -= self._offset
        return round(max(0.0, now), 6)

    def _emit(self, kind: str, **fields: Any) -> None:
        self.seq += 1
        fields["seq"] = self.seq
        self._emit_cb(self._make(kind, fields))

    def _output(
        self, kind: str, runner: str, text: str, t: float, pid: int | None, b64: str | None = None
    ) -> None:
        """One output event (b64: exact bytes, see wire.piece); past the output limit the
        bytes up to it go out, then the run stops."""
        if self._stop == "output":
            return
        shown, b64, size = clip(text, b64, self.limits.output - self._output_bytes)
        if size < 0:  # past the limit: what fits (if anything) goes out, then the run stops
            self._output_bytes = self.limits.output + 1
            self._stop = "output"
            self.kill_all()
        else:
            self._output_bytes += size
        if shown is None:  # past the limit, and nothing of it fits
            return
        text = shown
        if kind == "stderr" and pid is None:  # the outcome is the program's, not a fork's
            *lines, part = (self._err_part + text).split("\n")
            self._err_part = part[-4096:]
            if any(line.startswith("Traceback (most recent call last)") for line in lines):
                self._traceback = True
            self._last_stderr[len(self._last_stderr) :] = lines
            del self._last_stderr[:-40]
        fields = {"t": t, "runner": runner, "text": text, "b64": b64, "pid": pid}
        self._emit(kind, **{k: v for k, v in fields.items() if v is not None})

    def _wire(self, line: bytes) -> None:
        """One event line. The program can forge them: bad values are mended or dropped."""
        if not self.procs.inits:
            self.procs.capture_inits()
        try:
            d = self._decode(line)
            kind = d["type"]
        except self._decode_errors + (KeyError, TypeError, OverflowError):
            return
        t = finite(d.get("t"))
        if t is None or t < 0:
            t = self._now()
        else:
            gap = time.monotonic() - self.t0 - t
            if self._offset is None or gap < self._offset:
                self._offset = max(0.0, gap)
        pid = d.get("pid")
        if not isinstance(pid, int) or isinstance(pid, bool) or not 0 < pid < 1 << 31:
            pid = None
        try:
            if kind == "stdout" or kind == "stderr":
                b64 = d.get("b64")
                self._output(
                    kind,
                    clean_str(d["runner"]),
                    clean_str(d["text"]),
                    t,
                    pid,
                    b64 if isinstance(b64, str) else None,
                )
            elif kind == "switch" or kind == "block":
                if self._stop != "output":
                    fields = switch_fields(d) if kind == "switch" else block_fields(d)
                    fields["t"] = t
                    if pid is not None:
                        fields["pid"] = pid
                    self._emit(kind, **fields)
            elif kind == "cap":
                after = d["after"]
                if type(after) is int and 0 <= after < 1 << 62:
                    self._emit("cap", t=t, after=after)
            elif kind == "end" and pid is None:
                self._end = d
        except (KeyError, TypeError, ValueError, OverflowError):
            return

    def _raw(self, kind: str, data: bytes) -> None:
        """Bytes that bypassed sys.stdout/sys.stderr, unattributed: one event per line (with
        its newline), exact (b64 when not UTF-8)."""
        t = self._now()
        for text, b64 in pieces(data):
            self._output(kind, UNATTRIBUTED, text, t, None, b64)

    def on_readable(self, fd: int) -> None:
        if fd == self.pidfd:
            self._on_exit()
            return
        kind = self._fds.get(fd)
        if kind is None:
            return
        try:
            data = os.read(fd, READ_SIZE)
        except BlockingIOError:
            return
        except OSError:
            data = b""
        if not data:
            self._close(fd)
            self._maybe_finish()
            return
        buf = self._buf[fd] + data
        if kind == "event":
            *lines, rest = buf.split(b"\n")
            for line in lines:
                if line:
                    self._wire(line)
            if len(rest) > self.limits.output + 65536:  # a runaway line: treat it as a flood
                rest = b""
                self._stop = self._stop or "output"
                self.kill_all()
        else:
            cut = buf.rfind(b"\n") + 1
            if cut:
                self._raw(kind, buf[:cut])
                rest = buf[cut:]
            else:
                rest = buf
            if len(rest) > 65536:  # a long line without a newline: pass it on in pieces
                cut = char_cut(rest)
                self._raw(kind, rest[:cut])
                rest = rest[cut:]
        if fd in self._buf:
            self._buf[fd] = rest

    def _close(self, fd: int) -> None:
        kind = self._fds.pop(fd, None)
        if kind is None:
            return
        self._remove_reader(fd)
        rest = self._buf.pop(fd, b"")
        os.close(fd)
        if rest:
            if kind == "event":
                self._wire(rest)
            else:
                self._raw(kind, rest)

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
        if self.procs.exited and not self._fds and not self.done:
            self._finish()

    def _returncode(self) -> int:
        rc = self._status
        if self.tier != "basic" and rc > 128 and self._end is None:
            return -(rc - 128)  # the wrapper reports a signal as 128 + N
        return rc

    def _finish(self) -> None:
        from tutor.runner import outcome

        for fd in list(self._fds):
            self._close(fd)
        rc = self._returncode()
        self.returncode = rc
        exc = self._end.get("exception") if self._end else None
        facts = Facts(
            returncode=rc,
            stop=self._stop,
            exception=exc if isinstance(exc, str) else None,
            last_stderr=self._last_stderr + ([self._err_part] if self._err_part else []),
            traceback=self._traceback,
            cpu=self._cpu,
            wall=self.limits.wall,
            cpu_soft=self.limits.cpu_soft,
            data=self.limits.data,
            fsize=self.limits.fsize,
            disk=self.limits.disk,
            output=self.limits.output,
            swept=self._swept,
            tier=self.tier,
            ended=self._end is not None,
            nofile=self.limits.nofile,
            raised_recursion_limit=rc == -outcome.SIGSEGV
            and mentions(self.program, b"setrecursionlimit"),
        )
        reason, sentence, params = outcome.classify(facts)
        switches = dropped = 0
        if self._end:
            try:
                switches = int(self._end.get("switches") or 0)
                dropped = int(self._end.get("dropped") or 0)
            except (TypeError, ValueError):
                pass
        self.cleanup()
        self.done = True
        self._emit(
            "exit",
            t=self._now(),
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
        for fd in list(self._fds):
            if self._watched:
                self._remove_reader(fd)
            self._fds.pop(fd)
            self._buf.pop(fd, None)
            os.close(fd)
        if self.scratch is not None and os.path.exists(self.scratch):
            rmtree(self.scratch)
