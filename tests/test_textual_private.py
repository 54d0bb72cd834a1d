"""The private Textual names the app relies on (tutor/app/textual_private.py) still exist.

If one of these fails after a Textual upgrade, the app would break somewhere subtle (the
first line of a run painted late, bindings in English, a layout pass per flush): fix
tutor/app/textual_private.py for the new version, then widen the pin in pyproject.toml.
"""

from __future__ import annotations

import inspect

from textual.screen import Screen
from textual.widget import Widget

from tutor.app import textual_private


def test_every_private_name_used_still_exists():
    assert callable(getattr(Screen, "_on_timer_update", None)), "Screen._on_timer_update"
    assert list(inspect.signature(Screen._on_timer_update).parameters) == ["self"]
    assert callable(getattr(Widget, "_scroll_update", None)), "Widget._scroll_update"
    assert list(inspect.signature(Widget._scroll_update).parameters) == ["self", "virtual_size"]


async def test_the_private_attributes_hold_what_the_app_expects():
    from textual.app import App
    from textual.binding import Binding
    from textual.widgets import Static

    class One(App):
        BINDINGS = [Binding("f5", "run", "Run")]

        def compose(self):
            yield Static("x", id="s")

    app = One()
    async with app.run_test() as pilot:
        table = textual_private.binding_table(app)
        assert [b.description for b in table["f5"]] == ["Run"]
        static = app.query_one("#s", Static)
        screen = app.screen
        await pilot.pause()
        assert isinstance(screen._dirty_widgets, set)  # what is_dirty reads
        assert textual_private.is_dirty(screen, static) is False
        static.update("y")
        textual_private.update_now(screen)  # runs (nothing else to check without racing)
        assert textual_private.is_leaving(static) is False
        removing = static.remove()
        assert textual_private.is_leaving(static) is True
        await removing
        assert textual_private.is_leaving(static) is True
