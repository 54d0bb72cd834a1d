"""The tutor app: screens, language, theme, progress and the command palette.

Only the course screen is imported at start-up; the lesson screen (Markdown, the
tree-sitter code editor, the runner) is imported when a lesson is first opened, so the
first frame costs little more than a bare Textual app.
"""

from __future__ import annotations

import os
from collections.abc import Iterable
from pathlib import Path
from typing import Any

from textual.app import App, SystemCommand
from textual.binding import Binding
from textual.reactive import var
from textual.screen import Screen

from tutor.app.i18n import tr, translate_bindings
from tutor.lesson import Course, Lesson, lessons_dir
from tutor.strings import locale_language

TYPE_CHECKING = False
if TYPE_CHECKING:
    from textual.theme import Theme

    from tutor.runner.streaming import StartRun

DARK_THEME = "textual-dark"
LIGHT_THEME = "textual-light"


class TutorApp(App[None]):
    TITLE = "coro-tutor"
    CSS_PATH = str(Path(__file__).parent / "tutor.tcss")
    ENABLE_COMMAND_PALETTE = True
    BINDINGS = [
        Binding("f1", "help", "Help", id="help"),
        Binding("f2", "toggle_lang", "中文", id="lang"),
        Binding("f3", "toggle_theme", "Light/dark", id="theme"),
        Binding("ctrl+q", "quit", "Quit", id="quit", priority=True, show=False),
        # Letters for the F-keys (not priority: the editor types them when it has focus)
        Binding("question_mark", "help", "Help", show=False),
        Binding("l", "toggle_lang", "中文", show=False),
        Binding("d", "toggle_theme", "Light/dark", show=False),
    ]
    LANG_KEYS = {
        "help": "key.help",
        "toggle_lang": "key.lang",
        "toggle_theme": "key.theme",
        "quit": "key.quit",
        "command_palette": "key.palette",
    }

    lang: var[str] = var("en", init=False)

    def __init__(
        self,
        lessons: str | Path | None = None,
        lang: str | None = None,
        *,
        course: Course | None = None,
        progress: Any = None,
        start_run: StartRun | None = None,
        reopen: bool = True,
    ) -> None:
        super().__init__()
        self.lesson_watch = None
        if lessons or os.environ.get("CORO_TUTOR_LESSONS"):  # an author's folder: watched
            from tutor.app.lesson_watch import LessonWatch

            self.lesson_watch = LessonWatch(self, lessons_dir(lessons))
        if course is None:
            from tutor.app.course_cache import load_course_cached

            course, save_cache = load_course_cached(lessons_dir(lessons))
            save_cache()
        self.course = course
        self.lessons_path = str(lessons_dir(lessons)) if course is None else ""
        self.progress_warning: str | None = None
        if progress is None:
            from tutor.progress import load_progress

            progress, self.progress_warning = load_progress()
        self.progress = progress
        self.start_run = start_run
        """Injectable for tests: an async callable like tutor.runner.start_run."""
        self.reopen = reopen
        saved_lang = self.progress.get_setting("lang")
        if saved_lang not in ("en", "zh"):  # never chosen: the locale's (zh_* is Chinese)
            saved_lang = None
        self.set_reactive(TutorApp.lang, lang or saved_lang or locale_language() or "en")
        self._lang_to_save = bool(lang and lang != saved_lang)
        translate_bindings(self, self.LANG_KEYS, self.lang)
        theme = self.progress.get_setting("theme")  # any Textual theme, picked in ctrl+p
        self.theme = theme if theme in self.available_themes else DARK_THEME

    # --- screens -------------------------------------------------------------------

    def get_default_screen(self) -> Screen[Any]:
        """The course screen is the bottom of the stack (no blank screen is painted first)."""
        from tutor.app.course_screen import CourseScreen

        return CourseScreen(self.course)

    def on_mount(self) -> None:
        if self._lang_to_save:  # --lang is remembered like F2
            self.progress.set_setting("lang", self.lang)
            self.call_after_refresh(self.save_progress)
        if self.progress_warning:
            self.notify(self.progress_warning, severity="warning", timeout=10, markup=False)
        self.call_after_refresh(self._freeze_startup_objects)
        if self.lesson_watch is not None:
            self.lesson_watch.start()
        self.theme_changed_signal.subscribe(self, self._remember_theme)
        last = self.progress.last_lesson if self.reopen else None
        lesson = self.course.get(last) if last else None
        if lesson is not None:
            self.call_after_refresh(self.open_lesson, lesson, self.progress.position(lesson.id))

    def on_unmount(self) -> None:
        if self.lesson_watch is not None:
            self.lesson_watch.close()

    @staticmethod
    def _freeze_startup_objects() -> None:
        """Move everything made at start-up out of the collector's sight: a full collection
        then scans only what came later, so it never stalls a frame while output floods in."""
        import gc

        gc.freeze()

    def open_lesson(self, lesson: Lesson, step: int | None = None) -> None:
        from tutor.app.lesson_screen import LessonScreen

        if step is None:
            step = self.progress.position(lesson.id)
        if isinstance(self.screen, LessonScreen):  # one lesson at a time: Esc goes to the list
            self.switch_screen(LessonScreen(lesson, step))
        else:
            self.push_screen(LessonScreen(lesson, step))

    def save_progress(self) -> None:
        if not self.progress.save() and self.progress.problem:
            self.notify(self.progress.problem, severity="warning", markup=False)

    # --- language and theme --------------------------------------------------------

    def tr(self, key: str, **fields: object) -> str:
        return tr(key, self.lang, **fields)

    def watch_lang(self, lang: str) -> None:
        self.progress.set_setting("lang", lang)
        self.save_progress()
        translate_bindings(self, self.LANG_KEYS, lang)
        self.refresh_bindings()  # each screen follows `lang` itself (watch)

    def action_toggle_lang(self) -> None:
        self.lang = "en" if self.lang == "zh" else "zh"

    def action_toggle_theme(self) -> None:
        self.theme = LIGHT_THEME if self.current_theme.dark else DARK_THEME

    def _remember_theme(self, theme: Theme) -> None:
        """F3 or Textual's theme picker: the choice is kept for the next launch."""
        if theme.name != self.progress.get_setting("theme"):
            self.progress.set_setting("theme", theme.name)
            self.save_progress()

    def action_help(self) -> None:
        from tutor.app.help_screen import HelpScreen

        if not isinstance(self.screen, HelpScreen):
            self.push_screen(HelpScreen())

    # --- command palette -----------------------------------------------------------

    def get_system_commands(self, screen: Screen[Any]) -> Iterable[SystemCommand]:
        t = self.tr
        own = getattr(screen, "palette_commands", None)
        if own is not None:
            yield from own()
        yield SystemCommand(t("key.help"), t("cmd.help"), self.action_help)
        yield SystemCommand(t("key.lang"), t("cmd.lang"), self.action_toggle_lang)
        yield SystemCommand(t("key.theme"), t("cmd.theme"), self.action_toggle_theme)
        yield SystemCommand(t("key.review"), t("cmd.review"), self.action_review)
        for lesson in self.course.lessons:
            title = lesson.title(self.lang)
            yield SystemCommand(
                t("cmd.open", title=title),
                lesson.summary(self.lang),
                lambda lesson=lesson: self.open_lesson(lesson),
            )
        yield SystemCommand(t("key.quit"), t("cmd.quit"), self.exit)
        for command in super().get_system_commands(screen):  # theme picker, keys, screenshot…
            if command.callback != self.action_quit:  # ours above says it in the learner's language
                yield command

    def action_review(self) -> None:
        from tutor.app.review_screen import ReviewScreen

        self.push_screen(ReviewScreen(self.course, self.progress, self.lang))
