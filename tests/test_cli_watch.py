"""`coro-tutor run --watch FILE` through the CLI: a run, another after each save, ctrl+c ends."""

from __future__ import annotations

import os
import queue
import signal
import subprocess
import sys
import threading
import time

from conftest import REPO


def _lines(stream, into: queue.Queue) -> None:
    for line in stream:
        into.put(line.rstrip("\n"))


def _wait_for(lines: queue.Queue, seen: list, text: str, poke=None, timeout: float = 60) -> None:
    deadline = time.monotonic() + timeout
    while not any(text in line for line in seen):
        assert time.monotonic() < deadline, f"{text!r} never came: {seen}"
        if poke:
            poke()
        try:
            seen.append(lines.get(timeout=0.5))
        except queue.Empty:
            pass


def test_watch_reruns_on_each_save_until_ctrl_c(tmp_path):
    program = tmp_path / "prog.py"
    program.write_text('print("first version")\n')
    proc = subprocess.Popen(
        [sys.executable, "-m", "tutor", "run", "--watch", str(program)],
        cwd=REPO,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
        start_new_session=True,
    )
    lines: queue.Queue = queue.Queue()
    threading.Thread(target=_lines, args=(proc.stdout, lines), daemon=True).start()
    seen: list[str] = []
    try:
        _wait_for(lines, seen, "save it to run it again")
        assert "first version" in seen
        # saved again (and again: the watcher may start a moment after its line)
        _wait_for(
            lines,
            seen,
            "second version",
            poke=lambda: program.write_text('print("second version")\n'),
        )
        changed = next(i for i, line in enumerate(seen) if "changed: running it again" in line)
        assert seen.index("first version") < changed < seen.index("second version")
        # ctrl+c while a run goes stops that run (the pokes may have started one more);
        # ctrl+c while waiting for a save ends the watch
        deadline = time.monotonic() + 30
        while proc.poll() is None and time.monotonic() < deadline:
            os.killpg(proc.pid, signal.SIGINT)
            try:
                proc.wait(timeout=1)
            except subprocess.TimeoutExpired:
                pass
        assert proc.wait(timeout=5) == 0
    finally:
        if proc.poll() is None:
            os.killpg(proc.pid, signal.SIGKILL)
            proc.wait()
    rest = proc.stdout.read() if not proc.stdout.closed else ""
    while not lines.empty():
        seen.append(lines.get())
    assert any("Stopped watching." in line for line in seen + rest.splitlines())


def test_plain_run_does_not_import_watchfiles(tmp_path):
    program = tmp_path / "hello.py"
    program.write_text('print("hi")\n')
    code = (
        "import sys; from tutor.commands import cmd_run; rc = cmd_run.main([sys.argv[1]]); "
        "assert 'watchfiles' not in sys.modules, 'imported'; sys.exit(rc)"
    )
    done = subprocess.run(
        [sys.executable, "-c", code, str(program)], cwd=REPO, capture_output=True, text=True
    )
    assert done.returncode == 0, done.stderr
    assert done.stdout == "hi\n"
