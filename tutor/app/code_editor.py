"""The step's program in an editor, with marked lines: while stepping through a run, the
line where a runner paused and the line where the next one resumes.

A marked line has its glyph in the gutter, right after its number (it reads without
colour), and a background across the code, the same look as the next_switch quiz's
paused line (tutor.app.code_marks). Marks belong to the code that ran: they go when the
text changes.
"""

from __future__ import annotations

import dataclasses
from typing import Any, TypeVar

from rich.color import Color as RichColor
from rich.segment import Segment
from rich.style import Style
from textual.binding import Binding
from textual.color import Color
from textual.geometry import Offset, Region
from textual.strip import Strip
from textual.widgets import TextArea
from textual.widgets.text_area import TextAreaTheme

from tutor.app.code_marks import MARK_CSS
from tutor.app.colors import readable
from tutor.app.looks import marked_look, readable_on
from tutor.glyphs import PAUSED, RESUMES

BOLD = Style(bold=True)
EDITOR_THEMES = {True: "vscode_dark", False: "github_light"}
"""The editor theme for a dark or light app theme (the step's editor, a solution)."""
Area = TypeVar("Area", bound=TextArea)


def readable_themes(area: Area, theme: str) -> Area:
    """`area` in `theme`, the editor themes' text moved to 4.5:1 where it falls short: line
    numbers (github_light's are 1.7:1, vscode_dark's 3.6:1) and syntax colours (several of
    github_light's are 3:1) on the code's background and the cursor line's. The same
    themes, registered on it under their own names before it takes one."""
    for name in EDITOR_THEMES.values():
        base = TextAreaTheme.get_builtin_theme(name)
        if base is None or base.base_style is None or base.base_style.bgcolor is None:
            continue
        code_bg = base.base_style.bgcolor
        cursor_bg = (base.cursor_line_style and base.cursor_line_style.bgcolor) or code_bg

        def moved(style: Style | None, *on: RichColor) -> Style | None:
            if style is None or style.color is None or style.color.triplet is None:
                return style
            backgrounds = tuple(Color.from_rich_color(bg) for bg in on)
            return style + Style(
                color=readable(Color.from_rich_color(style.color).hex, backgrounds)
            )

        gutter, cursor_gutter = base.gutter_style, base.cursor_line_gutter_style
        area.register_theme(
            dataclasses.replace(
                base,
                gutter_style=moved(gutter, (gutter and gutter.bgcolor) or code_bg),
                cursor_line_gutter_style=moved(
                    cursor_gutter, (cursor_gutter and cursor_gutter.bgcolor) or cursor_bg
                ),
                syntax_styles={
                    key: moved(style, code_bg, cursor_bg) or style
                    for key, style in base.syntax_styles.items()
                },
            )
        )
    area.theme = theme
    return area


class CodeEditor(TextArea):
    """The step's program. Tab moves on to the next pane (as everywhere else in the app);
    ctrl+t indents the line, or every selected line, to the next multiple of four."""

    BINDINGS = [Binding("ctrl+t", "indent", "Indent", show=False)]
    DEFAULT_CSS = f"""
    CodeEditor > .code--paused {{ {MARK_CSS} }}
    CodeEditor > .code--resumes {{ background: $accent 15%; text-style: bold; }}
    """
    COMPONENT_CLASSES = {"code--paused", "code--resumes"}

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        theme = kwargs.pop("theme", "css")
        super().__init__(*args, **kwargs)
        readable_themes(self, theme)
        self.marks: dict[int, str] = {}
        """Marked lines: 1-based line -> glyph (PAUSED or RESUMES); empty: none."""

    def action_indent(self) -> None:
        start, end = sorted(self.selection)
        if start[0] == end[0]:
            self.insert(" " * (4 - start[1] % 4))
            return
        last = end[0] if end[1] > 0 else end[0] - 1
        for row in range(start[0], last + 1):
            self.insert("    ", (row, 0))

    # --- marks ---------------------------------------------------------------------

    def show_marks(self, paused: int | None, resumes: int | None, code: str) -> bool:
        """Mark where a runner paused and where the next resumes, in `code` (the program
        that ran). False, and no marks, when the editor no longer holds that code."""
        marks: dict[int, str] = {}
        if self.text == code:
            if resumes:
                marks[resumes] = RESUMES
            if paused:
                marks[paused] = PAUSED  # both on one line: the paused mark shows
        if marks != self.marks:
            self.marks = marks
            self.refresh()
            line = paused or resumes
            if marks and line:  # the paused line in view (or where the next resumes)
                y = self.wrapped_document.location_to_offset((line - 1, 0)).y
                self.scroll_to_region(Region(0, y, 1, 1), animate=False, immediate=True)
        return self.text == code

    def clear_marks(self) -> None:
        if self.marks:
            self.marks = {}
            self.refresh()

    def on_text_area_changed(self, event: TextArea.Changed) -> None:
        """Edited code no longer has the lines that ran (the message bubbles on)."""
        self.clear_marks()

    def render_line(self, y: int) -> Strip:
        strip = super().render_line(y)
        if not self.marks:
            return strip
        absolute_y = int(self.scroll_y) + y
        document = self.wrapped_document
        if absolute_y >= document.height:
            return strip
        row, _column = document.offset_to_location(Offset(0, absolute_y))
        glyph = self.marks.get(row + 1)
        if glyph is None:
            return strip
        look = marked_look(self, "code--paused" if glyph == PAUSED else "code--resumes")
        mark = Style(bold=look.bold, bgcolor=look.bgcolor)
        gutter = self.gutter_width if self.show_line_numbers else 0
        first_row = document.location_to_offset((row, 0)).y == absolute_y
        if gutter >= 2 and first_row:
            head, cell, tail = strip.divide([gutter - 2, gutter - 1, strip.cell_length])[:3]
            segments = list(cell)
            glyph_style = (segments[0].style if segments else None) or Style()
            strip = Strip.join([head, Strip([Segment(glyph, glyph_style + BOLD)]), tail])
        if self.has_focus and self.cursor_location[0] == row:
            return strip  # the cursor's own colours stay readable on its line
        head, code = strip.divide([gutter, strip.cell_length])[:2]
        marked = [  # the syntax colours, readable on the mark's background
            Segment(text, readable_on((style or Style()) + mark, look.bgcolor), control)
            for text, style, control in code
        ]
        return Strip.join([head, Strip(marked, code.cell_length)])
