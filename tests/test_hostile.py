"""Hostile programs, on every sandbox tier available here (and the basic tier, forced).

Each test runs the program through the real runner in a separate "tutor" process (a small
driver around `run_to_end`, tests/hostile_support.py), as an unprivileged user when we are
root (resource limits and NPROC do not bind root): `setpriv --reuid=UID --regid=UID
--clear-groups`, with a uid no concurrent test holds. Each asserts the outcome message and
that no process of the run and no scratch dir is left behind.

Needs, when run as root: `setpriv` (util-linux) and the venv, the interpreter and the repo
readable by any user (on CI: `chmod o+x /root` when the interpreter lives under /root).
"""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import time
import uuid

import pytest

from tests.hostile_support import (
    NS_TIERS,
    TIERS,
    UNPRIVILEGED_REASON,
    Tutor,
    _describe,
    exit_of,
    texts,
)


@pytest.fixture
def tutor():
    t = Tutor()
    yield t
    t.close()


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
    printed = sum(len(e["text"].encode()) for e in events if e["type"] == "stdout")
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
        "Stopped after 1 s: the program was still running (it may loop forever) and did not "
        "stop when asked, so no traceback shows where it was."
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
    while line and b'"ready\\n"' not in line:
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
