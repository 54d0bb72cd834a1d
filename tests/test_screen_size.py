"""Pilot tests of the lesson screen at small terminal sizes (issue 13: 5, 7).

80x24 is the smallest size that works: nothing that matters is cut off there.
"""

from __future__ import annotations

import pytest
from test_app import make_app, wait_for
from test_app_support import WIDE, open_first_run_step
from test_quiz_snapshots import real_traces  # noqa: F401 (the fixture)

NARROW = (80, 24)


def inside(widget, screen) -> bool:
    region = widget.region
    return region.area > 0 and screen.region.contains_region(region)


async def test_narrow_screen_stacks_code_above_output_and_keeps_buttons_in_view():
    app = make_app()
    async with app.run_test(size=NARROW) as pilot:
        await open_first_run_step(pilot)
        await pilot.pause()
        screen = app.screen
        code, output = screen.query_one("#code"), screen.query_one("#output")
        assert code.region.width >= NARROW[0] - 2  # the code has the full width
        assert output.region.y >= code.region.bottom  # the output is below it
        for button in ("#run", "#next"):
            assert inside(screen.query_one(button), screen), button


async def test_wide_screen_keeps_code_and_output_side_by_side():
    app = make_app()
    async with app.run_test(size=WIDE) as pilot:
        await open_first_run_step(pilot)
        await pilot.pause()
        code, output = app.screen.query_one("#code"), app.screen.query_one("#output")
        assert output.region.x >= code.region.right
        # and it switches when the terminal is resized
        await pilot.resize_terminal(*NARROW)
        await pilot.pause()
        assert output.region.y >= code.region.bottom


async def run_and_settle(pilot, screen) -> None:
    await pilot.press("f5")
    output = screen.query_one("#output")
    await wait_for(pilot, lambda: not screen.running and output.pending == 0 and output.lines)
    await wait_for(pilot, lambda: screen.has_class("-ran"))
    await pilot.pause()


async def test_at_80x24_a_run_leaves_rows_for_several_lines_and_switches():
    app = make_app()
    async with app.run_test(size=NARROW) as pilot:
        await open_first_run_step(pilot, lesson_index=1)
        screen = app.screen
        screen.set_focus(None)
        output, timeline, code = (screen.query_one(x) for x in ("#output", "#timeline", "#code"))
        before = output.size.height, timeline.size.height
        await run_and_settle(pilot, screen)
        assert output.size.height >= 5 and timeline.size.height >= 3, (output.size, timeline.size)
        assert output.size.height > before[0] and timeline.size.height > before[1]
        assert code.size.height >= 3  # the code stays in view, smaller
        for button in ("#run", "#next"):
            assert inside(screen.query_one(button), screen), button
        # editing again: the code gets its rows back
        ran_code = code.size.height
        code.focus()
        await pilot.pause()
        assert code.size.height > ran_code
        # z (once the editor is left) gives the output and timeline all but the buttons
        screen.set_focus(None)
        await pilot.pause()
        shared = output.size.height + timeline.size.height
        await pilot.press("z")
        await pilot.pause()
        assert not code.display or code.size.height == 0
        assert output.size.height + timeline.size.height >= shared + 5
        for button in ("#run", "#next"):
            assert inside(screen.query_one(button), screen), button
        await pilot.press("z")
        await pilot.pause()
        assert code.size.height > 0


async def test_zoom_on_a_wide_screen_gives_the_run_pane_the_full_width():
    app = make_app()
    async with app.run_test(size=WIDE) as pilot:
        await open_first_run_step(pilot, lesson_index=1)
        screen = app.screen
        screen.set_focus(None)
        output = screen.query_one("#output")
        half = output.size.width
        await pilot.press("z")
        await pilot.pause()
        assert output.size.width > half + WIDE[0] // 3


# --- 7: not colour alone --------------------------------------------------------------


def output_rows(screen) -> list[str]:
    from tutor.app.output_view import OutputView

    output = screen.query_one(OutputView)
    return ["".join(s.text for s in output.render_line(y)) for y in range(output.size.height)]


async def test_no_color_shows_runner_names_in_the_output_and_k_toggles_them(monkeypatch):
    monkeypatch.setenv("NO_COLOR", "1")
    app = make_app()
    async with app.run_test(size=WIDE) as pilot:
        await open_first_run_step(pilot)
        screen = app.screen
        await pilot.press("f5")
        output = screen.query_one("#output")
        await wait_for(pilot, lambda: not screen.running and output.pending == 0 and output.lines)
        await pilot.pause()
        rows = output_rows(screen)
        consuming = next(row for row in rows if "Consuming 1" in row)
        producing = next(row for row in rows if "Producing 1" in row)
        assert "consumer" in consuming.split("[CONSUMER]")[0]
        assert "main" in producing.split("[PRODUCER]")[0]
        output.focus()
        await pilot.press("k")
        await pilot.pause()
        rows = output_rows(screen)
        consuming = next(row for row in rows if "Consuming 1" in row)
        assert "consumer" not in consuming.split("[CONSUMER]")[0]


async def test_runner_names_are_off_by_default_with_colour(monkeypatch):
    monkeypatch.delenv("NO_COLOR", raising=False)
    app = make_app()
    async with app.run_test(size=WIDE) as pilot:
        await open_first_run_step(pilot)
        screen = app.screen
        await pilot.press("f5")
        output = screen.query_one("#output")
        await wait_for(pilot, lambda: not screen.running and output.pending == 0 and output.lines)
        await pilot.pause()
        consuming = next(row for row in output_rows(screen) if "Consuming 1" in row)
        assert "consumer" not in consuming.split("[CONSUMER]")[0]


def test_runner_colours_are_unique_while_the_palette_lasts():
    from textual.color import Color

    from tutor.app.colors import DARK, RunnerColors

    for dark, background in ((True, Color(30, 30, 30)), (False, Color(255, 255, 255))):
        colors = RunnerColors()
        colors.dark = dark
        colors.backgrounds = (background,)
        names = ["main"] + [f"downloader#{n}" for n in range(len(DARK) - 1)]
        assert len({colors.color(name) for name in names}) == len(names)


def test_lesson_prose_is_reflowed_so_it_wraps_to_the_pane_not_to_the_yaml_file():
    from tutor.app.quiz_result import reflow

    assert reflow("Each `next`\nresumes it;\n\nthen `b`.") == "Each `next` resumes it;\n\nthen `b`."
    assert reflow("每次 `next`\n都让那个生成器继续") == "每次 `next` 都让那个生成器继续"
    assert reflow("规则是：每一次\n都切换") == "规则是：每一次都切换"


async def test_the_legend_keeps_its_notes_on_one_row_at_any_width():
    """Issue 13: "! = stderr" wrapped onto a second row of a narrow run pane. What does not
    fit goes, in this order: the label, the note on `?`, the note on `!`."""
    from test_app_support import producer_consumer_events
    from textual.app import App, ComposeResult
    from textual.widgets import Static

    from tutor.app.messages import RunStarted
    from tutor.app.run_pane import RunPane
    from tutor.runner.events import Stdout
    from tutor.strings import tr

    class Pane(App):
        def compose(self) -> ComposeResult:
            yield RunPane(id="pane")

    for lang in ("en", "zh"):
        stderr, label = tr("lesson.stderr", lang), tr("lesson.legend", lang)
        unattributed = tr("lesson.unattributed", lang)
        shown = []
        for width in (100, 70, 50, 38, 30):
            app = Pane()
            async with app.run_test(size=(width, 24)) as pilot:
                pane = app.query_one(RunPane)
                pane.lang = lang
                pane.post_message(RunStarted(1))
                await pilot.pause()
                events = producer_consumer_events()
                events.insert(-1, Stdout(seq=len(events), t=0.0, runner="?", text="x\n"))
                pane.show_events(events)
                await pilot.pause()
                legend = app.query_one("#legend", Static)
                text = str(legend.render())
                assert legend.size.height == 1, (lang, width, text)
                assert "main" in text and "consumer" in text
                shown.append((label in text, unattributed in text, stderr in text))
        assert shown[0] == (True, True, True), lang
        assert shown[-1] == (False, False, False), lang
        assert shown == sorted(shown, reverse=True), lang  # parts go in that order


async def test_at_80_columns_the_first_frame_of_a_lesson_is_already_stacked(monkeypatch):
    """Issue 13: at launch the lesson screen painted one frame side by side, then stacked
    its panes after the resize that followed. The layout is known before the first paint:
    when the first layout reaches the lesson body (its first Resize), it is stacked."""
    from textual import events

    from tutor.app import lesson_screen
    from tutor.app.lesson_body import LessonBody
    from tutor.lesson import RunStep

    first_layouts = []

    class Body(LessonBody):
        def on_resize(self, event: events.Resize) -> None:
            if not first_layouts:
                first_layouts.append(self.screen.has_class("-narrow"))
            super().on_resize(event)

    monkeypatch.setattr(lesson_screen, "LessonBody", Body)
    app = make_app()
    async with app.run_test(size=NARROW) as pilot:
        lesson = app.course.lessons[0]
        step = next(i for i, s in enumerate(lesson.steps) if isinstance(s, RunStep))
        app.open_lesson(lesson, step)
        await pilot.pause()
        assert first_layouts == [True]


def footer_keys(screen) -> tuple[dict[str, str], list[str]]:
    """The footer's keys shown whole (key -> description), and the keys it cuts off."""
    from textual.widgets import Footer
    from textual.widgets._footer import FooterKey

    footer = screen.query_one(Footer)
    keys = list(footer.query(FooterKey))
    palette = [key.region for key in keys if key.has_class("-command-palette")]
    whole, cut = {}, []
    for key in keys:
        region = key.region
        inside = footer.region.contains_region(region) and region.width
        covered = any(region.overlaps(p) for p in palette if p != region)
        if inside and not covered:
            whole[key.key] = key.description
        else:
            cut.append(key.key)
    return whole, cut


@pytest.mark.parametrize("lang", ["en", "zh"])
async def test_at_80x24_the_footer_shows_the_keys_that_matter_whole(
    lang,
    tmp_path,
    real_traces,  # noqa: F811 (the fixture imported above)
):
    """Issue 13: at 80 columns the footer cut off F1 (and F2/F3). Every step kind shows F1
    help, Esc and the step keys whole, and while a program runs, Esc says it stops it."""
    from test_app_exercise import LESSON as EXERCISE_LESSON
    from test_app_support import producer_consumer_events, settle_screen

    from tutor.lesson import QuizStep, RunStep, load_course
    from tutor.quiz import remember_trace
    from tutor.strings import tr

    (tmp_path / "ex.yaml").write_text(EXERCISE_LESSON)
    exercise = load_course([tmp_path]).lessons[0]
    app = make_app(events=producer_consumer_events(1, False)[:-1], hold=True, lang=lang)
    async with app.run_test(size=NARROW) as pilot:
        lesson = app.course.lessons[0]
        for index, events in real_traces.items():
            remember_trace(lesson, index, events)
        for index, step in enumerate(lesson.steps):
            app.open_lesson(lesson, index)
            await app.workers.wait_for_complete()
            await settle_screen(pilot)
            whole, cut = footer_keys(app.screen)
            assert not cut and {"f1", "escape", "f8"} <= set(whole), (step, whole, cut)
            if isinstance(step, QuizStep):  # answering (above), then answered
                assert {"enter", "r"} <= set(whole), whole
                await pilot.press("r")
                await settle_screen(pilot)
                whole, cut = footer_keys(app.screen)
                assert not cut and {"f1", "escape", "t"} <= set(whole), (whole, cut)
            if isinstance(step, RunStep):
                await pilot.press("f5")
                await wait_for(pilot, lambda: app.screen.running)
                await settle_screen(pilot)
                whole, cut = footer_keys(app.screen)
                assert not cut and whole.get("escape") == tr("key.stop", lang), whole
                await pilot.press("escape")
                await wait_for(pilot, lambda: not app.screen.running)
        app.open_lesson(exercise, 1)
        await settle_screen(pilot)
        whole, cut = footer_keys(app.screen)
        assert not cut and {"f1", "escape", "f4", "f5"} <= set(whole), (whole, cut)
