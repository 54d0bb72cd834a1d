"""An author's lessons folder (--lessons DIR or CORO_TUTOR_LESSONS), watched: when a lesson
file changes the course is read again and the lesson on screen is shown anew at the same
step, so the author sees the change without restarting. watchfiles is imported only here,
and only when a folder was given."""

from __future__ import annotations

import threading
from pathlib import Path
from typing import Any

from tutor.app.i18n import tr


class LessonWatch:
    """A thread worker that watches `folder` and reloads the course in the app's thread."""

    def __init__(self, app: Any, folder: Path) -> None:
        self.app = app
        self.folder = folder
        self.stop = threading.Event()

    def start(self) -> None:
        self.app.run_worker(self._watch, thread=True, group="lesson-watch", exit_on_error=False)

    def close(self) -> None:
        self.stop.set()

    def _watch(self) -> None:
        from watchfiles import watch

        for _changes in watch(
            self.folder,
            stop_event=self.stop,
            watch_filter=lambda _change, path: path.endswith((".yaml", ".yml")),
        ):
            if self.stop.is_set():
                return
            self.app.call_from_thread(self.reload)

    def reload(self) -> None:
        from tutor.app.course_screen import CourseScreen
        from tutor.app.lesson_screen import LessonScreen
        from tutor.lesson import load_course

        app = self.app
        course = load_course([self.folder])
        app.course = course
        for screen in app.screen_stack:
            if isinstance(screen, CourseScreen):
                screen.course = course
                screen.refill()
        screen = app.screen
        if not isinstance(screen, LessonScreen):
            return
        lesson = course.get(screen.lesson.id)
        if lesson is None:  # broken now: keep showing the last good version, say why
            errors = [str(e) for e in course.errors if e.path == screen.lesson.path]
            sentence = tr("watch.lesson_broken", app.lang, error=errors[0] if errors else "")
            app.notify(sentence, severity="error", markup=False, timeout=10)
        elif lesson != screen.lesson:
            app.switch_screen(LessonScreen(lesson, screen.step_index))
            app.notify(tr("watch.lesson_reloaded", app.lang, title=lesson.title(app.lang)))
