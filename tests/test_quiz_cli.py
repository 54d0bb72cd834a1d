"""`coro-tutor quiz` and `coro-tutor progress` end to end, as subprocesses.

The quiz programs' traces are put in the cache first (as `check` does), so these tests
exercise the command, the grading and the progress file without running programs.
"""

from __future__ import annotations

import json
import subprocess
import sys

import pytest

from tests.conftest import REPO, run_cli
from tests.test_quiz import CHOICE, NEXT, ORDER, Events, make_lesson, order_events, producer_events
from tutor.commands.cmd_quiz import ui
from tutor.quiz import remember_trace
from tutor.strings import tr


def course(tmp_path):
    lesson = make_lesson(tmp_path, ORDER, NEXT, CHOICE)
    remember_trace(lesson, 0, order_events("[A] one", "[B] two", "[A] three"))
    remember_trace(lesson, 1, producer_events())
    remember_trace(lesson, 2, Events().out("main", "made the generator").out("g", "hi").end())
    return lesson, tmp_path / "sample.yaml"


def test_answers_file_prints_the_grading_as_json(tmp_path, tutor_home):
    lesson, path = course(tmp_path)
    answers = tmp_path / "answers.yaml"
    answers.write_text("1: ['[A] one', '[A] three', '[B] two']\n2: [consumer, main]\n3: 1\n")
    result = run_cli("quiz", str(path), "--answers", str(answers))
    assert result.returncode == 0, result.stderr
    out = json.loads(result.stdout)
    assert (out["lesson"], out["right"], out["graded"], out["quizzes"]) == ("sample", 2, 3, 3)
    order, switch, choice = out["results"]
    assert order["correct"] is False and order["first_difference"] == 1
    assert order["right"] == [True, False, False]
    assert order["key"] == ["[A] one", "[B] two", "[A] three"]
    assert order["explanation"] == "the rule" and order["hint"] == "the hint"
    assert [r["text"] for r in order["trace"] if r["kind"] == "stdout"] == order["key"]
    assert switch["correct"] is True and switch["key"] == ["consumer", "main"]
    assert [r.get("mark") for r in switch["trace"] if r.get("mark")] == [
        "checkpoint 1",
        "checkpoint 2",
    ]
    answered = [(r["runner"], r["answer"]) for r in switch["trace"] if r.get("answer")]
    assert answered == [("main -> consumer", "answer 1"), ("consumer -> main", "answer 2")]
    assert choice["correct"] is True and choice["answer"] == "made the generator"

    progress = json.loads(run_cli("progress", "--json", "--lessons", str(tmp_path)).stdout)
    row = progress["lessons"][0]
    assert (row["id"], row["state"], row["answered"], row["right_first_try"]) == (
        "sample",
        "done",
        3,
        2,
    )
    assert progress["mistakes"] == [
        {"lesson": "sample", "step": 1, "attempts": 1, "revealed": False}
    ]


def test_answers_as_a_json_list_with_skips_and_bad_answers(tmp_path, tutor_home):
    _, path = course(tmp_path)
    answers = tmp_path / "answers.json"
    answers.write_text(json.dumps([None, "main", "no such option"]))
    result = run_cli("quiz", str(path), "--answers", str(answers), "--lang", "zh")
    assert result.returncode == 0, result.stderr
    out = json.loads(result.stdout)
    skipped, switch, choice = out["results"]
    assert skipped == {"step": 1, "step_index": 0, "kind": "predict_order", "skipped": True}
    assert switch["error"].startswith("bad answer: give one runner for each of the 2 pauses")
    assert choice["error"] == "bad answer: 'no such option' is not one of the choices"
    assert out["graded"] == 0 and out["lang"] == "zh"


def test_bad_answers_file_and_unknown_lesson(tmp_path):
    _, path = course(tmp_path)
    answers = tmp_path / "answers.yaml"
    answers.write_text("7: main\n")
    result = run_cli("quiz", str(path), "--answers", str(answers))
    assert result.returncode == 1
    assert "7 is not a quiz step number (the quizzes are steps 1, 2, 3)" in result.stderr
    result = run_cli("quiz", "no-such-lesson", "--lessons", str(tmp_path))
    assert result.returncode == 1 and "No lesson 'no-such-lesson'" in result.stderr


def test_interactive_quiz_from_stdin(tmp_path, tutor_home):
    lesson, path = course(tmp_path)
    from tutor.quiz import load_quiz

    shuffled = load_quiz(lesson, 0).items
    right_order = " ".join(str(shuffled.index(x) + 1) for x in ["[A] one", "[B] two", "[A] three"])
    # quiz 1: a wrong order (the shuffled one), try again, the right one;
    # quiz 2: hint, then main (wrong), then reveal after;
    # quiz 3: option 1
    stdin = "1 2 3\nt\n" + right_order + "\n?\n1\n1\nr\n1\n"
    result = subprocess.run(
        [sys.executable, "-m", "tutor", "quiz", str(path)],
        input=stdin,
        capture_output=True,
        text=True,
        cwd=REPO,
        timeout=60,
    )
    assert result.returncode == 0, result.stderr
    out = result.stdout
    assert "Quiz 1 of 3 (step 1)" in out and "Not quite." in out and "first difference" in out
    assert "Right." in out and "Hint: the hint" in out
    t = ui("en")
    assert t["pause_wrong"].format(runner="consumer", answer="main") in out
    assert "your answer: main · right answer: consumer" in out  # labelled, not colour alone
    assert tr("quiz.rule", "en") in out  # the rule the key is derived by, stated
    # the trace marks the event that answered the pause: the switch after the checkpoint
    assert "~ switch main -> consumer (send)   <- answers pause 1" in out
    assert "The answer:" in out and "Why: the rule" in out
    assert "Score: 1 of 3 right." in out
    progress = json.loads(run_cli("progress", "--json", "--lessons", str(tmp_path)).stdout)
    assert progress["lessons"][0]["answered"] == 3
    assert {m["step"] for m in progress["mistakes"]} == {2}


@pytest.mark.slow
def test_eof_stops_quietly_and_progress_reset(tmp_path, tutor_home):
    _, path = course(tmp_path)
    result = subprocess.run(
        [sys.executable, "-m", "tutor", "quiz", str(path)],
        input="",
        capture_output=True,
        text=True,
        cwd=REPO,
        timeout=60,
    )
    assert result.returncode == 0 and "Traceback" not in result.stderr
    answers = tmp_path / "a.yaml"
    answers.write_text("3: 2\n")
    run_cli("quiz", str(path), "--answers", str(answers))
    shown = run_cli("progress", "--lessons", str(tmp_path))
    assert "sample" in shown.stdout and "To review: sample step 3." in shown.stdout
    assert run_cli("progress", "--reset", "--yes").returncode == 0
    after = json.loads(run_cli("progress", "--json", "--lessons", str(tmp_path)).stdout)
    assert after["lessons"][0]["state"] == "new" and after["mistakes"] == []


def test_a_corrupt_progress_file_is_reported_in_one_sentence(tmp_path, tutor_home):
    (tutor_home / "progress.json").write_text('{"version": 1, "lessons": {')
    result = run_cli("progress", "--lessons", str(tmp_path))
    assert result.returncode == 0
    assert result.stderr.strip().startswith("Your progress file was damaged; it was moved aside")
    assert len(result.stderr.strip().splitlines()) == 1


def test_quiz_refuses_a_lesson_for_a_newer_python_with_a_sentence(tmp_path):
    make_lesson(tmp_path, NEXT)
    path = tmp_path / "sample.yaml"
    path.write_text(path.read_text().replace("steps:", "requires: [python>=3.99]\nsteps:", 1))
    result = run_cli("quiz", str(path), "--lang", "en")
    assert result.returncode == 1
    assert "needs python>=3.99" in result.stderr and "newer Python" in result.stderr
    assert "Traceback" not in result.stderr
