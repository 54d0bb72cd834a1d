"""Reading a quiz program's real events: the trace rows shown beside a grade, and who gets
control after a pause (the rule a next_switch key is derived by)."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from tutor.runner.events import UNATTRIBUTED, Cap, Event, Exit, Stderr, Stdout, Switch

TRACE_ROWS_MAX = 400


@dataclass(frozen=True)
class TraceRow:
    """One row of the real trace shown beside an answer."""

    seq: int
    kind: str  # "stdout" | "stderr" | "switch" | "exit"
    runner: str  # the runner that printed, or "from -> to" for a switch
    text: str
    mark: str = ""  # "checkpoint 1", ... on the rows a quiz paused at
    answer: str = ""  # "answer 1", ... on the row that answers a pause (next_switch)

    def as_dict(self) -> dict[str, object]:
        return {k: v for k, v in self.__dict__.items() if v != ""}


def stdout_events(events: Sequence[Event]) -> list[Stdout]:
    return [e for e in events if isinstance(e, Stdout)]


def output_lines(events: Sequence[Event]) -> list[str]:
    """The program's stdout lines, in the order printed."""
    return [e.line for e in stdout_events(events)]


def exit_event(events: Sequence[Event]) -> Exit | None:
    return next((e for e in reversed(events) if isinstance(e, Exit)), None)


def trace_rows(
    events: Sequence[Event],
    marks: dict[int, str] | None = None,
    answers: dict[int, str] | None = None,
    limit: int = TRACE_ROWS_MAX,
) -> list[TraceRow]:
    """Output lines and switches, for showing the real run (marks: event index -> label of
    the pause there; answers: event index -> label of the pause it answers)."""
    marks = marks or {}
    answers = answers or {}
    rows: list[TraceRow] = []
    for index, event in enumerate(events):
        mark, answer = marks.get(index, ""), answers.get(index, "")
        if isinstance(event, (Stdout, Stderr)):
            kind = "stdout" if isinstance(event, Stdout) else "stderr"
            rows.append(TraceRow(event.seq, kind, event.runner, event.line, mark, answer))
        elif isinstance(event, Switch):
            fields = (event.seq, "switch", f"{event.from_} -> {event.to}", event.via)
            rows.append(TraceRow(*fields, mark, answer))
        elif isinstance(event, Exit):
            rows.append(TraceRow(event.seq, "exit", "", event.message or event.reason))
    if len(rows) > limit:
        rows = rows[: limit - 1] + [
            TraceRow(-1, "exit", "", f"... {len(rows) - limit + 1} more rows")
        ]
    return rows


def answering_event(events: Sequence[Event], index: int) -> int | None:
    """The event that answers "who gets control next?" for a pause after event `index`.

    It is the first switch after the pause (the runner it goes to gets control) or, when
    the paused runner prints again before any switch, that output line (it carries on).
    Nothing is skipped: the tracer never reports the asyncio loop or gevent's hub, so every
    switch in the stream is one a learner can see. None: the program ends first, or the
    switch trace was capped before the answer (the switches after a cap are not known).
    """
    for i in range(index + 1, len(events)):
        event = events[i]
        if isinstance(event, (Stdout, Stderr, Switch)):
            return i
        if isinstance(event, (Exit, Cap)):
            return None
    return None


def runner_of(event: Event) -> str:
    """The runner that has control after an answering event."""
    if isinstance(event, Switch):
        return event.to
    if isinstance(event, (Stdout, Stderr)):
        return event.runner
    raise TypeError(f"a {type(event).__name__} event does not answer a pause")


def runner_names(events: Sequence[Event]) -> list[str]:
    """Every runner that printed or took part in a switch, in order of first appearance."""
    names: list[str] = []
    for event in events:
        found: tuple[str, ...] = ()
        if isinstance(event, (Stdout, Stderr)):
            found = (event.runner,)
        elif isinstance(event, Switch):
            found = (event.from_, event.to)
        for name in found:
            if name not in names and name != UNATTRIBUTED:
                names.append(name)
    return names
