"""Generators closed, thrown into and finalized: the switch stream is the same on every
Python (issue 12).

A generator finalized when its last reference goes (or by the collector) is thrown into
by CPython with no throw()/close() call from the program: like close(), that is not a
switch of its own (3.12+ shows none; 3.11 used to show one there and back). Explicit
next()/send()/throw()/close(), `for` loops and `yield from` chains give the same
switches on 3.10-3.13.
"""

from __future__ import annotations

import pytest

from tests.test_tracer import assert_consistent
from tests.test_tracer_support import interpreters, run_program

INTERPS = interpreters()

DROPS = """\
import gc

def countdown(n):
    try:
        while n > 0:
            yield n
            n -= 1
    except KeyError:
        print('never printed')

def primed(n):
    g = countdown(n)
    next(g)
    return g

def work():
    g = primed(5)
    h = countdown(2)          # never started
    print('drop: when work() returns')

def outer():
    r = yield from countdown(3)
    yield r

work()
print('after work')
x = primed(4)
y = primed(3)
print('drop: rebinding')
x = y
print('after rebinding')
print('drop: del')
del x
print('after del')
class Box:
    pass
b = Box()
b.me = b
b.g = primed(6)
o = outer()
next(o)
print('drop: a cycle, collected')
del b
gc.collect()
print('after collect')
print('drop: a yield from chain')
o = None
print('after chain')
many = [primed(2) for _ in range(70)]
print('drop: seventy')
many = None
print('after seventy')
left = [primed(9) for _ in range(3)]  # names freed by the finalized ones: countdown ...
print('last line')
"""


def _key(res):
    return [
        (e["type"], e.get("from"), e.get("to"), e.get("via"), e.get("runner"), e.get("text"))
        for e in res.events
        if e["type"] != "end"
    ]


def _switches_after_drops(res):
    """Switch events between a 'drop: ...' line and the next line (or the end)."""
    found = []
    dropping = None
    for e in res.events:
        if e["type"] == "stdout":
            dropping = e["text"] if e["text"].startswith("drop:") else None
        elif e["type"] == "switch" and dropping is not None:
            found.append((dropping.strip(), e["from"], e["to"], e["via"]))
    last = max(i for i, e in enumerate(res.events) if e.get("text") == "last line\n")
    found += [("after the last line", e["type"]) for e in res.events[last + 1 : -1]]
    return found


def _drop_params():
    for py in INTERPS:
        marks = []
        if py.version == "3.10":
            # 3.10's profile hook sees a finalizing throw exactly as a resume (same
            # f_lasti, same caller frame): see docs/runner-tracer.md, Known limits.
            marks = [pytest.mark.xfail(strict=True, reason="3.10 cannot tell finalization")]
        yield pytest.param(py, marks=marks, id=str(py))


@pytest.mark.parametrize("py", list(_drop_params()))
def test_finalized_generators_are_not_switches(py, tmp_path):
    res = run_program(DROPS, tmp_path, python=py.path)
    assert res.returncode == 0, res.texts("stderr")
    assert "never printed" not in res.texts()
    assert res.texts()[-1] == "last line"
    assert _switches_after_drops(res) == []
    assert ("main", "countdown", "next") in res.switches()  # the program's own resumes show
    assert_consistent(res)


def test_finalized_generators_same_stream_from_311(tmp_path):
    recent = [py for py in INTERPS if py.version != "3.10"]
    if len(recent) < 2:
        pytest.skip("fewer than two of Python 3.11-3.13 found")
    streams = {}
    for py in recent:
        (tmp_path / py.version).mkdir()
        streams[str(py)] = _key(run_program(DROPS, tmp_path / py.version, python=py.path))
    first = next(iter(streams.values()))
    for py, s in streams.items():
        assert s == first, py


EXPLICIT = """\
def gen(n):
    for i in range(n):
        yield i

def noisy():
    try:
        x = yield 'a'
        print('noisy got', x)
        yield 'b'
    except ValueError:
        print('noisy caught')
        yield 'c'
    finally:
        print('noisy cleanup')

def quiet():
    yield 1
    yield 2

def leaf():
    try:
        x = yield 'l1'
        print('leaf got', x)
        yield 'l2'
    except KeyError:
        print('leaf caught')
        yield 'l-after'
    finally:
        print('leaf cleanup')
    return 'leafdone'

def mid():
    r = yield from leaf()
    print('mid got', r)
    yield 'm'

def top():
    try:
        yield from mid()
    except ValueError:
        print('top caught')
        yield 't-caught'
    yield 't'

def catcher():
    try:
        yield 1
    except KeyError:
        return 'ret'

def wrap():
    r = yield from catcher()
    print('wrap got', r)
    yield 'w'

for x in gen(3):
    print('for', x)
print(list(gen(2)), sum(gen(4)), *gen(2))
a, b = gen(2)
g = gen(5)
print(next(g), next(g), g.send(None))
n = noisy()
print(next(n), n.send('hi'))
n.close()
print('closed noisy')
n = noisy()
next(n)
print(n.throw(ValueError))
n.close()
q = quiet()
next(q)
q.close()
print('closed quiet')
q = quiet()
try:
    q.throw(KeyError)
except KeyError:
    print('q raised')
t = top()
print(next(t), t.send('v'))
t.close()
print('closed top')
t = top()
print(next(t), t.throw(KeyError))
for v in t:
    print('v', v)
t = top()
next(t)
print(t.throw(ValueError), next(t))
t.close()
w = wrap()
next(w)
print(w.throw(KeyError))
w.close()
done = quiet()
for _ in done:
    pass
done.close()
for v in quiet():
    print('again', v)
t = top()
next(t)
t.close()
print('end')
"""


def test_explicit_close_and_throw_same_on_every_python(tmp_path):
    if len(INTERPS) < 2:
        pytest.skip("one Python found (set CORO_TUTOR_TEST_PYTHONS or install pyenv builds)")
    streams = {}
    for py in INTERPS:
        (tmp_path / py.version).mkdir()
        res = run_program(EXPLICIT, tmp_path / py.version, python=py.path)
        assert res.returncode == 0, (py, res.texts("stderr"))
        assert_consistent(res)
        streams[str(py)] = _key(res)
    first = next(iter(streams.values()))
    for py, s in streams.items():
        assert s == first, py


@pytest.mark.parametrize("py", INTERPS, ids=[str(i) for i in INTERPS])
def test_explicit_close_shows_only_when_the_generator_prints(py, tmp_path):
    """close() is no switch of its own: a generator that prints while closing shows (via
    `close`), one that does not is silent; the resumes a `for` loop makes after a caught
    throw() all show."""
    res = run_program(EXPLICIT, tmp_path, python=py.path)
    assert res.returncode == 0, res.texts("stderr")
    sw = [(e["from"], e["to"], e["via"]) for e in res.events if e["type"] == "switch"]
    stream = res.stream()
    # n.close() on noisy (prints while closing) then next(q); q.close() (prints nothing)
    i = stream.index(("stdout", "main", "c"))
    j = stream.index(("stdout", "main", "closed quiet"))
    assert [e[1:] for e in stream[i + 1 : j]] == [
        ("main", "noisy"),
        ("noisy", "noisy cleanup"),
        ("noisy", "main"),
        ("main", "quiet"),
        ("quiet", "main"),
    ]
    closing = [e for e in res.events if e["type"] == "switch" and e["via"] == "close"]
    assert [e["to"] for e in closing] == ["noisy", "noisy", "leaf", "top", "wrap", "leaf"]
    assert all(e["line"] is None for e in closing)  # forced by output: `to` is known only
    assert ("main", "quiet", "throw") in sw
    # after t.throw(KeyError) is caught in leaf, the for loop's resumes all show
    m = stream.index(("stdout", "main", "l1 l-after"))
    rest = stream[m : stream.index(("stdout", "main", "v t"))]
    assert ("stdout", "mid", "mid got leafdone") in rest
    assert ("switch", "main", "leaf") in rest and ("switch", "mid", "main") in rest
    assert_consistent(res)


MIXED_SWITCHES = """\
    def leaf(n):
        for i in range(n):
            got = yield i
            print('leaf got', got, end=' ')
        return n

    def mid(n):
        r = yield from leaf(n)
        print('mid', r)
        yield r

    def pair():
        a = mid(2)
        next(a)
        a.send('x')
        yield 'pair'
        for v in a:
            print('pair saw', v)

    gs = [leaf(3) for _ in range(4)]
    for g in gs:
        next(g)
    for g in gs:
        g.send('s')
    for v in pair():
        print('main saw', v)
    print(list(leaf(3)), sum(1 for _ in mid(2)))
    """


@pytest.mark.parametrize("py", INTERPS, ids=[str(i) for i in INTERPS])
def test_past_the_cap_the_count_is_the_switches_the_stream_would_have(py, tmp_path):
    """Counting past the cap has its own quick path (plain generators resumed by their
    caller); whatever the cap, the count is the uncapped stream's number of switches,
    and the output keeps its runners."""
    free = run_program(MIXED_SWITCHES, tmp_path, python=py.path)
    assert free.returncode == 0, free.texts("stderr")
    total = len(free.switches())
    assert free.end["switches"] == total > 30
    for cap in (5, 11, 23):
        (tmp_path / str(cap)).mkdir()
        capped = run_program(MIXED_SWITCHES, tmp_path / str(cap), python=py.path, cap=cap)
        assert capped.lines() == free.lines()
        assert capped.switches() == free.switches()[:cap]
        assert (capped.end["switches"], capped.end["dropped"]) == (total, total - cap), cap


@pytest.mark.parametrize("py", INTERPS, ids=[str(i) for i in INTERPS])
def test_past_the_cap_names_and_counts_are_as_without_it(py, tmp_path):
    """Generators first resumed past the cap are named when they write (not when they
    start: thousands of them would cost more than the program); the names and the switch
    count are the same as with no cap."""
    program = """\
        def gen(i):
            yield
            print('gen', i)
            yield

        gs = [gen(i) for i in range(6)]
        for g in gs:
            next(g)
        for g in gs:
            next(g)
        """
    (tmp_path / "capped").mkdir()
    capped = run_program(program, tmp_path / "capped", python=py.path, cap=3)
    free = run_program(program, tmp_path, python=py.path)
    assert capped.returncode == free.returncode == 0, capped.texts("stderr")
    assert capped.lines() == free.lines()
    assert len({r for r, _ in free.lines()}) == 6
    assert (capped.end["switches"], free.end["switches"]) == (24, 24)
    assert capped.end["dropped"] == 21
