"""The tutor app (a first screen that lists the course)."""

from __future__ import annotations

from textual.app import App, ComposeResult
from textual.widgets import Footer, Header, OptionList
from textual.widgets.option_list import Option

from tutor.lesson import lessons_dir, load_course


class TutorApp(App):
    TITLE = "coro-tutor"
    BINDINGS = [("q", "quit", "Quit")]

    def __init__(self, lessons: str | None = None, lang: str | None = None) -> None:
        super().__init__()
        self.course = load_course([lessons_dir(lessons)])
        self.lang = lang or "en"

    def compose(self) -> ComposeResult:
        yield Header()
        options = [
            Option(f"{lesson.title(self.lang)} — {lesson.summary(self.lang)}", id=lesson.id)
            for lesson in self.course.lessons
        ]
        options += [Option(str(error), disabled=True) for error in self.course.errors]
        yield OptionList(*options)
        yield Footer()
