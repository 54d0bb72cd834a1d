"""The lesson screen's two panes: side by side when wide, stacked when narrow.

Under NARROW columns side-by-side panes cut the code (at 100 columns it gets 48, and most
lesson programs have a longer line), so the screen gets the `-narrow` class and tutor.tcss
stacks the code above the output; the footer is compact there, so that its keys fit in
80 columns. The screen fits itself to the terminal before its first frame (`fit` in its
compose), the lesson body after each resize.
"""

from __future__ import annotations

from typing import Any  # a screen of any result type

from textual import events
from textual.containers import Horizontal
from textual.screen import Screen
from textual.widgets import Footer

NARROW = 120
"""Below this many columns the panes are stacked."""


def fit(screen: Screen[Any], width: int) -> bool:
    """Stack the panes and compact the footer when `width` is narrow; True if it is."""
    narrow = width < NARROW
    screen.set_class(narrow, "-narrow")
    for footer in screen.query(Footer):
        footer.compact = narrow
    return narrow


class LessonBody(Horizontal):
    """Holds the step pane and the run pane; tells the screen when it is narrow."""

    def on_resize(self, event: events.Resize) -> None:
        fit(self.screen, self.app.size.width)
