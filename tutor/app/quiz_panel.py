"""One quiz step in the TUI: keyboard-only answering, retry, reveal, result beside the trace.

``QuizPanel(lesson, step_index, lang, progress)`` derives the key in an exclusive worker
(a real run through the runner API, or the trace cache), lets the learner answer with
the keyboard, grades, records the answer in `progress` and posts
``QuizPanel.Answered(lesson_id, step_index, correct)``; the host saves the progress.

Keys: ↑/↓ select; shift+↑/↓ or [ / ] move the selected line (predict_order); Enter
submits; 1-9 pick a runner or an option; h hint; r reveal; t try again.
Every piece of program text is rendered as a rich `Text`, never as markup.
"""

from __future__ import annotations

from rich.console import Group
from rich.style import Style
from rich.table import Table
from rich.text import Text
from textual import events, work
from textual.app import ComposeResult
from textual.binding import Binding
from textual.message import Message
from textual.reactive import Reactive, var
from textual.widget import Widget
from textual.widgets import Static

from tutor.app.colors import RunnerColors
from tutor.lesson import Lesson, QuizStep
from tutor.quiz import AnswerError, Grade, Quiz, QuizKeyError, prepare, trace_for_async
from tutor.textsafe import visible

STRINGS = {
    "en": {
        "loading": "Running the program to find the answer…",
        "no_key": "This quiz cannot be graded: {error}",
        "no_runner": "The program runner is not available: {error}",
        "order_help": "↑↓ select · shift+↑↓ or [ ] move the line · Enter check · h hint · r reveal",
        "pick_help": "1-{n} or ↑↓ and Enter · h hint · r reveal",
        "printed": "Printed so far:",
        "paused": "Paused after the highlighted line (pause {n} of {total}). Who runs next?",
        "right": "✓ Right!",
        "wrong": "✗ Not quite.",
        "revealed": "The answer:",
        "first_diff": "The first difference is at line {pos}.",
        "pause_right": "pause {n}: ✓ {runner}",
        "pause_wrong": "pause {n}: ✗ you said {answer}, it was {runner}",
        "yours": "your answer",
        "real": "the real run",
        "trace": "The real trace",
        "why": "Why: ",
        "hint": "Hint: ",
        "after": "t try again · r reveal",
        "after_right": "t try again",
        "score": "Lesson score: {right} of {total} right at the first try.",
        "mark": "pause {n}",
        "key.submit": "Check",
        "key.hint": "Hint",
        "key.reveal": "Reveal",
        "key.retry": "Try again",
    },
    "zh": {
        "loading": "正在运行程序以得到答案……",
        "no_key": "这道题无法评分：{error}",
        "no_runner": "程序运行器不可用：{error}",
        "order_help": "↑↓ 选择 · shift+↑↓ 或 [ ] 移动该行 · Enter 提交 · h 提示 · r 揭晓",
        "pick_help": "按 1-{n}，或 ↑↓ 加 Enter · h 提示 · r 揭晓",
        "printed": "目前已打印：",
        "paused": "程序在高亮的那一行之后暂停（第 {n}/{total} 处）。接下来谁运行？",
        "right": "✓ 正确！",
        "wrong": "✗ 不对。",
        "revealed": "答案：",
        "first_diff": "第一个不同之处在第 {pos} 行。",
        "pause_right": "第 {n} 处：✓ {runner}",
        "pause_wrong": "第 {n} 处：✗ 你选 {answer}，实际是 {runner}",
        "yours": "你的答案",
        "real": "真实运行",
        "trace": "真实的执行轨迹",
        "why": "原因：",
        "hint": "提示：",
        "after": "t 再试一次 · r 揭晓答案",
        "after_right": "t 再试一次",
        "score": "本课得分：{total} 题中首次答对 {right} 题。",
        "mark": "第 {n} 处暂停",
        "key.submit": "提交",
        "key.hint": "提示",
        "key.reveal": "揭晓",
        "key.retry": "再试一次",
    },
}


def s(lang: str, key: str, **fields) -> str:
    table = STRINGS.get(lang, STRINGS["en"])
    text = table.get(key, STRINGS["en"].get(key, key))
    return text.format(**fields) if fields else text


class QuizPanel(Widget, can_focus=True):
    """A quiz step: question, program, the answering area and the result."""

    DEFAULT_CSS = """
    QuizPanel { height: auto; padding: 0 1; }
    QuizPanel:focus { background: $boost; }
    QuizPanel > .quiz-question { text-style: bold; margin-bottom: 1; }
    QuizPanel > .quiz-code { margin-bottom: 1; }
    QuizPanel > .quiz-answer { margin-bottom: 1; }
    QuizPanel:dark > .quiz--code { background: $warning 10%; color: $text-warning 95%; }
    QuizPanel:light > .quiz--code { background: $error 5%; color: $text-error 95%; }
    """
    COMPONENT_CLASSES = {"quiz--code"}
    """`code` spans in the question, hint and explanation (as the Markdown panes show them)."""
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
        """Posted after each graded answer (and a reveal, with correct=False, revealed=True)."""

        def __init__(self, lesson_id: str, step_index: int, correct: bool, revealed: bool = False):
            super().__init__()
            self.lesson_id = lesson_id
            self.step_index = step_index
            self.correct = correct
            self.revealed = revealed

    lang: var[str] = var("en", init=False)

    def __init__(self, lesson: Lesson, step_index: int, lang: str, progress, **kwargs) -> None:
        super().__init__(**kwargs)
        step = lesson.steps[step_index]
        if not isinstance(step, QuizStep):
            raise TypeError(f"step {step_index} of {lesson.id} is not a quiz")
        self.lesson = lesson
        self.step_index = step_index
        self.step: QuizStep = step
        self.progress = progress
        self.set_reactive(QuizPanel.lang, lang if lang in STRINGS else "en")
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

    # --- layout ----------------------------------------------------------------------

    def compose(self) -> ComposeResult:
        yield Static(classes="quiz-question", id="quiz-question")
        yield Static(classes="quiz-code", id="quiz-code")
        yield Static(classes="quiz-answer", id="quiz-answer")
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
        if lang in STRINGS:
            self.lang = lang

    def watch_lang(self, lang: str) -> None:
        self._translate_bindings()
        self.render_all()

    def _translate_bindings(self) -> None:
        from dataclasses import replace

        table = self._bindings.key_to_bindings
        for key, items in table.items():
            table[key] = [
                replace(b, description=s(self.lang, f"key.{b.action}"))
                if f"key.{b.action}" in STRINGS["en"]
                else b
                for b in items
            ]

    @work(exclusive=True, group="quiz-key")
    async def load_key(self) -> None:
        """Derive the key from a real run (or the cache) without blocking the UI."""
        start_run = getattr(self.app, "start_run", None)
        try:
            events_ = await trace_for_async(self.lesson, self.step_index, start_run=start_run)
            quiz = prepare(self.lesson, self.step_index, events_)
        except QuizKeyError as exc:
            self.error = s(self.lang, "no_key", error=exc)
        except ImportError as exc:
            self.error = s(self.lang, "no_runner", error=exc)
        except Exception as exc:  # a broken runner must not take the app down
            self.error = s(self.lang, "no_runner", error=f"{type(exc).__name__}: {exc}")
        else:
            self.quiz = quiz
            for runner in quiz.items if quiz.kind == "next_switch" else []:
                self.runner_colors.index(runner)
            self.start_answering()
        self.render_all()

    def start_answering(self) -> None:
        self.grade = None
        self.cursor = 0
        self.picks = []
        self.show_hint = False
        if self.quiz is not None:
            self.order = list(self.quiz.items) if self.quiz.kind == "predict_order" else []

    # --- rendering -------------------------------------------------------------------

    def _render_all(self) -> None:
        if not self.is_mounted:
            return
        lang = self.lang
        question = self._lesson_text(self.step.question(lang), "bold")
        self.query_one("#quiz-question", Static).update(question)
        self.query_one("#quiz-code", Static).update(self._code())
        self.query_one("#quiz-answer", Static).update(self._answer_area())
        self.query_one("#quiz-result", Static).update(self._result_area())

    def _lesson_text(self, text: str, style: str = "") -> Text:
        """Lesson prose with its `code` spans styled instead of showing the backticks."""
        parts = text.strip().split("`")
        if len(parts) % 2 == 0:  # an unpaired backtick: show the text as written
            return Text("`".join(parts), style=style)
        code = self.get_component_rich_style("quiz--code", partial=True)
        out = Text(style=style)
        for i, part in enumerate(parts):
            out.append(part, code if i % 2 else None)
        return out

    def _code(self) -> Text:
        code = Text()
        lines = self.step.code.rstrip("\n").split("\n")
        for number, line in enumerate(lines, 1):
            code.append(f"{number:3} ", style="dim")
            code.append(visible(line) + ("\n" if number < len(lines) else ""))
        return code

    def _answer_area(self):
        lang = self.lang
        if self.error:
            return Text(self.error, style="bold red")
        if self.quiz is None:
            return Text(s(lang, "loading"), style="italic")
        parts = []
        if self.show_hint:
            hint = Text(s(lang, "hint"), style="bold yellow")
            hint.append_text(self._lesson_text(self.step.hint(lang)))
            parts.append(hint)
        if self.grade is not None:
            return Group(*parts) if parts else Text("")
        if self.quiz.kind == "predict_order":
            body = Text()
            for i, line in enumerate(self.order):
                selected = i == self.cursor
                body.append(" ▶ " if selected else "   ", style="bold")
                body.append(f"{i + 1:2}. ", style="dim")
                body.append(visible(line, one_line=True), style="reverse" if selected else "")
                body.append("\n")
            body.append(s(lang, "order_help"), style="dim italic")
            parts.append(body)
        elif self.quiz.kind == "next_switch":
            parts.append(self._pause_view())
        else:
            parts.append(self._choices(self.quiz.items))
        return Group(*parts)

    def _choices(self, items: list[str], colored: bool = False) -> Text:
        body = Text()
        for i, item in enumerate(items):
            selected = i == self.cursor
            body.append(" ▶ " if selected else "   ", style="bold")
            body.append(f"{i + 1}. ", style="bold")
            style = self.runner_colors.style(item) if colored else Style()
            shown = visible(item, one_line=True)
            body.append(shown, style=style + Style(reverse=True) if selected else style)
            body.append("\n")
        body.append(s(self.lang, "pick_help", n=min(9, len(items))), style="dim italic")
        return body

    def _pause_view(self) -> Text:
        quiz = self.quiz
        n = len(self.picks)
        body = self._pause_marks(self.picks, quiz.key)
        body.append(s(self.lang, "printed") + "\n", style="dim")
        context = quiz.context_lines(n)
        for i, (runner, line) in enumerate(context):
            last = i == len(context) - 1
            body.append(
                f"{visible(runner, one_line=True):>12} ", style=self.runner_colors.style(runner)
            )
            body.append("│ ", style="dim")
            body.append(visible(line, one_line=True) + "\n", style="bold reverse" if last else "")
        body.append(s(self.lang, "paused", n=n + 1, total=len(quiz.key)) + "\n", style="bold")
        body.append_text(self._choices(quiz.items, colored=True))
        return body

    def _result_area(self):
        grade, quiz, lang = self.grade, self.quiz, self.lang
        if grade is None or quiz is None:
            return Text("")
        parts = []
        if grade.revealed:
            head = Text(s(lang, "revealed"), style="bold yellow")
        elif grade.correct:
            head = Text(s(lang, "right"), style="bold green")
        else:
            head = Text(s(lang, "wrong"), style="bold red")
            if quiz.kind == "predict_order" and grade.first_difference is not None:
                head.append(" " + s(lang, "first_diff", pos=grade.first_difference + 1))
        parts.append(head)
        if quiz.kind == "predict_order":
            parts.append(self._order_table(grade))
        elif quiz.kind == "next_switch":
            parts.append(self._pause_results(grade))
        else:
            answer = Text("  ")
            answer.append(str(grade.key), style="bold green")
            if not grade.correct and not grade.revealed:
                answer.append("   (")
                answer.append(str(grade.answer), style="red")
                answer.append(")")
            parts.append(answer)
        why = Text(s(lang, "why"), style="bold")
        why.append_text(self._lesson_text(grade.explanation))
        parts.append(why)
        if quiz.kind != "multiple_choice":
            parts.append(self._trace_view(grade))
        right, total = self.progress.score(self.lesson.id) if self.progress else (0, 0)
        quizzes = sum(isinstance(x, QuizStep) for x in self.lesson.steps)
        footer = Text(s(lang, "score", right=right, total=max(total, quizzes)) + "\n", style="dim")
        footer.append(s(lang, "after_right" if grade.correct else "after"), style="dim italic")
        parts.append(footer)
        return Group(*parts)

    def _order_table(self, grade: Grade) -> Table:
        table = Table(show_edge=False, box=None, padding=(0, 1))
        table.add_column(Text("#"), justify="right", style="dim")
        table.add_column(Text(s(self.lang, "yours")))
        table.add_column(Text(""))
        table.add_column(Text(s(self.lang, "real")))
        runners = {row.text: row.runner for row in grade.trace if row.kind == "stdout"}
        for i, (mine, real) in enumerate(zip(grade.answer, grade.key, strict=False)):
            ok = grade.right[i]
            real_text = Text(real, style=self.runner_colors.style(runners.get(real, "?")))
            table.add_row(
                Text(str(i + 1)),
                Text(mine, style="green" if ok else "red"),
                Text("✓" if ok else "✗", style="green" if ok else "bold red"),
                real_text,
            )
        return table

    def _pause_results(self, grade: Grade) -> Text:
        return self._pause_marks(grade.answer, grade.key)

    def _pause_marks(self, answers, keys) -> Text:
        """One line per pause answered so far: right (green) or wrong, with the real runner."""
        body = Text()
        for n, (mine, key) in enumerate(zip(answers, keys, strict=False), 1):
            word = "pause_right" if mine == key else "pause_wrong"
            body.append(
                visible(s(self.lang, word, n=n, runner=key, answer=mine)) + "\n",
                style="green" if mine == key else "red",
            )
        return body

    def _trace_view(self, grade: Grade) -> Text:
        body = Text(s(self.lang, "trace") + "\n", style="bold underline")
        for row in grade.trace:
            if row.kind == "switch":
                body.append(f"{'':>12}   ⇄ {row.runner} ({row.text})\n", style="dim")
            elif row.kind == "exit":
                body.append(f"{'':>12}   {row.text}\n", style="dim italic")
            else:
                body.append(f"{row.runner:>12} ", style=self.runner_colors.style(row.runner))
                body.append("│ ", style="red" if row.kind == "stderr" else "dim")
                body.append(row.text, style="bold" if row.mark else "")
                if row.mark:
                    label = s(self.lang, "mark", n=row.mark.rsplit(" ", 1)[-1])
                    body.append(f"   ◀ {label}", style="yellow")
                body.append("\n")
        return body

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

    def _answering(self) -> bool:
        return self.quiz is not None and self.grade is None

    def _item_count(self) -> int:
        if self.quiz is None:
            return 0
        return len(self.order) if self.quiz.kind == "predict_order" else len(self.quiz.items)

    def action_cursor(self, delta: int) -> None:
        if self._answering() and self._item_count():
            self.cursor = (self.cursor + delta) % self._item_count()
            self.render_all()

    def action_move(self, delta: int) -> None:
        if not self._answering() or self.quiz.kind != "predict_order":
            return
        i, j = self.cursor, self.cursor + delta
        if 0 <= j < len(self.order):
            self.order[i], self.order[j] = self.order[j], self.order[i]
            self.cursor = j
            self.render_all()

    def action_submit(self) -> None:
        if not self._answering():
            return
        if self.quiz.kind == "predict_order":
            self._grade(list(self.order))
        else:
            self._pick(self.cursor)

    def on_key(self, event: events.Key) -> None:
        if event.character and event.character.isdigit() and self._answering():
            if self.quiz.kind != "predict_order":
                event.stop()
                number = int(event.character)
                if 1 <= number <= len(self.quiz.items):
                    self._pick(number - 1)

    def _pick(self, index: int) -> None:
        choice = self.quiz.items[index]
        if self.quiz.kind == "multiple_choice":
            self._grade(choice)
            return
        self.picks.append(choice)
        self.cursor = 0
        if len(self.picks) == len(self.quiz.key):
            self._grade(list(self.picks))
        else:
            self.render_all()

    def _grade(self, answer) -> None:
        try:
            grade = self.quiz.grade(answer, self.lang)
        except AnswerError as exc:
            self.notify(str(exc), severity="warning", markup=False)
            return
        self.grade = grade
        if self.progress is not None:
            self.progress.record_answer(
                self.lesson.id, self.step_index, grade.correct, grade.answer
            )
        self.render_all()
        self._show_result_area()
        self.post_message(self.Answered(self.lesson.id, self.step_index, grade.correct))

    def action_page(self, direction: int) -> None:
        """Scroll the container the panel lives in (results and traces can be long)."""
        for ancestor in self.ancestors:
            if isinstance(ancestor, Widget) and ancestor.allow_vertical_scroll:
                if direction > 0:
                    ancestor.scroll_page_down()
                else:
                    ancestor.scroll_page_up()
                return

    def _show_result_area(self) -> None:
        self.call_after_refresh(self.query_one("#quiz-result").scroll_visible, top=True)

    def action_hint(self) -> None:
        self.show_hint = not self.show_hint
        self.render_all()

    def action_reveal(self) -> None:
        if self.quiz is None or (self.grade is not None and self.grade.revealed):
            return
        self.grade = self.quiz.reveal(self.lang)
        if self.progress is not None:
            self.progress.record_reveal(self.lesson.id, self.step_index)
        self.render_all()
        self._show_result_area()
        self.post_message(self.Answered(self.lesson.id, self.step_index, False, revealed=True))

    def action_retry(self) -> None:
        if self.quiz is not None and self.grade is not None:
            self.start_answering()
            self.render_all()
