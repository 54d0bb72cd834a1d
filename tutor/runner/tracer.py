# ruff: noqa: UP031  (%-formatting on purpose: cheap, no format-spec parsing)
"""The child side of a run: wire events, output attribution and the switch trace.

Loaded by bootstrap.py (by file path, never as part of the `tutor` package) before the
learner's program runs. Stdlib only, and only modules that are cheap to import: no
threading, asyncio, ssl, json, re, runpy, dis (see NOTES.md, "Start-up costs").

Wire format (child -> parent): one JSON object per line on the inherited fd
CORO_TUTOR_EVENT_FD, each line written with one os.write:

    {"type":"stdout"|"stderr","runner":R,"text":T,"t":S}
    {"type":"switch","from":R,"to":R,"via":V,"t":S}
    {"type":"cap","after":N,"t":S}
    {"type":"end","switches":N,"dropped":M,"exception":"Name"|null,"t":S}

`t` is seconds since the bootstrap started; events from a forked child carry "pid".

Who is running (output attribution) is decided at write time by walking the stack
(`runner_here`): the innermost lesson generator or async generator frame, else the await
chain's owner (the current asyncio Task when the chain's top is the task's coroutine,
else the coroutine that was resumed by send/next/throw), else the current greenlet,
else the thread, else "main".

Switch events come from hooks: sys.monitoring on 3.12+, sys.setprofile on 3.10/3.11
(only when the program's source mentions yield/await/async), and greenlet.settrace,
installed right after the program imports greenlet. The hooks only say *when* the
runner may have changed; a `switch` is emitted when the runner differs from the one
last reported. Transitions into the asyncio event loop between task steps and into the
gevent hub are not reported on their own: the next runner is (task A -> task B, greenlet
f -> f#2). Any output whose runner differs from the last reported one is preceded by a
switch event, so the stream is always self-consistent.

Counting: the first CORO_TUTOR_CAP switch events are sent, then a `cap` event, then
switches are only counted. At 10x the cap the switch hooks are removed to give the
program its speed back; from then on `switches` (and `dropped`) in the `end` event are
lower bounds. Output attribution keeps working after that (it never needs the hooks).
"""

import os
import sys
from _thread import RLock as _RLock
from _thread import get_ident as _get_ident  # the real one, saved before gevent patches it
from time import perf_counter as _clock

try:  # the C string escaper of the json package, without importing json (and re)
    from _json import encode_basestring as _jenc
except ImportError:  # pragma: no cover - every CPython has _json
    _ESC = {i: "\\u%04x" % i for i in range(32)}
    _ESC.update({8: "\\b", 9: "\\t", 10: "\\n", 12: "\\f", 13: "\\r", 34: '\\"', 92: "\\\\"})

    def _jenc(s):
        return '"' + s.translate(_ESC) + '"'


_T0 = _clock()
_PY = sys.version_info[:2]
_MAIN_IDENT = _get_ident()
_HERE = os.path.dirname(os.path.abspath(__file__))
_OWN_FILES = set()  # filled by setup(): our files, filtered out of tracebacks

GENFLAGS = 0x20 | 0x80 | 0x100 | 0x200  # GENERATOR | COROUTINE | ITERABLE_COROUTINE | ASYNC_GEN
K_PLAIN, K_GEN, K_CORO, K_AGEN = 0, 1, 2, 3

# --------------------------------------------------------------------------- wire


class _Wire:
    fd = 2
    ok = True
    pid_tag = ""  # ',"pid":N' in a forked child
    lock = _RLock()
    buf = []  # switch/cap lines not yet written
    size = 0  # their length in characters
    since = 0.0  # clock() when the oldest of them was made
    last = 0.0  # clock() at the last write of buffered events


_PIPE_BUF = 4096  # writes up to this size are atomic on a pipe (forked writers)
_MAX_AGE = 0.02  # a buffered switch event waits at most this long for company


def _jstr(s):
    """A JSON string literal for s that is always encodable as UTF-8."""
    r = _jenc(s)
    if not r.isascii():
        try:
            r.encode("utf-8")
        except UnicodeEncodeError:
            # Lone surrogates: not valid in UTF-8, and JSON decoders (msgspec) reject
            # them even escaped. Show U+FFFD, as a UTF-8 terminal would.
            r = _jenc(s.encode("utf-16", "surrogatepass").decode("utf-16", "replace"))
    return r


_jnames = {}  # runner name -> its JSON literal


def _jname(name):
    r = _jnames.get(name)
    if r is None:
        r = _jnames[name] = _jstr(name)
    return r


def _write(b):
    with _Wire.lock:
        try:
            while b:
                n = os.write(_Wire.fd, b)
                b = b[n:]
        except OSError:  # the parent went away: keep running, stop sending
            _Wire.ok = False


def flush():
    """Write the buffered switch events: whole lines, at most PIPE_BUF bytes a write."""
    W = _Wire
    if not W.buf:
        return
    lines = W.buf
    W.buf = []
    W.size = 0
    if not W.ok:
        return
    data = "".join(lines).encode("utf-8")
    if len(data) <= _PIPE_BUF:
        _write(data)
        return
    chunk = []
    n = 0
    for line in lines:
        b = line.encode("utf-8")
        if n + len(b) > _PIPE_BUF and chunk:
            _write(b"".join(chunk))
            chunk = []
            n = 0
        chunk.append(b)
        n += len(b)
    if chunk:
        _write(b"".join(chunk))


def _send(line):
    """Send one event line now (output, end), after the buffered switch events. Each
    line goes out whole in one os.write."""
    W = _Wire
    if not W.ok:
        return
    if W.buf:
        if W.size + len(line) < _PIPE_BUF // 3:  # one write for all (even if 3 bytes/char)
            W.buf.append(line)
            line = None
        flush()
        if line is None:
            return
    _write(line.encode("utf-8"))


def _queue(line, now):
    """Buffer a switch/cap event line (one os.write per event costs ~10 us with the
    reader's wake-ups): written at once after a quiet spell, else with the next output
    event, when the buffer fills, when the oldest waited _MAX_AGE, at idle points
    (gevent hub, asyncio loop between task steps), before fork and at exit. A burst of
    switches followed by a blocking call without output (time.sleep between plain
    generator switches) can hold its last few events until the next event or exit;
    their `t` is exact either way."""
    W = _Wire
    if not W.buf:
        if now - W.last > _MAX_AGE:  # the first after a quiet spell goes out at once
            W.last = now
            _write(line.encode("utf-8"))
            return
        W.since = now
    W.buf.append(line)
    W.size += len(line)
    if W.size > 1300 or now - W.since > _MAX_AGE:
        W.last = now
        flush()


def _queue_output(line):
    """Buffer an output line that is flushed right after (by the caller)."""
    W = _Wire
    W.buf.append(line)
    W.size += len(line)
    if W.size > 1300:
        flush()


def _t():
    return _clock() - _T0


def send_output(kind, runner, text):
    _send(
        '{"type":"%s","runner":%s,"text":%s,"t":%.6f%s}\n'
        % (kind, _jname(runner), _jstr(text), _t(), _Wire.pid_tag)
    )


# --------------------------------------------------------------------------- naming


def _is_lesson_file(fn):
    return fn in _State.lesson_files or (
        fn.rpartition("/")[0] == _State.lesson_dir and fn not in _OWN_FILES
    )


class _Info:
    __slots__ = ("kind", "deleg", "yields")

    def __init__(self, kind, deleg, yields):
        self.kind = kind
        self.deleg = deleg  # offsets at which a resume goes straight into yield from / await
        self.yields = yields  # offsets at which a 'return' profile event is a yield (3.10/3.11)


_NO = _Info(-1, frozenset(), frozenset())  # not lesson code
_PLAIN = _Info(K_PLAIN, frozenset(), frozenset())
_infos = {}  # id(code) -> _Info: code objects hash slowly (their contents, every time)
_pinned = []  # ...so the codes seen are kept alive and their ids never reused
_sendoffs = {}  # id(code) -> frozenset of f_lasti values meaning "delegating" (SEND/YIELD_FROM)
_OPS = None


def _ops():
    global _OPS
    if _OPS is None:
        import opcode

        m = opcode.opmap
        _OPS = (
            m.get("SEND", m.get("YIELD_FROM")),
            m["YIELD_VALUE"],
            m.get("RESUME", -1),
            m.get("JUMP_BACKWARD_NO_INTERRUPT", -1),
        )
    return _OPS


def _send_offsets(code):
    s = _sendoffs.get(id(code))
    if s is None:
        s = set()
        if code.co_flags & GENFLAGS:
            op_send = _ops()[0]
            b = code.co_code
            for i in range(0, len(b), 2):
                if b[i] == op_send:
                    s.add(i)
                    s.add(i + 2)  # 3.12: f_lasti may sit on SEND's cache entry
        s = _sendoffs[id(code)] = frozenset(s)
        _pinned.append(code)
    return s


def _info(code):
    info = _infos.get(id(code))
    if info is not None:
        return info
    if not _is_lesson_file(code.co_filename):
        info = _NO
    else:
        fl = code.co_flags
        if not fl & GENFLAGS or code.co_name == "<genexpr>":
            # A generator expression is not a runner: sum(x for x in xs) would otherwise
            # fill the timeline with switches nobody wrote.
            info = _PLAIN
        else:
            kind = K_AGEN if fl & 0x200 else K_CORO if fl & 0x180 else K_GEN
            op_send, op_yield, op_resume, op_jbni = _ops()
            b = code.co_code
            n = len(b)
            deleg = set()
            yields = set()
            for i in range(0, n, 2):
                op = b[i]
                if op == op_yield:
                    yields.add(i)
                elif _PY < (3, 11):
                    if op == op_send and i >= 2:  # YIELD_FROM: f_lasti sits one before it
                        deleg.add(i - 2)
                        yields.add(i - 2)
                elif op == op_resume and i + 2 < n and b[i + 2] == op_jbni:
                    deleg.add(i)
            info = _Info(kind, frozenset(deleg), frozenset(yields))
    _infos[id(code)] = info
    _pinned.append(code)
    return info


def _at_send(frame):
    """Is this frame suspended in a yield from / await, i.e. delegating?"""
    co = frame.f_code
    if not co.co_flags & GENFLAGS:
        return False
    return frame.f_lasti in _send_offsets(co)


class _Reg:
    names = {}  # key (frame, greenlet, task, thread ident) -> (name, base, slot)
    live = {}  # base -> {slot: key}
    next = {}  # base -> the number the next task, greenlet or thread starts looking from
    prune_at = {}  # base -> how many slots trigger dropping the ended ones
    refbase = None


_names_get = _Reg.names.get


def _fname(fn):
    n = getattr(fn, "__name__", None)
    if n is None:
        f = getattr(fn, "func", None)  # functools.partial
        n = getattr(f, "__name__", None) if f is not None else None
    return n if isinstance(n, str) else type(fn).__name__


def _alive(key):
    t = type(key)
    if t is str:  # the module-level runner, "main"
        return True
    if t is _FrameType:
        # Nothing but our registry holds a frame whose generator is gone.
        return sys.getrefcount(key) > _Reg.refbase
    if t is int:  # thread ident
        th = sys.modules.get("threading")
        return th is None or key in getattr(th, "_active", (key,))
    is_alive = getattr(key, "is_alive", None)  # threading.Thread
    if is_alive is not None:
        try:
            return is_alive()
        except Exception:
            return False
    done = getattr(key, "done", None)  # asyncio Task
    if done is not None:
        try:
            return not done()
        except Exception:
            return False
    dead = getattr(key, "dead", None)  # greenlet
    return not dead


def _register(key, base):
    """Name a runner seen for the first time: `base`, or `base#N` when taken.

    A generator frame takes the lowest number no live runner holds, so a generator made
    afresh in a loop keeps its plain name. Tasks, greenlets and threads are numbered on:
    two of them started together often run one after the other, the first ending before
    the second is first seen, and the scheduler hop between them is not reported, so a
    reused name would hide that another runner took over.
    """
    r = _Reg.names.get(key)
    if r is not None:
        return r[0]
    slots = _Reg.live.get(base)
    if slots is None:
        slots = _Reg.live[base] = {}
    frame = type(key) is _FrameType
    i = 1 if frame else _Reg.next.get(base, 1)
    while True:
        k = slots.get(i)
        if k is None:
            break
        if not _alive(k):
            _Reg.names.pop(k, None)
            break
        i += 1
    if not frame:
        _Reg.next[base] = i + 1
        if len(slots) >= _Reg.prune_at.get(base, 64):
            _prune(slots)
            _Reg.prune_at[base] = max(64, 2 * len(slots))
    slots[i] = key
    name = base if i == 1 else "%s#%d" % (base, i)
    _Reg.names[key] = (name, base, i)
    return name


def _prune(slots):
    """Drop the runners that ended, so the registry does not keep them alive."""
    for i, k in list(slots.items()):
        if not _alive(k):
            del slots[i]
            _Reg.names.pop(k, None)


_task_tops_named = {}  # frame of a task's own coroutine -> the task's runner name


def _forget(key):
    _task_tops_named.pop(key, None)
    r = _Reg.names.pop(key, None)
    if r is not None:
        slots = _Reg.live.get(r[1])
        if slots is not None and slots.get(r[2]) is key:
            del slots[r[2]]


def _calibrate():
    """How many references a frame has, seen from _alive() via _register(), when only
    our registry holds it."""

    def g():
        yield sys._getframe()

    it = g()
    f = next(it)
    it.close()
    del it
    _Reg.names[f] = ("?", "?", 0)
    slots = {0: f}
    del f
    k = slots.get(0)
    _Reg.refbase = _count(k)
    del _Reg.names[k]


def _count(key):
    return sys.getrefcount(key)


_FrameType = type(sys._getframe())


def _thread_runner():
    ident = _get_ident()
    if ident == _MAIN_IDENT:
        return "main"
    th = sys.modules.get("threading")
    t = getattr(th, "_active", {}).get(ident) if th is not None else None
    key = t if t is not None else ident  # idents are reused: key by the Thread object
    r = _Reg.names.get(key)
    if r is not None:
        return r[0]
    base = "thread"
    if t is not None:
        name = getattr(t, "name", None)
        if isinstance(name, str):
            base = name
            if name.startswith("Thread-") and name.endswith(")") and " (" in name:
                base = name[name.index(" (") + 2 : -1]  # "Thread-3 (worker)" -> "worker"
    return _register(key, base)


def _hub_like(g):
    t = type(g)
    return t.__name__ == "Hub" and t.__module__.startswith("gevent")


def _bottom_name(frame):
    last = None
    while frame is not None:
        last = frame
        frame = frame.f_back
    return last.f_code.co_name if last is not None else None


def _greenlet_name(g, frame=None):
    """Runner name of greenlet g; None if it cannot be known yet (a plain greenlet that
    has not started: its `run` is gone when the trace callback fires)."""
    r = _Reg.names.get(g)
    if r is not None:
        return r[0]
    if getattr(g, "parent", 0) is None:  # a thread's main greenlet
        return _thread_runner()
    if _hub_like(g):
        return "hub"
    run = getattr(g, "_run", None)  # gevent.Greenlet keeps the spawned function here
    base = _fname(run) if run is not None else None
    if base is None:
        fr = frame if frame is not None else g.gr_frame
        base = _bottom_name(fr) if fr is not None else None
        if base is None:
            run = getattr(g, "run", None)
            if run is not None and g.gr_frame is None and not getattr(g, "dead", False):
                base = _fname(run)
    if base is None:
        return None
    return _register(g, base)


def _current_task():
    aio = sys.modules.get("asyncio")
    if aio is None:
        return None
    try:
        return aio.current_task()
    except Exception:  # no running loop in this thread
        return None


def _task_name(task):
    r = _Reg.names.get(task)
    if r is not None:
        return r[0]
    try:
        base = task.get_name()
    except Exception:
        base = None
    if not isinstance(base, str) or (base.startswith("Task-") and base[5:].isdigit()):
        coro = task.get_coro()
        base = getattr(coro, "__name__", None) or "task"
    return _register(task, base)


def name_for(f, info):
    """(runner name, is a task step) for lesson generator/coroutine frame f."""
    if info.kind != K_CORO:
        return _register(f, f.f_code.co_name), False
    n = _task_tops_named.get(f)
    if n is not None:  # a task's own coroutine: it stays the task's for its life
        return n, True
    top = f
    b = f.f_back
    while b is not None and _at_send(b):
        bi = _info(b.f_code)
        if bi.kind == K_GEN or bi.kind == K_AGEN:
            return _register(b, b.f_code.co_name), False
        top = b
        b = b.f_back
    task = _current_task()
    if task is not None:
        coro = task.get_coro()
        if getattr(coro, "cr_frame", None) is top or getattr(coro, "gi_frame", 1) is top:
            n = _task_name(task)
            _task_tops_named[top] = n
            return n, True
    return _register(top, top.f_code.co_name), False


def ambient_runner():
    gm = _State.greenlet
    if gm is not None:
        try:
            g = gm.getcurrent()
        except Exception:
            g = None
        if g is not None and g.parent is not None:
            n = _greenlet_name(g, sys._getframe())
            if n is not None:
                return n
    return _thread_runner()


def runner_here(f):
    """Who is running at frame f (attribution at write time)."""
    while f is not None:
        co = f.f_code
        if co.co_flags & GENFLAGS:
            info = _info(co)
            if info.kind > 0:
                return name_for(f, info)[0]
        f = f.f_back
    return ambient_runner()


# --------------------------------------------------------------------------- state


# The switch state, hot: module globals (storing attributes on a class would invalidate
# the type attribute cache on every switch).
_cur = "main"  # the runner running now (main thread)
_cur_via = "next"
_reported = "main"  # the runner the stream last named
_tent = None  # [frame, name, resumed_from, via, visible]: resumed into a delegation
_pend_g = None  # (greenlet, via): switched to, name not known yet
_pending = None  # (via, target object) from a send/next/throw/close call just made
_switches = 0  # switches seen (sent + only counted)
_sent = 0  # switch events sent
_cap = 10000  # switch events sent before only counting (CORO_TUTOR_CAP)
_unhook_at = 100000  # switches after which the hooks go (10x the cap)
_resumed = {}  # frame -> name of the runner that resumed it
_task_tops = set()  # frames of task coroutines in the middle of a step


class _State:
    lesson_dir = None
    lesson_files = set()
    greenlet = None  # the greenlet module once the program imported it
    saved = {}  # greenlet -> runner that was running in it when it was switched out
    hooked = False
    unhook = None  # function removing the switch hooks
    exception = None
    pid = os.getpid()


def _report(name, via):
    """The stream names a new runner: send (or, past the cap, count) a switch."""
    global _reported, _switches, _sent
    S = _State
    n = _switches = _switches + 1
    if n <= _cap:
        _sent += 1
        now = _clock()
        _queue(
            '{"type":"switch","from":%s,"to":%s,"via":"%s","t":%.6f%s}\n'
            % (_jname(_reported), _jname(name), via, now - _T0, _Wire.pid_tag),
            now,
        )
        if n == _cap:
            _queue(
                '{"type":"cap","after":%d,"t":%.6f%s}\n' % (_sent, now - _T0, _Wire.pid_tag), now
            )
            flush()
            _counting_only()
    else:
        if n == 1:  # CORO_TUTOR_CAP=0: no switch events at all
            now = _clock()
            _queue('{"type":"cap","after":0,"t":%.6f%s}\n' % (now - _T0, _Wire.pid_tag), now)
            _counting_only()
        if n >= _unhook_at and S.unhook is not None:
            u, S.unhook = S.unhook, None
            u()
    _reported = name


def _counting_only():
    f = getattr(_State, "on_cap", None)
    if f is not None:
        f()


def _switch(name, via, visible=True):
    global _cur_via, _cur
    _cur = name
    _cur_via = via
    if visible and name != _reported:
        _report(name, via)


def settle():
    """Commit what was left pending: a greenlet whose name was not known yet, a
    resume into a delegation that turned out to run its own code."""
    global _tent, _pend_g
    S = _State
    p = _pend_g
    if p is not None:
        _pend_g = None
        g, via = p
        name = None
        gm = S.greenlet
        if gm is not None and gm.getcurrent() is g:
            name = _greenlet_name(g, sys._getframe())
        else:
            name = _greenlet_name(g)
        _switch(name or "greenlet", via, True)
    t = _tent
    if t is not None:
        _tent = None
        _switch(t[1], t[3], t[4])


def output_runner(runner):
    """Before an output event: make the switch stream agree with its runner."""
    global _cur_via, _cur
    if _pend_g is not None or _tent is not None:
        settle()
    if runner != _reported:
        if _get_ident() == _MAIN_IDENT:
            via = _cur_via if runner == _cur else "next"
            _cur = runner
            _cur_via = via
        else:
            via = "thread"
        _report(runner, via)


def _take_via(f, default):
    global _pending
    p = _pending
    if p is not None:
        _pending = None
        via, obj = p
        if obj is None or _frame_of(obj) is f:
            return via
    if default is not None:
        return default
    b = f.f_back
    if b is not None and _at_send(b):
        return "await" if b.f_code.co_flags & 0x180 else "yield from"
    return "next"


def _frame_of(obj):
    a = _FRAME_ATTR.get(type(obj))
    return getattr(obj, a, None) if a is not None else None


def on_resume(f, info, deleg, via_default=None):
    """A lesson generator/coroutine frame starts or resumes."""
    global _cur_via, _cur
    if deleg or info.kind != K_GEN or _pend_g is not None or _tent is not None:
        _on_resume_full(f, info, deleg, via_default)
        return
    # The common case: a plain generator resumed by its caller.
    r = _names_get(f)
    name = r[0] if r is not None else _register(f, f.f_code.co_name)
    _resumed[f] = _cur
    if _pending is not None or via_default is not None:
        via = _take_via(f, via_default)
    elif name != _reported and _switches < _cap:
        via = _take_via(f, None)
    else:
        via = "next"  # only counted: the detail does not matter
    _cur = name
    _cur_via = via
    if name != _reported and via != "close":
        _report(name, via)


def _on_resume_full(f, info, deleg, via_default):
    global _tent
    if _pend_g is not None:
        settle()
    t = _tent
    if t is not None and f.f_back is t[0]:
        _tent = None
        rf, via, visible = t[2], t[3], t[4]
    else:
        if t is not None:
            _tent = None
            _switch(t[1], t[3], t[4])
        rf = _cur
        via = _take_via(f, via_default)
        visible = via != "close"  # close() is no switch of its own: same on every Python
    name, is_task = name_for(f, info)
    if is_task:
        _task_tops.add(f)
        if via == "next":
            via = "task"
    _resumed[f] = rf
    if deleg:
        _tent = [f, name, rf, via, visible]
    else:
        _switch(name, via, visible)


def on_suspend(f, kind):
    """A lesson generator/coroutine frame yields ('yield') or ends ('return': returned
    or raised)."""
    global _cur_via, _cur
    if _pend_g is not None or _tent is not None:
        settle()
    rf = _resumed.pop(f, None)
    b = f.f_back
    if (
        rf is None
        or kind != "yield"
        or _task_tops
        or (b is not None and b.f_code.co_flags & GENFLAGS)
    ):
        _on_suspend_full(f, kind, rf, b)
        return
    # The common case: a plain generator yields to the runner that resumed it.
    _cur = rf
    _cur_via = "yield"
    if rf != _reported:
        _report(rf, "yield")


def _on_suspend_full(f, kind, rf, b):
    top = f
    if kind == "yield":
        while b is not None and _at_send(b):  # the value goes up past delegating frames
            top = b
            b = b.f_back
        if top is not f:
            rf = _resumed.get(top, rf)
        target = rf if rf is not None else runner_here(b)
    else:
        _forget(f)
        if b is not None and _at_send(b) and _info(b.f_code).kind > 0:
            target = name_for(b, _info(b.f_code))[0]  # the delegating frame goes on
            top = None
        else:
            target = rf if rf is not None else runner_here(b)
    task_step_ends = top is not None and top in _task_tops
    if task_step_ends and top is f:
        _task_tops.discard(f)
    _switch(target, kind, not task_step_ends)
    if task_step_ends and _Wire.buf:
        _step_end_flush()


def _step_end_flush():
    """An asyncio task step ended: send the batched events before the event loop can
    wait (an idle point), but not while it has callbacks ready: then it runs them first
    (most often the next task's step), and writing after every step of a busy loop cost
    more than the tracing itself (one os.write and a reader wake-up per switch)."""
    ev = sys.modules.get("asyncio.events")
    try:
        if ev._get_running_loop()._ready:
            return
    except Exception:
        pass
    flush()


def on_call(callable_, arg0):
    """A call that may resume a generator: remember how (send/next/throw/close).
    Returns False when the call site cannot be one."""
    global _pending
    if callable_ is next:
        _pending = ("next", arg0 if type(arg0) in _GEN_TYPES else None)
        return True
    v = _METHODS.get(callable_)
    if v is not None:
        _pending = (v, arg0)
        return True
    s = getattr(callable_, "__self__", None)
    if s is not None and type(s) in _GEN_TYPES and type(callable_) is _BuiltinMethod:
        v = _VIA_OF.get(callable_.__name__)
        if v is not None:
            _pending = (v, s)
            return True
    return False


def _g():
    yield


async def _c():
    pass


async def _ag():
    yield


_co = _c()
_ago = _ag()
_GEN_TYPES = (type(_g()), type(_co), type(_ago))
_co.close()
_BuiltinMethod = type([].append)
_FRAME_ATTR = dict(zip(_GEN_TYPES, ("gi_frame", "cr_frame", "ag_frame"), strict=True))
_VIA_OF = {
    "send": "send",
    "throw": "throw",
    "close": "close",
    "__next__": "next",
    "asend": "send",
    "athrow": "throw",
    "aclose": "close",
    "__anext__": "next",
}
_METHODS = {}
for _t_ in _GEN_TYPES:
    for _n, _v in _VIA_OF.items():
        if hasattr(_t_, _n):
            _METHODS[getattr(_t_, _n)] = _v
del _co, _ago, _t_, _n, _v


# --------------------------------------------------------------------------- greenlet


def on_greenlet(event, origin, target):
    global _pend_g
    S = _State
    if _pend_g is not None or _tent is not None:
        settle()
    if getattr(origin, "dead", False):
        S.saved.pop(origin, None)
    else:
        S.saved[origin] = _cur
    via = "throw" if event == "throw" else "greenlet"
    r = S.saved.pop(target, None)
    if r is None:
        r = _greenlet_name(target)
        if r is None:
            _pend_g = (target, via)
            return
    if r == "hub":
        _switch(r, via, False)
        flush()  # the hub waits for I/O or timers: an idle point
    else:
        _switch(r, via, True)


def _install_greenlet(gm):
    _State.greenlet = gm
    if _State.unhook is None and _State.hooked:  # already past the unhook point
        return
    prev = gm.gettrace()

    def trace(event, args, _on=on_greenlet, _prev=prev):
        if event == "switch" or event == "throw":
            if _get_ident() == _MAIN_IDENT:
                try:
                    _on(event, args[0], args[1])
                except Exception:
                    pass
        if _prev is not None:
            _prev(event, args)

    gm.settrace(trace)
    _State.g_unhooks.append(lambda: gm.gettrace() is trace and gm.settrace(prev))


class _GreenletHook:
    """A meta-path finder that lets the import of greenlet happen, then installs
    greenlet.settrace. The tracer itself never imports greenlet."""

    def find_spec(self, name, path=None, target=None):
        if name != "greenlet":
            return None
        try:
            sys.meta_path.remove(self)
        except ValueError:
            pass
        import importlib.machinery as im

        spec = im.PathFinder.find_spec(name, path)
        if spec is None or spec.loader is None:
            return spec
        loader = spec.loader
        orig_exec = loader.exec_module

        def exec_module(module):
            orig_exec(module)
            try:
                _install_greenlet(module)
            except Exception:
                pass

        loader.exec_module = exec_module
        return spec


# --------------------------------------------------------------------------- hooks


def _install_monitoring():
    M = sys.monitoring
    E = M.events
    DISABLE = M.DISABLE
    tool = None
    for i in (4, 3, 2, 1, 0, 5):
        if M.get_tool(i) is None:
            tool = i
            break
    if tool is None:
        return False
    M.use_tool_id(tool, "coro-tutor")
    infos_get = _infos.get
    info_of = _info
    getframe = sys._getframe
    ident = _get_ident
    MAIN = _MAIN_IDENT

    names_get = _names_get
    resumed = _resumed
    task_tops = _task_tops
    task_named = _task_tops_named.get

    def start(code, off):
        global _cur, _cur_via, _tent
        info = infos_get(id(code)) or info_of(code)
        k = info.kind
        if k <= 0:
            return DISABLE
        if ident() != MAIN:
            return
        f = getframe(1)
        if k == K_CORO and _tent is None and _pend_g is None and _pending is None:
            name = task_named(f)
            if name is not None:
                # an asyncio task step begins (the task's own coroutine resumes)
                task_tops.add(f)
                resumed[f] = _cur
                if off in info.deleg:  # straight into an await: tentative, see on_resume
                    _tent = [f, name, _cur, "task", True]
                else:
                    _switch(name, "task")
                return
        if k != K_GEN or _pending is not None or _tent is not None or _pend_g is not None:
            on_resume(f, info, off in info.deleg)
            return
        # on_resume's common case, inlined: a plain generator resumed by its caller
        r = names_get(f)
        if r is None or off in info.deleg:
            on_resume(f, info, off in info.deleg)
            return
        name = r[0]
        resumed[f] = _cur
        _cur = name
        if name != _reported:
            via = _take_via(f, None) if _switches < _cap else "next"
            _cur_via = via
            _report(name, via)
        else:
            _cur_via = "next"

    def throw(code, off, exc):
        info = infos_get(id(code)) or info_of(code)
        if info.kind <= 0 or ident() != MAIN:
            return
        # A plain generator thrown into without a throw()/close() call from Python is
        # being finalized (garbage collected): like close(), not a switch of its own.
        quiet = _pending is None and info.kind == K_GEN
        on_resume(getframe(1), info, False, "close" if quiet else "throw")

    def yield_(code, off, val):
        global _cur, _cur_via, _tent
        info = infos_get(id(code)) or info_of(code)
        if info.kind <= 0:
            return DISABLE
        if ident() != MAIN:
            return
        f = getframe(1)
        if _pend_g is None and f in task_tops:
            t = _tent
            if t is None or t[0] is f:
                # an asyncio task step ends: the event loop (not a runner) takes over
                b = f.f_back
                if b is None or not b.f_code.co_flags & GENFLAGS:
                    if t is not None:
                        _tent = None
                        _switch(t[1], t[3], t[4])
                    task_tops.discard(f)
                    rf = resumed.pop(f, None)
                    if rf is not None:
                        _cur = rf
                        _cur_via = "yield"
                        if _Wire.buf:
                            _step_end_flush()
                        return
        if _tent is not None or _pend_g is not None or _task_tops:
            on_suspend(f, "yield")
            return
        # on_suspend's common case, inlined
        rf = resumed.pop(f, None)
        b = f.f_back
        if rf is None or (b is not None and b.f_code.co_flags & GENFLAGS):
            if rf is not None:
                resumed[f] = rf
            on_suspend(f, "yield")
            return
        _cur = rf
        _cur_via = "yield"
        if rf != _reported:
            _report(rf, "yield")

    def return_(code, off, val):
        info = infos_get(id(code)) or info_of(code)
        if info.kind <= 0:
            return DISABLE
        if ident() != MAIN:
            return
        on_suspend(getframe(1), "return")

    def unwind(code, off, exc):
        info = infos_get(id(code)) or info_of(code)
        if info.kind <= 0 or ident() != MAIN:
            return
        # "return" too: 3.10/3.11 cannot tell an exception from a return, and the stream
        # should be the same on every Python.
        on_suspend(getframe(1), "return")

    def call(code, off, callable_, arg0):
        info = infos_get(id(code)) or info_of(code)
        if info.kind < 0:
            return DISABLE
        if not on_call(callable_, arg0):
            return DISABLE

    M.register_callback(tool, E.PY_START, start)
    M.register_callback(tool, E.PY_RESUME, start)
    M.register_callback(tool, E.PY_THROW, throw)
    M.register_callback(tool, E.PY_YIELD, yield_)
    M.register_callback(tool, E.PY_RETURN, return_)
    M.register_callback(tool, E.PY_UNWIND, unwind)
    M.register_callback(tool, E.CALL, call)
    base = E.PY_START | E.PY_RESUME | E.PY_THROW | E.PY_YIELD | E.PY_RETURN | E.PY_UNWIND
    M.set_events(tool, base | E.CALL)

    def on_cap():  # counting only: the send/next/throw detail is no longer needed
        try:
            M.set_events(tool, base)
        except Exception:
            pass

    def unhook():
        try:
            M.set_events(tool, 0)
            for ev in (
                E.PY_START,
                E.PY_RESUME,
                E.PY_THROW,
                E.PY_YIELD,
                E.PY_RETURN,
                E.PY_UNWIND,
                E.CALL,
            ):
                M.register_callback(tool, ev, None)
            M.free_tool_id(tool)
        except Exception:
            pass

    _State.on_cap = on_cap
    _State.hook_unhooks.append(unhook)
    return True


_others = set()  # files whose code is not the lesson's (decided by the file name alone)


def _profile(frame, event, arg):
    """The 3.10/3.11 switch hook (sys.setprofile). CPython calls it for every Python and
    C call and return in the thread, 38 times per asyncio event-loop step, so what is
    common comes first and costs few bytecodes: c_return at once, other files' code by
    one set lookup, and it keeps few local variables (each one costs on every call)."""
    global _pending, _cur, _cur_via
    if event == "c_call":
        if type(arg.__self__) in _GEN_TYPES:  # gen.send/throw/close, agen.asend/...
            v = _VIA_OF.get(arg.__name__)
            # past the cap only close() matters (it is not a switch)
            if v is not None and (_switches < _cap or v == "close"):
                _pending = (v, arg.__self__)
        elif arg is next:
            if _switches < _cap:
                _pending = ("next", None)
        return
    if event == "c_return":
        return
    co = frame.f_code
    if co.co_filename in _others:
        return
    info = _infos.get(id(co)) or _profile_info(co)
    if info.kind <= 0:
        return
    if event == "call":
        if info.kind == K_CORO:
            _profile_coro_resume(frame, info)
            return
        name = _names_get(frame)
        if (
            info.kind != K_GEN
            or name is None
            or _tent is not None
            or _pend_g is not None
            or (_pending is not None and _pending[0] == "close")
            or frame.f_lasti in info.deleg
        ):
            on_resume(frame, info, frame.f_lasti in info.deleg)
            return
        # on_resume's common case: a plain generator resumed by its caller
        name = name[0]
        if _pending is not None or (name != _reported and _switches < _cap):
            _cur_via = _take_via(frame, None)
        else:
            _cur_via = "next"
        _resumed[frame] = _cur
        _cur = name
        if name != _reported:
            _report(name, _cur_via)
    elif event == "return":
        if (
            frame.f_lasti not in info.yields
            or _tent is not None
            or _pend_g is not None
            or _task_tops
        ):
            _profile_suspend(frame, info)
            return
        # on_suspend's common case: a plain generator yields to the runner that resumed it
        name = _resumed.get(frame)
        if name is None or (frame.f_back is not None and frame.f_back.f_code.co_flags & GENFLAGS):
            on_suspend(frame, "yield")
            return
        del _resumed[frame]
        _cur = name
        _cur_via = "yield"
        if name != _reported:
            _report(name, "yield")


def _profile_info(co):
    info = _info(co)
    if info is _NO:
        _others.add(co.co_filename)
    return info


def _profile_coro_resume(f, info):
    """on_resume for a coroutine frame, with an asyncio task step (the task's own
    coroutine resuming, as on_resume would see it) done here."""
    global _cur, _cur_via, _tent
    if _tent is None and _pend_g is None and _pending is None:
        name = _task_tops_named.get(f)
        if name is not None and (f.f_back is None or not f.f_back.f_code.co_flags & GENFLAGS):
            _task_tops.add(f)
            _resumed[f] = _cur
            if f.f_lasti in info.deleg:  # straight into an await: tentative
                _tent = [f, name, _cur, "task", True]
            else:
                _cur = name
                _cur_via = "task"
                if name != _reported:
                    _report(name, "task")
            return
    on_resume(f, info, f.f_lasti in info.deleg)


def _profile_suspend(f, info):
    """on_suspend, with the end of an asyncio task step (the event loop, not a runner,
    takes over) done here."""
    global _cur, _cur_via, _tent
    if f.f_lasti not in info.yields:
        on_suspend(f, "return")
        return
    t = _tent
    if (
        _pend_g is None
        and f in _task_tops
        and (t is None or t[0] is f)
        and (f.f_back is None or not f.f_back.f_code.co_flags & GENFLAGS)
    ):
        rf = _resumed.pop(f, None)
        if rf is not None:
            if t is not None:
                _tent = None
                if t[4] and t[1] != _reported:
                    _report(t[1], t[3])
            _task_tops.discard(f)
            _cur = rf
            _cur_via = "yield"
            if _Wire.buf:
                _step_end_flush()
            return
    on_suspend(f, "yield")


def _install_profile():
    sys.setprofile(_profile)

    def unhook():
        if sys.getprofile() is _profile:
            sys.setprofile(None)

    _State.hook_unhooks.append(unhook)


_State.hook_unhooks = []
_State.g_unhooks = []


def _unhook_all():
    for u in _State.hook_unhooks + _State.g_unhooks:
        try:
            u()
        except Exception:
            pass
    _State.hook_unhooks = []
    _State.g_unhooks = []


# --------------------------------------------------------------------------- output


class EventStream:
    """sys.stdout / sys.stderr: each line written becomes one stdout/stderr event,
    attributed to the runner that started the line. Nothing goes to fd 1/2."""

    encoding = "utf-8"
    errors = "strict"
    newlines = None
    line_buffering = True
    write_through = False
    mode = "w"

    def __init__(self, kind, fd, raw):
        self._kind = kind
        self._fd = fd
        self._raw = raw  # the original text stream on fd 1/2 (for .buffer)
        self.name = "<%s>" % kind
        self._parts = []
        self._size = 0
        self._runner = None
        self.closed = False

    # the I/O protocol
    def write(self, s):
        if type(s) is not str:
            if not isinstance(s, str):
                raise TypeError("write() argument must be str, not %s" % type(s).__name__)
            s = str(s)
        if self.closed:
            raise ValueError("I/O operation on closed file.")
        if not s:
            return 0
        runner = self._runner
        if runner is None:
            runner = self._runner = runner_here(sys._getframe().f_back)
        if "\n" not in s:
            self._parts.append(s)
            self._size += len(s)
            if self._size > 4096:
                self._emit("".join(self._parts), runner)
                self._parts = []
                self._size = 0
                self._runner = None
            return len(s)
        lines = s.split("\n")
        tail = lines.pop()
        if self._parts:
            self._parts.append(lines[0])
            lines[0] = "".join(self._parts)
            self._parts = []
        if len(lines) == 1:
            self._emit(lines[0], runner)
        else:
            self._emit_many(lines, runner)
        if tail:
            self._parts = [tail]
            self._size = len(tail)
            self._runner = runner_here(sys._getframe().f_back)
        else:
            self._size = 0
            self._runner = None
        return len(s)

    def _emit(self, text, runner):
        output_runner(runner)
        while len(text) > 4096:
            send_output(self._kind, runner, text[:4096])
            text = text[4096:]
        send_output(self._kind, runner, text)

    def _emit_many(self, lines, runner):
        """Several complete lines from one write(): queued together, so they leave in
        as few os.write calls as fit (whole lines, <= PIPE_BUF each), at once."""
        output_runner(runner)
        kind = self._kind
        jr = _jname(runner)
        tag = _Wire.pid_tag
        now = _clock()
        for text in lines:
            while True:
                part, text = text[:4096], text[4096:]
                _queue_output(
                    '{"type":"%s","runner":%s,"text":%s,"t":%.6f%s}\n'
                    % (kind, jr, _jstr(part), now - _T0, tag)
                )
                if not text:
                    break
        flush()

    def flush_partial(self):
        if self._parts:
            text = "".join(self._parts)
            runner = self._runner or "main"
            self._parts = []
            self._size = 0
            self._runner = None
            self._emit(text, runner)

    def drop_partial(self):
        self._parts = []
        self._size = 0
        self._runner = None

    def writelines(self, lines):
        for s in lines:
            self.write(s)

    def flush(self):
        if self.closed:
            raise ValueError("I/O operation on closed file.")

    def close(self):
        self.flush_partial()
        self.closed = True

    def fileno(self):
        return self._fd

    def isatty(self):
        return False

    def readable(self):
        return False

    def writable(self):
        return True

    def seekable(self):
        return False

    def reconfigure(self, **kwargs):
        pass

    def read(self, *a):
        raise OSError("not readable")

    readline = read

    def __enter__(self):
        return self

    def __exit__(self, *a):
        pass

    def __iter__(self):
        return iter(())

    @property
    def buffer(self):
        # Bytes written here bypass sys.stdout: they reach fd 1/2 and show as runner "?".
        return self._raw.buffer

    def __repr__(self):
        return "<_io.TextIOWrapper name='%s' mode='w' encoding='utf-8'>" % self.name


# --------------------------------------------------------------------------- setup / exit


def _after_fork_child():
    _Wire.lock = _RLock()
    _Wire.pid_tag = ',"pid":%d' % os.getpid()
    for s in (sys.stdout, sys.stderr):
        if isinstance(s, EventStream):
            s.drop_partial()  # the partial line belongs to (and is flushed by) the parent


def finish():
    """At exit: flush partial lines, settle the switch state, send `end` (only from
    the original process)."""
    if os.getpid() == _State.pid:
        _teardown_main()
    for s in (_State.out, _State.err):
        try:
            s.flush_partial()
        except Exception:
            pass
    if os.getpid() != _State.pid:
        flush()
        return
    try:
        settle()
    except Exception:
        pass
    S = _State
    exc = _jstr(S.exception) if S.exception else "null"
    _send(
        '{"type":"end","switches":%d,"dropped":%d,"exception":%s,"t":%.6f}\n'
        % (_switches, _switches - _sent, exc, _t())
    )
    _Wire.ok = False  # nothing after `end`


def _teardown_main():
    """What Python's shutdown would do right after us: drop __main__'s globals (first
    the _private ones, as CPython does) and collect, so that a suspended generator's
    `finally: print(...)` or a __del__ that prints still shows before `end`."""
    _unhook_all()  # finalizers are not switches (the same on every Python)
    main = sys.modules.get("__main__")
    d = getattr(main, "__dict__", None)
    if not isinstance(d, dict) or d.get("__file__") not in _State.lesson_files:
        return
    try:
        for private in (True, False):
            for k in list(d):
                if k != "__builtins__" and k.startswith("_") == private:
                    if private and k.startswith("__"):
                        continue
                    d[k] = None
        import gc

        gc.collect()
    except BaseException:
        pass


_real_exit = os._exit


def _os_exit(code):
    try:
        finish()
    finally:
        _real_exit(code)


def setup(program, source, t0=None):
    """Everything before the program runs. `program` is its absolute path."""
    global _T0, _cap, _unhook_at
    if t0 is not None:
        _T0 = t0
    env = os.environ
    fd = env.pop("CORO_TUTOR_EVENT_FD", None)
    if fd is not None:
        _Wire.fd = int(fd)
        try:
            os.set_inheritable(_Wire.fd, False)  # exec'd children must not hold the pipe
        except OSError:
            pass
    else:
        _Wire.fd = os.dup(2)
    cap = env.pop("CORO_TUTOR_CAP", None)
    if cap:
        _cap = max(0, int(cap))
    _unhook_at = max(10 * _cap, 1)
    # Never in the learner's tracebacks (guard.py raises its refusals from an audit hook).
    _OWN_FILES.update(os.path.join(_HERE, n) for n in ("tracer.py", "bootstrap.py", "guard.py"))
    _OWN_FILES.add(__file__)
    _State.lesson_dir = os.path.dirname(program)
    _State.lesson_files = {program, os.path.basename(program)}  # see bootstrap's compile()
    _calibrate()
    _register("main", "main")  # so that a task or generator called main becomes main#2

    out = EventStream("stdout", 1, sys.__stdout__ or sys.stdout)
    err = EventStream("stderr", 2, sys.__stderr__ or sys.stderr)
    _State.out, _State.err = out, err
    sys.stdout = out
    sys.stderr = err
    os.register_at_fork(before=flush, after_in_child=_after_fork_child)
    os._exit = _os_exit
    import atexit

    atexit.register(finish)

    # switch hooks
    if _PY >= (3, 12):
        _State.hooked = _install_monitoring()
    elif b"yield" in source or b"await" in source or b"async" in source:
        _install_profile()
        _State.hooked = True
    _State.unhook = _unhook_all
    if "greenlet" in sys.modules:
        _install_greenlet(sys.modules["greenlet"])
    else:
        sys.meta_path.insert(0, _GreenletHook())


def _clean_tb(tb):
    keep = []
    while tb is not None:
        if tb.tb_frame.f_code.co_filename not in _OWN_FILES:
            keep.append(tb)
        tb = tb.tb_next
    for a, b in zip(keep, keep[1:], strict=False):
        a.tb_next = b
    if keep:
        keep[-1].tb_next = None
        return keep[0]
    return None


def report_exception(e):
    """Print an uncaught exception like Python does, without our frames."""
    _State.exception = type(e).__name__
    seen = set()
    x = e
    stack = [e]
    while stack:
        x = stack.pop()
        if x is None or id(x) in seen:
            continue
        seen.add(id(x))
        try:
            x.__traceback__ = _clean_tb(x.__traceback__)
        except Exception:
            pass
        stack.append(x.__cause__)
        stack.append(x.__context__)
    try:
        sys.excepthook(type(e), e, e.__traceback__)
    except Exception:
        sys.__excepthook__(type(e), e, e.__traceback__)
