"""A lesson: step navigation, keys, the position in the lesson and the command palette.

The screen wires two panes: the step pane (text, quiz, editor, buttons) and the run pane
(output and timeline, with the run controller). It sets what they show and follows what
they report; the run itself is theirs. What its keys do beyond moving between steps lives
beside it, one job a module: lesson_run (Run/Stop and the first frame), step_code (edits
kept per step, reset, $EDITOR), lesson_exercise, lesson_copy and step_title.
"""

from __future__ import annotations

from textual import events
from textual.actions import SkipAction
from textual.app import ComposeResult
from textual.binding import Binding
from textual.reactive import var
from textual.screen import Screen
from textual.widgets import Footer, Static, TextArea

from tutor.app import lesson_copy, lesson_exercise
from tutor.app.course_screen import TitleBar
from tutor.app.i18n import tr, translate_bindings
from tutor.app.lesson_body import LessonBody, fit
from tutor.app.lesson_run import LessonRun
from tutor.app.quiz_panel import QuizPanel
from tutor.app.run_pane import RunPane
from tutor.app.step_code import StepCode
from tutor.app.step_pane import PROGRAM_STEPS, StepPane
from tutor.app.step_title import KIND_CLASSES, step_title
from tutor.lesson import ExerciseStep, Lesson

TYPE_CHECKING = False
if TYPE_CHECKING:
    from textual.app import SystemCommand
    from textual.theme import Theme

    from tutor.app.exercise_panel import ExercisePanel
    from tutor.app.main import TutorApp
    from tutor.app.messages import RunFailed, RunFinished, SwitchShown
    from tutor.lesson import Step


class LessonScreen(Screen[None]):
    if TYPE_CHECKING:
        app: TutorApp

    BINDINGS = [
        Binding("f5", "run", "Run", id="lesson.run", priority=True),
        Binding("ctrl+r", "run", "Run", show=False, priority=True),
        Binding("ctrl+c", "stop", "Stop", id="lesson.stop", priority=True),
        Binding("ctrl+c", "copy_selection", "Copy", show=False, priority=True),
        Binding("escape", "escape", "Lessons", id="lesson.back", priority=True),
        Binding("f6", "reset", "Reset code", id="lesson.reset", show=False, priority=True),
        Binding("f7", "prev", "Prev step", id="lesson.prev", priority=True),
        Binding("f8", "next", "Next step", id="lesson.next", priority=True),
        Binding("f9", "app.review", "Review", show=False, priority=True),
        Binding("f4", "check", "Check", id="lesson.check", priority=True),
        Binding("ctrl+g", "hint", "Hint", show=False, priority=True),
        Binding("ctrl+o", "solution", "Solution", show=False, priority=True),
        Binding("ctrl+l", "outside_editor", "Your editor", show=False, priority=True),
        Binding("e", "outside_editor", "Your editor", show=False),
        Binding("y", "copy_output", "Copy output", show=False),
        Binding("k", "runner_names", "Runner names", show=False),
        Binding("z", "zoom", "Zoom output", show=False),
        # Stepping: the run pane's last line says these keys after a run (no footer room).
        Binding("alt+right", "step_switch(1)", "Next switch", show=False),
        Binding("alt+left", "step_switch(-1)", "Prev switch", show=False),
        Binding("full_stop", "step_switch(1)", "Next switch", show=False),
        Binding("comma", "step_switch(-1)", "Prev switch", show=False),
        Binding("w", "wrap", "Wrap lines", show=False),
        # Not in the footer here (80 columns have no room): F1 help and ctrl+p list them
        # (and the Reset button is on screen).
        Binding("f2", "app.toggle_lang", "Language", show=False),
        Binding("f3", "app.toggle_theme", "Light/dark", show=False),
        # Letters for the F-keys (terminals and laptops that eat them): not priority, so
        # they type into the editor when it has focus; none is a quiz key.
        Binding("c", "check", "Check", show=False),
        Binding("x", "run", "Run", show=False),
        Binding("u", "reset", "Reset code", show=False),
        Binding("p", "prev", "Prev step", show=False),
        Binding("n", "next", "Next step", show=False),
        Binding("v", "app.review", "Review", show=False),
    ]
    LANG_KEYS = {
        "run": "key.run",
        "stop": "key.stop",
        "escape": "key.back",
        "reset": "key.reset",
        "prev": "key.prev",
        "next": "key.next",
        "app.review": "key.review",
        "check": "key.check",
        "hint": "key.hint",
        "solution": "key.solution",
        "outside_editor": "key.outside_editor",
        "copy_output": "key.copy_output",
        "runner_names": "key.runner_names",
        "zoom": "key.zoom",
        "step_switch(1)": "key.step_next",
        "step_switch(-1)": "key.step_prev",
        "wrap": "key.wrap",
    }

    running: var[bool] = var(False, init=False)

    def __init__(self, lesson: Lesson, step: int = 0) -> None:
        super().__init__()
        self.lesson = lesson
        self.step_index = max(0, min(step, len(lesson.steps) - 1))
        self.code = StepCode(self)
        """The editor's code: edits kept per step, reset, the learner's own editor."""
        self.runs = LessonRun(self)
        """Run and Stop, and the frame with a run's first line."""

    # --- layout --------------------------------------------------------------------

    def compose(self) -> ComposeResult:
        app = self.app
        narrow = fit(self, app.size.width)  # before the first frame, not after a resize
        yield TitleBar()
        yield Static(id="step-title")
        with LessonBody(id="lesson-body"):
            dark = app.current_theme.dark
            yield StepPane(self.lesson, app.progress, app.lang, dark, app.start_run, id="left")
            yield RunPane(app.start_run, id="right")
        yield Footer(compact=narrow)

    def on_mount(self) -> None:
        self.step_pane = self.query_one(StepPane)
        self.run_pane = self.query_one(RunPane)
        self.run_pane.controller.spare_timeout = self.lesson.wall
        self.run_pane.set_dark(self.app.current_theme.dark)
        self.app.theme_changed_signal.subscribe(self, self._theme_changed)
        self.watch(self.app, "lang", self.apply_lang)
        self.show_step()

    def on_unmount(self) -> None:
        self.run_pane.controller.close()
        self.code.save_now()  # edits typed just before leaving (or ctrl+q) are kept

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        """Footer shows Run/Reset only on program steps, Stop only while running."""
        if action in ("run", "reset", "outside_editor", "zoom"):
            return isinstance(self.step, PROGRAM_STEPS) and not (action == "run" and self.running)
        if action in ("check", "hint", "solution"):
            return isinstance(self.step, ExerciseStep)
        if action == "stop":
            return self.running
        if action == "copy_selection":
            return not self.running
        if action == "step_switch":
            return self.run_pane.can_step
        if action == "prev":
            return self.step_index > 0 or None
        return True

    def translate_keys(self) -> None:
        """The footer in the learner's language; while a program runs, Esc says it stops it."""
        keys = dict(self.LANG_KEYS, escape="key.stop") if self.running else self.LANG_KEYS
        translate_bindings(self, keys, self.app.lang)

    def _theme_changed(self, theme: Theme) -> None:
        self.step_pane.set_dark(theme.dark)
        self.run_pane.set_dark(theme.dark)

    def apply_lang(self, lang: str) -> None:
        self.translate_keys()
        self.step_pane.lang = lang
        self.run_pane.lang = lang
        self.show_title()
        self.refresh_bindings()

    # --- steps ---------------------------------------------------------------------

    @property
    def step(self) -> Step:
        return self.lesson.steps[self.step_index]

    @property
    def editor(self) -> TextArea:
        return self.step_pane.editor

    def show_step(self) -> None:
        """Show the current step: its text, its program or quiz; remember the position."""
        step = self.step
        for name, kind in KIND_CLASSES.items():
            self.set_class(isinstance(step, kind), name)
        self.remove_class("-ran")  # its panes start empty (see LessonRun)
        runnable = isinstance(step, PROGRAM_STEPS)
        self.step_pane.show(self.step_index, self.code.saved())
        self.show_title()
        self.run_pane.show_step(runnable)
        self.run_pane.controller.want_spare(runnable)
        progress = self.app.progress
        progress.set_position(self.lesson.id, self.step_index)
        last = self.step_index == len(self.lesson.steps) - 1
        if last and not self.lesson.quiz_count and not self.lesson.exercises:
            progress.mark_complete(self.lesson.id)
        self.app.save_progress()

    def show_title(self) -> None:
        lang, lesson, index = self.app.lang, self.lesson, self.step_index
        solved = isinstance(self.step, ExerciseStep) and index in (
            self.app.progress.solved_exercises(lesson.id)
        )
        title = step_title(lesson, index, lang, solved=solved, edited=self.code.edited())
        self.query_one("#step-title", Static).update(title)
        self.title = lesson.title(lang)
        self.sub_title = lesson.topic(lang)

    def on_quiz_panel_answered(self, message: QuizPanel.Answered) -> None:
        """Record the answer, save, hand the lesson score down to the panel."""
        progress = self.app.progress
        message.grade.record_in(progress)
        self.app.save_progress()
        message.panel.score = progress.score(self.lesson.id)

    def go(self, delta: int) -> None:
        target = self.step_index + delta
        if target < 0:
            self.notify(tr("lesson.first_step", self.app.lang), timeout=2)
            return
        if self.running:  # the program belongs to the step being left
            self.action_stop()
        if target >= len(self.lesson.steps):
            self.show_complete()
            return
        self.step_index = target
        self.show_step()

    def show_complete(self) -> None:
        """The end of the lesson: its score, and the next lesson offered."""
        from tutor.app.dialogs import LessonCompleteScreen

        lang, lesson = self.app.lang, self.lesson
        lessons = self.app.course.lessons
        position = next((i for i, x in enumerate(lessons) if x.id == lesson.id), len(lessons))
        following = lessons[position + 1] if position + 1 < len(lessons) else None
        right, _answered = self.app.progress.score(lesson.id)
        total = lesson.quiz_count
        lines = [
            tr("complete.score", lang, right=right, total=total)
            if total
            else tr("complete.no_quiz", lang),
            tr("complete.next", lang, title=following.title(lang))
            if following
            else tr("complete.last", lang),
        ]

        def chosen(choice: str | None) -> None:
            if choice == "next" and following is not None:
                self.app.open_lesson(following, 0)
            elif choice == "list":
                self.app.pop_screen()

        self.app.push_screen(LessonCompleteScreen("\n".join(lines), following is not None), chosen)

    def action_next(self) -> None:
        self.go(1)

    def action_prev(self) -> None:
        self.go(-1)

    def action_escape(self) -> None:
        if self.running:
            self.action_stop()
            return
        if isinstance(self.focused, TextArea):
            self.focus_next()  # Esc leaves the editor (Tab moves on too)
            return
        self.app.pop_screen()

    # --- the program: run (lesson_run), code (step_code), exercise, copy -------------

    def action_run(self) -> None:
        self.runs.start()

    def watch_running(self, running: bool) -> None:
        self.runs.running_changed(running)

    def on_run_finished(self, message: RunFinished) -> None:
        self.runs.finished(message)

    def on_run_failed(self, message: RunFailed) -> None:
        self.runs.failed(message)

    def on_idle(self, event: events.Idle) -> None:
        """A run's first line is painted at once (Screen's own idle handler runs after)."""
        self.runs.paint_first_line()

    def action_stop(self) -> None:
        self.runs.stop()

    def on_text_area_changed(self, event: TextArea.Changed) -> None:
        self.code.changed()
        self.show_title()
        self.run_pane.set_code_shown(self.editor.text == self.run_pane.run_code)

    def action_reset(self) -> None:
        self.code.ask_reset()

    def action_outside_editor(self) -> None:
        self.code.edit_outside()

    def action_check(self) -> None:
        lesson_exercise.check(self)

    def on_exercise_panel_checked(self, message: ExercisePanel.Checked) -> None:
        self.app.save_progress()
        self.show_title()

    def action_hint(self) -> None:
        lesson_exercise.toggle_hint(self)

    def action_solution(self) -> None:
        lesson_exercise.show_solution(self)

    def action_copy_selection(self) -> None:
        lesson_copy.copy_selection(self)

    def action_copy_output(self) -> None:
        lesson_copy.copy_output(self)

    def action_runner_names(self) -> None:
        self.run_pane.output.toggle_names()

    def action_wrap(self) -> None:
        """Long output lines wrap (the default), or stay on one row and scroll sideways."""
        wraps = self.run_pane.output.toggle_wrap()
        self.notify(tr("lesson.wrap_on" if wraps else "lesson.wrap_off", self.app.lang), timeout=3)

    def action_zoom(self) -> None:
        """The output and timeline get the whole lesson body but the buttons, or give it
        back (for small terminals: 80x24 stacked leaves them few rows)."""
        if not isinstance(self.step, PROGRAM_STEPS):
            raise SkipAction()
        self.toggle_class("-zoom")
        focused = self.focused
        if self.has_class("-zoom") and focused is not None and self.step_pane in focused.ancestors:
            self.run_pane.output.focus()  # the editor is hidden

    def action_step_switch(self, delta: int) -> None:
        self.run_pane.step(delta)

    def on_switch_shown(self, message: SwitchShown) -> None:
        """Stepping through a run: the editor marks the switch's lines (while it holds the
        code that ran; the run pane says so otherwise)."""
        shown = self.step_pane.editor.show_marks(message.paused, message.resumes, message.code)
        self.run_pane.set_code_shown(shown or not message.code)

    # --- command palette -----------------------------------------------------------

    def palette_commands(self) -> list[SystemCommand]:
        from textual.app import SystemCommand

        lang = self.app.lang
        commands = [
            ("key.run", "cmd.run", self.action_run),
            ("key.stop", "cmd.stop", self._palette_stop),
            ("key.reset", "cmd.reset", self.action_reset),
            ("key.prev", "cmd.prev", self.action_prev),
            ("key.next", "cmd.next", self.action_next),
            ("key.back", "cmd.back", self.app.pop_screen),
            ("key.copy_output", "cmd.copy_output", self.action_copy_output),
            ("key.runner_names", "cmd.runner_names", self.action_runner_names),
            ("key.zoom", "cmd.zoom", self.action_zoom),
            ("key.wrap", "cmd.wrap", self.action_wrap),
        ]
        if isinstance(self.step, PROGRAM_STEPS):
            commands.insert(
                3, ("key.outside_editor", "cmd.outside_editor", self.action_outside_editor)
            )
        if isinstance(self.step, ExerciseStep):
            commands[1:1] = [
                ("key.check", "cmd.check", self.action_check),
                ("key.hint", "cmd.hint", self.action_hint),
                ("key.solution", "cmd.solution", self.action_solution),
            ]
        return [
            SystemCommand(tr(title, lang), tr(help_text, lang), callback)
            for title, help_text, callback in commands
        ]

    def _palette_stop(self) -> None:
        try:
            self.action_stop()
        except SkipAction:
            self.notify(tr("lesson.not_running", self.app.lang), timeout=2)
