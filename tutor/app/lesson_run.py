"""Running the step's program from the lesson screen: Run, Stop, and the first frame.

The path from the Run key to the first painted line has a budget (≤ 2× `python hello.py`,
docs/app.md), so this is where its tricks live: the spare child gets the program before
anything is redrawn, the buttons and status line wait for the frame with the first line,
that frame is painted at once (not at Textual's next 60 fps tick), and the footer is rebuilt
only after the run settled. The lesson screen owns one and forwards its keys and the run
messages here.
"""

from __future__ import annotations

from textual.actions import SkipAction

from tutor.app.course_screen import missing_sentence
from tutor.app.i18n import tr
from tutor.app.step_pane import PROGRAM_STEPS
from tutor.app.textual_private import is_dirty, update_now
from tutor.programs import program_request

TYPE_CHECKING = False
if TYPE_CHECKING:
    from textual.timer import Timer

    from tutor.app.lesson_screen import LessonScreen
    from tutor.app.messages import RunFailed, RunFinished

FIRST_WAIT = 1 / 30
"""After Run, the buttons and the status line wait for the frame with the run's first line,
at most this long (a program that says nothing at first)."""
FOOTER_WAIT = 0.2
"""The footer follows Run/Stop this long after the last change (rebuilding it is ~50 ms)."""


class LessonRun:
    """Starts and stops the screen's program and keeps the screen's `running` true."""

    def __init__(self, screen: LessonScreen) -> None:
        self.screen = screen
        self._ui_waits = False
        """Buttons and status wait until the run's first line is painted (see start)."""
        self._bindings_timer: Timer | None = None

    def start(self) -> None:
        screen = self.screen
        lang = screen.app.lang
        if not isinstance(screen.step, PROGRAM_STEPS):
            screen.notify(tr("lesson.no_program", lang), timeout=2)
            return
        if screen.running:
            screen.notify(tr("lesson.already_running", lang), timeout=2)
            return
        missing = missing_sentence(screen.lesson, lang)
        if missing:
            screen.notify(missing, severity="error", markup=False, timeout=10)
            return
        pane = screen.run_pane
        pane.controller.start_run = screen.app.start_run  # tests swap it between runs
        # GO first: the spare child runs the program while the panes are cleared and painted.
        pane.start(program_request(screen.lesson, screen.step_index, screen.editor.text))
        screen.running = True

    def running_changed(self, running: bool) -> None:
        """Run/Stop and the status line (restyling a button is ~0.6 ms, and each would be
        repainted in the same frame) follow right after the frame that shows the first
        line, or after FIRST_WAIT without one; the keys work at once (check_action)."""
        screen = self.screen
        if running:
            self._ui_waits = True
            screen.set_timer(FIRST_WAIT, self.release_ui)
        elif not self._ui_waits:
            self._show_running()
        screen.translate_keys()
        # Rebuilding the footer costs ~50 ms: not while the first output is on its way.
        # A quick run changes the footer once, after it ended, or not at all.
        if self._bindings_timer is not None:
            self._bindings_timer.stop()
        self._bindings_timer = screen.set_timer(FOOTER_WAIT, screen.refresh_bindings)

    def release_ui(self) -> None:
        if self._ui_waits:
            self._ui_waits = False
            self._show_running()

    def _show_running(self) -> None:
        screen = self.screen
        screen.step_pane.running = screen.running
        screen.run_pane.show_running(screen.running)
        if screen.running:  # the run pane gets more rows when stacked (a layout, after the
            screen.add_class("-ran")  # first line's frame): tutor.tcss

    def finished(self, message: RunFinished) -> None:
        self.screen.running = False
        if message.exit is None:  # cancelled: nothing more will be painted for this run
            self.release_ui()

    def failed(self, message: RunFailed) -> None:
        screen = self.screen
        sentence = screen.run_pane.failure_sentence(message.error)
        screen.notify(sentence, severity="error", markup=False)
        screen.running = False
        self.release_ui()

    def paint_first_line(self) -> None:
        """Paint the frame holding a run's first line at once. Textual paints at most 60
        frames a second, and after a quiet spell its next frame after the one that showed
        the cleared panes is 17-33 ms later: longer than `python hello.py` takes. Only this
        one frame skips the wait; the same update runs (layout if needed, then the dirty
        widgets), just sooner."""
        screen = self.screen
        pane = screen.run_pane
        if pane.paint_requested and screen.is_current and is_dirty(screen, pane.output):
            pane.paint_requested = False
            update_now(screen)
            self.release_ui()  # for the next frame, at Textual's own pace

    def stop(self) -> None:
        screen = self.screen
        if not screen.running:
            raise SkipAction()
        screen.notify(tr("lesson.stopping", screen.app.lang), timeout=2)
        screen.run_pane.stop()
