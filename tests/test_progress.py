"""Progress: the public API, atomic writes under kill -9, corrupt and newer files."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import textwrap
import time

import pytest

from tests.conftest import REPO, run_cli
from tutor.progress import SCHEMA_VERSION, load_progress


def test_empty_state_and_round_trip(tutor_home):
    progress, warning = load_progress()
    assert warning is None
    assert progress.lesson_state("a", 2) == "new"
    assert progress.position("a") == 0
    assert progress.last_lesson is None
    progress.set_position("a", 3)
    progress.record_answer("a", 2, False, ["x", "y"])
    progress.record_answer("a", 2, True, ["y", "x"])
    progress.set_setting("lang", "zh")
    assert progress.save()
    assert (tutor_home / "progress.json").exists()

    again, warning = load_progress()
    assert warning is None
    assert again.position("a") == 3
    assert again.last_lesson == "a"
    assert again.get_setting("lang") == "zh"
    assert again.get_setting("theme", "dark") == "dark"
    result = again.quiz_result("a", 2)
    assert (result.attempts, result.correct, result.first_try) == (2, True, False)
    assert result.answer == ["y", "x"]
    assert again.lesson_state("a", 2) == "in_progress"
    again.record_answer("a", 4, True, "main")
    assert again.lesson_state("a", 2) == "done"
    assert again.score("a") == (1, 2)
    assert again.quiz_result("a", 9) is None


def test_mistakes_and_reveal(tutor_home):
    progress, _ = load_progress()
    progress.record_answer("b", 1, False, "gen")
    progress.record_answer("a", 3, True, "main")
    progress.record_reveal("a", 5)
    mistakes = progress.mistakes()
    assert [(m.lesson_id, m.step_index) for m in mistakes] == [("a", 5), ("b", 1)]
    assert mistakes[0].revealed and mistakes[1].answer == "gen"
    progress.record_answer("b", 1, True, "main")
    assert [(m.lesson_id, m.step_index) for m in progress.mistakes()] == [("a", 5)]


def test_reset_keeps_settings(tutor_home):
    progress, _ = load_progress()
    progress.set_setting("lang", "zh")
    progress.record_answer("a", 1, True, None)
    progress.reset()
    assert progress.save()
    again, _ = load_progress()
    assert again.lesson_state("a", 1) == "new"
    assert again.get_setting("lang") == "zh"


@pytest.mark.parametrize(
    "garbage",
    [
        b"",
        b"{",
        b"\x00\xff\xfe garbage",
        b"[1, 2, 3]",
        b'{"version": "x"}',
        b'{"version": 1, "lessons": {"a": {"position": "nine"}}}',
        b'{"lessons": {"a": {"quizzes": {"1": {"attempts": 1',
        b'{"lessons": ' + b"[" * 100_000 + b"]" * 100_000 + b"}",
        b"[" * 100_000,
    ],
    ids=lambda garbage: repr(garbage[:20]),
)
def test_garbage_file_is_moved_aside(tutor_home, garbage):
    (tutor_home / "progress.json").write_bytes(garbage)
    progress, warning = load_progress()
    assert warning and "moved aside" in warning and warning.count(".") <= 3
    assert progress.lesson_state("a", 1) == "new"
    aside = list(tutor_home.glob("progress.json.corrupt-*"))
    assert len(aside) == 1 and aside[0].read_bytes() == garbage
    assert not (tutor_home / "progress.json").exists()
    progress.record_answer("a", 1, True, None)
    assert progress.save()
    assert load_progress()[1] is None


def test_newer_schema_is_not_overwritten(tutor_home):
    newer = {
        "version": SCHEMA_VERSION + 1,
        "last_lesson": "a",
        "future": [1],
        "lessons": {"a": {"position": 2, "hologram": True}},
    }
    path = tutor_home / "progress.json"
    path.write_text(json.dumps(newer))
    progress, warning = load_progress()
    assert warning and "newer" in warning
    assert progress.position("a") == 2 and progress.last_lesson == "a"
    progress.record_answer("a", 1, True, None)
    assert progress.save() is False
    assert progress.problem == warning
    assert json.loads(path.read_text()) == newer


def test_unwritable_folder_gives_a_sentence(tutor_home, tmp_path):
    blocker = tmp_path / "file"
    blocker.write_text("x")
    from tutor.progress import Progress

    progress = Progress(path=blocker / "progress.json")
    assert progress.save() is False
    assert progress.problem.startswith("Could not save")


WRITER = textwrap.dedent(
    """
    import sys
    from tutor.progress import load_progress
    progress, warning = load_progress()
    assert warning is None, warning
    n = progress.get_setting("n", 0)
    print("ready", flush=True)
    while True:
        n += 1
        progress.set_setting("n", n)
        progress.set_setting("pad", "x" * (n % 5000))   # sizes change: truncation would show
        progress.record_answer("lesson", n % 7, n % 2 == 0, list(range(n % 50)))
        progress.save()
    """
)


@pytest.mark.slow
def test_kill_9_during_writes_leaves_old_or_new_state(tutor_home):
    env = {**os.environ, "CORO_TUTOR_HOME": str(tutor_home)}
    last = 0
    for round_ in range(6):
        child = subprocess.Popen(
            [sys.executable, "-c", WRITER], env=env, cwd=REPO, stdout=subprocess.PIPE, text=True
        )
        assert child.stdout.readline() == "ready\n"
        time.sleep(0.05 + 0.07 * round_)
        child.send_signal(signal.SIGKILL)
        child.wait()
        child.stdout.close()
        progress, warning = load_progress()
        assert warning is None, warning
        n = progress.get_setting("n")
        assert n is not None and n >= last
        assert progress.get_setting("pad") == "x" * (n % 5000)
        last = n
    assert last > 0
    assert not list(tutor_home.glob("progress.json.corrupt-*"))


def test_a_file_nested_100k_deep_is_moved_aside_by_every_command(tutor_home):
    deep = b'{"lessons": {"a": ' + b"[" * 100_000 + b"]" * 100_000 + b"}}"
    (tutor_home / "progress.json").write_bytes(deep)
    result = run_cli("progress")
    assert result.returncode == 0, result.stderr
    assert "Traceback" not in result.stderr and "moved aside" in result.stderr
    assert [p.read_bytes() for p in tutor_home.glob("progress.json.corrupt-*")] == [deep]


async def test_the_tui_starts_beside_a_file_nested_100k_deep(tutor_home):
    from tests.test_app_support import fixed_course
    from tutor.app.main import TutorApp

    (tutor_home / "progress.json").write_bytes(b"[" * 100_000 + b"]" * 100_000)
    app = TutorApp(course=fixed_course(), reopen=False)
    async with app.run_test(size=(100, 30)) as pilot:
        await pilot.pause()
        assert app.is_running
        assert "moved aside" in app.progress_warning


def test_changes_merge_with_what_another_process_saved(tutor_home):
    mine, _ = load_progress()
    theirs, _ = load_progress()
    mine.record_answer("a", 1, True, "x")
    mine.save_code("a", 2, "print('mine')")
    theirs.record_answer("a", 1, False, "y")
    theirs.record_answer("b", 3, True, "z")
    theirs.set_setting("lang", "zh")
    assert theirs.save() and mine.save()
    merged, warning = load_progress()
    assert warning is None
    assert merged.quiz_result("a", 1).attempts == 2
    assert merged.quiz_result("b", 3).correct
    assert merged.get_setting("lang") == "zh"
    assert merged.get_code("a", 2) == "print('mine')"
    assert mine.quiz_result("b", 3).correct  # a save also brings the other's changes in


def test_edited_code_and_exercises_per_step(tutor_home):
    progress, _ = load_progress()
    assert progress.get_code("a", 1) is None
    progress.save_code("a", 1, "print(1)")
    progress.save_code("a", 4, "print(4)")
    assert progress.record_exercise("a", 4, False).attempts == 1
    assert progress.record_exercise("a", 4, True).solved
    assert progress.record_exercise("a", 4, False).solved  # once solved, it stays solved
    assert progress.save()
    again, _ = load_progress()
    assert again.get_code("a", 1) == "print(1)"
    assert again.solved_exercises("a") == {4} and again.exercise_result("a", 4).attempts == 3
    again.clear_code("a", 1)
    assert again.save()
    final, _ = load_progress()
    assert final.get_code("a", 1) is None and final.get_code("a", 4) == "print(4)"


def test_reset_one_lesson_keeps_the_others(tutor_home):
    progress, _ = load_progress()
    progress.record_answer("a", 1, True)
    progress.record_answer("b", 1, True)
    progress.reset("a")
    assert progress.save()
    again, _ = load_progress()
    assert again.lesson_state("a", 1) == "new" and again.lesson_state("b", 1) == "done"


def test_eight_quiz_processes_at_once_keep_all_eight_answers(tmp_path, tutor_home):
    from tests.test_quiz_cli import course

    lesson, path = course(tmp_path)
    answers = tmp_path / "answers.yaml"
    answers.write_text("2: [consumer, main]\n")
    env = {**os.environ, "CORO_TUTOR_HOME": str(tutor_home)}
    children = [
        subprocess.Popen(
            [sys.executable, "-m", "tutor", "quiz", str(path), "--answers", str(answers)],
            cwd=REPO,
            env=env,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.PIPE,
        )
        for _ in range(8)
    ]
    for child in children:
        assert child.wait(timeout=120) == 0, child.stderr.read()
        child.stderr.close()
    progress, warning = load_progress()
    assert warning is None
    assert progress.quiz_result(lesson.id, 1).attempts == 8


def test_the_tuis_next_save_keeps_what_quiz_recorded(tmp_path, tutor_home):
    from tests.test_quiz_cli import course

    lesson, path = course(tmp_path)
    tui, _ = load_progress()  # the TUI loads at launch and keeps its copy
    answers = tmp_path / "answers.yaml"
    answers.write_text("3: 1\n")
    assert run_cli("quiz", str(path), "--answers", str(answers)).returncode == 0
    tui.set_position(lesson.id, 2)
    assert tui.save()
    again, _ = load_progress()
    assert again.quiz_result(lesson.id, 2).attempts == 1
    assert again.position(lesson.id) == 2
