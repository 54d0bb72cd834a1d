"""The left half of the lesson screen: the step's text, a banner, the quiz, the code editor
and the buttons.

The screen sets what to show (`show`, `lang`, `running`, `dark`); the buttons run the
screen's actions (Button(action=...)) and the editor's and quiz's messages bubble up to it.
"""

from __future__ import annotations

from rich.text import Text
from textual.app import ComposeResult
from textual.containers import Horizontal, Vertical, VerticalScroll
from textual.reactive import var
from textual.widgets import Button, Markdown, Static

from tutor.app.code_editor import EDITOR_THEMES, CodeEditor
from tutor.app.course_screen import missing_sentence
from tutor.app.exercise_panel import ExercisePanel
from tutor.app.i18n import tr
from tutor.app.quiz_panel import QuizPanel
from tutor.lesson import ExerciseStep, Lesson, QuizStep, ReadStep, RunStep

TYPE_CHECKING = False
if TYPE_CHECKING:
    from typing import Any  # Widget's keyword arguments, passed on

    from textual.widgets.button import ButtonVariant

    from tutor.lesson import Step
    from tutor.progress import Progress
    from tutor.runner.streaming import StartRun

PROGRAM_STEPS = (RunStep, ExerciseStep)
"""Steps with a program in the editor that Run runs."""
BUTTONS: list[tuple[str, str, ButtonVariant]] = [  # (id, action on the screen, variant)
    ("run", "run", "success"),
    ("stop", "stop", "error"),
    ("reset", "reset", "default"),
    ("prev", "prev", "default"),
    ("next", "next", "default"),
]


class StepPane(Vertical):
    """One step's reading and doing part."""

    lang: var[str] = var("en", init=False)
    running: var[bool] = var(False, init=False)

    def __init__(
        self,
        lesson: Lesson,
        progress: Progress,
        lang: str,
        dark: bool,
        start_run: StartRun | None = None,
        **kwargs: Any,
    ) -> None:
        super().__init__(**kwargs)
        self.lesson = lesson
        self.progress = progress
        self.start_run = start_run
        """Replaces tutor.runner.start_run for the quiz panels' key runs (tests)."""
        self.index = 0
        self.set_reactive(StepPane.lang, lang)
        self._dark = dark

    def compose(self) -> ComposeResult:
        with VerticalScroll(id="text-box"):
            yield Markdown(id="text")
        yield Static(id="banner")
        yield VerticalScroll(id="quiz-host")
        yield Static(id="watch")
        yield CodeEditor.code_editor(
            "",
            language="python",
            id="code",
            theme=EDITOR_THEMES[self._dark],
            tab_behavior="focus",
        )
        with Horizontal(id="buttons"):
            for button_id, action, variant in BUTTONS:
                if button_id == "prev":
                    yield Static(classes="spacer")
                yield Button(
                    tr(f"btn.{button_id}", self.lang),
                    id=button_id,
                    variant=variant,
                    compact=True,
                    disabled=button_id == "stop",
                    action=f"screen.{action}",
                )

    @property
    def step(self) -> Step:
        return self.lesson.steps[self.index]

    @property
    def editor(self) -> CodeEditor:
        return self.query_one("#code", CodeEditor)

    @property
    def code(self) -> str:
        return self.editor.text

    def set_dark(self, dark: bool) -> None:
        self._dark = dark
        self.editor.theme = EDITOR_THEMES[dark]

    # --- showing a step ------------------------------------------------------------

    def show(self, index: int, code: str | None) -> None:
        """Show step `index`; `code` is what its editor holds (a program step)."""
        self.index = index
        step = self.step
        self._show_text()
        if isinstance(step, PROGRAM_STEPS) and code is not None and self.editor.text != code:
            self.editor.load_text(code)
        self._show_banner()
        self._show_watch()
        self._show_quiz()
        self.query_one("#prev", Button).disabled = index == 0
        self._update_buttons()

    def _show_text(self) -> None:
        step = self.step
        markdown = ""
        if isinstance(step, ReadStep):
            markdown = step.text(self.lang)
        elif isinstance(step, RunStep) and step.text is not None:
            markdown = step.text(self.lang)
        elif isinstance(step, ExerciseStep):
            markdown = step.text(self.lang)
        self.query_one("#text-box").display = bool(markdown)
        self.query_one("#text", Markdown).update(markdown)

    def _show_banner(self) -> None:
        """A missing package (with the command that installs it), or a note on endless runs."""
        step = self.step
        notes = Text()
        if isinstance(step, PROGRAM_STEPS):
            missing = missing_sentence(self.lesson, self.lang)
            if missing:
                notes.append(missing, style="bold")
            elif isinstance(step, RunStep) and step.runs_forever:
                notes.append(tr("lesson.runs_forever", self.lang), style="italic")
        banner = self.query_one("#banner", Static)
        banner.update(notes)
        banner.display = bool(notes)

    def _show_watch(self) -> None:
        """A program step's "what to watch" line, right above its code."""
        step = self.step
        watch = self.query_one("#watch", Static)
        text = Text()
        if isinstance(step, RunStep) and step.watch is not None:
            text.append(tr("lesson.watch", self.lang), "bold")
            for n, part in enumerate(step.watch(self.lang).split("`")):
                text.append(part, "bold" if n % 2 else "")  # `code` stands out
        watch.update(text)
        watch.display = bool(text)

    def _show_quiz(self) -> None:
        host = self.query_one("#quiz-host", VerticalScroll)
        host.remove_children()
        if isinstance(self.step, QuizStep):
            host.mount(QuizPanel(self.lesson, self.index, self.lang, self.start_run))
        elif isinstance(self.step, ExerciseStep):
            host.mount(ExercisePanel(self.lesson, self.index, self.lang, self.progress))

    @property
    def exercise_panel(self) -> ExercisePanel | None:
        """The exercise step's panel (None on other steps)."""
        found = self.query(ExercisePanel)
        return found.first() if found else None

    def watch_lang(self, lang: str) -> None:
        for button_id, _action, _variant in BUTTONS:
            button = self.query_one(f"#{button_id}", Button)
            button.label = tr(f"btn.{button_id}", lang)
            button.refresh(layout=True)
        self._show_text()
        self._show_watch()
        self._show_banner()  # a QuizPanel follows the language itself, keeping its state
        for panel in self.query(ExercisePanel):
            panel.lang = lang

    def watch_running(self, running: bool) -> None:
        self._update_buttons()

    def _update_buttons(self) -> None:
        runnable = isinstance(self.step, PROGRAM_STEPS)
        self.query_one("#run", Button).disabled = self.running or not runnable
        self.query_one("#stop", Button).disabled = not self.running
        self.query_one("#reset", Button).disabled = not runnable
