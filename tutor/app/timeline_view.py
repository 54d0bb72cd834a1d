"""The timeline pane: the switch trace as swimlanes, on the LineView base
(tutor.app.line_view)."""

from __future__ import annotations

from typing import NamedTuple

from rich.segment import Segment

from tutor.app.colors import RunnerColors
from tutor.app.line_view import LineView, Row, clean


class SwitchLine(NamedTuple):
    seq: int
    from_: str
    to: str
    via: str


class TimelineView(LineView):
    """The switch trace as swimlanes: one column per runner, one row per switch."""

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

    def __init__(self, colors: RunnerColors | None = None, **kwargs: str | None) -> None:
        super().__init__(colors, **kwargs)
        self._lanes = 0

    def add(self, seq: int, from_: str, to: str, via: str) -> None:
        self._pending.append((seq, from_, to, via))
        if self._flush_timer is None:
            self._schedule()

    def flush(self) -> None:
        index = self.runner_colors.index
        for _seq, from_, to, _via in self._pending:
            index(from_)
            index(to)
        lanes = len(self.runner_colors.order)
        if lanes != self._lanes:
            self._lanes = lanes
            self._cache.clear()
            self._width = 0
        super().flush()

    def clear(self) -> None:
        super().clear()
        self._lanes = 0

    def _measure(self, lines: list[Row]) -> int:
        longest = max((len(line[1]) + len(line[2]) + len(line[3]) for line in lines), default=0)
        return 7 + self.LANE * len(self.runner_colors.order) + longest + 4

    def _segments(self, index: int) -> list[Segment]:
        line = self.lines[index]
        colors = self.runner_colors
        a = colors.index(line.from_)
        b = colors.index(line.to)
        lo, hi = min(a, b), max(a, b)
        lane_style = self._style("lane")
        segments = [Segment(f"{index + 1:>5}  ", self._style("number"))]
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
