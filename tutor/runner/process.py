"""One run as a process: scratch dir, spawn, pipes, stop sequence, sweep, cleanup.

`Session` is a small state machine driven by whoever owns the loop: the asyncio driver in
`tutor.runner` (the TUI) or the selectors driver below (`coro-tutor run`, `run_to_end`), so
the CLI never imports asyncio. A driver tells the session when an fd is readable and when
its deadline passed; the session hands out events through `emit`.

Events are built by a factory: msgspec structs (`tutor.runner.events`) for the API, plain
dicts for `coro-tutor run` (which must not pay for importing msgspec). The child is started
with os.posix_spawn (no `subprocess` import, safe from any thread of a threaded program).
"""

from __future__ import annotations

import os
import sys
import time

TYPE_CHECKING = False  # neither `typing` nor `signal`/`selectors`: `coro-tutor run` starts fast
if TYPE_CHECKING:
    from collections.abc import Callable
    from typing import Any

SIGINT, SIGKILL = 2, 9  # Linux numbers (the `signal` module pulls in enum)

GRACE = 1.0
"""Seconds of streaming after SIGINT before SIGKILL (the traceback shows where it was)."""
DRAIN = 1.0
"""Seconds to wait for the pipes to close after the program ended."""
READ_SIZE = 65536

_PR_SET_CHILD_SUBREAPER = 36
_prctl = None
_basic_runs = 0
"""Basic-tier runs in progress: the tutor is a child subreaper only while there are any."""
_subreaper_ok = False


def _set_subreaper(on: bool) -> bool:
    global _prctl
    if not sys.platform.startswith("linux"):
        return False
    try:
        if _prctl is None:
            import ctypes

            _prctl = ctypes.CDLL(None, use_errno=True).prctl
        return _prctl(_PR_SET_CHILD_SUBREAPER, 1 if on else 0, 0, 0, 0) == 0
    except (OSError, AttributeError, ImportError):
        return False


def _basic_run_started() -> None:
    """Orphans of a basic-tier program are re-parented to us, so the sweep finds them.

    Only while a basic run is active: a subreaper also inherits the namespace init of the
    bwrap/unshare tiers (it can outlive the process we spawned by a moment) as a zombie."""
    global _basic_runs, _subreaper_ok
    if _basic_runs == 0:
        _subreaper_ok = _set_subreaper(True)
    _basic_runs += 1


def _basic_run_ended() -> None:
    global _basic_runs, _subreaper_ok
    _basic_runs = max(0, _basic_runs - 1)
    if _basic_runs == 0 and _subreaper_ok:
        _set_subreaper(False)
        _subreaper_ok = False


# --------------------------------------------------------------------------------------
# Event factories


def struct_factory() -> Callable[..., Any]:
    """Events as tutor.runner.events structs (the API)."""
    from tutor.runner import events as ev

    classes = {
        "start": ev.Start,
        "stdout": ev.Stdout,
        "stderr": ev.Stderr,
        "switch": ev.Switch,
        "cap": ev.Cap,
        "exit": ev.Exit,
    }

    def make(kind: str, fields: dict) -> Any:
        if kind == "switch":
            fields["from_"] = fields.pop("from")
        return classes[kind](**fields)

    return make


def dict_factory() -> Callable[..., Any]:
    """Events as dicts in wire order ("type" first): what `coro-tutor run --json` prints."""

    def make(kind: str, fields: dict) -> dict:
        return {"type": kind, **fields}

    return make


# --------------------------------------------------------------------------------------
# Scratch dirs


def scratch_base() -> str:
    tmp = os.environ.get("TMPDIR") or "/tmp"
    if not os.path.isdir(tmp):
        tmp = "/tmp"
    return os.path.join(tmp, f"coro-tutor-{os.geteuid()}")


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


def rmtree(path: str) -> None:
    """Delete a scratch dir, whatever the program did to its permissions (no shutil import)."""
    try:
        os.chmod(path, 0o700)
    except OSError:
        return
    for root, dirs, _files in os.walk(path, topdown=True):
        for d in dirs:
            full = os.path.join(root, d)
            if not os.path.islink(full):
                try:
                    os.chmod(full, 0o700)
                except OSError:
                    pass
    for root, dirs, files in os.walk(path, topdown=False):
        for name in files:
            try:
                os.unlink(os.path.join(root, name))
            except OSError:
                pass
        for name in dirs:
            full = os.path.join(root, name)
            try:
                if os.path.islink(full):
                    os.unlink(full)
                else:
                    os.rmdir(full)
            except OSError:
                pass
    try:
        os.rmdir(path)
    except OSError:
        pass


def remove_stale_scratch(base: str | None = None) -> int:
    """Delete scratch dirs whose tutor process is gone (and kill what still runs in them)."""
    base = base or scratch_base()
    try:
        names = os.listdir(base)
    except OSError:
        return 0
    stale = []
    for name in names:
        parts = name.split("-")
        if len(parts) >= 3 and parts[0] == "run" and parts[1].isdigit():
            if not _alive(int(parts[1])):
                stale.append(os.path.join(base, name))
    if not stale:
        return 0
    for pid in _pids():
        try:
            cwd = os.readlink(f"/proc/{pid}/cwd")
        except OSError:
            continue
        if any(cwd == s or cwd.startswith(s + "/") for s in stale):
            try:
                os.kill(pid, SIGKILL)
            except OSError:
                pass
    for s in stale:
        rmtree(s)
    return len(stale)


def _pids() -> list[int]:
    return [int(n) for n in os.listdir("/proc") if n.isdigit()]


def _stat(pid: int) -> tuple[str, int, int, int] | None:
    """(state, ppid, pgrp, session) of a process, or None when it is gone."""
    try:
        with open(f"/proc/{pid}/stat", "rb") as f:
            data = f.read()
    except OSError:
        return None
    fields = data[data.rindex(b")") + 2 :].split()
    return fields[0].decode(), int(fields[1]), int(fields[2]), int(fields[3])


def _has_token(pid: int, token: bytes) -> bool:
    try:
        with open(f"/proc/{pid}/environ", "rb") as f:
            return token in f.read()
    except OSError:
        return False


def _our_children() -> set[int]:
    """Direct children of this process (every thread), from /proc: cheap, no full scan."""
    kids: set[int] = set()
    try:
        tids = os.listdir("/proc/self/task")
    except OSError:
        return kids
    for tid in tids:
        try:
            with open(f"/proc/self/task/{tid}/children") as f:
                kids.update(int(p) for p in f.read().split())
        except OSError:
            return set(_pids())  # no CONFIG_PROC_CHILDREN: fall back to everything
    return kids


class _ScanContext:
    """What _json.make_scanner reads from a json.JSONDecoder."""

    strict = True
    object_hook = None
    object_pairs_hook = None
    parse_float = float
    parse_int = int
    memo: dict = {}

    @staticmethod
    def parse_constant(name: str) -> float:
        return float(name.lower().replace("infinity", "inf"))


def _reap_inits(pids: set[int]) -> None:
    """Reap namespace inits re-parented to us (only while we are a subreaper; otherwise
    waitpid says ECHILD at once). They die with their parent, so this is quick."""
    deadline = time.monotonic() + 0.5
    pending = set(pids)
    while pending:
        for pid in list(pending):
            try:
                done, _ = os.waitpid(pid, os.WNOHANG)
            except OSError:  # not our child: its own parent or init reaps it
                pending.discard(pid)
                continue
            if done:
                pending.discard(pid)
        if not pending or time.monotonic() > deadline:
            return
        time.sleep(0.002)


def _loads():
    """The JSON decoder for wire lines: msgspec's when it is already loaded (the TUI), else
    the C scanner behind the json module (the json package would pull in `re`)."""
    ms = sys.modules.get("msgspec")
    if ms is not None:
        return ms.json.decode, (ms.DecodeError, ValueError)
    try:
        from _json import make_scanner

        scan = make_scanner(_ScanContext())

        def loads(line: bytes):
            text = line.decode("utf-8", "replace")
            value, end = scan(text, 0)
            if end != len(text) and text[end:].strip():
                raise ValueError("extra data")
            return value

        return loads, (ValueError, StopIteration)
    except ImportError:
        import json

        return json.loads, (ValueError,)


# --------------------------------------------------------------------------------------
# The session


SIBLINGS_MAX = 50
SIBLINGS_MAX_BYTES = 2 << 20


def _copy_siblings(folder: str, program: str, scratch: str) -> None:
    """Copy the .py files beside a program file, so `import helper` works as it would with
    `python prog.py`. Only when they are few and small (at most SIBLINGS_MAX files,
    SIBLINGS_MAX_BYTES in all): a program in a big folder gets nothing but itself."""
    picked = []
    total = 0
    try:
        with os.scandir(folder) as entries:
            for entry in entries:
                if entry.name == program or not entry.name.endswith(".py"):
                    continue
                if not entry.is_file(follow_symlinks=False):
                    continue
                total += entry.stat(follow_symlinks=False).st_size
                picked.append(entry.name)
                if len(picked) > SIBLINGS_MAX or total > SIBLINGS_MAX_BYTES:
                    return
    except OSError:
        return
    for name in picked:
        try:
            with (
                open(os.path.join(folder, name), "rb") as src,
                open(os.path.join(scratch, name), "xb") as dst,
            ):
                dst.write(src.read())
        except OSError:
            continue


class Session:
    """One child process and everything that belongs to it."""

    def __init__(
        self,
        request,
        tier: str,
        emit: Callable[[Any], None],
        add_reader: Callable[[int], None],
        remove_reader: Callable[[int], None],
        make: Callable[[str, dict], Any] | None = None,
    ) -> None:
        from tutor.runner import sandbox

        self.request = request
        self.tier = tier
        self.isolation = sandbox.ISOLATION[tier]
        self._emit_cb = emit
        self._add_reader = add_reader
        self._remove_reader = remove_reader
        self._make = make or struct_factory()
        base = request.limits or sandbox.Limits()
        self.limits = base.replace(wall=float(request.timeout))
        self.token = os.urandom(8).hex()
        self.seq = 0
        self.done = False
        self.pid: int | None = None
        self.returncode: int | None = None
        self.scratch: str | None = None
        self.pidfd: int | None = None
        self._fds: dict[int, str] = {}
        self._buf: dict[int, bytes] = {}
        self._output_bytes = 0
        self._stop: str | None = None
        self._we_killed = False
        self._grace_at: float | None = None
        self._drain_at: float | None = None
        self._exited = False
        self._status = 0
        self._cpu = 0.0
        self._swept = 0
        self._end: dict | None = None
        self._last_stderr: list[str] = []
        self._offset: float | None = None
        self._counted = False
        self._inits: set[int] = set()
        """The namespace's init (bwrap's inner process, or sh): reaped by us if it was
        re-parented to us (we are a subreaper while basic runs are active)."""
        self._decode, self._decode_errors = _loads()
        self.t0 = time.monotonic()
        self.deadline_wall = self.t0 + self.limits.wall
        self._go: int | None = None
        """A spare's end of the go pipe (None: not a spare, or GO already said)."""
        self._watched = False
        """The pipes and the pidfd are registered with the driver."""
        self.prepared_at: float | None = None

    # -- spawn ------------------------------------------------------------------------

    def start(self, spare: bool = False) -> None:
        """Spawn the child. A spare child starts up and then waits for go() (no program yet:
        no reader is registered, no event is sent and the wall clock does not run)."""
        base = scratch_base()
        os.makedirs(base, mode=0o700, exist_ok=True)
        remove_stale_scratch(base)
        while True:
            path = os.path.join(base, f"run-{os.getpid()}-{os.urandom(4).hex()}")
            try:
                os.mkdir(path, 0o700)
                break
            except FileExistsError:
                continue
        self.scratch = path
        try:
            self._spawn(spare)
        except BaseException:
            for fd in list(self._fds):
                if self._watched:
                    self._remove_reader(fd)
                os.close(fd)
            self._fds.clear()
            if self._go is not None:
                os.close(self._go)
                self._go = None
            rmtree(path)
            if self._counted:
                self._counted = False
                _basic_run_ended()
            raise

    def _program(self) -> str:
        req = self.request
        if req.path is not None:
            src = os.fspath(req.path)
            if req.code is None:
                with open(src, encoding="utf-8") as f:
                    code = f.read()
            else:
                code = req.code
            name = req.filename if req.filename != "lesson.py" else os.path.basename(src)
            _copy_siblings(os.path.dirname(src), os.path.basename(src), self.scratch)
        else:
            code = req.code if req.code is not None else ""
            name = req.filename
        name = os.path.basename(name) or "lesson.py"
        program = os.path.join(self.scratch, name)
        with open(program, "w", encoding="utf-8") as f:
            f.write(code)
        return program

    def _spawn(self, spare: bool = False) -> None:
        from tutor.runner import sandbox

        req = self.request
        program = None if spare else self._program()
        python = req.python or sys.executable
        bootstrap = sandbox.BOOTSTRAP
        ev_r, ev_w = os.pipe()
        out_r, out_w = os.pipe()
        err_r, err_w = os.pipe()
        go_r = go_w = None
        devnull = os.open(os.devnull, os.O_RDONLY | os.O_CLOEXEC)
        extra = {
            "CORO_TUTOR_EVENT_FD": str(ev_w),
            "CORO_TUTOR_CAP": str(req.cap),
            "CORO_TUTOR_RLIMITS": self.limits.spec()
            + (",pdeathsig=9" if self.tier == "basic" else ""),
            "CORO_TUTOR_RUN": self.token,
        }
        keep = [ev_w]
        if spare:
            go_r, go_w = os.pipe()
            extra["CORO_TUTOR_GO_FD"] = str(go_r)
            keep.append(go_r)
        if self.tier != "full" and req.guard:
            extra["CORO_TUTOR_GUARD"] = "1"
            if self.tier == "partial":
                extra["CORO_TUTOR_GUARD_ALLOW"] = ":".join(sandbox.hidden_paths())
        env = sandbox.child_env(self.scratch, extra)
        argv = sandbox.command(
            self.tier,
            [python, "-I", bootstrap] + ([] if program is None else [program]),
            self.scratch,
            python,
            tuple(req.read_only),
            keep_fds=tuple(keep),
        )
        if self.tier == "basic":
            _basic_run_started()
            self._counted = True
        try:
            for fd in keep:
                os.set_inheritable(fd, True)
            self.pid = os.posix_spawn(
                argv[0],
                argv,
                env,
                file_actions=[
                    (os.POSIX_SPAWN_DUP2, devnull, 0),
                    (os.POSIX_SPAWN_DUP2, out_w, 1),
                    (os.POSIX_SPAWN_DUP2, err_w, 2),
                ],
                setsid=True,
            )
        except BaseException:
            for fd in (ev_r, out_r, err_r, go_w):
                if fd is not None:
                    os.close(fd)
            raise
        finally:
            for fd in (ev_w, out_w, err_w, devnull, go_r):
                if fd is not None:
                    os.close(fd)
        self.pidfd = os.pidfd_open(self.pid)
        for fd, kind in ((ev_r, "event"), (out_r, "stdout"), (err_r, "stderr")):
            os.set_blocking(fd, False)
            self._fds[fd] = kind
            self._buf[fd] = b""
        if spare:
            self._go = go_w
            self.prepared_at = time.monotonic()
        else:
            self._begin()
        # While the child starts (the parent only waits), load what the end will need.
        from tutor.runner import outcome  # noqa: F401

    def _begin(self) -> None:
        """The run's clock starts: watch the pipes and the pidfd, send the start event."""
        self.t0 = time.monotonic()
        self.deadline_wall = self.t0 + self.limits.wall
        for fd in self._fds:
            self._add_reader(fd)
        self._add_reader(self.pidfd)
        self._watched = True
        python = self.request.python or sys.executable
        self._emit("start", t=0.0, isolation=self.isolation, python=_python_version(python))

    def waiting(self) -> bool:
        """A spare whose child still waits for GO."""
        if self._go is None or self.pidfd is None or self._exited:
            return False
        which = getattr(os, "P_PIDFD", None)
        if which is None:  # no waitid on a pidfd: a dead child shows as EPIPE on GO instead
            return True
        try:
            return os.waitid(which, self.pidfd, os.WEXITED | os.WNOHANG | os.WNOWAIT) is None
        except OSError:
            return False

    def go(self, request) -> bool:
        """Hand a spare child its program (`request`: same tier/python/cap/limits/guard/
        read_only as the spare's; its code, filename, path and timeout are used). False
        (and nothing sent or started) if the child no longer waits: discard it then."""
        from tutor.runner import sandbox

        if not self.waiting():
            return False
        self.request = request
        self.limits = (request.limits or sandbox.Limits()).replace(wall=float(request.timeout))
        program = self._program()
        go, self._go = self._go, None
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

    def _emit(self, kind: str, **fields) -> None:
        self.seq += 1
        fields["seq"] = self.seq
        self._emit_cb(self._make(kind, fields))

    def _output(self, kind: str, runner: str, text: str, t: float, pid) -> None:
        if self._stop == "output":
            return
        size = len(text.encode("utf-8", "surrogatepass")) + 1
        if self._output_bytes + size > self.limits.output:
            self._output_bytes = self.limits.output + 1
            self._stop = "output"
            self.kill_all()
            return
        self._output_bytes += size
        if kind == "stderr" and pid is None:  # the outcome is the program's, not a fork's
            self._last_stderr.append(text)
            if len(self._last_stderr) > 40:
                del self._last_stderr[:20]
        if pid is None:
            self._emit(kind, t=t, runner=runner, text=text)
        else:
            self._emit(kind, t=t, runner=runner, text=text, pid=pid)

    def _capture_inits(self, procs: dict[int, int] | None = None) -> None:
        if self.tier == "basic" or self.pid is None or self._exited:
            return
        if procs is not None:
            self._inits.update(p for p, d in procs.items() if d == 1)
            return
        try:
            with open(f"/proc/{self.pid}/task/{self.pid}/children") as f:
                self._inits.update(int(p) for p in f.read().split())
        except (OSError, ValueError):
            pass

    def _wire(self, line: bytes) -> None:
        if not self._inits:
            self._capture_inits()
        try:
            d = self._decode(line)
            kind = d["type"]
        except self._decode_errors + (KeyError, TypeError):
            return
        t = d.get("t")
        if not isinstance(t, (int, float)) or isinstance(t, bool):
            t = self._now()
        else:
            gap = time.monotonic() - self.t0 - t
            if self._offset is None or gap < self._offset:
                self._offset = max(0.0, gap)
        pid = d.get("pid")
        if not isinstance(pid, int) or isinstance(pid, bool):
            pid = None
        try:
            if kind == "stdout" or kind == "stderr":
                self._output(kind, str(d["runner"]), str(d["text"]), t, pid)
            elif kind == "switch":
                if self._stop != "output":
                    fields = {
                        "t": t,
                        "from": str(d["from"]),
                        "to": str(d["to"]),
                        "via": str(d["via"]),
                    }
                    if pid is not None:
                        fields["pid"] = pid
                    self._emit("switch", **fields)
            elif kind == "cap":
                self._emit("cap", t=t, after=int(d["after"]))
            elif kind == "end" and pid is None:
                self._end = d
        except (KeyError, TypeError, ValueError):
            return

    def _raw(self, kind: str, data: bytes) -> None:
        """Bytes that bypassed sys.stdout/sys.stderr: one event per line, runner "?"."""
        t = self._now()
        for line in data.split(b"\n"):
            self._output(kind, "?", line.decode("utf-8", "replace"), t, None)

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
            cut = buf.rfind(b"\n")
            if cut >= 0:
                self._raw(kind, buf[:cut])
                rest = buf[cut + 1 :]
            else:
                rest = buf
            if len(rest) > 65536:  # a long line without a newline: pass it on in pieces
                self._raw(kind, rest)
                rest = b""
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
        if self._exited:
            return self._drain_at
        if self._grace_at is not None:
            return self._grace_at
        return self.deadline_wall

    def on_tick(self) -> None:
        if self.done:
            return
        now = time.monotonic()
        if self._exited:
            if self._drain_at is not None and now >= self._drain_at:
                self._finish()
        elif self._grace_at is not None:
            if now >= self._grace_at:
                self.kill_all()
                self._grace_at = now + 5.0  # SIGKILL again if it somehow still runs
        elif now >= self.deadline_wall:
            self.begin_stop("timeout")

    # -- stopping -----------------------------------------------------------------------

    def begin_stop(self, why: str = "killed") -> None:
        """The stop sequence: SIGINT to the program, stream for GRACE s, then SIGKILL."""
        if self.done or self._exited or self._grace_at is not None:
            return
        if self._stop is None:
            self._stop = why
        self._signal_program(SIGINT)
        self._grace_at = time.monotonic() + GRACE

    def kill_now(self, why: str = "killed") -> None:
        """Stop without the grace period."""
        if self.done:
            return
        if self._stop is None:
            self._stop = why
        self.kill_all()

    def run_processes(self, program_only: bool = False) -> dict[int, int]:
        """Processes that belong to this run: {pid: depth below the spawned process}.

        Depth 0 is the spawned process (setpriv/env/bwrap/unshare, exec'd into python in the
        basic tier), 1 the namespace's init (bwrap's or sh) in the other tiers, 2+ the program.
        """
        if self.pid is None:
            return {}
        stats: dict[int, tuple] = {}
        for pid in _pids():
            st = _stat(pid)
            if st is not None:
                stats[pid] = st
        children: dict[int, list[int]] = {}
        for pid, st in stats.items():
            children.setdefault(st[1], []).append(pid)
        main = self.pid
        me = os.getpid()
        roots: list[tuple[int, int]] = []
        if not self._exited and main in stats:
            roots.append((main, 0))
        if self.tier == "basic":
            token = f"CORO_TUTOR_RUN={self.token}\0".encode()
            for pid, st in stats.items():
                if pid in (main, me) or pid <= 1:
                    continue
                if st[3] == main or st[2] == main or (st[1] == me and _has_token(pid, token)):
                    roots.append((pid, 2))
        found: dict[int, int] = {}
        stack = roots
        while stack:
            pid, d = stack.pop()
            if pid in found or pid == me or pid <= 1:
                continue
            if stats.get(pid, ("X",))[0] in ("Z", "X"):
                continue
            found[pid] = d
            for child in children.get(pid, ()):
                stack.append((child, d + 1))
        if program_only and self.tier != "basic":
            found = {p: d for p, d in found.items() if d >= 2}
        return found

    def _signal_program(self, sig: int) -> None:
        """SIGINT goes to the program's processes, never to bwrap/unshare (that kills silently)."""
        if self.pid is None or self._exited:
            return
        if self.tier == "basic":
            try:
                os.killpg(self.pid, sig)
            except OSError:
                pass
            return
        procs = self.run_processes()
        self._capture_inits(procs)
        for pid, depth in procs.items():
            if depth >= 2:
                try:
                    os.kill(pid, sig)
                except OSError:
                    pass

    def kill_all(self) -> None:
        """SIGKILL the sandbox (and so its namespace) and every process of the run."""
        if self.pid is None or self._exited:
            return
        self._we_killed = True
        procs = self.run_processes()  # before the first kill: the tree is still whole
        self._capture_inits(procs)
        try:
            os.kill(self.pid, SIGKILL)
        except OSError:
            pass
        if self.tier == "basic":
            try:
                os.killpg(self.pid, SIGKILL)
            except OSError:
                pass
        for pid in procs:
            try:
                os.kill(pid, SIGKILL)
            except OSError:
                pass

    def _sweep(self) -> int:
        """After the program ended (basic tier): kill and reap what it left behind; count it.

        In the namespace tiers the kernel ends every process of the sandbox with its init.
        """
        if self.tier != "basic":
            return 0
        if self._exited and _subreaper_ok and not self._orphans_left():
            return 0
        seen: set[int] = set()
        for attempt in range(100):
            procs = self.run_processes()
            if not procs:
                break
            for pid in procs:
                seen.add(pid)
                try:
                    os.kill(pid, SIGKILL)
                except OSError:
                    pass
            time.sleep(0.002 if attempt < 5 else 0.02)
            self._reap(seen)
        self._reap(seen)
        return len(seen)

    def _orphans_left(self) -> bool:
        """Cheap check (no /proc scan) once the program has ended: as we are the subreaper,
        anything it left running hangs below one of our own children."""
        token = f"CORO_TUTOR_RUN={self.token}\0".encode()
        for pid in _our_children():
            st = _stat(pid)
            if st is None or st[0] in ("Z", "X"):
                continue
            if st[3] == self.pid or st[2] == self.pid or _has_token(pid, token):
                return True
        return False

    def _reap(self, pids) -> None:
        kids = _our_children()
        for pid in pids:
            if pid in kids:
                try:
                    os.waitpid(pid, os.WNOHANG)
                except OSError:
                    pass

    # -- the end ------------------------------------------------------------------------

    def _on_exit(self) -> None:
        if self._exited or self.pid is None:
            return
        try:
            pid, status, usage = os.wait4(self.pid, os.WNOHANG)
        except ChildProcessError:
            pid, status, usage = self.pid, 0, None
        if pid == 0:
            return
        self._exited = True
        self._status = os.waitstatus_to_exitcode(status)
        if usage is not None:
            self._cpu = usage.ru_utime + usage.ru_stime
        self._close_pidfd()
        self._swept = self._sweep()
        self._drain_at = time.monotonic() + DRAIN
        self._maybe_finish()

    def _close_pidfd(self) -> None:
        if self.pidfd is not None:
            if self._watched:
                self._remove_reader(self.pidfd)
            os.close(self.pidfd)
            self.pidfd = None

    def _maybe_finish(self) -> None:
        if self._exited and not self._fds and not self.done:
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
        facts = outcome.Facts(
            returncode=rc,
            stop=self._stop,
            we_killed=self._we_killed,
            exception=exc if isinstance(exc, str) else None,
            last_stderr=self._last_stderr,
            cpu=self._cpu,
            wall=self.limits.wall,
            cpu_soft=self.limits.cpu_soft,
            data=self.limits.data,
            fsize=self.limits.fsize,
            output=self.limits.output,
            swept=self._swept,
            tier=self.tier,
            ended=self._end is not None,
        )
        reason, message = outcome.decide(facts)
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
            message=message,
            switches=switches,
            dropped=dropped,
        )

    def cleanup(self) -> None:
        """Kill what is left, reap, close every fd, delete the scratch dir. Safe to repeat."""
        if self._go is not None:  # a spare never used: EOF on the go pipe means "abort"
            os.close(self._go)
            self._go = None
        if self.pid is not None and not self._exited:
            self.kill_all()
            try:
                _, status = os.waitpid(self.pid, 0)
                self._status = os.waitstatus_to_exitcode(status)
            except ChildProcessError:
                pass
            self._exited = True
            self._sweep()
        if self._inits:
            _reap_inits(self._inits)
            self._inits.clear()
        if self._counted:  # after the sweep: it relies on the subreaper
            self._counted = False
            _basic_run_ended()
        self._close_pidfd()
        for fd in list(self._fds):
            if self._watched:
                self._remove_reader(fd)
            self._fds.pop(fd)
            self._buf.pop(fd, None)
            os.close(fd)
        if self.scratch is not None and os.path.exists(self.scratch):
            rmtree(self.scratch)


_versions: dict[str, str] = {}


def _python_version(python: str) -> str:
    if python == sys.executable:
        return sys.version.split()[0]
    if python not in _versions:
        import subprocess

        try:
            out = subprocess.run(
                [python, "-I", "-c", "import platform;print(platform.python_version())"],
                capture_output=True,
                text=True,
                timeout=10,
            )
            _versions[python] = out.stdout.strip() or "unknown"
        except (OSError, subprocess.SubprocessError):
            _versions[python] = "unknown"
    return _versions[python]


# --------------------------------------------------------------------------------------
# The synchronous driver (no asyncio): `coro-tutor run` and run_to_end().


def drive(request, tier: str, on_event: Callable[[Any], None], make=None) -> Session:
    """Run to the end, calling on_event for each event as it arrives (epoll, no asyncio)."""
    import select

    sel = select.epoll()
    session = Session(
        request,
        tier,
        on_event,
        lambda fd: sel.register(fd, select.EPOLLIN),
        sel.unregister,
        make,
    )
    interrupts = 0
    try:
        session.start()
        while not session.done:
            try:
                deadline = session.next_deadline()
                timeout = -1 if deadline is None else max(0.0, deadline - time.monotonic())
                for fd, _ in sel.poll(timeout):
                    session.on_readable(fd)
                    if session.done:
                        break
                session.on_tick()
            except KeyboardInterrupt:
                interrupts += 1
                if interrupts == 1:
                    session.begin_stop("killed")
                else:
                    session.kill_now("killed")
    finally:
        session.cleanup()
        sel.close()
    return session
