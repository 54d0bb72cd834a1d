"""A program step's code as the learner left it: edits kept per step, reset, their own editor.

Edits go to the progress store at once and to its file a second after the last key (and
when the step or the screen is left), so neither leaving the lesson nor ctrl+q loses them;
F6 puts the lesson's code back after asking; `e` hands the code to $VISUAL/$EDITOR through
App.suspend and takes back what was saved as an edit. The lesson screen owns one and
forwards the editor's messages and its keys here; this keeps the screen to navigation.
"""

from __future__ import annotations

from textual.actions import SkipAction

from tutor.app.i18n import tr
from tutor.app.step_pane import PROGRAM_STEPS

TYPE_CHECKING = False
if TYPE_CHECKING:
    from textual.timer import Timer

    from tutor.app.lesson_screen import LessonScreen

CODE_SAVE_DELAY = 1.0
"""Seconds after the last keystroke before edited code is written to the progress file."""


class StepCode:
    """The editor's code of the screen's current step, kept in the progress store."""

    def __init__(self, screen: LessonScreen) -> None:
        self.screen = screen
        self._save_timer: Timer | None = None

    def saved(self) -> str | None:
        """What the editor should hold for the current step: the learner's edits, else the
        lesson's code (None on a step without a program)."""
        screen = self.screen
        step = screen.step
        if not isinstance(step, PROGRAM_STEPS):
            return None
        return screen.app.progress.get_code(screen.lesson.id, screen.step_index) or step.code

    def edited(self) -> bool:
        step = self.screen.step
        return isinstance(step, PROGRAM_STEPS) and self.screen.editor.text != step.code

    def changed(self) -> None:
        """The editor changed: keep its text for the step (forget it when it is the
        lesson's code again)."""
        screen = self.screen
        step = screen.step
        if not isinstance(step, PROGRAM_STEPS):
            return
        progress, text = screen.app.progress, screen.editor.text
        lesson_id, index = screen.lesson.id, screen.step_index
        if text == step.code:
            if progress.get_code(lesson_id, index) is not None:
                progress.clear_code(lesson_id, index)
                self._save_soon()
        elif text != progress.get_code(lesson_id, index):
            progress.save_code(lesson_id, index, text)
            self._save_soon()

    def _save_soon(self) -> None:
        if self._save_timer is not None:
            self._save_timer.stop()
        self._save_timer = self.screen.set_timer(CODE_SAVE_DELAY, self.save_now)

    def save_now(self) -> None:
        """Write edits still waiting for their timer (the step or the screen is left)."""
        if self._save_timer is not None:
            self._save_timer.stop()
            self._save_timer = None
            self.screen.app.save_progress()

    def ask_reset(self) -> None:
        """F6: the lesson's code back, after asking when there are edits to lose."""
        screen = self.screen
        if not isinstance(screen.step, PROGRAM_STEPS):
            raise SkipAction()
        if not self.edited():
            screen.notify(tr("lesson.reset_done", screen.app.lang), timeout=2)
            return
        from tutor.app.dialogs import ConfirmScreen

        def confirmed(yes: bool | None) -> None:
            if yes:
                self.reset()

        screen.app.push_screen(ConfirmScreen(tr("confirm.reset", screen.app.lang)), confirmed)

    def reset(self) -> None:
        screen = self.screen
        step = screen.step
        if isinstance(step, PROGRAM_STEPS):
            screen.editor.load_text(step.code)  # changed() forgets the saved edits
            screen.show_title()
            screen.notify(tr("lesson.reset_done", screen.app.lang), timeout=2)

    def edit_outside(self) -> None:
        """The step's code in the learner's own editor; what it saves comes back as an edit
        (undoable, kept like typed edits)."""
        screen = self.screen
        if not isinstance(screen.step, PROGRAM_STEPS):
            raise SkipAction()
        from tutor.app.outside_editor import edit_code

        lang, editor = screen.app.lang, screen.editor
        name = f"{screen.lesson.id}-step{screen.step_index + 1}.py"
        code, problem = edit_code(screen.app, editor.text, name, lang)
        if code is None:
            screen.notify(problem or "", severity="warning", markup=False, timeout=8)
            return
        if code != editor.text:  # kept like typed edits (changed())
            editor.replace(code, (0, 0), editor.document.end)
            screen.notify(tr("editor.back", lang), timeout=3)
