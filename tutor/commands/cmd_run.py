"""Run a Python file in the sandbox and stream its output as it happens.

Plain mode prints the program's output exactly as it wrote it (stdout to stdout, stderr to
stderr). On a terminal each line gets a coloured `runner │ ` prefix naming the generator,
coroutine, task or greenlet that printed it; when stdout is not a terminal there is no
prefix, so the text can be piped and compared. One outcome line follows on stderr. The exit
code is the program's (124 after the wall-clock limit, 128+N after signal N).
`--json` prints the event stream instead, one JSON object per line.
"""

from __future__ import annotations

import os
import sys

from tutor.commands.options import parse_timeout, timeout_type
from tutor.runner.values import UNATTRIBUTED

TYPE_CHECKING = False  # argparse only for help and errors: `run` must start fast
if TYPE_CHECKING:
    import argparse
    from collections.abc import Callable
    from typing import Any, BinaryIO, TextIO

    Wire = dict[str, Any]
    """An event as the process layer hands it over (a dict in wire order)."""

# Kept light on purpose: no asyncio, no textual, no lesson loader (`run` must start fast).

_COLOURS = ("36", "33", "35", "32", "34", "31", "96", "93", "95", "92", "94", "91")


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("file", metavar="FILE", help="the Python program to run")
    parser.add_argument("--json", action="store_true", help="print the event stream (JSON lines)")
    parser.add_argument(
        "--timeout",
        type=timeout_type,
        default=15.0,
        metavar="S",
        help="wall-clock limit in seconds (default 15)",
    )
    parser.add_argument(
        "--watch",
        action="store_true",
        help="run it again each time the file is saved (ctrl+c ends)",
    )
    parser.add_argument(
        "--block-ms",
        type=_block_ms,
        default=50,
        metavar="N",
        help="report a runner holding the event loop longer than N ms (default 50; 0: off)",
    )
    parser.add_argument(
        "--isolation",
        choices=("auto", "full", "partial", "basic"),
        default="auto",
        help="sandbox tier (default: the best one available; see `coro-tutor doctor`)",
    )


def _block_ms(value: str) -> int:
    n = _parse_block_ms(value)
    if n is None:
        import argparse

        raise argparse.ArgumentTypeError(f"not a whole number of milliseconds: {value!r}")
    return n


def _parse_block_ms(value: str) -> int | None:
    return int(value) if value.isdigit() and len(value) < 8 else None


class _Args:
    file: str
    json = False
    watch = False
    block_ms = 50
    timeout = 15.0
    isolation = "auto"
    lessons = None
    lang = None


def _quick_parse(argv: list[str]) -> _Args | None:
    """The usual command lines without argparse (it costs more than the rest of `run`).
    None for anything unusual (help, errors): argparse then handles it."""
    args = _Args()
    files: list[str] = []
    i = 0
    while i < len(argv):
        a = argv[i]
        name, eq, value = a.partition("=")
        if a == "--json":
            args.json = True
        elif a == "--watch":
            args.watch = True
        elif name in ("--timeout", "--isolation", "--lessons", "--lang", "--block-ms"):
            if not eq:
                i += 1
                if i >= len(argv):
                    return None
                value = argv[i]
            if name == "--timeout":
                timeout = parse_timeout(value)
                if timeout is None:
                    return None  # argparse says why
                args.timeout = timeout
            elif name == "--block-ms":
                block_ms = _parse_block_ms(value)
                if block_ms is None:
                    return None  # argparse says why
                args.block_ms = block_ms
            elif name == "--isolation":
                if value not in ("auto", "full", "partial", "basic"):
                    return None
                args.isolation = value
            else:
                setattr(args, name[2:], value)
        elif a == "--":
            files.extend(argv[i + 1 :])
            break
        elif a.startswith("-") and a != "-":
            return None
        else:
            files.append(a)
        i += 1
    if len(files) != 1:
        return None
    args.file = files[0]
    return args


def main(argv: list[str], exit_at_end: bool = False) -> int:
    """Fast entry used by tutor.cli for `coro-tutor run ...` (skips the other commands).

    With exit_at_end (a real command line) the process ends right after the outcome line,
    skipping the interpreter's tear-down: the run has cleaned up after itself already."""
    rc = _main(argv)
    if exit_at_end:
        try:
            sys.stdout.flush()
            sys.stderr.flush()
        except (BrokenPipeError, OSError):
            pass
        os._exit(rc)
    return rc


def _main(argv: list[str]) -> int:
    args: _Args | argparse.Namespace | None = _quick_parse(argv)
    if args is None:
        import argparse

        parser = argparse.ArgumentParser(prog="coro-tutor run", description=__doc__)
        add_arguments(parser)
        parser.add_argument("--lessons", help=argparse.SUPPRESS)
        parser.add_argument("--lang", help=argparse.SUPPRESS)
        args = parser.parse_args(argv)
    try:
        if args.watch:
            from tutor.commands.run_watch import watch

            return watch(args, run)
        return run(args)
    except KeyboardInterrupt:
        return 130
    except BrokenPipeError:
        return 0


def _json_writer(out: BinaryIO) -> Callable[[Wire], None]:
    """Events (dicts) as JSON lines, without the json package (it pulls in `re`)."""
    try:
        from _json import encode_basestring as enc
    except ImportError:
        import json

        enc = json.encoder.py_encode_basestring

    def value(v: Any) -> str:  # any JSON value of an event
        if isinstance(v, str):
            return enc(v)
        if v is None:
            return "null"
        if v is True:
            return "true"
        if v is False:
            return "false"
        if isinstance(v, float):  # JSON has no inf or nan (a forged event may carry them)
            return repr(v) if v - v == 0 else "null"
        if isinstance(v, dict):  # the exit event's params
            return "{" + ",".join(enc(k) + ":" + value(x) for k, x in v.items()) + "}"
        return str(int(v))

    def write(event: Wire) -> None:
        if event.get("type") == "start":  # every JSON output names the tutor's version
            from tutor import __version__

            event = {**event, "version": __version__}
        body = ",".join(enc(k) + ":" + value(v) for k, v in event.items())
        # a lone surrogate becomes its JSON escape (\ud800): valid UTF-8, valid JSON
        out.write(("{" + body + "}\n").encode("utf-8", "backslashreplace"))
        out.flush()

    return write


def use_colour(tty: bool) -> bool:
    """Colour on a terminal; NO_COLOR turns it off and FORCE_COLOR on (piped too), as
    https://no-color.org and https://force-color.org say (NO_COLOR wins when both are set)."""
    if os.environ.get("NO_COLOR"):
        return False
    force = os.environ.get("FORCE_COLOR", "")
    return tty or (force != "" and force.lower() not in ("0", "false"))


def _data(event: Wire) -> bytes:
    """The exact bytes of an output event (its b64 when there is one)."""
    b64 = event.get("b64")
    if b64 is not None:
        import binascii

        return binascii.a2b_base64(b64)
    text: str = event["text"]
    return text.encode("utf-8", "replace")


class _Plain:
    """Piped: exactly the program's bytes. On a terminal: a coloured runner prefix at the
    start of each line, control characters made visible, a sentence for each block."""

    def __init__(self, lang: str) -> None:
        self.lang = lang
        self.out = sys.stdout
        self.err = sys.stderr
        self.tty = self.out.isatty()
        self.tty_err = self.err.isatty()
        self.colour = use_colour(self.tty)
        self.colour_err = use_colour(self.tty_err)
        # a terminal must not obey the program's escapes (FORCE_COLOR: dressed up piped too)
        from tutor.textsafe import visible

        self.visible = visible
        self.runners: dict[str, str] = {}
        self.width = 8
        self.mid = {"stdout": False, "stderr": False}  # in the middle of a line

    def _prefix(self, runner: str, colour: bool) -> str:
        if not colour:
            return ""
        code = self.runners.get(runner)
        if code is None:
            code = "2" if runner == UNATTRIBUTED else _COLOURS[len(self.runners) % len(_COLOURS)]
            self.runners[runner] = code
            self.width = max(self.width, min(len(runner), 16))
        if self.visible is not None:
            runner = self.visible(runner, one_line=True)
        return f"\x1b[{code}m{runner:>{self.width}} │\x1b[0m "

    def _show(self, kind: str, stream: TextIO, tty: bool, colour: bool, event: Wire) -> None:
        if not (tty or colour):  # piped: exactly the program's bytes
            stream.flush()
            stream.buffer.write(_data(event))
            stream.buffer.flush()
            return
        text = event["text"]
        end = text.endswith("\n")
        body = self.visible(text[:-1] if end else text)
        prefix = "" if self.mid[kind] else self._prefix(event["runner"], colour)
        self.mid[kind] = not end
        stream.write(prefix + body + ("\n" if end else ""))
        stream.flush()

    def __call__(self, event: Wire) -> None:
        kind = event["type"]
        if kind == "stdout":
            self._show(kind, self.out, self.tty, self.colour, event)
        elif kind == "stderr":
            self.out.flush()
            self._show(kind, self.err, self.tty_err, self.colour_err, event)
        elif kind == "block" and self.tty_err:
            self.report_block(event)
        elif kind == "exit":
            for k, stream in (("stdout", self.out), ("stderr", self.err)):
                if self.mid[k]:  # the program's last line had no newline (terminal only)
                    stream.write("\n")
                    self.mid[k] = False

    def report_block(self, event: Wire) -> None:
        """One sentence on stderr: who held the event loop, how long, where."""
        from tutor.runner.outcome import block_sentence

        one = {"one_line": True}
        call = event.get("call")
        line = block_sentence(
            self.visible(event["runner"], **one),
            event["ms"],
            event.get("line"),
            self.visible(call, **one) if call else None,
            self.lang,
        )
        if self.mid["stdout"] or self.mid["stderr"]:
            line = "\n" + line
            self.mid["stdout"] = self.mid["stderr"] = False
        self.out.flush()
        self.err.write((f"\x1b[33m{line}\x1b[0m" if self.colour_err else line) + "\n")
        self.err.flush()


def run(args: _Args | argparse.Namespace) -> int:
    # Events as plain dicts from the process layer: no msgspec, no asyncio (fast start).
    from tutor.runner import RunRequest, SandboxUnavailable
    from tutor.runner.driver import dict_factory, drive
    from tutor.runner.tiers import choose

    path = os.path.abspath(args.file)
    if not os.path.isfile(path):
        from tutor.strings import tr

        print(tr("cli.no_such_file", args.lang or "en", file=args.file), file=sys.stderr)
        return 2
    request = RunRequest(
        path=path, timeout=args.timeout, isolation=args.isolation, block_ms=args.block_ms
    )
    last: list[Wire] = []
    if args.json:
        write = _json_writer(sys.stdout.buffer)

        def on_event(event: Wire) -> None:
            write(event)
            if event["type"] == "exit":
                last.append(event)

    else:
        plain = _Plain(args.lang or "en")
        if not (plain.tty or plain.colour or plain.tty_err):
            # Piped both ways: only the program's bytes and the outcome line are shown, so
            # the child need not trace switches nor watch for blocks (a switch-heavy
            # program would pay for a trace nobody sees).
            request.cap = 0
            request.block_ms = 0

        def on_event(event: Wire) -> None:
            plain(event)
            if event["type"] == "exit":
                last.append(event)

    try:
        tier = choose(args.isolation)
    except SandboxUnavailable as e:
        from tutor.strings import tr

        print(tr("cli.no_tier", args.lang or "en", error=e), file=sys.stderr)
        return 2
    drive(request, tier, on_event, dict_factory())
    if not last:
        return 1
    end = last[0]
    if not args.json:
        colour = use_colour(sys.stderr.isatty())
        line = f"[{end['reason']}] {end['message']}"
        sys.stderr.write((f"\x1b[1m{line}\x1b[0m" if colour else line) + "\n")
    if end["reason"] == "timeout":
        return 124
    rc: int = end["returncode"]
    return 128 - rc if rc < 0 else rc
