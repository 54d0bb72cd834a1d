"""One exercise step in the TUI: what the last Check said, the hint, the solution.

``ExercisePanel(lesson, step_index, lang, progress)`` shows the exercise's checks: before
any Check, the list of goals still open; after one, each check as ✓/✗ with its sentence
(from tutor.exercise, the same grader as `coro-tutor exercise`). ``check(code)`` makes a
real run of the code in a thread worker and shows the result (``show_grading``); the
panel records it in `progress` and posts ``ExercisePanel.Checked`` (the host saves).
``SolutionScreen`` shows the reference answer read-only, over the lesson: the learner's
code in the editor is never touched.

Every piece of lesson and program text is rendered as a rich `Text`, never as markup.
"""

from __future__ import annotations

from rich.style import Style
from rich.text import Text
from textual import work
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Vertical
from textual.message import Message
from textual.reactive import var
from textual.screen import ModalScreen
from textual.widgets import Static, TextArea

from tutor.app.code_editor import EDITOR_THEMES, readable_themes
from tutor.app.i18n import tr
from tutor.app.looks import LOOK_CLASSES, looks_css, looks_of
from tutor.app.textual_private import is_leaving
from tutor.exercise import Grading, grade_events
from tutor.lesson import ExerciseStep, Lesson
from tutor.textsafe import visible

TYPE_CHECKING = False
if TYPE_CHECKING:
    from typing import Any  # Widget's keyword arguments, passed on

    from tutor.progress import Progress
    from tutor.runner.events import Event


class ExercisePanel(Vertical):
    """The results of the last Check of one exercise step."""

    DEFAULT_CSS = """
    ExercisePanel { height: auto; padding: 0 1; }
    ExercisePanel #ex-status { text-style: bold; }
    """ + looks_css("ExercisePanel")
    COMPONENT_CLASSES = LOOK_CLASSES

    class Checked(Message):
        """A Check finished: `solved` says whether every check held."""

        def __init__(self, lesson_id: str, step_index: int, solved: bool) -> None:
            super().__init__()
            self.lesson_id = lesson_id
            self.step_index = step_index
            self.solved = solved

    lang: var[str] = var("en", init=False)

    def __init__(
        self, lesson: Lesson, step_index: int, lang: str, progress: Progress, **kwargs: Any
    ) -> None:
        super().__init__(**kwargs)
        step = lesson.steps[step_index]
        if not isinstance(step, ExerciseStep):
            raise TypeError(f"step {step_index} of {lesson.id} is not an exercise")
        self.lesson = lesson
        self.step_index = step_index
        self.step: ExerciseStep = step
        self.progress = progress
        self.grading: Grading | None = None
        self.error: str | None = None
        self.events: list[Event] = []
        """The last checked run's events: the results are re-worded when the language changes."""
        self.checking = False
        self.show_hint = False
        self.set_reactive(ExercisePanel.lang, lang)

    def compose(self) -> ComposeResult:
        yield Static(id="ex-status")
        yield Static(id="ex-results")
        yield Static(id="ex-hint")

    def on_mount(self) -> None:
        self.render_all()
        self.watch(self.app, "theme", lambda _theme: self.render_all(), init=False)

    def watch_lang(self, lang: str) -> None:
        if self.grading is not None and self.events:
            self.grading = grade_events(self.step, self.events, lang)
        self.render_all()

    @property
    def solved(self) -> bool:
        record = self.progress.exercise_result(self.lesson.id, self.step_index)
        return bool(record and record.solved)

    def check(self, code: str) -> None:
        """Run `code` as this exercise and show how each check went (ignored while one runs)."""
        if self.checking:
            return
        self.checking = True
        self.render_all()
        self._grade(code, self.lang)

    @work(thread=True, exclusive=True, group="exercise-check")
    def _grade(self, code: str, lang: str) -> None:
        from tutor.exercise import run_code

        try:
            events = run_code(self.lesson, self.step_index, code)
        except Exception as exc:  # no runner, no sandbox: say so, never crash the app
            self.app.call_from_thread(self.show_grading, None, f"{type(exc).__name__}: {exc}")
            return
        self.events = events
        self.app.call_from_thread(self.show_grading, grade_events(self.step, events, lang))

    def show_grading(self, grading: Grading | None, error: str | None = None) -> None:
        """The result of a Check (None and `error` when the run could not be made)."""
        self.checking = False
        self.grading = grading
        self.error = error
        if grading is not None:
            self.progress.record_exercise(self.lesson.id, self.step_index, grading.solved)
            self.post_message(self.Checked(self.lesson.id, self.step_index, grading.solved))
        self.render_all()

    def toggle_hint(self) -> None:
        self.show_hint = not self.show_hint
        self.render_all()

    def render_all(self) -> None:
        if not self.children or is_leaving(self):  # not composed yet (on_mount runs before
            return  # is_mounted is set), or a Check's result came after the step was left
        lang, looks = self.lang, looks_of(self)
        status = Text()
        results = Text()
        grading = self.grading
        if self.checking:
            status.append(tr("exercise.checking", lang), style="italic")
        elif self.error:
            status.append(tr("lesson.run_failed", lang, error=self.error), style=looks.wrong)
        elif grading is None:
            key = "exercise.solved_before" if self.solved else "exercise.goals"
            status.append(tr(key, lang))
        elif grading.solved:
            status.append(tr("exercise.solved", lang), style=looks.right)
        else:
            total = len(grading.results)
            status.append(tr("exercise.failed", lang, failed=grading.failed, total=total))
        if grading is not None and not self.checking:
            for result in grading.results:
                mark, style = ("✓ ", looks.right) if result.ok else ("✗ ", looks.wrong)
                results.append(mark, style=style + Style(bold=True))
                results.append(visible(result.message) + "\n")  # may quote the program
        self.query_one("#ex-status", Static).update(status)
        results_box = self.query_one("#ex-results", Static)
        results_box.update(results)
        results_box.display = bool(results)
        hint = self.query_one("#ex-hint", Static)
        hint.update(Text(tr("exercise.hint", lang) + " " + self.step.hint(lang), looks.muted))
        hint.display = self.show_hint


class SolutionScreen(ModalScreen[None]):
    """The exercise's reference answer, read-only; Esc closes it."""

    DEFAULT_CSS = """
    SolutionScreen { align: center middle; }
    SolutionScreen > Vertical { width: 90%; height: 85%; border: round $accent; }
    SolutionScreen #solution-title { padding: 0 1; text-style: bold; }
    SolutionScreen TextArea { height: 1fr; }
    """
    BINDINGS = [Binding("escape", "dismiss", "Close", priority=True)]

    def __init__(self, step: ExerciseStep, lang: str, dark: bool) -> None:
        super().__init__()
        self.step = step
        self.lang = lang
        self.dark = dark

    def compose(self) -> ComposeResult:
        with Vertical():
            yield Static(Text(tr("exercise.solution_title", self.lang)), id="solution-title")
            yield readable_themes(
                TextArea.code_editor(
                    self.step.solution,
                    language="python",
                    read_only=True,
                    id="solution",
                ),
                EDITOR_THEMES[self.dark],
            )
