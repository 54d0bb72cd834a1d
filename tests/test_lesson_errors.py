"""A malformed lesson is reported as `file:line: message`, with the real line, never a traceback."""

from __future__ import annotations

import pytest

from tests.conftest import run_cli
from tutor.lesson import load_course, load_lesson

GOOD = """\
id: sample
title: {en: Sample, zh: 示例}
summary: {en: A sample lesson., zh: 一个示例课程。}
topic: {en: Tests, zh: 测试}
steps:
  - kind: read
    text: {en: Hello., zh: 你好。}
  - kind: run
    code: |
      print('hi')
  - kind: quiz
    quiz: predict_order
    code: |
      print('a')
      print('b')
    question: {en: Order them., zh: 排序。}
    hint: {en: Top to bottom., zh: 从上到下。}
    explanation: {en: Plain order., zh: 顺序执行。}
"""

# (what to replace in GOOD, replacement, expected line, expected message)
BROKEN = [
    (
        "    text: {en: Hello., zh: 你好。}",
        "    text: {en: Hello.}",
        7,
        "missing the `zh` text (every text needs both en and zh)",
    ),
    (
        "  - kind: read",
        "  - kind: reed",
        6,
        "unknown step kind 'reed' (expected read, run, quiz or exercise)",
    ),
    (
        "topic: {en: Tests, zh: 测试}",
        "topic: {en: Tests, zh: 测试}\ncolour: blue",
        5,
        "unknown key `colour` (allowed here: id, title, summary, topic, steps, requires, limits)",
    ),
    (
        "    code: |\n      print('hi')",
        "    code: 42",
        9,
        "`code` should be text, not a whole number",
    ),
    (
        "  - kind: run\n    code: |\n      print('hi')\n",
        "  - kind: run\n    title: {en: x, zh: y}\n",
        8,
        "missing `code`: every run step and quiz needs a program",
    ),
    (
        "    quiz: predict_order\n    code: |\n      print('a')\n      print('b')\n",
        "    quiz: predict_order\n",
        11,
        "missing `code`: every run step and quiz needs a program",
    ),
    (
        "    quiz: predict_order",
        "    quiz: guess_the_number",
        12,
        "unknown quiz kind 'guess_the_number' "
        "(expected predict_order, next_switch or multiple_choice)",
    ),
    (
        "id: sample",
        "id: Sample Lesson",
        1,
        "`id` must be lowercase letters, digits and dashes (like `yield-from`)",
    ),
    ("title: {en: Sample, zh: 示例}", "title: {en: Sample, zh: ''}", 2, "`zh` is empty"),
    (
        "steps:",
        "requires: [twisted]\nsteps:",
        5,
        "unknown requirement 'twisted' (expected greenlet, gevent or python>=3.N)",
    ),
    (
        "steps:",
        "requires: [gevent, python>=three]\nsteps:",
        5,
        "unknown requirement 'python>=three' (expected greenlet, gevent or python>=3.N)",
    ),
    (
        "      print('hi')\n",
        "      print('hi')\n    watch: {en: the order}\n",
        11,
        "missing the `zh` text (every text needs both en and zh)",
    ),
    (
        "    hint: {en: Top to bottom., zh: 从上到下。}",
        "    hint: {en: Top to bottom., zh: 从上到下。}\n    hint: {en: again, zh: 再来}",
        18,
        "duplicate key `hint`",
    ),
    (
        "    quiz: predict_order",
        "    quiz: multiple_choice\n    options: [a, b]",
        11,
        "a multiple_choice quiz needs `key_line` (the output line that decides it)",
    ),
    (
        "    text: {en: Hello., zh: 你好。}",
        "    text: {en: Hello., zh: 你好。\n",
        9,
        "not valid YAML: did not find expected ',' or '}' "
        "(while parsing a flow mapping that starts on line 7)",
    ),
    (
        "summary: {en: A sample lesson., zh: 一个示例课程。}\n",
        "",
        1,
        "missing required key `summary`",
    ),
    (
        "steps:\n",
        "steps: []\nold_steps:\n",
        5,
        "`steps` is empty: a lesson needs at least one step",
    ),
    (
        "    hint: {en: Top to bottom., zh: 从上到下。}",
        "    hint: {en: Top to bottom., zh: 从上到下。}\n    tip: x",
        18,
        "unknown key `tip` (allowed here: quiz, code, question, hint, explanation, options, "
        "key_line, key_of, checkpoints, answer, blocks)",
    ),
    (
        "    text: {en: Hello., zh: 你好。}",
        "    text: {en: Hello., zh: 你好。, fr: Bonjour.}",
        7,
        "unknown key `fr` (allowed here: en, zh)",
    ),
]


@pytest.mark.parametrize(("old", "new", "line", "message"), BROKEN, ids=[b[3][:40] for b in BROKEN])
def test_each_mistake_is_reported_at_its_line(tmp_path, old, new, line, message):
    assert old in GOOD
    path = tmp_path / "broken.yaml"
    path.write_text(GOOD.replace(old, new, 1), encoding="utf-8")
    lesson, errors = load_lesson(path, "lessons/broken.yaml")
    assert lesson is None
    assert str(errors[0]) == f"lessons/broken.yaml:{line}: {message}"
    assert len(errors) == 1 or "old_steps" in new  # that case leaves a second unknown key


def test_every_error_of_a_file_is_reported_in_line_order(tmp_path):
    broken = (
        GOOD.replace("id: sample", "id: Bad Id\ncolour: blue")
        .replace("  - kind: read", "  - kind: reed")
        .replace("    code: |\n      print('hi')", "    code: 42")
        .replace("    quiz: predict_order", "    quiz: guess")
        .replace("topic: {en: Tests, zh: 测试}\n", "")
    )
    (tmp_path / "broken.yaml").write_text(broken, encoding="utf-8")
    result = run_cli("check", "--no-run", "broken.yaml", cwd=tmp_path)
    assert result.returncode == 1
    lines = [line for line in result.stderr.splitlines() if line.startswith("broken.yaml:")]
    assert [line.split(":", 2)[2].strip().split(" ")[0] for line in lines] == [
        "missing",
        "`id`",
        "unknown",
        "unknown",
        "`code`",
        "unknown",
    ]
    numbers = [int(line.split(":")[1]) for line in lines]
    assert numbers == sorted(numbers) and numbers[0] == 1


def test_the_good_lesson_loads(tmp_path):
    path = tmp_path / "good.yaml"
    path.write_text(GOOD, encoding="utf-8")
    lesson, errors = load_lesson(path)
    assert errors == []
    assert lesson.id == "sample" and len(lesson.steps) == 3
    assert lesson.step_lines == [6, 8, 11]


def test_duplicate_ids_across_files_are_an_error(tmp_path):
    (tmp_path / "a.yaml").write_text(GOOD, encoding="utf-8")
    (tmp_path / "b.yaml").write_text("# a copy\n" + GOOD, encoding="utf-8")
    course = load_course([tmp_path])
    assert [lesson.id for lesson in course.lessons] == ["sample"]
    assert len(course.errors) == 1
    error = course.errors[0]
    assert error.path.endswith("b.yaml") and error.line == 2
    assert error.message.startswith("duplicate id `sample` (also used by ")


def test_a_lesson_that_is_not_a_mapping(tmp_path):
    path = tmp_path / "list.yaml"
    path.write_text("- just\n- a list\n", encoding="utf-8")
    _, errors = load_lesson(path, "list.yaml")
    assert [str(e) for e in errors] == [
        "list.yaml:1: a lesson file must be a mapping (id:, title:, steps: ...)"
    ]


def test_check_lists_every_error_and_exits_1(tmp_path):
    (tmp_path / "good.yaml").write_text(GOOD, encoding="utf-8")
    (tmp_path / "bad1.yaml").write_text(
        GOOD.replace("id: sample", "id: one\nextra: 1"), encoding="utf-8"
    )
    (tmp_path / "bad2.yaml").write_text(
        GOOD.replace("  - kind: read", "  - kind: reed"), encoding="utf-8"
    )
    result = run_cli("check", "--no-run", str(tmp_path), cwd=tmp_path)
    assert result.returncode == 1
    lines = result.stderr.splitlines()
    assert "bad1.yaml:2: unknown key `extra`" in lines[0]
    assert lines[1] == (
        "bad2.yaml:6: unknown step kind 'reed' (expected read, run, quiz or exercise)"
    )
    assert "Traceback" not in result.stderr


def test_unreadable_yaml_never_gives_a_traceback(tmp_path):
    (tmp_path / "tabs.yaml").write_text("id: x\n\tsteps: []\n", encoding="utf-8")
    result = run_cli("check", "--no-run", str(tmp_path / "tabs.yaml"), cwd=tmp_path)
    assert result.returncode == 1
    assert result.stderr.startswith("tabs.yaml:2: not valid YAML: ")
    assert "Traceback" not in result.stderr


@pytest.mark.parametrize("text", ["", "# only a comment\n"])
def test_empty_file(tmp_path, text):
    path = tmp_path / "empty.yaml"
    path.write_text(text, encoding="utf-8")
    assert [str(e) for e in load_lesson(path, "empty.yaml")[1]] == [
        "empty.yaml:1: the file is empty"
    ]


def test_schema_describes_the_format():
    result = run_cli("schema")
    assert result.returncode == 0
    import json

    schema = json.loads(result.stdout)
    lesson = schema["$defs"]["Lesson"]
    assert set(lesson["required"]) == {"id", "title", "summary", "topic", "steps"}
    assert "path" not in lesson["properties"]
    run_step = schema["$defs"]["RunStep"]["properties"]
    assert "watch" in run_step and "watch" not in schema["$defs"]["QuizStep"]["properties"]
