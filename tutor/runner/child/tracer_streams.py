# ruff: noqa: UP031  (%-formatting on purpose: cheap, no format-spec parsing)
"""The program's sys.stdout and sys.stderr."""

import sys

from .tracer_names import runner_here
from .tracer_switch import output_runner
from .tracer_wire import send_lines, send_output


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
        else:  # queued together: as few os.write calls as fit
            output_runner(runner)
            send_lines(self._kind, runner, lines)
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
