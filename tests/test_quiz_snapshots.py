"""Snapshots of each quiz kind in the lesson screen at 80x24 and 100x30, in en and zh.

The keys come from real runs of the fixed course's quiz programs, made once per session
and put in each test's trace cache, so the screens never depend on timing.
Update after an intended change: `.venv/bin/pytest tests/test_quiz_snapshots.py
--snapshot-update` and look at the SVGs in tests/__snapshots__/ before committing.
"""

from __future__ import annotations

import pytest
from test_app_support import fixed_course, settle_screen

from tutor.app.main import TutorApp
from tutor.lesson import QuizStep
from tutor.programs import program_request
from tutor.quiz import remember_trace

SIZES = {"80x24": (80, 24), "100x30": (100, 30)}


@pytest.fixture(scope="session")
def real_traces() -> dict[int, list]:
    """The events of each quiz program of the first fixed lesson, from one real run."""
    from tutor.runner import run_to_end

    lesson = fixed_course().lessons[0]
    return {
        i: list(run_to_end(program_request(lesson, i)))
        for i, step in enumerate(lesson.steps)
        if isinstance(step, QuizStep)
    }


def quiz_app(lang: str, traces: dict[int, list]) -> TutorApp:
    app = TutorApp(course=fixed_course(), lang=lang, reopen=False)
    for index, events in traces.items():
        remember_trace(app.course.lessons[0], index, events)
    return app


def _at(kind: str, answer: str | None):
    """Open the first `kind` quiz; answer it wrong (every pause, or the option) if asked."""

    async def run_before(pilot) -> None:
        from tutor.app.quiz_panel import QuizPanel

        app = pilot.app
        lesson = app.course.lessons[0]
        steps = lesson.steps
        index = next(i for i, s in enumerate(steps) if isinstance(s, QuizStep) and s.quiz == kind)
        app.open_lesson(lesson, index)
        await pilot.pause()
        await app.workers.wait_for_complete()
        await settle_screen(pilot)
        panel = app.screen.query_one(QuizPanel)
        quiz = panel.quiz
        assert quiz is not None, panel.error
        if answer == "wrong":
            keys = quiz.key if kind == "next_switch" else [quiz.key]
            for key in keys:  # the first choice that is not the key
                await pilot.press(str(next(i for i, x in enumerate(quiz.items, 1) if x != key)))
                await pilot.pause()
        await settle_screen(pilot)

    return run_before


STATES = {
    "order": ("predict_order", None),
    "switch": ("next_switch", None),
    "switch_wrong": ("next_switch", "wrong"),
    "choice_wrong": ("multiple_choice", "wrong"),
}


@pytest.mark.slow
@pytest.mark.parametrize("lang", ["en", "zh"])
@pytest.mark.parametrize("size", list(SIZES))
@pytest.mark.parametrize("state", list(STATES))
def test_quiz(snap_compare, real_traces, state: str, size: str, lang: str):
    kind, answer = STATES[state]
    app = quiz_app(lang, real_traces)
    assert snap_compare(app, terminal_size=SIZES[size], run_before=_at(kind, answer))
