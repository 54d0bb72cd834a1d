"""The shared base of the output pane and the timeline: a Line-API ScrollView that renders
only the visible lines.

Lines arrive one event at a time from the runner. They are appended to a pending list and
flushed to the view at most every 1/30 s (one virtual-size update, one scroll, one refresh
per flush), so a print flood costs a list append per line. Each visible line becomes a
`Strip` built from plain `Segment`s — never markup — and is cached until the theme, the
width or the selection changes.
"""

from __future__ import annotations

import re
import time
from collections.abc import Callable, Iterable, Iterator
from typing import Any

from rich.segment import Segment
from rich.style import Style
from textual import events
from textual.binding import Binding
from textual.cache import LRUCache
from textual.color import Color
from textual.geometry import Size
from textual.message import Message
from textual.scroll_view import ScrollView
from textual.strip import Strip

from tutor.app.colors import RunnerColors, painted_backgrounds, readable
from tutor.app.textual_private import sync_scrollbars
from tutor.app.wrap_map import RowMap, wrap_cuts
from tutor.textsafe import visible

TYPE_CHECKING = False
if TYPE_CHECKING:
    from textual.timer import Timer

Row = tuple[Any, ...]
"""A stored line: the fields of the view's named tuple (OutLine, SwitchLine), plain."""

FLUSH_INTERVAL = 1 / 30
QUIET = 0.008
"""A line that arrives this long after the last flush is shown at once (no batch is building)."""
BAR_ONLY = re.compile("[^▌]")
"""A wrapped line's next rows keep only the runner's bar of its prefix."""


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


class LineView(ScrollView, can_focus=True):
    """Append-only lines, coalesced flushes, cached strips, a selectable cursor line."""

    DEFAULT_CSS = """
    LineView {
        background: $surface;
        color: $foreground;
    }
    """
    PREFIX = "output"
    TEXT_PARTS: frozenset[str] = frozenset()
    """Component parts painted as text: their colour is moved to keep 4.5:1 on the pane and
    on the selected line, like runner colours (tutor.app.colors.readable)."""
    ROW: type[Any]
    """The named tuple a stored row comes back as (OutLine, SwitchLine)."""
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
        self.wrap = False
        """Long lines wrap onto more rows (no horizontal scrolling); see wrap_map."""
        self.row_map = RowMap()
        self._wrap_width = 0
        """The width the row map was built for (0: not built)."""

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
        if self.wrap and self.wrap_width != self._wrap_width:
            self.rewrap()
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
        start = len(self.lines)
        self.lines.extend(pending)
        if self.wrap:
            if self._wrap_width != self.wrap_width or self._prefix_changed():
                self.rewrap(grow=False)  # every line again: the width they wrap to changed
            else:
                self._map_rows(start)
        self._grow(self._virtual_size())
        if follow and not self.is_vertical_scrollbar_grabbed:
            self.scroll_end(animate=False, immediate=True, x_axis=False, force=True)
        self.refresh()

    # --- wrapping ------------------------------------------------------------------

    @property
    def wrap_width(self) -> int:
        """Cells a wrapped row holds: the view's width less a vertical scrollbar's, always
        (wrapping to the width left by a scrollbar that comes and goes would rewrap)."""
        return max(8, self.size.width - self.styles.scrollbar_size_vertical)

    def _virtual_size(self) -> Size:
        if self.wrap:
            return Size(0, self.row_map.total(len(self.lines)))
        return Size(self._width, len(self.lines))

    def rewrap(self, grow: bool = True) -> None:
        """Build the row map again (the width or the prefix changed, or wrapping came on)."""
        self.row_map.clear()
        self._wrap_width = self.wrap_width if self.wrap else 0
        if self.wrap:
            self._map_rows(0)
        self._cache.clear()
        if grow:
            self._grow(self._virtual_size())
            self.refresh()

    def toggle_wrap(self) -> bool:
        """Wrap long lines, or scroll sideways; the line at the top (or the one selected)
        stays in view. Returns whether lines wrap now."""
        top = self.cursor if self.cursor >= 0 else self.line_at(int(self.scroll_y))[0]
        self.wrap = not self.wrap
        self.rewrap()
        self.scroll_to(0, self.row_of(top), animate=False, immediate=True, force=True)
        self._follow = self.scroll_y >= self.max_scroll_y
        return self.wrap

    def row_of(self, index: int) -> int:
        """The first row of line `index`."""
        return self.row_map.row_of(index) if self.wrap else index

    def line_at(self, row: int) -> tuple[int, int]:
        """(line, its row) shown on `row`."""
        return self.row_map.line_at(row) if self.wrap else (row, 0)

    def _prefix_changed(self) -> bool:
        """Whether what comes before the text of a row (a names column) got wider."""
        return False

    def _map_rows(self, start: int) -> None:
        """Add the lines from `start` on to the row map (only views that wrap)."""

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
        self.row_map.clear()
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
        row = self.row_of(index) if index >= 0 else -1
        if scroll and index >= 0 and not (self.scroll_y <= row < self.scroll_y + self.size.height):
            self.scroll_to(y=max(0, row - self.size.height // 2), animate=False)
        self.refresh()
        if post and index >= 0:
            self.post_message(self.Selected(self, index, self.lines[index].seq))

    def action_cursor(self, delta: int) -> None:
        if not self.lines:
            return
        if self.cursor < 0:
            top = int(self.scroll_y)
            bottom = self.line_at(top + self.size.height - 1)[0]
            index = min(len(self.lines) - 1, bottom) if delta < 0 else self.line_at(top)[0]
        else:
            index = max(0, min(len(self.lines) - 1, self.cursor + delta))
        self.select(index, post=True)

    def on_click(self, event: events.Click) -> None:
        index = self.line_at(int(self.scroll_y) + event.y)[0]
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
                part = self.get_component_rich_style(f"{self.PREFIX}--{key}", partial=True)
                backgrounds = self.runner_colors.backgrounds
                color = part.color
                if key in self.TEXT_PARTS and color and color.triplet and backgrounds:
                    # a theme's $error or $text-muted can be too faint on its own surface
                    # (an ANSI theme's colours are the terminal's: kept)
                    part += Style(color=readable(Color.from_rich_color(color).hex, backgrounds))
                style = base + part
            self._styles[key] = style
        return style

    def render_line(self, y: int) -> Strip:
        scroll_x, scroll_y = self.scroll_offset
        index, part = self.line_at(scroll_y + y) if self.wrap else (scroll_y + y, 0)
        width = self.size.width
        if index >= len(self.lines):
            return Strip.blank(width, self._style("bg"))
        strip = self._cache.get((index, part))
        if strip is None:
            strip = self._wrapped_row(index, part) if self.wrap else self._render_index(index)
            self._cache[(index, part)] = strip
        return strip.crop_extend(scroll_x, scroll_x + width, self._style("bg"))

    def _wrapped_row(self, index: int, part: int) -> Strip:
        """Row `part` of line `index`, wrapped: the prefix (runner bar, marks) on the first
        row, only its bar on the others, so the text lines up under itself."""
        if self.row_map.rows_of(index) == 1:
            return self._render_index(index)
        row = self.lines.rows[index]
        prefix = self._prefix_cells(row)
        cuts = wrap_cuts(self._wrap_text(row), self._wrap_width - prefix)
        whole = Strip(self._segments(index))
        head = whole.crop(0, prefix)
        if part:
            head = Strip([Segment(BAR_ONLY.sub(" ", s.text), s.style) for s in head])
        if part + 1 >= len(cuts):
            return self._paint(index, list(head))  # the map is ahead of a changed line
        text = whole.crop(prefix + cuts[part], prefix + cuts[part + 1])
        return self._paint(index, [*head, *text])

    def _prefix_cells(self, row: Row) -> int:
        """Cells before a line's text (views that wrap)."""
        return 0

    def _wrap_text(self, row: Row) -> str:
        """A line's text as painted (views that wrap)."""
        return ""

    def _measure(self, lines: list[Row]) -> int:
        raise NotImplementedError

    def _segments(self, index: int) -> list[Segment]:
        raise NotImplementedError

    def _render_index(self, index: int) -> Strip:
        return self._paint(index, self._segments(index))

    def _paint(self, index: int, segments: list[Segment]) -> Strip:
        """A row of line `index`, highlighted across the view when it is selected."""
        if index == self.cursor:
            cursor = self.get_component_rich_style(f"{self.PREFIX}--cursor", partial=True)
            segments = [Segment(s.text, (s.style or Style()) + cursor) for s in segments]
            strip = Strip(segments)
            return strip.extend_cell_length(
                max(self.size.width, strip.cell_length), self._style("bg") + cursor
            )
        return Strip(segments)
