"""The switch trace: who runs now, the switch events, and the hooks that say when the
runner may have changed.

Hooks: sys.monitoring on 3.12+, sys.setprofile on 3.10/3.11 (only when the program's
source mentions yield/await/async), greenlet.settrace (tracer_greenlet.py, calling
on_greenlet). A `switch` is sent when the runner differs from the one last reported.
Transitions into the asyncio event loop between task steps and into the gevent hub are
not reported on their own: the next runner is (task A -> task B, greenlet f -> f#2).
Output whose runner differs from the last reported one is preceded by a switch event
(output_runner), so the stream is always self-consistent.

Counting: the first CORO_TUTOR_CAP switch events are sent, then a `cap` event, then
switches are only counted. At 10x the cap the hooks are removed to give the program its
speed back; from then on `switches` (and `dropped`) in the `end` event are lower bounds.

Why this module is over the house's 500 lines (issue 10): it is one hot path. Every
hook (the 3.12+ callbacks, the 3.10/3.11 profile function, the greenlet hook) and every
helper they call per switch (on_resume/on_suspend, _report, _take_via, settle) assigns
the same switch state (_cur, _reported, _pending, _tent, _pend_g, _switches ...), and a
`global` statement binds only its own module's globals. Split off, each store would be a
module attribute store and each read an attribute load: measured on 3.11 here, a global
store costs ~23 ns, a module attribute store ~80 ns and a call to a helper that does the
store ~155 ns; a switch does 3-5 stores and ~10 reads, so +0.2-0.4 us on a switch that
costs ~1 us while counting (issue 12 measured every 10 % of it). What is not on that
path lives elsewhere: lesson code and the name registry (tracer_names.py), who is
running (tracer_who.py), the wire (tracer_wire.py), the blocking watch
(tracer_block.py), greenlet.settrace's installation (tracer_greenlet.py). Sections,
in order: state; the blocking watch's stores; reporting and counting;
generators (resume, suspend, close()/throw() through delegation, call detection);
greenlet; the 3.12+ callbacks (and the two that count past the cap); the 3.10/3.11
profile function; set-up.
"""

import sys
from time import perf_counter as _clock

from .tracer_names import (
    GENFLAGS,
    K_CORO,
    K_GEN,
    MAIN_IDENT,
    NO_INFO,
    PY,
    State,
    agen_value_yield,
    at_send,
    forget,
    get_ident,
    infos,
    lesson_frame,
    lesson_info,
    lesson_line,
    line_at,
    reg_get,
    register,
    resumer,
    task_tops_named,
    weak,
)
from .tracer_who import greenlet_name, name_for, runner_here
from .tracer_wire import Wire, flush, send_block, send_cap, send_switch

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
_cap = 2000  # switch events sent before only counting (CORO_TUTOR_CAP)
_unhook_at = 20000  # switches after which the hooks go (10x the cap)
_resumed = {}  # frame -> name of the runner that resumed it
_task_tops = set()  # frames of task coroutines in the middle of a step


class Hooks:
    hooked = False
    unhook = None  # function removing the switch hooks (None once removed)
    on_cap = None  # called at the cap: the send/next/throw detail is no longer needed
    hook_unhooks = []  # each removes a switch hook
    g_unhooks = []  # each removes the greenlet hook


_saved = {}  # weak(greenlet) -> runner that was running in it when it was switched out


def _unsave(key):
    _saved.pop(key, None)


OUT_WAITING = [False]  # set by a stream holding a partial line (cheap to test here)
OUT_STREAMS = []  # the program's sys.stdout/sys.stderr (tracer_streams.EventStream)


def _pieces_out():
    """Before a switch: a partial line is sent as a piece of the runner that wrote it,
    so the next runner's text is a piece of its own (no switch is invented)."""
    global _cur, _cur_via
    OUT_WAITING[0] = False
    cur, via = _cur, _cur_via
    for s in OUT_STREAMS:
        s.piece()
    _cur, _cur_via = cur, via


# The blocking watch (tracer_block.py): a stretch is an asyncio task step, or a gevent
# greenlet's run between two visits of the hub. Hot paths only store its start.
block_s = 0.05  # the threshold (CORO_TUTOR_BLOCK_MS); 0: no watch
step_t0 = 0.0  # clock() when the current stretch began; 0.0: none
step_who = None  # its runner
blocked = None  # (step_t0, line, call) set by tracer_block once the stretch passed block_s
_watching = False


def step_begin(name):
    """A stretch begins (the loop or hub handed control to runner `name`)."""
    global step_t0, step_who, _watching
    if not _watching:
        _watching = True
        from . import tracer_block

        tracer_block.start()
    step_t0 = _clock()
    step_who = name


def step_end():
    """The stretch ends (the loop or hub runs again): a `block` event if it was long."""
    global step_t0, blocked
    t0 = step_t0
    step_t0 = 0.0  # first: a tick from here on sees no stretch
    now = _clock()
    if now - t0 >= block_s:
        b = blocked
        blocked = None
        if b is None or b[0] != t0:
            b = (t0, None, None)  # nobody got to look (a busy machine)
        send_block(step_who, int((now - t0) * 1000), b[1], b[2], now)


_held = None  # where the last-named runner paused when no switch was sent then (a frame)


def _report(name, via, lf=None, tf=None):
    """The stream names a new runner: send (or, past the cap, count) a switch. `lf`: a
    frame of the runner that stops (its pause line, unless it paused earlier, unseen:
    _held), `tf`: of the one that goes on (its resume line)."""
    global _reported, _switches, _sent, _held
    if OUT_WAITING[0]:
        _pieces_out()
        if name == _reported:  # the piece's own switch named it already
            return
    if _switches >= _cap:
        # Only counting. A frame standing for a runner (see _name_new) that got its name
        # since is the same runner as that name.
        r = _reported
        if type(name) is not str or type(r) is not str:
            a = name if type(name) is str else reg_get(name)
            b = r if type(r) is str else reg_get(r)
            if (
                a is not None
                and b is not None
                and (a if type(a) is str else a[0]) == (b if type(b) is str else b[0])
            ):
                _reported = name
                return
        n = _switches = _switches + 1
        if n == 1:  # CORO_TUTOR_CAP=0: no switch events at all
            send_cap(0, _clock())
            _counting_only()
        if n >= _unhook_at:
            _unhook_now()
        _held = None
        _reported = name
        return
    n = _switches = _switches + 1
    if n <= _cap:
        _sent += 1
        now = _clock()
        h = _held
        if h is not None:
            _held = None
            lf = h
        send_switch(
            _reported,
            name,
            via,
            now,
            lf if type(lf) is int else lesson_line(lf),
            tf if type(tf) is int else lesson_line(tf),
        )
        if n == _cap:
            send_cap(_sent, now)
            flush()
            _counting_only()
    _reported = name


def _unhook_now():
    """Enough switches counted: the hooks go, the program gets its speed back."""
    if Hooks.unhook is not None:
        u, Hooks.unhook = Hooks.unhook, None
        u()


def counts():
    """(switches seen, switch events sent)."""
    return _switches, _sent


def hold(f):
    """The runner the stream last named pauses at frame f with no switch sent now (a
    task step ends, a greenlet switches to the hub): the next switch says that line."""
    global _held
    if _held is None and _switches < _cap:
        _held = lesson_frame(f)


def _counting_only():
    if Hooks.on_cap is not None:
        Hooks.on_cap()


def _switch(name, via, visible=True, lf=None, tf=None):
    global _cur_via, _cur
    _cur = name
    _cur_via = via
    if visible and name != _reported:
        _report(name, via, lf, tf)


def settle():
    """Commit what was left pending: a greenlet whose name was not known yet, a
    resume into a delegation that turned out to run its own code."""
    global _tent, _pend_g
    S = State
    p = _pend_g
    if p is not None:
        _pend_g = None
        g, via, lf = p
        name = None
        gm = S.greenlet
        here = gm is not None and gm.getcurrent() is g
        if here:
            name = greenlet_name(g, sys._getframe())
        else:
            name = greenlet_name(g)
        tf = sys._getframe(1) if here else g.gr_frame
        if tf is not None:  # it has just started: where its function begins
            while tf.f_back is not None:
                tf = tf.f_back
            tf = tf.f_code
        _switch(name or "greenlet", via, True, lf, tf)
    t = _tent
    if t is not None:
        _tent = None
        _switch(t[1], t[3], t[4], t[0].f_back, t[0])


def output_runner(runner, f=None):
    """Before an output event (written at frame f): make the switch stream agree with
    its runner. Such a switch knows where `to` is (f), not where `from` paused."""
    global _cur_via, _cur
    if _pend_g is not None or _tent is not None:
        settle()
    if runner != _reported:
        if get_ident() == MAIN_IDENT:
            via = _cur_via if runner == _cur else _unseen_via(f)
            _cur = runner
            _cur_via = via
        else:
            via = "thread"
        _report(runner, via, None, f)


def _unseen_via(f):
    """How a runner the hooks did not see resume got control: `close` when it goes on
    after a close()/throw() it delegated (3.11 reports no event for that), else `next`."""
    global _pending
    p = _pending
    if p is not None and p[0] == "close":
        while f is not None and not f.f_code.co_flags & GENFLAGS:
            f = f.f_back
        if f is not None and _frame_of(p[1]) is f:
            _pending = None
            return "close"
    return "next"


def _take_via(f, default):
    global _pending, _closing
    p = _pending
    if p is not None:
        _pending = None
        _closing = None
        via, obj = p
        if obj is None or _frame_of(obj) is f:
            return via
        if (via == "close" or via == "throw") and id(f) in _chain:
            # close()/throw() on a generator in a `yield from` goes to the innermost first
            _closing = (id(f), weak(obj))
            return via
    if default is not None:
        return default
    b = f.f_back
    if b is not None and at_send(b):
        return "await" if b.f_code.co_flags & 0x180 else "yield from"
    return "next"


def _frame_of(obj):
    a = _FRAME_ATTR.get(type(obj))
    return getattr(obj, a, None) if a is not None else None


_chain = ()  # with a close()/throw() pending: ids of the frames its generator delegates to


def _note_chain(obj):
    """close()/throw() is called on obj: note the frames it delegates to (yield from /
    await), at any depth, now (3.13 no longer says once the close has begun). By id: a
    reference would keep an ended generator's name reserved."""
    global _chain
    ids = []
    for _ in range(1000):
        obj = getattr(obj, "gi_yieldfrom", None) or getattr(obj, "cr_await", None)
        f = _frame_of(obj)
        if f is None:
            break
        ids.append(id(f))
    _chain = ids


# close()/throw() on a delegating generator T goes first to its innermost delegate F
# (_closing = (id(F), weak(T)) meanwhile, until the next send/next/... call at most); when
# F ends, CPython resumes T with what F raised or returned, part of the same
# close()/throw(): like close(), not a switch of its own (3.10 cannot tell that resume
# from an ordinary one, so it is made a pending close()).
_closing = None


def _name_new(f, base):
    """The runner name of a generator frame resumed for the first time. Past the cap no
    switch event names it: the frame itself stands for it in _cur/_reported (switches
    are still counted right), and it gets its name only if it writes output
    (runner_here), sparing the registry thousands of generators nobody sees."""
    return register(f, base) if _switches < _cap else f


def on_resume(f, info, deleg, via_default=None):
    """A lesson generator/coroutine frame starts or resumes."""
    global _cur_via, _cur, _closed_by, _going_on
    if deleg or info.kind != K_GEN or _pend_g is not None or _tent is not None:
        _on_resume_full(f, info, deleg, via_default)
        return
    # The common case: a plain generator resumed by its caller.
    r = reg_get(f)
    name = r[0] if r is not None else _name_new(f, f.f_code.co_name)
    _resumed[f] = _cur
    if _pending is not None or via_default is not None:
        via = _take_via(f, via_default)
    elif name != _reported and _switches < _cap:
        via = _take_via(f, None)
    else:
        via = "next"  # only counted: the detail does not matter
    _cur = name
    _cur_via = via
    if via == "close":
        if id(f) == _going_on:  # a delegator going on after its delegate's close()/throw()
            _going_on = None
        else:
            _closed_by = (f, _resumed.pop(f))
    elif name != _reported:
        _report(name, via, resumer(f), f)


# A generator resumed by close() (or finalized) ends there, whatever its last profile
# event looks like (3.11: a yield): (frame, who resumed it) until it suspends. Not so a
# delegator going on after its delegate ended (_going_on): it may catch and yield.
_closed_by = None
_going_on = None


def _on_resume_full(f, info, deleg, via_default):
    global _tent
    if _pend_g is not None:
        settle()
    t = _tent
    if t is not None and f.f_back is t[0]:
        _tent = None
        rf, via, visible = t[2], t[3], t[4]
        lf = t[0].f_back
    else:
        if t is not None:
            _tent = None
            _switch(t[1], t[3], t[4], t[0].f_back, t[0])
        lf = resumer(f)
        rf = _cur
        via = _take_via(f, via_default)
        visible = via != "close"  # close() is no switch of its own: same on every Python
    name, is_task = name_for(f, info)
    if is_task:
        if block_s and f not in _task_tops:
            step_begin(name)
        _task_tops.add(f)
        if via == "next":
            via = "task"
    _resumed[f] = rf
    if deleg:
        _tent = [f, name, rf, via, visible]
    else:
        _switch(name, via, visible, lf, f)


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
        or _closing is not None
    ):
        _on_suspend_full(f, kind, rf, b)
        return
    # The common case: a plain generator yields to the runner that resumed it.
    _cur = rf
    _cur_via = "yield"
    if rf != _reported:
        _report(rf, "yield", f, b)


def _on_suspend_full(f, kind, rf, b):
    global _closing, _pending, _closed_by, _going_on
    c = _closed_by
    if c is not None and c[0] is f:
        _closed_by = None
        kind = "return"
        rf = c[1]
    c = _closing
    if c is not None and c[0] == id(f):
        _closing = None
        # Ended by the close()/throw() (on 3.10 an exception passing through a `yield
        # from` leaves where it delegates, like a value passed up): its delegator T goes on.
        t = c[1]()
        if t is not None and (
            kind == "return" or (PY < (3, 11) and f.f_lasti in lesson_info(f.f_code).deleg)
        ):
            forget(f)
            _pending = ("close", t)
            _going_on = id(_frame_of(t))
            _switch(rf if rf is not None else runner_here(b), "return", True, f, b)
            return
    top = f
    if kind == "yield":
        if b is not None and f.f_code.co_flags & 0x200 and agen_value_yield(f):
            # An async generator's own `yield x`: the frame running `async for` takes the
            # value and goes on in the same task step (the loop does not run).
            target = runner_here(b)
        else:
            while b is not None and at_send(b):  # the value goes up past delegating frames
                top = b
                b = b.f_back
            if top is not f:
                rf = _resumed.get(top, rf)
            target = rf if rf is not None else runner_here(b)
    else:
        forget(f)
        if b is not None and at_send(b) and lesson_info(b.f_code).kind > 0:
            target = name_for(b, lesson_info(b.f_code))[0]  # the delegating frame goes on
            top = None
        else:
            target = rf if rf is not None else runner_here(b)
    task_step_ends = top is not None and top in _task_tops
    if task_step_ends:
        if top is f:
            _task_tops.discard(f)
        hold(f)
        if step_t0:
            step_end()
    _switch(target, kind, not task_step_ends, f, b)
    if task_step_ends and Wire.buf:
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
        if v == "close" or v == "throw":
            _note_chain(arg0)
        return True
    s = getattr(callable_, "__self__", None)
    if s is not None and type(s) in _GEN_TYPES and type(callable_) is _BuiltinMethod:
        v = _VIA_OF.get(callable_.__name__)
        if v is not None:
            _pending = (v, s)
            if v == "close" or v == "throw":
                _note_chain(s)
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
    if _pend_g is not None or _tent is not None:
        settle()
    from_hub = _cur == "hub"
    if getattr(origin, "dead", False):
        _saved.pop(weak(origin), None)
    else:
        _saved[weak(origin, _unsave)] = _cur  # weakly: a dropped greenlet is still collected
    via = "throw" if event == "throw" else "greenlet"
    r = _saved.pop(weak(target), None)
    # greenlet calls this on the target's stack: the origin is suspended (gr_frame)
    paused = origin.gr_frame if _switches < _cap else None
    fresh = r is None  # never switched out: it starts now
    if r is None:
        r = greenlet_name(target)
        if r is None:
            _pend_g = (target, via, lesson_frame(paused))
            return
    if r == "hub":
        if paused is not None:
            hold(paused)
        if step_t0:
            step_end()
        _switch(r, via, False)
        flush()  # the hub waits for I/O or timers: an idle point
    else:
        if from_hub and block_s:
            step_begin(r)
        _greenlet_to(r, via, paused, target, fresh)


def _greenlet_to(r, via, paused, target, fresh):
    if paused is not None or _switches < _cap:
        tf = None if fresh else lesson_frame(sys._getframe(2))
        if tf is None:  # it starts: where its function begins
            run = getattr(target, "_run", None) or getattr(target, "run", None)
            tf = getattr(run, "__code__", None)
            if tf is None:  # a plain greenlet's run is gone: its bottom frame's code
                tf = sys._getframe(2)
                while tf.f_back is not None:
                    tf = tf.f_back
                tf = tf.f_code
        _switch(r, via, True, paused, tf)
    else:
        _switch(r, via, True)


# --------------------------------------------------------------------------- 3.12+


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
    infos_get = infos.get
    info_of = lesson_info
    getframe = sys._getframe
    ident = get_ident
    MAIN = MAIN_IDENT

    names_get = reg_get
    resumed = _resumed
    task_tops = _task_tops
    task_named = task_tops_named.get

    def start(code, off, depth=1):  # depth 2: called by count_start
        global _cur, _cur_via, _tent
        info = infos_get(id(code)) or info_of(code)
        k = info.kind
        if k <= 0:
            return DISABLE
        if ident() != MAIN:
            return
        f = getframe(depth)
        if k == K_CORO and _tent is None and _pend_g is None and _pending is None:
            name = task_named(f)
            if name is not None:
                # an asyncio task step begins (the task's own coroutine resumes)
                if block_s:
                    step_begin(name)
                task_tops.add(f)
                resumed[f] = _cur
                if off in info.deleg:  # straight into an await: tentative, see on_resume
                    _tent = [f, name, _cur, "task", True]
                else:
                    _switch(name, "task", True, f.f_back, f)
                return
        p = _pending
        if (
            k != K_GEN
            or _tent is not None
            or _pend_g is not None
            or off in info.deleg
            or (p is not None and p[0] == "close")
        ):
            on_resume(f, info, off in info.deleg)
            return
        # on_resume's common case, inlined: a plain generator resumed (or started) by its
        # caller (next()/send() or a for loop)
        r = names_get(f)
        if r is not None:
            name = r[0]
        else:
            name = register(f, code.co_name) if _switches < _cap else f  # see _name_new
        resumed[f] = _cur
        _cur = name
        if p is not None or (name != _reported and _switches < _cap):
            _cur_via = _take_via(f, None)
        else:
            _cur_via = "next"
        if name != _reported:
            _report(name, _cur_via, resumer(f), line_at(code, off))

    def throw(code, off, exc):
        info = infos_get(id(code)) or info_of(code)
        if info.kind <= 0 or ident() != MAIN:
            return
        # A plain generator thrown into without a throw()/close() call from Python is
        # being finalized (garbage collected): like close(), not a switch of its own.
        quiet = _pending is None and info.kind == K_GEN
        on_resume(getframe(1), info, False, "close" if quiet else "throw")

    def yield_(code, off, val, depth=1):  # depth 2: called by count_yield
        global _cur, _cur_via, _tent
        info = infos_get(id(code)) or info_of(code)
        if info.kind <= 0:
            return DISABLE
        if ident() != MAIN:
            return
        f = getframe(depth)
        if _pend_g is None and f in task_tops:
            t = _tent
            if t is None or t[0] is f:
                # an asyncio task step ends: the event loop (not a runner) takes over
                b = f.f_back
                if b is None or not b.f_code.co_flags & GENFLAGS:
                    if t is not None:
                        _tent = None
                        _switch(t[1], t[3], t[4], t[0].f_back, f)
                    task_tops.discard(f)
                    rf = resumed.pop(f, None)
                    if rf is not None:
                        if _held is None:
                            hold(f)
                        if step_t0:
                            step_end()
                        _cur = rf
                        _cur_via = "yield"
                        if Wire.buf:
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
            _report(rf, "yield", line_at(code, off), b)

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

    plain = set()  # ids of plain generator codes that never delegate (the counting path)

    def is_plain(code):
        info = infos_get(id(code)) or info_of(code)
        if info.kind == K_GEN and not info.deleg:
            plain.add(id(code))
            return True
        return False

    def count_start(code, off):
        """Past the cap, start()'s common case: a plain generator resumed by its caller.
        A frame not named stands for itself (see _name_new): only a named one, a str, can
        be the same runner as a frame that got its name since."""
        global _cur, _reported, _switches
        if (
            (id(code) not in plain and not is_plain(code))
            or _tent is not None
            or _pend_g is not None
            or _pending is not None
            or ident() != MAIN
        ):
            return start(code, off, 2)
        f = getframe(1)
        r = names_get(f)
        name = f if r is None else r[0]  # see _name_new
        resumed[f] = _cur
        _cur = name  # (_cur_via is for switch events: none are sent now)
        if name != _reported:
            r = _reported
            if OUT_WAITING[0] or (type(r) is not str and names_get(r) is not None):
                _report(name, "next")  # a piece to send first, or maybe the same runner
                return
            _reported = name
            _switches += 1
            if _switches >= _unhook_at:
                _unhook_now()

    def count_yield(code, off, val):
        """Past the cap, yield_()'s common case: a plain generator yields to its caller."""
        global _cur, _reported, _switches
        if (
            id(code) not in plain
            or _tent is not None
            or _pend_g is not None
            or task_tops
            or ident() != MAIN
        ):
            return yield_(code, off, val, 2)
        f = getframe(1)
        rf = resumed.pop(f, None)
        if rf is None:
            return on_suspend(f, "yield")
        b = f.f_back
        if b is not None and b.f_code.co_flags & GENFLAGS:
            resumed[f] = rf
            return on_suspend(f, "yield")
        _cur = rf
        if rf != _reported:
            r = _reported
            if (
                OUT_WAITING[0]
                or (type(r) is not str and names_get(r) is not None)
                or (type(rf) is not str and names_get(rf) is not None)
            ):
                _report(rf, "yield")  # a piece to send first, or maybe the same runner
                return
            _reported = rf
            _switches += 1
            if _switches >= _unhook_at:
                _unhook_now()

    def on_cap():  # counting only: the send/next/throw detail is no longer needed
        try:
            M.set_events(tool, base)
            M.register_callback(tool, E.PY_START, count_start)
            M.register_callback(tool, E.PY_RESUME, count_start)
            M.register_callback(tool, E.PY_YIELD, count_yield)
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

    Hooks.on_cap = on_cap
    Hooks.hook_unhooks.append(unhook)
    return True


# --------------------------------------------------------------------------- 3.10/3.11


_others = set()  # files whose code is not the lesson's (decided by the file name alone)


def _profile(frame, event, arg):
    """The 3.10/3.11 switch hook (sys.setprofile). CPython calls it for every Python and
    C call and return in the thread, 38 times per asyncio event-loop step, so what is
    common comes first and costs few bytecodes: c_return at once, other files' code by
    one set lookup, and it keeps few local variables (each one costs on every call)."""
    global _pending, _cur, _cur_via, _reported, _switches
    if event == "c_call":
        if type(arg.__self__) in _GEN_TYPES:  # gen.send/throw/close, agen.asend/...
            v = _VIA_OF.get(arg.__name__)
            # past the cap only close() matters (it is not a switch)
            if v is not None and (_switches < _cap or v == "close"):
                _pending = (v, arg.__self__)
                if v == "close" or v == "throw":
                    _note_chain(arg.__self__)
        elif arg is next:
            if _switches < _cap:
                _pending = ("next", None)
        return
    if event == "c_return":
        return
    co = frame.f_code
    if co.co_filename in _others:
        return
    info = infos.get(id(co)) or _profile_info(co)
    if info.kind <= 0:
        return
    if event == "call":
        if info.kind == K_CORO:
            _profile_coro_resume(frame, info)
            return
        name = reg_get(frame)
        if (
            info.kind != K_GEN
            or _tent is not None
            or _pend_g is not None
            or (_pending is not None and _pending[0] == "close")
            or frame.f_lasti in info.deleg
            or frame.f_lasti in info.thrown
        ):
            # 3.11: thrown into with no throw()/close() call from Python: finalized (the
            # last reference dropped, or the collector), like close(): not a switch.
            lasti = frame.f_lasti
            quiet = lasti in info.thrown and _pending is None and info.kind == K_GEN
            on_resume(frame, info, lasti in info.deleg, "close" if quiet else None)
            return
        # on_resume's common case: a plain generator resumed (or started) by its caller
        if name is not None:
            name = name[0]
        else:
            name = register(frame, co.co_name) if _switches < _cap else frame  # _name_new
        if _pending is not None or (name != _reported and _switches < _cap):
            _cur_via = _take_via(frame, None)
        else:
            _cur_via = "next"
        _resumed[frame] = _cur
        _cur = name
        if name != _reported:
            if (
                _switches <= _cap  # (CORO_TUTOR_CAP=0: the first sends the cap event)
                or OUT_WAITING[0]
                or type(name) is str
                or type(_reported) is not str
            ):
                _report(name, _cur_via, resumer(frame) if _switches < _cap else None, frame)
            else:  # counting only, a frame not named (see _name_new): _report's count, inline
                _reported = name
                _switches += 1
                if _switches >= _unhook_at:
                    _unhook_now()
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
            if (
                _switches <= _cap
                or OUT_WAITING[0]
                or type(name) is not str
                or type(_reported) is str
                or reg_get(_reported) is not None
            ):
                _report(name, "yield", frame, frame.f_back)
            else:  # counting only, back from a frame not named: _report's count, inline
                _reported = name
                _switches += 1
                if _switches >= _unhook_at:
                    _unhook_now()


def _profile_info(co):
    info = lesson_info(co)
    if info is NO_INFO:
        _others.add(co.co_filename)
    return info


def _profile_coro_resume(f, info):
    """on_resume for a coroutine frame, with an asyncio task step (the task's own
    coroutine resuming, as on_resume would see it) done here."""
    global _cur, _cur_via, _tent
    if _tent is None and _pend_g is None and _pending is None:
        name = task_tops_named.get(f)
        if name is not None and (f.f_back is None or not f.f_back.f_code.co_flags & GENFLAGS):
            if block_s:
                step_begin(name)
            _task_tops.add(f)
            _resumed[f] = _cur
            if f.f_lasti in info.deleg:  # straight into an await: tentative
                _tent = [f, name, _cur, "task", True]
            else:
                _cur = name
                _cur_via = "task"
                if name != _reported:
                    _report(name, "task", f.f_back, f)
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
                    _report(t[1], t[3], t[0].f_back, f)
            _task_tops.discard(f)
            if _held is None:
                hold(f)
            if step_t0:
                step_end()
            _cur = rf
            _cur_via = "yield"
            if Wire.buf:
                _step_end_flush()
            return
    on_suspend(f, "yield")


def _install_profile():
    sys.setprofile(_profile)

    def unhook():
        if sys.getprofile() is _profile:
            sys.setprofile(None)

    Hooks.hook_unhooks.append(unhook)


# --------------------------------------------------------------------------- setup


def unhook_all():
    for u in Hooks.hook_unhooks + Hooks.g_unhooks:
        try:
            u()
        except Exception:
            pass
    Hooks.hook_unhooks = []
    Hooks.g_unhooks = []


def install(cap, source, block_ms=None):
    """Start the switch trace: send `cap` switch events (None: 2000), count to 10x the
    cap, then unhook; watch for blocking stretches past block_ms (None: 50, 0: off)."""
    global _cap, _unhook_at, block_s
    if cap is not None:
        _cap = cap
    if block_ms is not None:
        block_s = block_ms / 1000
    _unhook_at = max(10 * _cap, 1)
    if PY >= (3, 12):
        Hooks.hooked = _install_monitoring()
    elif b"yield" in source or b"await" in source or b"async" in source:
        _install_profile()
        Hooks.hooked = True
    Hooks.unhook = unhook_all
