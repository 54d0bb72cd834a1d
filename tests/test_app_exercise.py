"""Pilot tests of an exercise step in the TUI: Check (F4) with real runs, hint, the
read-only solution, the lesson's mark, the code kept across launches, the review list."""

from __future__ import annotations

import pytest
from test_app import make_app, wait_for
from test_app_support import SIZE

from tutor.app.exercise_panel import ExercisePanel, SolutionScreen
from tutor.app.lesson_screen import LessonScreen
from tutor.lesson import load_course

LESSON = """\
id: solve-me
title: {en: Solve me, zh: 解开我}
summary: {en: One exercise, zh: 一道练习}
topic: {en: Generators, zh: 生成器}
steps:
  - kind: read
    text: {en: Read this first., zh: 先读这个。}
  - kind: exercise
    title: {en: Prime it, zh: 先启动}
    text: {en: Make it print 1., zh: 让它打印 1。}
    code: |
      def echo():
          while True:
              print((yield))

      e = echo()
      e.send(1)
    solution: |
      def echo():
          while True:
              print((yield))

      e = echo()
      next(e)
      e.send(1)
    hint: {en: Prime the generator with next(e)., zh: 用 next(e) 启动生成器。}
    checks:
      - returncode: 0
      - stdout: "1"
"""
MY_FIX = (
    "def echo():\n    while True:\n        print((yield))\n\ne = echo()\ne.send(None)\ne.send(1)\n"
)


@pytest.fixture
def course(tmp_path):
    (tmp_path / "01-solve-me.yaml").write_text(LESSON)
    course = load_course([tmp_path])
    assert not course.errors, course.errors
    return course


def panel_of(screen) -> ExercisePanel:
    return screen.step_pane.exercise_panel


@pytest.mark.slow
async def test_check_hint_solution_mark_and_code_kept(course, tutor_home):
    app = make_app(course=course)
    lesson = course.lessons[0]
    async with app.run_test(size=SIZE) as pilot:
        app.open_lesson(lesson, 1)
        await pilot.pause()
        screen = app.screen
        assert isinstance(screen, LessonScreen) and screen.has_class("-exercise")
        assert screen.check_action("check", ()) and screen.check_action("run", ())
        assert app.progress.lesson_state(lesson.id, 0, [1]) == "in_progress"
        panel = panel_of(screen)

        await pilot.press("f4")  # the starting code: fails
        await wait_for(pilot, lambda: panel.grading is not None, timeout=30)
        assert not panel.grading.solved
        results = str(panel.query_one("#ex-results").render())
        assert "✓ The program exited with code" not in results
        assert "✗" in results

        await pilot.press("ctrl+g")
        await pilot.pause()
        hint = panel.query_one("#ex-hint")
        assert hint.display and "Prime the generator with next(e)." in str(hint.render())

        await pilot.press("ctrl+o")
        await pilot.pause()
        assert isinstance(app.screen, SolutionScreen)
        shown = app.screen.query_one("#solution")
        assert shown.read_only and shown.text == lesson.steps[1].solution
        await pilot.press("escape")
        await pilot.pause()
        assert app.screen is screen
        assert screen.editor.text == lesson.steps[1].code  # reveal never touched it

        screen.editor.load_text(MY_FIX)  # another right answer than the lesson's
        await pilot.pause()
        await pilot.press("f4")
        await wait_for(pilot, lambda: not panel.checking and panel.grading.solved, timeout=30)
        assert "Solved: every check holds." in str(panel.query_one("#ex-status").render())
        await pilot.pause()
        assert app.progress.solved_exercises(lesson.id) == {1}
        assert app.progress.lesson_state(lesson.id, 0, [1]) == "done"
        assert "✓ solved" in str(screen.query_one("#step-title").render())

        await pilot.press("escape")  # leave the editor, then the lesson
        await pilot.press("escape")
        await pilot.pause()
        from textual.widgets import OptionList

        options = app.screen.query_one("#lessons", OptionList)
        prompt = next(str(o.prompt) for o in options.options if o.id == "lesson:solve-me")
        assert prompt.startswith(" ✓ ")

    again = make_app(course=course)  # a new launch reads the saved progress
    async with again.run_test(size=SIZE) as pilot:
        again.open_lesson(lesson, 1)
        await pilot.pause()
        assert again.screen.editor.text == MY_FIX


async def test_an_unsolved_exercise_is_in_the_review(course, tutor_home):
    app = make_app(course=course)
    async with app.run_test(size=SIZE) as pilot:
        app.progress.record_exercise("solve-me", 1, solved=False)
        await pilot.press("r")
        await pilot.pause()
        from textual.widgets import OptionList

        options = app.screen.query_one("#review-list", OptionList)
        prompts = [str(o.prompt) for o in options.options]
        assert any("Prime it" in p and "not solved yet" in p for p in prompts), prompts
        options.highlighted = 0
        await pilot.press("enter")
        await pilot.pause()
        assert isinstance(app.screen, LessonScreen) and app.screen.step_index == 1


async def test_at_80x24_the_exercise_code_gets_rows_while_it_is_edited(course, tutor_home):
    app = make_app(course=course)
    async with app.run_test(size=(80, 24)) as pilot:
        app.open_lesson(course.lessons[0], 1)
        await pilot.pause()
        screen = app.screen
        assert screen.has_class("-exercise") and screen.has_class("-narrow")
        code = screen.query_one("#code")
        code.focus()
        await pilot.pause()
        assert code.size.height >= 6  # a few lines of code to edit, not one or two
        for button in ("#run", "#next"):
            assert screen.region.contains_region(screen.query_one(button).region), button


async def test_before_a_check_the_exercise_shows_one_line_not_blank_rows(course, tutor_home):
    """Issue 13: an exercise with no result yet left 3-4 blank rows above its code (the
    panel's lines were laid out empty). Before a Check it says what to do, on one row."""
    from tutor.strings import tr

    app = make_app(course=course)
    async with app.run_test(size=SIZE) as pilot:
        app.open_lesson(course.lessons[0], 1)
        await pilot.pause()
        panel = panel_of(app.screen)
        assert panel.size.height == 1
        assert str(panel.query_one("#ex-status").render()) == tr("exercise.goals", "en")
        text, host = app.screen.query_one("#text-box"), app.screen.query_one("#quiz-host")
        assert host.region.y == text.region.bottom  # no blank row between text and panel
