"""Small modal dialogs."""

from __future__ import annotations

from rich.text import Text
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, Vertical
from textual.screen import ModalScreen
from textual.widgets import Button, Static

from tutor.app.i18n import tr

TYPE_CHECKING = False
if TYPE_CHECKING:
    from tutor.app.main import TutorApp


class ConfirmScreen(ModalScreen[bool]):
    """A yes/no question. Dismisses with True (yes) or False (no, Esc)."""

    if TYPE_CHECKING:
        app: TutorApp  # the screens of this app run in TutorApp only

    BINDINGS = [
        Binding("y", "answer(True)", "Yes", show=False),
        Binding("n", "answer(False)", "No", show=False),
        Binding("escape", "answer(False)", "No", show=False),
    ]

    def __init__(self, question: str) -> None:
        super().__init__()
        self.question = question

    def compose(self) -> ComposeResult:
        lang = self.app.lang
        with Vertical(id="dialog"):
            yield Static(Text(self.question), id="question")
            with Horizontal(id="dialog-buttons"):
                yield Button(tr("btn.yes", lang) + " (y)", id="yes", variant="error")
                yield Button(tr("btn.no", lang) + " (n)", id="no", variant="primary")

    def on_mount(self) -> None:
        self.query_one("#no", Button).focus()

    def on_button_pressed(self, event: Button.Pressed) -> None:
        event.stop()
        self.dismiss(event.button.id == "yes")

    def action_answer(self, yes: bool) -> None:
        self.dismiss(yes)


class LessonCompleteScreen(ModalScreen[str | None]):
    """The end of a lesson: its score and the way on. Dismisses with "next" (open the next
    lesson), "list" (back to the lessons) or None (stay)."""

    BINDINGS = [Binding("escape", "stay", "Stay", show=False)]
    if TYPE_CHECKING:
        app: TutorApp

    def __init__(self, summary: str, has_next: bool) -> None:
        super().__init__()
        self.summary = summary
        self.has_next = has_next

    def compose(self) -> ComposeResult:
        lang = self.app.lang
        with Vertical(id="complete"):
            yield Static(Text(tr("complete.title", lang)), id="complete-title")
            yield Static(Text(self.summary), id="complete-summary")
            with Horizontal(id="complete-buttons"):
                if self.has_next:
                    yield Button(
                        tr("btn.open_next", lang), id="next", variant="success", compact=True
                    )
                yield Button(tr("btn.to_list", lang), id="list", compact=True)
                yield Button(tr("btn.stay", lang), id="stay", compact=True)

    def on_mount(self) -> None:
        self.query_one("#next" if self.has_next else "#list", Button).focus()

    def on_button_pressed(self, event: Button.Pressed) -> None:
        event.stop()
        self.dismiss(None if event.button.id == "stay" else event.button.id)

    def action_stay(self) -> None:
        self.dismiss(None)
