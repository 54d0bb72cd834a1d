"""The blocking watch: who kept the asyncio event loop or gevent's hub from running.

A stretch is an asyncio task step, or a gevent greenlet's run between two visits of the
hub; the switch hooks store when it began (tracer_switch.step_t0, a float: the whole cost
on the hot path). The `block` event is sent when the stretch ends (tracer_switch.step_end),
with how long it lasted: one event per stretch. Its line and call come from a look at the
main thread's stack once the stretch has passed the threshold, taken by a tick:

A POSIX timer (timer_create, through ctypes, set up at the first stretch) sends SIGURG to
the process at the moment the current stretch would pass the threshold. Python runs the
handler in the main thread between two bytecodes, or inside a blocking call such as
time.sleep, which the signal interrupts and which then goes on sleeping (PEP 475): the
handler's frame is where the runner is. The handler arms the timer for the next moment
worth a look. Why not a thread: on this kind of machine a thread that wakes while the main
thread runs spends ~4 ms of CPU fighting for the GIL each time, +10-30 % on a busy asyncio
loop; a tick costs the main thread one Python call. Why SIGURG: its default action is to
do nothing, so a tick that comes after the handler is gone (interpreter shutdown, a
program resetting its signals) changes nothing, and only sockets' out-of-band data uses it.

Where there is no ctypes or no timer, or the program handles SIGURG itself, a watcher
thread does the same: a bare _thread one (never `threading`, which gevent patches and which
would list it), started with the primitives tracer_names saved before the program ran
(this module loads at the first stretch, maybe after monkey.patch_all()), so that gevent
cannot turn it into a greenlet that the trace would show as a runner.
"""

import _signal
import sys
from time import perf_counter as _clock

from . import tracer_switch as S
from .tracer_names import MAIN_IDENT, OWN_FILES, State, lesson_frame, start_new_thread
from .tracer_names import sleep as _sleep

_lines = {}  # file -> its lines (for the call's text)
_arm = None  # arm(seconds): the timer's next tick
_last = 0.0  # the stretch last looked at (its step_t0)


def start():
    global _arm
    limit = S.block_s
    try:
        if _signal.getsignal(_signal.SIGURG) == _signal.SIG_DFL:
            _arm = _timer()
        if _arm is not None:
            _signal.signal(_signal.SIGURG, _tick)
            _arm(limit)
            return
    except Exception:  # no timer: the thread
        _arm = None
    try:
        start_new_thread(_watch, ())
    except Exception:  # no threads (RLIMIT_NPROC): blocks are reported without a line
        pass


def _timer():
    """arm(seconds) for a one-shot CLOCK_MONOTONIC timer that sends SIGURG, or None."""
    saved = sys.path[:]
    try:  # the stdlib's ctypes, never a ctypes.py in the program's folder
        sys.path[:] = [p for p in saved if p.startswith(sys.base_prefix)]
        import ctypes
    except Exception:
        return None
    finally:
        sys.path[:] = saved
    libc = ctypes.CDLL(None, use_errno=True)
    event = (ctypes.c_int * 16)()  # struct sigevent: sigev_value (8 bytes), signo, notify
    event[2] = _signal.SIGURG
    event[3] = 0  # SIGEV_SIGNAL
    timer = ctypes.c_void_p()
    if libc.timer_create(1, ctypes.byref(event), ctypes.byref(timer)) != 0:  # MONOTONIC
        return None
    spec = (ctypes.c_long * 4)()  # struct itimerspec: interval (s, ns) = 0, value (s, ns)
    settime = libc.timer_settime
    ref = ctypes.byref(spec)

    def arm(seconds):
        ns = max(int(seconds * 1e9), 100_000)
        spec[2], spec[3] = divmod(ns, 1_000_000_000)
        settime(timer, 0, ref, None)

    return arm


def _tick(signum, frame):
    """The timer's signal: look at the stretch if it has passed the threshold, then arm
    the timer for when the current one would; else in one threshold, the latest moment
    that still sees a stretch begun just after this tick before it passes the threshold."""
    global _last
    try:
        limit = S.block_s
        if limit <= 0:  # the program ends: no more ticks
            return
        t0 = S.step_t0
        due = limit
        if t0 and t0 != _last:
            due = t0 + limit - _clock()
            if due <= 0:
                _last = t0
                _sample(t0, frame)
                due = limit
        _arm(due)
    except Exception:
        pass


def _watch():
    """The thread's loop: sleep until the current stretch would pass the threshold."""
    last = 0.0
    while True:
        limit = S.block_s
        if limit <= 0:  # the program ends (or forked): stop watching
            return
        t0 = S.step_t0
        if not t0 or t0 == last:
            _sleep(limit / 2)
            continue
        due = t0 + limit - _clock()
        if due > 0:
            _sleep(due)
            continue
        try:
            f = sys._current_frames().get(MAIN_IDENT)
            if S.step_t0 == t0:  # not back in the loop meanwhile
                _sample(t0, f)
        except Exception:
            pass
        last = t0


def _sample(t0, f):
    """Where the main thread is (f, its innermost frame): the lesson line and call."""
    lf = lesson_frame(f)
    if lf is None:
        S.blocked = (t0, None, None)
        return
    S.blocked = (t0, lf.f_lineno, _call(lf, f))


def _call(lf, f):
    """What the lesson frame lf is calling: the Python function above it (module.name),
    else the callee of the call expression it is executing (e.g. time.sleep, a C
    function), read from its source text."""
    above = None
    while f is not None and f is not lf:
        if f.f_code.co_filename not in OWN_FILES:  # a hook of ours may be on top
            above = f
        f = f.f_back
    if above is not None:
        co = above.f_code
        mod = above.f_globals.get("__name__")
        name = getattr(co, "co_qualname", co.co_name)
        return mod + "." + name if isinstance(mod, str) else name
    co = lf.f_code
    text = _source_line(co.co_filename, lf.f_lineno)
    if text is None:
        return None
    positions = getattr(co, "co_positions", None)
    if positions is not None:  # 3.11+: the span of the instruction being executed
        import opcode

        i = lf.f_lasti
        if "CALL" not in opcode.opname[co.co_code[i]]:
            return None
        pos = list(positions())[i // 2]
        if pos[0] == pos[1] == lf.f_lineno and pos[2] is not None and pos[3] is not None:
            return _callee(_cols(text, pos[2], pos[3]))
    return _first_call(text)


def _cols(text, start, end):
    """Columns in co_positions count UTF-8 bytes."""
    b = text.encode("utf-8")
    return b[start:end].decode("utf-8", "replace")


def _callee(expr):
    """ "time.sleep" for "time.sleep(0.3)": the text before the argument list."""
    expr = expr.strip()
    if not expr.endswith(")"):
        return None
    depth = 0
    for i in range(len(expr) - 1, -1, -1):
        c = expr[i]
        if c == ")":
            depth += 1
        elif c == "(":
            depth -= 1
            if depth == 0:
                name = expr[:i].strip()
                return name if name else None
    return None


def _first_call(text):
    """The first dotted name followed by "(" in a line (3.10 has no column positions)."""
    n = len(text)
    i = 0
    while i < n:
        c = text[i]
        if c == "#":
            return None
        if c.isalpha() or c == "_":
            j = i
            while j < n and (text[j].isalnum() or text[j] in "_."):
                j += 1
            word = text[i:j]
            k = j
            while k < n and text[k] == " ":
                k += 1
            if k < n and text[k] == "(" and word not in _KEYWORDS:
                return word
            i = j
        else:
            i += 1
    return None


_KEYWORDS = {"if", "while", "for", "return", "await", "yield", "not", "and", "or", "in", "elif"}


def _source_line(filename, lineno):
    lines = _lines.get(filename)
    if lines is None:
        path = filename
        if "/" not in path and State.lesson_dir:  # the program is compiled by basename
            path = State.lesson_dir + "/" + path
        try:
            with open(path, "rb") as fh:
                lines = fh.read().decode("utf-8", "replace").splitlines()
        except OSError:
            lines = []
        _lines[filename] = lines
    return lines[lineno - 1] if 0 < lineno <= len(lines) else None
