"""A run as plain text for the clipboard: each output line after its runner's name, a
switch as `from → to (via)`, a block row as its words. The program's own text is copied as
it wrote it."""

from __future__ import annotations

from collections.abc import Iterable

from tutor.app.output_view import STDERR, STDOUT, OutLine
from tutor.app.timeline_view import BlockLine, SwitchLine


def line_text(line: OutLine | SwitchLine | BlockLine, width: int = 0) -> str:
    """One output line (`runner | text`, `runner ! text` for stderr), one switch or one
    block row (its words)."""
    if isinstance(line, BlockLine):
        return line.label
    if isinstance(line, SwitchLine):
        return f"{line.from_} → {line.to} ({line.via})"
    if line.kind in (STDOUT, STDERR):
        mark = "!" if line.kind == STDERR else "|"
        return f"{line.runner:<{width}} {mark} {line.text}"
    return line.text


def output_text(lines: Iterable[OutLine]) -> str:
    """Every line of a run's output, runner names aligned."""
    lines = list(lines)
    width = max((len(x.runner) for x in lines if x.kind in (STDOUT, STDERR)), default=0)
    return "\n".join(line_text(line, width) for line in lines) + "\n" if lines else ""
