"""One quiz step in the TUI: keyboard-only answering, retry, reveal, result beside the trace.

``QuizPanel(lesson, step_index, lang, start_run=None)`` derives the key in an exclusive
worker (a real run through `start_run`, else tutor.runner's, or the trace cache), lets the
learner answer with the keyboard, grades and posts ``QuizPanel.Answered(grade)`` after
each answer and reveal. Attributes down, messages up: the host records the grade in the
progress store, saves, and sets ``panel.score`` for the lesson score shown with a result.

Keys: ↑/↓ select; shift+↑/↓ or [ / ] move the selected line (predict_order); Enter
submits; 1-9 pick a runner or an option; h hint; r reveal; t try again.
Every piece of program text is rendered as a rich `Text`, never as markup.
"""

from __future__ import annotations

from rich.console import Group
from rich.style import Style
from rich.text import Text
from textual import events, work
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Vertical
from textual.message import Message
from textual.reactive import Reactive, var
from textual.widget import AwaitMount, Widget
from textual.widgets import Static

from tutor.app.code_marks import MARK_CSS, PAUSED, numbered_code
from tutor.app.colors import RunnerColors
from tutor.app.i18n import translate_bindings
from tutor.app.looks import LOOK_CLASSES, PLAIN, Looks, looks_css, looks_of, marked_look
from tutor.app.quiz_result import ResultView, reflow
from tutor.app.textual_private import is_leaving
from tutor.lesson import Lesson, QuizStep
from tutor.quiz import (
    AnswerError,
    Grade,
    Quiz,
    QuizKeyError,
    prepare,
    quiz_steps,
    trace_for_async,
)
from tutor.strings import LANGUAGES, tr
from tutor.textsafe import visible

TYPE_CHECKING = False
if TYPE_CHECKING:
    from typing import Any  # Widget's keyword arguments, passed on

    from rich.console import RenderableType

    from tutor.runner.streaming import StartRun

ITALIC = Style(italic=True)
QUIZ_KEYS = {action: f"quiz.key.{action}" for action in ("submit", "hint", "reveal", "retry")}
"""The keys shown in the footer, in the learner's language."""
SELECTED = "❯"
"""The selected option or line (not ▶, which marks the code line a program paused after)."""


class QuizPanel(Widget, can_focus=True):
    """A quiz step: question, program, the answering area and the result."""

    DEFAULT_CSS = (
        """
    QuizPanel { height: auto; padding: 0 1; }
    QuizPanel:focus { background: $boost; }
    QuizPanel > .quiz-question { text-style: bold; margin-bottom: 1; }
    QuizPanel > .quiz-code { margin-bottom: 1; }
    QuizPanel > #quiz-choices { height: auto; margin-bottom: 1; }
    QuizPanel #quiz-options { height: auto; }
    """
        + f"QuizPanel > .quiz--paused {{ {MARK_CSS} }}"
        + looks_css("QuizPanel")
    )
    COMPONENT_CLASSES = {"quiz--paused", *LOOK_CLASSES}
    """The code line a next_switch quiz is paused after; right, wrong, notes, muted text
    and the `code` spans of the question, hint and explanation (tutor.app.looks)."""
    BINDINGS = [
        Binding("up,k", "cursor(-1)", "Up", show=False),
        Binding("down,j", "cursor(1)", "Down", show=False),
        Binding("shift+up,left_square_bracket", "move(-1)", "Move up", show=False),
        Binding("shift+down,right_square_bracket", "move(1)", "Move down", show=False),
        Binding("enter", "submit", "Check"),
        Binding("h", "hint", "Hint"),
        Binding("r", "reveal", "Reveal"),
        Binding("t", "retry", "Try again"),
        Binding("pageup", "page(-1)", "Page up", show=False),
        Binding("pagedown", "page(1)", "Page down", show=False),
    ]

    class Answered(Message):
        """Posted after each graded answer and each reveal (`grade.revealed`)."""

        def __init__(self, panel: QuizPanel, grade: Grade) -> None:
            super().__init__()
            self.panel = panel
            self.grade = grade

        @property
        def control(self) -> QuizPanel:
            return self.panel

        @property
        def lesson_id(self) -> str:
            return self.grade.lesson_id

        @property
        def step_index(self) -> int:
            return self.grade.step_index

        @property
        def correct(self) -> bool:
            return self.grade.correct and not self.grade.revealed

        @property
        def revealed(self) -> bool:
            return self.grade.revealed

    lang: var[str] = var("en", init=False)
    score: var[tuple[int, int] | None] = var(None, init=False)
    """(right at the first try, answered) in this lesson: the host sets it after recording."""

    def __init__(
        self,
        lesson: Lesson,
        step_index: int,
        lang: str,
        start_run: StartRun | None = None,
        **kwargs: Any,
    ) -> None:
        super().__init__(**kwargs)
        step = lesson.steps[step_index]
        if not isinstance(step, QuizStep):
            raise TypeError(f"step {step_index} of {lesson.id} is not a quiz")
        self.lesson = lesson
        self.step_index = step_index
        self.step: QuizStep = step
        self.start_run = start_run
        """Replaces tutor.runner.start_run for the key's run (the app's test hook)."""
        self.set_reactive(QuizPanel.lang, lang if lang in LANGUAGES else "en")
        self.runner_colors = RunnerColors()
        self.quiz: Quiz | None = None
        self.error: str | None = None
        self.grade: Grade | None = None
        self.show_hint = False
        self.cursor = 0
        self.order: list[str] = []
        """predict_order: the learner's current arrangement."""
        self.picks: list[str] = []
        """next_switch: the runners chosen so far, one per pause."""
        self.looks: Looks = PLAIN
        """Right, wrong, note, muted, code: readable on the panel, focused or not."""
        self._mounting: AwaitMount | None = None
        """The options' rows being mounted (scrolling to them waits for it)."""

    def t(self, key: str, **fields: object) -> str:
        return tr(f"quiz.{key}", self.lang, **fields)

    # --- layout ----------------------------------------------------------------------

    def compose(self) -> ComposeResult:
        yield Static(classes="quiz-question", id="quiz-question")
        yield Static(classes="quiz-code", id="quiz-code")
        yield Static(classes="quiz-answer", id="quiz-answer")
        with Vertical(id="quiz-choices"):
            yield Static(id="quiz-ask")
            yield Vertical(id="quiz-options")
            yield Static(id="quiz-help")
        yield Static(classes="quiz-result", id="quiz-result")

    def on_mount(self) -> None:
        self._translate_bindings()
        self.render_all()
        self.load_key()
        self.focus()
        # follow the app's language when it has a reactive `lang` (TutorApp does)
        if isinstance(getattr(type(self.app), "lang", None), Reactive):
            self.watch(self.app, "lang", self._app_lang, init=False)
        self.watch(self.app, "theme", lambda _theme: self.render_all(), init=False)

    def _app_lang(self, lang: str) -> None:
        if lang in LANGUAGES:
            self.lang = lang

    def watch_lang(self, lang: str) -> None:
        self._translate_bindings()
        self.render_all()

    def watch_score(self, score: tuple[int, int] | None) -> None:
        self.render_all()

    def _translate_bindings(self) -> None:
        translate_bindings(self, QUIZ_KEYS, self.lang)

    @work(exclusive=True, group="quiz-key")
    async def load_key(self) -> None:
        """Derive the key from a real run (or the cache) without blocking the UI."""
        try:
            events_ = await trace_for_async(self.lesson, self.step_index, start_run=self.start_run)
            quiz = prepare(self.lesson, self.step_index, events_)
        except QuizKeyError as exc:
            self.error = self.t("no_key", error=exc)
        except ImportError as exc:
            self.error = self.t("no_runner", error=exc)
        except Exception as exc:  # a broken runner must not take the app down
            self.error = self.t("no_runner", error=f"{type(exc).__name__}: {exc}")
        else:
            self.quiz = quiz
            for runner in quiz.items if quiz.kind == "next_switch" else []:
                self.runner_colors.index(runner)
            self.start_answering()
        self.render_all()
        if self.quiz is not None:
            self.call_after_refresh(self._show_choices)

    def start_answering(self) -> None:
        self.grade = None
        self.cursor = 0
        self.picks = []
        self.show_hint = False
        if self.quiz is not None:
            self.order = list(self.quiz.items) if self.quiz.kind == "predict_order" else []

    # --- rendering -------------------------------------------------------------------

    def _render_all(self) -> None:
        if not self.is_mounted or is_leaving(self):  # a key's worker may finish after F8
            return
        self.looks = looks = looks_of(self)
        self.runner_colors.dark = self.app.current_theme.dark
        self.runner_colors.backgrounds = looks.backgrounds
        question = self._lesson_text(self.step.question(self.lang), "bold")
        self.query_one("#quiz-question", Static).update(question)
        self.query_one("#quiz-code", Static).update(self._code())
        answer = self._answer_area()
        self.query_one("#quiz-answer", Static).update(answer or Text(""))
        self.query_one("#quiz-answer").display = answer is not None
        ask, options, help_ = self._choices_area()
        self.query_one("#quiz-ask", Static).update(ask)
        self.query_one("#quiz-ask").display = bool(ask.plain)
        self._show_options(options)
        self.query_one("#quiz-help", Static).update(help_)
        self.query_one("#quiz-choices").display = bool(options)
        self.query_one("#quiz-result", Static).update(self._result_area())

    def _lesson_text(self, text: str, style: str = "") -> Text:
        """Lesson prose with its `code` spans styled instead of showing the backticks, and
        its lines joined as Markdown does (a YAML block's line ends would break each line
        again wherever the pane is narrower than the file)."""
        parts = reflow(text.strip()).split("`")
        if len(parts) % 2 == 0:  # an unpaired backtick: show the text as written
            return Text("`".join(parts), style=style)
        out = Text(style=style)
        for i, part in enumerate(parts):
            out.append(part, self.looks.code if i % 2 else None)
        return out

    def paused_line(self) -> int | None:
        """The code line the program is paused after, while a next_switch pause is asked."""
        quiz = self.quiz
        if quiz is None or quiz.kind != "next_switch" or not self._answering():
            return None
        return quiz.paused_lines[len(self.picks)]

    def _code(self) -> Text:
        line = self.paused_line()
        mark = marked_look(self, "quiz--paused")
        return numbered_code(self.step.code, {line: PAUSED} if line else {}, mark, self.looks.muted)

    def _answer_area(self) -> RenderableType | None:
        if self.error:
            return Text(self.error, style=self.looks.wrong + Style(bold=True))
        if self.quiz is None:
            return Text(self.t("loading"), style="italic")
        parts: list[Text] = []
        if self.show_hint:
            hint = Text(self.t("hint"), style=self.looks.note + Style(bold=True))
            hint.append_text(self._lesson_text(self.step.hint(self.lang)))
            parts.append(hint)
        quiz = self._open_quiz()
        if quiz is not None and quiz.kind == "next_switch":
            parts.append(self._printed_so_far(quiz))
        return Group(*parts) if parts else None

    def _printed_so_far(self, quiz: Quiz) -> Text:
        n = len(self.picks)
        view = ResultView(self.t, self.runner_colors, self._lesson_text, self.looks)
        body = view.pause_marks(self.picks, quiz.key)
        body.append(self.t("printed") + "\n", style=self.looks.muted)
        context = quiz.context_lines(n)
        for i, (runner, line) in enumerate(context):
            last = i == len(context) - 1
            shown = visible(runner, one_line=True)
            body.append(f"{shown:>12} ", style=self.runner_colors.style(runner))
            body.append("│ ", style=self.looks.muted)
            body.append(visible(line, one_line=True), style="bold reverse" if last else "")
            body.append(f"   ◀ {self.t('mark', n=n + 1)}" if last else "", style=self.looks.note)
            body.append("\n" if not last else "")
        return body

    def _choices_area(self) -> tuple[Text, list[Text], Text]:
        """The pause's question and rule, one Text per option, the keys' help."""
        quiz = self._open_quiz()
        if quiz is None:
            return Text(""), [], Text("")
        ask = Text()
        if quiz.kind == "next_switch":
            n, total = len(self.picks) + 1, len(quiz.key)
            ask.append(self.t("paused", n=n, total=total) + "\n", style="bold")
            ask.append(self.t("rule"), style="italic")
        if quiz.kind == "predict_order":
            options = [self._option(i, line, f"{i + 1:2}. ") for i, line in enumerate(self.order)]
            return ask, options, Text(self.t("order_help"), style=self.looks.muted + ITALIC)
        colored = quiz.kind == "next_switch"
        options = [
            self._option(i, item, f"{i + 1}. ", colored) for i, item in enumerate(quiz.items)
        ]
        help_ = Text(
            self.t("pick_help", n=min(9, len(quiz.items))), style=self.looks.muted + ITALIC
        )
        return ask, options, help_

    def _option(self, i: int, item: str, number: str, colored: bool = False) -> Text:
        selected = i == self.cursor
        row = Text(f" {SELECTED} " if selected else "   ", style="bold")
        row.append(number, style=self.looks.muted if not colored else "bold")
        style = self.runner_colors.style(item) if colored else Style()
        shown = visible(item, one_line=True)
        row.append(shown, style=style + Style(reverse=True) if selected else style)
        return row

    def _show_options(self, options: list[Text]) -> None:
        """One Static per option (so the selected one can be scrolled into view)."""
        box = self.query_one("#quiz-options", Vertical)
        rows = list(box.query(".quiz-option").results(Static))
        if len(rows) != len(options):
            box.remove_children()
            self._mounting = box.mount_all(Static(text, classes="quiz-option") for text in options)
            return
        for row, text in zip(rows, options, strict=True):
            row.update(text)

    def _result_area(self) -> RenderableType:
        if self.grade is None or self.quiz is None:
            return Text("")
        view = ResultView(self.t, self.runner_colors, self._lesson_text, self.looks)
        quizzes = len(quiz_steps(self.lesson))
        return view.render(self.grade, self.score, quizzes)

    # --- keys ------------------------------------------------------------------------

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        """The footer shows only the keys that do something now."""
        if action in ("submit", "cursor", "move", "hint"):
            return self._answering()
        if action == "retry":
            return self.grade is not None
        if action == "reveal":
            return self.quiz is not None and not (self.grade and self.grade.revealed)
        return True

    def render_all(self) -> None:
        self._render_all()
        if self.is_mounted:
            self.refresh_bindings()

    def on_resize(self, event: events.Resize) -> None:
        """A new width re-wraps the panel (the lesson body stacks its panes under 100
        columns, a layout after the first): the choices are scrolled into view again."""
        if self._answering():
            self.call_after_refresh(self._scroll_to_choices)

    def _answering(self) -> bool:
        return self._open_quiz() is not None

    def _open_quiz(self) -> Quiz | None:
        """The quiz while it waits for an answer (loaded, not graded yet), else None."""
        return self.quiz if self.grade is None else None

    def _item_count(self) -> int:
        if self.quiz is None:
            return 0
        return len(self.order) if self.quiz.kind == "predict_order" else len(self.quiz.items)

    async def _show_choices(self) -> None:
        """The pause's question, all options and the keys' help in view, if they fit."""
        mounting, self._mounting = self._mounting, None
        if mounting is not None:
            await mounting  # the options' rows must be laid out before scrolling to them
        self.call_after_refresh(self._scroll_to_choices)

    def _scroll_to_choices(self) -> None:
        """The help first, then the question: the question wins when they do not fit."""
        if is_leaving(self):  # the screen runs this after a refresh, maybe after F8
            return
        if self.quiz is not None and self.query_one("#quiz-choices").display:
            self.query_one("#quiz-help").scroll_visible(animate=False, immediate=True)
            top = "#quiz-ask" if self.quiz.kind == "next_switch" else "#quiz-options"
            self.query_one(top).scroll_visible(animate=False, immediate=True)
            self.call_after_refresh(self._show_selected)

    def _show_selected(self) -> None:
        rows = self.query("#quiz-options > .quiz-option")
        if 0 <= self.cursor < len(rows):
            rows[self.cursor].scroll_visible(animate=False, immediate=True)

    def action_cursor(self, delta: int) -> None:
        if self._answering() and self._item_count():
            self.cursor = (self.cursor + delta) % self._item_count()
            self.render_all()
            self.call_after_refresh(self._show_selected)

    def action_move(self, delta: int) -> None:
        quiz = self._open_quiz()
        if quiz is None or quiz.kind != "predict_order":
            return
        i, j = self.cursor, self.cursor + delta
        if 0 <= j < len(self.order):
            self.order[i], self.order[j] = self.order[j], self.order[i]
            self.cursor = j
            self.render_all()
            self.call_after_refresh(self._show_selected)

    def action_submit(self) -> None:
        quiz = self._open_quiz()
        if quiz is None:
            return
        if quiz.kind == "predict_order":
            self._grade(list(self.order))
        else:
            self._pick(self.cursor)

    def on_key(self, event: events.Key) -> None:
        quiz = self._open_quiz()
        if event.character and event.character.isdigit() and quiz is not None:
            if quiz.kind != "predict_order":
                event.stop()
                number = int(event.character)
                if 1 <= number <= len(quiz.items):
                    self._pick(number - 1)

    def _pick(self, index: int) -> None:
        quiz = self._open_quiz()
        assert quiz is not None  # picks are taken while answering only
        choice = quiz.items[index]
        if quiz.kind == "multiple_choice":
            self._grade(choice)
            return
        self.picks.append(choice)
        self.cursor = 0
        if len(self.picks) == len(quiz.key):
            self._grade(list(self.picks))
        else:
            self.render_all()
            self.call_after_refresh(self._show_choices)

    def _grade(self, answer: object) -> None:
        quiz = self._open_quiz()
        assert quiz is not None  # graded while answering only
        try:
            grade = quiz.grade(answer, self.lang)
        except AnswerError as exc:
            self.notify(str(exc), severity="warning", markup=False)
            return
        self._answered(grade)

    def _answered(self, grade: Grade) -> None:
        self.grade = grade
        self.render_all()
        result = self.query_one("#quiz-result")
        self.call_after_refresh(result.scroll_visible, top=True, animate=False)
        self.post_message(self.Answered(self, grade))

    def action_page(self, direction: int) -> None:
        """Scroll the container the panel lives in (results and traces can be long)."""
        for ancestor in self.ancestors:
            if isinstance(ancestor, Widget) and ancestor.allow_vertical_scroll:
                if direction > 0:
                    ancestor.scroll_page_down()
                else:
                    ancestor.scroll_page_up()
                return

    def action_hint(self) -> None:
        self.show_hint = not self.show_hint
        self.render_all()

    def action_reveal(self) -> None:
        if self.quiz is None or (self.grade is not None and self.grade.revealed):
            return
        self._answered(self.quiz.reveal(self.lang))

    def action_retry(self) -> None:
        if self.quiz is not None and self.grade is not None:
            self.start_answering()
            self.render_all()
            self.call_after_refresh(self._show_choices)
