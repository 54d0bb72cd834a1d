"""The exercise format, `coro-tutor exercise` (exit codes, JSON, the starting file) and
what `coro-tutor check` says about exercises."""

from __future__ import annotations

import json
import textwrap

import pytest

from tests.conftest import run_cli
from tutor.exercise_check import check_exercises
from tutor.lesson import load_lesson
from tutor.runner.events import Exit, Stdout

LESSON = """\
id: ex
title: {en: T, zh: T}
summary: {en: S, zh: S}
topic: {en: X, zh: X}
steps:
  - kind: read
    text: {en: r, zh: 读}
  - kind: exercise
    title: {en: Print two lines, zh: 打印两行}
    text: {en: Print a then b., zh: 先打印 a 再打印 b。}
    code: |
      print('a')
    solution: |
      print('a')
      print('b')
    hint: {en: Add a print., zh: 加一个 print。}
    checks:
      - returncode: 0
      - stdout: |
          a
          b
"""


EXERCISE_LINE = LESSON.splitlines().index("  - kind: exercise") + 1


def write(tmp_path, text: str = LESSON, name: str = "ex.yaml"):
    path = tmp_path / name
    path.write_text(text)
    return path


@pytest.mark.parametrize(
    "checks, message",
    [
        ("- {stdout: a, returncode: 0}", "a check has exactly one key"),
        ("- {}", "a check has exactly one key"),
        ("- switches: {}", "give `min`, `max` or both"),
        ("- switches: {min: 5, max: 2}", "`min` (5) is more than `max` (2)"),
        ("- overlap: [only]", "`overlap` needs at least 2 items"),
        ("- no_blocking: false", "`no_blocking` cannot be False"),
        ("- stdot: a", "unknown key `stdot` (allowed here: stdout, lines_in_order"),
    ],
)
def test_checks_are_strict_and_errors_name_the_line(tmp_path, checks, message):
    text = LESSON.replace("      - returncode: 0\n", "      " + checks + "\n")
    lesson, errors = load_lesson(write(tmp_path, text))
    assert lesson is None
    assert message in errors[0].message, errors[0]
    assert errors[0].line == text.splitlines().index("      " + checks) + 1


def test_exercise_needs_its_solution_and_checks(tmp_path):
    text = LESSON.replace("    solution: |\n      print('a')\n      print('b')\n", "")
    lesson, errors = load_lesson(write(tmp_path, text))
    assert lesson is None and "missing required key `solution`" in errors[0].message


def test_schema_describes_exercises():
    result = run_cli("schema")
    defs = json.loads(result.stdout)["$defs"]
    assert set(defs["ExerciseStep"]["required"]) >= {"code", "solution", "checks", "hint"}
    assert "no_blocking" in defs["Check"]["properties"]


@pytest.mark.slow
def test_cli_grades_a_file_with_exit_codes_and_json(tmp_path):
    lesson = write(tmp_path)
    start = run_cli("exercise", str(lesson), cwd=tmp_path)
    assert start.returncode == 0, start.stderr
    written = tmp_path / "ex-step2.py"
    assert written.read_text() == "print('a')\n"
    assert "coro-tutor exercise ex --step 2 ex-step2.py" in start.stdout

    bad = run_cli("exercise", str(lesson), "ex-step2.py", cwd=tmp_path)
    assert bad.returncode == 1
    lines = bad.stdout.splitlines()
    assert lines[0] == "✓ The program exited with code 0."
    assert lines[1] == "✗ The output stops after 1 line(s), but line 2 should be 'b'."
    assert lines[2] == "1 of 2 check(s) do not hold yet."

    written.write_text("print('a')\nprint('b')\n")
    good = run_cli("exercise", str(lesson), "--step", "2", "ex-step2.py", "--json", cwd=tmp_path)
    assert good.returncode == 0, good.stderr
    data = json.loads(good.stdout)
    from tutor import __version__

    assert data["version"] == __version__ and data["solved"] is True and data["step"] == 2
    assert [c["check"] for c in data["checks"]] == ["returncode", "stdout"]
    assert all(c["ok"] for c in data["checks"])
    assert data["checks"][1]["spec"] == "a\nb\n"
    assert data["exit"]["reason"] == "ok"

    report = json.loads(run_cli("progress", "--json", "--lessons", str(tmp_path)).stdout)
    row = next(r for r in report["lessons"] if r["id"] == "ex")
    assert (row["exercises"], row["solved"]) == (1, 1)

    again = run_cli("exercise", str(lesson), "--lang", "zh", cwd=tmp_path)
    assert "ex-step2.py 已经存在" in again.stdout
    assert written.read_text() == "print('a')\nprint('b')\n"  # never overwritten


def test_cli_usage_errors_exit_2(tmp_path):
    lesson = write(tmp_path)
    wrong_step = run_cli("exercise", str(lesson), "--step", "1", "x.py", cwd=tmp_path)
    assert wrong_step.returncode == 2
    assert "no exercise at step 1. Its exercises are at step(s): 2." in wrong_step.stderr
    missing = run_cli("exercise", str(lesson), "nope.py", cwd=tmp_path)
    assert missing.returncode == 2 and "No such file: nope.py." in missing.stderr
    assert run_cli("exercise", "no-such-lesson", cwd=tmp_path).returncode == 2


def _run(seq: int, lines: list[str], code: int = 0):
    events = [Stdout(seq=i, t=0.01 * i, runner="main", text=t) for i, t in enumerate(lines, 1)]
    reason = "ok" if code == 0 else "error"
    end = Exit(seq=99, t=0.5, returncode=code, reason=reason, message="", switches=0, dropped=0)
    return events + [end]


def test_check_judges_start_solution_and_flaky_checks(tmp_path):
    lesson, _ = load_lesson(write(tmp_path))
    solution = lesson.steps[1].solution
    calls = {"n": 0}

    def fake(request):  # the solution prints b only every other run
        assert request.filename == "ex_step2.py"
        if request.code != solution:
            return _run(1, ["a"])
        calls["n"] += 1
        return _run(1, ["a", "b"] if calls["n"] % 2 else ["a"])

    problems, exercises, runs = check_exercises([lesson], fake, runs=3, jobs=1)
    assert (exercises, runs) == (1, 6)
    assert [str(p) for p in problems] == [
        f"{lesson.path}:{EXERCISE_LINE}: check `stdout` is flaky: the `solution` passed it "
        "in 2 of 3 runs (The output stops after 1 line(s), but line 2 should be 'b'); "
        "loosen it or make the solution steadier"
    ]

    def start_passes(request):
        return _run(1, ["a", "b"])

    problems, _, _ = check_exercises([lesson], start_passes, runs=2, jobs=2)
    assert len(problems) == 1
    assert "the starting `code` passes every check (run 1 of 2)" in problems[0].message

    def solution_fails(request):
        return _run(1, ["a"], code=1)

    problems, _, _ = check_exercises([lesson], solution_fails, runs=1)
    assert [p.message for p in problems] == [
        "the `solution` fails check `returncode`: The program exited with code 1; "
        "it should exit with 0.",
        "the `solution` fails check `stdout`: The output stops after 1 line(s), but line 2 "
        "should be 'b'.",
    ]


@pytest.mark.slow
def test_check_command_runs_exercises(tmp_path):
    good = run_cli("check", str(write(tmp_path)), "--runs", "1")
    assert good.returncode == 0, good.stderr
    broken = LESSON.replace("      print('b')\n", "      print('c')\n")
    bad = run_cli("check", str(write(tmp_path, broken, "bad.yaml")), "--runs", "1")
    assert bad.returncode == 1
    assert (
        f"bad.yaml:{EXERCISE_LINE}: the `solution` fails check `stdout`: "
        "Line 2 of the output is 'c' but should be 'b'."
    ) in bad.stderr


def test_exercise_text_round_trips(tmp_path):
    lesson, _ = load_lesson(write(tmp_path))
    step = lesson.steps[1]
    assert step.text("zh") == "先打印 a 再打印 b。"
    assert textwrap.dedent(step.solution) == "print('a')\nprint('b')\n"


def test_solved_exercises_count_in_the_lesson_state():
    from tutor.progress import Progress

    progress = Progress()
    progress.set_position("ex", 0)
    progress.mark_complete("ex")
    assert progress.lesson_state("ex", 0) == "done"
    assert progress.lesson_state("ex", 0, exercises=[1]) == "in_progress"
    progress.record_exercise("ex", 1, solved=False)
    assert progress.unsolved_exercises() == [("ex", 1, 1)]
    assert progress.lesson_state("ex", 0, exercises=[1]) == "in_progress"
    progress.record_exercise("ex", 1, solved=True)
    assert progress.lesson_state("ex", 0, exercises=[1]) == "done"
    assert progress.unsolved_exercises() == []
