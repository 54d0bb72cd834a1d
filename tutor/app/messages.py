"""Messages of the lesson screen's parts: what a run did, reported upwards.

The run controller posts these to the run pane, which shows them; they bubble on to the
lesson screen, which keeps its buttons and keys in step. Plain dataclasses, as in toolong.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from textual.message import Message

from tutor.runner.events import Event, Exit


@dataclass
class RunStarted(Message):
    """A run began: clear the panes. `number` counts the runs of this screen."""

    number: int


@dataclass
class RunWaiting(Message):
    """The run waits for one of the room's run slots (`coro-tutor serve --max-runs`)."""


@dataclass
class RunEvent(Message):
    """Events of the running program, in `seq` order. One message carries every event that
    arrived before it was handled (a flood costs one message per batch, not per line)."""

    events: list[Event] = field(default_factory=list)


@dataclass
class RunFinished(Message):
    """The run ended: with its exit event, or None when it was cancelled before one came."""

    exit: Exit | None


@dataclass
class RunFailed(Message):
    """The run could not start or broke down: `error` says why (shown as one sentence)."""

    error: BaseException


@dataclass
class SwitchShown(Message):
    """Stepping through a run shows a switch: the code lines where its runner paused and
    where the next one resumes (None: not in the program, or no switch shown). `code` is
    the program that ran: its lines are marked only while the editor still holds it."""

    paused: int | None
    resumes: int | None
    code: str
