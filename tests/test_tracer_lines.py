"""Where each runner paused and resumed (switch `line`/`to_line`) and who blocked the
event loop (`block` events), on every Python found (see test_tracer_support.py).

Expected lines are found in the program text by a marker comment, never typed in."""

from __future__ import annotations

import textwrap

import pytest

from tests.test_tracer_support import interpreters, need, run_program

INTERPS = interpreters()
by_version = pytest.mark.parametrize("py", INTERPS, ids=[str(i) for i in INTERPS])


def at(src: str, marker: str) -> int:
    """The line number of the line holding `# marker`."""
    lines = textwrap.dedent(src).splitlines()
    found = [i for i, line in enumerate(lines, 1) if line.rstrip().endswith("# " + marker)]
    assert len(found) == 1, marker
    return found[0]


def switches(res):
    return [
        (e["from"], e["to"], e["line"], e["to_line"]) for e in res.events if e["type"] == "switch"
    ]


def blocks(res):
    return [e for e in res.events if e["type"] == "block"]


GENERATORS = """\
def consumer():  # def
    r = ''
    while True:
        n = yield r  # yield
        print('got', n)
        r = 'ok'

def produce(c):
    c.send(None)  # start
    for n in (1, 2):
        r = c.send(n)  # send

c = consumer()  # alive to the end: 3.10/3.11 would show its collection as a switch
produce(c)
"""


@by_version
def test_generator_switches_say_where_each_side_stands(py, tmp_path):
    res = run_program(GENERATORS, tmp_path, python=py.path)
    s = GENERATORS
    start, send, yld, dfn = at(s, "start"), at(s, "send"), at(s, "yield"), at(s, "def")
    assert switches(res) == [
        ("main", "consumer", start, dfn),
        ("consumer", "main", yld, start),
        ("main", "consumer", send, yld),
        ("consumer", "main", yld, send),
        ("main", "consumer", send, yld),
        ("consumer", "main", yld, send),
    ]


TASKS = """\
import asyncio

async def inner(n):
    await asyncio.sleep(0.01 * n)  # sleep

async def work(n):  # def work
    await inner(n)
    print('done', n)  # last

async def main():  # def main
    await asyncio.gather(work(1), work(2))  # gather

asyncio.run(main())  # run
"""


@by_version
def test_asyncio_task_switches_name_the_await_lines(py, tmp_path):
    res = run_program(TASKS, tmp_path, python=py.path)
    s = TASKS
    sleep, last = at(s, "sleep"), at(s, "last")
    assert switches(res) == [
        ("main", "main#2", at(s, "run"), at(s, "def main")),
        ("main#2", "work", at(s, "gather"), at(s, "def work")),
        ("work", "work#2", sleep, at(s, "def work")),
        ("work#2", "work", sleep, sleep),
        ("work", "work#2", last, sleep),
        ("work#2", "main#2", last, at(s, "gather")),
    ]


GREENLETS = """\
import greenlet

def ping():  # def ping
    pong_g.switch()  # ping switch
    pong_g.switch()  # ping again

def pong():  # def pong
    ping_g.switch()  # pong switch

ping_g = greenlet.greenlet(ping)
pong_g = greenlet.greenlet(pong)
ping_g.switch()  # main switch
"""


@by_version
def test_greenlet_switches_name_the_switch_lines(py, tmp_path):
    need(py, "greenlet")
    res = run_program(GREENLETS, tmp_path, python=py.path)
    s = GREENLETS
    got = switches(res)
    assert got[1:4] == [
        ("ping", "pong", at(s, "ping switch"), at(s, "def pong")),
        ("pong", "ping", at(s, "pong switch"), at(s, "ping switch")),
        ("ping", "pong", at(s, "ping again"), at(s, "pong switch")),
    ]
    assert got[0][:3] == ("main", "ping", at(s, "main switch"))
    assert got[-1] == ("pong", "main", None, at(s, "main switch"))  # pong ended


GEVENT = """\
import gevent

def f(n):  # def
    gevent.sleep(0.05 * n)  # sleep
    print('done', n)

gevent.joinall([gevent.spawn(f, 1), gevent.spawn(f, 2)])  # join
"""


@by_version
def test_gevent_switches_skip_the_hub_but_keep_the_lines(py, tmp_path):
    need(py, "gevent")
    res = run_program(GEVENT, tmp_path, python=py.path)
    s = GEVENT
    got = switches(res)
    assert got[:2] == [
        ("main", "f", at(s, "join"), at(s, "def")),
        ("f", "f#2", at(s, "sleep"), at(s, "def")),
    ]
    assert ("f#2", "f", at(s, "sleep"), at(s, "sleep")) in got


THROWN_PAST = """\
def inner():
    while True:
        try:
            yield 1  # yield
        except ValueError:
            print("caught")

def outer():
    yield from inner()  # delegate

g = outer()
next(g)
g.throw(ValueError)  # throw
print("done")  # done
"""


@by_version
def test_a_throw_passes_a_suspended_delegator_by(py, tmp_path):
    """throw() on outer goes straight to inner, where outer delegates: main paused at the
    throw() call and goes on there when inner answers with a yield; outer's `yield from`
    line is neither (it never ran)."""
    res = run_program(THROWN_PAST, tmp_path, python=py.path)
    s = THROWN_PAST
    got = switches(res)
    assert ("main", "inner", at(s, "throw"), at(s, "yield")) in got, got
    assert got[-1] == ("inner", "main", at(s, "yield"), at(s, "throw")), got


# --------------------------------------------------------------------------- blocking

BLOCKING_TASK = """\
import asyncio, time

async def fetch(n):
    if n == 2:
        time.sleep(0.3)  # sleep
    await asyncio.sleep(0.01)

async def main():
    await asyncio.gather(fetch(1), fetch(2), fetch(3))

asyncio.run(main())
"""

CPU_TASK = """\
import asyncio, time

async def spin():
    end = time.perf_counter() + 0.3
    while time.perf_counter() < end:  # loop
        pass

async def main():
    await asyncio.gather(asyncio.sleep(0.01), spin())

asyncio.run(main())
"""

UNPATCHED_GEVENT = """\
import gevent, time

def worker(n):
    if n == 1:
        time.sleep(0.3)  # sleep
    gevent.sleep(0.01)

gevent.joinall([gevent.spawn(worker, 1), gevent.spawn(worker, 2)])
"""


@by_version
@pytest.mark.parametrize(
    "program, runner, marker, call",
    [
        (BLOCKING_TASK, "fetch#2", "sleep", "time.sleep"),
        (CPU_TASK, "spin", "loop", None),
        (UNPATCHED_GEVENT, "worker", "sleep", "time.sleep"),
    ],
    ids=["time.sleep in a task", "cpu loop in a task", "unpatched gevent sleep"],
)
def test_a_runner_holding_the_loop_gets_one_block_event(
    py, program, runner, marker, call, tmp_path
):
    if "gevent" in program:
        need(py, "gevent")
    res = run_program(program, tmp_path, python=py.path)
    mine = [b for b in blocks(res) if b["runner"] == runner]
    assert len(mine) == 1, blocks(res)
    b = mine[0]
    assert b["line"] == at(program, marker)
    assert 300 <= b["ms"] < 3000
    if call is not None:
        assert b["call"] == call


NOT_BLOCKING = {
    "asyncio.sleep": """\
        import asyncio

        async def nap(n):
            await asyncio.sleep(0.3)
            print('nap', n)

        async def main():
            await asyncio.gather(nap(1), nap(2))

        asyncio.run(main())
        """,
    "patched gevent sleep": """\
        from gevent import monkey
        monkey.patch_all()
        import gevent, time

        def worker(n):
            time.sleep(0.3)
            print('worker', n)

        gevent.joinall([gevent.spawn(worker, 1), gevent.spawn(worker, 2)])
        """,
    "plain generators": """\
        import time

        def slow():
            while True:
                time.sleep(0.3)
                yield

        g = slow()
        next(g); next(g)
        """,
}


@by_version
@pytest.mark.parametrize("name", sorted(NOT_BLOCKING))
def test_waiting_the_loops_way_is_not_blocking(py, name, tmp_path):
    if "gevent" in name:
        need(py, "gevent")
    # a higher threshold than the default keeps a loaded test machine from showing blocks
    res = run_program(
        NOT_BLOCKING[name], tmp_path, python=py.path, env={"CORO_TUTOR_BLOCK_MS": "200"}
    )
    assert res.returncode == 0
    assert blocks(res) == []


def test_block_ms_zero_turns_the_watch_off(tmp_path):
    res = run_program(BLOCKING_TASK, tmp_path, dedent=False, env={"CORO_TUTOR_BLOCK_MS": "0"})
    assert res.returncode == 0
    assert blocks(res) == []


WATCHED = """\
import _thread, asyncio, signal, sys, time
{prelude}
async def fetch():
    time.sleep(0.3)  # sleep
    print("threads", _thread._count())

asyncio.run(fetch())
"""


@by_version
@pytest.mark.parametrize(
    "prelude, threads",
    [
        ("", 0),
        ("sys.modules['ctypes'] = None  # no ctypes: a watcher thread looks", 1),
        ("signal.signal(signal.SIGURG, lambda *a: print('SIGURG'))  # the program's own", 1),
    ],
    ids=["a timer signal", "no ctypes", "the program handles SIGURG"],
)
def test_the_watch_finds_the_line_with_a_timer_signal_or_else_a_thread(
    py, prelude, threads, tmp_path
):
    """The watch's tick is a timer signal handled in the main thread (a thread fighting a
    busy loop for the GIL costs too much): the program sees no thread of ours, and none
    of the ticks reaches a SIGURG handler of its own (then a thread looks instead)."""
    program = WATCHED.format(prelude=prelude)
    res = run_program(program, tmp_path, python=py.path)
    assert res.returncode == 0, res.data("stderr")
    assert res.data() == f"threads {threads}\n".encode()
    (b,) = blocks(res)
    assert (b["runner"], b["line"], b["call"]) == ("fetch", at(program, "sleep"), "time.sleep")


ALARM = """\
import asyncio, signal, time

rang = []
signal.signal(signal.SIGALRM, lambda *a: rang.append(time.monotonic()))

async def fetch():
    signal.setitimer(signal.ITIMER_REAL, 0.25)
    t0 = time.monotonic()
    time.sleep(0.4)  # sleep
    await asyncio.sleep(0.2)
    print("alarms", len(rang), "in time", 0.24 < rang[0] - t0 < 0.4)

asyncio.run(fetch())
"""


@by_version
def test_the_programs_own_timer_signals_are_its_own(py, tmp_path):
    res = run_program(ALARM, tmp_path, python=py.path)
    assert res.returncode == 0, res.data("stderr")
    assert res.data() == b"alarms 1 in time True\n"
    (b,) = blocks(res)
    assert b["line"] == at(ALARM, "sleep")


ASYNC_GEN = """\
import asyncio, time

async def numbers():
    for i in (1, 2):
        time.sleep(0.2)  # sleep
        yield i  # yield

async def main():
    async for n in numbers():  # for
        print(n)

asyncio.run(main())
"""


@by_version
def test_an_async_generator_yields_to_its_async_for_inside_one_task_step(py, tmp_path):
    """`yield x` in an async generator hands the value to the `async for` in the same task
    step: a switch to the iterating task at the `async for` line, and no loop visit, so
    the two sleeps are one blocking stretch (one event, both sleeps long)."""
    res = run_program(ASYNC_GEN, tmp_path, python=py.path)
    s = ASYNC_GEN
    value_yields = [w for w in switches(res) if w[0] == "numbers" and w[2] == at(s, "yield")]
    assert [w[1] for w in value_yields] == ["main#2", "main#2"], switches(res)
    assert {w[3] for w in value_yields} == {at(s, "for")}
    (b,) = blocks(res)
    assert (b["runner"], b["line"], b["call"]) == ("main#2", at(s, "sleep"), "time.sleep")
    assert b["ms"] >= 400
