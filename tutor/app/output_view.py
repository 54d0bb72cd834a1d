"""The output pane: program output, one line per stdout/stderr event, coloured by runner,
and our own notices (run header, outcome), on the LineView base (tutor.app.line_view)."""

from __future__ import annotations

import os
from typing import NamedTuple

from rich.cells import cell_len
from rich.segment import Segment
from rich.style import Style
from rich.text import Text
from textual.color import Color
from textual.geometry import Size

from tutor.app.colors import RunnerColors, readable
from tutor.app.line_view import LineView, Row, clean
from tutor.app.wrap_map import wrap_cuts

STDOUT, STDERR, NOTICE, ERROR_NOTICE = 0, 1, 2, 3


class OutLine(NamedTuple):
    seq: int
    runner: str
    kind: int
    text: str


class OutputView(LineView):
    """Program output, one line per stdout/stderr event, coloured by runner."""

    ROW = OutLine

    PREFIX = "output"
    TEXT_PARTS = frozenset({"stderr", "notice", "error-notice"})
    DEFAULT_CSS = """
    OutputView {
        background: $surface;
        color: $foreground;
    }
    OutputView > .output--cursor { background: $surface-lighten-1; text-style: bold; }
    OutputView > .output--stderr { color: $error; text-style: bold; }
    OutputView > .output--notice { color: $text-muted; text-style: italic; }
    OutputView > .output--error-notice { color: $error; text-style: bold; }
    """
    COMPONENT_CLASSES = {
        "output--cursor",
        "output--stderr",
        "output--notice",
        "output--error-notice",
    }

    NAME_WIDTH = 14
    """The runner-name column's widest (a longer name is cut with …)."""

    def __init__(self, colors: RunnerColors | None = None, **kwargs: str | None) -> None:
        super().__init__(colors, **kwargs)
        self.show_names = bool(os.environ.get("NO_COLOR"))
        """The runner-name column, so lines read without colour (on under NO_COLOR)."""
        self._name_width = 0
        self.until: int | None = None
        """Stepping through a run: lines after this seq (not printed yet then) are dimmed."""
        self.wrap = True
        self._mapped_prefix = 0
        """The prefix width the row map was built with."""

    def show_until(self, seq: int | None) -> None:
        """Dim the lines printed after `seq` (None: none are)."""
        if seq != self.until:
            self.until = seq
            self._cache.clear()
            self.refresh()

    def toggle_names(self) -> None:
        self.show_names = not self.show_names
        self._cache.clear()
        self._width = self._measure(self.lines.rows)
        if self.wrap:
            self.rewrap()
        else:
            self._grow(Size(self._width, len(self.lines)))
            self.refresh()

    def clear(self) -> None:
        super().clear()
        self._name_width = 0
        self.until = None

    def add(self, seq: int, runner: str, kind: int, text: str) -> None:
        """Queue one line; it shows at the next flush (within 1/30 s)."""
        self._pending.append((seq, runner, kind, text))
        if self._flush_timer is None:
            self._schedule()

    def notice(self, text: str, error: bool = False, seq: int = -1) -> None:
        """A line of ours (run header, outcome sentence), not the program's; wrapped to fit."""
        width = self.wrap_width if self.wrap else self.scrollable_content_region.width - 1
        width = max(20, width)  # by words: the row map then never cuts one
        kind = ERROR_NOTICE if error else NOTICE
        for line in Text(text).wrap(self.app.console, width):
            self.add(seq, "", kind, line.plain.rstrip())

    def _measure(self, lines: list[Row]) -> int:
        width = 0
        for line in lines:
            text = line[3]
            n = len(text)
            # a line's cells are between len and 2*len; only wide text needs counting
            if n * 2 > width and not text.isascii():
                n = cell_len(text)
            if n > width:
                width = n
            if len(line[1]) > self._name_width:
                self._name_width = min(self.NAME_WIDTH, len(line[1]))
        return width + 3 + (self._name_width + 1 if self.show_names else 0)

    # --- wrapping (LineView's hooks) ---------------------------------------------------

    def _line_prefix(self) -> int:
        """Cells before a program line's text: bar, stderr mark, names column, a space."""
        return 3 + (self._name_width + 1 if self.show_names else 0)

    def _prefix_cells(self, row: Row) -> int:
        return self._line_prefix() if row[2] <= STDERR else 0

    def _wrap_text(self, row: Row) -> str:
        return clean(row[3])

    def _prefix_changed(self) -> bool:
        return self._mapped_prefix != self._line_prefix()

    def _map_rows(self, start: int) -> None:
        """Lines longer than a row go into the row map. A line that fits whatever its
        characters costs a length test (a flood stays cheap); only long ones are cut."""
        self._mapped_prefix = self._line_prefix()
        width = self._wrap_width
        fits = max(1, width - self._mapped_prefix)
        long: list[tuple[int, int]] = []
        index = start - 1
        for _seq, _runner, kind, text in self.lines.rows[start:]:
            index += 1
            n = len(text)
            if n <= fits and (n * 2 <= fits or text.isascii()) and text.isprintable():
                continue
            if kind <= STDERR and text.isascii() and text.isprintable():
                rows = -(-n // fits)  # one cell a character
            else:
                prefix = fits if kind <= STDERR else width
                rows = len(wrap_cuts(clean(text), prefix)) - 1
            if rows > 1:
                long.append((index, rows))
        self.row_map.extend(long)

    def _segments(self, index: int) -> list[Segment]:
        line = self.lines[index]
        text = clean(line.text)
        if line.kind == STDOUT or line.kind == STDERR:
            runner_style = self._style("runner:" + line.runner)
            marker = (
                Segment("!", self._style("stderr"))
                if line.kind == STDERR
                else Segment(" ", runner_style)
            )
            segments = [Segment("▌", runner_style), marker, Segment(" " + text, runner_style)]
            if self.show_names:
                name = clean(line.runner)
                if len(name) > self._name_width:
                    name = name[: self._name_width - 1] + "…"
                segments.insert(2, Segment(f" {name:<{self._name_width}}", runner_style))
        else:
            style = self._style("error-notice" if line.kind == ERROR_NOTICE else "notice")
            segments = [Segment(text, style)]
        if self.until is not None and line.seq > self.until and index != self.cursor:
            segments = [Segment(s.text, self._faded(s.style)) for s in segments]
        return segments

    def _faded(self, style: Style | None) -> Style:
        """A line printed after the moment shown while stepping: its colour halfway to the
        background, then back up to 4.5:1 (Rich's `dim` goes under it)."""
        style = style or self.rich_style
        color, backgrounds = style.color, self.runner_colors.backgrounds
        if color is None or color.triplet is None or not backgrounds:
            return style + Style(dim=True)  # the terminal's own colours (ANSI themes)
        faded = Color.from_rich_color(color).blend(backgrounds[0], 0.5)
        return style + Style(color=readable(faded.hex, backgrounds))
