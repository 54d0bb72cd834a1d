"""Reading a quiz program's real events: the trace rows shown beside a grade, and who
runs after a pause (the rule a next_switch key is derived by)."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from tutor.runner.events import Cap, Event, Exit, Stderr, Stdout, Switch

SCHEDULED_VIA = ("task", "greenlet")
"""Switches made by a scheduler: a runner entered and left this way without doing anything
visible (the asyncio loop in `main`, gevent's hub) is a transit hop, not an answer."""
TRACE_ROWS_MAX = 400


@dataclass(frozen=True)
class TraceRow:
    """One row of the real trace shown beside an answer."""

    seq: int
    kind: str  # "stdout" | "stderr" | "switch" | "exit"
    runner: str  # the runner that printed, or "from -> to" for a switch
    text: str
    mark: str = ""  # "checkpoint 1", ... on the rows a quiz paused at

    def as_dict(self) -> dict:
        return {k: v for k, v in self.__dict__.items() if v != ""}


def stdout_events(events: Sequence[Event]) -> list[Stdout]:
    return [e for e in events if isinstance(e, Stdout)]


def output_lines(events: Sequence[Event]) -> list[str]:
    """The program's stdout lines, in the order printed."""
    return [e.text for e in stdout_events(events)]


def exit_event(events: Sequence[Event]) -> Exit | None:
    return next((e for e in reversed(events) if isinstance(e, Exit)), None)


def trace_rows(
    events: Sequence[Event], marks: dict[int, str] | None = None, limit: int = TRACE_ROWS_MAX
) -> list[TraceRow]:
    """Output lines and switches, for showing the real run (marks: event index -> label)."""
    marks = marks or {}
    rows: list[TraceRow] = []
    for index, event in enumerate(events):
        if isinstance(event, (Stdout, Stderr)):
            kind = "stdout" if isinstance(event, Stdout) else "stderr"
            rows.append(TraceRow(event.seq, kind, event.runner, event.text, marks.get(index, "")))
        elif isinstance(event, Switch):
            rows.append(TraceRow(event.seq, "switch", f"{event.from_} -> {event.to}", event.via))
        elif isinstance(event, Exit):
            rows.append(TraceRow(event.seq, "exit", "", event.message or event.reason))
    if len(rows) > limit:
        rows = rows[: limit - 1] + [
            TraceRow(-1, "exit", "", f"... {len(rows) - limit + 1} more rows")
        ]
    return rows


def transit_visits(events: Sequence[Event]) -> set[int]:
    """Indexes of switches into a runner that leaves again at once through its scheduler."""
    visible = [i for i, e in enumerate(events) if not isinstance(e, Cap)]
    transit = set()
    for a, b in zip(visible, visible[1:], strict=False):
        into, out = events[a], events[b]
        if (
            isinstance(into, Switch)
            and isinstance(out, Switch)
            and out.from_ == into.to
            and out.via in SCHEDULED_VIA
        ):
            transit.add(a)
    return transit


def next_runner(events: Sequence[Event], index: int, transit: set[int] | None = None) -> str | None:
    """The runner that does the next thing after event `index` (None: the program ends).

    The next thing is either an output line (its runner: usually the same runner carrying
    on) or a switch (the runner switched to), whichever comes first. Scheduler hops — the
    asyncio loop or gevent's hub, entered and left at once — are skipped.
    """
    if transit is None:
        transit = transit_visits(events)
    for i in range(index + 1, len(events)):
        event = events[i]
        if isinstance(event, (Stdout, Stderr)):
            return event.runner
        if isinstance(event, Switch):
            if i in transit or event.to == event.from_:
                continue
            return event.to
        if isinstance(event, Exit):
            return None
    return None


def runner_names(events: Sequence[Event], transit: set[int] | None = None) -> list[str]:
    """Every runner that printed or was switched to (not just passed through), in order."""
    if transit is None:
        transit = transit_visits(events)
    names: list[str] = []
    for i, event in enumerate(events):
        found: list[str] = []
        if isinstance(event, (Stdout, Stderr)):
            found = [event.runner]
        elif isinstance(event, Switch):
            found = [event.from_] if i in transit else [event.from_, event.to]
        for name in found:
            if name not in names and name != "?":
                names.append(name)
    # a runner seen only as the source of a switch out of a transit visit is a scheduler
    hops = {events[i].to for i in transit}
    active = {e.runner for e in events if isinstance(e, (Stdout, Stderr))}
    active |= {e.to for i, e in enumerate(events) if isinstance(e, Switch) and i not in transit}
    return [n for n in names if n not in hops or n in active]
