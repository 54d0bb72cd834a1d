"""The result of a quiz answer (or reveal), as rich renderables: right or wrong with both
answers labelled (so it reads without colour), the explanation, the real trace with the
pauses and the rows that answered them marked, the lesson score."""

from __future__ import annotations

import re
from collections.abc import Callable

from rich.console import Group
from rich.style import Style
from rich.table import Table
from rich.text import Text

from tutor.app.colors import RunnerColors
from tutor.app.looks import Looks
from tutor.quiz import Grade
from tutor.textsafe import visible


def reflow(text: str) -> str:
    """A single line end becomes a space (none between two CJK characters); a blank line
    stays a paragraph break."""

    def join(match: re.Match[str]) -> str:
        before, after = match.group(1), match.group(2)
        return before + ("" if not before.isascii() and not after.isascii() else " ") + after

    return SINGLE_BREAK.sub(join, text)


SINGLE_BREAK = re.compile(r"([^\n])[ \t]*\n[ \t]*([^\n])")
BOLD = Style(bold=True)
ITALIC = Style(italic=True)


class ResultView:
    """Renders grades in one language (`t` looks up a `quiz.*` catalog key), in the
    panel's `looks` (readable on its background)."""

    def __init__(
        self,
        t: Callable[..., str],
        colors: RunnerColors,
        lesson_text: Callable[[str], Text],
        looks: Looks,
    ) -> None:
        self.t = t
        self.colors = colors
        self.lesson_text = lesson_text
        self.looks = looks

    def render(self, grade: Grade, score: tuple[int, int] | None, quizzes: int) -> Group:
        """The whole result; `score` is (right at the first try, answered) or None."""
        kind = grade.kind
        parts: list[Text | Table] = []
        if grade.revealed:
            head = Text(self.t("revealed"), style=self.looks.note + BOLD)
        elif grade.correct:
            head = Text(self.t("right"), style=self.looks.right + BOLD)
        else:
            head = Text(self.t("wrong"), style=self.looks.wrong + BOLD)
            if kind == "predict_order" and grade.first_difference is not None:
                head.append(" " + self.t("first_diff", pos=grade.first_difference + 1))
        parts.append(head)
        if kind == "predict_order":
            parts.append(self.order_table(grade))
        elif kind == "next_switch":
            parts.append(self.pause_marks(grade.answer, grade.key, grade.revealed))
        else:
            parts.append(self.choice_result(grade))
        why = Text()
        why.append(self.t("why"), style="bold")
        why.append_text(self.lesson_text(grade.explanation))
        parts.append(why)
        if kind != "multiple_choice":
            parts.append(self.trace_view(grade))
        footer = Text()
        if score is not None:
            right, answered = score
            total = max(answered, quizzes)
            footer.append(self.t("score", right=right, total=total) + "\n", style=self.looks.muted)
        after = self.t("after_right" if grade.correct else "after")
        footer.append(after, style=self.looks.muted + ITALIC)
        parts.append(footer)
        return Group(*parts)

    def choice_result(self, grade: Grade) -> Text:
        """Labelled, so it reads without colour: the key, and a wrong answer beside it."""
        body = Text("  ")
        if not grade.correct and not grade.revealed:
            body.append(self.t("your_answer"), style="bold")
            body.append(f"✗ {visible(str(grade.answer), one_line=True)}", style=self.looks.wrong)
            body.append(" · ")
        body.append(self.t("right_answer"), style="bold")
        key = visible(str(grade.key), one_line=True)
        body.append(f"✓ {key}" if not grade.revealed else key, style=self.looks.right)
        return body

    def order_table(self, grade: Grade) -> Table:
        """Your order beside the real one; after a reveal only the real one (no ✓ marks
        on an answer the learner never gave)."""
        table = Table(show_edge=False, box=None, padding=(0, 1))
        table.add_column(Text("#"), justify="right", style=self.looks.muted)
        if not grade.revealed:
            table.add_column(Text(self.t("yours")))
            table.add_column(Text(""))
        table.add_column(Text(self.t("real")))
        runners = {row.text: row.runner for row in grade.trace if row.kind == "stdout"}
        looks = self.looks
        for i, (mine, real) in enumerate(zip(grade.answer, grade.key, strict=False)):
            real_style = self.colors.style(runners.get(real, "?"))
            real_text = Text(visible(real, one_line=True), style=real_style)
            if grade.revealed:
                table.add_row(Text(str(i + 1)), real_text)
                continue
            ok = grade.right[i]
            table.add_row(
                Text(str(i + 1)),
                Text(visible(mine, one_line=True), style=looks.right if ok else looks.wrong),
                Text("✓" if ok else "✗", style=looks.right if ok else looks.wrong + BOLD),
                real_text,
            )
        return table

    def pause_marks(
        self, answers: list[str] | str, keys: list[str] | str, revealed: bool = False
    ) -> Text:
        """One line per pause answered so far: right, or wrong with both answers labelled."""
        body = Text()
        for n, (mine, key) in enumerate(zip(answers, keys, strict=False), 1):
            if revealed:
                shown = visible(self.t("pause_key", n=n, runner=key), one_line=True)
                body.append(shown + "\n", style=self.looks.note)
                continue
            word = "pause_right" if mine == key else "pause_wrong"
            body.append(
                visible(self.t(word, n=n, runner=key, answer=mine), one_line=True) + "\n",
                style=self.looks.right if mine == key else self.looks.wrong,
            )
        return body

    def trace_view(self, grade: Grade) -> Text:
        """The real run; the rows a pause stopped at, and the rows that answered it, marked."""
        body, looks = Text(), self.looks
        body.append(self.t("trace") + "\n", style="bold underline")
        for row in grade.trace:
            if row.kind == "switch":
                shown = visible(f"{row.runner} ({row.text})", one_line=True)
                body.append(f"{'':>12}   ⇄ {shown}", style=looks.muted)
            elif row.kind == "exit":
                body.append(
                    f"{'':>12}   {visible(row.text, one_line=True)}", style=looks.muted + ITALIC
                )
            else:
                runner = visible(row.runner, one_line=True)
                body.append(f"{runner:>12} ", style=self.colors.style(row.runner))
                body.append("│ ", style=looks.wrong if row.kind == "stderr" else looks.muted)
                body.append(visible(row.text, one_line=True), style="bold" if row.mark else "")
            if row.mark:
                label = self.t("mark", n=row.mark.rsplit(" ", 1)[-1])
                body.append(f"   ◀ {label}", style=looks.note)
            if row.answer:
                label = self.t("answer_mark", n=row.answer.rsplit(" ", 1)[-1])
                body.append(f"   ◀ {label}", style=looks.right + BOLD)
            body.append("\n")
        return body
