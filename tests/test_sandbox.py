"""The sandbox layer without running programs much: probe cache, command lines, outcome
sentences, the guard's limits parser, doctor's line."""

from __future__ import annotations

import os
import subprocess
import sys
import textwrap

import pytest

from tutor.runner import Limits, hostcache, outcome, sandbox, tiers, wallspec
from tutor.runner.outcome import Facts, decide


def _is_probe_cache(path: str, folder: str) -> bool:
    name = os.path.basename(path)
    return (
        os.path.dirname(path) == folder
        and name.startswith("sandbox-probe-")
        and name.endswith(".json")
        and all(c in "0123456789abcdef" for c in name[len("sandbox-probe-") : -len(".json")])
    )


def test_cache_file_is_in_the_tutor_cache_dir(tutor_home):
    from tutor.paths import cache_dir

    assert _is_probe_cache(tiers.cache_file(), str(cache_dir()))


def test_cache_file_without_override_matches_platformdirs(monkeypatch):
    from tutor.paths import cache_dir

    monkeypatch.delenv("CORO_TUTOR_HOME")
    assert _is_probe_cache(tiers.cache_file(), str(cache_dir()))


def test_each_install_keeps_its_own_probe(tutor_home, monkeypatch):
    """Two venvs of one user: their probes do not overwrite each other."""
    mine = tiers.cache_file()
    assert tiers.cache_file() == mine
    monkeypatch.setattr(sys, "prefix", sys.prefix + "-other")
    assert tiers.cache_file() != mine


def test_probe_is_cached_and_invalidated(tutor_home, monkeypatch):
    monkeypatch.setattr(tiers, "_memo", None)
    calls = []
    real_full = tiers._probe_full

    def counting(fp):
        calls.append(1)
        return real_full(fp)

    monkeypatch.setattr(tiers, "_probe_full", counting)
    first = tiers.probe()
    assert calls == [1]
    assert open(tiers.cache_file()).read().startswith("coro-tutor sandbox probe\n")
    monkeypatch.setattr(tiers, "_memo", None)
    again = tiers.probe()  # from the file
    assert calls == [1]
    assert {t: s.available for t, s in again.items()} == {t: s.available for t, s in first.items()}
    # a different kernel (or tool) invalidates the cache
    real_fp = tiers._fingerprint
    monkeypatch.setattr(tiers, "_fingerprint", lambda: {**real_fp(), "kernel": "other"})
    monkeypatch.setattr(tiers, "_memo", None)
    tiers.probe()
    assert calls == [1, 1]


def test_missing_bwrap_says_how_to_get_it(monkeypatch):
    fp = tiers._fingerprint()
    fp["tools"]["bwrap"] = None
    status = tiers._probe_full(fp)
    assert not status.available
    text = tiers.describe(status)
    assert "bubblewrap (bwrap) is not installed" in text
    assert "sudo apt install bubblewrap" in text


def test_auto_picks_the_best_available(monkeypatch):
    def fake(full, partial):
        return lambda refresh=False: {
            "full": tiers.TierStatus("full", full, "" if full else "no bwrap"),
            "partial": tiers.TierStatus("partial", partial, "" if partial else "no userns"),
            "basic": tiers.TierStatus("basic", True),
        }

    monkeypatch.setattr(tiers, "probe", fake(True, True))
    assert tiers.choose("auto") == "full"
    monkeypatch.setattr(tiers, "probe", fake(False, True))
    assert tiers.choose("auto") == "partial"
    monkeypatch.setattr(tiers, "probe", fake(False, False))
    assert tiers.choose("auto") == "basic"
    assert tiers.choose("basic") == "basic"
    with pytest.raises(tiers.SandboxUnavailable, match="no userns"):
        tiers.choose("partial")
    with pytest.raises(ValueError):
        tiers.choose("bogus")
    assert "basic" in tiers.doctor_line()
    assert "not available" in tiers.doctor_line()
    if tiers.landlock_abi():
        assert "kernel walls, basic:   landlock-" in tiers.doctor_line()


def test_full_command_line(monkeypatch, tmp_path):
    monkeypatch.setenv("HOME", str(tmp_path / "home"))
    (tmp_path / "home").mkdir()
    scratch = "/tmp/coro-tutor-1/run-1-x"
    cmd = sandbox.command("full", [sys.executable, "-I", "x.py"], scratch, sys.executable)
    assert cmd[0].endswith("bwrap")
    for flag in ("--unshare-all", "--die-with-parent", "--new-session"):
        assert flag in cmd
    joined = " ".join(cmd)
    assert "--ro-bind / /" not in joined  # only what the child needs: no host socket file
    assert str(tmp_path / "home") not in joined
    size = str(sandbox.TMPFS_SIZE)
    for folder in ("/tmp", "/var/tmp", "/run", "/dev/shm"):
        assert f"--size {size} --tmpfs {folder} " in joined
    assert f"--ro-bind {scratch} {sandbox.INBOX} --size {size} --tmpfs {scratch}" in joined
    assert f"--chdir {scratch}" in joined
    assert "/usr /usr" in joined
    assert cmd[-3:] == [sys.executable, "-I", "x.py"]


def test_full_tier_binds_one_snapshot_of_etc():
    """The /etc files Python reads come from one read-only bind of a snapshot (their bytes,
    their symlinks), /etc's folders among them bound inside it: a dozen mounts fewer."""
    cmd = sandbox.command("full", ["py"], "/s", sys.executable)
    snap = cmd[cmd.index("/etc") - 1]
    assert cmd[cmd.index("/etc") - 2] == "--ro-bind"
    etc = [p for p in sandbox.system_paths() if p.startswith("/etc/")]
    assert sorted(os.listdir(snap)) == sorted(os.path.basename(p) for p in etc)
    after = cmd[cmd.index("/etc") :]
    for path in etc:
        copy = os.path.join(snap, os.path.basename(path))
        if os.path.islink(path):
            assert os.readlink(copy) == os.readlink(path)
        elif os.path.isdir(path):
            assert os.listdir(copy) == []
            assert ["--ro-bind-try", path, path] == after[after.index(path) - 1 :][:3]
        else:
            with open(path, "rb") as a, open(copy, "rb") as b:
                assert a.read() == b.read()
            assert path not in cmd  # no bind of its own


def test_etc_snapshot_follows_the_host(tmp_path):
    etc = tmp_path / "etc"
    (etc / "ssl").mkdir(parents=True)
    (etc / "hosts").write_text("127.0.0.1 a\n")
    (etc / "localtime").symlink_to("/usr/share/zoneinfo/UTC")
    entries = [str(etc / n) for n in ("hosts", "localtime", "ssl")]
    first = hostcache.etc_snapshot(entries)
    assert first is not None and hostcache.etc_snapshot(entries) == first  # made once
    assert open(os.path.join(first, "hosts")).read() == "127.0.0.1 a\n"
    assert os.readlink(os.path.join(first, "localtime")) == "/usr/share/zoneinfo/UTC"
    assert os.listdir(os.path.join(first, "ssl")) == []
    (etc / "hosts").write_text("127.0.0.1 b\n")
    second = hostcache.etc_snapshot(entries)
    assert second != first and open(os.path.join(second, "hosts")).read() == "127.0.0.1 b\n"
    # what cannot be copied: no snapshot (the caller binds the entries one by one)
    os.mkfifo(etc / "fifo")
    assert hostcache.etc_snapshot([*entries, str(etc / "fifo")]) is None
    if os.geteuid() != 0:  # root reads anything
        (etc / "unreadable").write_text("x")
        os.chmod(etc / "unreadable", 0)
        assert hostcache.etc_snapshot([*entries, str(etc / "unreadable")]) is None
    debris = [n for n in os.listdir(hostcache.cache_folder()) if n.startswith("etc-") and "." in n]
    assert debris == []


def test_walls_spec_per_tier():
    specs = {
        t: wallspec.walls_spec(t, "/s", sys.executable, keep_fds=(5, 7), abi=7).splitlines()
        for t in tiers.TIERS
    }
    for tier, spec in specs.items():
        assert spec[:3] == ["keep 5", "keep 7", "landlock 7"]
        assert "w /s" in spec and "f /dev/null" in spec and "r /usr" in spec
        assert "r " + os.path.realpath(os.path.expanduser("~")) not in spec  # not all of HOME
        assert ("w /tmp" in spec) == (tier != "basic")  # a private tmpfs only in namespaces
        assert ("seccomp" in spec) == (tier != "full")  # full mounts no host socket file
        assert ("rofs" in spec) == (tier == "partial")
    assert "landlock" not in " ".join(wallspec.walls_spec("basic", "/s", sys.executable, abi=0))


def test_walls_in_a_child(tmp_path):
    """child/walls.py on its own, in a plain child: writes beside the scratch dir, a signal
    to the parent and a Unix socket are refused by the kernel; the scratch dir works."""
    if tiers.landlock_abi() < 6:
        pytest.skip("Landlock ABI 6+ is not available here")
    scratch = tmp_path / "scratch"
    scratch.mkdir()
    spec = wallspec.walls_spec("basic", str(scratch), sys.executable, abi=tiers.landlock_abi())
    code = textwrap.dedent(
        f"""
        import importlib.util, os, socket
        spec = importlib.util.spec_from_file_location("w", {sandbox.WALLS!r})
        w = importlib.util.module_from_spec(spec); spec.loader.exec_module(w)
        print(w.apply(os.environ["SPEC"]))
        open("inside.txt", "w").write("ok")
        for action in (lambda: open({str(tmp_path / "outside.txt")!r}, "w"),
                       lambda: open("/proc/self/root" + {str(tmp_path / "o2.txt")!r}, "w"),
                       lambda: os.kill(os.getppid(), 0),
                       lambda: socket.socket(socket.AF_UNIX)):
            try:
                action()
                print("allowed")
            except OSError as e:
                print("refused", e.errno)
        """
    )
    out = subprocess.run(
        [sys.executable, "-I", "-c", code], capture_output=True, text=True, cwd=scratch,
        env={**os.environ, "SPEC": spec},
    )  # fmt: skip
    lines = out.stdout.splitlines()
    assert lines[0].startswith("landlock-") and "signals" in lines[0], out.stderr
    assert lines[1:] == ["refused 13", "refused 13", "refused 1", "refused 13"]
    assert (scratch / "inside.txt").read_text() == "ok"
    assert not (tmp_path / "outside.txt").exists() and not (tmp_path / "o2.txt").exists()


@pytest.mark.parametrize("mine", [True, False])
def test_a_child_whose_tutor_is_gone_never_runs_the_program(tmp_path, mine):
    """`pdeathsig PID` (the basic tier): armed first; if the parent is no longer PID (the
    tutor died before the signal was armed) the child ends before anything else runs."""
    parent = os.getpid() if mine else 1
    code = textwrap.dedent(
        f"""
        import importlib.util
        spec = importlib.util.spec_from_file_location("w", {sandbox.WALLS!r})
        w = importlib.util.module_from_spec(spec); spec.loader.exec_module(w)
        w.apply("pdeathsig {parent}")
        print("ran")
        """
    )
    out = subprocess.run([sys.executable, "-I", "-c", code], capture_output=True, text=True)
    if mine:
        assert (out.returncode, out.stdout) == (0, "ran\n"), out.stderr
    else:
        assert (out.returncode, out.stdout) == (137, ""), out.stderr


def test_hidden_home_rebinds_what_the_child_needs(monkeypatch, tmp_path):
    home = tmp_path / "home"
    venv = home / "venv"
    venv.mkdir(parents=True)
    monkeypatch.setenv("HOME", "/root")
    monkeypatch.setattr(sys, "prefix", str(venv))
    hidden = ["/tmp", str(home)]
    rebinds = sandbox._rebinds(sys.executable, (), hidden)
    assert str(venv) in rebinds


def test_nested_hidden_folders_are_not_mounted_twice(monkeypatch, tmp_path):
    monkeypatch.setenv("HOME", str(tmp_path))
    hidden = sandbox.hidden_paths()
    assert "/tmp" in hidden
    assert str(tmp_path) not in hidden  # inside /tmp already


def test_basic_and_partial_die_with_the_tutor():
    # the basic tier is the child alone: walls.py arms its parent-death signal
    assert sandbox.command("basic", ["py"], "/s", sys.executable) == ["py"]
    spec = wallspec.walls_spec("basic", "/s", sys.executable, abi=0, parent=1234).splitlines()
    assert spec[0] == "pdeathsig 1234"
    assert not any(line.startswith("pdeathsig") for line in wallspec.walls_spec(
        "partial", "/s", sys.executable, abi=0).splitlines())  # fmt: skip
    partial = sandbox.command("partial", ["py"], "/s", sys.executable, keep_fds=(3, 4))
    script = partial[partial.index("-c") + 1]
    assert "ip link set lo up" in script
    assert "exec 3<" not in script and "exec 4<" not in script  # never the event pipe's fd
    assert '"$@"\nexit $?' in script  # sh stays PID 1
    assert "--kill-child" in partial


def test_limits_spec_round_trip():
    lim = Limits()
    assert lim.spec() == (
        "cpu=10:11,data=536870912,nproc=64,fsize=10485760,nofile=256,core=0,"
        "as=805306368,stack=1048576,disk=67108864"
    )
    assert lim.replace(wall=30).wall == 30
    assert lim.replace(wall=30) != lim


def test_guard_apply_limits_in_a_child():
    guard = sandbox.GUARD
    code = textwrap.dedent(
        f"""
        import importlib.util, resource
        spec = importlib.util.spec_from_file_location("g", {guard!r})
        g = importlib.util.module_from_spec(spec); spec.loader.exec_module(g)
        g.apply_limits("cpu=3:4,data=1000000000,nofile=100,core=0,bogus=1")
        print(resource.getrlimit(resource.RLIMIT_CPU), resource.getrlimit(resource.RLIMIT_NOFILE),
              resource.getrlimit(resource.RLIMIT_CORE))
        """
    )
    out = subprocess.run([sys.executable, "-I", "-c", code], capture_output=True, text=True)
    assert out.stdout.split("\n")[0] == "(3, 4) (100, 100) (0, 0)", out.stderr


def test_guard_refuses_writes_outside_and_kill_minus_one(tmp_path):
    guard = sandbox.GUARD
    code = textwrap.dedent(
        f"""
        import importlib.util, os, signal
        spec = importlib.util.spec_from_file_location("g", {guard!r})
        g = importlib.util.module_from_spec(spec); spec.loader.exec_module(g)
        g.install(scratch_dir=os.getcwd())
        open("inside.txt", "w").write("ok")
        os.mkdir("sub"); os.remove("inside.txt")
        for action in (lambda: open({str(tmp_path.parent / "outside.txt")!r}, "w"),
                       lambda: os.kill(-1, 0),  # signal 0: harmless should the guard fail
                       lambda: os.kill(1, 0),
                       lambda: __import__("socket").create_connection(("192.0.2.1", 80), 1)):
            try:
                action()
                print("allowed")
            except PermissionError as e:
                print("refused:", str(e).split(":")[0])
        """
    )
    out = subprocess.run(
        [sys.executable, "-I", "-c", code], capture_output=True, text=True, cwd=tmp_path
    )
    assert out.stdout.splitlines() == [
        "refused: " + outcome.WRITE_DENIED,
        "refused: " + outcome.KILL_DENIED,
        "refused: " + outcome.KILL_DENIED,
        "refused: " + outcome.NET_DENIED,
    ], out.stderr
    assert not (tmp_path.parent / "outside.txt").exists()


@pytest.mark.parametrize(
    "facts, reason, start",
    [
        (Facts(0), "ok", "The program finished."),
        (Facts(1, exception="ValueError"), "error", "The program stopped with an error (Value"),
        (Facts(3), "error", "The program exited with status 3."),
        (Facts(130, stop="timeout", wall=15.0), "timeout", "Stopped after 15 s: the program was"),
        (Facts(-9, stop="output"), "output", "The program printed more than 2 MB and was stopped."),
        (Facts(-9, stop="killed"), "killed", "You stopped the program."),
        (Facts(-24), "cpu", "The program used more than 10 s of processor time"),
        (Facts(-9, cpu=11.0), "cpu", "The program used more than 10 s of processor time"),
        (Facts(-9, cpu=0.1), "killed", "The program was killed (SIGKILL)."),
        (Facts(-11), "error", "The program crashed (SIGSEGV)."),
        (Facts(1, exception="MemoryError"), "memory",
         "The program used more than 512 MiB of memory and was stopped."),
        (Facts(1, exception="OSError", last_stderr=["OSError: [Errno 27] File too large"]),
         "denied", "The program wrote a file bigger than 10 MiB, the limit here."),
        (Facts(1, exception="BlockingIOError",
               last_stderr=["BlockingIOError: [Errno 11] Resource temporarily unavailable"]),
         "denied", "The program tried to start too many processes."),
        (Facts(1, exception="PermissionError",
               last_stderr=[f"PermissionError: {outcome.WRITE_DENIED}: '/etc/x'"]),
         "denied", "Writing files outside the program's folder is blocked here."),
        (Facts(1, exception="OSError",
               last_stderr=["OSError: [Errno 30] Read-only file system: '/etc/x'"]),
         "denied", "Writing files outside the program's folder is blocked here."),
        (Facts(1, exception="ConnectionRefusedError", tier="full",
               last_stderr=["ConnectionRefusedError: [Errno 111] Connection refused"]),
         "denied", "The connection was refused"),
        (Facts(1, exception="OSError", last_stderr=["OSError: [Errno 101] Network is unreachable"]),
         "denied", "There is no network here"),
        (Facts(1, ended=False, last_stderr=["bwrap: setting up uid map: Permission denied"]),
         "error", "The sandbox could not start (bwrap: setting up uid map"),
        (Facts(1, exception="OSError", last_stderr=["OSError: [Errno 12] Cannot allocate memory"]),
         "memory", "The program used more than 512 MiB of memory and was stopped."),
        (Facts(1, exception="OSError", last_stderr=["OSError: [Errno 28] No space left on device"]),
         "disk", "The program filled the 64 MiB of disk space it has here and was stopped."),
        (Facts(-9, stop="disk", disk=32 * 1024 * 1024), "disk",
         "The program filled the 32 MiB of disk space it has here"),
        (Facts(1, exception="PermissionError",
               last_stderr=["PermissionError: [Errno 13] Permission denied: '/home/x'"]),
         "denied", "Reading or writing files outside the program's folder is blocked here."),
        (Facts(1, exception="PermissionError",
               last_stderr=["PermissionError: [Errno 13] Permission denied"]),
         "denied", "That is blocked here: a program can use files in its own folder"),
        (Facts(0, swept=2), "ok",
         "The program finished. 2 leftover processes started by the program were stopped."),
    ],
)  # fmt: skip
def test_outcome_sentences(facts, reason, start):
    got_reason, message = decide(facts)
    assert got_reason == reason
    assert message.startswith(start)
    assert "Traceback" not in message


def test_final_exception_parsing():
    assert outcome.final_exception(["Traceback (most recent call last):", '  File "x"',
                                    "ValueError: nope"]) == ("ValueError", "nope")  # fmt: skip
    assert outcome.final_exception(["socket.gaierror: [Errno -3] x"]) == (
        "gaierror",
        "[Errno -3] x",
    )
    assert outcome.final_exception(["just some text"]) is None
    assert outcome.final_exception(["  indented"]) is None


def test_doctor_shows_the_sandbox():
    out = subprocess.run(
        [sys.executable, "-m", "tutor", "doctor"], capture_output=True, text=True, env=os.environ
    )
    line = next(row for row in out.stdout.splitlines() if row.startswith("sandbox"))
    assert any(word in line for word in ("full (bubblewrap)", "partial (unshare)", "basic"))


def test_a_tier_whose_walls_fail_is_not_available(monkeypatch):
    if not tiers.probe()["full"].available:
        pytest.skip("the full tier is not available here")
    real = wallspec.walls_spec
    monkeypatch.setattr(
        wallspec, "walls_spec", lambda *a, **k: real(*a, **k) + "\nrofs\nw /no-such-folder-here"
    )
    status = tiers._probe_with("full", tiers._fingerprint())
    assert not status.available
    assert status.reason.startswith("the kernel refused the sandbox's walls (")
