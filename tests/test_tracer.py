"""The child side of a run: bootstrap.py + tracer.py, run directly as the parent runs them.

Cross-version tests are parametrized over the interpreters found (see
tests/test_tracer_support.py); greenlet/gevent cases skip, with the reason, on an
interpreter that lacks them.
"""

from __future__ import annotations

import base64
import json
import os
import signal
import subprocess
import sys

import msgspec
import pytest

from tests.test_cli_fidelity import PROGRAMS
from tests.test_tracer_support import REPO, interpreters, need, run_program

INTERPS = interpreters()
by_version = pytest.mark.parametrize("py", INTERPS, ids=[str(i) for i in INTERPS])

PRODUCER_CONSUMER = """\
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
    while n < 5:
        n = n + 1
        print('[PRODUCER] Producing %s...' % n)
        r = c.send(n)
        print('[PRODUCER] Consumer return: %s' % r)
    c.close()

c = consumer()
produce(c)
"""


def assert_consistent(res):
    """The stream's own invariants: switches chain (from == last to), every output's
    runner is the last runner switched to, `end` is last and counts right."""
    cur = "main"
    sent = 0
    capped = False
    for e in res.events[:-1]:
        assert e["type"] != "end"
        if e["type"] == "switch":
            assert not capped
            assert e["from"] == cur, e
            assert e["from"] != e["to"], e
            cur = e["to"]
            sent += 1
        elif e["type"] == "cap":
            assert e["after"] == sent
            capped = True
        elif e["type"] in ("stdout", "stderr") and not capped and "pid" not in e:
            assert e["runner"] == cur, e
    end = res.events[-1]
    assert end["type"] == "end"
    assert end["switches"] - end["dropped"] == sent
    ts = [e["t"] for e in res.events]
    assert ts == sorted(ts)


# --------------------------------------------------------------------------- syllabus


@by_version
def test_producer_consumer(py, tmp_path):
    res = run_program(PRODUCER_CONSUMER, tmp_path, python=py.path)
    assert res.returncode == 0, res.fd2
    expected = []
    for n in range(1, 6):
        expected += [
            ("main", f"[PRODUCER] Producing {n}..."),
            ("consumer", f"[CONSUMER] Consuming {n}..."),
            ("main", "[PRODUCER] Consumer return: 200 OK"),
        ]
    assert res.lines() == expected
    sw = res.switches()
    assert sw[:2] == [("main", "consumer", "send"), ("consumer", "main", "yield")]
    assert sw.count(("main", "consumer", "send")) == 6
    assert len(sw) == 12  # close() is not a switch of its own (no output in it)
    assert res.end == {**res.end, "switches": 12, "dropped": 0, "exception": None}
    assert res.fd1 == b"" and res.fd2 == b""
    assert_consistent(res)


@by_version
def test_yield_from_innermost_is_the_runner(py, tmp_path):
    res = run_program(
        """\
        def inner():
            x = yield 1
            print('inner got', x)
            return 5

        def outer():
            print('outer start')
            r = yield from inner()
            print('outer got', r)
            yield r

        g = outer()
        print(next(g))
        print(g.send('a'))
        for v in g:
            print(v)
        """,
        tmp_path,
        python=py.path,
    )
    assert res.returncode == 0, res.fd2
    assert res.stream() == [
        ("switch", "main", "outer"),
        ("stdout", "outer", "outer start"),
        ("switch", "outer", "inner"),
        ("switch", "inner", "main"),  # the value goes straight to main
        ("stdout", "main", "1"),
        ("switch", "main", "inner"),  # send() resumes inner, not outer
        ("stdout", "inner", "inner got a"),
        ("switch", "inner", "outer"),
        ("stdout", "outer", "outer got 5"),
        ("switch", "outer", "main"),
        ("stdout", "main", "5"),
        ("switch", "main", "outer"),
        ("switch", "outer", "main"),
    ]
    vias = [v for _, _, v in res.switches()]
    assert vias == ["next", "yield from", "yield", "send", "return", "yield", "next", "return"]
    assert_consistent(res)


ASYNC_GATHER = """\
import asyncio

async def worker(n):
    for i in range(2):
        print('worker', n, i)
        await asyncio.sleep(0)

async def main():
    t = asyncio.create_task(worker('named'), name='alpha')
    await asyncio.gather(worker(1), worker(2))
    await t
    print('done')

asyncio.run(main())
print('end')
"""


@by_version
def test_asyncio_tasks_named_and_unnamed(py, tmp_path):
    res = run_program(ASYNC_GATHER, tmp_path, python=py.path)
    assert res.returncode == 0, res.fd2
    assert res.lines() == [
        ("alpha", "worker named 0"),
        ("worker", "worker 1 0"),
        ("worker#2", "worker 2 0"),
        ("alpha", "worker named 1"),
        ("worker", "worker 1 1"),
        ("worker#2", "worker 2 1"),
        ("main#2", "done"),  # the task running main() while module-level main is live
        ("main", "end"),
    ]
    sw = res.switches()
    assert sw[0] == ("main", "main#2", "task")
    assert sw[1] == ("main#2", "alpha", "task")
    # Task steps go from task to task: the event loop in between is not a runner.
    assert ("alpha", "worker", "task") in sw and ("worker", "worker#2", "task") in sw
    assert all(v in ("task", "return", "yield") for _, _, v in sw)
    assert_consistent(res)


@by_version
def test_tasks_and_greenlets_that_run_one_after_the_other_keep_their_own_names(py, tmp_path):
    """The first ends before the second is first seen, and the scheduler hop between them
    is not reported: a reused name would merge two runners into one colour, no switch."""
    need(py, "gevent")
    res = run_program(
        """\
        import asyncio, gevent

        async def work(n):
            print('task', n)

        async def main():
            await asyncio.gather(work(1), work(2))

        asyncio.run(main())

        def job(n):
            print('greenlet', n)

        gevent.joinall([gevent.spawn(job, 1), gevent.spawn(job, 2)])
        gevent.spawn(job, 3).join()
        """,
        tmp_path,
        python=py.path,
    )
    assert res.returncode == 0, res.fd2
    assert res.lines() == [
        ("work", "task 1"),
        ("work#2", "task 2"),
        ("job", "greenlet 1"),
        ("job#2", "greenlet 2"),
        ("job#3", "greenlet 3"),
    ]
    sw = res.switches()
    assert ("work", "work#2", "task") in sw and ("job", "job#2", "greenlet") in sw
    assert_consistent(res)


@by_version
def test_coroutine_driven_by_send(py, tmp_path):
    res = run_program(
        """\
        async def downloader(url):
            print('downloading', url)
            return 'bobby'

        async def download_url(url):
            html = await downloader(url)
            print('got', html)
            return html

        coro = download_url('http://example.invalid')
        try:
            coro.send(None)
        except StopIteration as e:
            print('result', e.value)
        """,
        tmp_path,
        python=py.path,
    )
    assert res.returncode == 0, res.fd2
    # Awaited code belongs to whoever awaits it: the coroutine resumed by send().
    assert res.lines() == [
        ("download_url", "downloading http://example.invalid"),
        ("download_url", "got bobby"),
        ("main", "result bobby"),
    ]
    assert res.switches() == [("main", "download_url", "send"), ("download_url", "main", "return")]


@by_version
def test_generator_inside_a_task_is_its_own_runner(py, tmp_path):
    res = run_program(
        """\
        import asyncio

        def numbers():
            for i in range(2):
                print('gen', i)
                yield i

        async def main():
            for n in numbers():
                print('task', n)
                await asyncio.sleep(0)

        asyncio.run(main())
        """,
        tmp_path,
        python=py.path,
    )
    assert res.returncode == 0, res.fd2
    assert res.lines() == [
        ("numbers", "gen 0"),
        ("main#2", "task 0"),
        ("numbers", "gen 1"),
        ("main#2", "task 1"),
    ]
    assert_consistent(res)


GREENLET_PING_PONG = """\
from greenlet import greenlet

def test1():
    for i in range(3):
        print("---A--")
        gr2.switch()

def test2():
    for i in range(3):
        print("---B--")
        gr1.switch()

gr1 = greenlet(test1)
gr2 = greenlet(test2)
gr1.switch()
print('back in main')
"""


@by_version
def test_greenlet_ping_pong(py, tmp_path):
    need(py, "greenlet")
    res = run_program(GREENLET_PING_PONG, tmp_path, python=py.path)
    assert res.returncode == 0, res.fd2
    assert res.lines() == [("test1", "---A--"), ("test2", "---B--")] * 3 + [
        ("main", "back in main")
    ]
    sw = res.switches()
    assert sw[0] == ("main", "test1", "greenlet")
    assert sw[-1] == ("test1", "main", "greenlet")
    assert all(v == "greenlet" for _, _, v in sw)
    assert_consistent(res)


@by_version
def test_gevent_spawn_join_names(py, tmp_path):
    need(py, "gevent")
    res = run_program(
        """\
        import gevent

        def f(n):
            for i in range(n):
                print('f', i)
                gevent.sleep(0.01)

        g1 = gevent.spawn(f, 2)
        g2 = gevent.spawn(f, 2)
        g3 = gevent.spawn(f, 2)
        g1.join()
        g2.join()
        g3.join()
        print('joined')
        """,
        tmp_path,
        python=py.path,
    )
    assert res.returncode == 0, res.fd2
    assert res.lines() == [
        ("f", "f 0"),
        ("f#2", "f 0"),
        ("f#3", "f 0"),
        ("f", "f 1"),
        ("f#2", "f 1"),
        ("f#3", "f 1"),
        ("main", "joined"),
    ]
    sw = res.switches()
    assert sw[0] == ("main", "f", "greenlet")
    assert "hub" not in {x for s in sw for x in s[:2]}  # the hub is not a runner
    assert_consistent(res)


@by_version
def test_gevent_monkey_patched_sleep(py, tmp_path):
    need(py, "gevent")
    res = run_program(
        """\
        from gevent import monkey
        monkey.patch_all()
        import threading
        import time

        import gevent

        def work(name, delay):
            for i in range(2):
                print(name, i)
                time.sleep(delay)

        gevent.joinall([gevent.spawn(work, 'work1', 0.05), gevent.spawn(work, 'work2', 0.08)])
        print('all done', threading.get_ident() != 0)
        """,
        tmp_path,
        python=py.path,
    )
    assert res.returncode == 0, res.fd2
    assert res.lines() == [
        ("work", "work1 0"),
        ("work#2", "work2 0"),
        ("work", "work1 1"),
        ("work#2", "work2 1"),
        ("main", "all done True"),
    ]
    assert_consistent(res)


# --------------------------------------------------------------------------- errors, exit


@by_version
def test_uncaught_exception_traceback_is_the_programs(py, tmp_path):
    res = run_program(
        """\
        def gen():
            yield 1
            raise ValueError('boom')

        for x in gen():
            print(x)
        """,
        tmp_path,
        python=py.path,
    )
    assert res.returncode == 1
    err = res.texts("stderr")
    assert err[0] == "Traceback (most recent call last):"
    assert err[-1] == "ValueError: boom"
    text = "\n".join(err)
    assert 'lesson.py", line 5, in <module>' in text
    assert 'lesson.py", line 3, in gen' in text
    assert "tracer" not in text and "bootstrap" not in text
    assert res.end["exception"] == "ValueError"
    assert res.fd2 == b""


@by_version
def test_keyboard_interrupt_130_with_clean_traceback(py, tmp_path):
    # SIGINT lands wherever the program is, often inside a hook callback: the
    # traceback must still show only the program's frames.
    res = run_program(
        """\
        import os, signal

        def spin():
            while True:
                yield

        def loop():
            n = 0
            for _ in spin():
                n += 1
                if n == 3000:
                    os.kill(os.getpid(), signal.SIGINT)

        loop()
        """,
        tmp_path,
        python=py.path,
        cap=100,
    )
    assert res.returncode == 130
    err = res.texts("stderr")
    assert err[0] == "Traceback (most recent call last):"
    assert err[-1] == "KeyboardInterrupt"
    text = "\n".join(err)
    assert "in loop" in text
    assert "tracer" not in text and "bootstrap" not in text
    assert res.end["exception"] == "KeyboardInterrupt"


@pytest.mark.parametrize(
    "code, rc, err",
    [
        ("import sys; sys.exit(3)", 3, []),
        ("import sys; sys.exit('bye')", 1, ["bye"]),
        ("raise SystemExit", 0, []),
        ("print('ok')", 0, []),
    ],
)
def test_exit_codes(code, rc, err, tmp_path):
    res = run_program(code, tmp_path)
    assert res.returncode == rc
    assert res.texts("stderr") == err
    assert res.end["exception"] is None


def test_syntax_error_is_shown_like_python(tmp_path):
    res = run_program("print('a'\nx = (\n", tmp_path)
    assert res.returncode == 1
    text = "\n".join(res.texts("stderr"))
    assert "SyntaxError" in text and "lesson.py" in text
    assert "tracer" not in text and "bootstrap" not in text


def test_atexit_output_comes_before_end(tmp_path):
    res = run_program(
        """\
        import atexit
        atexit.register(lambda: print('bye from atexit'))
        print('hi')
        """,
        tmp_path,
    )
    assert res.texts() == ["hi", "bye from atexit"]
    assert res.events[-1]["type"] == "end"


# --------------------------------------------------------------------------- output


def test_stdout_stderr_interleaved_in_program_order(tmp_path):
    res = run_program(
        """\
        import sys
        for i in range(50):
            print('out', i)
            print('err', i, file=sys.stderr)
            sys.stderr.write('e%d-' % i)
            sys.stderr.write('tail\\n')
        """,
        tmp_path,
    )
    got = [(e["type"], e["text"]) for e in res.events if e["type"] in ("stdout", "stderr")]
    want = []
    for i in range(50):
        want += [("stdout", f"out {i}\n"), ("stderr", f"err {i}\n"), ("stderr", f"e{i}-tail\n")]
    assert got == want


def python_output(code: str, tmp_path, python=None) -> subprocess.CompletedProcess:
    """What `python prog.py` writes, as the reference for byte-exact output."""
    prog = tmp_path / "reference.py"
    prog.write_text(code, encoding="utf-8")
    return subprocess.run([python or sys.executable, "-I", str(prog)], capture_output=True)


FIDELITY = {
    "unterminated": "print('a', end=' ')\nprint('b', end='')\n",
    "long lines": "print('x' * 5000)\nprint('y' * 70000, end='')\nprint('z' * 4096)\n",
    "long lines to escape": (
        "import sys\nprint('q\"\\\\\\t' * 3000)\nprint('y' * 9000 + '\\x01')\n"
        "print('z' * 5000 + '\\r')\nsys.stdout.write('w' * 6000 + '\\n\\n')\n"
    ),
    "one byte": "import sys\nsys.stdout.write('q')\n",
    "cr nul": "print('a\\rb\\x00c\\r\\n')\nprint('\\x00', end='')\n",
    "undecodable": "print('bad \\udcff\\udcfe bytes')\nprint('ok é 中')\n",
    "pieces": "import sys\nprint('a', end='', flush=True)\nsys.stdout.write('c\\nd\\n\\ne')\n",
}


@pytest.mark.parametrize("name", sorted(FIDELITY))
def test_output_is_byte_identical_to_python(name, tmp_path):
    code = FIDELITY[name]
    res = run_program(code, tmp_path, dedent=False)
    ref = python_output(code, tmp_path)
    assert res.data("stdout") == ref.stdout
    for e in res.events:  # valid UTF-8 JSON that msgspec (the TUI's decoder) reads back
        msgspec.json.decode(json.dumps(e, ensure_ascii=False).encode("utf-8"))


def test_a_lone_surrogate_fails_as_in_python(tmp_path):
    code = "print('before')\nprint('lone \\ud800 surrogate')\n"
    res = run_program(code, tmp_path, dedent=False)
    ref = python_output(code, tmp_path)
    assert res.data("stdout") == ref.stdout == b"before\n"
    assert res.returncode == ref.returncode == 1
    assert res.end["exception"] == "UnicodeEncodeError"
    assert res.texts("stderr")[-1] == ref.stderr.decode().splitlines()[-1]


def test_a_50_mb_line_costs_time_in_proportion(tmp_path):
    res = run_program("print('y' * 50_000_000)\n", tmp_path, dedent=False, timeout=120)
    data = res.data("stdout")
    assert len(data) == 50_000_001 and data.endswith(b"y\n")


def test_lines_begun_by_one_runner_and_finished_by_another_are_pieces(tmp_path):
    res = run_program(PROGRAMS["pieces from two runners"], tmp_path)
    outs = [(e["runner"], e["text"]) for e in res.events if e["type"] == "stdout"]
    assert outs == [("printer", "0 "), ("finisher", "!\n")] * 1 + [
        ("printer", "1 "),
        ("finisher", "!\n"),
        ("printer", "2 "),
        ("finisher", "!\n"),
    ]
    # every switch is one the hooks saw: main drives both, none between the two writers
    assert ("printer", "finisher") not in [(a, b) for a, b, _ in res.switches()]
    assert_consistent(res)


def test_wire_lines_decode_with_msgspec(tmp_path):
    r, w = os.pipe()
    prog = tmp_path / "p.py"
    prog.write_text("print('\\u00e9\\x00\\udcff')\nimport sys; print('x', file=sys.stderr)\n")

    env = {k: v for k, v in os.environ.items() if not k.startswith("CORO_TUTOR_")}
    env["CORO_TUTOR_EVENT_FD"] = str(w)
    p = subprocess.Popen(
        [sys.executable, "-I", str(REPO / "tutor/runner/child/bootstrap.py"), str(prog)],
        pass_fds=[w],
        env=env,
        cwd=tmp_path,
    )
    os.close(w)
    with os.fdopen(r, "rb") as f:
        data = f.read()
    p.wait()
    lines = data.splitlines()
    assert len(lines) == 3
    decoded = [msgspec.json.decode(line) for line in lines]
    assert decoded[0]["text"] == "\u00e9\x00\ufffd\n"
    assert base64.b64decode(decoded[0]["b64"]) == "\u00e9\x00".encode() + b"\xff\n"
    assert decoded[2]["type"] == "end"


def test_bypassing_output_goes_to_fd_1_and_2_only_and_buffer_writes_stay_in_order(tmp_path):
    """os.write bypasses sys.stdout (fd 1/2, unattributed); bytes written to
    sys.stdout.buffer are events in order with the text, like `python prog.py` prints."""
    res = run_program(
        """\
        import os, sys, subprocess
        print('via print')
        os.write(1, b'raw fd1\\n')
        os.write(2, b'raw fd2\\n')
        sys.stdout.buffer.write(b'via buffer\\n')
        sys.stdout.buffer.flush()
        print(sys.stdout.fileno(), sys.stderr.fileno(), sys.stdout.isatty(),
              sys.stdout.encoding, sys.stdout.writable())
        """,
        tmp_path,
    )
    assert res.texts() == ["via print", "via buffer", "1 2 False utf-8 True"]
    assert res.fd1 == b"raw fd1\n"
    assert res.fd2 == b"raw fd2\n"


def test_threads_get_attribution(tmp_path):
    res = run_program(
        """\
        import threading
        def worker():
            print('in thread')
        t = threading.Thread(target=worker)
        t.start(); t.join()
        named = threading.Thread(target=worker, name='downloader')
        named.start(); named.join()
        print('main again')
        """,
        tmp_path,
    )
    assert res.lines() == [
        ("worker", "in thread"),
        ("downloader", "in thread"),
        ("main", "main again"),
    ]
    assert_consistent(res)


def test_fork_child_events_carry_pid(tmp_path):
    res = run_program(
        """\
        import os
        print('before', end='')
        pid = os.fork()
        if pid == 0:
            print('child')
            os._exit(0)
        os.waitpid(pid, 0)
        print(' parent')
        """,
        tmp_path,
    )
    child = [e for e in res.events if "pid" in e]
    assert [e["text"] for e in child] == ["child\n"]
    assert child[0]["pid"] != 0
    parent = [e["text"] for e in res.events if e["type"] == "stdout" and "pid" not in e]
    assert "".join(parent) == "before parent\n"
    assert [e["type"] for e in res.events].count("end") == 1


def test_a_fork_and_its_parent_switching_at_once_never_mix_their_event_lines(tmp_path):
    """Switch events go out in 16 KB writes until a fork shares the pipe; then both sides
    keep to PIPE_BUF, so their lines never interleave."""
    res = run_program(
        """\
        import os
        def g():
            while True:
                yield
        s = g()
        next(s)
        pid = os.fork()
        for i in range(6000):
            next(s)
            if i % 100 == 0:
                print('x' * 60, i)
        if pid == 0:
            os._exit(0)
        os.waitpid(pid, 0)
        """,
        tmp_path,
        cap=30000,
        read_after=0.5,
    )
    assert res.returncode == 0
    child = [e["text"] for e in res.events if e["type"] == "stdout" and "pid" in e]
    parent = [e["text"] for e in res.events if e["type"] == "stdout" and "pid" not in e]
    assert child == parent == ["x" * 60 + f" {i}\n" for i in range(0, 6000, 100)]
    assert sum(e["type"] == "switch" and "pid" in e for e in res.events) == 12000


# --------------------------------------------------------------------------- counting


def test_cap_then_count(tmp_path):
    res = run_program(
        """\
        def g():
            while True:
                yield
        it = g()
        for _ in range(20):
            next(it)
        print('done')
        """,
        tmp_path,
        cap=5,
    )
    types = [e["type"] for e in res.events]
    assert types[:6] == ["switch"] * 5 + ["cap"]
    assert res.events[5]["after"] == 5
    assert res.end["switches"] == 40  # 20 x (in, out)
    assert res.end["dropped"] == res.end["switches"] - 5
    assert res.lines() == [("main", "done")]


def test_unhook_at_ten_times_cap_counts_a_lower_bound(tmp_path):
    res = run_program(
        """\
        def g():
            while True:
                yield
        it = g()
        for _ in range(10000):
            next(it)
        def h():
            print('still attributed')
            yield
        next(h())
        """,
        tmp_path,
        cap=10,
    )
    assert 100 <= res.end["switches"] < 20000
    assert res.lines() == [("h", "still attributed")]


def test_program_sees_a_normal_main(tmp_path):
    (tmp_path / "helper.py").write_text("X = 42\n")
    res = run_program(
        """\
        import sys, os
        mods = 'threading as' + 'yncio json re runpy tutor ssl greenlet dis opcode'
        heavy = sorted(m for m in mods.split() if m in sys.modules)
        import helper
        from lesson_server import serve
        print(__name__, os.path.basename(__file__), helper.X)
        print(sys.path[0] == os.path.dirname(__file__), sys.argv[1:])
        print(heavy)
        print(sys.getprofile() is None)
        print([k for k in os.environ if k.startswith('CORO_TUTOR_')])
        """,
        tmp_path,
        args=["a1", "a2"],
    )
    assert res.returncode == 0, res.texts("stderr")
    lines = res.texts()
    assert lines[0] == "__main__ lesson.py 42"
    assert lines[1] == "True ['a1', 'a2']"
    assert lines[2] == "[]"
    assert lines[3] == "True"  # no coroutine keywords: nothing hooked on 3.10/3.11
    assert lines[4] == "[]"


@pytest.mark.skipif(sys.version_info >= (3, 12), reason="setprofile is the 3.10/3.11 hook")
def test_setprofile_only_when_the_source_has_coroutines(tmp_path):
    res = run_program("import sys\nprint(sys.getprofile() is None)\ndef g(): yield\n", tmp_path)
    assert res.texts() == ["False"]


def test_sigint_outside_generators_exits_130(tmp_path):
    res = run_program(
        """\
        import os, signal
        print('start')
        os.kill(os.getpid(), signal.SIGINT)
        print('never')
        """,
        tmp_path,
    )
    assert res.returncode == 130
    assert res.texts("stdout") == ["start"]
    assert res.texts("stderr")[-1] == "KeyboardInterrupt"
    assert signal.SIGINT  # (imported for readability)


def test_generator_expressions_are_not_runners(tmp_path):
    res = run_program(
        """\
        def gen():
            yield from (print('inside', x) or x for x in range(2))

        print(sum(x * x for x in range(1000)))
        print(list(gen()))
        """,
        tmp_path,
    )
    assert res.lines() == [
        ("main", "332833500"),
        ("gen", "inside 0"),
        ("gen", "inside 1"),
        ("main", "[0, 1]"),
    ]
    assert_consistent(res)


@by_version
def test_async_generator_is_its_own_runner(py, tmp_path):
    res = run_program(
        """\
        import asyncio

        async def ticks():
            for i in range(2):
                print('tick', i)
                yield i
                await asyncio.sleep(0)

        async def main():
            async for t in ticks():
                print('got', t)

        asyncio.run(main())
        """,
        tmp_path,
        python=py.path,
    )
    assert res.returncode == 0, res.texts("stderr")
    assert res.lines() == [
        ("ticks", "tick 0"),
        ("main#2", "got 0"),
        ("ticks", "tick 1"),
        ("main#2", "got 1"),
    ]
    assert_consistent(res)


IDLE_AFTER_BURST = {
    "generator in a task": """\
import asyncio
def g():
    while True:
        yield
async def main():
    it = g()
    for _ in range(30):
        next(it)
    await asyncio.sleep(2)
asyncio.run(main())
""",
    # the loop always has the other task ready: its steps are batched, not each written
    "task steps": """\
import asyncio
async def w():
    for _ in range(40):
        await asyncio.sleep(0)
async def main():
    await asyncio.gather(w(), w())
    await asyncio.sleep(2)
asyncio.run(main())
""",
}


@pytest.mark.slow
@pytest.mark.parametrize("name", sorted(IDLE_AFTER_BURST))
def test_switch_events_arrive_before_an_idle_wait(name, tmp_path):
    """Switch events are batched, but not held across an idle point: here a burst of
    switches, then the event loop sleeps for 2 s without output."""
    import subprocess
    import threading
    import time

    prog = tmp_path / "p.py"
    prog.write_text(IDLE_AFTER_BURST[name])
    r, w = os.pipe()
    env = {k: v for k, v in os.environ.items() if not k.startswith("CORO_TUTOR_")}
    env["CORO_TUTOR_EVENT_FD"] = str(w)
    t0 = time.monotonic()
    p = subprocess.Popen(
        [sys.executable, "-I", str(REPO / "tutor/runner/child/bootstrap.py"), str(prog)],
        pass_fds=[w],
        env=env,
        cwd=tmp_path,
    )
    os.close(w)
    arrivals = []

    def read():
        with os.fdopen(r, "rb") as f:
            for line in f:
                arrivals.append((time.monotonic() - t0, json.loads(line)))

    th = threading.Thread(target=read)
    th.start()
    p.wait(30)
    th.join(30)
    switches = [(at, e) for at, e in arrivals if e["type"] == "switch"]
    assert len(switches) >= 60
    burst = [at for at, e in switches if e["t"] < 1.5]
    assert max(burst) < 1.5, "switch events were held until the program woke up"


def test_cap_zero_sends_no_switches(tmp_path):
    res = run_program(
        "def g():\n    yield\n    yield\nfor _ in g():\n    print('x')\n", tmp_path, cap=0
    )
    assert [e["type"] for e in res.events] == ["cap", "stdout", "stdout", "end"]
    assert res.events[0]["after"] == 0
    assert res.end["switches"] >= 1 and res.end["dropped"] == res.end["switches"]
    assert res.lines() == [("main", "x"), ("main", "x")]


SAME_EVERYWHERE = {
    "close-and-delegation": """\
        def gen():
            try:
                yield 1
                yield 2
            finally:
                print('cleanup')

        g = gen()
        print(next(g))
        g.close()
        print('closed')

        def sub():
            yield 'a'
            return 'r'

        def deleg():
            x = yield from sub()
            print('x', x)

        for v in deleg():
            print(v)

        def boom():
            yield
            raise KeyError('k')

        try:
            for _ in boom():
                pass
        except KeyError:
            print('caught')
        """,
    "asyncio-queue": """\
        import asyncio

        async def producer(q):
            for i in range(3):
                print('put', i)
                await q.put(i)
                await asyncio.sleep(0.01)
            await q.put(None)

        async def consumer(q):
            while (item := await q.get()) is not None:
                print('got', item)

        async def main():
            q = asyncio.Queue()
            await asyncio.gather(producer(q), asyncio.create_task(consumer(q), name='eater'))

        asyncio.run(main())
        """,
}


@pytest.mark.parametrize("name", sorted(SAME_EVERYWHERE))
def test_same_stream_on_every_python(name, tmp_path):
    if len(INTERPS) < 2:
        pytest.skip("one Python found (set CORO_TUTOR_TEST_PYTHONS or install pyenv builds)")
    streams = {}
    for py in INTERPS:
        (tmp_path / py.version).mkdir()
        res = run_program(SAME_EVERYWHERE[name], tmp_path / py.version, python=py.path)
        assert res.returncode == 0, (py, res.texts("stderr"))
        streams[str(py)] = [
            (e["type"], e.get("from"), e.get("to"), e.get("via"), e.get("runner"), e.get("text"))
            for e in res.events
            if e["type"] != "end"
        ]
    first = next(iter(streams.values()))
    for py, s in streams.items():
        assert s == first, py


@by_version
def test_generator_finalized_at_exit_still_prints_before_end(py, tmp_path):
    res = run_program(
        """\
        def gen():
            try:
                yield 1
            finally:
                print('cleanup')

        class Noisy:
            def __del__(self):
                print('bye from __del__')

        g = gen()
        print(next(g), end=' ')
        n = Noisy()
        print('end of program')
        """,
        tmp_path,
        python=py.path,
    )
    assert res.returncode == 0, res.texts("stderr")
    assert res.lines() == [
        ("main", "1 end of program"),
        ("gen", "cleanup"),
        ("main", "bye from __del__"),
    ]
    assert res.events[-1]["type"] == "end"
    assert_consistent(res)
