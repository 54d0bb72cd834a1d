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

from tests.conftest import REPO
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
    ],
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
