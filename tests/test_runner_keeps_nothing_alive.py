"""Naming a runner must never keep it alive: a Task nobody references is still collected
(and warns that its exception was never retrieved), a paused greenlet nobody references is
still killed with GreenletExit (and runs its `finally`), exactly as under plain Python."""

from __future__ import annotations

import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

LOST_TASK = """
import asyncio, gc

async def boom():
    raise ValueError("nobody looked")

async def main():
    asyncio.ensure_future(boom())      # the only reference is dropped at once
    await asyncio.sleep(0.05)
    gc.collect()
    await asyncio.sleep(0.01)
    print("done")

asyncio.run(main())
"""

DROPPED_GREENLET = """
import gc
from greenlet import greenlet, getcurrent

def work():
    try:
        print("paused")
        getcurrent().parent.switch()
    finally:
        print("finally ran")

g = greenlet(work)
g.switch()
del g
gc.collect()
print("end")
"""


@pytest.mark.parametrize("source", [LOST_TASK, DROPPED_GREENLET], ids=["task", "greenlet"])
def test_collected_runners_behave_as_under_plain_python(tmp_path: Path, source: str) -> None:
    program = tmp_path / "prog.py"
    program.write_text(textwrap.dedent(source))
    plain = subprocess.run(
        [sys.executable, program.name], cwd=tmp_path, capture_output=True, text=True
    )
    traced = subprocess.run(
        [sys.executable, "-m", "tutor", "run", "--isolation", "basic", str(program)],
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert traced.stdout == plain.stdout
    # stderr: the same warning and traceback (the tutor names the file as the learner wrote
    # it, not by its absolute path), then the tutor's own outcome line
    program_stderr, _, outcome = traced.stderr.rstrip("\n").rpartition("\n")
    assert program_stderr + "\n" == plain.stderr.replace(str(program), program.name) or (
        program_stderr == "" and plain.stderr == ""
    )
    assert outcome.startswith("[ok]")


def test_the_blocking_watch_is_never_a_runner_after_monkey_patching(tmp_path: Path) -> None:
    """The watcher thread loads at the first hub visit, after patch_all(): with gevent's
    start_new_thread it would be a greenlet, and the trace would show it as a runner."""
    pytest.importorskip("gevent")
    program = tmp_path / "race.py"
    program.write_text(
        textwrap.dedent(
            """
            from gevent import monkey; monkey.patch_all()
            import time, gevent

            def runner(name, pause):
                print(name, "step"); time.sleep(pause); print(name, "arrived")

            gevent.joinall([gevent.spawn(runner, "tortoise", 0.1),
                            gevent.spawn(runner, "hare", 0.05)])
            """
        )
    )
    traced = subprocess.run(
        [sys.executable, "-m", "tutor", "run", "--json", "--isolation", "basic", str(program)],
        capture_output=True,
        text=True,
        timeout=60,
    )
    import json

    events = [json.loads(line) for line in traced.stdout.splitlines()]
    runners = {e[k] for e in events if e["type"] == "switch" for k in ("from", "to")}
    assert runners == {"main", "runner", "runner#2"}, runners
