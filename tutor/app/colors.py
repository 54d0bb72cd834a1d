"""One colour per runner, in the order runners first appear, readable on light and dark."""

from __future__ import annotations

from rich.style import Style

from tutor.runner import UNATTRIBUTED

DARK = ["#5fafff", "#ffaf5f", "#87d787", "#ff87d7", "#d7d75f", "#af87ff", "#5fd7d7", "#ff8787"]
LIGHT = ["#0055c1", "#8b4b00", "#006b00", "#ab0084", "#5f5f00", "#5f00d7", "#006666", "#b80000"]
UNATTRIBUTED_DARK = "#a8a8a8"
UNATTRIBUTED_LIGHT = "#5a5a5a"
# Each colour has a contrast of at least 4.5:1 (WCAG AA) on its theme's output background and
# on the selected line (tests/test_contrast.py).


class RunnerColors:
    """Runner name -> lane index and colour. Shared by the output, the legend and the timeline."""

    def __init__(self) -> None:
        self.order: dict[str, int] = {}
        self.dark = True

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
            return UNATTRIBUTED_DARK if self.dark else UNATTRIBUTED_LIGHT
        palette = DARK if self.dark else LIGHT
        return palette[index % len(palette)]

    def style(self, runner: str) -> Style:
        return Style(color=self.color(runner))

    @property
    def runners(self) -> list[str]:
        return list(self.order)
