# ruff: noqa: UP031  (%-formatting on purpose: cheap, no format-spec parsing)
"""Who is running: runner names of threads, greenlets (gevent's too) and asyncio tasks,
and attribution at write time (`runner_here`). The registry that numbers them, and what
lesson code is, live in tracer_names.py.

`runner_here` walks the stack when output is written: the innermost lesson generator or
async generator frame, else the await chain's owner (the current asyncio Task when the
chain's top is the task's coroutine, else the coroutine that was resumed by
send/next/throw), else the current greenlet, else the thread, else "main". It needs no
hook, so it stays right after the cap, after unhooking and under another profiler.
"""

import sys

from .tracer_names import (
    GENFLAGS,
    K_AGEN,
    K_CORO,
    K_GEN,
    MAIN_IDENT,
    State,
    at_send,
    get_ident,
    held_weakly,
    lesson_info,
    reg_get,
    register,
    task_tops_named,
    weak,
)


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


def _thread_runner():
    ident = get_ident()
    if ident == MAIN_IDENT:
        return "main"
    th = sys.modules.get("threading")
    t = getattr(th, "_active", {}).get(ident) if th is not None else None
    key = t if t is not None else ident  # idents are reused: key by the Thread object
    r = reg_get(key)
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
    r = reg_get(weak(g))
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
    r = reg_get(weak(task))
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
