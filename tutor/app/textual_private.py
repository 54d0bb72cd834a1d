"""The few private Textual names the app relies on, each with why no public way exists.

Everything private goes through this module, so a Textual upgrade that renames one breaks
here and in tests/test_textual_private.py, loudly, not somewhere in the lesson screen.
pyproject.toml pins textual to the minor version these were checked against.
"""

from __future__ import annotations

from typing import Any  # a screen of any result type

from textual.binding import Binding
from textual.dom import DOMNode
from textual.geometry import Size
from textual.screen import Screen
from textual.widget import Widget


def binding_table(node: DOMNode) -> dict[str, list[Binding]]:
    """A node's key -> [Binding] table. Bindings are declared once in BINDINGS with one
    description; showing them in the learner's language means replacing the Binding
    objects of this instance, and Textual has no public setter for that."""
    return node._bindings.key_to_bindings


def is_dirty(screen: Screen[Any], widget: Widget) -> bool:
    """Whether `widget` waits for a repaint in the screen's next update. Public `refresh()`
    marks it, nothing public reads the mark back."""
    return widget in screen._dirty_widgets


def update_now(screen: Screen[Any]) -> None:
    """Run the screen's pending update (layout if needed, dirty widgets) now instead of at
    its next 1/60 s tick. Textual has no public "paint this frame now"; the run's first line
    uses it once per run (see LessonScreen.on_idle)."""
    screen._on_timer_update()


def sync_scrollbars(widget: Widget, virtual_size: Size) -> None:
    """Tell a widget's scrollbars about a new virtual size without the screen-wide layout
    pass that setting the public `virtual_size` reactive costs (~30 ms a time)."""
    widget._scroll_update(virtual_size)


def is_leaving(widget: Widget) -> bool:
    """Whether `widget` is being removed: Textual prunes its children first, and a worker
    or a call_after_refresh callback (the screen runs those) may still come back to it
    with its rows gone. Textual marks it (`_pruning`, `_closing`, `_closed`); the only
    public read of the marks is `display`, which also means hidden."""
    return widget._pruning or widget._closing or widget._closed
