"""WCAG AA contrast (4.5:1) of the runner colours, as painted, on each theme (issue 13, item 8).

The colours and backgrounds are read from the running widgets, so a theme or stylesheet
change that makes a runner's lines hard to read fails here.
"""

from __future__ import annotations

import pytest
from rich.color import Color as RichColor

from tutor.app.output_view import OutputView
from tutor.app.timeline_view import TimelineView

AA = 4.5


def luminance(color: RichColor) -> float:
    def channel(value: int) -> float:
        v = value / 255
        return v / 12.92 if v <= 0.03928 else ((v + 0.055) / 1.055) ** 2.4

    r, g, b = color.get_truecolor()
    return 0.2126 * channel(r) + 0.7152 * channel(g) + 0.0722 * channel(b)


def contrast(a: RichColor, b: RichColor) -> float:
    high, low = sorted((luminance(a), luminance(b)), reverse=True)
    return (high + 0.05) / (low + 0.05)


def all_themes() -> list:
    """Every Textual theme. The ANSI ones paint on the terminal's own background, which
    no test can know (the colours then assume black or white: tutor.app.colors)."""
    from textual.app import App

    unknown = pytest.mark.skip(reason="painted on the terminal's own background")
    return [
        pytest.param(name, marks=[unknown] if name.startswith("ansi-") else [])
        for name in sorted(App().available_themes)
    ]


@pytest.mark.parametrize("theme", all_themes())
async def test_runner_colours_are_readable_on_every_theme(theme: str) -> None:
    from textual.app import App, ComposeResult

    class Panes(App):
        def compose(self) -> ComposeResult:
            yield OutputView(id="out")
            yield TimelineView(id="timeline")

    app = Panes()
    app.theme = theme
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.pause()
        output = app.query_one(OutputView)
        timeline = app.query_one(TimelineView)
        runners = ["main", *(f"task{n}" for n in range(1, 12)), "?"]
        for runner in runners:
            output.runner_colors.index(runner)
        backgrounds = {
            "the pane": output.rich_style.bgcolor,
            "the selected line": output.get_component_rich_style("output--cursor").bgcolor,
        }
        problems = []
        for where, background in backgrounds.items():
            for runner in runners:
                color = output.runner_colors.style(runner).color
                ratio = contrast(color, background)
                if ratio < AA:
                    problems.append(f"{runner} {color.name} on {where}: {ratio:.2f}")
        for part in ("timeline--number",):
            color = timeline.get_component_rich_style(part).color
            ratio = contrast(color, timeline.rich_style.bgcolor)
            if ratio < AA:
                problems.append(f"{part} on the timeline: {ratio:.2f}")
        assert problems == [], f"{theme}: " + "; ".join(problems)
