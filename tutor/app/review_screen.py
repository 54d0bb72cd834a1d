""" "Review mistakes": every quiz across the course whose latest answer was wrong, and
every exercise checked but not solved yet (choosing one opens it in its lesson).

``ReviewScreen(course, progress, lang)`` lists them (with the score of each lesson);
choosing one mounts its QuizPanel to try again. A right answer takes it off the list.
Escape goes back. Progress is saved after every answer (through the app's
``save_progress`` when it has one).
"""

from __future__ import annotations

from rich.style import Style
from rich.text import Text
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, Vertical, VerticalScroll
from textual.screen import Screen
from textual.widgets import Footer, OptionList
from textual.widgets.option_list import Option

from tutor.app.i18n import tr, translate_bindings
from tutor.app.looks import LOOK_CLASSES, Prose, looks_css, looks_of
from tutor.app.quiz_panel import QuizPanel
from tutor.lesson import Course, ExerciseStep, QuizStep

TYPE_CHECKING = False
if TYPE_CHECKING:
    from tutor.app.main import TutorApp
    from tutor.progress import Progress


def s(lang: str, key: str, **fields: object) -> str:
    return tr(f"review.{key}", lang, **fields)


class ReviewList(OptionList):
    """The quizzes and exercises to review, their details in the muted look."""

    DEFAULT_CSS = looks_css("ReviewList")
    COMPONENT_CLASSES = LOOK_CLASSES


class ReviewScreen(Screen[None]):
    if TYPE_CHECKING:
        app: TutorApp

    DEFAULT_CSS = """
    ReviewScreen #review-body { height: 1fr; }
    ReviewScreen #review-list { width: 40%; height: 1fr; }
    ReviewScreen #review-right { width: 1fr; height: 1fr; padding: 0 1; }
    ReviewScreen #review-host { height: 1fr; }
    ReviewScreen #review-title { text-style: bold; padding: 0 1; }
    """
    BINDINGS = [Binding("escape", "back", "Back", priority=True)]
    LANG_KEYS = {"back": "key.go_back"}

    def __init__(self, course: Course, progress: Progress, lang: str = "en") -> None:
        super().__init__()
        self.course = course
        self.progress = progress
        self.lang = lang
        self.entries: list[tuple[str, int]] = []

    def compose(self) -> ComposeResult:
        yield Prose(id="review-title")
        with Horizontal(id="review-body"):
            yield ReviewList(id="review-list")
            with Vertical(id="review-right"):
                yield Prose(id="review-help")
                yield VerticalScroll(id="review-host")
        yield Footer()

    def on_mount(self) -> None:
        translate_bindings(self, self.LANG_KEYS, self.lang)
        self.refresh_list()
        self.query_one("#review-list", OptionList).focus()
        self.watch(self.app, "lang", self.apply_lang, init=False)
        self.watch(self.app, "theme", lambda _theme: self.refresh_list(keep=True), init=False)

    def apply_lang(self, lang: str) -> None:
        """The app's language changed."""
        self.lang = lang
        translate_bindings(self, self.LANG_KEYS, self.lang)
        self.refresh_bindings()
        self.refresh_list(keep=True)
        for panel in self.query(QuizPanel):
            panel.lang = self.lang

    def mistakes(self) -> list[tuple[str, int]]:
        """(lesson id, step index) of each mistake whose lesson and quiz still exist."""
        found = []
        for mistake in self.progress.mistakes():
            lesson = self.course.get(mistake.lesson_id)
            if lesson is None or mistake.step_index >= len(lesson.steps):
                continue
            if isinstance(lesson.steps[mistake.step_index], QuizStep):
                found.append((mistake.lesson_id, mistake.step_index))
        for lesson_id, index, _attempts in self.progress.unsolved_exercises():
            lesson = self.course.get(lesson_id)
            if lesson is not None and index < len(lesson.steps):
                if isinstance(lesson.steps[index], ExerciseStep):
                    found.append((lesson_id, index))
        order = {lesson.id: n for n, lesson in enumerate(self.course.lessons)}
        found.sort(key=lambda e: (order.get(e[0], 0), e[1]))
        return found

    def refresh_list(self, keep: bool = False) -> None:
        lang = self.lang
        self.query_one("#review-title", Prose).update(Text(s(lang, "title")))
        option_list = self.query_one("#review-list", ReviewList)
        dim = looks_of(option_list).muted
        highlighted = option_list.highlighted
        self.entries = self.mistakes()
        option_list.clear_options()
        for lesson_id, index in self.entries:
            lesson = self.course.get(lesson_id)
            assert lesson is not None  # mistakes() keeps the lessons that exist
            label = Text(lesson.title(lang), style="bold")
            label.append(f"  {s(lang, 'step', n=index + 1)}\n", style=dim)
            step = lesson.steps[index]
            if isinstance(step, ExerciseStep):
                exercise = self.progress.exercise_result(lesson_id, index)
                label.append(step.title(lang))
                attempts = exercise.attempts if exercise else 0
                tries = "tries_one" if attempts == 1 else "tries"
                detail = [s(lang, tries, n=attempts), s(lang, "unsolved")]
                label.append("\n" + " · ".join(detail), style=dim + Style(italic=True))
                option_list.add_option(Option(label, id=f"{lesson_id}:{index}"))
                continue
            assert isinstance(step, QuizStep)  # mistakes() keeps quizzes and exercises
            record = self.progress.quiz_result(lesson_id, index)
            label.append(step.question(lang).strip().split("\n")[0][:80])
            detail = []
            if record and record.attempts:
                tries = "tries_one" if record.attempts == 1 else "tries"
                detail.append(s(lang, tries, n=record.attempts))
            if record and record.revealed:
                detail.append(s(lang, "revealed"))
            right, answered = self.progress.score(lesson_id)
            quizzes = lesson.quiz_count
            detail.append(s(lang, "score", right=right, total=max(answered, quizzes)))
            label.append("\n" + " · ".join(detail), style=dim + Style(italic=True))
            option_list.add_option(Option(label, id=f"{lesson_id}:{index}"))
        help_text = s(lang, "pick") if self.entries else s(lang, "empty")
        self.query_one("#review-help", Prose).update(Text(help_text, style="italic"))
        if self.entries:
            keep_at = highlighted if keep and highlighted is not None else 0
            option_list.highlighted = min(keep_at, len(self.entries) - 1)

    def on_option_list_option_selected(self, event: OptionList.OptionSelected) -> None:
        event.stop()
        if event.option_index >= len(self.entries):
            return
        lesson_id, index = self.entries[event.option_index]
        lesson = self.course.get(lesson_id)
        assert lesson is not None  # mistakes() keeps the lessons that exist
        if isinstance(lesson.steps[index], ExerciseStep):
            self.app.open_lesson(lesson, index)
            return
        host = self.query_one("#review-host", VerticalScroll)
        host.remove_children()
        panel = QuizPanel(lesson, index, self.lang, getattr(self.app, "start_run", None))
        host.mount(panel)

    def on_quiz_panel_answered(self, message: QuizPanel.Answered) -> None:
        message.grade.record_in(self.progress)
        save = getattr(self.app, "save_progress", None)
        if callable(save):
            save()
        else:
            self.progress.save()
        message.panel.score = self.progress.score(message.lesson_id)
        if message.correct:
            self.refresh_list(keep=True)

    def action_back(self) -> None:
        self.app.pop_screen()
