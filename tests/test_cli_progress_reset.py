"""`progress --reset` asks first (or takes --yes), and `--reset LESSON` clears one lesson."""

from __future__ import annotations

import os
import pty
import subprocess
import sys

import pytest

from tests.conftest import REPO, run_cli
from tutor.progress import load_progress
from tutor.strings import tr


@pytest.fixture
def two_lessons(tutor_home):
    progress, _ = load_progress()
    progress.record_answer("producer-consumer", 2, True, "x")
    progress.record_answer("yield-from", 3, False, "y")
    progress.set_setting("theme", "light")
    assert progress.save()


def states() -> dict[str, bool]:
    progress, _ = load_progress()
    return {
        lesson: progress.lesson_state(lesson, 9) != "new"
        for lesson in ("producer-consumer", "yield-from")
    }


def on_a_terminal(*args: str, answer: str) -> tuple[int, str]:
    """Run coro-tutor with a pseudo-terminal as its stdin/stdout, typing `answer`."""
    leader, follower = pty.openpty()
    child = subprocess.Popen(
        [sys.executable, "-m", "tutor", *args],
        cwd=REPO,
        stdin=follower,
        stdout=follower,
        stderr=follower,
        env=os.environ.copy(),
    )
    os.close(follower)
    os.write(leader, answer.encode() + b"\n")
    output = b""
    while True:
        try:
            chunk = os.read(leader, 4096)
        except OSError:
            break
        if not chunk:
            break
        output += chunk
    os.close(leader)
    return child.wait(timeout=30), output.decode("utf-8", "replace")


def test_reset_without_a_terminal_needs_yes(two_lessons):
    result = run_cli("progress", "--reset")
    assert result.returncode == 1
    what = tr("progress.reset_what_all", "en")
    assert result.stderr.strip() == tr("progress.reset_needs_yes", "en", what=what)
    assert states() == {"producer-consumer": True, "yield-from": True}


def test_reset_yes_erases_everything_but_the_settings(two_lessons):
    result = run_cli("progress", "--reset", "--yes")
    assert result.returncode == 0, result.stderr
    assert states() == {"producer-consumer": False, "yield-from": False}
    assert load_progress()[0].get_setting("theme") == "light"


def test_reset_one_lesson(two_lessons):
    result = run_cli("progress", "--reset", "yield-from", "--yes")
    assert result.returncode == 0, result.stderr
    assert states() == {"producer-consumer": True, "yield-from": False}


def test_reset_an_unknown_lesson_says_so(two_lessons):
    result = run_cli("progress", "--reset", "no-such-lesson", "--yes")
    assert result.returncode == 1
    assert result.stdout.strip() == tr("progress.reset_unknown", "en", id="no-such-lesson")
    assert states() == {"producer-consumer": True, "yield-from": True}


@pytest.mark.parametrize(("answer", "erased"), [("n", False), ("", False), ("y", True)])
def test_reset_asks_on_a_terminal(two_lessons, answer, erased):
    rc, output = on_a_terminal("progress", "--reset", "producer-consumer", answer=answer)
    what = tr("progress.reset_what_one", "en", id="producer-consumer")
    assert tr("progress.reset_ask", "en", what=what) in output
    assert rc == (0 if erased else 1)
    assert states() == {"producer-consumer": not erased, "yield-from": True}
