"""One run as a process: scratch dir, spawn, pipes, stop sequence, sweep, cleanup.

`Session` is a small state machine driven by whoever owns the loop: the asyncio driver in
`tutor.runner` (the TUI) or the selectors driver below (`coro-tutor run`, `run_to_end`), so
the CLI never imports asyncio. A driver tells the session when an fd is readable and when
its deadline passed; the session hands out events through `emit`.
"""

from __future__ import annotations

import os
import secrets
import shutil
import signal
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

import msgspec

from tutor.runner import events as ev
from tutor.runner import outcome, sandbox

GRACE = 1.0
"""Seconds of streaming after SIGINT before SIGKILL (the traceback shows where it was)."""
DRAIN = 1.0
"""Seconds to wait for the pipes to close after the program ended."""
READ_SIZE = 65536

_PR_SET_PDEATHSIG = 1
_PR_SET_CHILD_SUBREAPER = 36

_libc = None
_subreaper = False


def _prctl():
    global _libc
    if _libc is None:
        import ctypes

        _libc = ctypes.CDLL(None, use_errno=True)
    return _libc.prctl


def _become_subreaper() -> None:
    """Orphans of the basic tier's programs are re-parented to us, so the sweep finds them."""
    global _subreaper
    if not _subreaper and sys.platform.startswith("linux"):
        try:
            _prctl()(_PR_SET_CHILD_SUBREAPER, 1, 0, 0, 0)
        except (OSError, AttributeError):
            pass
        _subreaper = True


def _pdeathsig_preexec():
    prctl = _prctl()  # loaded before fork: nothing to import in the child
    parent = os.getpid()

    def preexec() -> None:
        prctl(_PR_SET_PDEATHSIG, signal.SIGKILL, 0, 0, 0)
        if os.getppid() != parent:  # the parent died before prctl
            os._exit(1)

    return preexec


# --------------------------------------------------------------------------------------
# Scratch dirs


def scratch_base() -> Path:
    return Path(tempfile.gettempdir()) / f"coro-tutor-{os.geteuid()}"


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


def _rmtree(path: Path) -> None:
    def fix(func, p, _exc):
        try:
            os.chmod(os.path.dirname(p), 0o700)
            os.chmod(p, 0o700)
            func(p)
        except OSError:
            pass

    shutil.rmtree(path, onerror=fix)


def remove_stale_scratch(base: Path | None = None) -> int:
    """Delete scratch dirs whose tutor process is gone (and kill what still runs in them)."""
    base = base or scratch_base()
    removed = 0
    try:
        entries = list(os.scandir(base))
    except OSError:
        return 0
    stale = []
    for entry in entries:
        parts = entry.name.split("-")
        if len(parts) >= 3 and parts[0] == "run" and parts[1].isdigit():
            if not _alive(int(parts[1])):
                stale.append(entry.path)
    if not stale:
        return 0
    for pid in _pids():
        try:
            cwd = os.readlink(f"/proc/{pid}/cwd")
        except OSError:
            continue
        if any(cwd == s or cwd.startswith(s + "/") for s in stale):
            try:
                os.kill(pid, signal.SIGKILL)
            except OSError:
                pass
    for s in stale:
        _rmtree(Path(s))
        removed += 1
    return removed


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


# --------------------------------------------------------------------------------------
# The session


class Session:
    """One child process and everything that belongs to it."""

    def __init__(
        self,
        request,
        tier: str,
        emit: Callable[[ev.Event], None],
        add_reader: Callable[[int], None],
        remove_reader: Callable[[int], None],
    ) -> None:
        self.request = request
        self.tier = tier
        self.isolation = sandbox.ISOLATION[tier]
        self._emit_cb = emit
        self._add_reader = add_reader
        self._remove_reader = remove_reader
        base = request.limits or sandbox.Limits()
        self.limits = sandbox.Limits(**{**vars(base), "wall": float(request.timeout)})
        self.token = secrets.token_hex(8)
        self.seq = 0
        self.done = False
        self.exit_event: ev.Exit | None = None
        self.proc: subprocess.Popen | None = None
        self.scratch: Path | None = None
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
        self._json = msgspec.json.Decoder()
        self.t0 = time.monotonic()
        self.deadline_wall = self.t0 + self.limits.wall

    # -- spawn ------------------------------------------------------------------------

    def start(self) -> None:
        req = self.request
        base = scratch_base()
        base.mkdir(mode=0o700, exist_ok=True)
        remove_stale_scratch(base)
        self.scratch = Path(tempfile.mkdtemp(prefix=f"run-{os.getpid()}-", dir=base))
        try:
            self._spawn(req)
        except BaseException:
            _rmtree(self.scratch)
            raise

    def _program(self, req) -> str:
        scratch = self.scratch
        (scratch / ".tmp").mkdir()
        if req.path is not None:
            src = Path(req.path)
            code = src.read_text(encoding="utf-8") if req.code is None else req.code
            name = req.filename if req.filename != "lesson.py" else src.name
        else:
            code = req.code if req.code is not None else ""
            name = req.filename
        name = os.path.basename(name) or "lesson.py"
        program = scratch / name
        program.write_text(code, encoding="utf-8")
        return str(program)

    def _spawn(self, req) -> None:
        program = self._program(req)
        python = req.python or sys.executable
        bootstrap = str(sandbox.BOOTSTRAP)
        if not sandbox.BOOTSTRAP.exists():  # until the child-side tracer lands
            bootstrap = str(self.scratch / ".coro-standin.py")
            Path(bootstrap).write_text(_STANDIN.replace("@GUARD@", str(sandbox.GUARD)))
        ev_r, ev_w = os.pipe()
        extra = {
            "CORO_TUTOR_EVENT_FD": str(ev_w),
            "CORO_TUTOR_CAP": str(req.cap),
            "CORO_TUTOR_RLIMITS": self.limits.spec()
            + (",pdeathsig=9" if self.tier == "basic" else ""),
            "CORO_TUTOR_RUN": self.token,
        }
        if self.tier != "full" and req.guard:
            extra["CORO_TUTOR_GUARD"] = "1"
        env = sandbox.child_env(str(self.scratch), extra)
        argv = sandbox.command(
            self.tier,
            [python, "-I", bootstrap, program],
            str(self.scratch),
            python,
            tuple(str(p) for p in req.read_only),
            keep_fds=(ev_w,),
        )
        preexec = None
        if self.tier in ("basic", "partial"):
            preexec = _pdeathsig_preexec()
        if self.tier == "basic":
            _become_subreaper()
        try:
            self.proc = subprocess.Popen(
                argv,
                cwd=str(self.scratch),
                env=env,
                stdin=subprocess.DEVNULL,
                stdout=subprocess.PIPE,
                stderr=subprocess.PIPE,
                pass_fds=(ev_w,),
                start_new_session=True,
                preexec_fn=preexec,
            )
        except BaseException:
            os.close(ev_r)
            raise
        finally:
            os.close(ev_w)
        self.t0 = time.monotonic()
        self.deadline_wall = self.t0 + self.limits.wall
        self.pidfd = os.pidfd_open(self.proc.pid)
        for fd, kind in (
            (ev_r, "event"),
            (self.proc.stdout.fileno(), "stdout"),
            (self.proc.stderr.fileno(), "stderr"),
        ):
            os.set_blocking(fd, False)
            self._fds[fd] = kind
            self._buf[fd] = b""
            self._add_reader(fd)
        self._add_reader(self.pidfd)
        self._emit(ev.Start, t=0.0, isolation=self.isolation, python=_python_version(python))

    # -- events -----------------------------------------------------------------------

    def _now(self) -> float:
        return round(time.monotonic() - self.t0, 6)

    def _emit(self, cls, **fields) -> None:
        self.seq += 1
        event = cls(seq=self.seq, **fields)
        self._emit_cb(event)

    def _output(self, cls, runner: str, text: str, t: float, pid: int | None) -> None:
        if self._stop == "output":
            return
        size = len(text.encode("utf-8", "surrogatepass")) + 1
        if self._output_bytes + size > self.limits.output:
            self._output_bytes = self.limits.output + 1
            self._stop = "output"
            self.kill_all()
            return
        self._output_bytes += size
        if cls is ev.Stderr:
            self._last_stderr.append(text)
            if len(self._last_stderr) > 40:
                del self._last_stderr[:20]
        if pid is None:
            self._emit(cls, t=t, runner=runner, text=text)
        else:
            self._emit(cls, t=t, runner=runner, text=text, pid=pid)

    def _wire(self, line: bytes) -> None:
        try:
            d = self._json.decode(line)
            kind = d["type"]
        except (msgspec.DecodeError, KeyError, TypeError):
            return
        t = d.get("t")
        if not isinstance(t, (int, float)):
            t = self._now()
        pid = d.get("pid")
        try:
            if kind == "stdout":
                self._output(ev.Stdout, str(d["runner"]), str(d["text"]), t, pid)
            elif kind == "stderr":
                self._output(ev.Stderr, str(d["runner"]), str(d["text"]), t, pid)
            elif kind == "switch":
                if self._stop != "output":
                    extra = {"pid": pid} if pid is not None else {}
                    self._emit(ev.Switch, t=t, from_=str(d["from"]), to=str(d["to"]),
                               via=str(d["via"]), **extra)  # fmt: skip
            elif kind == "cap":
                self._emit(ev.Cap, t=t, after=int(d["after"]))
            elif kind == "end" and pid is None:
                self._end = d
        except (KeyError, TypeError, ValueError, msgspec.ValidationError):
            return

    def _raw(self, kind: str, data: bytes, final: bool = False) -> None:
        """Bytes that bypassed sys.stdout/sys.stderr: one event per line, runner "?"."""
        cls = ev.Stdout if kind == "stdout" else ev.Stderr
        t = self._now()
        lines = data.split(b"\n")
        for line in lines:
            self._output(cls, ev.UNATTRIBUTED, line.decode("utf-8", "replace"), t, None)

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
            if len(rest) > self.limits.output + 65536:  # a runaway line: treat as a flood
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
            if len(rest) > 65536:  # a long line without newline: pass it on in pieces
                self._raw(kind, rest)
                rest = b""
        self._buf[fd] = rest

    def _close(self, fd: int) -> None:
        kind = self._fds.pop(fd, None)
        if kind is None:
            return
        self._remove_reader(fd)
        rest = self._buf.pop(fd, b"")
        if rest:
            if kind == "event":
                self._wire(rest)
            else:
                self._raw(kind, rest, final=True)
        if kind == "event":
            os.close(fd)
        elif self.proc is not None:
            (self.proc.stdout if kind == "stdout" else self.proc.stderr).close()

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
        self._signal_program(signal.SIGINT)
        self._grace_at = time.monotonic() + GRACE

    def _tree(self) -> tuple[dict[int, int], dict[int, list[int]], dict[int, tuple]]:
        stats: dict[int, tuple] = {}
        for pid in _pids():
            st = _stat(pid)
            if st is not None:
                stats[pid] = st
        children: dict[int, list[int]] = {}
        for pid, st in stats.items():
            children.setdefault(st[1], []).append(pid)
        depth: dict[int, int] = {}
        return depth, children, stats

    def run_processes(self, include_wrappers: bool = True) -> dict[int, int]:
        """Processes that belong to this run: {pid: depth below the spawned process}."""
        if self.proc is None:
            return {}
        _, children, stats = self._tree()
        main = self.proc.pid
        me = os.getpid()
        found: dict[int, int] = {}
        roots: list[tuple[int, int]] = []
        if not self._exited and main in stats:
            roots.append((main, 0))
        if self.tier == "basic":
            token = f"CORO_TUTOR_RUN={self.token}\0".encode()
            for pid, st in stats.items():
                if pid in (main, me) or pid <= 1:
                    continue
                if (st[3] == main or st[2] == main) or (st[1] == me and _has_token(pid, token)):
                    roots.append((pid, 2))
        stack = roots
        while stack:
            pid, d = stack.pop()
            if pid in found or pid == me or pid <= 1:
                continue
            if stats.get(pid, ("Z",))[0] in ("Z", "X"):
                continue
            found[pid] = d
            for child in children.get(pid, ()):
                stack.append((child, d + 1))
        if not include_wrappers and self.tier != "basic":
            found = {p: d for p, d in found.items() if d >= 2}
        if not include_wrappers and self.tier == "basic":
            found = {p: d for p, d in found.items() if True}
        return found

    def _signal_program(self, sig: int) -> None:
        """SIGINT goes to the program's processes, never to bwrap/unshare (that kills silently)."""
        if self.proc is None or self._exited:
            return
        if self.tier == "basic":
            try:
                os.killpg(self.proc.pid, sig)
            except OSError:
                pass
            return
        for pid in self.run_processes(include_wrappers=False):
            try:
                os.kill(pid, sig)
            except OSError:
                pass

    def kill_all(self) -> None:
        """SIGKILL the sandbox (so its namespace) and every process of the run."""
        if self.proc is None:
            return
        self._we_killed = True
        if not self._exited:
            if self.tier == "basic":
                try:
                    os.killpg(self.proc.pid, signal.SIGKILL)
                except OSError:
                    pass
            for pid in sorted(self.run_processes(), key=lambda p: p):
                try:
                    os.kill(pid, signal.SIGKILL)
                except OSError:
                    pass
            try:
                os.kill(self.proc.pid, signal.SIGKILL)
            except OSError:
                pass

    def _sweep(self) -> int:
        """After the program ended: kill and reap whatever it left behind; count them."""
        seen: set[int] = set()
        for attempt in range(50):
            procs = self.run_processes()
            if not procs:
                break
            for pid in procs:
                seen.add(pid)
                try:
                    os.kill(pid, signal.SIGKILL)
                except OSError:
                    pass
            time.sleep(0.002 if attempt < 5 else 0.02)
            self._reap(seen)
        self._reap(seen)
        return len(seen)

    def _reap(self, pids) -> None:
        for pid in pids:
            try:
                os.waitpid(pid, os.WNOHANG)
            except ChildProcessError:
                pass
            except OSError:
                pass

    # -- the end ------------------------------------------------------------------------

    def _on_exit(self) -> None:
        if self._exited or self.proc is None:
            return
        try:
            pid, status, usage = os.wait4(self.proc.pid, os.WNOHANG)
        except ChildProcessError:
            pid, status, usage = self.proc.pid, 0, None
        if pid == 0:
            return
        self._exited = True
        self.proc.returncode = os.waitstatus_to_exitcode(status)
        self._status = self.proc.returncode
        if usage is not None:
            self._cpu = usage.ru_utime + usage.ru_stime
        self._remove_reader(self.pidfd)
        os.close(self.pidfd)
        self.pidfd = None
        # In the namespace tiers the kernel ends every process with the sandbox; in the
        # basic tier strays (daemons, children) are killed here and counted.
        swept = self._sweep()
        self._swept = swept if self.tier == "basic" else 0
        self._drain_at = time.monotonic() + DRAIN
        self._maybe_finish()

    def _maybe_finish(self) -> None:
        if self._exited and not self._fds and not self.done:
            self._finish()

    def _returncode(self) -> int:
        rc = self._status
        if self.tier != "basic" and rc > 128 and self._end is None:
            return -(rc - 128)  # the wrapper reports a signal as 128 + N
        return rc

    def _finish(self) -> None:
        for fd in list(self._fds):
            self._close(fd)
        rc = self._returncode()
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
        )
        if self._stop is None and self.tier != "basic" and self._end is None and rc == 1:
            # bwrap/unshare could not start the sandbox: say so rather than "error".
            pass
        reason, message = outcome.decide(facts)
        switches = dropped = 0
        if self._end:
            switches = int(self._end.get("switches") or 0)
            dropped = int(self._end.get("dropped") or 0)
        self.cleanup()
        self.done = True
        self._emit(
            ev.Exit,
            t=self._now(),
            returncode=rc,
            reason=reason,
            message=message,
            switches=switches,
            dropped=dropped,
        )

    def cleanup(self) -> None:
        """Close every fd, kill what is left, delete the scratch dir. Safe to call twice."""
        if self.proc is not None and not self._exited:
            self.kill_all()
            try:
                self.proc.wait(5)
            except subprocess.TimeoutExpired:
                pass
            self._exited = True
            self._sweep()
        for fd in list(self._fds):
            self._remove_reader(fd)
            kind = self._fds.pop(fd)
            if kind == "event":
                os.close(fd)
        if self.proc is not None:
            for f in (self.proc.stdout, self.proc.stderr):
                if f is not None and not f.closed:
                    f.close()
        if self.pidfd is not None:
            self._remove_reader(self.pidfd)
            os.close(self.pidfd)
            self.pidfd = None
        if self.scratch is not None and self.scratch.exists():
            _rmtree(self.scratch)


_versions: dict[str, str] = {}


def _python_version(python: str) -> str:
    if python == sys.executable:
        return sys.version.split()[0]
    if python not in _versions:
        try:
            out = subprocess.run(
                [python, "-I", "-c", "import platform;print(platform.python_version())"],
                capture_output=True, text=True, timeout=10,
            )  # fmt: skip
            _versions[python] = out.stdout.strip() or "unknown"
        except (OSError, subprocess.SubprocessError):
            _versions[python] = "unknown"
    return _versions[python]


# --------------------------------------------------------------------------------------
# The synchronous driver (no asyncio): `coro-tutor run` and run_to_end().


def drive(request, tier: str, on_event: Callable[[ev.Event], None]) -> Session:
    """Run to the end, calling on_event for each event as it arrives."""
    import selectors

    sel = selectors.DefaultSelector()
    session = Session(
        request,
        tier,
        on_event,
        lambda fd: sel.register(fd, selectors.EVENT_READ),
        lambda fd: sel.unregister(fd),
    )
    interrupts = 0
    try:
        session.start()
        while not session.done:
            try:
                deadline = session.next_deadline()
                timeout = None if deadline is None else max(0.0, deadline - time.monotonic())
                for key, _ in sel.select(timeout):
                    session.on_readable(key.fd)
                    if session.done:
                        break
                session.on_tick()
            except KeyboardInterrupt:
                interrupts += 1
                if interrupts == 1:
                    session.begin_stop("killed")
                else:
                    session._stop = session._stop or "killed"
                    session.kill_all()
    finally:
        session.cleanup()
        sel.close()
    return session


_STANDIN = r"""# Stand-in for tutor/runner/bootstrap.py until the real one lands: no tracing.
import os, sys, json, time
t0 = time.monotonic()
spec = os.environ.get("CORO_TUTOR_RLIMITS")
if spec or os.environ.get("CORO_TUTOR_GUARD") == "1":
    import importlib.util
    s = importlib.util.spec_from_file_location("_coro_tutor_guard", "@GUARD@")
    g = importlib.util.module_from_spec(s); s.loader.exec_module(g)
    if spec:
        g.apply_limits(spec)
    if os.environ.get("CORO_TUTOR_GUARD") == "1":
        g.install(scratch_dir=os.getcwd())
fd = int(os.environ["CORO_TUTOR_EVENT_FD"])
path = sys.argv[1]
sys.argv = sys.argv[1:]
sys.path[0] = os.path.dirname(os.path.abspath(path))
exc = None
code = 0
try:
    import runpy
    runpy.run_path(path, run_name="__main__")
except SystemExit as e:
    code = e.code
except BaseException as e:
    import traceback
    exc = type(e).__name__
    traceback.print_exc()
    code = 1
sys.stdout.flush(); sys.stderr.flush()
os.write(fd, (json.dumps({"type": "end", "switches": 0, "dropped": 0, "exception": exc,
                         "t": time.monotonic() - t0}) + "\n").encode())
sys.exit(code)
"""
