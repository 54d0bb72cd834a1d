"""Hostile programs against the kernel walls (child/walls.py), on every tier.

The audit-hook guard is only a source of friendly sentences: each program here walks around
it (a path through /proc/self/root, a shell, rewriting the guard's globals, ctypes-free
subprocesses) and the kernel must still refuse. The basic tier is held by Landlock (ABI 6
or later for signals); where the kernel lacks it, the basic-tier cases skip with the reason.
"""

from __future__ import annotations

import os
import socket
import subprocess
import threading

import pytest

from tests.hostile_support import NS_TIERS, TIERS, Tutor, exit_of, texts
from tutor.runner import tiers

ABI = tiers.landlock_abi()


@pytest.fixture
def tutor(request):
    tier = request.node.callspec.params.get("tier")
    if tier == "basic" and ABI < 6:
        pytest.skip(f"the basic tier needs Landlock ABI 6+ for this (this kernel: {ABI})")
    t = Tutor()
    yield t
    t.close()


def _is_open(fd: int) -> bool:
    try:
        os.fstat(fd)
    except OSError:
        return False
    return True


def _owned(tutor: Tutor, path) -> None:
    if tutor.uid is not None:
        os.chown(path, tutor.uid, tutor.uid)


@pytest.mark.parametrize("tier", TIERS)
def test_guard_bypasses_fail_at_the_kernel(tutor, tier):
    home = tutor.home
    code = f"""
        import os, subprocess, sys
        home = {str(home)!r}
        def attempt(name, action):
            try:
                action()
                print(name, "wrote", flush=True)
            except OSError as e:
                print(name, "refused", type(e).__name__, flush=True)
        attempt("proc-root", lambda: open("/proc/self/root" + home + "/a.txt", "w").write("x"))
        rc = subprocess.run(["/bin/sh", "-c", "echo x > " + home + "/b.txt"]).returncode
        print("shell", "wrote" if rc == 0 else "refused", flush=True)
        guard = sys.modules.get("_coro_tutor_guard")
        if guard is not None:  # the guard's own globals, rewritten by the program
            guard._ALLOWED_WRITES = (home + "/c.txt",)
        attempt("globals", lambda: open(home + "/c.txt", "w").write("x"))
        attempt("rename", lambda: os.rename("/proc/self/root" + home + "/canary.txt", "x"))
    """
    canary = home / "canary.txt"
    canary.write_text("canary\n")
    _owned(tutor, canary)
    events = tutor.run(code, tier)
    out = texts(events)
    assert [line.split()[1] for line in out] == ["refused"] * 4, out
    assert sorted(p.name for p in home.iterdir()) == ["canary.txt"]
    assert exit_of(events)["reason"] == "ok"
    tutor.assert_clean()


@pytest.mark.parametrize("tier", TIERS)
def test_reading_the_learners_files_is_refused(tutor, tier):
    secret = tutor.home / "secret.txt"
    secret.write_text("secret-canary\n")
    _owned(tutor, secret)
    code = f"""
        import subprocess
        for path in ({str(secret)!r}, "/proc/self/root" + {str(secret)!r}):
            try:
                print(open(path).read().strip(), flush=True)
            except OSError as e:
                print("refused", type(e).__name__, flush=True)
        subprocess.run(["/bin/cat", {str(secret)!r}])
    """
    events = tutor.run(code, tier)
    assert not any("secret-canary" in t for t in texts(events) + texts(events, "stderr"))
    assert texts(events)[:2] == [texts(events)[0]] * 2 and texts(events)[0].startswith("refused")
    tutor.assert_clean()


@pytest.mark.parametrize("tier", TIERS)
def test_only_the_harmless_devices_open(tutor, tier):
    """A terminal (/dev/pts/N, /dev/tty, a new pty) could leak the learner's keystrokes."""
    code = """
        import os
        for path, flags in (("/dev/urandom", os.O_RDONLY), ("/dev/null", os.O_WRONLY),
                            ("/dev/ptmx", os.O_RDONLY), ("/dev/tty", os.O_RDONLY),
                            ("/dev/console", os.O_RDONLY)):
            try:
                os.close(os.open(path, flags | os.O_NONBLOCK | os.O_NOCTTY))
                print(path, "opened", flush=True)
            except OSError as e:
                print(path, "refused", e.errno, flush=True)
    """
    events = tutor.run(code, tier)
    out = texts(events)
    assert out[:2] == ["/dev/urandom opened", "/dev/null opened"]
    assert [line.split()[1] for line in out[2:]] == ["refused"] * 3, out
    tutor.assert_clean()


@pytest.mark.parametrize("tier", TIERS)
def test_host_unix_sockets_are_out_of_reach(tutor, tier):
    got: list[bytes] = []
    servers = []
    paths = [str(tutor.dir / "host.sock"), str(tutor.home / "session.sock")]
    paths.append("\0" + tutor.marker)  # an abstract socket (X11, D-Bus use them)
    for path in paths:
        srv = socket.socket(socket.AF_UNIX)
        srv.bind(path)
        if not path.startswith("\0"):
            os.chmod(path, 0o777)
        srv.listen()
        srv.settimeout(0.2)
        servers.append(srv)
    stop = threading.Event()

    def serve():
        while not stop.is_set():
            for srv in servers:
                try:
                    conn, _ = srv.accept()
                except OSError:
                    continue
                got.append(conn.recv(100) or b"connected")
                conn.close()

    thread = threading.Thread(target=serve)
    thread.start()
    code = f"""
        import socket
        for path in {paths!r}:
            try:
                s = socket.socket(socket.AF_UNIX)
                s.connect(path)
                s.sendall(b"hello from the sandbox")
                print("connected", flush=True)
            except OSError as e:
                print("refused", type(e).__name__, flush=True)
    """
    try:
        events = tutor.run(code, tier)
    finally:
        stop.set()
        thread.join()
        for srv in servers:
            srv.close()
    assert got == []
    assert [t.split()[0] for t in texts(events)] == ["refused"] * 3
    tutor.assert_clean()


@pytest.mark.parametrize("tier", TIERS)
def test_the_tutor_cannot_be_signalled_or_read(tutor, tier):
    code = """
        import os, subprocess
        parent = os.getppid()
        for name in ("environ", "mem"):
            try:
                with open(f"/proc/{parent}/{name}", "rb") as f:
                    f.read(16)
                print(name, "read", flush=True)
            except OSError as e:
                print(name, "refused", type(e).__name__, flush=True)
        rc = subprocess.run(["/bin/kill", "-TERM", str(parent)], stderr=subprocess.DEVNULL)
        print("kill", "sent" if rc.returncode == 0 else "refused", flush=True)
    """
    events = tutor.run(code, tier)
    assert tutor.proc.returncode == 0, "the tutor was killed"
    assert [t.split()[1] for t in texts(events)] == ["refused"] * 3, texts(events)
    assert exit_of(events)["reason"] == "ok"
    tutor.assert_clean()


@pytest.mark.parametrize("tier", TIERS)
def test_kill_minus_one_from_a_shell_spares_everything_outside(tutor, tier):
    if tutor.uid is None:
        pytest.skip("kill -1 runs only as a throwaway uid (it would reach this user's processes)")
    ids = [f"--reuid={tutor.uid}", f"--regid={tutor.uid}", "--clear-groups"]
    bystander = subprocess.Popen(["setpriv", *ids, "--", "sleep", "60"])
    try:
        events = tutor.run(
            """
            import subprocess
            print("before", flush=True)
            subprocess.run(["/bin/sh", "-c", "kill -9 -1"])
            print("after", flush=True)
            """,
            tier,
        )
        assert bystander.poll() is None, "a bystander process was killed"
        assert tutor.proc.returncode == 0, "the tutor was killed"
        assert texts(events)[0] == "before"
        assert exit_of(events)["reason"] in ("ok", "killed"), exit_of(events)
        tutor.assert_clean()
    finally:
        bystander.kill()
        bystander.wait()


@pytest.mark.parametrize("tier", TIERS)
def test_stray_fds_do_not_reach_the_program(tutor, tier):
    target = tutor.dir / "stray.txt"
    target.write_text("")
    stray = 12  # as a shell's `exec 12>>file` leaves it (or the next free one)
    while _is_open(stray):
        stray += 1
    fd = os.open(target, os.O_WRONLY | os.O_APPEND)
    if fd != stray:
        os.dup2(fd, stray, inheritable=True)
        os.close(fd)
    os.set_inheritable(stray, True)
    try:
        code = f"""
            import os
            try:
                os.write({stray}, b"written through a stray fd")
                print("wrote", flush=True)
            except OSError as e:
                print("refused", type(e).__name__, flush=True)
            print(sorted(int(n) for n in os.listdir("/proc/self/fd")), flush=True)
        """
        events = tutor.run(code, tier, pass_fds=(stray,))
    finally:
        os.close(stray)
    assert target.read_text() == ""
    out = texts(events)
    assert out[0] == "refused OSError"
    fds = eval(out[1])  # noqa: S307 - our own program's printed list
    assert fds[:3] == [0, 1, 2] and len(fds) <= 5 and stray not in fds, fds
    tutor.assert_clean()


# --------------------------------------------------------------------------------------
# Limits the kernel keeps: shared memory, disk space


@pytest.mark.parametrize("tier", TIERS)
def test_shared_memory_cannot_walk_past_the_limit(tutor, tier):
    code = """
        import mmap
        maps = []
        for _ in range(64):  # 64 x 64 MiB = 4 GiB of shared anonymous memory, touched
            m = mmap.mmap(-1, 64 << 20)
            m[:: 4096] = b"x" * ((64 << 20) // 4096)
            maps.append(m)
        print("mapped", len(maps) * 64, "MiB", flush=True)
    """
    events = tutor.run(code, tier)
    end = exit_of(events)
    assert texts(events) == []
    assert (end["reason"], end["message"]) == (
        "memory",
        "The program used more than 512 MiB of memory and was stopped.",
    )
    tutor.assert_clean()


@pytest.mark.parametrize("tier", NS_TIERS)
def test_filling_the_disk_stops_at_the_cap(tutor, tier):
    code = """
        import os

        def fill(folder):
            for i in range(40):  # 40 x 8 MiB, each file under the 10 MiB file limit
                with open(os.path.join(folder, f"fill{i}.bin"), "wb") as f:
                    f.write(b"x" * (8 << 20))

        for folder in ("/dev/shm", "/tmp"):
            try:
                fill(folder)
                print(folder, "filled", flush=True)
            except OSError as e:
                print(folder, "stopped", e.errno, flush=True)
        fill(".")  # the program's own folder: the error ends the run
    """
    events = tutor.run(code, tier)
    assert texts(events) == ["/dev/shm stopped 28", "/tmp stopped 28"]
    end = exit_of(events)
    assert (end["reason"], end["message"]) == (
        "disk",
        "The program filled the 64 MiB of disk space it has here and was stopped.",
    )
    tutor.assert_clean()


@pytest.mark.parametrize("tier", [t for t in TIERS if t.values[0] == "basic"])
def test_filling_the_basic_tiers_folder_is_stopped(tutor, tier):
    code = """
        i = 0
        while True:  # files of 8 MiB, each under the 10 MiB file limit, without end
            with open(f"fill{i}.bin", "wb") as f:
                f.write(b"x" * (8 << 20))
            i += 1
    """
    events = tutor.run(code, tier)
    end = exit_of(events)
    assert (end["reason"], end["message"]) == (
        "disk",
        "The program filled the 64 MiB of disk space it has here and was stopped.",
    )
    tutor.assert_clean()


# --------------------------------------------------------------------------------------
# Processes that try to outlive the run


DAEMONS = """
    import ctypes, os, subprocess, time
    loop = "cd /; while :; do sleep 1; done # {marker}"
    subprocess.run(["setsid", "-f", "env", "-i", "sh", "-c", loop])
    if os.fork() == 0:  # forget the parent-death signal, lose the environment
        ctypes.CDLL(None).prctl(1, 0, 0, 0, 0)
        os.setsid()
        os.execve("/bin/sh", ["sh", "-c", loop], {{}})
    time.sleep(0.3)
    print("ready", flush=True)
"""


@pytest.mark.parametrize("tier", TIERS)
def test_daemons_do_not_outlive_the_run(tutor, tier):
    events = tutor.run(DAEMONS.format(marker=tutor.marker), tier)
    assert texts(events) == ["ready"]
    assert exit_of(events)["reason"] == "ok"
    tutor.assert_clean()


@pytest.mark.slow
@pytest.mark.parametrize("tier", TIERS)
def test_daemons_of_a_killed_tutor_end_at_the_next_start(tutor, tier):
    code = DAEMONS.format(marker=tutor.marker) + "    time.sleep(60)\n"
    proc = tutor.start(code, tier)
    line = proc.stdout.readline()
    while line and b'"ready\\n"' not in line:
        line = proc.stdout.readline()
    assert line, proc.stderr.read().decode(errors="replace")
    os.kill(proc.pid, 9)
    proc.wait()
    events = tutor.run("print('next')\n", tier)  # its start sweeps what the last one left
    assert texts(events) == ["next"]
    tutor.assert_clean()
