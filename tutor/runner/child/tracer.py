"""The child side of a run: the wire, output attribution and the switch trace, set up
before the learner's program runs; `end` after it.

bootstrap.py loads this folder as the package `_coro_tutor` (by file path: never the
`tutor` package, never on sys.path), so these modules import each other relatively:

    tracer_wire.py      wire events: encoding, batching, the event fd
    tracer_names.py     lesson code, the runner-name registry
    tracer_who.py       who is running: threads, greenlets, tasks; attribution at write time
    tracer_switch.py    the switch state and events; the 3.12+ and 3.10/3.11 hooks
    tracer_block.py     the blocking watch (a timer signal, loaded at the first task step)
    tracer_greenlet.py  greenlet.settrace, once the program imports greenlet
    tracer_streams.py   the program's sys.stdout / sys.stderr

Stdlib only, and only modules that are cheap to import: no threading, asyncio, ssl,
json, re, runpy, dis (see NOTES.md, "Start-up costs").
"""

import os
import sys

from . import (
    tracer_greenlet,
    tracer_names,
    tracer_streams,
    tracer_switch,
    tracer_who,
    tracer_wire,
)
from .tracer_names import OWN_FILES, State
from .tracer_streams import EventStream
from .tracer_switch import settle, unhook_all
from .tracer_wire import after_fork_child, after_fork_parent, flush, send_end

_pid = os.getpid()  # the original process: the only one that sends `end`
_exception = None  # the class name of the program's uncaught exception
_streams = ()  # the program's sys.stdout and sys.stderr


def _after_fork_child():
    after_fork_child()
    tracer_switch.block_s = 0  # the timer (or watcher thread) stayed with the parent
    for s in (sys.stdout, sys.stderr):
        if isinstance(s, EventStream):
            s.drop_partial()  # the partial line belongs to (and is flushed by) the parent


def finish():
    """At exit: flush partial lines, settle the switch state, send `end` (only from
    the original process)."""
    tracer_switch.block_s = 0  # the blocking watch ends with the program
    if os.getpid() == _pid:
        _teardown_main()
    for s in _streams:
        try:
            s.piece()
        except Exception:
            pass
    if os.getpid() != _pid:
        flush()
        return
    try:
        settle()
    except Exception:
        pass
    n, sent = tracer_switch.counts()
    send_end(n, n - sent, _exception)


def _teardown_main():
    """What Python's shutdown would do right after us: drop __main__'s globals (first
    the _private ones, as CPython does) and collect, so that a suspended generator's
    `finally: print(...)` or a __del__ that prints still shows before `end`."""
    unhook_all()  # finalizers are not switches (the same on every Python)
    main = sys.modules.get("__main__")
    d = getattr(main, "__dict__", None)
    if not isinstance(d, dict) or d.get("__file__") not in State.lesson_files:
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
    global _streams
    env = os.environ
    fd = env.pop("CORO_TUTOR_EVENT_FD", None)
    tracer_wire.setup(int(fd) if fd is not None else None, t0)
    cap = env.pop("CORO_TUTOR_CAP", None)
    # Never in the learner's tracebacks (guard.py raises its refusals from an audit hook).
    here = os.path.dirname(os.path.abspath(__file__))
    OWN_FILES.update(os.path.join(here, n) for n in ("bootstrap.py", "guard.py"))
    OWN_FILES.add(__file__)
    mods = (tracer_greenlet, tracer_names, tracer_streams, tracer_switch, tracer_who, tracer_wire)
    for m in mods:
        OWN_FILES.add(m.__file__)
    OWN_FILES.add(os.path.join(here, "tracer_block.py"))
    tracer_names.setup(program)

    out = EventStream("stdout", 1, sys.__stdout__ or sys.stdout)
    err = EventStream("stderr", 2, sys.__stderr__ or sys.stderr)
    _streams = (out, err)
    tracer_switch.OUT_STREAMS[:] = _streams
    sys.stdout = out
    sys.stderr = err
    os.register_at_fork(
        before=flush, after_in_parent=after_fork_parent, after_in_child=_after_fork_child
    )
    os._exit = _os_exit
    import atexit

    atexit.register(finish)

    block = env.pop("CORO_TUTOR_BLOCK_MS", None)
    block_ms = int(block) if block and block.isdigit() else None
    tracer_switch.install(max(0, int(cap)) if cap else None, source, block_ms)
    tracer_greenlet.install()


def _ours(tb):
    return tb.tb_frame.f_code.co_filename in OWN_FILES


def _clean_tb(tb):
    """tb without our frames. Relinks only around them: each tb_next assignment walks the
    rest of the chain (CPython refuses loops), so relinking every entry of a deep
    recursion's traceback would take quadratic time."""
    while tb is not None and _ours(tb):
        tb = tb.tb_next
    prev = tb
    while prev is not None:
        nxt = prev.tb_next
        if nxt is not None and _ours(nxt):
            while nxt is not None and _ours(nxt):
                nxt = nxt.tb_next
            prev.tb_next = nxt
        prev = nxt
    return tb


def report_exception(e):
    """Print an uncaught exception like Python does, without our frames."""
    global _exception
    _exception = type(e).__name__
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
