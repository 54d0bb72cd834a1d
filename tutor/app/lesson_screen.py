"""A lesson: step navigation, keys, the position in the lesson and the command palette.

The screen wires two panes: the step pane (text, quiz, editor, buttons) and the run pane
(output and timeline, with the run controller). It sets what they show and follows what
they report; the run itself is theirs.
"""

from __future__ import annotations

from rich.text import Text
from textual import events
from textual.actions import SkipAction
from textual.app import ComposeResult
from textual.binding import Binding
from textual.reactive import var
from textual.screen import Screen
from textual.widgets import Footer, Static, TextArea

from tutor.app.course_screen import TitleBar, missing_sentence
from tutor.app.i18n import tr, translate_bindings
from tutor.app.lesson_body import LessonBody
from tutor.app.messages import RunFailed, RunFinished
from tutor.app.quiz_panel import QuizPanel
from tutor.app.run_pane import RunPane
from tutor.app.step_pane import PROGRAM_STEPS, StepPane
from tutor.app.textual_private import is_dirty, update_now
from tutor.lesson import ExerciseStep, Lesson, QuizStep, ReadStep, RunStep
from tutor.programs import program_request

TYPE_CHECKING = False
if TYPE_CHECKING:
    from textual.app import SystemCommand
    from textual.theme import Theme
    from textual.timer import Timer

    from tutor.app.exercise_panel import ExercisePanel
    from tutor.app.main import TutorApp
    from tutor.lesson import Step

FIRST_WAIT = 1 / 30
"""After Run, the buttons and the status line wait for the frame with the run's first line,
at most this long (a program that says nothing at first)."""
CODE_SAVE_DELAY = 1.0
"""Seconds after the last keystroke before edited code is written to the progress file."""


class LessonScreen(Screen[None]):
    if TYPE_CHECKING:
        app: TutorApp

    BINDINGS = [
        Binding("f5", "run", "Run", id="lesson.run", priority=True),
        Binding("ctrl+r", "run", "Run", show=False, priority=True),
        Binding("ctrl+c", "stop", "Stop", id="lesson.stop", priority=True),
        Binding("ctrl+c", "copy_selection", "Copy", show=False, priority=True),
        Binding("escape", "escape", "Lessons", id="lesson.back", priority=True),
        Binding("f6", "reset", "Reset code", id="lesson.reset", priority=True),
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
    }

    running: var[bool] = var(False, init=False)

    def __init__(self, lesson: Lesson, step: int = 0) -> None:
        super().__init__()
        self.lesson = lesson
        self.step_index = max(0, min(step, len(lesson.steps) - 1))
        self._save_timer: Timer | None = None
        self._ui_waits = False
        """Buttons and status wait until the run's first line is painted (see action_run)."""
        self._bindings_timer: Timer | None = None

    # --- layout --------------------------------------------------------------------

    def compose(self) -> ComposeResult:
        app = self.app
        yield TitleBar()
        yield Static(id="step-title")
        with LessonBody(id="lesson-body"):
            dark = app.current_theme.dark
            yield StepPane(self.lesson, app.progress, app.lang, dark, app.start_run, id="left")
            yield RunPane(app.start_run, id="right")
        yield Footer()

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
        self._save_now()  # edits typed just before leaving (or ctrl+q) are kept

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        """Footer shows Run/Reset only on program steps, Stop only while running."""
        if action in ("run", "reset", "outside_editor"):
            return isinstance(self.step, PROGRAM_STEPS) and not (action == "run" and self.running)
        if action in ("check", "hint", "solution"):
            return isinstance(self.step, ExerciseStep)
        if action == "stop":
            return self.running
        if action == "copy_selection":
            return not self.running
        if action == "prev":
            return self.step_index > 0 or None
        return True

    def _translate_keys(self) -> None:
        """The footer in the learner's language; while a program runs, Esc says it stops it."""
        keys = dict(self.LANG_KEYS, escape="key.stop") if self.running else self.LANG_KEYS
        translate_bindings(self, keys, self.app.lang)

    def _theme_changed(self, theme: Theme) -> None:
        self.step_pane.set_dark(theme.dark)
        self.run_pane.set_dark(theme.dark)

    def apply_lang(self, lang: str) -> None:
        self._translate_keys()
        self.step_pane.lang = lang
        self.run_pane.lang = lang
        self._show_title()
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
        self.set_class(isinstance(step, ReadStep), "-read")
        self.set_class(isinstance(step, PROGRAM_STEPS), "-run")
        self.set_class(isinstance(step, ExerciseStep), "-exercise")
        self.set_class(isinstance(step, QuizStep), "-quiz")
        code = None
        if isinstance(step, PROGRAM_STEPS):  # the learner's edits, kept across launches
            code = self.app.progress.get_code(self.lesson.id, self.step_index) or step.code
        self.step_pane.show(self.step_index, code)
        self._show_title()
        self.run_pane.show_step(isinstance(step, PROGRAM_STEPS))
        self.run_pane.controller.want_spare(isinstance(step, PROGRAM_STEPS))
        progress = self.app.progress
        progress.set_position(self.lesson.id, self.step_index)
        last = self.step_index == len(self.lesson.steps) - 1
        if last and not self.lesson.quiz_count and not self.lesson.exercises:
            progress.mark_complete(self.lesson.id)
        self.app.save_progress()

    def _show_title(self) -> None:
        lang = self.app.lang
        step = self.step
        kind = (
            "lesson.read"
            if isinstance(step, ReadStep)
            else "lesson.program"
            if isinstance(step, RunStep)
            else "lesson.exercise"
            if isinstance(step, ExerciseStep)
            else "lesson.quiz"
        )
        title = Text()
        title.append(
            tr("lesson.step", lang, i=self.step_index + 1, n=len(self.lesson.steps)), "bold"
        )
        title.append("  ·  " + tr(kind, lang))
        if isinstance(step, PROGRAM_STEPS) and step.title is not None:
            title.append("  ·  " + step.title(lang))
        if isinstance(step, ExerciseStep) and self.step_index in self.app.progress.solved_exercises(
            self.lesson.id
        ):
            title.append("  ·  ✓ " + tr("lesson.solved", lang), "bold")
        if self._edited():
            title.append("  ·  " + tr("lesson.edited", lang), "italic")
        self.query_one("#step-title", Static).update(title)
        self.title = self.lesson.title(lang)
        self.sub_title = self.lesson.topic(lang)

    def _edited(self) -> bool:
        step = self.step
        return isinstance(step, PROGRAM_STEPS) and self.editor.text != step.code

    def on_text_area_changed(self, event: TextArea.Changed) -> None:
        """Edits go to the progress store at once, to its file a second after the last key
        (and when the step or the screen is left)."""
        step = self.step
        if not isinstance(step, PROGRAM_STEPS):
            return
        progress, text = self.app.progress, self.editor.text
        if text == step.code:
            if progress.get_code(self.lesson.id, self.step_index) is not None:
                progress.clear_code(self.lesson.id, self.step_index)
                self._save_soon()
        elif text != progress.get_code(self.lesson.id, self.step_index):
            progress.save_code(self.lesson.id, self.step_index, text)
            self._save_soon()
        self._show_title()

    def _save_soon(self) -> None:
        if self._save_timer is not None:
            self._save_timer.stop()
        self._save_timer = self.set_timer(CODE_SAVE_DELAY, self._save_now)

    def _save_now(self) -> None:
        if self._save_timer is not None:
            self._save_timer.stop()
            self._save_timer = None
            self.app.save_progress()

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

    # --- running -------------------------------------------------------------------

    def action_run(self) -> None:
        lang = self.app.lang
        if not isinstance(self.step, PROGRAM_STEPS):
            self.notify(tr("lesson.no_program", lang), timeout=2)
            return
        if self.running:
            self.notify(tr("lesson.already_running", lang), timeout=2)
            return
        missing = missing_sentence(self.lesson, lang)
        if missing:
            self.notify(missing, severity="error", markup=False, timeout=10)
            return
        self.run_pane.controller.start_run = self.app.start_run  # tests swap it between runs
        # GO first: the spare child runs the program while the panes are cleared and painted.
        self.run_pane.start(program_request(self.lesson, self.step_index, self.editor.text))
        self.running = True

    def watch_running(self, running: bool) -> None:
        # Run/Stop and the status line (restyling a button is ~0.6 ms, and each would be
        # repainted in the same frame) follow right after the frame that shows the first
        # line, or after FIRST_WAIT without one; the keys work at once (check_action).
        if running:
            self._ui_waits = True
            self.set_timer(FIRST_WAIT, self._release_ui)
        elif not self._ui_waits:
            self._show_running()
        self._translate_keys()
        # Rebuilding the footer costs ~50 ms: not while the first output is on its way.
        # A quick run changes the footer once, after it ended, or not at all.
        if self._bindings_timer is not None:
            self._bindings_timer.stop()
        self._bindings_timer = self.set_timer(0.2, self.refresh_bindings)

    def _release_ui(self) -> None:
        if self._ui_waits:
            self._ui_waits = False
            self._show_running()

    def _show_running(self) -> None:
        self.step_pane.running = self.running
        self.run_pane.show_running(self.running)

    def on_run_finished(self, message: RunFinished) -> None:
        self.running = False
        if message.exit is None:  # cancelled: nothing more will be painted for this run
            self._release_ui()

    def on_run_failed(self, message: RunFailed) -> None:
        sentence = self.run_pane.failure_sentence(message.error)
        self.notify(sentence, severity="error", markup=False)
        self.running = False
        self._release_ui()

    def on_idle(self, event: events.Idle) -> None:
        """Paint the frame holding a run's first line at once. Textual paints at most 60
        frames a second, and after a quiet spell its next frame after the one that showed
        the cleared panes is 17-33 ms later: longer than `python hello.py` takes. Only this
        one frame skips the wait; the same update runs (layout if needed, then the dirty
        widgets), just sooner. Screen's own idle handler runs after this one."""
        pane = self.run_pane
        if pane.paint_requested and self.is_current and is_dirty(self, pane.output):
            pane.paint_requested = False
            update_now(self)
            self._release_ui()  # for the next frame, at Textual's own pace

    def action_stop(self) -> None:
        if not self.running:
            raise SkipAction()
        self.notify(tr("lesson.stopping", self.app.lang), timeout=2)
        self.run_pane.stop()

    def action_copy_selection(self) -> None:
        """ctrl+c when no program runs: Textual's text selection, else the output or
        timeline line picked (the editor's own ctrl+c copies its selection)."""
        from tutor.app.copy_text import line_text
        from tutor.app.line_view import LineView

        text = self.get_selected_text()
        focused = self.focused
        if not text and isinstance(focused, LineView) and 0 <= focused.cursor < len(focused.lines):
            text = line_text(focused.lines[focused.cursor])
        if not text:
            raise SkipAction()  # the editor's own ctrl+c copies its selection
        self.app.copy_to_clipboard(text)
        self.notify(tr("lesson.copied", self.app.lang), timeout=2)

    def action_copy_output(self) -> None:
        """The run's output as text, each line after its runner's name."""
        from tutor.app.copy_text import output_text

        output = self.run_pane.output
        output.flush()
        text = output_text(output.lines)
        if not text:
            self.notify(tr("lesson.nothing_to_copy", self.app.lang), timeout=2)
            return
        self.app.copy_to_clipboard(text)
        self.notify(tr("lesson.output_copied", self.app.lang), timeout=2)

    def action_runner_names(self) -> None:
        self.run_pane.output.toggle_names()

    def action_escape(self) -> None:
        if self.running:
            self.action_stop()
            return
        if isinstance(self.focused, TextArea):
            self.focus_next()  # Esc leaves the editor (Tab moves on too)
            return
        self.app.pop_screen()

    def action_reset(self) -> None:
        if not isinstance(self.step, PROGRAM_STEPS):
            raise SkipAction()
        if not self._edited():
            self.notify(tr("lesson.reset_done", self.app.lang), timeout=2)
            return
        from tutor.app.dialogs import ConfirmScreen

        def confirmed(yes: bool | None) -> None:
            if yes:
                self.reset_code()

        self.app.push_screen(ConfirmScreen(tr("confirm.reset", self.app.lang)), confirmed)

    def reset_code(self) -> None:
        step = self.step
        if isinstance(step, PROGRAM_STEPS):
            self.editor.load_text(step.code)  # on_text_area_changed forgets the saved edits
            self._show_title()
            self.notify(tr("lesson.reset_done", self.app.lang), timeout=2)

    def action_outside_editor(self) -> None:
        """The step's code in the learner's own editor; what it saves comes back as an edit
        (undoable, kept like typed edits)."""
        if not isinstance(self.step, PROGRAM_STEPS):
            raise SkipAction()
        from tutor.app.outside_editor import edit_code

        lang = self.app.lang
        name = f"{self.lesson.id}-step{self.step_index + 1}.py"
        code, problem = edit_code(self.app, self.editor.text, name, lang)
        if code is None:
            self.notify(problem or "", severity="warning", markup=False, timeout=8)
            return
        if code != self.editor.text:  # kept like typed edits (on_text_area_changed)
            self.editor.replace(code, (0, 0), self.editor.document.end)
            self.notify(tr("editor.back", lang), timeout=3)

    # --- exercises -----------------------------------------------------------------

    def action_check(self) -> None:
        panel = self.step_pane.exercise_panel
        if panel is None:
            raise SkipAction()
        panel.check(self.editor.text)

    def on_exercise_panel_checked(self, message: ExercisePanel.Checked) -> None:
        self.app.save_progress()
        self._show_title()

    def action_hint(self) -> None:
        panel = self.step_pane.exercise_panel
        if panel is None:
            raise SkipAction()
        panel.toggle_hint()

    def action_solution(self) -> None:
        step = self.step
        if not isinstance(step, ExerciseStep):
            raise SkipAction()
        from tutor.app.exercise_panel import SolutionScreen

        self.app.push_screen(SolutionScreen(step, self.app.lang, self.app.current_theme.dark))

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
