"""How prose marks look in the learner's theme: right, wrong, note, muted and `code` spans.

Each look is a theme variable (a widget declares the `look--*` component classes with
LOOKS_CSS), then moved, where it falls short, to WCAG's 4.5:1 on what it is painted on
(tutor.app.colors.readable). Rich's `dim` and plain `red` are not used for text: Textual
paints `dim` by blending the text into the background (2.6:1 on solarized-light), and
`red` is the terminal palette's, whatever the theme.
"""

from __future__ import annotations

from dataclasses import dataclass

from rich.color import Color as RichColor
from rich.style import Style
from textual.color import Color
from textual.widget import Widget
from textual.widgets import Static

from tutor.app.colors import painted_backgrounds, readable

LOOK_CLASSES = {"look--right", "look--wrong", "look--note", "look--muted", "look--code"}
"""The component classes a widget using `looks_of` declares (with LOOKS_CSS)."""


def looks_css(widget: str) -> str:
    """The looks' theme variables, for `widget`'s DEFAULT_CSS."""
    return f"""
    {widget} > .look--right {{ color: $text-success; }}
    {widget} > .look--wrong {{ color: $text-error; }}
    {widget} > .look--note {{ color: $text-warning; }}
    {widget} > .look--muted {{ color: $text-muted; }}
    {widget} > .look--code {{ color: $text-warning; background: $warning 10%; }}
    """


@dataclass(frozen=True)
class Looks:
    right: Style
    wrong: Style
    note: Style
    muted: Style
    code: Style
    backgrounds: tuple[Color, ...]
    """What the text is painted on (each look has 4.5:1 on all of them)."""


PLAIN = Looks(Style(), Style(), Style(), Style(), Style(bold=True), ())
"""Before a widget is mounted (nothing is painted yet)."""


def looks_of(widget: Widget) -> Looks:
    """The looks of `widget`'s component classes, readable on its background focused or
    not (a focused widget may get $boost)."""
    if not widget.is_mounted:
        return PLAIN
    dark = widget.app.current_theme.dark
    base = widget.background_colors[0]
    focused = base + Color.parse(widget.app.theme_variables.get("boost", "#0000"))
    painted = (widget.rich_style.bgcolor, base.rich_color, focused.rich_color)
    backgrounds = painted_backgrounds(painted, dark)

    def look(name: str, on: tuple[Color, ...] = backgrounds) -> Style:
        return readable_on(Style(color=widget.get_component_rich_style(f"look--{name}").color), *on)

    code = widget.get_component_rich_style("look--code")
    code_bg = painted_backgrounds((code.bgcolor,), dark)[0]
    return Looks(
        right=look("right"),
        wrong=look("wrong"),
        note=look("note"),
        muted=look("muted"),
        code=look("code", (code_bg,)) + Style(bgcolor=code.bgcolor),
        backgrounds=backgrounds,
    )


def marked_look(widget: Widget, component: str) -> Style:
    """A marked line's look (`component`, e.g. MARK_CSS): its background blended on the
    widget's, and the widget's text colour readable on it."""
    style = widget.get_component_rich_style(component)
    return readable_on(widget.rich_style + style, style.bgcolor)


def readable_on(style: Style | None, *backgrounds: RichColor | Color | None) -> Style:
    """`style` with its colour moved to 4.5:1 on `backgrounds` (e.g. text painted on a
    marked line: syntax colours chosen for the editor's own background). A colour of the
    terminal's palette (ANSI themes) is the terminal's to paint: it is kept."""
    style = style or Style()
    color = style.color
    if color is None or color.triplet is None or None in backgrounds:
        return style
    on = tuple(bg if isinstance(bg, Color) else Color.from_rich_color(bg) for bg in backgrounds)
    return style + Style(color=readable(Color.from_rich_color(color).hex, on))


class Prose(Static):
    """Prose on a screen: the theme's text colour for what it is painted on (`$text`; the
    theme's `$foreground` falls under 4.5:1 on `$panel` in some themes), and the looks
    (`looks_of(prose).muted` for what Rich's `dim` drew)."""

    DEFAULT_CSS = "Prose { color: $text; }" + looks_css("Prose")
    COMPONENT_CLASSES = LOOK_CLASSES
