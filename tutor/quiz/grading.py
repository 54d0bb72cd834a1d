"""Quiz kinds, their answer keys and their grading (headless: no textual here).

Keys are never typed by hand: they come from running the quiz's program through the
runner and reading its event stream (tutor.runner.events). An author may write the
expected answer in the lesson; `coro-tutor check` compares it with the derived key.

* ``predict_order`` — the key is the program's stdout lines, in order. The learner gets
  them shuffled (deterministically, so every showing is the same) and orders them;
  graded line by line, reporting the first position that differs. Duplicate lines are
  interchangeable: only the text at each position counts.
* ``next_switch`` — the program is paused after a checkpoint line; the key is the runner
  that gets control next: the one the next switch goes to, or the paused runner when it
  prints again first (see `tutor.quiz.trace.answering_event`). Several checkpoints make a
  step-predict run: one answer per checkpoint.
* ``multiple_choice`` — the correct option is the text of output line ``key_line`` (or,
  with ``key_of: runner``, the runner that printed it).

`prepare(lesson, step_index, events)` derives the key; `Quiz.grade(answer, lang)` grades.
"""

from __future__ import annotations

import hashlib
import random
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

import msgspec

from tutor.lesson import Lesson, QuizStep
from tutor.quiz.source import printing_line
from tutor.quiz.trace import (
    TraceRow,
    answering_event,
    exit_event,
    output_lines,
    runner_names,
    runner_of,
    stdout_events,
    trace_rows,
)
from tutor.runner.events import Cap, Event, Stdout

TYPE_CHECKING = False
if TYPE_CHECKING:
    from tutor.progress import Progress


class QuizKeyError(Exception):
    """The program's real run gives no usable key (a lesson bug, reported by `check`)."""


class AnswerError(ValueError):
    """The learner's answer has the wrong shape (not a permutation, no such runner...)."""


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
    answer_events: list[int] = field(default_factory=list)
    """next_switch: the event index that answers each checkpoint (see `answering_event`)."""
    paused_lines: list[int | None] = field(default_factory=list)
    """next_switch: per checkpoint, the 1-based code line whose print it pauses after."""

    @property
    def kind(self) -> str:
        return self.step.quiz

    # what the learner sees before answering

    def context_lines(self, checkpoint: int = 0) -> list[tuple[str, str]]:
        """next_switch: the (runner, line) printed up to and including a checkpoint."""
        if self.kind != "next_switch":
            return []
        end = self.checkpoint_events[checkpoint]
        return [(e.runner, e.line) for e in self.events[: end + 1] if isinstance(e, Stdout)]

    def marks(self) -> dict[int, str]:
        return {ev: f"checkpoint {n}" for n, ev in enumerate(self.checkpoint_events, 1)}

    def answer_marks(self) -> dict[int, str]:
        """Event index -> "answer N" on the event that answers pause N."""
        return {ev: f"answer {n}" for n, ev in enumerate(self.answer_events, 1)}

    def trace(self) -> list[TraceRow]:
        return trace_rows(self.events, self.marks(), self.answer_marks())

    # answers

    def normalize(self, answer: Any) -> list[str] | str:
        """Turn an answer (texts, or 1-based numbers into `items`) into the key's shape."""
        if self.kind == "predict_order":
            if not isinstance(answer, (list, tuple)):
                raise AnswerError("an order is a list of lines (or of their numbers)")
            lines = [self.pick(a) for a in answer]
            if Counter(lines) != Counter(self.key):
                raise AnswerError(f"use each of the {len(self.key)} lines exactly once")
            return lines
        if self.kind == "next_switch":
            answers = list(answer) if isinstance(answer, (list, tuple)) else [answer]
            if len(answers) != len(self.key):
                raise AnswerError(f"give one runner for each of the {len(self.key)} pauses")
            return [self.pick(a) for a in answers]
        return self.pick(answer)

    def pick(self, value: Any) -> str:
        """One choice from a text or a 1-based number into `items` (AnswerError if none)."""
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

    def record_in(self, progress: Progress) -> None:
        """Put this answer (or reveal) in a tutor.progress.Progress."""
        if self.revealed:
            progress.record_reveal(self.lesson_id, self.step_index)
        else:
            progress.record_answer(self.lesson_id, self.step_index, self.correct, self.answer)

    def to_dict(self) -> dict[str, Any]:
        out: dict[str, Any] = msgspec.to_builtins(self)
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
        if isinstance(event, Stdout) and (event.line == text or event.line.strip() == text.strip()):
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
            answer = answering_event(events, index)
            if answer is None and cap_at is not None:
                raise QuizKeyError(
                    f"checkpoint {number}: the switch trace was capped before the answer"
                )
            if answer is None:
                raise QuizKeyError(
                    f"checkpoint {number}: nothing runs after {point.after!r} (the program ends)"
                )
            keys.append(runner_of(events[answer]))
            quiz.checkpoint_events.append(index)
            quiz.answer_events.append(answer)
            quiz.paused_lines.append(printing_line(step.code, events, index))
        quiz.key = keys
        quiz.items = runner_names(events)
    else:
        number = step.key_line or 1
        printed = stdout_events(events)
        if number > len(printed):
            raise QuizKeyError(
                f"`key_line` is {number} but the program prints {len(printed)} line(s)"
            )
        event = printed[number - 1]
        decisive = event.runner if step.key_of == "runner" else event.line
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


def code_hash(code: str) -> str:
    return hashlib.sha256(code.encode("utf-8")).hexdigest()[:16]


def quiz_steps(lesson: Lesson) -> list[int]:
    return [i for i, s in enumerate(lesson.steps) if isinstance(s, QuizStep)]
