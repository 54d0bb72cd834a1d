# ruff: noqa: UP031  (%-formatting on purpose: cheap, no format-spec parsing)
"""The program's sys.stdout and sys.stderr."""

import sys
from io import BufferedIOBase

from .tracer_switch import OUT_WAITING, output_runner
from .tracer_who import runner_here
from .tracer_wire import ENCODINGS, check_encodable, send_bytes, send_lines, send_output


def _split(text):
    """text as events: one per line (with its newline), a long one in PIECE pieces; in
    time proportional to its length."""
    out = []
    n = len(text)
    i = 0
    while i < n:
        j = text.find("\n", i, i + PIECE)
        j = i + PIECE if j < 0 else j + 1
        out.append(text[i:j])
        i = j
    return out


PIECE = 1 << 16  # a partial line longer than this is sent as a piece (characters)


def _split_bytes(b):
    """_split for bytes written to .buffer."""
    out = []
    n = len(b)
    i = 0
    while i < n:
        j = b.find(b"\n", i, i + PIECE)
        j = i + PIECE if j < 0 else j + 1
        out.append(b[i:j])
        i = j
    return out


class EventStream:
    """sys.stdout / sys.stderr: what the program writes becomes stdout/stderr events whose
    texts, read in order, are exactly what it wrote: one event per line (with its
    newline), a partial line as a piece of its own when another runner takes over (a
    reported switch, or a write from another runner), at exit, or past PIECE
    characters. Nothing goes to fd 1/2."""

    newlines = None
    line_buffering = True
    write_through = False
    mode = "w"

    def __init__(self, kind, fd, raw):
        self._kind = kind
        self._fd = fd
        self._raw = raw  # the original text stream on fd 1/2 (for .buffer)
        self.name = "<%s>" % kind
        self.encoding = getattr(raw, "encoding", None) or "utf-8"
        self.errors = getattr(raw, "errors", None) or "strict"
        enc = self.encoding.lower().replace("_", "-")
        if enc in ("utf-8", "utf8"):
            enc = "utf-8"
        if enc != "utf-8" or self.errors != "strict":
            ENCODINGS[kind] = (enc, self.errors)
        self._parts = []
        self._size = 0
        self._runner = None  # the runner of the partial line
        self._wf = None  # the frame and f_lasti of the write that started it
        self._wl = -1
        self.closed = False
        self._buffer = _Buffer(self)

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
        if not s.isascii():
            check_encodable(s, self._kind)  # raises as `python` would (print("\ud800"))
        f = sys._getframe().f_back  # None when C code writes at exit (SystemExit("bye"))
        if self._parts:
            if f is self._wf and f is not None and f.f_lasti == self._wl:  # print()'s newline
                runner = self._runner
            else:
                runner = runner_here(f)
                if runner != self._runner:
                    self.piece()  # another runner goes on with the line: its own piece
        else:
            runner = runner_here(f)
        nl = s.rfind("\n")
        if nl < 0:
            if not self._parts:
                self._runner = runner
                self._wf = f
                self._wl = f.f_lasti if f is not None else -1
                OUT_WAITING[0] = True
            self._parts.append(s)
            self._size += len(s)
            if self._size > PIECE:
                self.piece()
            return len(s)
        if nl + 1 < len(s):
            head, tail = s[: nl + 1], s[nl + 1 :]
        else:
            head, tail = s, ""
        if self._parts:
            self._parts.append(head)
            head = "".join(self._parts)
            self._parts = []
            self._size = 0
        output_runner(runner, f)
        if head.count("\n", 0, PIECE) == 1 and len(head) <= PIECE:
            send_output(self._kind, runner, head)
        else:
            send_lines(self._kind, runner, _split(head))
        if tail:
            self._parts = [tail]
            self._size = len(tail)
            self._runner = runner
            self._wf = f
            self._wl = f.f_lasti if f is not None else -1
            OUT_WAITING[0] = True
            if self._size > PIECE:
                self.piece()
        return len(s)

    def piece(self):
        """Send the partial line now, as a piece (its runner's)."""
        if self._parts:
            text = "".join(self._parts)
            runner = self._runner or "main"
            self._parts = []
            self._size = 0
            self._runner = None
            f, self._wf = self._wf, None
            output_runner(runner, f)
            send_lines(self._kind, runner, _split(text))

    def write_bytes(self, b, f):
        """Bytes written to .buffer by frame f: events in order with the text, the partial
        text line first as its own piece (python keeps that order too)."""
        if self.closed:
            raise ValueError("I/O operation on closed file.")
        if not b:
            return 0
        runner = runner_here(f)
        if self._parts:
            self.piece()
        output_runner(runner, f)
        send_bytes(self._kind, runner, _split_bytes(b))
        return len(b)

    def drop_partial(self):
        self._parts = []
        self._size = 0
        self._runner = None
        self._wf = None

    def writelines(self, lines):
        for s in lines:
            self.write(s)

    def flush(self):
        if self.closed:
            raise ValueError("I/O operation on closed file.")

    def close(self):
        self.piece()
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
        return self._buffer

    def __repr__(self):
        return "<_io.TextIOWrapper name='%s' mode='w' encoding='utf-8'>" % self.name


class _Buffer(BufferedIOBase):
    """sys.stdout.buffer / sys.stderr.buffer: bytes become events of the stream, in order
    with its text and attributed to the runner that wrote them (`python prog.py` keeps
    print() and buffer.write() in order; fd 1 directly would not)."""

    def __init__(self, stream):
        self._stream = stream
        self.name = stream.name
        self.mode = "wb"

    def write(self, b):
        if isinstance(b, str):
            raise TypeError("a bytes-like object is required, not 'str'")
        return self._stream.write_bytes(bytes(b), sys._getframe().f_back)

    def writable(self):
        return True

    def fileno(self):
        return self._stream.fileno()

    def isatty(self):
        return False

    @property
    def raw(self):
        return self._stream._raw.buffer.raw
