"""Program code with line numbers and marked lines, as rich Text (program text is never
markup). One look for a marked line everywhere in the app: the glyph in the gutter reads
without colour, the background finds it at a glance. The next_switch quiz marks the line
it is paused after; stepping through a run's switches marks the editor's lines the same
way (tutor.app.code_editor: the glyph by the line number, MARK_CSS behind the code)."""

from __future__ import annotations

from collections.abc import Mapping

from rich.style import Style
from rich.text import Text

from tutor.glyphs import PAUSED
from tutor.textsafe import visible

__all__ = ["MARK_CSS", "PAUSED", "numbered_code"]

MARK_CSS = "background: $accent 35%; text-style: bold;"
"""A marked code line's look, in the quiz's code and in the editor."""


def numbered_code(
    code: str,
    marks: Mapping[int, str] | None = None,
    mark_style: Style | str = "reverse",
    number_style: Style | str = "dim",
) -> Text:
    """`code` behind a gutter of line numbers (in `number_style`). A line in `marks`
    (1-based line -> glyph, e.g. {7: PAUSED}) shows its glyph in the gutter and
    `mark_style` across the code's width."""
    marks = marks or {}
    lines = [visible(line) for line in code.rstrip("\n").split("\n")]
    width = max(len(line) for line in lines)
    out = Text()
    for number, line in enumerate(lines, 1):
        glyph = marks.get(number)
        out.append(f"{glyph or ' '}", style="bold" if glyph else "")
        out.append(f"{number:3} ", style="bold" if glyph else number_style)
        out.append(line.ljust(width) if glyph else line, style=mark_style if glyph else "")
        if number < len(lines):
            out.append("\n")
    return out
