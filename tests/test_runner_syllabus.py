"""The syllabus programs through the whole runner (sandbox + bootstrap + tracer), on every
tier available here: the expected lines, in order, with the expected runner names."""

from __future__ import annotations

import textwrap

import pytest
from test_runner_api import TIERS, our_scratch_dirs

from tutor.runner import RunRequest, run_to_end
from tutor.runner.events import Exit, Start, Stderr, Stdout


def run(code: str, tier: str, **kw):
    events = run_to_end(RunRequest(code=textwrap.dedent(code), isolation=tier, **kw))
    assert isinstance(events[0], Start) and isinstance(events[-1], Exit)
    assert our_scratch_dirs() == []
    return events


def lines(events, cls=Stdout):
    return [(e.runner, e.line) for e in events if isinstance(e, cls)]


@pytest.mark.parametrize("tier", TIERS)
def test_producer_consumer(tier):
    events = run(
        """
        def consumer():
            r = ''
            while True:
                n = yield r
                if not n:
                    return
                print('[CONSUMER] Consuming %s...' % n)
                r = '200 OK'

        def produce(c):
            c.send(None)
            n = 0
            while n < 2:
                n = n + 1
                print('[PRODUCER] Producing %s...' % n)
                r = c.send(n)
                print('[PRODUCER] Consumer return: %s' % r)
            c.close()

        produce(consumer())
        """,
        tier,
    )
    assert lines(events) == [
        ("main", "[PRODUCER] Producing 1..."),
        ("consumer", "[CONSUMER] Consuming 1..."),
        ("main", "[PRODUCER] Consumer return: 200 OK"),
        ("main", "[PRODUCER] Producing 2..."),
        ("consumer", "[CONSUMER] Consuming 2..."),
        ("main", "[PRODUCER] Consumer return: 200 OK"),
    ]
    assert events[-1].reason == "ok"
    assert events[-1].switches > 0


@pytest.mark.slow
@pytest.mark.parametrize("tier", TIERS)
def test_greenlet_ping_pong_stopped_by_the_wall_limit(tier):
    events = run(
        """
        import time
        from greenlet import greenlet

        def ping():
            while True:
                print("ping")
                time.sleep(0.05)
                gr2.switch()

        def pong():
            while True:
                print("pong")
                time.sleep(0.05)
                gr1.switch()

        gr1 = greenlet(ping)
        gr2 = greenlet(pong)
        gr1.switch()
        """,
        tier,
        timeout=1.0,
    )
    out = lines(events)
    assert out[:4] == [("ping", "ping"), ("pong", "pong"), ("ping", "ping"), ("pong", "pong")]
    end = events[-1]
    assert end.reason == "timeout"
    assert end.message.startswith("Stopped after 1 s: the program was still running")
    err = [t for _, t in lines(events, Stderr)]
    assert err[0] == "Traceback (most recent call last):"
    assert err[-1] == "KeyboardInterrupt"
    assert not any("tutor/runner" in t for t in err)


@pytest.mark.parametrize("tier", TIERS)
def test_gevent_spawn_join(tier):
    events = run(
        """
        import gevent

        def task(n):
            for i in range(2):
                print("task", n, i)
                gevent.sleep(0)

        gevent.joinall([gevent.spawn(task, 1), gevent.spawn(task, 2)])
        """,
        tier,
    )
    assert lines(events) == [
        ("task", "task 1 0"),
        ("task#2", "task 2 0"),
        ("task", "task 1 1"),
        ("task#2", "task 2 1"),
    ]
    assert events[-1].reason == "ok"


@pytest.mark.parametrize("tier", TIERS)
def test_monkey_patched_sleep(tier):
    events = run(
        """
        from gevent import monkey
        monkey.patch_all()
        import time
        import gevent

        def slow():
            print("slow start")
            time.sleep(0.2)
            print("slow done")

        def quick():
            print("quick start")
            time.sleep(0.05)
            print("quick done")

        gevent.joinall([gevent.spawn(slow), gevent.spawn(quick)])
        """,
        tier,
    )
    assert lines(events) == [
        ("slow", "slow start"),
        ("quick", "quick start"),
        ("quick", "quick done"),
        ("slow", "slow done"),
    ]


@pytest.mark.parametrize("tier", TIERS)
def test_concurrent_downloads_from_a_local_server(tier):
    events = run(
        """
        from gevent import monkey
        monkey.patch_all()
        import urllib.request
        import gevent
        from lesson_server import serve

        def fetch(base, path):
            data = urllib.request.urlopen(base + path).read()
            print(path, len(data))

        with serve({"/slow": (0.3, 5000), "/fast": (0.1, 2000)}) as base:
            gevent.joinall([gevent.spawn(fetch, base, "/slow"),
                            gevent.spawn(fetch, base, "/fast")])
        """,
        tier,
    )
    assert lines(events) == [("fetch#2", "/fast 2000"), ("fetch", "/slow 5000")]
    assert events[-1].reason == "ok"
