"""The runner's public API: events in order, stop, several runs without leaks, the CLI."""

from __future__ import annotations

import asyncio
import os
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

from tests.conftest import sandbox_tiers
from tutor.runner import RunRequest, run_to_end, start_run, tiers
from tutor.runner.events import Exit, Start, Stderr, Stdout, decode
from tutor.runner.scratch import scratch_base

REPO = Path(__file__).resolve().parent.parent


TIERS = sandbox_tiers()


def outputs(events, cls=Stdout) -> list[str]:
    return [e.line for e in events if isinstance(e, cls)]


def our_scratch_dirs() -> list[str]:
    try:
        return [n for n in os.listdir(scratch_base()) if n.startswith(f"run-{os.getpid()}-")]
    except FileNotFoundError:
        return []


def live_children() -> list[int]:
    """Our child processes that are still running (zombies count too: nobody reaped them)."""
    kids = []
    for tid in os.listdir("/proc/self/task"):
        with open(f"/proc/self/task/{tid}/children") as f:
            kids += [int(p) for p in f.read().split()]
    return kids


def open_fds() -> int:
    return len(os.listdir("/proc/self/fd"))


@pytest.mark.parametrize("tier", TIERS)
def test_hello_events(tier):
    events = run_to_end(RunRequest(code="print('hi')\n", isolation=tier))
    assert isinstance(events[0], Start)
    assert events[0].isolation == tiers.ISOLATION[tier]
    assert isinstance(events[-1], Exit)
    assert [e.seq for e in events] == list(range(1, len(events) + 1))
    assert outputs(events) == ["hi"]
    end = events[-1]
    assert (end.reason, end.returncode) == ("ok", 0)
    assert our_scratch_dirs() == []


@pytest.mark.parametrize("tier", TIERS)
def test_output_order_and_bypass(tier):
    code = textwrap.dedent(
        """
        import os, sys
        print("one", flush=True)
        os.write(1, b"raw line\\npartial")
        """
    )
    events = run_to_end(RunRequest(code=code, isolation=tier))
    texts = outputs(events)
    assert "one" in texts and "raw line" in texts
    assert texts[-1].endswith("partial")
    raw = [e for e in events if isinstance(e, Stdout) and e.line == "raw line"]
    assert raw[0].runner == "?"


@pytest.mark.parametrize("tier", TIERS)
def test_error_exit(tier):
    events = run_to_end(RunRequest(code="raise ValueError('nope')\n", isolation=tier))
    end = events[-1]
    assert end.reason == "error"
    assert end.returncode == 1
    assert "ValueError" in end.message
    assert any("ValueError: nope" in t for t in outputs(events, Stderr))


def test_exit_code_passed_through():
    events = run_to_end(RunRequest(code="import sys\nsys.exit(3)\n", isolation="basic"))
    assert events[-1].returncode == 3
    assert events[-1].reason == "error"


@pytest.mark.slow
@pytest.mark.parametrize("tier", TIERS)
async def test_stop_shows_traceback(tier):
    code = "import time\nprint('started', flush=True)\nwhile True:\n    time.sleep(0.01)\n"
    run = await start_run(RunRequest(code=code, isolation=tier))
    seen = []
    async for event in run.events():
        seen.append(event)
        if isinstance(event, Stdout) and event.line == "started":
            asyncio.get_running_loop().call_soon(lambda: asyncio.ensure_future(run.stop()))
    end = seen[-1]
    assert isinstance(end, Exit)
    assert end.reason == "killed"
    assert any("KeyboardInterrupt" in t for t in outputs(seen, Stderr))
    assert our_scratch_dirs() == []


@pytest.mark.slow
async def test_many_runs_do_not_leak():
    before_fds = open_fds()
    before_kids = set(live_children())
    for _ in range(5):
        run = await start_run(RunRequest(code="print('x')\n", isolation="auto"))
        events = [e async for e in run.events()]
        assert outputs(events) == ["x"]
    # a run stopped right away, too
    run = await start_run(RunRequest(code="import time; time.sleep(30)\n", isolation="basic"))
    await run.stop()
    assert open_fds() == before_fds
    assert our_scratch_dirs() == []
    new = set(live_children()) - before_kids
    assert new == set()


def test_timeout_short():
    events = run_to_end(
        RunRequest(
            code="import time\nwhile True: time.sleep(0.05)\n", timeout=0.5, isolation="basic"
        )
    )
    end = events[-1]
    assert end.reason == "timeout"
    assert end.message.startswith("Stopped after 0.5 s")
    assert any("KeyboardInterrupt" in t for t in outputs(events, Stderr))


def test_cli_plain_and_json(tmp_path):
    prog = tmp_path / "hello.py"
    prog.write_text("import sys\nprint('hi')\nprint('oops', file=sys.stderr)\nsys.exit(4)\n")
    env = {**os.environ, "NO_COLOR": "1"}
    cmd = [sys.executable, "-m", "tutor", "run", str(prog), "--isolation", "basic"]
    plain = subprocess.run(cmd, capture_output=True, text=True, env=env, timeout=60)
    assert plain.returncode == 4
    assert plain.stdout == "hi\n"
    assert plain.stderr.splitlines()[0] == "oops"
    assert plain.stderr.splitlines()[-1].startswith("[error] ")
    js = subprocess.run(cmd + ["--json"], capture_output=True, text=True, env=env, timeout=60)
    assert js.returncode == 4
    events = [decode(line) for line in js.stdout.splitlines()]
    assert isinstance(events[0], Start) and isinstance(events[-1], Exit)


def test_cli_timeout_exit_code(tmp_path):
    prog = tmp_path / "loop.py"
    prog.write_text("while True:\n    pass\n")
    cmd = [sys.executable, "-m", "tutor", "run", str(prog), "--timeout", "0.5"]
    proc = subprocess.run(cmd, capture_output=True, text=True, timeout=60)
    assert proc.returncode == 124
    assert "Stopped after 0.5 s" in proc.stderr


@pytest.mark.parametrize("json_flag", [[], ["--json"]])
def test_run_starts_light(tmp_path, json_flag):
    """`coro-tutor run` imports none of the costly modules (bench/bench_run.py budget)."""
    prog = tmp_path / "hello.py"
    prog.write_text("print('hi')\n")
    heavy = ["textual", "asyncio", "msgspec", "argparse", "json", "typing", "dataclasses",
             "subprocess", "selectors", "signal", "tempfile", "shutil", "pathlib", "ctypes",
             "re", "importlib", "warnings", "math"]  # fmt: skip
    # the probe (cached after the first run) may import what it likes
    subprocess.run([sys.executable, "-m", "tutor", "run", str(prog)], capture_output=True)
    code = (
        f"import sys; from tutor.cli import main; rc = main(['run', *{json_flag!r}, sys.argv[1]]);"
        f"loaded = [m for m in {heavy!r} if m in sys.modules];"
        "assert not loaded, loaded; sys.exit(rc)"
    )
    proc = subprocess.run([sys.executable, "-c", code, str(prog)], capture_output=True, text=True)
    assert proc.returncode == 0, proc.stderr
    assert "hi" in proc.stdout


def test_forced_tier_unavailable_says_why(monkeypatch):
    monkeypatch.setattr(
        tiers,
        "probe",
        lambda refresh=False: {
            "full": tiers.TierStatus("full", False, "bubblewrap (bwrap) is not installed",
                                     "install bubblewrap: sudo apt install bubblewrap"),
            "partial": tiers.TierStatus("partial", True),
            "basic": tiers.TierStatus("basic", True),
        },
    )  # fmt: skip
    with pytest.raises(tiers.SandboxUnavailable, match="sudo apt install bubblewrap"):
        run_to_end(RunRequest(code="pass", isolation="full"))
    assert tiers.choose("auto") == "partial"


def _other_pythons() -> list:
    import glob

    found = sorted(glob.glob(os.path.expanduser("~/.pyenv/versions/3.1[0-3]*/bin/python3")))
    return [p for p in found if os.path.realpath(p) != os.path.realpath(sys.executable)]


@pytest.mark.parametrize("tier", TIERS)
@pytest.mark.parametrize("python", _other_pythons() or [pytest.param(None, marks=pytest.mark.skip(
    reason="no other CPython 3.10-3.13 under ~/.pyenv"))])  # fmt: skip
def test_other_interpreters(tier, python):
    code = "import sys\ndef g():\n    yield 1\nfor x in g():\n    print(sys.version_info[:2])\n"
    events = run_to_end(RunRequest(code=code, isolation=tier, python=python))
    version = events[0].python
    assert outputs(events) == [str(tuple(int(p) for p in version.split(".")[:2]))]
    assert events[-1].reason == "ok"


@pytest.mark.slow
async def test_concurrent_runs_stop_close_and_finish():
    before_fds = open_fds()
    before_kids = set(live_children())
    loop_code = "import time\nprint('up', flush=True)\nwhile True:\n    time.sleep(0.01)\n"
    tiers = [p.values[0] for p in TIERS if not p.marks]
    runs = [await start_run(RunRequest(code=loop_code, isolation=t)) for t in tiers]
    runs.append(await start_run(RunRequest(code="print('done')\n", isolation="basic")))
    for run in runs[:-1]:  # wait until each loop runs
        async for event in run.events():
            if isinstance(event, Stdout):
                break
    stopped = await runs[0].stop()
    assert stopped.reason == "killed"
    if len(runs) > 2:
        runs[1].close()  # no waiting: killed and cleaned up on the spot
    for run in runs[2:-1]:
        run.kill()
        assert (await run.wait()).reason == "killed"
    assert (await runs[-1].wait()).reason == "ok"
    assert open_fds() == before_fds
    assert our_scratch_dirs() == []
    left = set(live_children()) - before_kids
    assert left == set(), [open(f"/proc/{p}/stat").read()[:60] for p in left]


def test_run_file_imports_its_siblings(tmp_path):
    """`coro-tutor run main.py` can import helper.py beside it, as `python main.py` can;
    a folder with more .py files than SIBLINGS_MAX is not copied."""
    from tutor.runner.scratch import SIBLINGS_MAX

    (tmp_path / "helper.py").write_text("def gen():\n    print('from helper')\n    yield\n")
    prog = tmp_path / "main.py"
    prog.write_text("import helper\nfor _ in helper.gen():\n    pass\n")
    cmd = [sys.executable, "-m", "tutor", "run", "--json", str(prog), "--isolation", "basic"]
    proc = subprocess.run(cmd, capture_output=True, text=True, timeout=60)
    events = [decode(line) for line in proc.stdout.splitlines()]
    printed = [(e.runner, e.line) for e in events if isinstance(e, Stdout)]
    assert printed == [("gen", "from helper")]  # helper.py is lesson code: gen is traced
    assert events[-1].reason == "ok"

    for i in range(SIBLINGS_MAX):
        (tmp_path / f"extra{i}.py").write_text("")
    proc = subprocess.run(cmd, capture_output=True, text=True, timeout=60)
    end = decode(proc.stdout.splitlines()[-1])
    assert end.reason == "error" and "ModuleNotFoundError" in end.message
