"""Pilot tests of the app meeting the learner's world: their own editor ($VISUAL/$EDITOR)."""

from __future__ import annotations

import contextlib
import stat

import pytest
from test_app import make_app, wait_for
from test_app_exercise import LESSON
from test_app_support import SIZE, open_first_run_step

from tutor.app.lesson_screen import LessonScreen
from tutor.app.main import TutorApp
from tutor.lesson import load_course
from tutor.progress import load_progress

APPENDED = "print('from my editor')\n"


def editor_script(folder, body: str) -> str:
    """A tiny 'editor': a shell script that does `body` to the file it is given ($1)."""
    script = folder / "fake-editor"
    script.write_text("#!/bin/sh\n" + body + "\n")
    script.chmod(script.stat().st_mode | stat.S_IXUSR)
    return str(script)


def told(app) -> list[str]:
    """What the app notifies from now on."""
    said: list[str] = []
    notify = app.notify

    def record(message, *args, **kwargs):
        said.append(str(message))
        return notify(message, *args, **kwargs)

    app.notify = record
    return said


def no_suspend_needed(app) -> None:
    """The headless test driver cannot suspend; a real terminal's driver can."""
    app.suspend = contextlib.nullcontext


async def test_own_editor_changes_come_back_into_the_step(tmp_path, monkeypatch):
    monkeypatch.delenv("VISUAL", raising=False)
    monkeypatch.setenv("EDITOR", editor_script(tmp_path, f'printf "%s" "{APPENDED}" >> "$1"'))
    app = make_app()
    async with app.run_test(size=SIZE) as pilot:
        no_suspend_needed(app)
        await open_first_run_step(pilot)
        screen = app.screen
        before = screen.editor.text
        screen.editor.blur()
        await pilot.press("e")  # a letter while the editor has no focus
        await wait_for(pilot, lambda: screen.editor.text != before)
        assert screen.editor.text == before + APPENDED
        assert "edited" in str(screen.query_one("#step-title").render())
        screen.editor.focus()
        await pilot.press("ctrl+z")  # an edit like any other: undoable
        await pilot.pause()
        assert screen.editor.text == before


async def test_own_editor_on_an_exercise_is_kept_in_the_progress(tmp_path, monkeypatch):
    (tmp_path / "lessons").mkdir()
    (tmp_path / "lessons" / "01-solve-me.yaml").write_text(LESSON)
    course = load_course([tmp_path / "lessons"])
    monkeypatch.setenv("VISUAL", editor_script(tmp_path, f'printf "%s" "{APPENDED}" >> "$1"'))
    monkeypatch.setenv("EDITOR", "/nonexistent/editor")  # VISUAL comes first
    app = make_app(course=course)
    async with app.run_test(size=SIZE) as pilot:
        no_suspend_needed(app)
        app.open_lesson(course.lessons[0], 1)
        await pilot.pause()
        screen = app.screen
        assert isinstance(screen, LessonScreen)
        await pilot.press("ctrl+l")  # works with the editor focused too
        await wait_for(pilot, lambda: screen.editor.text.endswith(APPENDED))
    saved = load_progress()[0].get_code("solve-me", 1)
    assert saved == course.lessons[0].steps[1].code + APPENDED


@pytest.mark.parametrize(
    "editor, words",
    [
        (None, "set VISUAL or EDITOR"),
        ("/nonexistent/editor --wait", "Could not start the editor"),
        ("false", "ended with code 1"),
    ],
)
async def test_without_a_usable_editor_one_sentence_says_how(monkeypatch, editor, words):
    monkeypatch.delenv("VISUAL", raising=False)
    if editor is None:
        monkeypatch.delenv("EDITOR", raising=False)
    else:
        monkeypatch.setenv("EDITOR", editor)
    app = make_app()
    async with app.run_test(size=SIZE) as pilot:
        no_suspend_needed(app)
        await open_first_run_step(pilot)
        screen = app.screen
        before = screen.editor.text
        said = told(app)
        await pilot.press("ctrl+l")
        await wait_for(pilot, lambda: said)
        assert len(said) == 1 and words in said[0], said
        assert screen.editor.text == before


async def test_a_terminal_that_cannot_suspend_is_told(monkeypatch):
    monkeypatch.setenv("EDITOR", "true")
    app = make_app()
    async with app.run_test(size=SIZE) as pilot:  # the headless driver cannot suspend
        await open_first_run_step(pilot)
        said = told(app)
        await pilot.press("ctrl+l")
        await wait_for(pilot, lambda: said)
        assert "cannot hand the screen" in said[0]


# --- copying, and letters for the F-keys ------------------------------------------------


async def test_ctrl_c_copies_when_nothing_runs_and_y_copies_the_output():
    from test_app_support import producer_consumer_events

    from tutor.app.output_view import STDOUT
    from tutor.runner.events import Stdout

    app = make_app()
    async with app.run_test(size=SIZE) as pilot:
        await open_first_run_step(pilot, lesson_index=1)
        screen = app.screen
        await pilot.press("f5")
        output = screen.run_pane.output
        await wait_for(pilot, lambda: not screen.running and output.pending == 0 and output.lines)
        index = next(i for i, line in enumerate(output.lines) if line.runner == "consumer")
        output.focus()
        output.select(index)
        await pilot.press("ctrl+c")
        await pilot.pause()
        assert app.clipboard == f"consumer | {output.lines[index].text}"

        await pilot.press("y")
        await pilot.pause()
        copied = app.clipboard.splitlines()
        said = [e for e in producer_consumer_events() if isinstance(e, Stdout)]
        stdout_lines = [line for line in copied if " | " in line]
        assert len(stdout_lines) == sum(line.kind == STDOUT for line in output.lines)
        for event, line in zip(said, stdout_lines, strict=True):
            runner, _, text = line.partition(" | ")
            assert (runner.strip(), text) == (event.runner, event.text.rstrip("\n"))
        assert "The program finished." in copied

        screen.editor.focus()
        screen.editor.select_all()
        await pilot.press("ctrl+c")  # the editor's own selection
        await pilot.pause()
        assert app.clipboard == screen.editor.text


async def test_letters_do_the_f_key_actions_where_the_editor_has_no_focus():
    from tutor.app.help_screen import HelpScreen

    runs: list = []
    app = make_app(runs=runs)
    async with app.run_test(size=SIZE) as pilot:
        await open_first_run_step(pilot)
        screen = app.screen
        step = screen.step_index
        code = screen.editor.text
        screen.editor.focus()
        await pilot.press("n")  # typed into the editor
        await pilot.pause()
        assert screen.step_index == step and screen.editor.text != code
        screen.editor.load_text(code)
        screen.run_pane.output.focus()
        await pilot.press("x")
        await wait_for(pilot, lambda: len(runs) == 1 and not screen.running)
        await pilot.press("n")
        await pilot.pause()
        assert screen.step_index == step + 1
        await pilot.press("p")
        await pilot.pause()
        assert screen.step_index == step
        dark = app.current_theme.dark
        await pilot.press("d")
        await pilot.pause()
        assert app.current_theme.dark != dark
        await pilot.press("l")
        await pilot.pause()
        assert app.lang == "zh"
        await pilot.press("question_mark")
        await pilot.pause()
        assert isinstance(app.screen, HelpScreen)


# --- Textual's own commands and themes ------------------------------------------------


async def test_palette_keeps_textuals_commands_and_any_theme_is_remembered():
    app = make_app()
    async with app.run_test(size=SIZE) as pilot:
        await open_first_run_step(pilot)
        titles = [command.title for command in app.get_system_commands(app.screen)]
        for title in ("Theme", "Keys", "Screenshot", "Run", "Light/dark"):
            assert title in titles, titles
        assert any(t.startswith("Open lesson") for t in titles)
        assert titles.count("Quit") == 1  # ours, in the learner's language
        app.screen.editor.focus()
        await pilot.pause()
        titles = [command.title for command in app.get_system_commands(app.screen)]
        assert "Maximize" in titles
        picked = next(
            name
            for name in sorted(app.available_themes)
            if "light" not in name and name not in ("textual-dark",)
        )
        app.theme = picked  # what Textual's theme picker does
        await pilot.pause()
        colors = app.screen.run_pane.runner_colors
        from textual.color import Color

        from tutor.app.colors import contrast

        assert colors.backgrounds  # the theme's, read from the output pane
        for background in colors.backgrounds:
            assert contrast(Color.parse(colors.color("main")), background) >= 4.5
    again = make_app()
    async with again.run_test(size=SIZE):
        assert again.theme == picked


# --- an author's lessons folder, watched ----------------------------------------------


def save_until(path, text: str, done):
    """A condition for wait_for: saves `text` to `path` every half second until `done()`
    (the watcher may start a moment after the app's first frame)."""
    import time

    last = [0.0]

    def check() -> bool:
        if done():
            return True
        if time.monotonic() - last[0] > 0.5:
            path.write_text(text)
            last[0] = time.monotonic()
        return False

    return check


async def test_a_changed_lesson_file_is_reloaded_at_the_same_step(tmp_path):
    from tutor.app.replay import replay

    folder = tmp_path / "lessons"
    folder.mkdir()
    lesson_file = folder / "01-solve-me.yaml"
    lesson_file.write_text(LESSON)
    app = TutorApp(lessons=str(folder), start_run=replay([]), reopen=False)
    async with app.run_test(size=SIZE) as pilot:
        app.open_lesson(app.course.lessons[0], 1)
        await pilot.pause()
        first = app.screen
        assert isinstance(first, LessonScreen) and first.step_index == 1
        changed = LESSON.replace("Make it print 1.", "Make it print 1 and then 2.")
        await wait_for(pilot, save_until(lesson_file, changed, lambda: app.screen is not first), 30)
        screen = app.screen
        assert isinstance(screen, LessonScreen) and screen.step_index == 1
        assert screen.lesson.steps[1].text("en") == "Make it print 1 and then 2."
        assert app.course.lessons[0] is screen.lesson

        said = told(app)  # broken now: the last good version stays, one sentence says why
        broken = changed.replace("steps:", "stepz:")
        await wait_for(pilot, save_until(lesson_file, broken, lambda: said), 30)
        assert "no longer loads" in said[0] and app.screen is screen
