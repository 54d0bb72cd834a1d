# ruff: noqa: UP031  (%-formatting on purpose: cheap, no format-spec parsing)
"""Wire events, child -> parent: one JSON object per line on the inherited fd
CORO_TUTOR_EVENT_FD, each line written whole with one os.write:

    {"type":"stdout"|"stderr","runner":R,"text":T,"t":S}     (+ "b64":B, see _jtext)
    {"type":"switch","from":R,"to":R,"via":V,"line":L,"to_line":L,"t":S}
    {"type":"block","runner":R,"ms":N,"line":L,"call":C,"t":S}
    {"type":"cap","after":N,"t":S}
    {"type":"end","switches":N,"dropped":M,"exception":"Name"|null,"t":S}

`t` is seconds since the bootstrap started; events from a forked child carry "pid".
"""

import os
from _thread import RLock as _RLock
from time import perf_counter as _clock

try:  # the C string escaper of the json package, without importing json (and re)
    from _json import encode_basestring as _jenc
except ImportError:  # pragma: no cover - every CPython has _json
    _ESC = {i: "\\u%04x" % i for i in range(32)}
    _ESC.update({8: "\\b", 9: "\\t", 10: "\\n", 12: "\\f", 13: "\\r", 34: '\\"', 92: "\\\\"})

    def _jenc(s):
        return '"' + s.translate(_ESC) + '"'


_T0 = _clock()  # when the bootstrap started (setup)


class _Wire:
    """The wire's state: one instance, as setting a class attribute (per event) would
    invalidate the type attribute cache and update the type's slots each time."""

    __slots__ = ("fd", "ok", "pid_tag", "shared", "lock", "buf", "size", "since", "last")

    def __init__(self):
        self.fd = 2
        self.ok = True
        self.pid_tag = ""  # ',"pid":N' in a forked child
        self.shared = False  # a fork shares the pipe: writes must stay within PIPE_BUF
        self.lock = _RLock()
        self.buf = []  # switch/cap lines not yet written
        self.size = 0  # their length in characters
        self.since = 0.0  # clock() when the oldest of them was made
        self.last = 0.0  # clock() at the last write of buffered events


Wire = _Wire()


_PIPE_BUF = 4096  # writes up to this size are atomic on a pipe (forked writers)
_BATCH = 16384  # buffered characters written at once (one os.write, unless shared)
_MAX_AGE = 0.02  # a buffered switch event waits at most this long for company


def _jstr(s):
    """A JSON string literal for s that is always encodable as UTF-8 (lone surrogates
    become U+FFFD: not valid in UTF-8, and JSON decoders such as msgspec reject them even
    escaped)."""
    r = _jenc(s)
    if not r.isascii():
        try:
            r.encode("utf-8")
        except UnicodeEncodeError:
            r = _jenc(s.encode("utf-16", "surrogatepass").decode("utf-16", "replace"))
    return r


ENCODINGS = {}  # "stdout"/"stderr" -> (encoding, errors) of the real stream, when not UTF-8 strict


def check_encodable(s, kind):
    """Raise UnicodeEncodeError where `python prog.py` would: s is not ASCII."""
    enc = ENCODINGS.get(kind)
    if enc is None or enc[0] == "utf-8":
        try:
            s.encode("utf-8")
            return
        except UnicodeEncodeError:
            if enc is None:
                raise
    s.encode(enc[0], enc[1])


_ESCAPED = bytes(range(32)) + b'"\\'  # what a JSON string literal escapes in ASCII text
_LONG = 4096  # characters: a text this long is checked for plain ASCII first


def _long_event(kind, jr, text, t):
    """A long ASCII text's output event as bytes, built around the text's own bytes,
    when nothing but a last newline needs escaping (bytes.translate tells that 3x faster
    than the escaper's per-character loop, and a 50 MB line goes out with two copies of
    each piece instead of six); None otherwise."""
    b = text.encode("ascii")
    nl = text[-1] == "\n"
    if len(b.translate(None, _ESCAPED)) != len(b) - nl:
        return None
    head = '{"type":"%s","runner":%s,"text":"' % (kind, jr)
    tail = '%s","t":%.6f%s}\n' % ("\\n" if nl else "", t, Wire.pid_tag)
    return b"".join((head.encode("utf-8"), memoryview(b)[:-1] if nl else b, tail.encode()))


def _jtext(s, kind):
    """'"text":T' for an output event, plus ',"b64":B' (base64 of the exact bytes) when the
    bytes the program wrote are not T's UTF-8: lone surrogates (shown as U+FFFD in T),
    surrogateescape'd bytes, another encoding. Lossless and always valid UTF-8 JSON."""
    r = _jenc(s)
    if r.isascii():
        return '"text":' + r
    enc = ENCODINGS.get(kind)
    try:
        u = s.encode("utf-8")
    except UnicodeEncodeError:
        u = None
    if u is not None and (enc is None or enc[0] == "utf-8"):
        return '"text":' + r
    b = s.encode(enc[0], enc[1]) if enc is not None else s.encode("utf-8", "surrogatepass")
    if b == u:
        return '"text":' + r
    from binascii import b2a_base64

    return '"text":%s,"b64":"%s"' % (_jstr(s), b2a_base64(b, newline=False).decode("ascii"))


_jnames = {}  # runner name -> its JSON literal


def _jname(name):
    r = _jnames.get(name)
    if r is None:
        r = _jnames[name] = _jstr(name)
    return r


def _write(b):
    with Wire.lock:
        try:
            n = os.write(Wire.fd, b)
            if n < len(b):  # a big event: the rest without copying it again and again
                m = memoryview(b)
                while n < len(m):
                    n += os.write(Wire.fd, m[n:])
        except OSError:  # the parent went away: keep running, stop sending
            Wire.ok = False


def flush():
    """Write the buffered events: whole lines, in one write, or (once a fork shares the
    pipe) at most PIPE_BUF bytes a write."""
    W = Wire
    if not W.buf:
        return
    lines = W.buf
    W.buf = []
    W.size = 0
    if not W.ok:
        return
    data = "".join(lines).encode("utf-8")
    if len(data) <= _PIPE_BUF or not W.shared:
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
    W = Wire
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
    W = Wire
    if not W.buf:
        if now - W.last > _MAX_AGE:  # the first after a quiet spell goes out at once
            W.last = now
            _write(line.encode("utf-8"))
            return
        W.since = now
    W.buf.append(line)
    W.size += len(line)
    if W.size > _BATCH or now - W.since > _MAX_AGE:
        W.last = now
        flush()


def _queue_output(line):
    """Buffer an output line that is flushed right after (by the caller)."""
    W = Wire
    W.buf.append(line)
    W.size += len(line)
    if W.size > 1300:
        flush()


def _t():
    return _clock() - _T0


def send_output(kind, runner, text):
    """One piece of output: `text` as written (a line with its newline, or a piece)."""
    if len(text) > _LONG and text.isascii():
        b = _long_event(kind, _jname(runner), text, _t())
        if b is not None:
            flush()
            if Wire.ok:
                _write(b)
            return
    _send(
        '{"type":"%s","runner":%s,%s,"t":%.6f%s}\n'
        % (kind, _jname(runner), _jtext(text, kind), _t(), Wire.pid_tag)
    )


def send_lines(kind, runner, texts):
    """Several pieces from one write() (its lines): queued together, so they leave in as
    few os.write calls as fit (whole events, <= PIPE_BUF each), at once."""
    jr = _jname(runner)
    tag = Wire.pid_tag
    t = _clock() - _T0
    for text in texts:
        if len(text) > _LONG and text.isascii():
            b = _long_event(kind, jr, text, t)
            if b is not None:
                flush()
                if Wire.ok:
                    _write(b)
                continue
        _queue_output(
            '{"type":"%s","runner":%s,%s,"t":%.6f%s}\n' % (kind, jr, _jtext(text, kind), t, tag)
        )
    flush()


def send_bytes(kind, runner, chunks):
    """Pieces of bytes the program wrote to sys.stdout.buffer, in order with its text: each
    an output event whose text is their UTF-8 reading (U+FFFD where they are not UTF-8),
    with the exact bytes in b64 when that reading is not exact."""
    jr = _jname(runner)
    tag = Wire.pid_tag
    t = _clock() - _T0
    for b in chunks:
        s = b.decode("utf-8", "replace")
        if s.encode("utf-8") == b:
            jt = '"text":' + _jstr(s)
        else:
            from binascii import b2a_base64

            jt = '"text":%s,"b64":"%s"' % (_jstr(s), b2a_base64(b, newline=False).decode("ascii"))
        _queue_output('{"type":"%s","runner":%s,%s,"t":%.6f%s}\n' % (kind, jr, jt, t, tag))
    flush()


def send_switch(frm, to, via, now, line, to_line):
    _queue(
        '{"type":"switch","from":%s,"to":%s,"via":"%s","line":%s,"to_line":%s,"t":%.6f%s}\n'
        % (
            _jname(frm),
            _jname(to),
            via,
            "null" if line is None else line,
            "null" if to_line is None else to_line,
            now - _T0,
            Wire.pid_tag,
        ),
        now,
    )


def send_block(runner, ms, line, call, now):
    _queue(
        '{"type":"block","runner":%s,"ms":%d,"line":%s,"call":%s,"t":%.6f%s}\n'
        % (
            _jname(runner),
            ms,
            "null" if line is None else line,
            "null" if call is None else _jstr(call),
            now - _T0,
            Wire.pid_tag,
        ),
        now,
    )
    flush()


def send_cap(after, now):
    _queue('{"type":"cap","after":%d,"t":%.6f%s}\n' % (after, now - _T0, Wire.pid_tag), now)


def send_end(switches, dropped, exception):
    """The last event: nothing is sent after it."""
    exc = _jstr(exception) if exception else "null"
    _send(
        '{"type":"end","switches":%d,"dropped":%d,"exception":%s,"t":%.6f}\n'
        % (switches, dropped, exc, _t())
    )
    Wire.ok = False


def setup(fd, t0):
    """Send to fd (None: a dup of fd 2, handy when debugging by hand), `t` from t0."""
    global _T0
    if t0 is not None:
        _T0 = t0
    if fd is not None:
        Wire.fd = fd
        try:
            os.set_inheritable(fd, False)  # exec'd children must not hold the pipe
        except OSError:
            pass
    else:
        Wire.fd = os.dup(2)


def after_fork_parent():
    Wire.shared = True


def after_fork_child():
    Wire.shared = True
    Wire.lock = _RLock()
    Wire.pid_tag = ',"pid":%d' % os.getpid()
