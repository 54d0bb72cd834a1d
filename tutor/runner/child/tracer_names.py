# ruff: noqa: UP031  (%-formatting on purpose: cheap, no format-spec parsing)
"""Lesson code and the runner-name registry.

Lesson code is code whose file is the program or in the program's directory
(`lesson_info`: its kind, where it delegates, where a profile 'return' is a yield).
`register` names a runner the first time it is seen (`base`, `base#2`...) and the
registry never keeps a runner alive. Which runner is running (threads, greenlets, tasks,
attribution at write time) is tracer_who.py.
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
_sendoffs = {}  # id(code) -> _send_offsets(code)
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
    """(every f_lasti meaning "delegating", the ones meaning "suspended while delegating")."""
    s = _sendoffs.get(id(code))
    if s is None:
        every, waiting = set(), set()
        if code.co_flags & GENFLAGS:
            op_send, op_yield = _ops()[:2]
            b = code.co_code
            for i in range(0, len(b), 2):
                if b[i] == op_send:
                    every.update((i, i + 2))  # 3.12: f_lasti may sit on SEND's cache entry
                    # Suspended, the delegating frame sits on the YIELD_VALUE after SEND
                    # (3.13: on the RESUME after that; 3.10: on the instruction before
                    # YIELD_FROM, which it runs again when resumed); a throw()/close()
                    # passes it by without running it, so that is where it is seen then.
                    if PY < (3, 11):
                        waiting.add(i - 2)
                        continue
                    j = i + 2
                    while j < len(b) and b[j] == 0:  # CACHE
                        j += 2
                    if j < len(b) and b[j] == op_yield:
                        waiting.update((j, j + 2))
        s = _sendoffs[id(code)] = (frozenset(every | waiting), frozenset(waiting))
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


def lesson_line(f):
    """The line of the innermost lesson frame from f outwards (f may also be a code
    object: its first line), or None."""
    if type(f) is _CodeType:
        return f.co_firstlineno if lesson_info(f) is not NO_INFO else None
    while f is not None:
        co = f.f_code
        if lesson_info(co) is not NO_INFO:
            # f_lineno scans the code's line table; lesson codes are kept alive (their ids
            # stay theirs) and user-space addresses fit in 48 bits.
            k = (f.f_lasti << 48) | id(co)
            n = _lines.get(k)
            if n is None:
                n = _lines[k] = f.f_lineno
            return n
        f = f.f_back
    return None


_lines = {}  # (f_lasti, id(lesson code)) as one int -> the line there


def line_at(code, off):
    """The line of instruction `off` of lesson code `code` (3.12+: the hooks are given the
    offset, which is the frame's f_lasti then, so the cache is lesson_line's)."""
    k = (off << 48) | id(code)
    n = _lines.get(k)
    if n is None:
        for start, end, line in code.co_lines():
            if start <= off < end:
                n = line
                break
        _lines[k] = n
    return n


def lesson_frame(f):
    """The innermost lesson frame from f outwards, or None."""
    while f is not None and lesson_info(f.f_code) is NO_INFO:
        f = f.f_back
    return f


_CodeType = type(lesson_line.__code__)


def at_send(frame):
    """Is this frame suspended in a yield from / await, i.e. delegating?"""
    co = frame.f_code
    if not co.co_flags & GENFLAGS:
        return False
    return frame.f_lasti in _send_offsets(co)[0]


def resumer(f):
    """The frame that resumed generator frame f: its caller, past the delegators a
    throw()/close() went through while they stayed suspended."""
    b = f.f_back
    while b is not None and b.f_code.co_flags & GENFLAGS:
        if b.f_lasti not in _send_offsets(b.f_code)[1]:
            break
        b = b.f_back
    return b


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


def setup(program):
    """`program` is the absolute path of the learner's program."""
    State.lesson_dir = os.path.dirname(program)
    State.lesson_files = {program, os.path.basename(program)}  # see bootstrap's compile()
    _calibrate()
    register("main", "main")  # so that a task or generator called main becomes main#2
