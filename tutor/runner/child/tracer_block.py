"""The blocking watch: who kept the asyncio event loop or gevent's hub from running.

A stretch is an asyncio task step, or a gevent greenlet's run between two visits of the
hub; the switch hooks store when it began (tracer_switch.step_t0, a float: the whole cost
on the hot path). A watcher thread, started at the first stretch, sleeps until the
current stretch would pass the threshold and only then looks at the main thread's stack
(sys._current_frames): the line and the call it is in. The `block` event is sent when the
stretch ends (tracer_switch.step_end), with how long it lasted: one event per stretch.

The thread is a bare _thread one (never `threading`, which gevent patches and which would
list it), started with the primitives tracer_names saved before the program ran (this
module loads at the first stretch, maybe after monkey.patch_all()), so that gevent cannot
turn it into a greenlet that the trace would show as a runner.
"""

import sys
from time import perf_counter as _clock

from . import tracer_switch as S
from .tracer_names import MAIN_IDENT, OWN_FILES, State, lesson_frame, start_new_thread
from .tracer_names import sleep as _sleep

_lines = {}  # file -> its lines (for the call's text)


def start():
    try:
        start_new_thread(_watch, ())
    except Exception:  # no threads (RLIMIT_NPROC): no blocking report
        pass


def _watch():
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
            _sample(t0)
        except Exception:
            pass
        last = t0


def _sample(t0):
    f = sys._current_frames().get(MAIN_IDENT)
    if S.step_t0 != t0:  # it came back meanwhile
        return
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
