"""Hostile programs, on every sandbox tier available here (and the basic tier, forced).

Each test runs the program through the real runner in a separate "tutor" process (a small
driver around `run_to_end`), as an unprivileged user when we are root (resource limits and
NPROC do not bind root): `setpriv --reuid=UID --regid=UID --clear-groups`, with a fresh uid
per test so parallel tests never share a process count. Each asserts the outcome message and
that no process of the run and no scratch dir is left behind.

Needs, when run as root: `setpriv` (util-linux) and the venv, the interpreter and the repo
readable by any user (on CI: `chmod o+x /root` when the interpreter lives under /root).
"""

from __future__ import annotations

import json
import os
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import textwrap
import threading
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

_uid_lock = threading.Lock()


def _fresh_uid() -> int:
    return 41000 + (os.getpid() * 131 + int(time.monotonic_ns() // 1000)) % 20000


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
        self.uid = _fresh_uid() if os.geteuid() == 0 and UNPRIVILEGED_REASON is None else None
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

    def start(self, code: str, tier: str, **spec) -> subprocess.Popen:
        spec = {"code": textwrap.dedent(code), "isolation": tier, **spec}
        self.proc = subprocess.Popen(
            self.argv(spec),
            cwd="/",
            env=self.env(),
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
        )
        return self.proc

    def run(self, code: str, tier: str, wait: float = 60, **spec) -> list[dict]:
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


def _describe(pids: list[int]) -> list[str]:
    out = []
    for pid in pids:
        try:
            with open(f"/proc/{pid}/stat") as f:
                out.append(f.read().split(")")[1][:40])
        except OSError:
            out.append("gone")
    return out


@pytest.fixture
def tutor():
    t = Tutor()
    yield t
    t.close()


def exit_of(events: list[dict]) -> dict:
    return events[-1]


def texts(events: list[dict], kind: str = "stdout") -> list[str]:
    return [e["text"] for e in events if e["type"] == kind]


# --------------------------------------------------------------------------------------
# Limits


@pytest.mark.slow
@pytest.mark.parametrize("tier", TIERS)
def test_fork_bomb(tutor, tier):
    if os.geteuid() == 0 and tutor.uid is None:
        pytest.skip(f"NPROC does not bind root: {UNPRIVILEGED_REASON}")
    if tier == "basic" and tutor.uid is None:
        pytest.skip("a fork bomb in the basic tier runs only as a throwaway uid (NPROC counts "
                    "every process of this user)")  # fmt: skip
    code = """
        import os
        while True:
            os.fork()
    """
    events = tutor.run(code, tier, timeout=20.0)
    end = exit_of(events)
    assert end["reason"] == "denied", end
    assert end["message"].startswith("The program tried to start too many processes")
    tutor.assert_clean(wait=5)


@pytest.mark.parametrize("tier", TIERS)
def test_huge_allocation(tutor, tier):
    events = tutor.run("x = bytearray(10 * 1024 ** 3)\n", tier)
    end = exit_of(events)
    assert (end["reason"], end["message"]) == (
        "memory",
        "The program used more than 512 MiB of memory and was stopped.",
    )
    assert any("MemoryError" in t for t in texts(events, "stderr"))
    tutor.assert_clean()


@pytest.mark.slow
@pytest.mark.parametrize("tier", TIERS)
def test_growing_allocation(tutor, tier):
    code = """
        chunks = []
        while True:
            chunks.append(bytearray(8 * 1024 * 1024))
    """
    events = tutor.run(code, tier)
    end = exit_of(events)
    assert end["reason"] == "memory", end
    tutor.assert_clean()


@pytest.mark.parametrize("tier", TIERS)
def test_print_flood(tutor, tier):
    code = """
        while True:
            print("flood " * 20)
    """
    events = tutor.run(code, tier)
    end = exit_of(events)
    assert (end["reason"], end["message"]) == (
        "output",
        "The program printed more than 2 MB and was stopped.",
    )
    printed = sum(len(t.encode()) + 1 for t in texts(events))
    assert 1_900_000 < printed <= 2_000_000
    tutor.assert_clean()


@pytest.mark.slow
@pytest.mark.parametrize("tier", TIERS)
def test_cpu_spin(tutor, tier):
    events = tutor.run(
        "while True:\n    pass\n", tier, timeout=20.0,
        limits={"cpu_soft": 1, "cpu_hard": 2},
    )  # fmt: skip
    end = exit_of(events)
    assert (end["reason"], end["message"]) == (
        "cpu",
        "The program used more than 1 s of processor time and was stopped.",
    )
    tutor.assert_clean()


@pytest.mark.slow
@pytest.mark.parametrize("tier", TIERS)
def test_busy_loop_ignoring_sigint(tutor, tier):
    code = """
        import signal
        signal.signal(signal.SIGINT, signal.SIG_IGN)
        print("spinning", flush=True)
        while True:
            pass
    """
    started = time.monotonic()
    events = tutor.run(code, tier, timeout=1.0)
    took = time.monotonic() - started
    end = exit_of(events)
    assert end["reason"] == "timeout"
    assert end["message"] == (
        "Stopped after 1 s: the program was still running (it may loop forever); "
        "the traceback above shows where it was."
    )
    assert took < 10
    tutor.assert_clean()


@pytest.mark.slow
@pytest.mark.parametrize("tier", TIERS)
def test_timeout_shows_where_it_was(tutor, tier):
    code = """
        import time
        def forever():
            while True:
                time.sleep(0.01)
        forever()
    """
    events = tutor.run(code, tier, timeout=1.0)
    end = exit_of(events)
    assert end["reason"] == "timeout"
    err = "\n".join(texts(events, "stderr"))
    assert "KeyboardInterrupt" in err and "forever" in err
    assert "tutor/runner" not in err  # never our own frames
    tutor.assert_clean()


@pytest.mark.parametrize("tier", TIERS)
def test_big_file_write(tutor, tier):
    code = """
        with open("big.bin", "wb") as f:
            f.write(b"x" * (200 * 1024 * 1024))
    """
    events = tutor.run(code, tier)
    end = exit_of(events)
    assert (end["reason"], end["message"]) == (
        "denied",
        "The program wrote a file bigger than 10 MiB, the limit here.",
    )
    tutor.assert_clean()


# --------------------------------------------------------------------------------------
# Processes


@pytest.mark.parametrize("tier", TIERS)
def test_setsid_daemon_is_swept(tutor, tier):
    code = """
        import os, signal, time
        if os.fork() == 0:
            os.setsid()
            if os.fork() == 0:
                signal.signal(signal.SIGTERM, signal.SIG_IGN)
                signal.signal(signal.SIGHUP, signal.SIG_IGN)
                while True:
                    time.sleep(0.05)
            os._exit(0)
        time.sleep(0.3)
        print("parent done", flush=True)
    """
    events = tutor.run(code, tier)
    end = exit_of(events)
    assert end["reason"] == "ok"
    assert "parent done" in texts(events)
    if tier == "basic":  # swept, unless PDEATHSIG (set at fork) ended it with its parent
        assert end["message"] in (
            "The program finished. 1 leftover process started by the program was stopped.",
            "The program finished.",
        )
    tutor.assert_clean()


@pytest.mark.parametrize("tier", TIERS)
def test_kill_everything(tutor, tier):
    if tier == "basic" and tutor.uid is None:
        pytest.skip("kill(-1) in the basic tier runs only as a throwaway uid (were the guard to "
                    "fail, it would kill every process of this user)")  # fmt: skip
    bystander = subprocess.Popen(["sleep", "60"])
    if tutor.uid is not None:
        bystander.kill()
        bystander.wait()
        ids = [f"--reuid={tutor.uid}", f"--regid={tutor.uid}", "--clear-groups"]
        bystander = subprocess.Popen(["setpriv", *ids, "--", "sleep", "60"])
    try:
        code = """
            import os, signal
            print("before", flush=True)
            os.kill(-1, signal.SIGKILL)
            print("after", flush=True)
        """
        events = tutor.run(code, tier)
        end = exit_of(events)
        assert bystander.poll() is None, "a bystander process was killed"
        assert tutor.proc.returncode == 0, "the tutor was killed"
        if tier in ("basic", "partial"):  # the audit-hook guard refuses it
            assert end["reason"] == "denied"
            assert end["message"] == (
                "Stopping processes that are not the program's own is blocked here."
            )
        else:  # only the sandbox's own processes can be reached: the program itself
            # (killed) or nothing at all (ProcessLookupError), depending on the PID-1 setup
            assert end["reason"] in ("killed", "error"), end
            assert "after" not in texts(events)
        tutor.assert_clean()
    finally:
        bystander.kill()
        bystander.wait()


@pytest.mark.slow
@pytest.mark.parametrize("tier", TIERS)
def test_tutor_killed_mid_run(tutor, tier):
    code = """
        import os, time
        for _ in range(3):
            if os.fork() == 0:
                while True:
                    time.sleep(0.05)
        print("ready", flush=True)
        while True:
            time.sleep(0.05)
    """
    proc = tutor.start(code, tier)
    line = proc.stdout.readline()
    while line and b'"ready"' not in line:
        line = proc.stdout.readline()
    assert line, proc.stderr.read().decode(errors="replace")
    assert len(tutor.leftovers()) >= 4
    os.kill(proc.pid, signal.SIGKILL)
    proc.wait()
    deadline = time.monotonic() + 5
    while tutor.leftovers() and time.monotonic() < deadline:
        time.sleep(0.05)
    assert tutor.leftovers() == [], _describe(tutor.leftovers())
    # the scratch dir of the killed tutor goes at the next start (of any tutor of this user)
    events = tutor.run("print('next')\n", tier)
    assert texts(events) == ["next"]
    tutor.assert_clean()


# --------------------------------------------------------------------------------------
# Files and network


@pytest.mark.parametrize("tier", TIERS)
def test_canary_in_home(tutor, tier):
    canary = tutor.home / "canary.txt"
    canary.write_text("secret-canary\n")
    if tutor.uid is not None:
        os.chown(canary, tutor.uid, tutor.uid)
    code = f"""
        import os
        path = {str(canary)!r}
        try:
            print(open(path).read().strip(), flush=True)
        except OSError as e:
            print("read failed", type(e).__name__, flush=True)
        os.remove(path)
    """
    events = tutor.run(code, tier)
    end = exit_of(events)
    assert canary.read_text() == "secret-canary\n", "the canary was deleted"
    if tier == "basic":  # files are not protected from reading there (the learner is told)
        assert end["reason"] == "denied"
        assert end["message"] == "Writing files outside the program's folder is blocked here."
    else:
        assert "secret-canary" not in texts(events)
        assert end["reason"] == "error"
    tutor.assert_clean()


@pytest.mark.parametrize("tier", TIERS)
def test_writes_to_tmp_and_shm(tutor, tier):
    name = f"coro-hostile-{uuid.uuid4().hex[:8]}"
    code = f"""
        for folder in ("/tmp", "/dev/shm"):
            with open(folder + "/{name}", "w") as f:
                f.write("x")
            print("wrote", folder, flush=True)
    """
    events = tutor.run(code, tier)
    end = exit_of(events)
    assert not os.path.exists(f"/tmp/{name}")
    assert not os.path.exists(f"/dev/shm/{name}")
    if tier == "basic":
        assert end["reason"] == "denied"
        assert end["message"] == "Writing files outside the program's folder is blocked here."
    else:  # private tmpfs: the writes work and vanish with the sandbox
        assert end["reason"] == "ok"
        assert texts(events) == ["wrote /tmp", "wrote /dev/shm"]
    tutor.assert_clean()


@pytest.mark.parametrize("tier", NS_TIERS)
def test_host_loopback_server_is_out_of_reach(tutor, tier):
    server = socket.socket()
    server.bind(("127.0.0.1", 0))
    server.listen()
    port = server.getsockname()[1]
    try:
        code = f"""
            import socket
            socket.create_connection(("127.0.0.1", {port}), timeout=3)
            print("connected", flush=True)
        """
        events = tutor.run(code, tier)
        end = exit_of(events)
        assert "connected" not in texts(events)
        assert end["reason"] == "denied"
        assert end["message"].startswith("The connection was refused")
    finally:
        server.close()
    tutor.assert_clean()


@pytest.mark.parametrize("tier", TIERS)
def test_internet_is_blocked(tutor, tier):
    code = """
        import socket
        socket.create_connection(("192.0.2.1", 80), timeout=2)
    """
    events = tutor.run(code, tier)
    end = exit_of(events)
    assert end["reason"] == "denied", end
    tutor.assert_clean()


@pytest.mark.parametrize("tier", TIERS)
def test_own_loopback_server_works(tutor, tier):
    code = """
        import socket, threading
        srv = socket.socket()
        srv.bind(("127.0.0.1", 0))
        srv.listen()
        def serve():
            conn, _ = srv.accept()
            conn.sendall(b"pong")
            conn.close()
        threading.Thread(target=serve).start()
        c = socket.create_connection(srv.getsockname(), timeout=3)
        print(c.recv(10).decode(), flush=True)
    """
    events = tutor.run(code, tier)
    assert texts(events) == ["pong"]
    assert exit_of(events)["reason"] == "ok"
    tutor.assert_clean()
