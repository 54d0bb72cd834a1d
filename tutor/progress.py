"""Per-learner progress: lesson and quiz state, attempts, last position, UI settings.

One JSON file, ``progress.json`` in :func:`tutor.paths.data_dir` (``CORO_TUTOR_HOME``
overrides it). It survives anything a learner's machine can do to it:

* every save is atomic: a temporary file in the same folder is written, flushed and
  fsync'ed, renamed over the old file, and the folder is fsync'ed; a kill -9 at any moment
  leaves either the old state or the new one;
* a corrupt or truncated file is moved aside as ``progress.json.corrupt-<time>`` and the
  tutor starts from an empty state, with one sentence saying so;
* a file written by a newer tutor (a higher ``version``) is never overwritten by this one:
  the progress is read as far as it can be and saving is refused, with one sentence.

Usage::

    progress, warning = load_progress()     # warning: one sentence or None
    progress.record_answer("producer-consumer", 2, correct=False, answer=[...])
    progress.save()                         # False (and progress.problem) when it could not
"""

from __future__ import annotations

import contextlib
import os
import time
from pathlib import Path
from typing import Any, Literal

import msgspec

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


class LessonRecord(msgspec.Struct, omit_defaults=True):
    position: int = 0
    """The step the learner was on."""
    quizzes: dict[str, QuizRecord] = {}
    """Keyed by the quiz's step index, as a string (JSON keys are strings)."""
    completed: bool = False
    """Marked done by the app (used for lessons without quizzes)."""
    seen_at: float = 0.0


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


class Progress:
    """The learner's progress in memory; :meth:`save` writes it to disk atomically."""

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

    # --- lessons ------------------------------------------------------------------

    def _lesson(self, lesson_id: str) -> LessonRecord:
        record = self.data.lessons.get(lesson_id)
        if record is None:
            record = self.data.lessons[lesson_id] = LessonRecord()
        return record

    def lesson_state(self, lesson_id: str, total_quizzes: int) -> LessonState:
        """new (never opened), done (every quiz answered, or marked complete), else in_progress."""
        record = self.data.lessons.get(lesson_id)
        if record is None:
            return "new"
        if record.completed:
            return "done"
        answered = sum(1 for q in record.quizzes.values() if q.attempts or q.revealed)
        if total_quizzes > 0 and answered >= total_quizzes:
            return "done"
        return "in_progress"

    def mark_complete(self, lesson_id: str, done: bool = True) -> None:
        """Mark a lesson done (the app calls this at its last step)."""
        self._lesson(lesson_id).completed = done

    def set_position(self, lesson_id: str, step_index: int) -> None:
        record = self._lesson(lesson_id)
        record.position = max(0, int(step_index))
        record.seen_at = time.time()
        self.data.last_lesson = lesson_id

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
        record = self._lesson(lesson_id)
        quiz = record.quizzes.get(str(step_index)) or QuizRecord()
        quiz.attempts += 1
        quiz.correct = bool(correct)
        quiz.ever_correct = quiz.ever_correct or quiz.correct
        if quiz.first_try is None:
            quiz.first_try = quiz.correct
        quiz.answer = msgspec.to_builtins(answer) if answer is not None else None
        quiz.at = time.time()
        record.quizzes[str(step_index)] = quiz
        self.data.last_lesson = lesson_id
        return quiz

    def record_reveal(self, lesson_id: str, step_index: int) -> QuizRecord:
        """The learner asked for the key: not an attempt, but it counts as not known."""
        record = self._lesson(lesson_id)
        quiz = record.quizzes.get(str(step_index)) or QuizRecord()
        quiz.revealed = True
        if quiz.first_try is None:
            quiz.first_try = False
        quiz.at = time.time()
        record.quizzes[str(step_index)] = quiz
        return quiz

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

    # --- settings -----------------------------------------------------------------

    def get_setting(self, name: str, default: Any = None) -> Any:
        return self.data.settings.get(name, default)

    def set_setting(self, name: str, value: Any) -> None:
        if value is None:
            self.data.settings.pop(name, None)
        else:
            self.data.settings[name] = value

    # --- files --------------------------------------------------------------------

    def reset(self) -> None:
        """Forget every lesson and quiz (settings are kept). Call save() to write it."""
        settings = dict(self.data.settings)
        self.data = ProgressData(settings=settings)

    def to_dict(self) -> dict:
        return msgspec.to_builtins(self.data)

    def save(self) -> bool:
        """Write atomically. False (with `problem` set to one sentence) when it could not."""
        if self.read_only:
            self.problem = self.read_only
            return False
        try:
            atomic_write(self.path, _encoder.encode(self.data))
        except OSError as exc:
            self.problem = f"Could not save your progress to {self.path}: {exc.strerror or exc}."
            return False
        self.problem = None
        return True


def atomic_write(path: Path, payload: bytes) -> None:
    """Replace `path` with `payload`: temp file, fsync, rename, fsync the folder."""
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(f".{path.name}.tmp-{os.getpid()}-{time.monotonic_ns()}")
    fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    try:
        view = memoryview(payload)
        while view:
            written = os.write(fd, view)
            view = view[written:]
        os.fsync(fd)
    except BaseException:
        os.close(fd)
        with contextlib.suppress(OSError):
            os.unlink(tmp)
        raise
    os.close(fd)
    try:
        os.replace(tmp, path)
    except BaseException:
        with contextlib.suppress(OSError):
            os.unlink(tmp)
        raise
    with contextlib.suppress(OSError):  # some file systems cannot fsync a folder
        dir_fd = os.open(path.parent, os.O_RDONLY)
        try:
            os.fsync(dir_fd)
        finally:
            os.close(dir_fd)


def _sweep_temp_files(folder: Path, name: str) -> None:
    """Remove temp files left by a killed save (older than a minute: not a live writer's)."""
    with contextlib.suppress(OSError):
        for leftover in folder.glob(f".{name}.tmp-*"):
            with contextlib.suppress(OSError):
                if time.time() - leftover.stat().st_mtime > 60:
                    leftover.unlink()


def _move_aside(path: Path) -> Path:
    stamp = time.strftime("%Y%m%dT%H%M%S", time.gmtime())
    target = path.with_name(f"{path.name}.corrupt-{stamp}")
    n = 1
    while target.exists():
        n += 1
        target = path.with_name(f"{path.name}.corrupt-{stamp}-{n}")
    os.replace(path, target)
    return target


def load_progress(path: Path | None = None) -> tuple[Progress, str | None]:
    """Read the learner's progress. Returns it and a one-sentence warning, or None.

    Never raises for a bad file: a corrupt one is moved aside (empty state), a newer
    one is read as far as possible and protected from being overwritten.
    """
    path = path or progress_path()
    _sweep_temp_files(path.parent, path.name)
    try:
        raw = path.read_bytes()
    except FileNotFoundError:
        return Progress(path=path), None
    except OSError as exc:
        sentence = (
            f"Could not read your progress file {path} ({exc.strerror or exc}); "
            "starting from an empty state and not saving over it."
        )
        return Progress(path=path, read_only=sentence), sentence
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
            return Progress(_lenient(plain), path=path, read_only=sentence), sentence
        data = msgspec.convert(plain, ProgressData)
    except (msgspec.DecodeError, msgspec.ValidationError, ValueError, TypeError):
        try:
            moved = _move_aside(path)
        except OSError as exc:
            sentence = (
                f"Your progress file {path} is damaged and could not be moved aside "
                f"({exc.strerror or exc}); starting from an empty state."
            )
            return Progress(path=path, read_only=sentence), sentence
        sentence = (
            f"Your progress file was damaged; it was moved aside to {moved.name} "
            "and you start from an empty state."
        )
        return Progress(path=path), sentence
    return Progress(data, path=path), None


def _lenient(plain: dict) -> ProgressData:
    """Whatever a newer file holds that this tutor understands (for showing, not saving)."""
    data = ProgressData(version=plain.get("version", SCHEMA_VERSION))
    lessons = plain.get("lessons")
    if isinstance(lessons, dict):
        for lesson_id, record in lessons.items():
            with contextlib.suppress(msgspec.ValidationError, TypeError):
                data.lessons[lesson_id] = msgspec.convert(record, LessonRecord, strict=False)
    if isinstance(plain.get("last_lesson"), str):
        data.last_lesson = plain["last_lesson"]
    if isinstance(plain.get("settings"), dict):
        data.settings = dict(plain["settings"])
    return data
