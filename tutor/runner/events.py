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


class Stdout(_Event, tag="stdout"):
    runner: str
    text: str


class Stderr(_Event, tag="stderr"):
    runner: str
    text: str


class Switch(_Event, tag="switch"):
    from_: str = msgspec.field(name="from")
    to: str
    via: str


class Cap(_Event, tag="cap"):
    after: int


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


Event = Start | Stdout | Stderr | Switch | Cap | Exit

_encoder = msgspec.json.Encoder()
_decoder = msgspec.json.Decoder(Event)


def encode(event: Event) -> bytes:
    """One event as a JSON line (with its newline)."""
    return _encoder.encode(event) + b"\n"


def decode(line: bytes | str) -> Event:
    """One JSON line back into an event."""
    return _decoder.decode(line)
