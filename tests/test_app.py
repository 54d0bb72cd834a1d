"""Pilot tests of the Textual app: course, lesson, run/stop/reset, output, timeline, i18n."""

from __future__ import annotations

import subprocess
import sys

import pytest
from test_app_support import (
    SIZE,
    WIDE,
    fixed_course,
    open_first_run_step,
    producer_consumer_events,
)

from tutor.app.colors import RunnerColors
from tutor.app.main import TutorApp
from tutor.app.output_view import STDERR, OutputView
from tutor.app.replay import replay
from tutor.app.timeline_view import TimelineView
from tutor.lesson import RunStep


def make_app(events=None, runs=None, hold=False, delay=0.0, **kwargs) -> TutorApp:
    start = replay(
        events if events is not None else producer_consumer_events(),
        delay=delay,
        hold=hold,
        runs=runs,
    )
    kwargs.setdefault("course", fixed_course())
    kwargs.setdefault("reopen", False)
    return TutorApp(start_run=start, **kwargs)


async def wait_for(pilot, condition, timeout: float = 5.0) -> None:
    import time

    deadline = time.monotonic() + timeout
    while not condition():
        if time.monotonic() > deadline:
            raise AssertionError("condition not met in time")
        await pilot.pause(0.02)


def strip_text(strip) -> str:
    return "".join(segment.text for segment in strip)


# --- course screen ------------------------------------------------------------------


async def test_course_lists_topics_marks_and_errors():
    app = make_app()
    async with app.run_test(size=SIZE) as pilot:
        from textual.widgets import OptionList

        options = app.screen.query_one("#lessons", OptionList)
        prompts = [str(option.prompt) for option in options.options]
        assert prompts[0] == "Foundations"
        assert any("What a coroutine is" in p and "·" in p for p in prompts)
        assert "Generators" in prompts
        assert any("09-broken.yaml" in p for p in prompts)
        # the summary of the highlighted lesson
        summary = str(app.screen.query_one("#summary").render())
        assert "nothing runs when it is created" in summary
        # highlight the broken file: its file:line message is shown in full
        options.highlighted = len(options.options) - 1
        await pilot.pause()
        summary = str(app.screen.query_one("#summary").render())
        assert "09-broken.yaml:7: unknown key `txt`" in summary


@pytest.mark.slow
async def test_enter_opens_lesson_and_position_is_remembered(tutor_home):
    app = make_app()
    async with app.run_test(size=SIZE) as pilot:
        await pilot.press("enter")
        await pilot.pause()
        from tutor.app.lesson_screen import LessonScreen

        assert isinstance(app.screen, LessonScreen)
        await pilot.press("f8", "f8")
        await pilot.pause()
        assert app.screen.step_index == 2
        lesson_id = app.screen.lesson.id
    # a new launch reopens the same lesson at the same step
    app2 = make_app(reopen=True)
    async with app2.run_test(size=SIZE) as pilot:
        await pilot.pause()
        await pilot.pause()
        assert isinstance(app2.screen, LessonScreen)
        assert app2.screen.lesson.id == lesson_id
        assert app2.screen.step_index == 2
        # Esc goes back to the list, which shows the lesson as in progress
        app2.screen.set_focus(None)
        await pilot.press("escape")
        await pilot.pause()
        prompts = [str(o.prompt) for o in app2.screen.query_one("#lessons").options]
        assert any("◐" in p and "What a coroutine is" in p for p in prompts)


# --- the run cycle --------------------------------------------------------------------


async def test_the_timeline_title_says_when_the_count_is_a_lower_bound():
    """Past 10x the cap the child stops counting switches: the title says 'at least'."""
    from tutor.runner import RunRequest, start_run

    code = (
        "def g():\n    while True:\n        yield\nit = g()\nfor _ in range(15000):\n    next(it)\n"
    )
    runs = []
    for cap in (2000, 5000):  # 30,000 switches: counting stopped at 20,000, not at 50,000
        run = await start_run(RunRequest(code=code, isolation="basic", cap=cap))
        runs.append([e async for e in run.events()])
    titles, notes = [], []
    for events in runs:
        app = make_app(events=events)
        async with app.run_test(size=SIZE) as pilot:
            await open_first_run_step(pilot)
            await pilot.press("f5")
            screen = app.screen
            await wait_for(pilot, lambda s=screen: not s.running and s.run_pane.cap_event)
            await pilot.pause()
            titles.append(str(screen.query_one("#timeline-title").render()))
            texts = [line.text for line in screen.query_one(OutputView).lines]
            notes.append(" ".join(texts[texts.index("The program finished.") + 1 :]))
    assert "Switches: at least 20000 (the first 2000 are drawn)" in titles[0]
    assert "Switches: 30000 (the first 5000 are drawn)" in titles[1]
    assert notes == [
        "18000 more switches were counted, not drawn; then counting stopped, so the program"
        " ran at full speed.",
        "25000 more switches were counted, not drawn.",
    ]


@pytest.mark.slow
async def test_open_run_output_coloured_stop_reset_next():
    runs: list = []
    app = make_app(runs=runs)
    async with app.run_test(size=SIZE) as pilot:
        await open_first_run_step(pilot, lesson_index=1)  # producer-consumer
        screen = app.screen
        step_index = screen.step_index
        await pilot.press("f5")
        output = screen.query_one(OutputView)
        await wait_for(pilot, lambda: not screen.running and output.pending == 0 and output.lines)
        texts = [line.text for line in output.lines]
        import gc

        await wait_for(pilot, gc.isenabled)  # paused while the run streamed, back after
        assert "[PRODUCER] Producing 1..." in texts
        assert "[CONSUMER] Consuming 1..." in texts
        assert texts[-1] == "The program finished."
        # the request carried the editor's code
        assert runs[0].request.code == screen.step.code
        # coloured by runner: main and consumer lines get different colours
        await pilot.pause()
        colors: RunnerColors = screen.run_pane.runner_colors
        assert colors.runners[:2] == ["main", "consumer"]
        rendered = {}
        for index, line in enumerate(output.lines):
            if line.runner in ("main", "consumer") and line.runner not in rendered:
                strip = output._render_index(index)
                rendered[line.runner] = {str(s.style.color) for s in strip if s.text.strip()}
        assert rendered["main"] != rendered["consumer"]
        # stderr is marked, and brackets survive (never parsed as markup)
        err = next(i for i, line in enumerate(output.lines) if line.kind == STDERR)
        assert "[this] is not markup" in strip_text(output._render_index(err))
        assert strip_text(output._render_index(err)).startswith("▌!")
        # the badge and the switch count
        assert "basic" in str(screen.query_one("#status").render())
        assert "files are not protected" in str(screen.query_one("#status").render())
        assert "Switches: 8" in str(screen.query_one("#timeline-title").render())
        assert len(screen.query_one(TimelineView).lines) == 8

        # a program that never ends: stop it with ctrl+c
        app.start_run = replay(producer_consumer_events(1, False)[:-1], hold=True, runs=runs)
        await pilot.press("f5")
        await wait_for(pilot, lambda: screen.running and screen.run_pane.controller.run is not None)
        await pilot.press("ctrl+c")
        await wait_for(pilot, lambda: not screen.running)
        assert runs[-1].stop_calls >= 1
        await wait_for(pilot, lambda: output.pending == 0)
        assert output.lines[-1].text == "Stopped."

        # edit, then reset with confirmation
        screen.editor.insert("# my edit\n", (0, 0))
        await pilot.pause()
        assert screen.editor.text.startswith("# my edit")
        assert "edited" in str(screen.query_one("#step-title").render())
        await pilot.press("f6")
        await pilot.pause()
        from tutor.app.dialogs import ConfirmScreen

        assert isinstance(app.screen, ConfirmScreen)
        await pilot.press("y")
        await pilot.pause()
        assert app.screen is screen
        assert screen.editor.text == screen.step.code

        # next step
        await pilot.press("f8")
        await pilot.pause()
        assert screen.step_index == step_index + 1


@pytest.mark.slow
async def test_reset_declined_keeps_edits():
    app = make_app()
    async with app.run_test(size=SIZE) as pilot:
        await open_first_run_step(pilot)
        screen = app.screen
        screen.editor.insert("x = 1\n", (0, 0))
        await pilot.press("f6")
        await pilot.pause()
        await pilot.press("n")
        await pilot.pause()
        assert screen.editor.text.startswith("x = 1")


@pytest.mark.slow
async def test_escape_stops_a_running_program_before_leaving():
    runs: list = []
    app = make_app(events=producer_consumer_events(1, False)[:-1], hold=True, runs=runs)
    async with app.run_test(size=SIZE) as pilot:
        await open_first_run_step(pilot)
        screen = app.screen
        await pilot.press("f5")
        await wait_for(pilot, lambda: screen.run_pane.controller.run is not None)
        await pilot.press("escape")
        await wait_for(pilot, lambda: not screen.running)
        assert app.screen is screen  # the first Esc only stops
        assert runs[0].stop_calls == 1


@pytest.mark.slow
async def test_run_failure_is_a_sentence():
    async def broken_start(request):
        raise OSError("no sandbox here")

    app = TutorApp(course=fixed_course(), reopen=False, start_run=broken_start)
    async with app.run_test(size=SIZE) as pilot:
        await open_first_run_step(pilot)
        screen = app.screen
        await pilot.press("f5")
        output = screen.query_one(OutputView)
        await wait_for(
            pilot, lambda: not screen.running and output.pending == 0 and len(output.lines) > 1
        )
        assert "The run failed: OSError: no sandbox here" in output.lines[1].text
        assert not screen.running
        assert not screen.query_one("#run").disabled


# --- messages: selecting output highlights its switch and back -------------------------


@pytest.mark.slow
async def test_selection_links_output_and_timeline():
    messages: list = []
    app = make_app()
    async with app.run_test(size=WIDE, message_hook=messages.append) as pilot:
        from textual._context import message_hook

        message_hook.set(messages.append)  # the screen is opened from this task
        await open_first_run_step(pilot, lesson_index=1)
        screen = app.screen
        await pilot.press("f5")
        output = screen.query_one(OutputView)
        timeline = screen.query_one(TimelineView)
        await wait_for(pilot, lambda: not screen.running and output.pending == 0 and output.lines)
        await pilot.pause()
        # "[CONSUMER] Consuming 1..." comes right after the 3rd switch (main -> consumer)
        index = next(
            i for i, line in enumerate(output.lines) if line.text == "[CONSUMER] Consuming 1..."
        )
        output.scroll_home(animate=False, immediate=True)
        await pilot.pause()
        await pilot.click(output, offset=(5, index - int(output.scroll_y)))
        await pilot.pause()
        selected = [m for m in messages if isinstance(m, OutputView.Selected) and m.view is output]
        assert selected and selected[-1].index == index
        assert timeline.cursor == 2
        assert timeline.lines[2].to == "consumer"
        # and back: the 4th switch (consumer -> main) is followed by the producer's reply
        timeline.select(3, post=True)
        await pilot.pause()
        assert output.lines[output.cursor].text == "[PRODUCER] Consumer return: 200 OK"
        # keys move the selection too, and post the same message
        output.focus()
        await pilot.press("down")
        await pilot.pause()
        assert messages[-1] is not None
        assert any(
            isinstance(m, OutputView.Selected) and m.index == output.cursor for m in messages
        )


# --- language, theme, help, palette --------------------------------------------------


@pytest.mark.slow
async def test_language_switch_is_remembered(tutor_home):
    app = make_app()
    async with app.run_test(size=SIZE) as pilot:
        await pilot.press("f2")
        await pilot.pause()
        assert app.lang == "zh"
        prompts = [str(o.prompt) for o in app.screen.query_one("#lessons").options]
        assert prompts[0] == "基础"
        await pilot.press("enter")
        await pilot.pause()
        assert "第 1 步" in str(app.screen.query_one("#step-title").render())
        assert str(app.screen.query_one("#run").label) == "▶ 运行"
    app2 = make_app()
    async with app2.run_test(size=SIZE) as pilot:
        assert app2.lang == "zh"
    app3 = make_app(lang="en")  # --lang wins over the saved setting, and is remembered
    async with app3.run_test(size=SIZE) as pilot:
        assert app3.lang == "en"
        await pilot.pause()
    app4 = make_app()
    async with app4.run_test(size=SIZE) as pilot:
        assert app4.lang == "en"


async def test_theme_toggle_is_remembered():
    app = make_app()
    async with app.run_test(size=SIZE) as pilot:
        assert app.current_theme.dark
        await pilot.press("f3")
        await pilot.pause()
        assert not app.current_theme.dark
    app2 = make_app()
    async with app2.run_test(size=SIZE):
        assert not app2.current_theme.dark


async def test_help_lists_every_key():
    from tutor.app.course_screen import CourseScreen
    from tutor.app.help_screen import KEYS
    from tutor.app.lesson_screen import LessonScreen

    listed = " ".join(keys for _area, keys, _desc in KEYS).lower()
    for cls in (TutorApp, CourseScreen, LessonScreen):
        for binding in cls.BINDINGS:
            for key in binding.key.split(","):
                shown = {
                    "escape": "esc",
                    "enter": "enter",
                    "question_mark": "?",
                    "alt+left": "alt+←",
                    "alt+right": "alt+→",
                    "comma": ",",
                    "full_stop": ".",
                }.get(key, key)
                assert shown in listed, f"{cls.__name__}: {key} missing from help"
    app = make_app()
    async with app.run_test(size=SIZE) as pilot:
        await pilot.press("f1")
        await pilot.pause()
        from tutor.app.help_screen import HelpScreen

        assert isinstance(app.screen, HelpScreen)
        await pilot.press("escape")
        await pilot.pause()
        assert not isinstance(app.screen, HelpScreen)


@pytest.mark.slow
async def test_palette_has_every_lesson_action():
    app = make_app()
    async with app.run_test(size=SIZE) as pilot:
        await open_first_run_step(pilot)
        titles = [command.title for command in app.get_system_commands(app.screen)]
        for title in (
            "Run",
            "Stop",
            "Reset code",
            "Prev",
            "Next",
            "Lessons",
            "Help",
            "中文",
            "Light/dark",
            "Quit",
        ):
            assert title in titles
        run = next(c for c in app.get_system_commands(app.screen) if c.title == "Run")
        run.callback()
        await wait_for(pilot, lambda: app.screen.run_pane.run_count == 1 and not app.screen.running)


@pytest.mark.slow
async def test_missing_gevent_is_explained(monkeypatch):
    import tutor.app.course_screen as course_screen

    course = fixed_course()
    course.lessons[0].requires = ["gevent"]
    monkeypatch.setattr(course_screen, "find_spec", lambda name: None)
    app = make_app(course=course)
    async with app.run_test(size=SIZE) as pilot:
        summary = str(app.screen.query_one("#summary").render())
        assert "needs gevent" in summary and "pip install" in summary
        await open_first_run_step(pilot)
        banner = str(app.screen.query_one("#banner").render())
        assert "pip install 'gevent>=26.9,<26.10'" in banner
        await pilot.press("f5")
        await pilot.pause()
        assert app.screen.run_pane.run_count == 0


@pytest.mark.slow
async def test_a_lesson_for_a_newer_python_is_explained_and_not_run():
    course = fixed_course()
    course.lessons[0].requires = ["python>=3.99"]
    app = make_app(course=course)
    async with app.run_test(size=SIZE) as pilot:
        summary = str(app.screen.query_one("#summary").render())
        assert "python>=3.99" in summary
        await open_first_run_step(pilot)
        banner = str(app.screen.query_one("#banner").render())
        assert "needs python>=3.99" in banner and "newer Python" in banner
        await pilot.press("f5")
        await pilot.pause()
        assert app.screen.run_pane.run_count == 0


@pytest.mark.slow
async def test_quiz_step_shows_question():
    from tutor.lesson import QuizStep

    app = make_app()
    async with app.run_test(size=SIZE) as pilot:
        app.open_lesson(app.course.lessons[1], 0)
        await pilot.pause()
        screen = app.screen
        while not isinstance(screen.step, QuizStep):
            await pilot.press("f8")
            await pilot.pause()
        assert screen.has_class("-quiz")
        host = screen.query_one("#quiz-host")
        assert host.children  # the quiz panel, or the read-only question


# --- the output view under load ------------------------------------------------------


@pytest.mark.slow
async def test_output_flood_is_coalesced_and_renders_visible_lines_only():
    from textual.app import App, ComposeResult

    class One(App):
        def compose(self) -> ComposeResult:
            yield OutputView(id="out")

    app = One()
    async with app.run_test(size=(80, 24)) as pilot:
        view = app.query_one(OutputView)
        for n in range(50_000):
            view.add(n, "main" if n % 2 else "worker", n % 7 == 0, f"line {n} [x]")
        assert len(view.lines) <= 1  # the first line shows at once, the rest wait for a flush
        await wait_for(pilot, lambda: view.pending == 0)
        assert len(view.lines) == 50_000
        assert view.flushes <= 3
        assert view.is_vertical_scroll_end  # it follows the end
        calls = []
        original = view._render_index
        view._render_index = lambda i: calls.append(i) or original(i)
        view._cache.clear()
        view.refresh()
        await pilot.pause()
        assert 0 < len(calls) <= 24
        # scrolled up, it stays put when more lines arrive
        view.scroll_to(y=100, animate=False, immediate=True)
        view.add(50_000, "main", 0, "more")
        await wait_for(pilot, lambda: view.pending == 0)
        assert view.scroll_y == 100


def test_control_characters_are_made_visible():
    from tutor.app.line_view import clean

    assert clean("a\x1b[31mb") == "a␛[31mb"
    assert clean("x\ty") == "x       y"
    assert clean("plain [b]text[/b]") == "plain [b]text[/b]"


def test_app_module_imports_stay_light():
    code = (
        "import sys, tutor.app.main, tutor.app.course_screen;"
        "heavy = [m for m in ('tree_sitter', 'markdown_it', 'tutor.app.lesson_screen',"
        " 'tutor.runner.sandbox', 'tutor.runner.tiers') if m in sys.modules];"
        "print(heavy)"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "[]"


# --- real runs through the runner ----------------------------------------------------


def _runner_available() -> bool:
    try:
        from tutor.runner import start_run  # noqa: F401
    except ImportError:
        return False
    return True


@pytest.mark.slow
@pytest.mark.skipif(not _runner_available(), reason="the runner has not landed yet")
async def test_real_run_and_stop():
    app = TutorApp(course=fixed_course(), reopen=False)
    async with app.run_test(size=SIZE) as pilot:
        await open_first_run_step(pilot, lesson_index=1)
        screen = app.screen
        assert isinstance(screen.step, RunStep)
        screen.editor.load_text(
            "def consumer():\n    while True:\n        n = yield\n        print('[C]', n)\n"
            "c = consumer()\nnext(c)\nfor i in range(3):\n    print('[P]', i)\n    c.send(i)\n"
        )
        await pilot.press("f5")
        output = screen.query_one(OutputView)
        await wait_for(pilot, lambda: not screen.running and output.pending == 0, timeout=30)
        texts = [line.text for line in output.lines]
        assert texts[1:7] == ["[P] 0", "[C] 0", "[P] 1", "[C] 1", "[P] 2", "[C] 2"]
        assert {output.lines[2].runner, output.lines[1].runner} == {"consumer", "main"}
        assert screen.run_pane.tier in ("bwrap", "unshare", "basic")
        assert len(screen.query_one(TimelineView).lines) >= 6
        # an endless loop, stopped
        screen.editor.load_text(
            "import time\nwhile True:\n    print('tick')\n    time.sleep(0.05)\n"
        )
        await pilot.press("f5")
        await wait_for(pilot, lambda: any(line.text == "tick" for line in output.lines), timeout=30)
        await pilot.press("ctrl+c")
        await wait_for(pilot, lambda: not screen.running, timeout=30)
        await wait_for(pilot, lambda: output.pending == 0)
        assert output.lines[-1].kind != 0  # the outcome sentence ends the output


@pytest.mark.parametrize("wrap", [False, True], ids=["scrolls-sideways", "wraps"])
async def test_follows_the_end_when_a_long_line_brings_a_horizontal_scrollbar(wrap):
    from textual.app import App, ComposeResult

    class One(App):
        def compose(self) -> ComposeResult:
            yield OutputView(id="out")

    app = One()
    async with app.run_test(size=(40, 10)) as pilot:
        view = app.query_one(OutputView)
        view.wrap = wrap
        for n in range(30):
            view.add(n, "main", 0, f"short {n}")
        await wait_for(pilot, lambda: view.pending == 0)
        view.add(30, "main", 1, "a very long traceback line " * 5)
        view.notice("The program was stopped.", seq=31)
        await wait_for(pilot, lambda: view.pending == 0)
        await pilot.pause()
        await pilot.pause()
        assert view.show_horizontal_scrollbar != wrap  # a wrapped line needs no scrollbar
        assert view.scroll_y == view.max_scroll_y
        assert view.lines[-1].text == "The program was stopped."
        last = "".join(s.text for s in view.render_line(view.scrollable_content_region.height - 1))
        assert "The program was stopped." in last


def test_course_cache_follows_the_files(tmp_path, monkeypatch):
    import shutil

    from test_app_support import SNAPSHOT_LESSONS

    from tutor.app.course_cache import load_course_cached

    folder = tmp_path / "lessons"
    shutil.copytree(SNAPSHOT_LESSONS, folder)
    first, save = load_course_cached(folder)
    save()
    again, save_again = load_course_cached(folder)
    assert again.lessons == first.lessons
    assert [str(e) for e in again.errors] == [str(e) for e in first.errors]
    lesson_file = folder / "01-what-is-a-coroutine.yaml"
    text = lesson_file.read_text(encoding="utf-8")
    lesson_file.write_text(
        text.replace("What a coroutine is", "What a coroutine really is", 1), encoding="utf-8"
    )
    changed, _ = load_course_cached(folder)
    assert changed.lessons[0].title.en == "What a coroutine really is"
    (folder / "09-broken.yaml").unlink()
    fixed, _ = load_course_cached(folder)
    assert fixed.errors == []


@pytest.mark.slow
async def test_leaving_the_step_stops_its_program():
    runs: list = []
    app = make_app(events=producer_consumer_events(1, False)[:-1], hold=True, runs=runs)
    async with app.run_test(size=SIZE) as pilot:
        await open_first_run_step(pilot)
        screen = app.screen
        await pilot.press("f5")
        await wait_for(pilot, lambda: screen.run_pane.controller.run is not None)
        await pilot.press("f8")
        await wait_for(pilot, lambda: not screen.running)
        assert runs[0].stop_calls == 1


def _our_children() -> set[int]:
    import os

    kids: set[int] = set()
    for tid in os.listdir("/proc/self/task"):
        with open(f"/proc/self/task/{tid}/children") as f:
            kids.update(int(p) for p in f.read().split())
    return kids


def _our_scratch_dirs() -> list[str]:
    import os

    from tutor.runner.scratch import scratch_base

    try:
        return [n for n in os.listdir(scratch_base()) if n.startswith(f"run-{os.getpid()}-")]
    except FileNotFoundError:
        return []


@pytest.mark.slow
@pytest.mark.skipif(not _runner_available(), reason="the runner has not landed yet")
async def test_spare_child_is_used_replaced_and_gone_after_exit():
    before = _our_children()
    app = TutorApp(course=fixed_course(), reopen=False)
    async with app.run_test(size=SIZE) as pilot:
        await open_first_run_step(pilot, lesson_index=1)
        screen = app.screen
        await wait_for(pilot, lambda: screen.run_pane.controller.spare is not None, timeout=30)
        first = screen.run_pane.controller.spare.pid
        assert first in _our_children()
        screen.editor.load_text("print('warm')\n")
        await pilot.press("f5")
        output = screen.query_one(OutputView)
        await wait_for(pilot, lambda: not screen.running and output.pending == 0, timeout=30)
        assert [line.text for line in output.lines][1] == "warm"
        await wait_for(pilot, lambda: screen.run_pane.controller.spare is not None, timeout=30)
        assert (
            screen.run_pane.controller.spare.pid != first
        )  # the first one was used up; a new one waits
        assert first not in _our_children()
        second = screen.run_pane.controller.spare.pid
        app.pop_screen()  # leaving the lesson discards the spare
        await wait_for(pilot, lambda: second not in _our_children(), timeout=10)
        await open_first_run_step(pilot, lesson_index=1)
        await wait_for(pilot, lambda: app.screen.run_pane.controller.spare is not None, timeout=30)
    assert _our_children() - before == set()
    assert _our_scratch_dirs() == []


async def test_replayed_runs_start_no_spare():
    app = make_app()
    async with app.run_test(size=SIZE) as pilot:
        await open_first_run_step(pilot, lesson_index=1)
        await pilot.pause(0.2)
        assert app.screen.run_pane.controller.spare is None
        await pilot.press("f5")
        await wait_for(pilot, lambda: not app.screen.running)
        await pilot.pause(0.1)
        assert app.screen.run_pane.controller.spare is None
