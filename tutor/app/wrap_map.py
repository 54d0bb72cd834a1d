"""Soft-wrapped lines: where each logical line's rows are, and where a long line breaks.

The output view selects, scrolls and links to the timeline by logical line, while the
screen shows rows. Only lines that take more than one row are stored (with the row they
start on), so a flood of short lines costs one comparison each, and finding a line's row
or a row's line is a bisect. Pure Python, no textual: it is rebuilt by the view when the
width changes.
"""

from __future__ import annotations

from bisect import bisect_left, bisect_right

from rich.cells import cell_len, chop_cells


def wrap_cuts(text: str, width: int) -> list[int]:
    """Cell offsets where `text`'s rows start, and its end: `[0, c1, ..., end]` (at least
    one row). A double-width character never straddles a cut."""
    width = max(1, width)
    if text.isascii():
        n = len(text)
        return [*range(0, n, width), n] if n else [0, 0]
    cuts, at = [0], 0
    for part in chop_cells(text, width):
        at += cell_len(part)
        cuts.append(at)
    return cuts if len(cuts) > 1 else [0, 0]


class RowMap:
    """Logical line <-> first row, for lines appended in order; a line not stored takes
    one row."""

    __slots__ = ("index", "first", "extra")

    def __init__(self) -> None:
        self.index: list[int] = []
        """The lines that take more than one row, in order."""
        self.first: list[int] = []
        """The row each of them starts on."""
        self.extra: list[int] = []
        """Rows beyond one, summed over these lines up to and including each."""

    def clear(self) -> None:
        self.index.clear()
        self.first.clear()
        self.extra.clear()

    def add(self, index: int, rows: int) -> None:
        """Line `index` (after every line added so far) takes `rows` rows (> 1)."""
        before = self.extra[-1] if self.extra else 0
        self.index.append(index)
        self.first.append(index + before)
        self.extra.append(before + rows - 1)

    def extend(self, lines: list[tuple[int, int]]) -> None:
        """`add` for each (index, rows), in order: one call for a flush's worth."""
        index, first, extra = self.index, self.first, self.extra
        before = extra[-1] if extra else 0
        for line, rows in lines:
            index.append(line)
            first.append(line + before)
            before += rows - 1
            extra.append(before)

    def total(self, lines: int) -> int:
        """Rows taken by the first `lines` lines (all the lines added, or more)."""
        return lines + (self.extra[-1] if self.extra else 0)

    def row_of(self, index: int) -> int:
        """The row line `index` starts on."""
        k = bisect_left(self.index, index)
        return index + (self.extra[k - 1] if k else 0)

    def rows_of(self, index: int) -> int:
        k = bisect_left(self.index, index)
        if k < len(self.index) and self.index[k] == index:
            return self.extra[k] - (self.extra[k - 1] if k else 0) + 1
        return 1

    def line_at(self, row: int) -> tuple[int, int]:
        """(line, row within it) shown on `row`."""
        k = bisect_right(self.first, row) - 1
        if k < 0:
            return row, 0
        start, line = self.first[k], self.index[k]
        rows = self.extra[k] - (self.extra[k - 1] if k else 0) + 1
        if row < start + rows:
            return line, row - start
        return line + 1 + (row - start - rows), 0
