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


def unreadable(app, strips, background, where: str = "") -> set[str]:
    """Text segments of `strips` under 4.5:1, as the app paints them: terminal-palette
    colours (`red`) in the theme's ANSI colours and `dim` blended into the background,
    as Textual's own line filter does before the terminal sees them."""
    from textual.filter import ANSIToTruecolor

    paint = ANSIToTruecolor(app.ansi_theme)
    problems = set()
    for strip in strips:
        for segment in strip.apply_filter(paint, background):
            style = segment.style
            if not segment.text.strip() or style is None or style.color is None:
                continue
            ratio = contrast(style.color, style.bgcolor or background.rich_color)
            if ratio < AA:
                problems.add(f"{where}{segment.text.strip()[:24]!r}: {ratio:.2f}")
    return problems


def painted_statics(app, root) -> set[str]:
    from textual.geometry import Region
    from textual.widgets import Static

    problems = set()
    for static in root.query(Static):
        if static.region.height:
            region = Region(0, 0, static.size.width, static.size.height)
            background = static.background_colors[1]
            problems |= unreadable(app, static.render_lines(region), background)
    return problems


QUIZ_LESSON = """\
id: looks
title: {en: T, zh: T}
summary: {en: S, zh: S}
topic: {en: X, zh: X}
steps:
- kind: quiz
  quiz: multiple_choice
  code: print(1)
  options: ["made the generator", "hello from greet"]
  key_line: 1
  question: {en: "What does `next(g)` print first?", zh: "`next(g)` 先打印什么?"}
  hint: {en: "`next` runs to the first `yield`", zh: "`next` 运行到第一个 `yield`"}
  explanation: {en: "the body starts at `next`", zh: "函数体从 `next` 开始"}
- kind: quiz
  quiz: next_switch
  code: |
    print("[PRODUCER] ready")
    print("[CONSUMER] got 1")
    print("[PRODUCER] done")
  checkpoints:
    - after: "[PRODUCER] ready"
    - after: "[CONSUMER] got 1"
  question: {en: "Who runs after `send`?", zh: "`send` 之后谁运行?"}
  hint: {en: "`send` resumes", zh: "`send` 恢复"}
  explanation: {en: "`yield` hands back", zh: "`yield` 交回"}
- kind: quiz
  quiz: predict_order
  code: print(1)
  question: {en: "In which order?", zh: "顺序?"}
  hint: {en: "`gather` starts all", zh: "`gather` 全部启动"}
  explanation: {en: "each `await` switches", zh: "每个 `await` 切换"}
"""


@pytest.mark.parametrize("theme", all_themes())
async def test_quiz_texts_are_readable_on_every_theme(theme: str, tmp_path) -> None:
    """Every text of a quiz as painted (question and hint with `code` spans, the paused
    code line, the options and keys' help, a wrong answer's result and its trace), the
    panel focused and not."""
    from textual.app import App, ComposeResult
    from textual.containers import VerticalScroll
    from textual.widgets import Button

    from tests.test_quiz import Events, producer_events
    from tutor.app.quiz_panel import QuizPanel
    from tutor.lesson import load_lesson
    from tutor.quiz import remember_trace

    path = tmp_path / "looks.yaml"
    path.write_text(QUIZ_LESSON)
    lesson, errors = load_lesson(path)
    assert not errors, errors
    remember_trace(lesson, 0, Events().out("main", "made the generator").out("g", "hi").end())
    remember_trace(lesson, 1, producer_events())
    remember_trace(lesson, 2, Events().out("a", "x1").err("b", "x2").out("c", "x3").end())

    class Host(App):
        def __init__(self, index: int) -> None:
            super().__init__()
            self.index = index

        def compose(self) -> ComposeResult:
            with VerticalScroll():
                yield QuizPanel(lesson, self.index, "en")
            yield Button("elsewhere")

    problems = set()
    for index, keys in ((0, "h2"), (1, "h11"), (2, "hj]")):
        app = Host(index)
        app.theme = theme
        async with app.run_test(size=(100, 80)) as pilot:
            await app.workers.wait_for_complete()
            await pilot.pause()
            panel = app.query_one(QuizPanel)
            for key in [*keys, "enter"]:
                problems |= painted_statics(app, panel)
                await pilot.press(key)
                await pilot.pause()
            assert panel.grade is not None and not panel.grade.correct
            problems |= painted_statics(app, panel)
            app.query_one(Button).focus()
            await pilot.pause()
            problems |= painted_statics(app, panel)
    assert not problems, f"{theme}: " + "; ".join(sorted(problems))


@pytest.mark.parametrize("theme", all_themes())
async def test_marked_code_lines_are_readable_on_every_theme(theme: str) -> None:
    """Stepping's paused (▶) and resumes (▷) lines in the editor: the syntax colours on
    the marks' backgrounds."""
    from textual.app import App, ComposeResult
    from textual.widgets import Button

    from tutor.app.code_editor import CodeEditor
    from tutor.app.step_pane import EDITOR_THEMES

    code = (
        "import asyncio\n\nasync def work(n):\n"
        '    await asyncio.sleep(0.1)  # go\n    return "done", n\n'
    )

    class Host(App):
        def compose(self) -> ComposeResult:
            dark = self.current_theme.dark
            yield CodeEditor(code, language="python", theme=EDITOR_THEMES[dark])
            yield Button("elsewhere")

    app = Host()
    app.theme = theme
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.pause()
        editor = app.query_one(CodeEditor)
        app.query_one(Button).focus()
        problems = set()
        for paused, resumes in ((4, 5), (5, 3)):
            assert editor.show_marks(paused, resumes, code)
            await pilot.pause()
            for line in (paused, resumes):
                strip = editor.render_line(line - 1)
                background = editor.background_colors[1]
                problems |= unreadable(app, [strip], background, f"line {line} ")
    assert not problems, f"{theme}: " + "; ".join(sorted(problems))


@pytest.mark.parametrize("theme", all_themes())
async def test_run_pane_notes_are_readable_on_every_theme(theme: str) -> None:
    """The run pane's status lines as painted: what F5 does, no switches yet, the legend's
    notes, the stepping hint (once muted with `dim`: 2.6:1 on solarized-light)."""
    from textual.app import App, ComposeResult

    from tests.test_app_support import producer_consumer_events
    from tutor.app.messages import RunStarted
    from tutor.app.run_pane import RunPane
    from tutor.runner.events import Stdout

    class Pane(App):
        def compose(self) -> ComposeResult:
            yield RunPane(id="pane")

    app = Pane()
    app.theme = theme
    async with app.run_test(size=(160, 30)) as pilot:
        await pilot.pause()
        pane = app.query_one(RunPane)
        pane.show_step(True)
        await pilot.pause()
        problems = painted_statics(app, pane)
        events = producer_consumer_events()
        events.insert(-1, Stdout(seq=len(events), t=0.0, runner="?", text="bypassed\n"))
        pane.post_message(RunStarted(1))
        await pilot.pause()
        pane.show_events(events)
        await pilot.pause()
        assert pane.can_step
        pane.update_status()
        await pilot.pause()
        title = app.query_one("#timeline-title").render()
        assert "alt+→" in str(title)
        problems |= painted_statics(app, pane)
    assert not problems, f"{theme}: " + "; ".join(sorted(problems))


@pytest.mark.parametrize("theme", all_themes())
async def test_exercise_results_are_readable_on_every_theme(theme: str, tmp_path) -> None:
    """A failed Check's ✓/✗ lines, the hint, a solved Check and a run that failed."""
    from textual.app import App, ComposeResult

    from tests.test_app_exercise import LESSON
    from tests.test_quiz import Events
    from tutor.app.exercise_panel import ExercisePanel
    from tutor.exercise import grade_events
    from tutor.lesson import load_course
    from tutor.progress import load_progress

    (tmp_path / "ex.yaml").write_text(LESSON)
    lesson = load_course([tmp_path]).lessons[0]
    step = lesson.steps[1]

    class Host(App):
        def compose(self) -> ComposeResult:
            yield ExercisePanel(lesson, 1, "en", load_progress()[0])

    app = Host()
    app.theme = theme
    async with app.run_test(size=(100, 24)) as pilot:
        await pilot.pause()
        panel = app.query_one(ExercisePanel)
        panel.toggle_hint()
        problems = set()
        for events in (Events().out("main", "2").end(), Events().out("main", "1").end()):
            panel.show_grading(grade_events(step, events, "en"))
            await pilot.pause()
            problems |= painted_statics(app, panel)
        panel.show_grading(None, "OSError: no sandbox here")
        await pilot.pause()
        problems |= painted_statics(app, panel)
    assert not problems, f"{theme}: " + "; ".join(sorted(problems))


@pytest.mark.parametrize("theme", ["ansi-dark", "ansi-light"])
async def test_ansi_themes_keep_the_terminals_own_colours(theme: str, tmp_path) -> None:
    """On an ANSI theme the terminal paints its palette's colours on its own background:
    the looks keep them as they are (a theme change to one once ended the app)."""
    from textual.app import App, ComposeResult

    from tests.test_app_support import producer_consumer_events
    from tests.test_quiz import Events
    from tutor.app.code_editor import CodeEditor
    from tutor.app.messages import RunStarted
    from tutor.app.quiz_panel import QuizPanel
    from tutor.app.run_pane import RunPane
    from tutor.lesson import load_lesson
    from tutor.quiz import remember_trace

    path = tmp_path / "looks.yaml"
    path.write_text(QUIZ_LESSON)
    lesson, _errors = load_lesson(path)
    remember_trace(lesson, 0, Events().out("main", "made the generator").out("g", "hi").end())
    code = "def f():\n    yield 1\n"

    class Host(App):
        def compose(self) -> ComposeResult:
            yield QuizPanel(lesson, 0, "en")
            yield RunPane(id="pane")
            yield CodeEditor(code)

    app = Host()
    async with app.run_test(size=(100, 60)) as pilot:
        await app.workers.wait_for_complete()
        app.theme = theme  # a change, as from the palette
        await pilot.press("h", "2")
        pane = app.query_one(RunPane)
        pane.post_message(RunStarted(1))
        await pilot.pause()
        pane.show_events(producer_consumer_events())
        editor = app.query_one(CodeEditor)
        assert editor.show_marks(2, 1, code)
        await pilot.pause()
        assert app.return_code is None
        panel = app.query_one(QuizPanel)
        assert panel.looks.wrong.color is not None and panel.looks.wrong.color.triplet is None
        assert panel.grade is not None and not panel.grade.correct
        editor.render_line(0)


@pytest.mark.parametrize("theme", all_themes())
async def test_course_review_and_help_screens_are_readable_on_every_theme(theme: str) -> None:
    """The screens around the lessons: the course list's summary and title bar, the review
    of the quizzes and F1 help (their muted text was Rich's `dim`: 2.6:1 on
    solarized-light)."""
    from tests.test_app_support import fixed_course
    from tutor.app.main import TutorApp

    app = TutorApp(course=fixed_course(), lang="en", reopen=False)
    app.theme = theme
    problems: set[str] = set()
    async with app.run_test(size=(100, 30)) as pilot:
        await pilot.pause()
        for key in ("", "r", "escape", "f1"):
            if key:
                await pilot.press(key)
                await pilot.pause()
            problems |= {
                f"{type(app.screen).__name__} {p}" for p in painted_statics(app, app.screen)
            }
    assert not problems, f"{theme}: " + "; ".join(sorted(problems))


@pytest.mark.parametrize("dark", [True, False], ids=["dark", "light"])
async def test_the_editors_code_and_line_numbers_are_readable(dark: bool) -> None:
    """The code and the gutter of the step's editor and of an exercise's solution: the
    editor themes' own numbers were 3.6:1 (vscode_dark) and 1.7:1 (github_light), some of
    github_light's syntax colours 3:1."""
    from textual.app import App, ComposeResult
    from textual.widgets import Button, TextArea

    from tutor.app.code_editor import CodeEditor, readable_themes
    from tutor.app.step_pane import EDITOR_THEMES

    code = "def work(n):\n    return n\n\nprint(work(1))\n"

    class Host(App):
        def compose(self) -> ComposeResult:
            yield CodeEditor(code, language="python", theme=EDITOR_THEMES[dark])
            yield readable_themes(
                TextArea.code_editor(code, read_only=True, id="solution"), EDITOR_THEMES[dark]
            )
            yield Button("elsewhere")

    app = Host()
    app.theme = "textual-dark" if dark else "textual-light"
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.pause()
        app.query_one(Button).focus()
        await pilot.pause()
        problems = set()
        for editor in app.query(TextArea):
            background = editor.background_colors[1]
            for line in (1, 2, 4):  # 1: the cursor's line
                strip = editor.render_line(line - 1)
                problems |= unreadable(app, [strip], background, f"{editor.id} line {line} ")
    assert not problems, "; ".join(sorted(problems))


@pytest.mark.parametrize("theme", all_themes())
async def test_lines_after_the_stepped_switch_are_readable_on_every_theme(theme: str) -> None:
    """Stepping through a run fades the lines printed after the moment shown: faded, but
    still 4.5:1 (they were Rich's `dim`)."""
    from textual.app import App, ComposeResult
    from textual.strip import Strip

    from tutor.app.output_view import STDERR, STDOUT

    class Pane(App):
        def compose(self) -> ComposeResult:
            yield OutputView(id="out")

    app = Pane()
    app.theme = theme
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.pause()
        output = app.query_one(OutputView)
        for seq, runner in enumerate(["main", "task1", "task2", "task3"], 1):
            output.add(seq, runner, STDOUT, f"line {seq} of {runner}")
        output.add(5, "task1", STDERR, "an error line")
        output.flush()
        output.show_until(1)
        await pilot.pause()
        background = output.background_colors[1]
        strips = [Strip(output.render_line(y)) for y in range(1, 5)]
        problems = unreadable(app, strips, background)
    assert not problems, f"{theme}: " + "; ".join(sorted(problems))
