"""The child's pipes read into the run's events: the event pipe's wire lines (decoded, and
mended or dropped: the program can forge them), the bytes that bypassed sys.stdout and
sys.stderr (unattributed), the child's clock, the output limit, and what the outcome needs
of the program's stderr.

A `Session` owns one `Pipes` and decides what a flood and the end mean; like the session,
it imports neither asyncio nor `json` (wire.py: `coro-tutor run` starts fast).
"""

from __future__ import annotations

import os
import time

from tutor.runner.values import UNATTRIBUTED
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

TYPE_CHECKING = False  # no `typing` import: `coro-tutor run` starts fast
if TYPE_CHECKING:
    from collections.abc import Callable
    from typing import Any

    from tutor.runner.procs import Procs

READ_SIZE = 65536


class Pipes:
    """The read ends of one child's pipes ({fd: "event"/"stdout"/"stderr"} in `fds`), and
    the events made of what they carry, numbered by `seq`.

    `emit(make(kind, fields))` hands out each event. `on_flood(runaway)` is called when the
    output passes `output_limit` (runaway: one event line longer than the limit) and says
    whether the run now stops for its output (`flooded`: later output is dropped)."""

    def __init__(
        self,
        emit: Callable[[Any], None],
        make: Callable[[str, dict[str, Any]], Any],
        remove_reader: Callable[[int], object],
        procs: Procs,
        on_flood: Callable[[bool], bool],
    ) -> None:
        self._emit_cb = emit
        self._make = make
        self._remove_reader = remove_reader
        self._procs = procs
        self._on_flood = on_flood
        self.fds: dict[int, str] = {}
        self._buf: dict[int, bytes] = {}
        self.seq = 0
        self.t0 = time.monotonic()
        """When the program started, on our clock (the session sets it at GO)."""
        self.output_limit = 0
        """Bytes of stdout+stderr text the program may write (`Limits.output`)."""
        self.flooded = False
        self._output_bytes = 0
        self.end: dict[str, Any] | None = None
        """The child's end record (its exception, switch counts), once it arrived."""
        self._last_stderr: list[str] = []
        self.traceback = False
        """The program printed a traceback (a timeout's sentence points at it)."""
        self._err_part = ""
        """The program's last stderr line until its newline arrives."""
        self._offset: float | None = None
        self._decode, self._decode_errors = line_decoder()

    def add(self, fd: int, kind: str) -> None:
        self.fds[fd] = kind
        self._buf[fd] = b""

    def stderr_tail(self) -> list[str]:
        """The program's last stderr lines (at most 40, and the unfinished one)."""
        return self._last_stderr + ([self._err_part] if self._err_part else [])

    def now(self) -> float:
        """Seconds since the program started, on the child's clock when it has spoken.

        The child stamps its events from its own start; our clock starts at spawn. The
        smallest (arrival - child stamp) seen estimates the difference (child start-up)."""
        now = time.monotonic() - self.t0
        if self._offset is not None:
            now -= self._offset
        return round(max(0.0, now), 6)

    def emit(self, kind: str, **fields: Any) -> None:
        self.seq += 1
        fields["seq"] = self.seq
        self._emit_cb(self._make(kind, fields))

    def _output(
        self, kind: str, runner: str, text: str, t: float, pid: int | None, b64: str | None = None
    ) -> None:
        """One output event (b64: exact bytes, see wire.piece); past the output limit the
        bytes up to it go out, then the run stops."""
        if self.flooded:
            return
        shown, b64, size = clip(text, b64, self.output_limit - self._output_bytes)
        if size < 0:  # past the limit: what fits (if anything) goes out, then the run stops
            self._output_bytes = self.output_limit + 1
            self.flooded = self._on_flood(False)
        else:
            self._output_bytes += size
        if shown is None:  # past the limit, and nothing of it fits
            return
        text = shown
        if kind == "stderr" and pid is None:  # the outcome is the program's, not a fork's
            *lines, part = (self._err_part + text).split("\n")
            self._err_part = part[-4096:]
            if any(line.startswith("Traceback (most recent call last)") for line in lines):
                self.traceback = True
            self._last_stderr[len(self._last_stderr) :] = lines
            del self._last_stderr[:-40]
        fields = {"t": t, "runner": runner, "text": text, "b64": b64, "pid": pid}
        self.emit(kind, **{k: v for k, v in fields.items() if v is not None})

    def _wire(self, line: bytes) -> None:
        """One event line. The program can forge them: bad values are mended or dropped."""
        if not self._procs.inits:
            self._procs.capture_inits()
        try:
            d = self._decode(line)
            kind = d["type"]
        except self._decode_errors + (KeyError, TypeError, OverflowError):
            return
        t = finite(d.get("t"))
        if t is None or t < 0:
            t = self.now()
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
                if not self.flooded:
                    fields = switch_fields(d) if kind == "switch" else block_fields(d)
                    fields["t"] = t
                    if pid is not None:
                        fields["pid"] = pid
                    self.emit(kind, **fields)
            elif kind == "cap":
                after = d["after"]
                if type(after) is int and 0 <= after < 1 << 62:
                    self.emit("cap", t=t, after=after)
            elif kind == "end" and pid is None:
                self.end = d
        except (KeyError, TypeError, ValueError, OverflowError):
            return

    def _raw(self, kind: str, data: bytes) -> None:
        """Bytes that bypassed sys.stdout/sys.stderr, unattributed: one event per line (with
        its newline), exact (b64 when not UTF-8)."""
        t = self.now()
        for text, b64 in pieces(data):
            self._output(kind, UNATTRIBUTED, text, t, None, b64)

    def read(self, fd: int) -> bool:
        """Read what `fd` has; True when it has closed (and is closed here too)."""
        kind = self.fds.get(fd)
        if kind is None:
            return False
        try:
            data = os.read(fd, READ_SIZE)
        except BlockingIOError:
            return False
        except OSError:
            data = b""
        if not data:
            self.close(fd)
            return True
        buf = self._buf[fd] + data
        if kind == "event":
            *lines, rest = buf.split(b"\n")
            for line in lines:
                if line:
                    self._wire(line)
            if len(rest) > self.output_limit + 65536:  # a runaway line: treat it as a flood
                rest = b""
                self.flooded = self._on_flood(True)
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
        return False

    def close(self, fd: int) -> None:
        """Stop watching `fd`, close it, and pass on what was left of its last line."""
        kind = self.fds.pop(fd, None)
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

    def close_all(self) -> None:
        for fd in list(self.fds):
            self.close(fd)

    def discard(self, watched: bool) -> None:
        """Close every fd without reading more (watched: registered with the driver)."""
        for fd in list(self.fds):
            if watched:
                self._remove_reader(fd)
            self.fds.pop(fd)
            self._buf.pop(fd, None)
            os.close(fd)
