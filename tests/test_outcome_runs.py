"""Outcome sentences of real runs that the old classifier got wrong (issue 12 item 5),
through `coro-tutor run` as a learner sees them: the `[reason] message` line, and the exit
event's reason/sentence/params in `--json`."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import textwrap

import pytest

from tutor.runner import Limits
from tutor.runner.outcome import render

PROGRAMS = {
    # recv() on a non-blocking socket with nothing to read: EAGAIN, not the process limit
    "recv": ("""
        import socket
        a, b = socket.socketpair()
        a.setblocking(False)
        a.recv(10)
        """, 1, "error", "would_block", {}),
    "bye": ("""
        import sys
        sys.exit("bye")
        """, 1, "error", "status_text", {"code": 1, "text": "bye"}),
    "files": ("""
        files = [open(__file__) for _ in range(1000)]
        """, 1, "denied", "open_files", {"limit": Limits().nofile}),
    # recursion through C (map) once the recursion limit is raised: the C stack overflows
    "deep": ("""
        import sys
        sys.setrecursionlimit(10**6)
        def f(n):
            return list(map(f, [n + 1]))
        f(0)
        """, 128 + 11, "error", "stack_overflow", {"name": "SIGSEGV"}),
}  # fmt: skip


def run_cli(tmp_path, name: str, *flags: str) -> subprocess.CompletedProcess:
    prog = tmp_path / f"{name}.py"
    prog.write_text(textwrap.dedent(PROGRAMS[name][0]))
    cmd = [sys.executable, "-m", "tutor", "run", str(prog), *flags]
    env = {**os.environ, "NO_COLOR": "1"}
    return subprocess.run(cmd, capture_output=True, text=True, env=env, timeout=120)


@pytest.mark.parametrize("name", PROGRAMS)
def test_the_outcome_says_what_happened(tmp_path, name):
    _, rc, reason, sentence, params = PROGRAMS[name]
    plain = run_cli(tmp_path, name)
    assert plain.returncode == rc, plain.stderr[-2000:]
    assert plain.stderr.splitlines()[-1] == f"[{reason}] {render(sentence, params, 'en')}"
    js = run_cli(tmp_path, name, "--json")
    end = json.loads(js.stdout.splitlines()[-1])
    assert (end["type"], end["reason"], end["sentence"], end["params"]) == (
        "exit", reason, sentence, params)  # fmt: skip
    assert end["message"] == render(sentence, params, "en")
