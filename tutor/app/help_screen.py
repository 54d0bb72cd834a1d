"""F1: every key, where it works, in the current language."""

from __future__ import annotations

from rich.table import Table
from rich.text import Text
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Vertical, VerticalScroll
from textual.screen import ModalScreen
from textual.widgets import Button, Static

from tutor.app.i18n import tr

# (area, keys, description key). The lesson screen's bindings are the source of these keys;
# tests/test_app.py checks that every binding of every screen appears here.
KEYS: list[tuple[str, str, str]] = [
    ("help.everywhere", "F1", "key.help"),
    ("help.everywhere", "F2", "key.lang"),
    ("help.everywhere", "F3", "key.theme"),
    ("help.everywhere", "ctrl+p", "key.palette"),
    ("help.everywhere", "ctrl+q", "key.quit"),
    ("help.course", "↑ ↓", "key.cursor_down"),
    ("help.course", "Enter", "key.open"),
    ("help.course", "q", "key.quit"),
    ("help.lesson", "F5, ctrl+r", "key.run"),
    ("help.lesson", "ctrl+c, Esc", "key.stop"),
    ("help.lesson", "F6", "key.reset"),
    ("help.lesson", "F7", "key.prev"),
    ("help.lesson", "F8", "key.next"),
    ("help.lesson", "F9", "key.review"),
    ("help.lesson", "Esc", "key.back"),
    ("help.lesson", "Tab, shift+Tab", "key.focus_output"),
    ("help.output", "↑ ↓", "key.cursor_down"),
]


class HelpScreen(ModalScreen[None]):
    BINDINGS = [
        Binding("escape,f1,q", "close", "Close"),
    ]

    def compose(self) -> ComposeResult:
        with Vertical(id="help"):
            yield VerticalScroll(Static(id="help-text"))
            yield Button(tr("btn.close", self.app.lang), id="close", compact=True)

    def on_mount(self) -> None:
        self.render_help()

    def apply_lang(self, lang: str) -> None:
        self.render_help()
        self.query_one("#close", Button).label = tr("btn.close", lang)

    def render_help(self) -> None:
        lang = self.app.lang
        table = Table(title=tr("help.title", lang), expand=True, show_edge=False, pad_edge=False)
        table.add_column(tr("help.where", lang), style="dim", no_wrap=True)
        table.add_column("", style="bold", no_wrap=True)
        table.add_column("")
        for area, keys, description in KEYS:
            label = tr(description, lang)
            if description == "key.cursor_down" and area == "help.course":
                label = tr("key.cursor_down", lang) + " / " + tr("key.cursor_up", lang)
            elif description == "key.cursor_down":
                label = tr("key.cursor_down", lang) + " / " + tr("key.cursor_up", lang)
            elif description == "key.back":
                label = tr("key.back", lang) + " (" + tr("key.stop", lang) + ")"
            table.add_row(tr(area, lang), keys, Text(label))
        notes = Text()
        notes.append("\n" + tr("help.mouse", lang) + "\n\n")
        notes.append(tr("help.editor", lang))
        from rich.console import Group

        self.query_one("#help-text", Static).update(Group(table, notes))

    def on_button_pressed(self, event: Button.Pressed) -> None:
        event.stop()
        self.dismiss()

    def action_close(self) -> None:
        self.dismiss()
