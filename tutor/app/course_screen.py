"""The first screen: lessons grouped by topic, progress marks, the highlighted lesson's summary."""

from __future__ import annotations

import sys
from importlib.util import find_spec

from rich.style import Style
from rich.text import Text
from textual.app import ComposeResult, SystemCommand
from textual.binding import Binding
from textual.containers import Horizontal, VerticalScroll
from textual.screen import Screen
from textual.widgets import Footer, OptionList
from textual.widgets.option_list import Option

from tutor.app.i18n import tr, translate_bindings
from tutor.app.looks import Prose, looks_css, looks_of
from tutor.lesson import Course, Lesson, LessonError
from tutor.textsafe import visible

TYPE_CHECKING = False
if TYPE_CHECKING:
    from tutor.app.main import TutorApp
    from tutor.progress import Progress


class TitleBar(Prose):
    """One line with the screen's title and sub-title (lighter than Header: one widget)."""

    DEFAULT_CSS = """
    TitleBar { dock: top; height: 1; width: 1fr; background: $panel; color: $text;
               text-align: center; text-style: bold; }
    """ + looks_css("TitleBar")

    def on_mount(self) -> None:
        self.watch(self.screen, "title", self._show, init=False)
        self.watch(self.screen, "sub_title", self._show, init=False)
        self.watch(self.app, "theme", self._show, init=False)
        self._show()

    def _show(self, _value: object = None) -> None:
        screen = self.screen
        title = Text(screen.title or self.app.title)
        if screen.sub_title:
            title.append(" — " + screen.sub_title, style=looks_of(self).muted + Style(bold=False))
        self.update(title)


MARKS = {"new": "·", "in_progress": "◐", "done": "✓"}


def lesson_state(progress: Progress, lesson: Lesson) -> str:
    """The lesson's mark: done once its quizzes are answered and its exercises solved."""
    exercises = [index for index, _ in lesson.exercises]
    return progress.lesson_state(lesson.id, lesson.quiz_count, exercises)


INSTALL = {"gevent": "gevent>=26.9,<26.10", "greenlet": "greenlet>=3.5.6,<3.6"}


def missing_packages(lesson: Lesson) -> list[str]:
    return [pkg for pkg in lesson.packages if find_spec(pkg) is None]


def install_command(packages: list[str]) -> str:
    specs = " ".join(f"'{INSTALL.get(p, p)}'" for p in packages)
    return f"{sys.executable} -m pip install {specs}"


def missing_sentence(lesson: Lesson, lang: str) -> str | None:
    """What the lesson needs that is not installed, with the command that installs it."""
    need = lesson.python_too_old()
    if need:
        version = ".".join(map(str, sys.version_info[:2]))
        return tr("lesson.needs_python", lang, need=need, version=version)
    missing = missing_packages(lesson)
    if not missing:
        return None
    return tr("lesson.needs_gevent", lang, pkg=", ".join(missing), cmd=install_command(missing))


class CourseScreen(Screen[None]):
    if TYPE_CHECKING:
        app: TutorApp  # the screens of this app run in TutorApp only

    BINDINGS = [
        Binding("q", "app.quit", "Quit", id="course.quit"),
        Binding("enter", "open", "Open", show=True, id="course.open"),
        Binding("r", "app.review", "Review", id="course.review"),
    ]
    LANG_KEYS = {"app.quit": "key.quit", "open": "key.open", "app.review": "key.review"}

    def __init__(self, course: Course) -> None:
        super().__init__()
        self.course = course
        self._items: dict[str, Lesson | LessonError] = {}

    def compose(self) -> ComposeResult:
        yield TitleBar()
        with Horizontal(id="course-body"):
            yield OptionList(id="lessons")
            with VerticalScroll(id="summary-box"):
                yield Prose(id="summary")
        yield Footer()

    def on_mount(self) -> None:
        self.watch(self.app, "lang", self.apply_lang)
        self.watch(self.app, "theme", self.show_summary, init=False)
        self.query_one("#lessons", OptionList).focus()

    def on_screen_resume(self) -> None:
        self.refill()

    # --- content -------------------------------------------------------------------

    def apply_lang(self, lang: str) -> None:
        translate_bindings(self, self.LANG_KEYS, lang)
        self.title = "coro-tutor"
        self.sub_title = tr("course.title", lang)
        self.refill()
        self.refresh_bindings()

    def refill(self) -> None:
        """(Re)build the list, keeping the highlighted lesson."""
        if not self.is_mounted:
            return
        lang = self.app.lang
        options = self.query_one("#lessons", OptionList)
        keep = None
        if options.highlighted is not None:
            keep = options.get_option_at_index(options.highlighted).id
        if keep is None:
            last = self.app.progress.last_lesson
            keep = f"lesson:{last}" if last else None
        progress = self.app.progress
        items: list[Option | None] = []
        self._items = {}
        topics: dict[str, list[Lesson]] = {}
        for lesson in self.course.lessons:
            topics.setdefault(lesson.topic(lang), []).append(lesson)
        for topic, lessons in topics.items():
            if items:
                items.append(None)
            items.append(Option(Text(topic, style="bold"), disabled=True))
            for lesson in lessons:
                state = lesson_state(progress, lesson)
                prompt = Text.assemble(
                    (f" {MARKS[state]} ", "bold"),
                    lesson.title(lang),
                    no_wrap=True,
                    overflow="ellipsis",
                )
                option_id = f"lesson:{lesson.id}"
                self._items[option_id] = lesson
                items.append(Option(prompt, id=option_id))
        if self.course.errors:
            if items:
                items.append(None)
            items.append(Option(Text(tr("course.errors", lang), style="bold"), disabled=True))
            for number, error in enumerate(self.course.errors):
                option_id = f"error:{number}"
                self._items[option_id] = error
                shown = visible(error.path, one_line=True)  # a file name is any bytes
                items.append(Option(Text.assemble((" ✗ ", "bold red"), shown), id=option_id))
        if not items:
            path = getattr(self.app, "lessons_path", "")
            items.append(Option(Text(tr("course.empty", lang, path=path)), disabled=True))
        options.clear_options()
        options.add_options(items)
        index = None
        if keep is not None:
            try:
                index = options.get_option_index(keep)
            except Exception:
                index = None
        if index is None:
            index = next((i for i, o in enumerate(options.options) if not o.disabled), None)
        if index is not None:
            options.highlighted = index
        self.show_summary()

    def show_summary(self, _theme: object = None) -> None:
        lang = self.app.lang
        options = self.query_one("#lessons", OptionList)
        summary = self.query_one("#summary", Prose)
        dim = looks_of(summary).muted
        item = None
        if options.highlighted is not None:
            item = self._items.get(options.get_option_at_index(options.highlighted).id or "")
        if isinstance(item, Lesson):
            state = lesson_state(self.app.progress, item)
            text = Text()
            text.append(item.title(lang) + "\n", style="bold")
            text.append(item.topic(lang) + "  ·  ", style=dim)
            text.append(tr(f"course.state.{state}", lang) + "\n\n", style=dim)
            text.append(item.summary(lang) + "\n\n")
            text.append(
                tr("course.steps", lang, n=len(item.steps), q=item.quiz_count) + "\n", style=dim
            )
            if item.exercises:
                solved = len(self.app.progress.solved_exercises(item.id))
                text.append(
                    tr("course.exercises", lang, e=len(item.exercises), s=solved) + "\n",
                    style=dim,
                )
            if item.requires:
                text.append(
                    tr("course.requires", lang, pkgs=", ".join(item.requires)) + "\n", style=dim
                )
            missing = missing_sentence(item, lang)
            if missing:
                text.append("\n" + missing + "\n", style="bold")
            text.append("\n" + tr("course.open_hint", lang), style=dim + Style(italic=True))
        elif isinstance(item, LessonError):
            text = Text()
            text.append(tr("course.error_hint", lang) + "\n\n")
            text.append(visible(str(item)), style="bold")
        else:
            text = Text()
        summary.update(text)

    # --- events --------------------------------------------------------------------

    def on_option_list_option_highlighted(self, event: OptionList.OptionHighlighted) -> None:
        self.show_summary()

    def on_option_list_option_selected(self, event: OptionList.OptionSelected) -> None:
        event.stop()
        self._open(event.option.id)

    def action_open(self) -> None:
        options = self.query_one("#lessons", OptionList)
        if options.highlighted is not None:
            self._open(options.get_option_at_index(options.highlighted).id)

    def _open(self, option_id: str | None) -> None:
        item = self._items.get(option_id or "")
        if isinstance(item, Lesson):
            self.app.open_lesson(item)
        elif isinstance(item, LessonError):
            self.app.notify(str(item), severity="error", markup=False)

    def palette_commands(self) -> list[SystemCommand]:
        return []
