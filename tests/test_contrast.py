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


@pytest.mark.parametrize("theme", all_themes())
async def test_error_and_notice_lines_are_readable_on_every_theme(theme: str) -> None:
    """stderr lines (`!` and all), our notices and error notices, as painted: each text
    segment's colour on its own background, with no line selected and each one selected."""
    from textual.app import App, ComposeResult

    from tutor.app.output_view import STDERR

    class Pane(App):
        def compose(self) -> ComposeResult:
            yield OutputView(id="out")

    app = Pane()
    app.theme = theme
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.pause()
        output = app.query_one(OutputView)
        output.add(1, "main", STDERR, "Traceback (most recent call last):")
        output.notice("Run 1")
        output.notice("The program failed: ZeroDivisionError.", error=True)
        output.flush()
        await pilot.pause()
        problems = set()
        for selected in (-1, 0, 1, 2):
            output.select(selected)
            for y in range(3):
                for segment in output.render_line(y):
                    style = segment.style
                    if not segment.text.strip() or style is None or style.color is None:
                        continue
                    ratio = contrast(style.color, style.bgcolor)
                    if ratio < AA:
                        where = "selected" if y == selected else "unselected"
                        problems.add(f"{segment.text.strip()[:12]!r} ({where}): {ratio:.2f}")
        assert not problems, f"{theme}: " + "; ".join(sorted(problems))


@pytest.mark.parametrize("theme", all_themes())
async def test_the_sandbox_badge_is_readable_on_every_theme(theme: str) -> None:
    from textual.app import App, ComposeResult
    from textual.geometry import Region

    from tutor.app.run_pane import RunPane
    from tutor.runner.events import Start

    class Pane(App):
        def compose(self) -> ComposeResult:
            yield RunPane(id="pane")

    app = Pane()
    app.theme = theme
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.pause()
        pane = app.query_one(RunPane)
        status = pane.query_one("#status")
        problems = []
        for tier in ("bwrap", "unshare", "basic"):
            pane.show_events([Start(seq=0, t=0.0, isolation=tier, python="3.11.7")])
            await pilot.pause()
            (strip,) = status.render_lines(Region(0, 0, status.size.width, 1))
            badge = [s for s in strip if s.text.strip() and s.style and s.style.bold]
            assert badge, tier
            for segment in badge:
                ratio = contrast(segment.style.color, segment.style.bgcolor)
                if ratio < AA:
                    problems.append(f"{tier}: {ratio:.2f}")
        assert problems == [], f"{theme}: " + "; ".join(problems)
