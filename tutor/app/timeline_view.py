"""The timeline pane: the switch trace as swimlanes, on the LineView base
(tutor.app.line_view). A `block` event is a row of its own, marked on the blocking
runner's lane with its length; rows are numbered by switch, so a block row has no number."""

from __future__ import annotations

from bisect import bisect_right
from typing import NamedTuple

from rich.segment import Segment
from textual.binding import Binding

from tutor.app.colors import RunnerColors
from tutor.app.line_view import LineView, Row, clean


class SwitchLine(NamedTuple):
    seq: int
    from_: str
    to: str
    via: str
    line: int | None
    """Where `from_` paused in the program (None: not in it)."""
    to_line: int | None
    """Where `to` resumes."""


class BlockLine(NamedTuple):
    seq: int
    runner: str
    ms: int
    label: str
    """The row's words, in the learner's language ("fetch#2 held the loop 300 ms")."""


BLOCK = "▮"
"""The block mark on the blocking runner's lane (the label names the runner too)."""


def timeline_row(row: Row) -> SwitchLine | BlockLine:
    """A stored row back as its named tuple (a switch has six fields, a block four)."""
    return SwitchLine._make(row) if len(row) == 6 else BlockLine._make(row)


class TimelineView(LineView):
    """The switch trace as swimlanes: one column per runner, one row per switch or block."""

    ROW = SwitchLine

    PREFIX = "timeline"
    TEXT_PARTS = frozenset({"number"})
    LANE = 2
    DEFAULT_CSS = """
    TimelineView > .timeline--cursor { background: $surface-lighten-1; text-style: bold; }
    TimelineView > .timeline--lane { color: $text-disabled; }
    TimelineView > .timeline--number { color: $text-muted; }
    """
    COMPONENT_CLASSES = {"timeline--cursor", "timeline--lane", "timeline--number"}
    BINDINGS = [
        Binding("left", "step(-1)", "Prev switch", show=False),
        Binding("right", "step(1)", "Next switch", show=False),
    ]

    def __init__(self, colors: RunnerColors | None = None, **kwargs: str | None) -> None:
        super().__init__(colors, **kwargs)
        self.lines.make = timeline_row
        self._lanes = 0
        self.switch_rows: list[int] = []
        """The row of each switch (block rows come between)."""

    def add(
        self,
        seq: int,
        from_: str,
        to: str,
        via: str,
        line: int | None = None,
        to_line: int | None = None,
    ) -> None:
        self.switch_rows.append(len(self.lines) + len(self._pending))
        self._pending.append((seq, from_, to, via, line, to_line))
        if self._flush_timer is None:
            self._schedule()

    def add_block(self, seq: int, runner: str, ms: int, label: str) -> None:
        """A runner held the loop for `ms`: a row on its lane, `label` saying so."""
        self._pending.append((seq, runner, ms, label))
        if self._flush_timer is None:
            self._schedule()

    def flush(self) -> None:
        index = self.runner_colors.index
        for row in self._pending:
            index(row[1])
            if len(row) == 6:
                index(row[2])
        lanes = len(self.runner_colors.order)
        if lanes != self._lanes:  # every row grows: measure them all again
            self._lanes = lanes
            self._cache.clear()
            self._width = self._measure(self.lines.rows)
        super().flush()

    def clear(self) -> None:
        super().clear()
        self._lanes = 0
        self.switch_rows = []

    def switch_at(self, row: int) -> int:
        """The switch (0-based) a row is or comes after (-1: none yet)."""
        return bisect_right(self.switch_rows, row) - 1

    def action_step(self, delta: int) -> None:
        """Select the previous (-1) or next (1) switch row (block rows are passed over)."""
        rows = self.switch_rows
        if not rows:
            return
        if self.cursor < 0:
            switch = 0 if delta > 0 else len(rows) - 1
        else:
            switch = self.switch_at(self.cursor)
            on_switch = switch >= 0 and rows[switch] == self.cursor
            switch += delta if delta > 0 or on_switch else 0
        self.select(rows[max(0, min(len(rows) - 1, switch))], post=True)

    def _measure(self, lines: list[Row]) -> int:
        longest = max(
            (
                len(line[1]) + len(line[2]) + len(line[3]) if len(line) == 6 else len(line[3])
                for line in lines
            ),
            default=0,
        )
        return 7 + self.LANE * len(self.runner_colors.order) + longest + 4

    def _segments(self, index: int) -> list[Segment]:
        line = self.lines[index]
        if isinstance(line, BlockLine):
            return self._block_segments(line)
        colors = self.runner_colors
        a = colors.index(line.from_)
        b = colors.index(line.to)
        lo, hi = min(a, b), max(a, b)
        lane_style = self._style("lane")
        number = self.switch_at(index) + 1
        segments = [Segment(f"{number:>5}  ", self._style("number"))]
        for j in range(len(colors.order)):
            if j == b:
                segments.append(Segment("●", self._style("runner:" + line.to)))
            elif j == a:
                segments.append(Segment("○", self._style("runner:" + line.from_)))
            elif lo < j < hi:
                segments.append(Segment("─", lane_style))
            else:
                segments.append(Segment("┆", lane_style))
            segments.append(Segment("─" if lo <= j < hi else " ", lane_style))
        segments.append(Segment(clean(line.from_), self._style("runner:" + line.from_)))
        segments.append(Segment(" → ", self._style("number")))  # text: readable
        segments.append(Segment(clean(line.to), self._style("runner:" + line.to)))
        segments.append(Segment(f"  {clean(line.via)}", self._style("number")))
        return segments

    def _block_segments(self, line: BlockLine) -> list[Segment]:
        lane = self.runner_colors.index(line.runner)
        style = self._style("runner:" + line.runner)
        lane_style = self._style("lane")
        segments = [Segment(" " * 7, lane_style)]
        for j in range(len(self.runner_colors.order)):
            segments.append(Segment(BLOCK, style) if j == lane else Segment("┆", lane_style))
            segments.append(Segment(" ", lane_style))
        segments.append(Segment(clean(line.label), style))
        return segments
