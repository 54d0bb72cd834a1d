"""Quiz kinds, their answer keys and their grading (headless: no textual here).

Keys are never typed by hand: they come from running the quiz's program through the
runner and reading its event stream (tutor.runner.events). An author may write the
expected answer in the lesson; `coro-tutor check` compares it with the derived key.

* ``predict_order`` — the key is the program's stdout lines, in order. The learner gets
  them shuffled (deterministically, so every showing is the same) and orders them;
  graded line by line, reporting the first position that differs. Duplicate lines are
  interchangeable: only the text at each position counts.
* ``next_switch`` — the program is paused after a checkpoint line; the key is the runner
  that does the next thing (see :func:`next_runner`). Several checkpoints make a
  step-predict run: one answer per checkpoint.
* ``multiple_choice`` — the correct option is the text of output line ``key_line`` (or,
  with ``key_of: runner``, the runner that printed it).

Typical use::

    events = trace_for(lesson, step_index)      # cached real run (or run_to_end)
    quiz = prepare(lesson, step_index, events)  # key + what to show; raises QuizKeyError
    grade = quiz.grade(answer, lang)            # answer: lines / runner(s) / option
"""

from __future__ import annotations

import hashlib
import platform
import random
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import msgspec

from tutor.lesson import Lesson, QuizStep
from tutor.runner.events import Cap, Event, Exit, Stderr, Stdout, Switch

SCHEDULED_VIA = ("task", "greenlet")
"""Switches made by a scheduler: a runner entered and left this way without doing anything
visible (the asyncio loop in `main`, gevent's hub) is a transit hop, not an answer."""
TRACE_ROWS_MAX = 400


class QuizKeyError(Exception):
    """The program's real run gives no usable key (a lesson bug, reported by `check`)."""


class AnswerError(ValueError):
    """The learner's answer has the wrong shape (not a permutation, no such runner...)."""


# --- the trace --------------------------------------------------------------------


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


def _transit_visits(events: Sequence[Event]) -> set[int]:
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
        transit = _transit_visits(events)
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
        transit = _transit_visits(events)
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


# --- keys -------------------------------------------------------------------------


@dataclass
class Quiz:
    """One quiz step ready to show and grade: its key and what the learner sees."""

    lesson_id: str
    step_index: int
    step: QuizStep
    events: list[Event]
    key: list[str] | str
    """predict_order: the lines; next_switch: a runner per pause; multiple_choice: the option."""
    items: list[str] = field(default_factory=list)
    """What the learner picks from: shuffled lines, runner names, or the options."""
    checkpoint_events: list[int] = field(default_factory=list)
    """next_switch: the event index each checkpoint pauses at."""

    @property
    def kind(self) -> str:
        return self.step.quiz

    # what the learner sees before answering

    def context_lines(self, checkpoint: int = 0) -> list[tuple[str, str]]:
        """next_switch: the (runner, line) printed up to and including a checkpoint."""
        if self.kind != "next_switch":
            return []
        end = self.checkpoint_events[checkpoint]
        return [(e.runner, e.text) for e in self.events[: end + 1] if isinstance(e, Stdout)]

    def marks(self) -> dict[int, str]:
        return {ev: f"checkpoint {n}" for n, ev in enumerate(self.checkpoint_events, 1)}

    def trace(self) -> list[TraceRow]:
        return trace_rows(self.events, self.marks())

    # answers

    def normalize(self, answer: Any) -> list[str] | str:
        """Turn an answer (texts, or 1-based numbers into `items`) into the key's shape."""
        if self.kind == "predict_order":
            if not isinstance(answer, (list, tuple)):
                raise AnswerError("an order is a list of lines (or of their numbers)")
            lines = [self._pick(a) for a in answer]
            if Counter(lines) != Counter(self.key):
                raise AnswerError(f"use each of the {len(self.key)} lines exactly once")
            return lines
        if self.kind == "next_switch":
            answers = list(answer) if isinstance(answer, (list, tuple)) else [answer]
            if len(answers) != len(self.key):
                raise AnswerError(f"give one runner for each of the {len(self.key)} pauses")
            return [self._pick(a) for a in answers]
        return self._pick(answer)

    def _pick(self, value: Any) -> str:
        if isinstance(value, bool):
            raise AnswerError(f"{value!r} is not an answer")
        if isinstance(value, int) or (
            isinstance(value, str) and value.strip().isdigit() and value.strip() not in self.items
        ):
            number = int(value)
            if not 1 <= number <= len(self.items):
                raise AnswerError(f"choose a number from 1 to {len(self.items)}")
            return self.items[number - 1]
        if isinstance(value, str):
            if value in self.items:
                return value
            if value.strip() in self.items:
                return value.strip()
            raise AnswerError(f"{value!r} is not one of the choices")
        raise AnswerError(f"{value!r} is not an answer")

    def grade(self, answer: Any, lang: str = "en") -> Grade:
        """Grade an answer (raises AnswerError when it has the wrong shape)."""
        given = self.normalize(answer)
        if self.kind == "multiple_choice":
            right = [given == self.key]
        else:
            right = [a == k for a, k in zip(given, self.key, strict=True)]
        first = next((i for i, ok in enumerate(right) if not ok), None)
        return Grade(
            lesson_id=self.lesson_id,
            step_index=self.step_index,
            kind=self.kind,
            correct=first is None,
            answer=given,
            key=self.key,
            right=right,
            first_difference=first,
            hint=self.step.hint(lang),
            explanation=self.step.explanation(lang),
            trace=[] if self.kind == "multiple_choice" else self.trace(),
        )

    def reveal(self, lang: str = "en") -> Grade:
        """The key, shown as a grade of the key itself (for "reveal")."""
        grade = self.grade(self.key, lang)
        grade.revealed = True
        return grade


class Grade(msgspec.Struct, kw_only=True):
    """The result of grading one answer."""

    lesson_id: str
    step_index: int
    kind: str
    correct: bool
    answer: list[str] | str
    key: list[str] | str
    right: list[bool]
    """Per line (predict_order) or per checkpoint (next_switch); one item for multiple_choice."""
    first_difference: int | None
    """0-based position of the first wrong line or checkpoint."""
    hint: str
    explanation: str
    trace: list[TraceRow] = []
    revealed: bool = False

    def to_dict(self) -> dict:
        out = msgspec.to_builtins(self)
        out["trace"] = [row.as_dict() for row in self.trace]
        return out


def _shuffled(lines: list[str], seed: str) -> list[str]:
    """A fixed shuffle of `lines` that differs from their order when it can."""
    rng = random.Random(seed)
    order = list(lines)
    if len(set(lines)) < 2:
        return order
    for _ in range(20):
        rng.shuffle(order)
        if order != lines:
            return order
    return lines[1:] + lines[:1]


def _find_line(events: Sequence[Event], text: str, occurrence: int) -> int | None:
    seen = 0
    for index, event in enumerate(events):
        if isinstance(event, Stdout) and (event.text == text or event.text.strip() == text.strip()):
            seen += 1
            if seen == occurrence:
                return index
    return None


def prepare(lesson: Lesson, step_index: int, events: Sequence[Event]) -> Quiz:
    """Derive the key of a quiz step from its program's real events."""
    step = lesson.steps[step_index]
    if not isinstance(step, QuizStep):
        raise TypeError(f"step {step_index} of {lesson.id} is not a quiz")
    events = list(events)
    lines = output_lines(events)
    end = exit_event(events)
    if end is not None and end.reason not in ("ok",):
        raise QuizKeyError(f"the quiz program did not end normally ({end.reason}): {end.message}")
    quiz = Quiz(lesson.id, step_index, step, events, key=[])
    if step.quiz == "predict_order":
        if len(set(lines)) < 2:
            raise QuizKeyError("a predict_order program must print at least two different lines")
        quiz.key = lines
        quiz.items = _shuffled(lines, f"{lesson.id}:{step_index}:{code_hash(step.code)}")
    elif step.quiz == "next_switch":
        transit = _transit_visits(events)
        cap_at = next((i for i, e in enumerate(events) if isinstance(e, Cap)), None)
        keys = []
        for number, point in enumerate(step.checkpoints or [], 1):
            index = _find_line(events, point.after, point.occurrence)
            if index is None:
                times = f" {point.occurrence} times" if point.occurrence > 1 else ""
                raise QuizKeyError(
                    f"checkpoint {number}: the line {point.after!r} is never printed{times}"
                )
            if cap_at is not None and cap_at < index:
                raise QuizKeyError(f"checkpoint {number} comes after the switch trace was capped")
            runner = next_runner(events, index, transit)
            if runner is None:
                raise QuizKeyError(
                    f"checkpoint {number}: nothing runs after {point.after!r} (the program ends)"
                )
            keys.append(runner)
            quiz.checkpoint_events.append(index)
        quiz.key = keys
        quiz.items = runner_names(events, transit)
        for runner in keys:  # a runner that does the next thing is always a choice
            if runner not in quiz.items:
                quiz.items.append(runner)
    else:
        number = step.key_line or 1
        printed = stdout_events(events)
        if number > len(printed):
            raise QuizKeyError(
                f"`key_line` is {number} but the program prints {len(printed)} line(s)"
            )
        event = printed[number - 1]
        decisive = event.runner if step.key_of == "runner" else event.text
        options = list(step.options or [])
        matches = [o for o in options if o == decisive or o.strip() == decisive.strip()]
        if len(matches) != 1:
            what = "printed by" if step.key_of == "runner" else "is"
            raise QuizKeyError(
                f"output line {number} {what} {decisive!r}, which is "
                f"{'none' if not matches else 'more than one'} of the options"
            )
        quiz.key = matches[0]
        quiz.items = options
    return quiz


def author_key_problems(quiz: Quiz) -> list[str]:
    """Where the author's written key differs from the derived one."""
    step = quiz.step
    problems = []
    if step.quiz == "next_switch":
        for number, (point, key) in enumerate(
            zip(step.checkpoints or [], quiz.key, strict=False), 1
        ):
            if point.answer is not None and point.answer != key:
                problems.append(
                    f"checkpoint {number} ({point.after!r}): the author's answer is "
                    f"{point.answer!r} but the real run switches to {key!r}"
                )
    elif step.answer is not None:
        if step.quiz == "predict_order":
            written = list(step.answer)
            for position, (a, k) in enumerate(zip(written, quiz.key, strict=False), 1):
                if a != k:
                    problems.append(
                        f"`answer` line {position} is {a!r} but the real run prints {k!r} there"
                    )
                    break
            else:
                if len(written) != len(quiz.key):
                    problems.append(
                        f"`answer` has {len(written)} lines but the real run prints {len(quiz.key)}"
                    )
        elif step.answer != quiz.key:
            problems.append(
                f"the author's answer is {step.answer!r} but the real run makes it {quiz.key!r}"
            )
    return problems


# --- real runs, cached ------------------------------------------------------------


def code_hash(code: str) -> str:
    return hashlib.sha256(code.encode("utf-8")).hexdigest()[:16]


def _runner_digest() -> str:
    """A hash of the child side of the runner: a new tracer must not reuse an old one's traces."""
    runner = Path(__file__).resolve().parent / "runner"
    digest = hashlib.sha256()
    child = [runner / "events.py", *(runner / "child").glob("*.py")]
    for path in sorted(child):
        try:
            digest.update(path.name.encode() + b"\0" + path.read_bytes())
        except OSError:
            continue
    return digest.hexdigest()[:12]


def _versions() -> str:
    from importlib import metadata

    from tutor import __version__

    parts = [
        f"python={platform.python_version()}",
        f"tutor={__version__}",
    ]
    for name in ("greenlet", "gevent"):
        try:
            parts.append(f"{name}={metadata.version(name)}")
        except metadata.PackageNotFoundError:
            parts.append(f"{name}=none")
    return ";".join(parts)


_VERSIONS: str | None = None


def cache_key(code: str, filename: str, timeout: float) -> str:
    global _VERSIONS
    if _VERSIONS is None:
        _VERSIONS = _versions()
    # the runner digest is read every time (cheap): a tracer edited while a process
    # lives must not let it reuse traces made by the old one
    text = f"{_VERSIONS};runner={_runner_digest()}\0{filename}\0{timeout}\0{code}"
    return hashlib.sha256(text.encode("utf-8")).hexdigest()[:32]


def _cache_file(key: str) -> Path:
    from tutor.paths import cache_dir

    return cache_dir() / "traces" / f"{key}.jsonl"


_event_list = msgspec.json.Decoder(list[Event])
_event_encoder = msgspec.json.Encoder()


def cached_trace(key: str) -> list[Event] | None:
    try:
        return _event_list.decode(_cache_file(key).read_bytes())
    except (OSError, msgspec.DecodeError, msgspec.ValidationError):
        return None


def store_trace(key: str, events: Sequence[Event]) -> None:
    """Keep a run's events (only runs that ended normally: others may not repeat)."""
    end = exit_event(events)
    if end is None or end.reason != "ok":
        return
    from tutor.progress import atomic_write

    try:
        atomic_write(_cache_file(key), _event_encoder.encode(list(events)))
    except OSError:
        pass  # a cache that cannot be written only costs a rerun


def program_request(lesson: Lesson, step_index: int, code: str | None = None):
    """The RunRequest for a step's program (its own code unless `code` is given)."""
    from tutor.runner import RunRequest

    step = lesson.steps[step_index]
    return RunRequest(
        code=code if code is not None else step.code,
        filename=program_filename(lesson, step_index),
        timeout=lesson.wall,
    )


def program_filename(lesson: Lesson, step_index: int) -> str:
    return f"{lesson.id.replace('-', '_')}_step{step_index + 1}.py"


def _request_cache_key(lesson: Lesson, step_index: int) -> str:
    step = lesson.steps[step_index]
    return cache_key(step.code, program_filename(lesson, step_index), lesson.wall)


def trace_for(lesson: Lesson, step_index: int, use_cache: bool = True) -> list[Event]:
    """The events of a real run of a step's program (cached by code and versions)."""
    key = _request_cache_key(lesson, step_index)
    if use_cache and (events := cached_trace(key)) is not None:
        return events
    from tutor.runner import run_to_end

    events = list(run_to_end(program_request(lesson, step_index)))
    store_trace(key, events)
    return events


async def trace_for_async(
    lesson: Lesson, step_index: int, use_cache: bool = True, start_run=None
) -> list[Event]:
    """trace_for on the running event loop (for the TUI's workers); stops the run if cancelled.

    `start_run` replaces tutor.runner.start_run (tests inject a fake one).
    """
    key = _request_cache_key(lesson, step_index)
    if use_cache and (events := cached_trace(key)) is not None:
        return events
    if start_run is None:
        from tutor.runner import start_run

    run = await start_run(program_request(lesson, step_index))
    events = []
    try:
        async for event in run.events():
            events.append(event)
    finally:
        if exit_event(events) is None:
            await run.stop()
    store_trace(key, events)
    return events


def remember_trace(lesson: Lesson, step_index: int, events: Sequence[Event]) -> None:
    """Put a run's events in the cache for a step (as `check` does after consistent runs)."""
    store_trace(_request_cache_key(lesson, step_index), events)


def load_quiz(lesson: Lesson, step_index: int, use_cache: bool = True) -> Quiz:
    """Run (or recall) the step's program and derive its key. Raises QuizKeyError."""
    return prepare(lesson, step_index, trace_for(lesson, step_index, use_cache))


def quiz_steps(lesson: Lesson) -> list[int]:
    return [i for i, s in enumerate(lesson.steps) if isinstance(s, QuizStep)]
