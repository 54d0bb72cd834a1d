"""F1: every key, where it works, in the current language."""

from __future__ import annotations

from rich.table import Table
from rich.text import Text
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Vertical, VerticalScroll
from textual.screen import ModalScreen
from textual.widgets import Button

from tutor.app.i18n import tr
from tutor.app.looks import Prose, looks_of

TYPE_CHECKING = False
if TYPE_CHECKING:
    from tutor.app.main import TutorApp

# (area, keys, description key). The lesson screen's bindings are the source of these keys;
# tests/test_app.py checks that every binding of every screen appears here.
KEYS: list[tuple[str, str, str]] = [
    ("help.everywhere", "F1, ?", "key.help"),
    ("help.everywhere", "F2, l", "cmd.lang"),
    ("help.everywhere", "F3, d", "cmd.theme"),
    ("help.everywhere", "ctrl+p", "help.palette"),
    ("help.everywhere", "ctrl+q", "cmd.quit"),
    ("help.course", "↑ ↓", "help.choose"),
    ("help.course", "Enter", "help.open"),
    ("help.course", "r", "cmd.review"),
    ("help.course", "q", "cmd.quit"),
    ("help.lesson", "F5, ctrl+r, x", "cmd.run"),
    ("help.lesson", "ctrl+c, Esc", "cmd.stop"),
    ("help.lesson", "ctrl+c", "help.copy"),
    ("help.lesson", "y", "cmd.copy_output"),
    ("help.lesson", "k", "cmd.runner_names"),
    ("help.lesson", "z", "cmd.zoom"),
    ("help.lesson", "alt+← alt+→, , .", "help.step"),
    ("help.lesson", "w", "cmd.wrap"),
    ("help.lesson", "F6, u", "cmd.reset"),
    ("help.lesson", "F7, p", "cmd.prev"),
    ("help.lesson", "F8, n", "help.next_end"),
    ("help.lesson", "F9, v", "cmd.review"),
    ("help.lesson", "F4, c", "cmd.check"),
    ("help.lesson", "ctrl+g", "cmd.hint"),
    ("help.lesson", "ctrl+o", "cmd.solution"),
    ("help.lesson", "ctrl+l, e", "cmd.outside_editor"),
    ("help.lesson", "Esc", "help.esc"),
    ("help.lesson", "Tab, shift+Tab", "help.tab"),
    ("help.lesson", "ctrl+t", "help.indent"),
    ("help.output", "↑ ↓", "help.select_line"),
    ("help.output", "← →", "help.step_timeline"),
    ("help.quiz", "1-9", "help.quiz_pick"),
    ("help.quiz", "↑ ↓", "help.quiz_select"),
    ("help.quiz", "[ ], shift+↑ ↓", "help.quiz_move"),
    ("help.quiz", "Enter", "help.quiz_submit"),
    ("help.quiz", "h", "help.quiz_hint"),
    ("help.quiz", "r", "help.quiz_reveal"),
    ("help.quiz", "t", "help.quiz_retry"),
]


class HelpScreen(ModalScreen[None]):
    BINDINGS = [
        Binding("escape,f1,q", "close", "Close"),
    ]
    if TYPE_CHECKING:
        app: TutorApp

    def compose(self) -> ComposeResult:
        with Vertical(id="help"):
            yield VerticalScroll(Prose(id="help-text"))
            yield Button(tr("btn.close", self.app.lang), id="close", compact=True)

    def on_mount(self) -> None:
        self.watch(self.app, "lang", self.apply_lang)
        self.watch(self.app, "theme", self.render_help, init=False)

    def apply_lang(self, lang: str) -> None:
        self.render_help()
        self.query_one("#close", Button).label = tr("btn.close", lang)

    def render_help(self, _theme: object = None) -> None:
        lang = self.app.lang
        text = self.query_one("#help-text", Prose)
        table = Table(title=tr("help.title", lang), box=None, expand=False, padding=(0, 2, 0, 0))
        table.add_column(tr("help.where", lang), style=looks_of(text).muted, no_wrap=True)
        table.add_column("", style="bold", no_wrap=True)
        table.add_column("", ratio=1)
        last_area = None
        for area, keys, description in KEYS:
            shown_area = tr(area, lang) if area != last_area else ""
            last_area = area
            table.add_row(shown_area, keys, Text(tr(description, lang)))
        notes = Text()
        notes.append("\n" + tr("help.mouse", lang) + "\n\n")
        notes.append(tr("help.editor", lang) + "\n\n")
        notes.append(tr("help.letters", lang))
        from rich.console import Group

        text.update(Group(table, notes))

    def on_button_pressed(self, event: Button.Pressed) -> None:
        event.stop()
        self.dismiss()

    def action_close(self) -> None:
        self.dismiss()
