"""The course's exercises: enough of them, and graded by behaviour, not by the text of
one reference answer (other correct programs pass, plausible wrong ones fail)."""

from __future__ import annotations

import pytest

from tests.conftest import LESSONS
from tutor.exercise import grade_code
from tutor.lesson import ExerciseStep, load_course

COURSE = load_course([LESSONS])


def exercise(lesson_id: str, title_word: str) -> tuple:
    lesson = COURSE.get(lesson_id)
    assert lesson is not None, lesson_id
    for index, step in lesson.exercises:
        if title_word in step.title.en:
            return lesson, index, step
    raise AssertionError(f"no exercise titled with {title_word!r} in {lesson_id}")


def edited(text: str, *changes: tuple[str, str]) -> str:
    for old, new in changes:
        assert old in text, old
        text = text.replace(old, new)
    return text


def test_at_least_15_exercises_in_12_lessons_with_every_text_in_both_languages():
    found = [(lesson, step) for lesson in COURSE.lessons for _, step in lesson.exercises]
    assert len(found) >= 15
    assert len({lesson.id for lesson, _ in found}) >= 12
    for lesson, step in found:
        assert isinstance(step, ExerciseStep)
        for text in (step.title, step.text, step.hint):
            assert text.en.strip() and text.zh.strip() and text.en != text.zh, lesson.id
        # the exercise is appended after the lesson's reading, runs and quizzes
        assert lesson.steps.index(step) > max(i for i, _ in lesson.programs), lesson.id


SEQUENTIAL = ("results = await asyncio.gather(*(fetch(name, 0.6) for name in ('a', 'b', 'c')))",)
CASES = [
    # (lesson, exercise title word, program built from the solution, should pass)
    ("generators-and-send", "prime", [("next(avg)", "avg.send(None)")], True),
    ("generators-and-send", "prime", [("next(avg)", "pass")], False),
    (
        "asyncio-tasks",
        "wait for each other",
        [
            (
                SEQUENTIAL[0],
                "tasks = [asyncio.create_task(fetch(n, 0.6)) for n in 'abc']\n"
                "    results = [await t for t in tasks]",
            )
        ],
        True,
    ),
    (
        "asyncio-tasks",
        "wait for each other",
        [
            (
                SEQUENTIAL[0],
                "results = [await asyncio.create_task(fetch(n, 0.6)) for n in 'abc']",
            )
        ],
        False,
    ),
    ("asyncio-tasks", "runs away", [("maxsize=3", "maxsize=1")], True),
    ("asyncio-tasks", "runs away", [("maxsize=3", "maxsize=2")], True),
    ("asyncio-tasks", "runs away", [("maxsize=3", "maxsize=4")], False),
    (
        "asyncio-tasks",
        "swallowed",
        [
            (
                "    except asyncio.CancelledError:\n        print('worker: cleaning up')\n"
                "        raise  # clean up, then let the cancellation go on\n",
                "    finally:\n        print('worker: cleaning up')\n",
            )
        ],
        True,
    ),
    (
        "asyncio-tasks",
        "swallowed",
        [("raise  # clean up, then let the cancellation go on", "return None")],
        False,
    ),
    (
        "asyncio-tasks",
        "forgotten",
        [("await asyncio.gather(*tasks)", "await asyncio.sleep(0.3)")],
        True,
    ),
    (
        "asyncio-tasks",
        "forgotten",
        [("await asyncio.gather(*tasks)", "await asyncio.sleep(0)")],
        False,
    ),
    (
        "yield-from",
        "drops send",
        [
            (
                "total = yield from summer()",
                "inner = summer()\n    x = next(inner)\n    while True:\n"
                "        try:\n            x = inner.send((yield x))\n"
                "        except StopIteration as done:\n            total = done.value\n"
                "            break",
            )
        ],
        True,
    ),
    ("pools-and-timeouts", "without a limit", [("Pool(2)", "Pool(size=2)")], True),
    ("pools-and-timeouts", "without a limit", [("Pool(2)", "Pool(3)")], False),
    ("pools-and-timeouts", "without a limit", [("Pool(2)", "Pool(1)")], False),
    (
        "gevent-basics",
        "never run",
        [("gevent.joinall(workers)", "[w.join() for w in workers]")],
        True,
    ),
    (
        "gevent-basics",
        "never run",
        [
            (
                "workers = [gevent.spawn(worker, name, delay) for name, delay in "
                "(('a', 0.2), ('b', 0.1))]",
                "workers = [gevent.spawn(worker, name, delay).join() for name, delay in "
                "(('a', 0.2), ('b', 0.1))]",
            ),
            ("gevent.joinall(workers)", "pass"),
        ],
        False,
    ),
]


@pytest.mark.slow
@pytest.mark.parametrize(
    "lesson_id, word, changes, passes",
    CASES,
    ids=[f"{c[0]}-{c[1]}-{'right' if c[3] else 'wrong'}-{i}" for i, c in enumerate(CASES)],
)
def test_other_programs_grade_by_what_they_do(lesson_id, word, changes, passes):
    lesson, index, step = exercise(lesson_id, word)
    program = edited(step.solution, *changes)
    grading = grade_code(lesson, index, program)
    assert grading.solved == passes, [(r.ok, r.message) for r in grading.results]
