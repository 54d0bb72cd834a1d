"""Stepping through a finished run (issue 14): the keys, the mouse, the status sentence, the
editor's marks, the output's marks, and a block row on the timeline. Lesson 4 (producer and
consumer) runs for real; what each test expects is computed from its run's events and the
lesson's code, except the one fact the lesson is about: switch 5 is main paused at
`r = c.send(n)` and consumer resuming at `n = yield r`."""

from __future__ import annotations

import json
import subprocess
import sys

import pytest
from test_app import strip_text, wait_for
from test_app_support import WIDE, settle_screen

from tutor.app.main import TutorApp
from tutor.app.replay import replay
from tutor.app.stepping import code_at
from tutor.app.timeline_view import BlockLine, SwitchLine
from tutor.glyphs import PAUSED, RESUMES
from tutor.lesson import RunStep, load_course
from tutor.runner.events import Block, Start, decode
from tutor.strings import tr

LESSON_4 = "producer-consumer"

BLOCKING = """\
import asyncio
import time


async def fetch(n):
    print(f"fetch {n} starts")
    if n == 2:
        time.sleep(0.3)
    else:
        await asyncio.sleep(0.01)
    print(f"fetch {n} done")


async def main():
    await asyncio.gather(fetch(1), fetch(2), fetch(3))


asyncio.run(main())
"""
"""A test program (not a lesson): fetch#2 blocks the loop for 0.3 s."""


async def open_and_run(pilot, lesson_id: str = LESSON_4):
    """Open a lesson's first program step, run it (F5) and wait until it is all shown."""
    app = pilot.app
    lesson = next(x for x in app.course.lessons if x.id == lesson_id)
    app.open_lesson(lesson, next(i for i, s in enumerate(lesson.steps) if isinstance(s, RunStep)))
    await pilot.pause()
    screen = app.screen
    await pilot.press("f5")
    pane = screen.run_pane
    await wait_for(
        pilot,
        lambda: not screen.running and pane.outcome is not None and pane.can_step,
        timeout=30,
    )
    pane.output.flush()
    pane.timeline.flush()
    await pilot.pause()
    return screen


def expected_sentence(row: SwitchLine, number: int, total: int, code: str, lang: str) -> str:
    def part(kind: str, runner: str, line: int | None) -> str:
        quoted = code_at(code, line)
        if quoted is None:
            return tr(f"step.{kind}_nowhere", lang, runner=runner)
        mark = PAUSED if kind == "paused" else RESUMES
        return tr(f"step.{kind}", lang, mark=mark, runner=runner, line=line, code=quoted)

    return tr(
        "step.switch",
        lang,
        n=number,
        total=total,
        paused=part("paused", row.from_, row.line),
        resumes=part("resumes", row.to, row.to_line),
    )


def status(screen) -> str:
    static = screen.run_pane.query_one("#switch-status")
    return str(static.content) if static.display else ""


def switches(screen) -> list[SwitchLine]:
    return [line for line in screen.run_pane.timeline.lines if isinstance(line, SwitchLine)]


def rendered_rows(view, lines: int | None = None) -> list[str]:
    return [strip_text(view.render_line(y)) for y in range(lines or view.size.height)]


def dimmed(view, y: int) -> bool:
    """An output line (its runner's bar first) faded: its bar in no runner's colour (a
    readable fade toward the background, not Rich's `dim`)."""
    segments = [s for s in view.render_line(y) if s.text.strip()]
    colors = {view.runner_colors.style(r).color for r in view.runner_colors.runners}
    return bool(segments) and segments[0].text == "▌" and segments[0].style.color not in colors


def assert_shows_switch(screen, k: int, lang: str) -> None:
    """Switch k (0-based) of the run is shown: timeline, status, code marks, output marks."""
    pane, editor = screen.run_pane, screen.step_pane.editor
    rows = switches(screen)
    row = rows[k]
    assert pane.timeline.cursor == pane.timeline.switch_rows[k]
    assert status(screen) == expected_sentence(row, k + 1, len(rows), editor.text, lang)
    marks = {}
    if row.to_line:
        marks[row.to_line] = RESUMES
    if row.line:
        marks[row.line] = PAUSED
    assert editor.marks == marks
    # the marks are drawn: the glyph right after the line number, in the gutter
    shown = rendered_rows(editor)
    top = int(editor.scroll_y)
    for line, glyph in marks.items():
        assert 0 <= line - 1 - top < len(shown), "a marked line is scrolled out of view"
        gutter = shown[line - 1 - top][: editor.gutter_width]
        assert gutter.rstrip().endswith(f"{line}{glyph}"), gutter
    # the output: what was printed after the switch is dimmed, what came before is not
    output = pane.output
    assert output.until == row.seq
    top = int(output.scroll_y)
    for y in range(min(output.size.height, len(output.lines) - top)):
        line = output.lines[top + y]
        if top + y != output.cursor and line.text:
            assert dimmed(output, y) == (line.seq > row.seq), line


@pytest.mark.slow
@pytest.mark.parametrize("lang", ["en", "zh"])
async def test_stepping_through_lesson_4_with_the_keys(lang):
    app = TutorApp(lang=lang, reopen=False)
    async with app.run_test(size=WIDE) as pilot:
        screen = await open_and_run(pilot)
        pane, editor = screen.run_pane, screen.step_pane.editor
        code = editor.text
        assert len(switches(screen)) >= 6
        # after the run the timeline's title says how to step; nothing is marked yet
        title = str(pane.query_one("#timeline-title").content)
        assert tr("step.hint", lang) in title
        assert editor.marks == {} and status(screen) == ""
        # alt+→ works from the code editor (it types nothing there)
        editor.focus()
        for _ in range(5):
            await pilot.press("alt+right")
        await pilot.pause()
        assert editor.text == code
        assert_shows_switch(screen, 4, lang)
        # the lesson's point: switch 5 is the producer handing an item to the consumer
        send = code.split("\n").index("        r = c.send(n)") + 1
        take = code.split("\n").index("        n = yield r") + 1
        assert editor.marks == {send: PAUSED, take: RESUMES}
        if lang == "en":
            assert f"main paused at line {send} (`r = c.send(n)`)" in status(screen)
        # , and . from the output pane
        pane.output.focus()
        await pilot.press("comma")
        await pilot.pause()
        assert_shows_switch(screen, 3, lang)
        await pilot.press("full_stop", "full_stop")
        await pilot.pause()
        assert_shows_switch(screen, 5, lang)
        # ← → on the timeline; alt+← from anywhere
        pane.timeline.focus()
        await pilot.press("left")
        await pilot.pause()
        assert_shows_switch(screen, 4, lang)
        await pilot.press("right", "right")
        await pilot.pause()
        assert_shows_switch(screen, 6, lang)
        await pilot.press("alt+left")
        await pilot.pause()
        assert_shows_switch(screen, 5, lang)
        # the language changes the sentence, not the switch
        await pilot.press("f2")
        await pilot.pause()
        assert_shows_switch(screen, 5, "zh" if lang == "en" else "en")


@pytest.mark.slow
async def test_clicking_a_switch_or_an_output_line_steps_there():
    app = TutorApp(lang="en", reopen=False)
    async with app.run_test(size=WIDE) as pilot:
        screen = await open_and_run(pilot)
        pane = screen.run_pane
        timeline, output = pane.timeline, pane.output
        timeline.scroll_home(animate=False, immediate=True)
        await pilot.pause()
        await pilot.click(timeline, offset=(10, timeline.switch_rows[2]))
        await pilot.pause()
        assert_shows_switch(screen, 2, "en")
        # an output line selects the switch before it; the lines after it are dimmed
        rows = switches(screen)
        index = next(
            i
            for i, line in enumerate(output.lines)
            if line.seq > rows[3].seq and line.text.startswith("[CONSUMER]")
        )
        output.scroll_home(animate=False, immediate=True)
        await pilot.pause()
        await pilot.click(output, offset=(5, index - int(output.scroll_y)))
        await pilot.pause()
        k = max(i for i, row in enumerate(rows) if row.seq < output.lines[index].seq)
        assert timeline.cursor == timeline.switch_rows[k]
        assert status(screen) == expected_sentence(
            rows[k], k + 1, len(rows), screen.editor.text, "en"
        )
        assert output.until == output.lines[index].seq
        assert not dimmed(output, index - int(output.scroll_y))  # the selected line itself


@pytest.mark.slow
async def test_editing_or_running_again_leaves_no_stale_marks():
    app = TutorApp(lang="en", reopen=False)
    async with app.run_test(size=WIDE) as pilot:
        screen = await open_and_run(pilot)
        pane, editor = screen.run_pane, screen.step_pane.editor
        screen.set_focus(None)
        await pilot.press("full_stop", "full_stop", "full_stop")
        await pilot.pause()
        assert editor.marks
        # a line added at the top moves every line: the marks go at once
        editor.focus()
        editor.move_cursor((0, 0))
        await pilot.press("#", "enter")
        await pilot.pause()
        assert editor.marks == {}
        assert tr("step.code_changed", "en") in status(screen)  # at once, not at the next step
        # stepping on says the lines are the run's, and marks none in the edited code
        await pilot.press("alt+right")
        await pilot.pause()
        assert editor.marks == {}
        assert tr("step.code_changed", "en") in status(screen)
        assert_marks_drawn_none(editor)
        # a new run starts clean: no marks, no stepping line, nothing dimmed
        await pilot.press("f5")
        await pilot.pause()
        assert editor.marks == {} and status(screen) == "" and pane.output.until is None
        await wait_for(pilot, lambda: not screen.running and pane.can_step, timeout=30)
        await pilot.press("alt+right")
        await pilot.pause()
        assert editor.marks  # the new run's lines fit the code shown


def assert_marks_drawn_none(editor) -> None:
    assert not any(
        row[: editor.gutter_width].rstrip().endswith((PAUSED, RESUMES))
        for row in rendered_rows(editor)
    )


# --- a block on the timeline ---------------------------------------------------------


def blocking_course(tmp_path):
    """A one-lesson course around the blocking test program (not a shipped lesson)."""
    lesson = {
        "id": "blocking-fixture",
        "title": {"en": "Blocking", "zh": "阻塞"},
        "summary": {"en": "A test program.", "zh": "测试程序。"},
        "topic": {"en": "Tests", "zh": "测试"},
        "requires": [],
        "steps": [
            {
                "kind": "run",
                "title": {"en": "fetch#2 sleeps", "zh": "fetch#2 睡眠"},
                "code": BLOCKING,
            }
        ],
    }
    path = tmp_path / "lessons" / "blocking-fixture.yaml"
    path.parent.mkdir()
    path.write_text(json.dumps(lesson, ensure_ascii=False))  # JSON is YAML
    course = load_course([path.parent])
    assert not course.errors, course.errors
    return course


def blocking_events(tmp_path) -> list:
    """The test program's real event stream (`coro-tutor run --json`)."""
    program = tmp_path / "blocking.py"
    program.write_text(BLOCKING)
    done = subprocess.run(
        [sys.executable, "-m", "tutor", "run", "--json", str(program)],
        capture_output=True,
        text=True,
        timeout=60,
    )
    return [decode(line) for line in done.stdout.splitlines() if line.startswith("{")]


@pytest.mark.slow
async def test_a_block_is_marked_on_its_runners_lane(tmp_path):
    app = TutorApp(lang="en", reopen=False, course=blocking_course(tmp_path))
    async with app.run_test(size=WIDE) as pilot:
        screen = await open_and_run(pilot, "blocking-fixture")
        pane = screen.run_pane
        timeline = pane.timeline
        blocks = [(i, line) for i, line in enumerate(timeline.lines) if isinstance(line, BlockLine)]
        assert len(blocks) == 1
        row, block = blocks[0]
        assert block.runner == "fetch#2" and block.ms >= 300
        assert block.label == tr("timeline.block", "en", runner="fetch#2", ms=block.ms)
        # drawn on fetch#2's lane, with no switch number, and the switches keep counting
        timeline.scroll_to(0, max(0, row - 1), animate=False, immediate=True)
        await pilot.pause()
        text = strip_text(timeline.render_line(row - int(timeline.scroll_y)))
        lanes = text[7:].split(block.label)[0]
        assert lanes[2 * pane.runner_colors.index("fetch#2")] == "▮"
        assert text[:7].strip() == ""
        assert [timeline.switch_at(r) for r in timeline.switch_rows] == list(
            range(len(timeline.switch_rows))
        )
        # the output notice is there too, and the block row is copied as its words
        notices = [line.text for line in pane.output.lines if line.seq == block.seq]
        assert any("fetch#2 held the event loop" in text for text in notices)
        from tutor.app.copy_text import line_text

        assert line_text(block) == block.label
        # stepping passes over the block row; clicking it says what it is
        timeline.focus()
        timeline.select(row - 1)
        await pilot.press("right")
        await pilot.pause()
        assert timeline.cursor == row + 1
        timeline.select(row, post=True)
        await pilot.pause()
        assert status(screen) == block.label
        assert screen.step_pane.editor.marks == {}


# --- snapshots -----------------------------------------------------------------------


async def _step_five(pilot) -> None:

    screen = await open_and_run(pilot)
    screen.set_focus(None)
    for _ in range(5):
        await pilot.press("full_stop")
    pilot.app.clear_notifications()
    await settle_screen(pilot)


@pytest.mark.slow
@pytest.mark.parametrize("lang", ["en", "zh"])
def test_stepping_snapshot(snap_compare, lang):
    """Lesson 4 (the fixed copy), switch 5 of its recorded run, at 100x30."""
    from test_app_support import fixed_course

    course = fixed_course()
    lesson = next(x for x in course.lessons if x.id == LESSON_4)
    step = next(s for s in lesson.steps if isinstance(s, RunStep))
    events = lesson_4_events(step.code)
    app = TutorApp(course=course, lang=lang, reopen=False, start_run=replay(events))
    assert snap_compare(app, terminal_size=WIDE, run_before=_step_five)


def lesson_4_events(code: str) -> list:
    """The fixed lesson 4's real event stream, its sandbox badge made the same everywhere."""
    import tempfile
    from pathlib import Path

    with tempfile.TemporaryDirectory() as tmp:
        (Path(tmp) / "program.py").write_text(code)
        done = subprocess.run(
            [sys.executable, "-m", "tutor", "run", "--json", str(Path(tmp) / "program.py")],
            capture_output=True,
            text=True,
            timeout=60,
        )
    events = [decode(line) for line in done.stdout.splitlines() if line.startswith("{")]
    return [same_everywhere(event) for event in events]


def same_everywhere(event):
    """What differs between machines and runs (the sandbox tier, the Python, how long a
    block lasted) made fixed, so a snapshot compares the drawing only."""
    import msgspec

    if isinstance(event, Start):
        return msgspec.structs.replace(event, isolation="basic", python="3.11.7")
    if isinstance(event, Block):
        return msgspec.structs.replace(event, ms=300)  # time.sleep(0.3) and a little
    return event


@pytest.mark.slow
def test_block_snapshot(snap_compare, tmp_path):
    """The blocking test program after its run: the notice in the output, the row in the
    timeline on fetch#2's lane."""

    events = [same_everywhere(event) for event in blocking_events(tmp_path)]
    assert any(isinstance(event, Block) for event in events)
    app = TutorApp(
        course=blocking_course(tmp_path), lang="en", reopen=False, start_run=replay(events)
    )

    async def run_it(pilot):
        screen = await open_and_run(pilot, "blocking-fixture")
        screen.set_focus(None)
        pilot.app.clear_notifications()
        await settle_screen(pilot)

    assert snap_compare(app, terminal_size=WIDE, run_before=run_it)
