"""The lesson format and its loader.

Lessons are strict YAML: every problem is reported as ``file:line: message`` with the
line of the offending key or value, never as a traceback. The model is a set of msgspec
structs (fast to import, strict, and able to print a JSON Schema for editors).
"""

from __future__ import annotations

import os
import re
import sys
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Annotated, Any, Literal

import msgspec

from tutor.lesson_checks import Check
from tutor.lesson_yaml import LoadError, Located, compose, plain, read_lesson_text
from tutor.textsafe import visible

NonEmpty = Annotated[str, msgspec.Meta(min_length=1)]
LessonId = Annotated[str, msgspec.Meta(pattern=r"^[a-z0-9][a-z0-9-]*$")]
Requirement = Annotated[str, msgspec.Meta(pattern=r"^(greenlet|gevent|python>=3\.[0-9]{1,2})$")]
"""A package the lesson imports, or the oldest Python it runs on (`python>=3.11`)."""
QuizKind = Literal["predict_order", "next_switch", "multiple_choice"]
LANGUAGES = ("en", "zh")
DEFAULT_WALL = 15.0
"""Seconds a program may run unless its lesson raises `limits.wall` (issue 4's wall limit)."""


_CJK = "\u3000-\u303f\u4e00-\u9fff\uff00-\uffef"
_CJK_LINE_BREAK = re.compile(f"(?<=[{_CJK}])\n(?=[{_CJK}])")


class Text(msgspec.Struct, forbid_unknown_fields=True):
    """A text shown to the learner, in every language the tutor speaks."""

    en: NonEmpty
    zh: NonEmpty

    def __call__(self, lang: str) -> str:
        """The text in `lang`, control characters shown as symbols (tutor.textsafe: a lesson
        file from someone else must not reach the terminal with escape sequences)."""
        if lang == "zh":
            # Markdown turns a line break inside a paragraph into a space, which is wrong
            # between two Chinese characters: authors may wrap Chinese lines freely.
            return visible(_CJK_LINE_BREAK.sub("", self.zh))
        return visible(self.en)


class Limits(msgspec.Struct, forbid_unknown_fields=True):
    """Limits a lesson may raise for its programs (the defaults live in the runner)."""

    wall: Annotated[float, msgspec.Meta(gt=0, le=120)] | None = None
    """Wall-clock seconds before the program is stopped."""
    block_ms: Annotated[int, msgspec.Meta(ge=0, le=10_000)] | None = None
    """How long a runner may hold the event loop (or gevent's hub) before a `block` event
    says so (default 50 ms, the runner's; 0: no watch)."""


class ReadStep(msgspec.Struct, tag="read", tag_field="kind", forbid_unknown_fields=True):
    """A page of Markdown to read."""

    text: Text


class RunStep(msgspec.Struct, tag="run", tag_field="kind", forbid_unknown_fields=True):
    """A program to read, run and edit."""

    code: NonEmpty
    title: Text | None = None
    text: Text | None = None
    """Markdown shown above the program."""
    expect: str | None = None
    """The output the author expects; always checked against a real run."""
    runs_forever: bool = False
    """A deliberate endless loop: the learner is meant to press Stop."""
    watch: Text | None = None
    """What to look for in the output and the timeline, shown beside the code."""
    blocks: bool = False
    """The program holds the event loop on purpose (its point is the block notice):
    `check` expects a `block` event in every run, and reports one anywhere else."""


class Checkpoint(msgspec.Struct, forbid_unknown_fields=True):
    """A pause in a `next_switch` quiz: the program stops after this output line."""

    after: NonEmpty
    occurrence: Annotated[int, msgspec.Meta(ge=1)] = 1
    """Which printing of `after` to pause at, when the line is printed more than once."""
    answer: str | None = None
    """The author's key (a runner name); checked against the real trace."""


class QuizStep(msgspec.Struct, tag="quiz", tag_field="kind", forbid_unknown_fields=True):
    """A question on switch order whose key comes from running `code`."""

    quiz: QuizKind
    code: NonEmpty
    question: Text
    hint: Text
    explanation: Text
    options: list[NonEmpty] | None = None
    """multiple_choice: the choices, compared with the real output."""
    key_line: Annotated[int, msgspec.Meta(ge=1)] | None = None
    """multiple_choice: the 1-based output line that decides the correct option."""
    key_of: Literal["line", "runner"] = "line"
    """multiple_choice: the correct option is that line's text, or the runner that printed it."""
    checkpoints: list[Checkpoint] | None = None
    """next_switch: the pauses at which the learner predicts the next runner."""
    answer: str | list[str] | None = None
    """The author's key: the ordered lines (predict_order) or the option (multiple_choice)."""
    blocks: bool = False
    """The program holds the event loop on purpose (its point is the block notice):
    `check` expects a `block` event in every run, and reports one anywhere else."""

    def __post_init__(self) -> None:
        if self.quiz == "multiple_choice":
            if not self.options or len(self.options) < 2:
                raise ValueError("a multiple_choice quiz needs `options` with at least two choices")
            if self.key_line is None:
                raise ValueError(
                    "a multiple_choice quiz needs `key_line` (the output line that decides it)"
                )
            if self.answer is not None and self.answer not in self.options:
                raise ValueError(f"`answer` {self.answer!r} is not one of the `options`")
        elif self.options is not None or self.key_line is not None:
            raise ValueError(
                f"`options` and `key_line` belong to multiple_choice quizzes, not {self.quiz}"
            )
        if self.quiz == "next_switch":
            if not self.checkpoints:
                raise ValueError(
                    "a next_switch quiz needs `checkpoints` (the lines to pause after)"
                )
            if self.answer is not None:
                raise ValueError("a next_switch quiz takes its `answer` inside each checkpoint")
        elif self.checkpoints is not None:
            raise ValueError(f"`checkpoints` belong to next_switch quizzes, not {self.quiz}")
        if self.quiz == "predict_order" and isinstance(self.answer, str):
            raise ValueError("the `answer` of a predict_order quiz is a list of output lines")


class ExerciseStep(msgspec.Struct, tag="exercise", tag_field="kind", forbid_unknown_fields=True):
    """Code the learner fixes or finishes, graded by checks over its real run's events."""

    title: Text
    text: Text
    """The goal, in words (Markdown)."""
    code: NonEmpty
    """What the learner starts from; `check` makes sure it fails at least one check."""
    solution: NonEmpty
    """A reference answer, shown only on reveal; `check` makes sure it passes every check."""
    hint: Text
    checks: Annotated[list[Check], msgspec.Meta(min_length=1)]


Step = ReadStep | RunStep | QuizStep | ExerciseStep


class Lesson(msgspec.Struct, forbid_unknown_fields=True):
    """One lesson: a few steps that teach one idea."""

    id: LessonId
    title: Text
    summary: Text
    topic: Text
    steps: Annotated[list[Step], msgspec.Meta(min_length=1)]
    requires: list[Requirement] = []
    limits: Limits | None = None
    path: str = ""
    """Filled in by the loader (not written in YAML): where the lesson came from."""
    step_lines: list[int] = []
    """Filled in by the loader: the line each step starts on, for `check` reports."""

    @property
    def wall(self) -> float:
        """The wall-clock limit for this lesson's programs."""
        return self.limits.wall if self.limits and self.limits.wall else DEFAULT_WALL

    @property
    def block_ms(self) -> int | None:
        """The lesson's blocking threshold, or None for the runner's default."""
        return self.limits.block_ms if self.limits else None

    @property
    def quiz_count(self) -> int:
        """How many quiz steps the lesson has (its score is out of this many)."""
        return sum(isinstance(s, QuizStep) for s in self.steps)

    @property
    def packages(self) -> list[str]:
        """The packages in `requires` (without the Python version)."""
        return [r for r in self.requires if not r.startswith("python")]

    @property
    def min_python(self) -> tuple[int, int] | None:
        """The oldest Python the lesson's programs run on, when `requires` names one."""
        found = [
            (int(major), int(minor))
            for major, minor in (
                r[len("python>=") :].split(".") for r in self.requires if r.startswith("python")
            )
        ]
        return max(found) if found else None

    def python_too_old(self, version: tuple[int, ...] | None = None) -> str | None:
        """`python>=3.N` when `version` (default: this interpreter) is older, else None."""
        need = self.min_python
        have = tuple((version or sys.version_info)[:2])
        return f"python>={need[0]}.{need[1]}" if need and have < need else None

    @property
    def programs(self) -> list[tuple[int, RunStep | QuizStep]]:
        """Every run and quiz step (their programs must run cleanly), with its index."""
        return [(i, s) for i, s in enumerate(self.steps) if isinstance(s, (RunStep, QuizStep))]

    def code_of(self, step_index: int) -> str:
        """The program of a run, quiz or exercise step (a read step has none: TypeError)."""
        step = self.steps[step_index]
        if isinstance(step, ReadStep):
            raise TypeError(f"step {step_index + 1} of {self.id} is a read step: no program")
        return step.code

    @property
    def exercises(self) -> list[tuple[int, ExerciseStep]]:
        """Every exercise step, with its index."""
        return [(i, s) for i, s in enumerate(self.steps) if isinstance(s, ExerciseStep)]

    def summary_dict(self) -> dict[str, object]:
        """The record `coro-tutor list --json` prints."""
        return {
            "id": self.id,
            "title": msgspec.to_builtins(self.title),
            "summary": msgspec.to_builtins(self.summary),
            "topic": msgspec.to_builtins(self.topic),
            "steps": len(self.steps),
            "quizzes": self.quiz_count,
            "exercises": len(self.exercises),
            "requires": list(self.requires),
            "path": self.path,
        }


@dataclass(frozen=True)
class LessonError:
    """One problem in a lesson file, printed as ``file:line: message``."""

    path: str
    line: int
    message: str

    def __str__(self) -> str:
        return f"{self.path}:{self.line}: {self.message}"


@dataclass
class Course:
    """Every lesson found, in order, and every file that failed to load."""

    lessons: list[Lesson] = field(default_factory=list)
    errors: list[LessonError] = field(default_factory=list)

    def get(self, lesson_id: str) -> Lesson | None:
        return next((lesson for lesson in self.lessons if lesson.id == lesson_id), None)


LOADER_FIELDS = {"path", "step_lines"}


def lesson_schema() -> dict[str, Any]:
    """The JSON Schema of a lesson file, for editor completion."""
    schema = msgspec.json.schema(Lesson)
    props = schema["$defs"]["Lesson"]["properties"]
    for name in LOADER_FIELDS:
        props.pop(name, None)
    return schema


def load_lesson(path: Path, shown_as: str | None = None) -> tuple[Lesson | None, list[LessonError]]:
    """Read one lesson file. Returns the lesson, or None and the errors found."""
    import yaml  # ~20 ms, paid only when a file is parsed (the app reads a cache)

    name = shown_as or str(path)
    where = Located()
    try:
        text = read_lesson_text(path)
        node, loader = compose(text)
        try:
            if node is None:
                return None, [LessonError(name, 1, "the file is empty")]
            data = plain(node, where, loader)
        finally:
            loader.dispose()
    except LoadError as exc:
        return None, [LessonError(name, exc.line, exc.message)]
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        line = mark.line + 1 if mark else 1
        message = f"not valid YAML: {exc.problem or exc.context}"
        if exc.context and exc.context_mark and exc.problem:
            message += f" ({exc.context} that starts on line {exc.context_mark.line + 1})"
        return None, [LessonError(name, line, message)]
    except yaml.YAMLError as exc:
        return None, [LessonError(name, 1, f"not valid YAML: {exc}")]
    except (RecursionError, MemoryError):
        return None, [LessonError(name, 1, "not valid YAML: nested too deeply")]
    if not isinstance(data, dict):
        return None, [
            LessonError(name, 1, "a lesson file must be a mapping (id:, title:, steps: ...)")
        ]
    try:
        if LOADER_FIELDS & data.keys():
            raise msgspec.ValidationError("reserved")
        lesson = msgspec.convert(data, Lesson)
    except msgspec.ValidationError:
        from tutor.lesson_words import every_error  # only for broken files

        return None, [
            LessonError(name, line, message) for line, message in every_error(data, where)
        ]
    lesson.path = name
    lesson.step_lines = [where.line(("steps", i)) for i in range(len(lesson.steps))]
    return lesson, []


def default_lessons_dir() -> Path:
    """The lessons shipped with the tutor: inside the wheel, or beside a source checkout."""
    here = Path(__file__).resolve().parent
    shipped = here / "_lessons"
    return shipped if shipped.is_dir() else here.parent / "lessons"


def lessons_dir(option: str | os.PathLike[str] | None = None) -> Path:
    """The folder to read: `--lessons`, else $CORO_TUTOR_LESSONS, else the shipped one."""
    chosen = option or os.environ.get("CORO_TUTOR_LESSONS")
    return Path(chosen).expanduser() if chosen else default_lessons_dir()


def lesson_files(paths: Iterable[Path], errors: list[LessonError] | None = None) -> list[Path]:
    """Lesson files under the given files and folders, in course order (by file name).

    A folder that cannot be listed adds an error to `errors` (when given) and is skipped.
    """
    found: list[Path] = []
    for path in paths:
        if path.is_dir():
            try:
                names = sorted(p for p in path.iterdir() if p.suffix in (".yaml", ".yml"))
            except OSError as exc:
                if errors is not None:
                    message = f"cannot list the folder: {exc.strerror or exc}"
                    errors.append(LessonError(_display(path), 1, message))
                continue
            found.extend(names)
        else:
            found.append(path)
    return found


def _display(path: Path) -> str:
    """The path relative to the working directory when it is under it (a symlink by its
    own name: never resolved, so a loop or a link to /dev/zero is shown as written)."""
    cwd = os.getcwd()
    full = os.path.abspath(path)
    if full.startswith(cwd.rstrip(os.sep) + os.sep):
        return full[len(cwd.rstrip(os.sep)) + 1 :]
    return str(path)


def load_course(paths: Iterable[Path]) -> Course:
    """Load every lesson under `paths`; bad files become errors, never exceptions."""
    course = Course()
    seen: dict[str, str] = {}
    for path in lesson_files(paths, course.errors):
        shown = _display(path)
        lesson, errors = load_lesson(path, shown)
        course.errors.extend(errors)
        if lesson is None:
            continue
        if lesson.id in seen:
            line = _id_line(path)
            course.errors.append(
                LessonError(
                    shown, line, f"duplicate id `{lesson.id}` (also used by {seen[lesson.id]})"
                )
            )
            continue
        seen[lesson.id] = shown
        course.lessons.append(lesson)
    return course


def _id_line(path: Path) -> int:
    try:
        text = read_lesson_text(path)
    except LoadError:
        return 1
    for number, line in enumerate(text.splitlines(), 1):
        if line.startswith("id:"):
            return number
    return 1
