"""`check` judging programs: from scripted runs (fast), and end to end with the real runner."""

from __future__ import annotations

import itertools
import textwrap
import threading

from tests.test_cli_fidelity import BLOCKING  # fetch#2 sleeps 0.3 s at line 5
from tests.test_quiz import HEAD, TEXTS, Events
from tutor.check import check_lessons
from tutor.lesson import load_lesson


def lesson_of(tmp_path, *steps: str, name="sample.yaml"):
    parts = []
    for step in steps:
        step = textwrap.dedent(step)
        if "kind: quiz" in step:
            step += textwrap.indent(textwrap.dedent(TEXTS), "  ")
        parts.append(textwrap.indent(step, "  "))
    path = tmp_path / name
    path.write_text(HEAD + "".join(parts))
    lesson, errors = load_lesson(path, name)
    assert not errors, errors
    return lesson


def fake(outputs: dict[str, list[list]]):
    """A run function: each program's code maps to the event lists its runs return in turn."""
    cycles = {code: itertools.cycle(runs) for code, runs in outputs.items()}
    lock = threading.Lock()

    def run(request):
        with lock:
            return next(cycles[request.code])

    return run


def lines(*texts, runner="main", reason="ok"):
    ev = Events()
    for text in texts:
        ev.out(runner, text)
    return ev.end(reason, 0 if reason == "ok" else 1)


def test_consistent_programs_pass(tmp_path):
    lesson = lesson_of(
        tmp_path,
        "- kind: run\n  code: A\n  expect: |\n    1\n    2\n",
        "- kind: quiz\n  quiz: predict_order\n  code: B\n  answer: [x, y]\n",
    )
    report = check_lessons([lesson], run=fake({"A": [lines("1", "2")], "B": [lines("x", "y")]}))
    assert report.problems == [] and report.runs == 6 and report.programs == 2
    assert "all consistent" in report.summary()


def test_output_differing_between_runs_is_reported_at_the_step_line(tmp_path):
    lesson = lesson_of(
        tmp_path, "- kind: read\n  text: {en: r, zh: r}\n", "- kind: run\n  code: A\n"
    )
    report = check_lessons(
        [lesson], run=fake({"A": [lines("1", "2"), lines("1", "2"), lines("2", "1")]})
    )
    assert [str(p) for p in report.problems] == [
        "sample.yaml:8: output differs between runs: line 1 is '1' from main in run 1 "
        "but '2' from main in run 3"
    ]


def test_expect_differs(tmp_path):
    lesson = lesson_of(tmp_path, "- kind: run\n  code: A\n  expect: |\n    1\n    3\n")
    report = check_lessons([lesson], run=fake({"A": [lines("1", "2")]}))
    assert [p.message for p in report.problems] == [
        "`expect` line 2 is '3' but the real run prints '2'"
    ]
    assert report.problems[0].line == 6


def test_failures_timeouts_and_runs_forever(tmp_path):
    lesson = lesson_of(
        tmp_path,
        "- kind: run\n  code: A\n",
        "- kind: run\n  code: B\n",
        "- kind: run\n  code: C\n  runs_forever: true\n",
        "- kind: run\n  code: D\n  runs_forever: true\n",
    )
    crash = (
        Events().out("main", "1").err("main", "ZeroDivisionError: division by zero").end("error", 1)
    )
    crash[-1].message = "The program raised ZeroDivisionError."
    report = check_lessons(
        [lesson],
        run=fake(
            {
                "A": [crash],
                "B": [lines("1", reason="timeout")],
                "C": [lines("1", reason="timeout")],
                "D": [lines("1")],
            }
        ),
    )
    messages = [p.message for p in report.problems]
    assert messages == [
        "the program failed: The program raised ZeroDivisionError. "
        "(ZeroDivisionError: division by zero)",
        "the program did not finish within 15 s",
        "a `runs_forever` program must run until stopped, but it ended (ok)",
    ]
    assert report.runs == 3 + 3 + 1 + 1


def test_quiz_key_problems(tmp_path):
    lesson = lesson_of(
        tmp_path,
        "- kind: quiz\n  quiz: next_switch\n  code: A\n  checkpoints:\n    - after: nope\n",
        "- kind: quiz\n  quiz: next_switch\n  code: B\n  checkpoints:\n    - after: go\n",
        "- kind: quiz\n  quiz: multiple_choice\n  code: C\n  options: [x, y]\n  key_line: 1\n"
        "  answer: y\n",
    )
    b1 = Events().out("main", "go").sw("main", "g1").out("g1", "hi").end()
    b2 = Events().out("main", "go").sw("main", "g2").out("g2", "hi").end()
    report = check_lessons(
        [lesson], run=fake({"A": [lines("go")], "B": [b1, b1, b2], "C": [lines("x")]})
    )
    messages = [p.message for p in report.problems]
    assert messages[0] == "next_switch quiz: checkpoint 1: the line 'nope' is never printed"
    assert messages[1].startswith("output differs between runs: line 2 is 'hi' from g1 in run 1")
    assert messages[2] == "the author's answer is 'y' but the real run makes it 'x'"


def test_a_runner_exception_becomes_a_problem(tmp_path):
    lesson = lesson_of(tmp_path, "- kind: run\n  code: A\n")

    def broken(request):
        raise RuntimeError("boom")

    report = check_lessons([lesson], run=broken)
    assert report.problems[0].message == "the program failed: the runner failed: RuntimeError: boom"


def test_a_lesson_for_a_newer_python_is_skipped_with_a_sentence(tmp_path):
    newer = lesson_of(tmp_path, "- kind: run\n  code: A\n", name="newer.yaml")
    newer.requires = ["python>=3.99"]
    ran = []

    def run(request):
        ran.append(request.code)
        return lines("1")

    said = []
    report = check_lessons([newer], run=run, progress=said.append)
    assert ran == [] and report.problems == [] and report.programs == 0
    assert said == report.skipped and "needs python>=3.99" in said[0]
    assert "1 lesson(s) skipped" in report.summary()
    newer.requires = ["python>=3.10"]
    assert check_lessons([newer], run=run, runs=1).skipped == [] and ran == ["A"]


def _run_step(code: str, *extra: str) -> str:
    return "- kind: run\n  code: |\n" + textwrap.indent(code, "    ") + "".join(extra)


def test_a_program_that_blocks_the_loop_must_say_so(tmp_path):
    """The real runner: an unmarked blocking step is reported with where it blocked; the
    same step marked `blocks: true` passes; a marked step that never blocks is reported."""
    unmarked = lesson_of(tmp_path, _run_step(BLOCKING), name="unmarked.yaml")
    marked = lesson_of(tmp_path, _run_step(BLOCKING, "  blocks: true\n"), name="marked.yaml")
    idle = BLOCKING.replace("time.sleep(0.3)", "await asyncio.sleep(0.3)")
    wrong = lesson_of(tmp_path, _run_step(idle, "  blocks: true\n"), name="wrong.yaml")
    report = check_lessons([unmarked, marked, wrong], runs=1)
    found = {p.path: p.message for p in report.problems}
    assert set(found) == {unmarked.path, wrong.path}, found
    assert found[unmarked.path].startswith("fetch#2 held the event loop for ")
    assert "at line 5 (time.sleep)" in found[unmarked.path]
    assert "`blocks: true`" in found[unmarked.path]
    assert found[wrong.path].startswith("the step says `blocks: true` but nothing held")


def test_a_lesson_sets_its_own_blocking_threshold(tmp_path):
    """`limits.block_ms` reaches the runner: 1000 ms lets a 0.3 s stretch pass, 0 turns the
    watch off, so neither lesson is reported."""
    for name, limit in (("slow.yaml", 1000), ("off.yaml", 0)):
        lesson = lesson_of(tmp_path, _run_step(BLOCKING), name=name)
        path = tmp_path / name
        path.write_text(path.read_text() + f"limits: {{block_ms: {limit}}}\n")
        lesson, errors = load_lesson(path, name)
        assert not errors and lesson is not None and lesson.block_ms == limit
        assert check_lessons([lesson], runs=1).problems == []
