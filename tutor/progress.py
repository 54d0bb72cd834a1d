"""Per-learner progress: lesson and quiz state, attempts, last position, UI settings.

One JSON file, ``progress.json`` in :func:`tutor.paths.data_dir` (``CORO_TUTOR_HOME``
overrides it). It survives anything a learner's machine can do to it:

* every save is atomic (:func:`tutor.files.atomic_write`): a kill -9 at any moment leaves
  either the old state or the new one;
* every save merges: under a lock (:func:`tutor.files.locked`) the file is read again and
  this process's changes since its last save are applied to it, so two tutors (the TUI and
  `coro-tutor quiz`, or eight quizzes at once) never erase what the other recorded;
* a corrupt or truncated file is moved aside as ``progress.json.corrupt-<time>`` and the
  tutor starts from an empty state, with one sentence saying so;
* a file written by a newer tutor (a higher ``version``) is never overwritten by this one:
  the progress is read as far as it can be and saving is refused, with one sentence.

Usage::

    progress, warning = load_progress()     # warning: one sentence or None
    progress.record_answer("producer-consumer", 2, correct=False, answer=[...])
    progress.save_code("producer-consumer", 3, edited_text)   # the learner's code per step
    progress.save()                         # False (and progress.problem) when it could not
"""

from __future__ import annotations

import contextlib
import os
import time
from collections.abc import Callable, Iterable
from pathlib import Path
from typing import Any, Literal

import msgspec

from tutor.files import atomic_write, locked, sweep_temp_files
from tutor.paths import data_dir

SCHEMA_VERSION = 1
FILE_NAME = "progress.json"
LessonState = Literal["new", "in_progress", "done"]


class QuizRecord(msgspec.Struct, omit_defaults=True):
    """What the learner did with one quiz step."""

    attempts: int = 0
    """Answers graded so far (reveals are not attempts)."""
    correct: bool = False
    """Whether the latest graded answer was right."""
    ever_correct: bool = False
    first_try: bool | None = None
    """Whether the very first answer was right (the score per lesson counts these)."""
    revealed: bool = False
    """The learner asked to see the key."""
    answer: Any = None
    """The latest answer, as the learner gave it (lines, a runner, an option)."""
    at: float = 0.0
    """When it was last answered (seconds since the epoch)."""


class ExerciseRecord(msgspec.Struct, omit_defaults=True):
    """What the learner did with one exercise step."""

    attempts: int = 0
    """Times it was graded."""
    solved: bool = False
    """Whether some grading ever passed every check (it stays solved)."""
    at: float = 0.0


class LessonRecord(msgspec.Struct, omit_defaults=True):
    position: int = 0
    """The step the learner was on."""
    quizzes: dict[str, QuizRecord] = {}
    """Keyed by the quiz's step index, as a string (JSON keys are strings)."""
    completed: bool = False
    """Marked done by the app (used for lessons without quizzes)."""
    seen_at: float = 0.0
    code: dict[str, str] = {}
    """The learner's edited program, keyed by step index (as a string)."""
    exercises: dict[str, ExerciseRecord] = {}
    """Keyed by the exercise's step index, as a string."""


class ProgressData(msgspec.Struct, omit_defaults=True):
    """The file's content."""

    version: int = SCHEMA_VERSION
    lessons: dict[str, LessonRecord] = {}
    last_lesson: str | None = None
    settings: dict[str, Any] = {}


class Mistake(msgspec.Struct, frozen=True):
    """A quiz whose latest answer was wrong (or that was revealed without a right answer)."""

    lesson_id: str
    step_index: int
    attempts: int
    answer: Any
    revealed: bool
    at: float


_encoder = msgspec.json.Encoder()


def progress_path() -> Path:
    return data_dir() / FILE_NAME


Change = Callable[[ProgressData], None]


def _lesson(data: ProgressData, lesson_id: str) -> LessonRecord:
    record = data.lessons.get(lesson_id)
    if record is None:
        record = data.lessons[lesson_id] = LessonRecord()
    return record


class Progress:
    """The learner's progress in memory; :meth:`save` merges it into the file on disk.

    Every change is applied at once to `data` (what this process shows) and kept as a
    change to replay on the file's content at the next save.
    """

    def __init__(
        self,
        data: ProgressData | None = None,
        path: Path | None = None,
        read_only: str | None = None,
    ) -> None:
        self.data = data or ProgressData()
        self.path = path or progress_path()
        self.read_only = read_only
        """Why this tutor must not write the file (a newer tutor wrote it), or None."""
        self.problem: str | None = None
        """One sentence about the last failed save, or None."""
        self._changes: list[Change] = []

    def _change(self, change: Change) -> None:
        change(self.data)
        self._changes.append(change)

    # --- lessons ------------------------------------------------------------------

    def lesson_state(
        self, lesson_id: str, total_quizzes: int, exercises: Iterable[int] = ()
    ) -> LessonState:
        """new (never opened); done when every quiz is answered (or the lesson was marked
        complete) and every exercise in `exercises` (step indexes) is solved; else in_progress."""
        record = self.data.lessons.get(lesson_id)
        if record is None:
            return "new"
        unsolved = set(exercises) - self.solved_exercises(lesson_id)
        if record.completed and not unsolved:
            return "done"
        answered = sum(1 for q in record.quizzes.values() if q.attempts or q.revealed)
        if total_quizzes > 0 and answered >= total_quizzes and not unsolved:
            return "done"
        if total_quizzes == 0 and exercises and not unsolved:
            return "done"
        return "in_progress"

    def mark_complete(self, lesson_id: str, done: bool = True) -> None:
        """Mark a lesson done (the app calls this at its last step)."""

        def change(data: ProgressData) -> None:
            _lesson(data, lesson_id).completed = done

        self._change(change)

    def set_position(self, lesson_id: str, step_index: int) -> None:
        position, now = max(0, int(step_index)), time.time()

        def change(data: ProgressData) -> None:
            record = _lesson(data, lesson_id)
            record.position = position
            record.seen_at = now
            data.last_lesson = lesson_id

        self._change(change)

    def position(self, lesson_id: str) -> int:
        record = self.data.lessons.get(lesson_id)
        return record.position if record else 0

    @property
    def last_lesson(self) -> str | None:
        return self.data.last_lesson

    # --- quizzes ------------------------------------------------------------------

    def record_answer(
        self, lesson_id: str, step_index: int, correct: bool, answer: Any = None
    ) -> QuizRecord:
        """Count one graded answer to a quiz step."""
        plain = msgspec.to_builtins(answer) if answer is not None else None
        correct, now, key = bool(correct), time.time(), str(step_index)

        def change(data: ProgressData) -> None:
            record = _lesson(data, lesson_id)
            quiz = record.quizzes.get(key) or QuizRecord()
            quiz.attempts += 1
            quiz.correct = correct
            quiz.ever_correct = quiz.ever_correct or correct
            if quiz.first_try is None:
                quiz.first_try = correct
            quiz.answer = plain
            quiz.at = now
            record.quizzes[key] = quiz
            data.last_lesson = lesson_id

        self._change(change)
        return self.data.lessons[lesson_id].quizzes[key]

    def record_reveal(self, lesson_id: str, step_index: int) -> QuizRecord:
        """The learner asked for the key: not an attempt, but it counts as not known."""
        now, key = time.time(), str(step_index)

        def change(data: ProgressData) -> None:
            record = _lesson(data, lesson_id)
            quiz = record.quizzes.get(key) or QuizRecord()
            quiz.revealed = True
            if quiz.first_try is None:
                quiz.first_try = False
            quiz.at = now
            record.quizzes[key] = quiz

        self._change(change)
        return self.data.lessons[lesson_id].quizzes[key]

    def quiz_result(self, lesson_id: str, step_index: int) -> QuizRecord | None:
        record = self.data.lessons.get(lesson_id)
        return record.quizzes.get(str(step_index)) if record else None

    def score(self, lesson_id: str) -> tuple[int, int]:
        """(right at the first try, quizzes answered) for one lesson."""
        record = self.data.lessons.get(lesson_id)
        if record is None:
            return 0, 0
        answered = [q for q in record.quizzes.values() if q.attempts or q.revealed]
        return sum(1 for q in answered if q.first_try), len(answered)

    def mistakes(self) -> list[Mistake]:
        """Quizzes whose latest answer was wrong, or revealed and never answered right."""
        found = []
        for lesson_id, record in self.data.lessons.items():
            for index, quiz in record.quizzes.items():
                wrong = quiz.attempts and not quiz.correct
                revealed = quiz.revealed and not quiz.ever_correct
                if wrong or revealed:
                    found.append(
                        Mistake(
                            lesson_id,
                            int(index),
                            quiz.attempts,
                            quiz.answer,
                            quiz.revealed,
                            quiz.at,
                        )
                    )
        found.sort(key=lambda m: (m.lesson_id, m.step_index))
        return found

    # --- the learner's code and exercises -------------------------------------------

    def get_code(self, lesson_id: str, step_index: int) -> str | None:
        """The learner's edited program for a step, or None when it was never edited."""
        record = self.data.lessons.get(lesson_id)
        return record.code.get(str(step_index)) if record else None

    def save_code(self, lesson_id: str, step_index: int, code: str) -> None:
        """Keep the learner's edited program for a step (call save() to write it)."""
        key, text = str(step_index), str(code)

        def change(data: ProgressData) -> None:
            _lesson(data, lesson_id).code[key] = text

        self._change(change)

    def clear_code(self, lesson_id: str, step_index: int) -> None:
        """Forget the learner's edits to a step: it shows the lesson's code again."""
        key = str(step_index)

        def change(data: ProgressData) -> None:
            record = data.lessons.get(lesson_id)
            if record is not None:
                record.code.pop(key, None)

        self._change(change)

    def record_exercise(self, lesson_id: str, step_index: int, solved: bool) -> ExerciseRecord:
        """Count one grading of an exercise; once solved it stays solved."""
        solved, now, key = bool(solved), time.time(), str(step_index)

        def change(data: ProgressData) -> None:
            record = _lesson(data, lesson_id)
            exercise = record.exercises.get(key) or ExerciseRecord()
            exercise.attempts += 1
            exercise.solved = exercise.solved or solved
            exercise.at = now
            record.exercises[key] = exercise
            data.last_lesson = lesson_id

        self._change(change)
        return self.data.lessons[lesson_id].exercises[key]

    def exercise_result(self, lesson_id: str, step_index: int) -> ExerciseRecord | None:
        record = self.data.lessons.get(lesson_id)
        return record.exercises.get(str(step_index)) if record else None

    def solved_exercises(self, lesson_id: str) -> set[int]:
        """The step indexes of the lesson's solved exercises."""
        record = self.data.lessons.get(lesson_id)
        if record is None:
            return set()
        return {int(key) for key, exercise in record.exercises.items() if exercise.solved}

    def unsolved_exercises(self) -> list[tuple[str, int, int]]:
        """(lesson id, step index, attempts) of every exercise checked but never solved."""
        found = [
            (lesson_id, int(key), exercise.attempts)
            for lesson_id, record in self.data.lessons.items()
            for key, exercise in record.exercises.items()
            if exercise.attempts and not exercise.solved
        ]
        return sorted(found)

    # --- settings -----------------------------------------------------------------

    def get_setting(self, name: str, default: Any = None) -> Any:
        return self.data.settings.get(name, default)

    def set_setting(self, name: str, value: Any) -> None:
        plain = msgspec.to_builtins(value) if value is not None else None

        def change(data: ProgressData) -> None:
            if plain is None:
                data.settings.pop(name, None)
            else:
                data.settings[name] = plain

        self._change(change)

    # --- files --------------------------------------------------------------------

    def reset(self, lesson_id: str | None = None) -> None:
        """Forget every lesson and quiz (settings are kept), or only one lesson's.

        Call save() to write it.
        """

        def change(data: ProgressData) -> None:
            if lesson_id is None:
                data.lessons = {}
                data.last_lesson = None
            else:
                data.lessons.pop(lesson_id, None)

        self._change(change)

    def to_dict(self) -> dict[str, Any]:
        plain: dict[str, Any] = msgspec.to_builtins(self.data)
        return plain

    def save(self) -> bool:
        """Merge this process's changes into the file, atomically, under a lock.

        False (with `problem` set to one sentence) when it could not.
        """
        if self.read_only:
            self.problem = self.read_only
            return False
        try:
            with locked(self.path):
                disk = _read(self.path, saving=True)
                if disk.read_only:
                    self.read_only = self.problem = disk.read_only
                    return False
                if disk.data is None and disk.warning:  # damaged since: keep what we know
                    merged = self.data
                else:
                    merged = disk.data or ProgressData()
                    for change in self._changes:
                        change(merged)
                atomic_write(self.path, _encoder.encode(merged))
        except OSError as exc:
            self.problem = f"Could not save your progress to {self.path}: {exc.strerror or exc}."
            return False
        self.data = merged
        self._changes.clear()
        self.problem = None
        return True


class _Disk(msgspec.Struct):
    """What reading the file found: its data (None when missing or damaged), a warning."""

    data: ProgressData | None = None
    warning: str | None = None
    read_only: str | None = None
    lenient: ProgressData | None = None


def _move_aside(path: Path) -> Path:
    stamp = time.strftime("%Y%m%dT%H%M%S", time.gmtime())
    target = path.with_name(f"{path.name}.corrupt-{stamp}")
    n = 1
    while target.exists():
        n += 1
        target = path.with_name(f"{path.name}.corrupt-{stamp}-{n}")
    os.replace(path, target)
    return target


def _read(path: Path, saving: bool = False) -> _Disk:
    """Read the file (the caller holds the lock); a damaged one is moved aside.

    When `saving`, a file that cannot be read raises (the save fails with its sentence).
    """
    try:
        raw = path.read_bytes()
    except FileNotFoundError:
        return _Disk()
    except OSError as exc:
        if saving:
            raise
        sentence = (
            f"Could not read your progress file {path} ({exc.strerror or exc}); "
            "starting from an empty state and not saving over it."
        )
        return _Disk(warning=sentence, read_only=sentence)
    try:
        plain = msgspec.json.decode(raw)
        if not isinstance(plain, dict):
            raise ValueError("not an object")
        version = plain.get("version", SCHEMA_VERSION)
        if not isinstance(version, int):
            raise ValueError("bad version")
        if version > SCHEMA_VERSION:
            sentence = (
                f"Your progress file was written by a newer coro-tutor (format {version}); "
                "this one will not save over it: upgrade coro-tutor to keep recording progress."
            )
            return _Disk(warning=sentence, read_only=sentence, lenient=_lenient(plain))
        return _Disk(data=msgspec.convert(plain, ProgressData))
    except (msgspec.DecodeError, msgspec.ValidationError, ValueError, TypeError, RecursionError):
        # RecursionError: a file nested thousands of levels deep is damaged like any other
        try:
            moved = _move_aside(path)
        except OSError as exc:
            sentence = (
                f"Your progress file {path} is damaged and could not be moved aside "
                f"({exc.strerror or exc}); starting from an empty state."
            )
            return _Disk(warning=sentence, read_only=sentence)
        sentence = (
            f"Your progress file was damaged; it was moved aside to {moved.name} "
            "and you start from an empty state."
        )
        return _Disk(warning=sentence)


def load_progress(path: Path | None = None) -> tuple[Progress, str | None]:
    """Read the learner's progress. Returns it and a one-sentence warning, or None.

    Never raises for a bad file: a corrupt one is moved aside (empty state), a newer
    one is read as far as possible and protected from being overwritten.
    """
    path = path or progress_path()
    if not os.path.lexists(path):  # nothing saved yet: make no folder, take no lock
        return Progress(path=path), None
    sweep_temp_files(path)
    with locked(path):
        disk = _read(path)
    data = disk.data or disk.lenient
    return Progress(data, path=path, read_only=disk.read_only), disk.warning


def _lenient(plain: dict[str, Any]) -> ProgressData:
    """Whatever a newer file holds that this tutor understands (for showing, not saving)."""
    data = ProgressData(version=plain.get("version", SCHEMA_VERSION))
    lessons = plain.get("lessons")
    if isinstance(lessons, dict):
        for lesson_id, record in lessons.items():
            with contextlib.suppress(msgspec.ValidationError, TypeError, RecursionError):
                data.lessons[lesson_id] = msgspec.convert(record, LessonRecord, strict=False)
    if isinstance(plain.get("last_lesson"), str):
        data.last_lesson = plain["last_lesson"]
    if isinstance(plain.get("settings"), dict):
        data.settings = dict(plain["settings"])
    return data
