"""Snapshot tests (pytest-textual-snapshot): fixed size, fixed course, empty progress, replayed
events, so nothing depends on time, the machine or the shipped curriculum.

Update after an intended change: `.venv/bin/pytest tests/test_app_snapshots.py --snapshot-update`
and look at the SVGs in tests/__snapshots__/ before committing.
"""

from __future__ import annotations

import pytest
from test_app_support import (
    SIZE,
    fixed_course,
    open_first_run_step,
    producer_consumer_events,
    settle_screen,
)

from tutor.app.main import TutorApp
from tutor.app.replay import replay


def make_app(lang: str = "en") -> TutorApp:
    return TutorApp(
        course=fixed_course(), lang=lang, reopen=False, start_run=replay(producer_consumer_events())
    )


async def _lesson_before_run(pilot) -> None:
    await open_first_run_step(pilot, lesson_index=1)
    pilot.app.screen.set_focus(None)
    await settle_screen(pilot)


async def _lesson_after_run(pilot) -> None:
    await open_first_run_step(pilot, lesson_index=1)
    screen = pilot.app.screen
    screen.set_focus(None)
    await pilot.press("f5")
    while (
        screen.running
        or screen.query_one("#output").pending
        or screen.query_one("#timeline").pending
    ):
        await pilot.pause(0.02)
    pilot.app.clear_notifications()
    await settle_screen(pilot)


def test_course_screen(snap_compare):
    assert snap_compare(make_app(), terminal_size=SIZE, run_before=settle_screen)


@pytest.mark.slow
def test_lesson_before_run(snap_compare):
    assert snap_compare(make_app(), terminal_size=SIZE, run_before=_lesson_before_run)


@pytest.mark.slow
def test_lesson_after_run(snap_compare):
    assert snap_compare(make_app(), terminal_size=SIZE, run_before=_lesson_after_run)


def test_help_screen(snap_compare):
    async def help_(pilot):
        await pilot.press("f1")
        await settle_screen(pilot)

    assert snap_compare(make_app(), terminal_size=SIZE, run_before=help_)


def test_course_screen_zh(snap_compare):
    assert snap_compare(make_app("zh"), terminal_size=SIZE, run_before=settle_screen)


@pytest.mark.slow
def test_lesson_after_run_zh(snap_compare):
    assert snap_compare(make_app("zh"), terminal_size=SIZE, run_before=_lesson_after_run)


@pytest.mark.slow
def test_lesson_after_run_light(snap_compare):
    async def light(pilot):
        await pilot.press("f3")
        await _lesson_after_run(pilot)

    assert snap_compare(make_app(), terminal_size=SIZE, run_before=light)


async def _quiz(pilot, *keys: str) -> None:
    """Open the producer/consumer quiz (its key from a real run), then press `keys`."""
    from tutor.lesson import QuizStep

    app = pilot.app
    lesson = app.course.lessons[1]
    app.open_lesson(lesson, next(i for i, s in enumerate(lesson.steps) if isinstance(s, QuizStep)))
    await pilot.pause()
    await app.workers.wait_for_complete()
    await settle_screen(pilot)  # the panel scrolls its options into view once the key is in
    for key in keys:
        await pilot.press(key)
    await settle_screen(pilot)


def quiz_app() -> TutorApp:
    return TutorApp(course=fixed_course(), lang="en", reopen=False)


@pytest.mark.slow
def test_quiz_answering_with_hint(snap_compare):
    async def answering(pilot):
        await _quiz(pilot, "h")

    assert snap_compare(quiz_app(), terminal_size=(100, 40), run_before=answering)


@pytest.mark.slow
def test_quiz_wrong_answer(snap_compare):
    async def wrong(pilot):
        await _quiz(pilot, "enter")

    assert snap_compare(quiz_app(), terminal_size=(100, 40), run_before=wrong)


@pytest.mark.slow
def test_review_screen(snap_compare):
    async def review(pilot):
        await _quiz(pilot, "enter", "escape", "r")

    assert snap_compare(quiz_app(), terminal_size=SIZE, run_before=review)


@pytest.mark.slow
def test_review_screen_zh(snap_compare):
    async def review(pilot):
        await _quiz(pilot, "enter", "escape", "r", "f2")

    assert snap_compare(quiz_app(), terminal_size=SIZE, run_before=review)


async def test_language_switch_keeps_a_quiz_result():
    """F2 after answering: the result stays, now in Chinese (the panel is not rebuilt)."""
    from tutor.app.quiz_panel import QuizPanel

    app = quiz_app()
    async with app.run_test(size=(100, 40)) as pilot:
        await _quiz(pilot, "enter")
        panel = app.screen.query_one(QuizPanel)
        assert panel.grade is not None and not panel.grade.correct
        # the lesson screen records the answer the panel posted and hands the score down
        record = app.progress.quiz_result(panel.lesson.id, panel.step_index)
        assert record is not None and record.attempts == 1 and not record.correct
        assert panel.score == app.progress.score(panel.lesson.id) == (0, 1)
        await pilot.press("f2")
        await settle_screen(pilot)
        assert app.screen.query_one(QuizPanel) is panel and panel.grade is not None
        assert panel.lang == "zh"


# The sizes a learner's terminal has: the smallest that must work, and a common laptop one.
SMALL_SIZES = [(80, 24), (100, 30)]


@pytest.mark.slow
@pytest.mark.parametrize("lang", ["en", "zh"])
@pytest.mark.parametrize("size", SMALL_SIZES, ids=lambda s: f"{s[0]}x{s[1]}")
def test_course_screen_at(snap_compare, size, lang):
    assert snap_compare(make_app(lang), terminal_size=size, run_before=settle_screen)


@pytest.mark.slow
@pytest.mark.parametrize("lang", ["en", "zh"])
@pytest.mark.parametrize("size", SMALL_SIZES, ids=lambda s: f"{s[0]}x{s[1]}")
def test_lesson_after_run_at(snap_compare, size, lang):
    assert snap_compare(make_app(lang), terminal_size=size, run_before=_lesson_after_run)
