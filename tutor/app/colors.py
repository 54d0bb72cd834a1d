"""One colour per runner, in the order runners first appear, readable on every theme: a
colour with less than WCAG's 4.5:1 contrast on the output's background is moved toward
white (dark themes) or black (light ones) until it has it."""

from __future__ import annotations

from collections.abc import Iterable
from functools import lru_cache

from rich.color import Color as RichColor
from rich.style import Style
from textual.color import Color

from tutor.runner import UNATTRIBUTED

DARK = ["#5fafff", "#ffaf5f", "#87d787", "#ff87d7", "#d7d75f", "#af87ff", "#5fd7d7", "#ff8787"]
LIGHT = ["#0055c1", "#8b4b00", "#006b00", "#ab0084", "#5f5f00", "#5f00d7", "#006666", "#b80000"]
UNATTRIBUTED_DARK = "#a8a8a8"
UNATTRIBUTED_LIGHT = "#5a5a5a"
MIN_CONTRAST = 4.5
# Each colour has a contrast of at least 4.5:1 (WCAG AA) on textual-dark/-light's output
# background and on the selected line; on other themes `readable` moves a colour that has
# less (tests/test_contrast.py checks every theme).


def luminance(color: Color) -> float:
    """WCAG 2 relative luminance."""

    def channel(value: int) -> float:
        v = value / 255
        return v / 12.92 if v <= 0.03928 else ((v + 0.055) / 1.055) ** 2.4

    return 0.2126 * channel(color.r) + 0.7152 * channel(color.g) + 0.0722 * channel(color.b)


def contrast(a: Color, b: Color) -> float:
    """WCAG 2 contrast ratio (1 to 21)."""
    la, lb = luminance(a), luminance(b)
    return (max(la, lb) + 0.05) / (min(la, lb) + 0.05)


def painted_backgrounds(bgcolors: Iterable[RichColor | None], dark: bool) -> tuple[Color, ...]:
    """Textual colours of what lines are painted on (rich colours read from the widget);
    the terminal's own background (ANSI themes) is taken as black (dark) or white."""
    unknown = Color(0, 0, 0) if dark else Color(255, 255, 255)
    return tuple(
        unknown if bg is None or bg.is_default else Color.from_rich_color(bg) for bg in bgcolors
    )


@lru_cache(maxsize=512)
def readable(color: str, backgrounds: tuple[Color, ...]) -> str:
    """`color`, or the nearest blend of it toward white (dark backgrounds) or black with
    enough contrast on every background."""
    base = Color.parse(color)
    dark = luminance(backgrounds[0]) < 0.18
    target = Color(255, 255, 255) if dark else Color(0, 0, 0)
    for step in range(21):
        shade = base.blend(target, step / 20)
        if all(contrast(shade, bg) >= MIN_CONTRAST for bg in backgrounds):
            return shade.hex
    return target.hex


class RunnerColors:
    """Runner name -> lane index and colour. Shared by the output, the legend and the timeline."""

    def __init__(self) -> None:
        self.order: dict[str, int] = {}
        self.dark = True
        self.backgrounds: tuple[Color, ...] = ()
        """What lines are painted on under the current theme (set by the output view)."""

    def clear(self) -> None:
        self.order.clear()

    def index(self, runner: str) -> int:
        index = self.order.get(runner)
        if index is None:
            index = self.order[runner] = len(self.order)
        return index

    def color(self, runner: str) -> str:
        index = self.index(runner)
        if runner == UNATTRIBUTED:
            color = UNATTRIBUTED_DARK if self.dark else UNATTRIBUTED_LIGHT
        else:
            palette = DARK if self.dark else LIGHT
            color = palette[index % len(palette)]
        return readable(color, self.backgrounds) if self.backgrounds else color

    def style(self, runner: str) -> Style:
        return Style(color=self.color(runner))

    @property
    def runners(self) -> list[str]:
        return list(self.order)
