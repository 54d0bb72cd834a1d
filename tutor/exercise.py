"""Grading an exercise: its checks, read from the events of one real run (headless).

The learner's code runs in the sandbox like any other program (tutor.runner); every
check is a property of the event stream, never of the code's text, so any program that
behaves right passes. Each result carries one sentence (from the string catalog) saying
what held, or what went wrong and what that means.

    grading = grade_code(lesson, step_index, code, lang)   # runs it, then grades
    grading = grade_events(step, events, lang)             # grades a run you already have
    grading.solved, [(r.ok, r.message) for r in grading.results]

How a runner's lifetime is read (for `overlap` and `concurrency`): from the first event
that names it (its output, a switch into or out of it) to the last one. Two runners ran
at the same time when each started before the other's last event.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any

import msgspec

from tutor.lesson import ExerciseStep, Lesson
from tutor.lesson_checks import Check, Concurrency, Range
from tutor.runner.events import UNATTRIBUTED, Block, Event, Exit, Stderr, Stdout, Switch
from tutor.strings import tr

UNFINISHED = ("timeout", "cpu", "memory", "output", "disk", "killed", "denied")
"""Exit reasons that mean the program did not end by itself: never solved."""


@dataclass(frozen=True)
class CheckResult:
    """One check and what the run said about it."""

    kind: str
    spec: object
    ok: bool
    message: str

    def as_dict(self) -> dict[str, object]:
        return {"check": self.kind, "spec": self.spec, "ok": self.ok, "message": self.message}


@dataclass
class Grading:
    """Every check's result for one run."""

    results: list[CheckResult] = field(default_factory=list)
    exit: Exit | None = None

    @property
    def solved(self) -> bool:
        return all(r.ok for r in self.results)

    @property
    def failed(self) -> int:
        return sum(not r.ok for r in self.results)

    def as_dict(self) -> dict[str, object]:
        end = self.exit
        return {
            "solved": self.solved,
            "checks": [r.as_dict() for r in self.results],
            "exit": None
            if end is None
            else {"returncode": end.returncode, "reason": end.reason, "message": end.message},
        }


# --- reading the events -------------------------------------------------------------


def _q(text: str) -> str:
    return repr(text)


def _names(event: Event) -> tuple[str, ...]:
    if isinstance(event, (Stdout, Stderr, Block)):
        return (event.runner,)
    if isinstance(event, Switch):
        return (event.from_, event.to)
    return ()


def is_block(event: Event) -> bool:
    """A `block` event: a runner kept the event loop (or gevent's hub) from running."""
    return isinstance(event, Block)


def lifetimes(events: Sequence[Event]) -> dict[str, tuple[int, int]]:
    """Runner -> (first, last) position in `events` of an event that names it."""
    spans: dict[str, tuple[int, int]] = {}
    for index, event in enumerate(events):
        for name in _names(event):
            if name == UNATTRIBUTED:
                continue
            first = spans[name][0] if name in spans else index
            spans[name] = (first, index)
    return spans


def _exit(events: Sequence[Event]) -> Exit | None:
    return next((e for e in reversed(events) if isinstance(e, Exit)), None)


def _same_name(name: str, base: str) -> bool:
    return name == base or (name.startswith(base + "#") and name[len(base) + 1 :].isdigit())


def _busiest(spans: list[tuple[int, int]]) -> int:
    """The most spans alive at one moment (a span ending where another starts: not both)."""
    points = sorted([(first, 1) for first, _ in spans] + [(last, 0) for _, last in spans])
    alive = most = 0
    for _, opens in points:
        alive += 1 if opens else -1
        most = max(most, alive)
    return most


# --- the checks -------------------------------------------------------------------


def _lines(events: Sequence[Event]) -> list[str]:
    return [e.line for e in events if isinstance(e, Stdout)]


def _stdout(want: str, events: Sequence[Event], lang: str) -> tuple[bool, str]:
    expected = want.rstrip("\n").split("\n") if want.strip("\n") else []
    real = _lines(events)
    for n, (a, b) in enumerate(zip(real, expected, strict=False), 1):
        if a != b:
            return False, tr("check.stdout.line", lang, n=n, got=_q(a), want=_q(b))
    if len(real) < len(expected):
        m = len(real) + 1
        return False, tr("check.stdout.short", lang, n=len(real), m=m, want=_q(expected[m - 1]))
    if len(real) > len(expected):
        m = len(expected) + 1
        return False, tr("check.stdout.long", lang, n=len(expected), m=m, got=_q(real[m - 1]))
    return True, tr("check.stdout.ok", lang, n=len(expected))


def _lines_in_order(want: list[str], events: Sequence[Event], lang: str) -> tuple[bool, str]:
    real = [line.strip() for line in _lines(events)]
    at = 0
    for n, line in enumerate(want):
        target = line.strip()
        try:
            at = real.index(target, at) + 1
        except ValueError:
            if n and target in real:
                return False, tr("check.lines.order", lang, line=_q(line), before=_q(want[n - 1]))
            return False, tr("check.lines.missing", lang, line=_q(line))
    return True, tr("check.lines.ok", lang, n=len(want))


def _overlap(names: list[str], events: Sequence[Event], lang: str) -> tuple[bool, str]:
    spans = lifetimes(events)
    for name in names:
        if name not in spans:
            return False, tr("check.overlap.missing", lang, name=name)
    for a in names:
        for b in names:
            if a != b and spans[b][0] >= spans[a][1]:
                return False, tr("check.overlap.apart", lang, a=a, b=b)
    return True, tr("check.overlap.ok", lang, names=", ".join(names))


def _concurrency(spec: Concurrency, events: Sequence[Event], lang: str) -> tuple[bool, str]:
    spans = [span for name, span in lifetimes(events).items() if _same_name(name, spec.of)]
    n = _busiest(spans)
    if spec.max is not None and n > spec.max:
        return False, tr("check.concurrency.many", lang, n=n, of=spec.of, max=spec.max)
    if spec.min is not None and n < spec.min:
        return False, tr("check.concurrency.few", lang, n=n, of=spec.of, min=spec.min)
    return True, tr("check.concurrency.ok", lang, n=n, of=spec.of)


def _max_wall(limit: float, events: Sequence[Event], lang: str) -> tuple[bool, str]:
    # timed from the first output or switch to the last: the interpreter's start-up and
    # imports (0.05 s alone, 0.5 s on a loaded machine) are not the learner's doing
    times = [e.t for e in events if _names(e)]
    secs = times[-1] - times[0] if times else 0.0
    key = "check.max_wall.ok" if secs <= limit else "check.max_wall.slow"
    return secs <= limit, tr(key, lang, secs=f"{secs:.2f}", max=f"{limit:g}")


def _runners(names: list[str], events: Sequence[Event], lang: str) -> tuple[bool, str]:
    seen = list(lifetimes(events))
    for name in names:
        if name not in seen:
            shown = ", ".join(seen) or tr("check.nothing", lang)
            return False, tr("check.runners.missing", lang, name=name, seen=shown)
    return True, tr("check.runners.ok", lang, names=", ".join(names))


def _switches(spec: Range, events: Sequence[Event], lang: str) -> tuple[bool, str]:
    end = _exit(events)
    n = end.switches if end is not None else sum(isinstance(e, Switch) for e in events)
    if spec.min is not None and n < spec.min:
        return False, tr("check.switches.few", lang, n=n, min=spec.min)
    if spec.max is not None and n > spec.max:
        return False, tr("check.switches.many", lang, n=n, max=spec.max)
    return True, tr("check.switches.ok", lang, n=n)


def _returncode(want: int, events: Sequence[Event], lang: str) -> tuple[bool, str]:
    end = _exit(events)
    code = end.returncode if end is not None else None
    if code == want:
        return True, tr("check.returncode.ok", lang, code=code)
    last = next(
        (e.line.strip() for e in reversed(events) if isinstance(e, Stderr) and e.line.strip()), ""
    )
    detail = f" ({last})" if last else ""
    return False, tr("check.returncode.bad", lang, code=code, detail=detail, want=want)


def _no_blocking(_: bool, events: Sequence[Event], lang: str) -> tuple[bool, str]:
    block = next((e for e in events if isinstance(e, Block)), None)
    if block is None:
        return True, tr("check.no_blocking.ok", lang)
    return False, tr(
        "check.no_blocking.bad",
        lang,
        runner=block.runner,
        ms=round(block.ms),
        line=block.line if block.line is not None else "?",
        call=block.call or "?",
    )


# Each check takes its own kind of value (Check.value): the kind, not the type, picks it.
CHECKS: dict[str, Callable[[Any, Sequence[Event], str], tuple[bool, str]]] = {
    "stdout": _stdout,
    "lines_in_order": _lines_in_order,
    "overlap": _overlap,
    "concurrency": _concurrency,
    "max_wall": _max_wall,
    "runners": _runners,
    "switches": _switches,
    "returncode": _returncode,
    "no_blocking": _no_blocking,
}


def check_one(check: Check, events: Sequence[Event], lang: str = "en") -> CheckResult:
    """One check against one run's events."""
    ok, message = CHECKS[check.kind](check.value, events, lang)
    return CheckResult(check.kind, msgspec.to_builtins(check.value), ok, message)


def grade_events(step: ExerciseStep, events: Sequence[Event], lang: str = "en") -> Grading:
    """Every check of `step` against one run's events (a run cut short never passes)."""
    events = list(events)
    end = _exit(events)
    grading = Grading(exit=end)
    if end is None or end.reason in UNFINISHED:
        message = end.message if end is not None else "no exit event"
        grading.results.append(
            CheckResult("finished", True, False, tr("check.finished.bad", lang, message=message))
        )
    grading.results += [check_one(check, events, lang) for check in step.checks]
    return grading


def exercise_step(lesson: Lesson, step_index: int) -> ExerciseStep:
    step = lesson.steps[step_index]
    if not isinstance(step, ExerciseStep):
        raise TypeError(f"step {step_index + 1} of {lesson.id} is not an exercise")
    return step


def run_code(lesson: Lesson, step_index: int, code: str) -> list[Event]:
    """One real run of `code` as the exercise's program (same file name and limits)."""
    from tutor.programs import program_request
    from tutor.runner import run_to_end

    return run_to_end(program_request(lesson, step_index, code))


def grade_code(lesson: Lesson, step_index: int, code: str, lang: str = "en") -> Grading:
    """Run `code` as the exercise of `lesson`'s step `step_index` and grade the run."""
    step = exercise_step(lesson, step_index)
    return grade_events(step, run_code(lesson, step_index, code), lang)
