"""The harness of the hostile-program tests: a tutor process per test, as a throwaway uid.

Each test runs its program through the real runner in a separate "tutor" process (a small
driver around `run_to_end`), as an unprivileged user when we are root (resource limits and
NPROC do not bind root): `setpriv --reuid=UID --regid=UID --clear-groups`, with a uid no
other test of any suite on this machine holds (a lock file per uid). Helpers check the
outcome and that no process of the run and no scratch dir is left behind.
"""

from __future__ import annotations

import json
import os
import shutil
import signal
import subprocess
import sys
import tempfile
import textwrap
import time
import uuid
from pathlib import Path

import pytest

from tests.conftest import sandbox_tiers

REPO = Path(__file__).resolve().parent.parent

DRIVER = textwrap.dedent(
    """
    import json, sys
    from tutor.runner import Limits, RunRequest, SandboxUnavailable, run_to_end
    from tutor.runner.events import encode
    spec = json.loads(sys.argv[1])
    limits = Limits(**spec.pop("limits", {}))
    try:
        run_to_end(RunRequest(limits=limits, **spec),
                   lambda e: (sys.stdout.buffer.write(encode(e)), sys.stdout.flush()))
    except SandboxUnavailable as e:
        print(json.dumps({"type": "unavailable", "why": str(e)}), flush=True)
    """
)


TIERS = sandbox_tiers()
NS_TIERS = [p for p in TIERS if p.values[0] != "basic"]

_UID_BASE, _UID_COUNT = 41000, 20000
_UID_LOCKS = Path("/tmp/coro-hostile-uids")


def _uid_in_use(uid: int) -> bool:
    """A process of this uid runs (a leftover of a crashed suite, or another suite's)."""
    needle = f"\t{uid}\t".encode()
    for name in os.listdir("/proc"):
        if name.isdigit():
            try:
                with open(f"/proc/{name}/status", "rb") as f:
                    for line in f:
                        if line.startswith(b"Uid:"):
                            if needle in line:
                                return True
                            break
            except OSError:
                continue
    return False


def _fresh_uid() -> tuple[int, int]:
    """(uid, lock fd): a throwaway uid no other test of any suite on this machine holds.

    Each uid has a lock file; the lock is held until the test ends (Tutor.close), so
    concurrent suites (xdist workers, other worktrees) never share a uid, and therefore never
    an NPROC count or a scratch root. Each xdist worker starts in its own part of the range.
    """
    import fcntl

    _UID_LOCKS.mkdir(mode=0o700, exist_ok=True)
    worker = os.environ.get("PYTEST_XDIST_WORKER", "gw0")[2:]
    spread = int.from_bytes(os.urandom(2), "big") % 2000
    start = (int(worker) if worker.isdigit() else 0) * 2000 + spread
    for i in range(_UID_COUNT):
        uid = _UID_BASE + (start + i) % _UID_COUNT
        fd = os.open(_UID_LOCKS / str(uid), os.O_CREAT | os.O_RDWR | os.O_CLOEXEC, 0o600)
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            os.close(fd)
            continue
        if _uid_in_use(uid) or (Path("/tmp") / f"coro-tutor-{uid}").exists():
            os.close(fd)
            continue
        return uid, fd
    raise RuntimeError("no free throwaway uid")


def _unprivileged_reason() -> str | None:
    """None when the tests can run the tutor as an unprivileged user, else why not."""
    if os.geteuid() != 0:
        return None
    if os.environ.get("CORO_TUTOR_TEST_AS_ROOT"):
        return "CORO_TUTOR_TEST_AS_ROOT is set"
    if not shutil.which("setpriv"):
        return "setpriv (util-linux) is not installed"
    probe = subprocess.run(
        ["setpriv", "--reuid=40999", "--regid=40999", "--clear-groups", "--",
         sys.executable, "-c", "import tutor.runner"],
        capture_output=True, text=True, cwd="/",
    )  # fmt: skip
    if probe.returncode != 0:
        return (
            f"an unprivileged user cannot run {sys.executable} with the tutor "
            f"(make the interpreter, venv and repo readable, e.g. chmod o+x /root): "
            f"{probe.stderr.strip().splitlines()[-1] if probe.stderr.strip() else ''}"
        )
    return None


UNPRIVILEGED_REASON = _unprivileged_reason()
AS_ROOT = os.geteuid() == 0 and UNPRIVILEGED_REASON is not None
"""True when the tests can only run the tutor as root (some limits do not bind then)."""


class Tutor:
    """A tutor process (the driver) for one test, as an unprivileged user when possible."""

    def __init__(self) -> None:
        self.marker = f"hostile_{uuid.uuid4().hex[:12]}"
        self.filename = self.marker + ".py"
        self.uid: int | None = None
        self._uid_lock: int | None = None
        if os.geteuid() == 0 and UNPRIVILEGED_REASON is None:
            self.uid, self._uid_lock = _fresh_uid()
        self.dir = Path(tempfile.mkdtemp(prefix="coro-hostile-"))
        os.chmod(self.dir, 0o755)
        self.home = self.dir / "home"
        self.home.mkdir()
        self.tutor_home = self.dir / "tutor-home"
        self.tutor_home.mkdir()
        if self.uid is not None:
            for p in (self.home, self.tutor_home):
                os.chown(p, self.uid, self.uid)
        self.proc: subprocess.Popen | None = None

    @property
    def scratch_base(self) -> Path:
        uid = self.uid if self.uid is not None else os.geteuid()
        return Path("/tmp") / f"coro-tutor-{uid}"

    def argv(self, spec: dict) -> list[str]:
        spec = {"filename": self.filename, **spec}
        cmd = [sys.executable, "-c", DRIVER, json.dumps(spec)]
        if self.uid is not None:
            ids = [f"--reuid={self.uid}", f"--regid={self.uid}", "--clear-groups"]
            cmd = ["setpriv", *ids, "--", *cmd]
        return cmd

    def env(self) -> dict:
        return {
            "PATH": os.environ.get("PATH", "/usr/bin:/bin"),
            "HOME": str(self.home),
            "CORO_TUTOR_HOME": str(self.tutor_home),
            "LANG": "C.UTF-8",
        }

    def start(self, code: str, tier: str, pass_fds: tuple[int, ...] = (), **spec):
        spec = {"code": textwrap.dedent(code), "isolation": tier, **spec}
        self.proc = subprocess.Popen(
            self.argv(spec),
            cwd="/",
            env=self.env(),
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            pass_fds=pass_fds,
        )
        return self.proc

    def run(self, code: str, tier: str, wait: float = 60, **spec) -> list[dict]:
        """Run `code` to its end; `pass_fds` are left open in the tutor (a shell's stray fds)."""
        proc = self.start(code, tier, **spec)
        out, err = proc.communicate(timeout=wait)
        events = [json.loads(line) for line in out.splitlines() if line.strip()]
        if events and events[0].get("type") == "unavailable":
            pytest.skip(events[0]["why"])
        assert events and events[-1]["type"] == "exit", err.decode(errors="replace")[-3000:]
        ours = [e["text"] for e in events if e["type"] == "stderr" and "tutor/runner/" in e["text"]]
        assert ours == [], "our own frames in the learner's traceback"
        return events

    def leftovers(self) -> list[int]:
        """Processes still running the test's program (its file name is on their cmdline)."""
        found = []
        needle = self.marker.encode()
        for name in os.listdir("/proc"):
            if not name.isdigit():
                continue
            try:
                with open(f"/proc/{name}/cmdline", "rb") as f:
                    cmdline = f.read()
            except OSError:
                continue
            if needle in cmdline and int(name) != os.getpid():
                found.append(int(name))
        return found

    def scratch_left(self) -> list[Path]:
        return list(self.scratch_base.glob(f"run-*/{self.filename}"))

    def assert_clean(self, wait: float = 2.0) -> None:
        deadline = time.monotonic() + wait
        while self.leftovers() and time.monotonic() < deadline:
            time.sleep(0.05)
        left = self.leftovers()
        for pid in left:  # don't leave them to the next test
            try:
                os.kill(pid, signal.SIGKILL)
            except OSError:
                pass
        assert left == [], f"processes left behind: {left} {_describe(left)}"
        assert self.scratch_left() == []

    def close(self) -> None:
        if self.proc is not None and self.proc.poll() is None:
            self.proc.kill()
            self.proc.wait()
        shutil.rmtree(self.dir, ignore_errors=True)
        if self.uid is not None:  # the throwaway uid's scratch root would pile up in /tmp
            shutil.rmtree(self.scratch_base, ignore_errors=True)
        if self._uid_lock is not None:
            os.close(self._uid_lock)
            self._uid_lock = None


def _describe(pids: list[int]) -> list[str]:
    out = []
    for pid in pids:
        try:
            with open(f"/proc/{pid}/stat") as f:
                out.append(f.read().split(")")[1][:40])
        except OSError:
            out.append("gone")
    return out


def exit_of(events: list[dict]) -> dict:
    return events[-1]


def texts(events: list[dict], kind: str = "stdout") -> list[str]:
    return [e["text"].removesuffix("\n") for e in events if e["type"] == kind]
