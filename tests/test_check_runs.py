"""`coro-tutor check` and `coro-tutor quiz` with real runs through the runner."""

from __future__ import annotations

import json
import textwrap

import pytest

from tests.conftest import run_cli

LESSON = """\
id: real-runs
title: {en: T, zh: T}
summary: {en: S, zh: S}
topic: {en: X, zh: X}
steps:
  - kind: run
    code: |
      print('a')
      print('b')
    expect: |
      a
      b
  - kind: quiz
    quiz: predict_order
    code: |
      def task(name):
          print(name, 'step 1')
          yield
          print(name, 'step 2')
          yield

      a, b = task('a'), task('b')
      next(a); next(b); next(a); next(b)
    answer: [a step 1, b step 1, a step 2, b step 2]
    question: {en: Order?, zh: 顺序？}
    hint: {en: the hint, zh: 提示}
    explanation: {en: the rule, zh: 规则}
  - kind: quiz
    quiz: multiple_choice
    code: |
      def greet():
          print('hello from greet')
          yield

      g = greet()
      print('made the generator')
      next(g)
    options: ["hello from greet", "made the generator"]
    key_line: 1
    question: {en: First?, zh: 第一？}
    hint: {en: the hint, zh: 提示}
    explanation: {en: the rule, zh: 规则}
"""


def step_line(text: str, n: int) -> int:
    """The line of the n-th step (1-based) in a lesson text."""
    starts = [i for i, line in enumerate(text.splitlines(), 1) if line.startswith("  - kind:")]
    return starts[n - 1]


def write(tmp_path, text: str, name: str = "lesson.yaml"):
    path = tmp_path / name
    path.write_text(text)
    return path


@pytest.mark.slow
def test_check_passes_a_consistent_lesson_and_warms_the_cache(tmp_path, tutor_home):
    path = write(tmp_path, LESSON)
    result = run_cli("check", str(path))
    assert result.returncode == 0, result.stderr
    assert "Ran 3 program(s) of 1 lesson(s), 9 run(s)" in result.stdout
    assert len(list((tutor_home / "cache" / "traces").glob("*.jsonl"))) == 2
    answers = write(tmp_path, "2: [a step 1, b step 1, a step 2, b step 2]\n3: 2\n", "a.yaml")
    out = json.loads(run_cli("quiz", str(path), "--answers", str(answers)).stdout)
    assert (out["right"], out["graded"]) == (2, 2)


@pytest.mark.slow
def test_check_rejects_output_that_differs_between_runs(tmp_path):
    unstable = LESSON.replace(
        "print('b')\n", "print('b')\n      import os; print(os.urandom(8).hex())\n", 1
    )
    unstable = unstable.replace("    expect: |\n      a\n      b\n", "")
    path = write(tmp_path, unstable)
    result = run_cli("check", str(path))
    assert result.returncode == 1
    assert (
        f"{path}:{step_line(unstable, 1)}: output differs between runs: line 3 is '"
        in result.stderr
    )
    assert "1 problem(s)" in result.stderr


@pytest.mark.slow
def test_check_reports_expect_author_keys_and_failures(tmp_path):
    broken = (
        LESSON.replace("      a\n      b\n", "      a\n      c\n", 1)
        .replace(
            "answer: [a step 1, b step 1, a step 2, b step 2]",
            "answer: [a step 1, a step 2, b step 1, b step 2]",
        )
        .replace("      next(g)\n", "      next(g)\n      1 / 0\n")
    )
    path = write(tmp_path, broken)
    result = run_cli("check", str(path))
    assert result.returncode == 1
    lines = [line for line in result.stderr.splitlines() if line.startswith(str(path))]
    assert lines == [
        f"{path}:{step_line(broken, 1)}: `expect` line 2 is 'c' but the real run prints 'b'",
        f"{path}:{step_line(broken, 2)}: `answer` line 2 is 'a step 2' but the real run prints "
        "'b step 1' there",
        lines[2],
    ]
    assert lines[2].startswith(f"{path}:{step_line(broken, 3)}: the program failed: ")
    assert "ZeroDivisionError" in lines[2]


def test_check_no_run_only_validates(tmp_path):
    path = write(tmp_path, LESSON.replace("print('a')", "import os; print(os.urandom(4).hex())"))
    result = run_cli("check", "--no-run", str(path))
    assert result.returncode == 0 and "Ran" not in result.stdout + result.stderr


@pytest.mark.slow
def test_runs_forever_must_be_stopped_by_the_wall_limit(tmp_path):
    forever = textwrap.indent(
        textwrap.dedent(
            """\
            - kind: run
              runs_forever: true
              code: |
                while True:
                    pass
            - kind: run
              runs_forever: true
              code: print('done at once')
            """
        ),
        "  ",
    )
    text = LESSON + forever
    path = write(tmp_path, text)
    result = run_cli("check", "--runs", "1", str(path))
    assert result.returncode == 1
    lines = [line for line in result.stderr.splitlines() if line.startswith(str(path))]
    assert lines == [
        f"{path}:{step_line(text, 5)}: a `runs_forever` program must run until stopped, "
        "but it ended (ok)"
    ]


ASYNC_QUIZ = """\
id: real-switches
title: {en: T, zh: T}
summary: {en: S, zh: S}
topic: {en: X, zh: X}
steps:
  - kind: quiz
    quiz: next_switch
    code: |
      import asyncio

      async def worker(name, delay):
          print(name, 'starts')
          await asyncio.sleep(delay)
          print(name, 'ends')

      async def demo():
          a = asyncio.create_task(worker('slow', 0.2), name='slow')
          b = asyncio.create_task(worker('fast', 0.1), name='fast')
          print('tasks created')
          await asyncio.gather(a, b)
          print('all done')

      asyncio.run(demo())
    checkpoints:
      - {after: tasks created, answer: slow}
      - {after: slow starts, answer: fast}
      - {after: fast starts, answer: fast}
      - {after: fast ends, answer: slow}
      - {after: slow ends, answer: demo}
    question: {en: Who runs next?, zh: 接下来谁运行？}
    hint: {en: the hint, zh: 提示}
    explanation: {en: the rule, zh: 规则}
  - kind: quiz
    quiz: multiple_choice
    code: |
      def gen():
          print('inside')
          yield
      g = gen()
      print('outside')
      next(g)
    options: [main, gen]
    key_line: 2
    key_of: runner
    answer: gen
    question: {en: Who printed line 2?, zh: 第 2 行是谁打印的？}
    hint: {en: the hint, zh: 提示}
    explanation: {en: the rule, zh: 规则}
"""


@pytest.mark.slow
def test_next_switch_and_runner_keys_from_the_real_trace(tmp_path):
    path = write(tmp_path, ASYNC_QUIZ)
    result = run_cli("check", str(path))
    assert result.returncode == 0, result.stderr
    wrong = write(tmp_path, ASYNC_QUIZ.replace("answer: fast}", "answer: slow}", 1), "wrong.yaml")
    result = run_cli("check", "--runs", "1", str(wrong))
    assert result.returncode == 1
    assert (
        "checkpoint 2 ('slow starts'): the author's answer is 'slow' but the real run "
        "switches to 'fast'" in result.stderr
    )
    answers = write(tmp_path, "1: [slow, fast, slow, slow, demo]\n2: gen\n", "a.yaml")
    out = json.loads(run_cli("quiz", str(path), "--answers", str(answers)).stdout)
    switch, choice = out["results"]
    assert switch["right"] == [True, True, False, True, True] and switch["first_difference"] == 2
    assert {"slow", "fast", "demo"} <= set(switch["items"])
    assert choice["correct"] is True
