# ruff: noqa: UP031  (%-formatting on purpose: cheap, no format-spec parsing)
"""Who is running: lesson code, runner names, attribution at write time.

Lesson code is code whose file is the program or in the program's directory.
`runner_here` walks the stack when output is written: the innermost lesson generator or
async generator frame, else the await chain's owner (the current asyncio Task when the
chain's top is the task's coroutine, else the coroutine that was resumed by
send/next/throw), else the current greenlet, else the thread, else "main". It needs no
hook, so it stays right after the cap, after unhooking and under another profiler.
"""

import os
import sys
from _thread import (
    get_ident,  # the real one, saved before gevent patches it
    start_new_thread,  # noqa: F401 - saved for tracer_block, see below
)
from _weakref import ref as weak
from time import sleep  # noqa: F401 - saved for tracer_block, see below

# tracer_block (the blocking watch) loads at the first task step, perhaps after
# monkey.patch_all(): it takes the real start_new_thread and sleep from here, imported
# before the program runs, or its thread would be a greenlet shown as a runner.

PY = sys.version_info[:2]
MAIN_IDENT = get_ident()
OWN_FILES = set()  # our files: never lesson code, filtered out of tracebacks

GENFLAGS = 0x20 | 0x80 | 0x100 | 0x200  # GENERATOR | COROUTINE | ITERABLE_COROUTINE | ASYNC_GEN
K_PLAIN, K_GEN, K_CORO, K_AGEN = 0, 1, 2, 3


class State:
    lesson_dir = None
    lesson_files = set()
    greenlet = None  # the greenlet module once the program imported it


def _is_lesson_file(fn):
    return fn in State.lesson_files or (
        fn.rpartition("/")[0] == State.lesson_dir and fn not in OWN_FILES
    )


class _Info:
    __slots__ = ("kind", "deleg", "yields", "thrown")

    def __init__(self, kind, deleg, yields, thrown=frozenset()):
        self.kind = kind
        self.deleg = deleg  # offsets at which a resume goes straight into yield from / await
        self.yields = yields  # offsets at which a 'return' profile event is a yield (3.10/3.11)
        # 3.11: offsets at which a 'call' profile event is an exception thrown in (throw(),
        # close(), finalization): a resume sits on the RESUME after the yield, a throw on
        # the YIELD_VALUE itself (or on RETURN_GENERATOR, not started). 3.10 cannot tell.
        self.thrown = thrown


NO_INFO = _Info(-1, frozenset(), frozenset())  # not lesson code
_PLAIN = _Info(K_PLAIN, frozenset(), frozenset())
infos = {}  # id(code) -> _Info: code objects hash slowly (their contents, every time)
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
            m.get("RETURN_GENERATOR", -1),
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


_valueoffs = {}  # id(code) -> frozenset of f_lasti values of an async generator's `yield x`


def agen_value_yield(frame):
    """Is this async generator frame suspended at its own `yield x` (the value goes to the
    `async for` that asked for it, in the same task step), not inside an await? 3.10: every
    YIELD_VALUE (awaits are YIELD_FROM); 3.11+: a YIELD_VALUE not behind SEND (and its
    caches). 3.13 reports f_lasti on the RESUME after it: both offsets count."""
    co = frame.f_code
    s = _valueoffs.get(id(co))
    if s is None:
        s = set()
        op_send, op_yield = _ops()[:2]
        b = co.co_code
        for i in range(0, len(b), 2):
            if b[i] != op_yield:
                continue
            j = i - 2
            while PY >= (3, 11) and j > 0 and b[j] == 0:  # CACHE entries
                j -= 2
            if PY < (3, 11) or j < 0 or b[j] != op_send:
                s.add(i)
                s.add(i + 2)
        s = _valueoffs[id(co)] = frozenset(s)
        _pinned.append(co)
    return frame.f_lasti in s


def lesson_info(code):
    info = infos.get(id(code))
    if info is not None:
        return info
    if not _is_lesson_file(code.co_filename):
        info = NO_INFO
    else:
        fl = code.co_flags
        if not fl & GENFLAGS or code.co_name == "<genexpr>":
            # A generator expression is not a runner: sum(x for x in xs) would otherwise
            # fill the timeline with switches nobody wrote.
            info = _PLAIN
        else:
            kind = K_AGEN if fl & 0x200 else K_CORO if fl & 0x180 else K_GEN
            op_send, op_yield, op_resume, op_jbni, op_retgen = _ops()
            b = code.co_code
            n = len(b)
            deleg = set()
            yields = set()
            thrown = set()
            for i in range(0, n, 2):
                op = b[i]
                if op == op_yield:
                    yields.add(i)
                    if PY == (3, 11):
                        thrown.add(i)
                elif op == op_retgen and PY == (3, 11):
                    thrown.add(i)
                elif PY < (3, 11):
                    if op == op_send and i >= 2:  # YIELD_FROM: f_lasti sits one before it
                        deleg.add(i - 2)
                        yields.add(i - 2)
                elif op == op_resume and i + 2 < n and b[i + 2] == op_jbni:
                    deleg.add(i)
            info = _Info(kind, frozenset(deleg), frozenset(yields), frozenset(thrown))
    infos[id(code)] = info
    _pinned.append(code)
    return info


def at_send(frame):
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
    free_from = {}  # base -> the lowest generator slot that may be free (many generators)
    refbase = None
    prune_base = None


_FEW = 64  # up to this many generators of one name, the lowest free number is searched


reg_get = _Reg.names.get
# The registry's dicts as module globals: register() runs once per generator (thousands).
_names, _live, _next = _Reg.names, _Reg.live, _Reg.next
_prune_at, _free_from = _Reg.prune_at, _Reg.free_from


def _fname(fn):
    """A callable's name as a learner knows it: `lambda@12` for a lambda (its line)."""
    n = getattr(fn, "__name__", None)
    if n is None:
        f = getattr(fn, "func", None)  # functools.partial
        n = getattr(f, "__name__", None) if f is not None else None
        fn = f
    if n == "<lambda>":
        co = getattr(fn, "__code__", None)
        return "lambda@%d" % co.co_firstlineno if co is not None else "lambda"
    return n if isinstance(n, str) else type(fn).__name__


def _alive(key):
    t = type(key)
    if t is str:  # the module-level runner, "main"
        return True
    if t is weak:  # a task or greenlet, held weakly (see held_weakly)
        key = key()
        if key is None:
            return False
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


def register(key, base):
    """Name a runner seen for the first time: `base`, or `base#N` when taken.

    A generator frame takes the lowest number no live runner holds, so a generator made
    afresh in a loop keeps its plain name. Tasks, greenlets and threads are numbered on:
    two of them started together often run one after the other, the first ending before
    the second is first seen, and the scheduler hop between them is not reported, so a
    reused name would hide that another runner took over.
    """
    r = _names.get(key)
    if r is not None:
        return r[0]
    slots = _live.get(base)
    if slots is None:
        slots = _live[base] = {}
    n = len(slots)
    frame = type(key) is _FrameType
    if frame:
        # Thousands of live generators: start at a hint (kept by forget) instead of
        # walking every live one each time, and drop the ended ones when the count doubles.
        i = 1 if n < _FEW else _free_from.get(base, 1)
    else:
        i = _next.get(base, 1)
    k = slots.get(i)
    while k is not None:
        if not _alive(k):
            _names.pop(k, None)
            break
        i += 1
        k = slots.get(i)
    if frame:
        _free_from[base] = i + 1
    else:
        _next[base] = i + 1
    if n >= _prune_at.get(base, _FEW):
        low = _prune(slots)
        _prune_at[base] = max(_FEW, 2 * len(slots))
        if frame and low is not None and low < _free_from[base]:
            _free_from[base] = low  # not 1: that walked every live one again
    slots[i] = key
    name = base if i == 1 else "%s#%d" % (base, i)
    _names[key] = (name, base, i)
    return name


def _prune(slots):
    """Drop the runners that ended, so the registry does not keep them alive; return the
    lowest slot freed (None: none). A frame is tested inline (thousands of them): its
    reference count here, with only the registry holding it, is _Reg.prune_base."""
    low = None
    names = _Reg.names
    dead_at = _Reg.prune_base
    count = sys.getrefcount
    for i, k in list(slots.items()):
        if count(k) <= dead_at if type(k) is _FrameType else not _alive(k):
            del slots[i]
            names.pop(k, None)
            if low is None or i < low:
                low = i
    return low


task_tops_named = {}  # frame of a task's own coroutine -> the task's runner name


def held_weakly(obj):
    """The registry's key for a task or greenlet: a weak reference, so that naming a runner
    never keeps it alive (a dropped Task must still be collected and warn, a dropped
    greenlet still get GreenletExit and run its `finally`, as without the tutor). Any
    other reference to `obj` (`weak(obj)`) finds it while it lives; when it dies, its
    entry goes."""
    return weak(obj, _collected)


def _collected(key):
    r = _Reg.names.pop(key, None)
    if r is not None:
        slots = _Reg.live.get(r[1])
        if slots is not None and slots.get(r[2]) is key:
            del slots[r[2]]


def forget(key):
    task_tops_named.pop(key, None)
    r = _Reg.names.pop(key, None)
    if r is not None:
        slots = _Reg.live.get(r[1])
        if slots is not None and slots.get(r[2]) is key:
            del slots[r[2]]
            if r[2] < _Reg.free_from.get(r[1], 1):
                _Reg.free_from[r[1]] = r[2]


def _calibrate():
    """How many references a frame has, seen from _alive() via register(), when only
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
    del k
    count = sys.getrefcount
    for _i, k in list(slots.items()):  # as _prune() sees it
        _Reg.prune_base = count(k)
    del _Reg.names[k]


def _count(key):
    return sys.getrefcount(key)


_FrameType = type(sys._getframe())


def _thread_runner():
    ident = get_ident()
    if ident == MAIN_IDENT:
        return "main"
    th = sys.modules.get("threading")
    t = getattr(th, "_active", {}).get(ident) if th is not None else None
    key = t if t is not None else ident  # idents are reused: key by the Thread object
    r = _Reg.names.get(key)
    if r is not None:
        return r[0]
    return register(key, _thread_base(t))


def _thread_base(t):
    """A thread's runner name: its target's ("Thread-3 (worker)" -> "worker"), else its
    name."""
    if t is None:
        return "thread"
    name = getattr(t, "name", None)
    if not isinstance(name, str):
        return "thread"
    if name.startswith("Thread-"):  # the default name: "Thread-3 (worker)" or "Thread-3"
        target = getattr(t, "_target", None)
        if target is not None:
            return _fname(target)
        if name.endswith(")") and " (" in name:
            return name[name.index(" (") + 2 : -1]
    return name


def _hub_like(g):
    t = type(g)
    return t.__name__ == "Hub" and t.__module__.startswith("gevent")


def _bottom_name(frame):
    last = None
    while frame is not None:
        last = frame
        frame = frame.f_back
    if last is None:
        return None
    co = last.f_code
    return co.co_name if co.co_name != "<lambda>" else "lambda@%d" % co.co_firstlineno


def _spawned_name(g, run):
    """The runner name of a gevent greenlet from what it runs: the spawned function; a
    Greenlet subclass's class; a thread (after monkey.patch_all) by its target; Pool.map's
    helper as map(f)."""
    owner = getattr(run, "__self__", None)
    if owner is g:
        return type(g).__name__ if type(g).__name__ != "Greenlet" else _fname(run)
    name = _fname(run)
    if owner is not None:
        th = sys.modules.get("threading")
        if th is not None and isinstance(owner, th.Thread):  # Thread._bootstrap
            return _thread_base(owner)
        if name.endswith("__map"):  # gevent.pool's map(): spawn(self.__map, func, ...)
            args = getattr(g, "args", ())
            if args:
                return "map(%s)" % _fname(args[0])
    return name


def greenlet_name(g, frame=None):
    """Runner name of greenlet g; None if it cannot be known yet (a plain greenlet that
    has not started: its `run` is gone when the trace callback fires)."""
    r = _Reg.names.get(weak(g))
    if r is not None:
        return r[0]
    if getattr(g, "parent", 0) is None:  # a thread's main greenlet
        return _thread_runner()
    if _hub_like(g):
        return "hub"
    run = getattr(g, "_run", None)  # gevent.Greenlet keeps the spawned function here
    base = _spawned_name(g, run) if run is not None else None
    if base is None:
        fr = frame if frame is not None else g.gr_frame
        base = _bottom_name(fr) if fr is not None else None
        if base == "run" and type(g).__module__ != "greenlet":
            base = type(g).__name__  # a greenlet subclass with its own run()
        if base is None:
            run = getattr(g, "run", None)
            if run is not None and g.gr_frame is None and not getattr(g, "dead", False):
                base = _fname(run)
                if getattr(run, "__self__", None) is g:
                    base = type(g).__name__  # a greenlet subclass with its own run()
    if base is None:
        return None
    return register(held_weakly(g), base)


def _current_task():
    aio = sys.modules.get("asyncio")
    if aio is None:
        return None
    try:
        return aio.current_task()
    except Exception:  # no running loop in this thread
        return None


def _task_name(task):
    r = _Reg.names.get(weak(task))
    if r is not None:
        return r[0]
    try:
        base = task.get_name()
    except Exception:
        base = None
    if not isinstance(base, str) or (base.startswith("Task-") and base[5:].isdigit()):
        coro = task.get_coro()
        base = getattr(coro, "__name__", None) or "task"
    return register(held_weakly(task), base)


def name_for(f, info):
    """(runner name, is a task step) for lesson generator/coroutine frame f."""
    if info.kind != K_CORO:
        return register(f, f.f_code.co_name), False
    n = task_tops_named.get(f)
    if n is not None:  # a task's own coroutine: it stays the task's for its life
        return n, True
    top = f
    b = f.f_back
    while b is not None and at_send(b):
        bi = lesson_info(b.f_code)
        if bi.kind == K_GEN or bi.kind == K_AGEN:
            return register(b, b.f_code.co_name), False
        top = b
        b = b.f_back
    task = _current_task()
    if task is not None:
        coro = task.get_coro()
        if getattr(coro, "cr_frame", None) is top or getattr(coro, "gi_frame", 1) is top:
            n = _task_name(task)
            task_tops_named[top] = n
            return n, True
    return register(top, top.f_code.co_name), False


def ambient_runner():
    gm = State.greenlet
    if gm is not None:
        try:
            g = gm.getcurrent()
        except Exception:
            g = None
        if g is not None and g.parent is not None:
            n = greenlet_name(g, sys._getframe())
            if n is not None:
                return n
    return _thread_runner()


def runner_here(f):
    """Who is running at frame f (attribution at write time)."""
    while f is not None:
        co = f.f_code
        if co.co_flags & GENFLAGS:
            info = lesson_info(co)
            if info.kind > 0:
                return name_for(f, info)[0]
        f = f.f_back
    return ambient_runner()


def setup(program):
    """`program` is the absolute path of the learner's program."""
    State.lesson_dir = os.path.dirname(program)
    State.lesson_files = {program, os.path.basename(program)}  # see bootstrap's compile()
    _calibrate()
    register("main", "main")  # so that a task or generator called main becomes main#2
