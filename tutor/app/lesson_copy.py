"""Copying from the lesson screen: the line picked in the output or timeline, or all output.

Text goes to the clipboard through App.copy_to_clipboard (OSC 52), as the program wrote it
(tutor.app.copy_text); the screen's ctrl+c and `y` call these.
"""

from __future__ import annotations

from textual.actions import SkipAction

from tutor.app.copy_text import line_text, output_text
from tutor.app.i18n import tr
from tutor.app.line_view import LineView

TYPE_CHECKING = False
if TYPE_CHECKING:
    from tutor.app.lesson_screen import LessonScreen


def copy_selection(screen: LessonScreen) -> None:
    """ctrl+c when no program runs: Textual's text selection, else the output or timeline
    line picked (the editor's own ctrl+c copies its selection)."""
    text = screen.get_selected_text()
    focused = screen.focused
    if not text and isinstance(focused, LineView) and 0 <= focused.cursor < len(focused.lines):
        text = line_text(focused.lines[focused.cursor])
    if not text:
        raise SkipAction()  # the editor's own ctrl+c copies its selection
    screen.app.copy_to_clipboard(text)
    screen.notify(tr("lesson.copied", screen.app.lang), timeout=2)


def copy_output(screen: LessonScreen) -> None:
    """The run's output as text, each line after its runner's name."""
    output = screen.run_pane.output
    output.flush()
    text = output_text(output.lines)
    if not text:
        screen.notify(tr("lesson.nothing_to_copy", screen.app.lang), timeout=2)
        return
    screen.app.copy_to_clipboard(text)
    screen.notify(tr("lesson.output_copied", screen.app.lang), timeout=2)
