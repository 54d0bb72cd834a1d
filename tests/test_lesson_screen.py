"""Pilot tests of the lesson screen keeping the learner's trust and work (issue 13: 3, 4, 9-13).

Replayed runs (tutor.app.replay), the fixed course of tests/snapshots/lessons.
"""

from __future__ import annotations

import pytest
from test_app import make_app, wait_for
from test_app_support import SIZE, fixed_course, open_first_run_step, producer_consumer_events
from test_quiz_snapshots import real_traces  # noqa: F401 (the fixture)

from tutor.app.output_view import OutputView
from tutor.app.timeline_view import TimelineView
from tutor.runner.events import Exit, Start, Stderr, Stdout


def texts(screen) -> list[str]:
    return [line.text for line in screen.query_one(OutputView).lines]


async def run_to_end(pilot, screen) -> None:
    await pilot.press("f5")
    output = screen.query_one(OutputView)
    await wait_for(pilot, lambda: not screen.running and output.pending == 0 and output.lines)


def ending(*lines: tuple[type, str], exit: dict) -> list:
    """A recorded run: `lines` as (Stdout|Stderr, text) from main, then an exit event."""
    events: list = [Start(seq=0, t=0.0, isolation="basic", python="3.11.7")]
    for seq, (cls, text) in enumerate(lines, 1):
        events.append(cls(seq=seq, t=0.0, runner="main", text=text))
    fields = {"returncode": 0, "switches": 0, "dropped": 0, **exit}
    events.append(Exit(seq=len(events), t=0.0, **fields))
    return events


# --- 3: each program step its own output ------------------------------------------


async def test_a_step_never_shows_another_steps_output():
    app = make_app()
    async with app.run_test(size=SIZE) as pilot:
        await open_first_run_step(pilot, lesson_index=1)
        screen = app.screen
        await wait_for(pilot, lambda: "Press F5" in " ".join(texts(screen)))  # what F5 will do
        assert "Press F5" in str(screen.query_one("#status").render())
        await run_to_end(pilot, screen)
        assert "[PRODUCER] Producing 1..." in texts(screen)
        await pilot.press("f8")  # a quiz step, then back to the program
        await pilot.pause()
        await pilot.press("f7")
        await wait_for(pilot, lambda: "Press F5" in " ".join(texts(screen)))
        shown = texts(screen)
        assert not any("PRODUCER" in line or "CONSUMER" in line for line in shown)
        assert len(screen.query_one(TimelineView).lines) == 0
        assert "No switches yet" in str(screen.query_one("#timeline-title").render())


async def test_a_stopped_programs_last_words_stay_with_its_step():
    runs: list = []
    app = make_app(events=producer_consumer_events(1, False)[:-1], hold=True, runs=runs)
    async with app.run_test(size=SIZE) as pilot:
        await open_first_run_step(pilot, lesson_index=1)
        screen = app.screen
        await pilot.press("f5")
        await wait_for(pilot, lambda: screen.run_pane.controller.run is not None)
        await pilot.press("f8")  # leaving stops the program; its "Stopped." is not shown
        await wait_for(pilot, lambda: not screen.running)
        await pilot.press("f7")
        await pilot.pause()
        await pilot.pause()
        assert "Stopped." not in texts(screen)


# --- 4: the stop sentence tells the truth -------------------------------------------

TIMEOUT = {
    "returncode": -9,
    "reason": "timeout",
    "message": "Stopped after 15 s: the program was still running (it may loop forever); "
    "the traceback above shows where it was.",
}


async def test_a_timeout_without_traceback_claims_none():
    app = make_app(events=ending((Stdout, "tick"), exit=TIMEOUT))
    async with app.run_test(size=SIZE) as pilot:
        await open_first_run_step(pilot)
        screen = app.screen
        await run_to_end(pilot, screen)
        last = " ".join(texts(screen)[2:])
        assert "traceback above" not in last
        assert "did not stop when asked" in last


async def test_a_timeout_with_a_traceback_points_at_it():
    traceback = [
        (Stderr, "Traceback (most recent call last):"),
        (Stderr, '  File "loop.py", line 3, in <module>'),
        (Stderr, "KeyboardInterrupt"),
    ]
    app = make_app(events=ending(*traceback, exit=TIMEOUT))
    async with app.run_test(size=SIZE) as pilot:
        await open_first_run_step(pilot)
        screen = app.screen
        await run_to_end(pilot, screen)
        assert "the traceback above shows where it was" in " ".join(texts(screen))


async def test_input_says_programs_cannot_read_the_keyboard():
    events = ending(
        (Stderr, "Traceback (most recent call last):\n"),
        (Stderr, '  File "ask.py", line 1, in <module>\n'),
        (Stderr, "EOFError: EOF when reading a line\n"),
        (Stdout, "Your name? "),
        exit={
            "returncode": 1,
            "reason": "error",
            "message": "The program stopped with an error (EOFError).",
        },
    )
    events[-2], events[-3] = events[-3], events[-2]  # the prompt comes after the traceback
    for seq, event in enumerate(events):
        event.seq = seq
    app = make_app(events=events)
    async with app.run_test(size=SIZE) as pilot:
        await open_first_run_step(pilot)
        screen = app.screen
        await run_to_end(pilot, screen)
        assert "cannot read the keyboard" in " ".join(texts(screen))
    app = make_app()  # a program that does not ask says nothing of the kind
    async with app.run_test(size=SIZE) as pilot:
        await open_first_run_step(pilot)
        await run_to_end(pilot, app.screen)
        assert "keyboard" not in " ".join(texts(app.screen))


# --- 9: edits are kept per step, F6 resets after asking -------------------------------


@pytest.mark.slow
async def test_edits_survive_leaving_and_quitting_and_f6_resets_them():
    app = make_app()
    async with app.run_test(size=SIZE) as pilot:
        await open_first_run_step(pilot, lesson_index=1)
        screen = app.screen
        step, original = screen.step_index, screen.step.code
        screen.editor.insert("# mine\n", (0, 0))
        await pilot.pause()
        await pilot.press("escape", "escape")  # leave the editor, then the lesson
        await pilot.pause()
        app.open_lesson(screen.lesson, step)
        await pilot.pause()
        assert app.screen.editor.text == "# mine\n" + original
        app.screen.editor.insert("# more\n", (0, 0))
        await pilot.pause()
    # ctrl+q right after typing: the next launch shows the edits
    app = make_app()
    async with app.run_test(size=SIZE) as pilot:
        lesson = app.course.lessons[1]
        app.open_lesson(lesson, step)
        await pilot.pause()
        screen = app.screen
        assert screen.editor.text == "# more\n# mine\n" + original
        assert "edited" in str(screen.query_one("#step-title").render())
        await pilot.press("f6")
        await pilot.pause()
        await pilot.press("y")
        await pilot.pause()
        assert screen.editor.text == original
        assert app.progress.get_code(lesson.id, step) is None


# --- 10: Tab moves focus, ctrl+t indents -------------------------------------------


async def test_tab_leaves_the_editor_and_ctrl_t_indents():
    app = make_app()
    async with app.run_test(size=SIZE) as pilot:
        await open_first_run_step(pilot)
        screen = app.screen
        editor = screen.editor
        editor.focus()
        editor.move_cursor((0, 0))
        before = editor.text
        await pilot.press("ctrl+t")
        assert editor.text == "    " + before
        await pilot.press("tab")
        await pilot.pause()
        assert screen.focused is not editor
        assert editor.text == "    " + before


# --- 11: opening a lesson from the palette replaces the current one ------------------


async def test_opening_a_lesson_from_a_lesson_replaces_it():
    from tutor.app.course_screen import CourseScreen
    from tutor.app.lesson_screen import LessonScreen

    app = make_app()
    async with app.run_test(size=SIZE) as pilot:
        app.open_lesson(app.course.lessons[0], 0)
        await pilot.pause()
        other = app.course.lessons[1]
        command = next(
            c for c in app.get_system_commands(app.screen) if other.title("en") in c.title
        )
        command.callback()
        await pilot.pause()
        assert isinstance(app.screen, LessonScreen) and app.screen.lesson.id == other.id
        assert len(app.screen_stack) == 2
        app.screen.set_focus(None)
        await pilot.press("escape")
        await pilot.pause()
        assert isinstance(app.screen, CourseScreen)


# --- 12: the end of a lesson --------------------------------------------------------


async def test_the_last_step_offers_the_score_and_the_next_lesson():
    from tutor.app.dialogs import LessonCompleteScreen

    app = make_app()
    async with app.run_test(size=SIZE) as pilot:
        first, second = app.course.lessons[:2]
        app.open_lesson(first, len(first.steps) - 1)
        await pilot.pause()
        await pilot.press("f8")
        await pilot.pause()
        dialog = app.screen
        assert isinstance(dialog, LessonCompleteScreen)
        said = " ".join(str(s.render()) for s in dialog.query("Static"))
        assert "Lesson complete" in said
        assert f"0 of {first.quiz_count} right" in said
        assert second.title("en") in said
        await pilot.press("enter")
        await pilot.pause()
        assert app.screen.lesson.id == second.id and app.screen.step_index == 0
        assert len(app.screen_stack) == 2


# --- 13: help lists the quiz keys; the footer says Esc stops a run ---------------------


async def test_help_lists_quiz_keys_and_esc_says_stop_while_running():
    from tutor.app.help_screen import KEYS

    quiz = {keys for area, keys, _ in KEYS if area == "help.quiz"}
    assert {"1-9", "h", "r", "t", "Enter"} <= quiz and any("[ ]" in k for k in quiz)
    app = make_app(events=producer_consumer_events(1, False)[:-1], hold=True, course=fixed_course())
    async with app.run_test(size=SIZE) as pilot:
        await open_first_run_step(pilot)
        screen = app.screen
        screen.set_focus(None)

        def esc() -> str:
            return screen.active_bindings["escape"].binding.description

        assert esc() == "Lessons"
        await pilot.press("f5")
        await wait_for(pilot, lambda: screen.run_pane.controller.run is not None)
        assert esc() == "Stop"
        await pilot.press("escape")
        await wait_for(pilot, lambda: not screen.running)
        assert esc() == "Lessons"


# --- a run step's "what to watch" --------------------------------------------------


async def test_a_run_steps_watch_text_is_shown_by_the_code():
    from tutor.lesson import RunStep, Text

    course = fixed_course()
    lesson = course.lessons[1]
    step = next(s for s in lesson.steps if isinstance(s, RunStep))
    step.watch = Text(en="Who prints [first]?", zh="谁先打印？")
    app = make_app(course=course)
    async with app.run_test(size=SIZE) as pilot:
        await open_first_run_step(pilot, lesson_index=1)
        watch = app.screen.query_one("#watch")
        assert watch.display and "Who prints [first]?" in str(watch.render())
        await pilot.press("f2")
        await pilot.pause()
        assert "谁先打印？" in str(watch.render())


@pytest.mark.slow
async def test_a_burst_of_step_keys_never_takes_the_app_down(real_traces):  # noqa: F811
    """Issue 13: F7/F8 hammered in a terminal ended the app (NoMatches: a quiz panel being
    removed rendered its key or scrolled to its choices after its rows were gone). Keys
    arriving all at once, as from a terminal, move the lesson by exactly as many steps."""
    from textual import events

    from tutor.quiz import remember_trace

    app = make_app()
    lesson = app.course.lessons[0]
    for index, trace in real_traces.items():  # keys at once, as on a second visit
        remember_trace(lesson, index, trace)
    async with app.run_test(size=(80, 24)) as pilot:
        app.open_lesson(lesson, 3)
        await pilot.pause()
        for _ in range(3):
            for key in ["f8", "f7", "f8", "f7", "f8", "f8", "f7", "f7"] * 10:
                app.post_message(events.Key(key, None))
            await pilot.pause()
            await app.workers.wait_for_complete()
            await pilot.pause()
            assert app.return_code is None and app.screen.step_index == 3
