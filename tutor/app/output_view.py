"""The output pane: a Line-API ScrollView that renders only the visible lines.

Lines arrive one event at a time from the runner. They are appended to a pending list and
flushed to the view at most every 1/30 s (one virtual-size update, one scroll, one refresh
per flush), so a print flood costs a list append per line. Each visible line becomes a
`Strip` built from plain `Segment`s — never markup — and is cached until the theme, the
width or the selection changes.
"""

from __future__ import annotations

import os
import time
from collections.abc import Callable, Iterable, Iterator
from typing import Any, NamedTuple

from rich.cells import cell_len
from rich.segment import Segment
from rich.style import Style
from rich.text import Text
from textual import events
from textual.binding import Binding
from textual.cache import LRUCache
from textual.geometry import Size
from textual.message import Message
from textual.scroll_view import ScrollView
from textual.strip import Strip

from tutor.app.colors import RunnerColors, painted_backgrounds
from tutor.app.textual_private import sync_scrollbars
from tutor.textsafe import visible

TYPE_CHECKING = False
if TYPE_CHECKING:
    from textual.color import Color
    from textual.timer import Timer

Row = tuple[Any, ...]
"""A stored line: the fields of the view's named tuple (OutLine, SwitchLine), plain."""

FLUSH_INTERVAL = 1 / 30
QUIET = 0.008
"""A line that arrives this long after the last flush is shown at once (no batch is building)."""

STDOUT, STDERR, NOTICE, ERROR_NOTICE = 0, 1, 2, 3


def clean(text: str) -> str:
    """Program text made safe to paint: tabs expanded, control characters made visible
    (tutor.textsafe: they would move the terminal's cursor, or worse)."""
    if text.isprintable():
        return text
    return visible(text.expandtabs(8), one_line=True)


class Rows:
    """Stored lines as plain tuples (the garbage collector stops tracking those, so 200k lines
    cost nothing at a full collection); items come back as the view's named tuple."""

    __slots__ = ("rows", "make")

    def __init__(self, make: Callable[[Row], Any]) -> None:
        self.rows: list[Row] = []
        self.make = make

    def __len__(self) -> int:
        return len(self.rows)

    def __bool__(self) -> bool:
        return bool(self.rows)

    def __getitem__(self, index: int | slice) -> Any:
        if isinstance(index, slice):
            return [self.make(row) for row in self.rows[index]]
        return self.make(self.rows[index])

    def __iter__(self) -> Iterator[Any]:
        return map(self.make, self.rows)

    def __eq__(self, other: object) -> bool:
        return isinstance(other, Iterable) and list(self) == list(other)

    def extend(self, rows: list[Row]) -> None:
        self.rows.extend(rows)

    def clear(self) -> None:
        self.rows.clear()


class OutLine(NamedTuple):
    seq: int
    runner: str
    kind: int
    text: str


class LineView(ScrollView, can_focus=True):
    """Append-only lines, coalesced flushes, cached strips, a selectable cursor line."""

    DEFAULT_CSS = """
    LineView {
        background: $surface;
        color: $foreground;
    }
    """
    PREFIX = "output"
    ROW: type[OutLine] | type[SwitchLine] = OutLine
    BINDINGS = [
        Binding("up", "cursor(-1)", "Line up", show=False),
        Binding("down", "cursor(1)", "Line down", show=False),
    ]

    class Selected(Message):
        """The learner picked a line (by click or keys)."""

        def __init__(self, view: LineView, index: int, seq: int) -> None:
            super().__init__()
            self.view = view
            self.index = index
            self.seq = seq

        @property
        def control(self) -> LineView:
            return self.view

    def __init__(
        self,
        colors: RunnerColors | None = None,
        *,
        name: str | None = None,
        id: str | None = None,
        classes: str | None = None,
    ) -> None:
        super().__init__(name=name, id=id, classes=classes)
        self.runner_colors = colors or RunnerColors()
        self.lines = Rows(self.ROW._make)
        self._pending: list[Row] = []
        self._flush_timer: Timer | None = None
        self._width = 0
        self._cache: LRUCache[tuple[int, int], Strip] = LRUCache(2048)
        self._styles: dict[str, Style] = {}
        self.cursor = -1
        self._last_flush = 0.0
        self._follow = True
        """Keep the end in view: dropped when the view scrolls up, taken back at the end."""
        self.flushes = 0
        """How many times pending lines were moved into the view (for tests and the bench)."""

    # --- feeding -------------------------------------------------------------------

    def _schedule(self) -> None:
        """Flush 1/30 s after the previous flush (a steady cadence under a flood: the time
        spent painting is not added to the wait), or at once after a quiet spell (the
        first line of a run, a program that prints now and then)."""
        if self.is_mounted:
            since = time.monotonic() - self._last_flush
            if since >= QUIET:
                self.flush()
            else:
                self._flush_timer = self.set_timer(FLUSH_INTERVAL - since, self._timed_flush)

    def on_mount(self) -> None:
        self.runner_colors.dark = self.app.current_theme.dark
        self.runner_colors.backgrounds = self._painted_backgrounds()
        self.app.theme_changed_signal.subscribe(self, lambda _theme: self._theme_changed())
        if self._pending and self._flush_timer is None:
            self._schedule()

    def on_resize(self) -> None:
        self._cache.clear()
        self._sync_scrollbars()

    def _timed_flush(self) -> None:
        self._flush_timer = None
        self.flush()

    def flush(self) -> None:
        """Move pending lines into the view now."""
        if self._flush_timer is not None:  # called early: the timed flush has nothing to do
            self._flush_timer.stop()
            self._flush_timer = None
        self._last_flush = time.monotonic()
        pending = self._pending
        if not pending:
            return
        self._pending = []
        self.flushes += 1
        follow = self._follow or self.is_vertical_scroll_end
        self._width = max(self._width, self._measure(pending))
        self.lines.extend(pending)
        self._grow(Size(self._width, len(self.lines)))
        if follow and not self.is_vertical_scrollbar_grabbed:
            self.scroll_end(animate=False, immediate=True, x_axis=False, force=True)
        self.refresh()

    def _grow(self, size: Size) -> None:
        """Set the virtual size without a screen-wide layout pass when no scrollbar appears
        or goes.

        `virtual_size` is a layout reactive: every change reflows and repaints the whole
        screen (the editor, the Markdown...), ~30 ms a time. Growing while the scrollbars
        stay as they are, or shrinking while none is shown (clearing the pane for a run),
        only needs this widget's scrollbars told and itself repainted."""
        old = self.virtual_size
        view = self.size
        vertical, horizontal = self.show_vertical_scrollbar, self.show_horizontal_scrollbar
        needs_layout = (
            ((size.height < old.height or size.width < old.width) and (vertical or horizontal))
            or (size.height > view.height - 1 and not vertical)
            or (size.width > view.width - 2 and not horizontal)
        )
        if needs_layout:
            self.virtual_size = size
            self.call_after_refresh(self._sync_scrollbars)
        else:
            self.set_reactive(LineView.virtual_size, size)
            sync_scrollbars(self, size)

    def watch_show_vertical_scrollbar(self, shown: bool) -> None:
        if shown:
            self.call_after_refresh(self._sync_scrollbars)

    def watch_show_horizontal_scrollbar(self, shown: bool) -> None:
        if shown:
            self.call_after_refresh(self._sync_scrollbars)

    def _sync_scrollbars(self) -> None:
        """A scroll made before a new scrollbar was laid out left its thumb at the top, and a
        new horizontal scrollbar takes a row: follow the end again."""
        if self._follow and self.scroll_y < self.max_scroll_y:
            self.scroll_end(animate=False, immediate=True, x_axis=False, force=True)
        if self.show_vertical_scrollbar:
            self.vertical_scrollbar.position = self.scroll_y
        if self.show_horizontal_scrollbar:
            self.horizontal_scrollbar.position = self.scroll_x

    def clear(self) -> None:
        if not self.lines and not self._pending and self.cursor < 0 and not self.scroll_offset:
            self._follow = True  # nothing to clear, nothing to repaint (an unused timeline)
            return
        self._pending.clear()
        if self._flush_timer is not None:
            self._flush_timer.stop()
            self._flush_timer = None
        self.lines.clear()
        self._width = 0
        self._cache.clear()
        self.cursor = -1
        self._grow(Size(0, 0))
        self.scroll_to(0, 0, animate=False, immediate=True)
        self._follow = True
        self.refresh()

    def watch_scroll_y(self, old_value: float, new_value: float) -> None:
        super().watch_scroll_y(old_value, new_value)
        if new_value < old_value:
            self._follow = False
        elif new_value >= self.max_scroll_y:
            self._follow = True

    @property
    def pending(self) -> int:
        return len(self._pending)

    # --- selection -----------------------------------------------------------------

    def select(self, index: int, post: bool = False, scroll: bool = True) -> None:
        """Highlight line `index` (-1: none)."""
        if index >= len(self.lines):
            index = len(self.lines) - 1
        self.cursor = index
        self._cache.clear()
        if (
            scroll
            and index >= 0
            and not (self.scroll_y <= index < self.scroll_y + self.size.height)
        ):
            self.scroll_to(y=max(0, index - self.size.height // 2), animate=False)
        self.refresh()
        if post and index >= 0:
            self.post_message(self.Selected(self, index, self.lines[index].seq))

    def action_cursor(self, delta: int) -> None:
        if not self.lines:
            return
        if self.cursor < 0:
            start = min(len(self.lines) - 1, int(self.scroll_y) + self.size.height - 1)
            index = start if delta < 0 else int(self.scroll_y)
        else:
            index = max(0, min(len(self.lines) - 1, self.cursor + delta))
        self.select(index, post=True)

    def on_click(self, event: events.Click) -> None:
        index = int(self.scroll_y) + event.y
        if 0 <= index < len(self.lines):
            self.select(index, post=True, scroll=False)

    # --- rendering -----------------------------------------------------------------

    def notify_style_update(self) -> None:
        super().notify_style_update()
        self._cache.clear()
        self._styles.clear()

    def _painted_backgrounds(self) -> tuple[Color, ...]:
        """The pane's and the selected line's backgrounds: runner colours keep 4.5:1 on both."""
        cursor = self.get_component_rich_style(f"{self.PREFIX}--cursor").bgcolor
        return painted_backgrounds((self.rich_style.bgcolor, cursor), self.app.current_theme.dark)

    def _theme_changed(self) -> None:
        self.runner_colors.dark = self.app.current_theme.dark
        self.runner_colors.backgrounds = self._painted_backgrounds()
        self._cache.clear()
        self._styles.clear()
        self.refresh()

    def _style(self, key: str) -> Style:
        style = self._styles.get(key)
        if style is None:
            base = self.rich_style
            if key.startswith("runner:"):
                style = base + self.runner_colors.style(key[7:])
            elif key == "bg":
                style = base
            else:
                style = base + self.get_component_rich_style(f"{self.PREFIX}--{key}", partial=True)
            self._styles[key] = style
        return style

    def render_line(self, y: int) -> Strip:
        scroll_x, scroll_y = self.scroll_offset
        index = scroll_y + y
        width = self.size.width
        if index >= len(self.lines):
            return Strip.blank(width, self._style("bg"))
        strip = self._cache.get((index, 0))
        if strip is None:
            strip = self._render_index(index)
            self._cache[(index, 0)] = strip
        return strip.crop_extend(scroll_x, scroll_x + width, self._style("bg"))

    def _measure(self, lines: list[Row]) -> int:
        raise NotImplementedError

    def _segments(self, index: int) -> list[Segment]:
        raise NotImplementedError

    def _render_index(self, index: int) -> Strip:
        segments = self._segments(index)
        if index == self.cursor:
            cursor = self.get_component_rich_style(f"{self.PREFIX}--cursor", partial=True)
            segments = [Segment(s.text, (s.style or Style()) + cursor) for s in segments]
            strip = Strip(segments)
            return strip.extend_cell_length(
                max(self.size.width, strip.cell_length), self._style("bg") + cursor
            )
        return Strip(segments)


class OutputView(LineView):
    """Program output, one line per stdout/stderr event, coloured by runner."""

    ROW = OutLine

    PREFIX = "output"
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

    def toggle_names(self) -> None:
        self.show_names = not self.show_names
        self._cache.clear()
        self._width = self._measure(self.lines.rows)
        self._grow(Size(self._width, len(self.lines)))
        self.refresh()

    def clear(self) -> None:
        super().clear()
        self._name_width = 0

    def add(self, seq: int, runner: str, kind: int, text: str) -> None:
        """Queue one line; it shows at the next flush (within 1/30 s)."""
        self._pending.append((seq, runner, kind, text))
        if self._flush_timer is None:
            self._schedule()

    def notice(self, text: str, error: bool = False, seq: int = -1) -> None:
        """A line of ours (run header, outcome sentence), not the program's; wrapped to fit."""
        width = max(20, self.scrollable_content_region.width - 1)
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
        return segments


class SwitchLine(NamedTuple):
    seq: int
    from_: str
    to: str
    via: str


class TimelineView(LineView):
    """The switch trace as swimlanes: one column per runner, one row per switch."""

    ROW = SwitchLine

    PREFIX = "timeline"
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
        segments.append(Segment(" → ", lane_style))
        segments.append(Segment(clean(line.to), self._style("runner:" + line.to)))
        segments.append(Segment(f"  {clean(line.via)}", self._style("number")))
        return segments
