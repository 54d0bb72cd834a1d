"""Stepping through a finished run, in words: the status sentence of the switch shown
("Switch 5 of 12: ▶ main paused at line 18 (`r = c.send(n)`); ▷ consumer resumes at
line 4."). The lines are quoted from the program that ran, as plain Text (never markup)."""

from __future__ import annotations

from rich.text import Text

from tutor.app.i18n import tr
from tutor.app.timeline_view import BlockLine, SwitchLine
from tutor.glyphs import PAUSED, RESUMES
from tutor.textsafe import visible

QUOTE_WIDTH = 40
"""A quoted code line longer than this is cut with …"""


def code_at(code: str, line: int | None) -> str | None:
    """Line `line` (1-based) of `code`, stripped and safe to show; None when it has none."""
    lines = code.split("\n")
    if not line or line > len(lines):
        return None
    text = visible(lines[line - 1].strip(), one_line=True)
    return text if len(text) <= QUOTE_WIDTH else text[: QUOTE_WIDTH - 1] + "…"


def _part(kind: str, runner: str, line: int | None, code: str, lang: str) -> str:
    quoted = code_at(code, line)
    runner = visible(runner, one_line=True)
    if quoted is None:
        return tr(f"step.{kind}_nowhere", lang, runner=runner)
    mark = PAUSED if kind == "paused" else RESUMES
    return tr(f"step.{kind}", lang, mark=mark, runner=runner, line=line, code=quoted)


def switch_sentence(number: int, total: int, switch: SwitchLine, code: str, lang: str) -> Text:
    """Switch `number` of `total` in one sentence: where each runner is in `code`."""
    paused = _part("paused", switch.from_, switch.line, code, lang)
    resumes = _part("resumes", switch.to, switch.to_line, code, lang)
    return Text(tr("step.switch", lang, n=number, total=total, paused=paused, resumes=resumes))


def status_text(
    row: SwitchLine | BlockLine, number: int, total: int, code: str, code_shown: bool, lang: str
) -> Text:
    """What the stepping line says about the switch or block row selected (number: its
    switch, from 1), with a note when the editor's code changed since the run."""
    if isinstance(row, BlockLine):
        return Text(visible(row.label, one_line=True))
    text = switch_sentence(number, total, row, code, lang)
    if not code_shown:
        text.append(" " + tr("step.code_changed", lang), style="italic")
    return text
