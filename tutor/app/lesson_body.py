"""The lesson screen's two panes: side by side when wide, stacked when narrow.

Under NARROW columns side-by-side panes cut the code (at 100 columns it gets 48, and most
lesson programs have a longer line), so the screen gets the `-narrow` class and tutor.tcss
stacks the code above the output.
"""

from __future__ import annotations

from textual import events
from textual.containers import Horizontal

NARROW = 120
"""Below this many columns the panes are stacked."""


class LessonBody(Horizontal):
    """Holds the step pane and the run pane; tells the screen when it is narrow."""

    def on_resize(self, event: events.Resize) -> None:
        self.screen.set_class(self.app.size.width < NARROW, "-narrow")
