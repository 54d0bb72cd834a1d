"""Spare (pre-started) children: prepare_run() ahead, start_run(req, spare=...) hands over."""

from __future__ import annotations

import asyncio
import os
import signal
import textwrap
import time

import pytest
from test_runner_api import TIERS, live_children, open_fds, our_scratch_dirs, outputs

from tutor.runner import RunRequest, Spare, prepare_run, start_run, tiers
from tutor.runner.events import Exit, Start

PROGRAM = textwrap.dedent(
    """\
    import asyncio

    async def worker(n):
        for i in range(2):
            print("w", n, i)
            await asyncio.sleep(0)

    async def main():
        print("start")
        await asyncio.gather(worker(1), worker(2))
        raise ValueError("boom")

    asyncio.run(main())
    """
)


def shape(events) -> list[tuple]:
    """Everything but the clock."""
    out = []
    for e in events:
        d = {k: getattr(e, k) for k in e.__struct_fields__ if k not in ("t", "pid", "python")}
        out.append((type(e).__name__, tuple(sorted(d.items()))))
    return out


async def dead(pid: int) -> None:
    """Until the kernel has ended `pid` (a zombie or gone), however loaded the machine."""
    deadline = time.monotonic() + 10
    while time.monotonic() < deadline:
        try:
            with open(f"/proc/{pid}/stat") as f:
                if f.read().rsplit(")", 1)[1].split()[0] in ("Z", "X"):
                    return
        except FileNotFoundError:
            return
        await asyncio.sleep(0.01)


async def collect(run) -> list:
    return [e async for e in run.events()]


@pytest.mark.parametrize("tier", TIERS)
async def test_spared_run_matches_a_normal_one(tier):
    req = RunRequest(code=PROGRAM, filename="spare_demo.py", isolation=tier)
    normal = await collect(await start_run(req))
    spare = await prepare_run(RunRequest(code="", isolation=tier))
    await asyncio.sleep(0.6)  # the child is up and waiting; its clock must not run yet
    go = time.monotonic()
    run = await start_run(req, spare=spare)
    assert spare.closed
    spared = await collect(run)
    since_go = time.monotonic() - go
    assert shape(spared) == shape(normal)
    assert [e.seq for e in spared] == list(range(1, len(spared) + 1))
    assert isinstance(spared[0], Start) and spared[0].t == 0.0
    assert spared[0].isolation == tiers.ISOLATION[tier]
    end = spared[-1]
    assert isinstance(end, Exit) and end.reason == "error" and end.returncode == 1
    # counted from GO, not from the spawn 0.6 s earlier (whatever the machine's load)
    assert end.t <= since_go
    assert our_scratch_dirs() == []


@pytest.mark.parametrize("tier", TIERS)
async def test_discarded_spare_leaves_nothing(tier):
    before_fds = open_fds()
    before_kids = set(live_children())
    spare = await prepare_run(RunRequest(code="", isolation=tier))
    pid, scratch = spare.pid, spare.scratch
    assert pid in live_children() and os.path.isdir(scratch)
    await asyncio.sleep(0.3)
    spare.close()
    spare.close()  # safe to repeat
    assert not os.path.exists(scratch)
    assert our_scratch_dirs() == []
    assert open_fds() == before_fds
    assert set(live_children()) - before_kids == set()


async def test_discard_right_after_prepare_and_many_spares_do_not_leak():
    before_fds = open_fds()
    before_kids = set(live_children())
    for _ in range(3):
        (await prepare_run(RunRequest(code="", isolation="basic"))).close()
    for _ in range(3):
        spare = await prepare_run(RunRequest(code="", isolation="auto"))
        run = await start_run(RunRequest(code="print('x')\n"), spare=spare)
        assert outputs(await collect(run)) == ["x"]
    assert open_fds() == before_fds
    assert our_scratch_dirs() == []
    assert set(live_children()) - before_kids == set()


@pytest.mark.slow
async def test_wall_limit_counts_from_start_not_prepare():
    spare = await prepare_run(RunRequest(code="", isolation="basic", timeout=0.8))
    await asyncio.sleep(1.2)  # longer than the wall limit
    code = "import time\nprint('a')\ntime.sleep(0.3)\nprint('b')\ntime.sleep(30)\n"
    run = await start_run(RunRequest(code=code, isolation="basic", timeout=0.8), spare=spare)
    events = await collect(run)
    assert outputs(events) == ["a", "b"]
    end = events[-1]
    assert end.reason == "timeout"
    assert end.message.startswith("Stopped after 0.8 s")
    assert 0.7 < end.t < 3.0
    assert our_scratch_dirs() == []


async def test_a_spare_that_does_not_fit_is_closed_and_the_run_spawns_normally(monkeypatch):
    spare = await prepare_run(RunRequest(code="", isolation="basic"))
    pid = spare.pid
    run = await start_run(RunRequest(code="print('hi')\n", isolation="basic", cap=5), spare=spare)
    assert spare.closed and run.pid != pid
    assert outputs(await collect(run)) == ["hi"]
    assert pid not in live_children()
    # too old
    monkeypatch.setattr(Spare, "MAX_AGE", 0.0)
    spare = await prepare_run(RunRequest(code="", isolation="basic"))
    pid = spare.pid
    await asyncio.sleep(0.01)
    run = await start_run(RunRequest(code="print('hi')\n", isolation="basic"), spare=spare)
    assert run.pid != pid
    assert outputs(await collect(run)) == ["hi"]
    assert pid not in live_children()
    assert our_scratch_dirs() == []


async def test_a_dead_spare_is_replaced():
    spare = await prepare_run(RunRequest(code="", isolation="basic"))
    pid = spare.pid
    os.kill(pid, signal.SIGKILL)
    await dead(pid)
    run = await start_run(RunRequest(code="print('hi')\n", isolation="basic"), spare=spare)
    assert run.pid != pid
    events = await collect(run)
    assert outputs(events) == ["hi"] and events[-1].reason == "ok"
    assert pid not in live_children()
    assert our_scratch_dirs() == []
