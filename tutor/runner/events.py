"""The event stream: the only contract between a run and whoever watches it.

The TUI, `coro-tutor run --json`, the quiz grader and the tests all read these events.
Field names follow DESIGN.md exactly; `switch` events carry `from`, spelled `from_` here.
"""

from __future__ import annotations

from typing import Literal

import msgspec

from tutor.runner.values import UNATTRIBUTED as UNATTRIBUTED  # the runner of unattributed output

Isolation = Literal["bwrap", "unshare", "basic"]
ExitReason = Literal[
    "ok", "error", "timeout", "cpu", "memory", "output", "disk", "killed", "denied"
]


class _Event(msgspec.Struct, tag_field="type", kw_only=True, omit_defaults=True):
    seq: int
    t: float
    pid: int | None = None
    """Set on events from a process the program forked."""


class Start(_Event, tag="start"):
    isolation: Isolation
    python: str
    enforces: str = ""
    """The kernel walls in force, e.g. "landlock-7 files signals abstract-sockets ptrace
    no-unix-sockets read-only-root" (docs/runner-sandbox.md); "none" without Landlock."""


class _Output(_Event):
    runner: str
    text: str
    """What the program wrote, with the newline when it ends a line: read in seq order the
    texts are the program's output. A line written by several runners (or longer than
    64 Ki characters) comes in several pieces."""
    b64: str | None = None
    """The exact bytes (base64) when text's UTF-8 is not them (text then shows U+FFFD)."""

    @property
    def line(self) -> str:
        """text without its line ending."""
        t = self.text
        return t[:-1] if t.endswith("\n") else t

    @property
    def data(self) -> bytes:
        """The exact bytes the program wrote."""
        if self.b64 is not None:
            import binascii

            return binascii.a2b_base64(self.b64)
        return self.text.encode("utf-8")


class Stdout(_Output, tag="stdout"):
    pass


class Stderr(_Output, tag="stderr"):
    pass


class Switch(_Event, tag="switch"):
    from_: str = msgspec.field(name="from")
    to: str
    via: str
    line: int | None = None
    """The line of the learner's program where `from` paused (null: not in its files)."""
    to_line: int | None = None
    """The line where `to` resumes."""


class Block(_Event, tag="block"):
    runner: str
    ms: int
    """How long the runner kept the event loop / gevent's hub from running."""
    line: int | None = None
    """Where it was when the threshold passed (the learner's line)."""
    call: str | None = None
    """What it was calling there, e.g. "time.sleep"."""


class Cap(_Event, tag="cap"):
    after: int

    def counted_to(self, switches: int) -> bool:
        """Did counting stop? The child counts switches up to 10x the cap, then removes
        its hooks so the program gets its speed back: `switches` is then a lower bound."""
        return self.after > 0 and switches >= 10 * self.after


class Exit(_Event, tag="exit"):
    returncode: int
    reason: ExitReason
    message: str
    """The outcome sentence in English (`tutor.runner.outcome.sentence` renders any language)."""
    switches: int
    dropped: int
    sentence: str = ""
    """The sentence's catalog key without its `outcome.` prefix ("timeout", "open_files")."""
    params: dict[str, str | int | float] = {}
    """The values the sentence shows, raw: {"seconds": 15.0}, {"bytes": 536870912}, ..."""


Event = Start | Stdout | Stderr | Switch | Block | Cap | Exit

_encoder = msgspec.json.Encoder()
_decoder: msgspec.json.Decoder[Event] = msgspec.json.Decoder(Event)


def encode(event: Event) -> bytes:
    """One event as a JSON line (with its newline)."""
    return _encoder.encode(event) + b"\n"


def decode(line: bytes | str) -> Event:
    """One JSON line back into an event."""
    return _decoder.decode(line)
