"""The quiz panel and the review screen, driven by Textual's pilot in a tiny host app.

Keys come from the trace cache here (filled with hand-built events), so no program runs;
the real-run path is covered by tests/test_quiz_runs.py.
"""

from __future__ import annotations

import io

import pytest
from rich.console import Console
from textual.app import App, ComposeResult
from textual.widgets import Static

from tests.test_quiz import CHOICE, NEXT, ORDER, Events, make_lesson, order_events, producer_events
from tutor.lesson import Course
from tutor.progress import load_progress
from tutor.quiz import remember_trace
from tutor.strings import tr


class Host(App):
    def __init__(self, lesson, step_index, lang="en", progress=None):
        super().__init__()
        self.lesson, self.step_index, self.lang = lesson, step_index, lang
        self.progress = progress or load_progress()[0]
        self.answers = []
        self.saved = 0

    def compose(self) -> ComposeResult:
        from tutor.app.quiz_panel import QuizPanel

        yield QuizPanel(self.lesson, self.step_index, self.lang)

    def on_quiz_panel_answered(self, message) -> None:
        """What a host does: record the grade, save, hand the lesson score down."""
        message.grade.record_in(self.progress)
        self.save_progress()
        message.panel.score = self.progress.score(message.lesson_id)
        self.answers.append(
            (message.lesson_id, message.step_index, message.correct, message.revealed)
        )

    def save_progress(self) -> None:
        self.saved += 1
        self.progress.save()


def text_of(app, selector: str) -> str:
    """What the Statics matching `selector` show, as plain text."""
    console = Console(width=200, file=io.StringIO(), record=True)
    for static in app.query(selector).results(Static):
        console.print(static.content)
    return console.export_text()


def choices_of(app) -> str:
    """The pause's question, the options and the keys' help."""
    return text_of(app, "#quiz-choices Static")


async def settle(pilot, app):
    from tutor.app.quiz_panel import QuizPanel

    panel = app.query_one(QuizPanel)
    await pilot.app.workers.wait_for_complete()
    await pilot.pause()
    return panel


async def test_predict_order_by_keyboard(tmp_path):
    lesson = make_lesson(tmp_path, ORDER)
    remember_trace(lesson, 0, order_events("[A] one", "[B] two", "[A] three"))
    app = Host(lesson, 0)
    async with app.run_test() as pilot:
        panel = await settle(pilot, app)
        assert panel.quiz is not None and panel.order == panel.quiz.items
        assert "[A] one" in choices_of(app)  # brackets survive: no markup
        # sort the lines with the keyboard: selection sort using [ and ] and arrows
        target = ["[A] one", "[B] two", "[A] three"]
        for position, line in enumerate(target):
            while panel.order.index(line) != position:
                at = panel.order.index(line)
                while panel.cursor != at:
                    await pilot.press("down")
                await pilot.press("shift+up" if position % 2 else "left_square_bracket")
        assert panel.order == target
        await pilot.press("enter")
        await pilot.pause()
        assert panel.grade is not None and panel.grade.correct
        assert app.answers == [("sample", 0, True, False)]
        assert "Right" in text_of(app, "#quiz-result")
        assert "The real trace" in text_of(app, "#quiz-result")
        assert app.progress.quiz_result("sample", 0).correct


async def test_wrong_order_then_retry_and_reveal(tmp_path):
    lesson = make_lesson(tmp_path, ORDER)
    remember_trace(lesson, 0, order_events("x1", "x2", "x3"))
    app = Host(lesson, 0, lang="zh")
    async with app.run_test() as pilot:
        panel = await settle(pilot, app)
        shown = list(panel.order)
        await pilot.press("enter")  # the shuffled order is never the real one
        await pilot.pause()
        assert panel.grade is not None and not panel.grade.correct
        result = text_of(app, "#quiz-result")
        assert "不对" in result and "第一个不同之处" in result
        await pilot.press("t")
        await pilot.pause()
        assert panel.grade is None and panel.order == shown
        await pilot.press("r")
        await pilot.pause()
        assert panel.grade.revealed and "答案" in text_of(app, "#quiz-result")
        assert app.answers == [("sample", 0, False, False), ("sample", 0, False, True)]
        record = app.progress.quiz_result("sample", 0)
        assert record.attempts == 1 and record.revealed
        assert [m.step_index for m in app.progress.mistakes()] == [0]


async def test_next_switch_step_predict_with_number_keys(tmp_path):
    lesson = make_lesson(tmp_path, NEXT)
    remember_trace(lesson, 0, producer_events())
    app = Host(lesson, 0)
    async with app.run_test() as pilot:
        panel = await settle(pilot, app)
        assert panel.quiz.items == ["main", "consumer"]
        answer = text_of(app, "#quiz-answer")
        assert "[PRODUCER] ready" in answer and "pause 1 of 2" in choices_of(app)
        await pilot.press("h")
        await pilot.pause()
        assert "Hint" in text_of(app, "#quiz-answer")
        await pilot.press("2")  # consumer: right
        await pilot.pause()
        assert panel.picks == ["consumer"] and "[CONSUMER] got 1" in text_of(app, "#quiz-answer")
        await pilot.press("2")  # consumer again: wrong, main runs next
        await pilot.pause()
        assert panel.grade is not None and panel.grade.right == [True, False]
        result = text_of(app, "#quiz-result")
        assert tr("quiz.pause_wrong", "en", n=2, runner="main", answer="consumer") in result
        assert app.answers == [("sample", 0, False, False)]


async def test_multiple_choice_and_key_errors(tmp_path):
    lesson = make_lesson(tmp_path, CHOICE, ORDER)
    remember_trace(lesson, 0, Events().out("main", "made the generator").out("g", "hello").end())
    remember_trace(lesson, 1, order_events("same", "same"))
    app = Host(lesson, 0)
    async with app.run_test() as pilot:
        panel = await settle(pilot, app)
        await pilot.press("down", "enter")  # the second option: wrong
        await pilot.pause()
        assert panel.grade is not None and not panel.grade.correct
        await pilot.press("t", "1")
        await pilot.pause()
        assert panel.grade.correct
        assert app.progress.quiz_result("sample", 0).attempts == 2
    app = Host(lesson, 1)
    async with app.run_test() as pilot:
        panel = await settle(pilot, app)
        assert panel.quiz is None and "cannot be graded" in text_of(app, "#quiz-answer")


class ReviewHost(App):
    def __init__(self, course, progress):
        super().__init__()
        self.course, self.progress = course, progress
        self.saved = 0

    def on_mount(self) -> None:
        from tutor.app.review_screen import ReviewScreen

        self.push_screen(ReviewScreen(self.course, self.progress, "en"))

    def save_progress(self) -> None:
        self.saved += 1
        self.progress.save()


async def test_review_screen_lists_mistakes_and_clears_them(tmp_path):
    lesson = make_lesson(tmp_path, CHOICE, ORDER)
    remember_trace(lesson, 0, Events().out("main", "made the generator").end())
    progress, _ = load_progress()
    progress.record_answer("sample", 0, False, "hello from greet")
    progress.record_answer("gone-lesson", 3, False, "x")  # a lesson no longer in the course
    app = ReviewHost(Course(lessons=[lesson]), progress)
    async with app.run_test() as pilot:
        await pilot.pause()
        screen = app.screen
        assert screen.entries == [("sample", 0)]
        await pilot.press("enter")
        await pilot.app.workers.wait_for_complete()
        await pilot.pause()
        from tutor.app.quiz_panel import QuizPanel

        panel = screen.query_one(QuizPanel)
        panel.focus()
        await pilot.press("1")
        await pilot.pause()
        assert panel.grade.correct and app.saved == 1
        assert screen.entries == []
        assert "Nothing to review" in text_of(screen, "#review-help")
    again, _ = load_progress()
    assert again.quiz_result("sample", 0).correct


@pytest.mark.slow
async def test_the_key_comes_from_a_real_run(tmp_path):
    step = ORDER.replace(
        "code: print(1)", "code: |\n    for i in (3, 1, 2):\n        print('line', i)"
    )
    lesson = make_lesson(tmp_path, step)
    app = Host(lesson, 0)
    async with app.run_test() as pilot:
        panel = await settle(pilot, app)
        assert panel.error is None, panel.error
        assert panel.quiz.key == ["line 3", "line 1", "line 2"]
        await pilot.press("r")
        await pilot.pause()
        assert "line 3" in text_of(app, "#quiz-result")


PARENTS = """\
- kind: quiz
  quiz: next_switch
  code: |
    from greenlet import greenlet

    def inner():
        print('inner: done, returning')

    def outer():
        gi = greenlet(inner)
        gi.switch()
        print('outer: inner has returned to me')

    go = greenlet(outer)
    print('main: start')
    go.switch()
    print('main: end')
  checkpoints:
    - after: "main: start"
    - after: "inner: done, returning"
"""


def parents_events():
    """Lesson 14 step 7, as the tracer reports it: outer only passes control on to inner."""
    return (
        Events()
        .out("main", "main: start")
        .sw("main", "outer", "greenlet")
        .sw("outer", "inner", "greenlet")
        .out("inner", "inner: done, returning")
        .sw("inner", "outer", "greenlet")
        .out("outer", "outer: inner has returned to me")
        .sw("outer", "main", "greenlet")
        .out("main", "main: end")
        .end()
    )


def code_line(app, number: int) -> str:
    return text_of(app, "#quiz-code").splitlines()[number - 1]


async def test_who_gets_control_next_grades_what_the_trace_shows(tmp_path):
    lesson = make_lesson(tmp_path, PARENTS)
    remember_trace(lesson, 0, parents_events())
    app = Host(lesson, 0)
    async with app.run_test(size=(120, 60)) as pilot:
        panel = await settle(pilot, app)
        assert tr("quiz.rule", "en") in choices_of(app)  # the rule is stated with the question
        await pilot.press(str(panel.quiz.items.index("outer") + 1))
        await pilot.press(str(panel.quiz.items.index("outer") + 1))
        await pilot.pause()
        assert panel.grade.correct, panel.grade.key  # `outer` gets control first
        trace = text_of(app, "#quiz-result").splitlines()

        def answering(n: int) -> list[str]:
            return [line for line in trace if tr("quiz.answer_mark", "en", n=n) in line]

        assert len(answering(1)) == 1 and "main -> outer" in answering(1)[0]
        assert len(answering(2)) == 1 and "inner -> outer" in answering(2)[0]
        assert app.answers == [("sample", 0, True, False)]
        assert app.progress.quiz_result("sample", 0).correct


async def test_the_paused_line_is_marked_in_the_code(tmp_path):
    from tutor.app.code_marks import PAUSED
    from tutor.app.quiz_panel import QuizPanel

    lesson = make_lesson(tmp_path, PARENTS)
    remember_trace(lesson, 0, parents_events())
    app = Host(lesson, 0)
    async with app.run_test(size=(120, 60)) as pilot:
        panel = await settle(pilot, app)
        code = lesson.steps[0].code.split("\n")
        first = code.index("print('main: start')") + 1
        marked = [n for n in range(1, len(code)) if code_line(app, n).startswith(PAUSED)]
        assert marked == [first]
        # the line has a background too (found without reading the gutter)
        content = app.query_one("#quiz-code", Static).content
        line_start = sum(len(line) + 1 for line in content.plain.split("\n")[: first - 1])
        styles = [span.style for span in content.spans if span.start >= line_start + 4]
        assert styles and styles[0].bgcolor not in (None, panel.rich_style.bgcolor)
        await pilot.press("2")  # pause 2 is after `inner`'s print, inside inner()
        await pilot.pause()
        second = code.index("    print('inner: done, returning')") + 1
        assert [n for n in range(1, len(code)) if code_line(app, n).startswith(PAUSED)] == [second]
        assert isinstance(panel, QuizPanel)


async def test_wrong_choice_is_labelled_and_a_reveal_shows_no_ticks(tmp_path):
    lesson = make_lesson(tmp_path, CHOICE, ORDER)
    remember_trace(lesson, 0, Events().out("main", "made the generator").out("g", "hi").end())
    remember_trace(lesson, 1, order_events("x1", "x2", "x3"))
    app = Host(lesson, 0)
    async with app.run_test(size=(120, 50)) as pilot:
        panel = await settle(pilot, app)
        await pilot.press("2")  # "hello from greet": wrong
        await pilot.pause()
        result = text_of(app, "#quiz-result")
        mine = tr("quiz.your_answer", "en") + "✗ hello from greet"
        right = tr("quiz.right_answer", "en") + "✓ made the generator"
        assert f"{mine} · {right}" in result
        assert not panel.grade.correct
    app = Host(lesson, 1)
    async with app.run_test(size=(120, 50)) as pilot:
        panel = await settle(pilot, app)
        await pilot.press("r")
        await pilot.pause()
        result = text_of(app, "#quiz-result")
        assert panel.grade.revealed and "x1" in result
        assert tr("quiz.yours", "en") not in result and "✓" not in result


class ScrollHost(Host):
    """The panel in a scrolling pane, as the lesson screen hosts it."""

    def compose(self) -> ComposeResult:
        from textual.containers import VerticalScroll

        from tutor.app.quiz_panel import QuizPanel

        with VerticalScroll(id="pane"):
            yield QuizPanel(self.lesson, self.step_index, self.lang)


async def test_options_stay_in_view_at_80x24(tmp_path):
    long_code = "\n".join(f"    x{i} = {i}" for i in range(30))
    step = PARENTS.replace("    def inner():\n", "    def inner():\n" + long_code + "\n")
    lesson = make_lesson(tmp_path, step)
    remember_trace(lesson, 0, parents_events())
    app = ScrollHost(lesson, 0)
    async with app.run_test(size=(80, 24)) as pilot:
        panel = await settle(pilot, app)
        await pilot.pause()
        pane = app.query_one("#pane")
        rows = list(app.query(".quiz-option"))
        assert len(rows) == len(panel.quiz.items) == 3
        for row in rows:  # all options in view once the key is known
            assert pane.content_region.contains_region(row.region), (row.region, pane.region)
        for step_ in range(2 * len(rows)):  # ↓ never moves the selection off-screen
            await pilot.press("down")
            await pilot.pause()
            await pilot.pause()
            selected = rows[panel.cursor]
            assert pane.content_region.contains_region(selected.region), step_
