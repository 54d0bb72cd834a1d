"""tutor/runner/child/fixtures/lesson_server.py, used as lessons use it: from a program run by
the bootstrap (python -I, fixtures on sys.path), plain and under gevent's monkey patching."""

from __future__ import annotations

import os
import time

import pytest

from tests.test_tracer_support import interpreters, need, run_program

INTERPS = interpreters()


def _gone(pid: int) -> bool:
    try:
        with open(f"/proc/{pid}/status") as f:
            return any(line.split()[1:2] == ["Z"] for line in f if line.startswith("State:"))
    except FileNotFoundError:
        return True


def test_plain_routes_content_and_404(tmp_path):
    res = run_program(
        """\
        import urllib.request, urllib.error
        from lesson_server import serve, body

        with serve({"/a": (0, 2000), "/b": (0.05, 10)}) as base:
            print(base.rsplit(':', 1)[0])
            r = urllib.request.urlopen(base + "/a")
            data = r.read()
            print(r.status, r.headers["Content-Length"], len(data), data == body(2000))
            print(urllib.request.urlopen(base + "/b?x=1").read())
            try:
                urllib.request.urlopen(base + "/nope")
            except urllib.error.HTTPError as e:
                print('missing', e.code)
        """,
        tmp_path,
    )
    assert res.returncode == 0, res.texts("stderr")
    assert res.texts() == [
        "http://127.0.0.1",
        "200 2000 2000 True",
        repr(b"coro-tutor"),
        "missing 404",
    ]


def test_plain_threads_complete_in_delay_order(tmp_path):
    res = run_program(
        """\
        import threading, time, urllib.request
        from lesson_server import serve

        done = []
        def get(base, path):
            done.append((path, len(urllib.request.urlopen(base + path).read())))

        with serve({"/slow": (0.4, 5000), "/fast": (0.05, 2000), "/mid": (0.2, 3000)}) as base:
            ts = [threading.Thread(target=get, args=(base, p)) for p in ("/slow", "/fast", "/mid")]
            t0 = time.monotonic()
            for t in ts: t.start()
            for t in ts: t.join()
            took = time.monotonic() - t0
        print(done)
        print(took < 0.9)
        """,
        tmp_path,
    )
    assert res.returncode == 0, res.texts("stderr")
    assert res.texts() == ["[('/fast', 2000), ('/mid', 3000), ('/slow', 5000)]", "True"]


@pytest.mark.parametrize("py", INTERPS, ids=[str(i) for i in INTERPS])
def test_gevent_concurrent_downloads_follow_the_delays(py, tmp_path):
    need(py, "gevent")
    res = run_program(
        """\
        from gevent import monkey
        monkey.patch_all()
        import time
        import urllib.request

        import gevent
        from lesson_server import serve

        def my_download(url):
            name = url.rsplit('/', 1)[1]
            print('GET: %s' % name)
            data = urllib.request.urlopen(url).read()
            print('%d bytes received from %s.' % (len(data), name))

        with serve({"/slow": (0.4, 5000), "/fast": (0.05, 2000), "/mid": (0.2, 3000)}) as base:
            t0 = time.monotonic()
            paths = ("/slow", "/fast", "/mid")
            gevent.joinall([gevent.spawn(my_download, base + p) for p in paths])
            took = time.monotonic() - t0
        print('concurrent', took < 0.9)
        """,
        tmp_path,
        python=py.path,
    )
    assert res.returncode == 0, res.texts("stderr")
    assert res.lines() == [
        ("my_download", "GET: slow"),
        ("my_download#2", "GET: fast"),
        ("my_download#3", "GET: mid"),
        ("my_download#2", "2000 bytes received from fast."),
        ("my_download#3", "3000 bytes received from mid."),
        ("my_download", "5000 bytes received from slow."),
        ("main", "concurrent True"),
    ]


def test_server_stops_after_with_and_when_its_parent_dies(tmp_path):
    res = run_program(
        """\
        import os, socket
        from lesson_server import serve

        s = serve({"/a": (0, 1)})
        with s as base:
            pass
        port = int(base.rsplit(':', 1)[1])
        try:
            socket.create_connection(("127.0.0.1", port), timeout=1).close()
            print('still listening')
        except OSError:
            print('stopped')

        orphan = serve({"/a": (0, 1)})
        orphan.__enter__()
        print(orphan._proc.pid)
        os._exit(0)  # no __exit__: the server must notice by itself
        """,
        tmp_path,
    )
    assert res.returncode == 0, res.texts("stderr")
    assert res.texts()[0] == "stopped"
    pid = int(res.texts()[1])
    deadline = time.monotonic() + 5
    while not _gone(pid) and time.monotonic() < deadline:
        time.sleep(0.05)
    assert _gone(pid), f"lesson server {pid} outlived its parent"
    if not _gone(pid):  # pragma: no cover - cleanup
        os.kill(pid, 9)
