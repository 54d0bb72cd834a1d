"""Quiz keys and grading, from hand-built event lists (no runs here)."""

from __future__ import annotations

import textwrap

import pytest

from tutor.lesson import load_lesson
from tutor.quiz import AnswerError, QuizKeyError, author_key_problems, prepare
from tutor.runner.events import Cap, Exit, Start, Stderr, Stdout, Switch

HEAD = """\
id: sample
title: {en: T, zh: T}
summary: {en: S, zh: S}
topic: {en: X, zh: X}
steps:
"""
TEXTS = """\
    question: {en: Q?, zh: 问?}
    hint: {en: the hint, zh: 提示}
    explanation: {en: the rule, zh: 规则}
"""


def make_lesson(tmp_path, *steps: str):
    body = HEAD + "".join(textwrap.indent(textwrap.dedent(s), "  ") + TEXTS for s in steps)
    path = tmp_path / "sample.yaml"
    path.write_text(body)
    lesson, errors = load_lesson(path)
    assert not errors, errors
    return lesson


class Events:
    """Builds an event list with increasing seq numbers."""

    def __init__(self) -> None:
        self.events = [Start(seq=0, t=0.0, isolation="basic", python="3.11.7")]

    def out(self, runner: str, text: str) -> Events:
        self.events.append(Stdout(seq=len(self.events), t=0.0, runner=runner, text=text))
        return self

    def err(self, runner: str, text: str) -> Events:
        self.events.append(Stderr(seq=len(self.events), t=0.0, runner=runner, text=text))
        return self

    def sw(self, a: str, b: str, via: str = "send") -> Events:
        self.events.append(Switch(seq=len(self.events), t=0.0, from_=a, to=b, via=via))
        return self

    def cap(self) -> Events:
        self.events.append(Cap(seq=len(self.events), t=0.0, after=len(self.events)))
        return self

    def end(self, reason: str = "ok", code: int = 0) -> list:
        self.events.append(
            Exit(
                seq=len(self.events),
                t=0.0,
                returncode=code,
                reason=reason,
                message="",
                switches=0,
                dropped=0,
            )
        )
        return self.events


ORDER = """\
- kind: quiz
  quiz: predict_order
  code: print(1)
"""


def order_events(*lines):
    ev = Events()
    for line in lines:
        ev.out("main", line)
    return ev.end()


def test_predict_order_shuffle_is_deterministic_and_differs(tmp_path):
    lesson = make_lesson(tmp_path, ORDER)
    events = order_events("a", "b", "c", "d")
    one = prepare(lesson, 0, events)
    two = prepare(lesson, 0, events)
    assert one.key == ["a", "b", "c", "d"]
    assert one.items == two.items and sorted(one.items) == one.key and one.items != one.key


def test_predict_order_right_and_wrong(tmp_path):
    quiz = prepare(make_lesson(tmp_path, ORDER), 0, order_events("a", "b", "c"))
    grade = quiz.grade(["a", "b", "c"])
    assert grade.correct and grade.first_difference is None and grade.right == [True] * 3
    assert grade.explanation == "the rule" and grade.hint == "the hint"
    assert [r.text for r in grade.trace if r.kind == "stdout"] == ["a", "b", "c"]
    wrong = quiz.grade(["a", "c", "b"], lang="zh")
    assert not wrong.correct and wrong.first_difference == 1 and wrong.right == [True, False, False]
    assert wrong.explanation == "规则"
    # numbers are 1-based positions in the shuffled list
    numbers = [quiz.items.index(x) + 1 for x in ["a", "b", "c"]]
    assert quiz.grade(numbers).correct


def test_predict_order_duplicates_are_interchangeable(tmp_path):
    quiz = prepare(make_lesson(tmp_path, ORDER), 0, order_events("tick", "x", "tick", "y"))
    assert sorted(quiz.items) == sorted(["tick", "x", "tick", "y"])
    assert quiz.grade(["tick", "x", "tick", "y"]).correct
    wrong = quiz.grade(["x", "tick", "tick", "y"])
    assert wrong.first_difference == 0 and wrong.right == [False, False, True, True]
    # choosing the same numbered duplicate twice is fine as long as the texts match
    first_tick = quiz.items.index("tick") + 1
    answer = [first_tick, quiz.items.index("x") + 1, first_tick, quiz.items.index("y") + 1]
    assert quiz.grade(answer).correct


@pytest.mark.parametrize(
    "answer", [["a", "b"], ["a", "b", "b"], ["a", "b", "z"], "abc", [0, 1, 2], [9, 1, 2]]
)
def test_predict_order_malformed_answers(tmp_path, answer):
    quiz = prepare(make_lesson(tmp_path, ORDER), 0, order_events("a", "b", "c"))
    with pytest.raises(AnswerError):
        quiz.grade(answer)


def test_predict_order_needs_two_different_lines(tmp_path):
    with pytest.raises(QuizKeyError, match="two different lines"):
        prepare(make_lesson(tmp_path, ORDER), 0, order_events("same", "same"))


def test_failed_run_gives_no_key(tmp_path):
    ev = Events().out("main", "a").out("main", "b").err("main", "Traceback").end("error", 1)
    with pytest.raises(QuizKeyError, match="did not end normally"):
        prepare(make_lesson(tmp_path, ORDER), 0, ev)


def test_author_order_checked(tmp_path):
    lesson = make_lesson(tmp_path, ORDER + "  answer: [a, c, b]\n")
    quiz = prepare(lesson, 0, order_events("a", "b", "c"))
    assert author_key_problems(quiz) == ["`answer` line 2 is 'c' but the real run prints 'b' there"]
    lesson = make_lesson(tmp_path, ORDER + "  answer: [a, b, c]\n")
    assert author_key_problems(prepare(lesson, 0, order_events("a", "b", "c"))) == []


NEXT = """\
- kind: quiz
  quiz: next_switch
  code: print(1)
  checkpoints:
    - after: "[PRODUCER] ready"
    - after: "[CONSUMER] got 1"
      answer: consumer
"""


def producer_events():
    return (
        Events()
        .sw("main", "consumer", "send")
        .sw("consumer", "main", "yield")
        .out("main", "[PRODUCER] ready")
        .sw("main", "consumer", "send")
        .out("consumer", "[CONSUMER] got 1")
        .sw("consumer", "main", "yield")
        .out("main", "[PRODUCER] done")
        .end()
    )


def test_next_switch_key_and_step_predict(tmp_path):
    quiz = prepare(make_lesson(tmp_path, NEXT), 0, producer_events())
    assert quiz.key == ["consumer", "main"]
    assert quiz.items == ["main", "consumer"]
    assert quiz.context_lines(0) == [("main", "[PRODUCER] ready")]
    assert quiz.context_lines(1)[-1] == ("consumer", "[CONSUMER] got 1")
    assert quiz.grade(["consumer", "main"]).correct
    grade = quiz.grade([1, 2])  # main, consumer
    assert grade.right == [False, False] and grade.first_difference == 0
    marks = [row.mark for row in grade.trace if row.mark]
    assert marks == ["checkpoint 1", "checkpoint 2"]
    assert any(row.kind == "switch" and row.runner == "main -> consumer" for row in grade.trace)
    assert author_key_problems(quiz) == [
        "checkpoint 2 ('[CONSUMER] got 1'): the author's answer is 'consumer' "
        "but the real run switches to 'main'"
    ]
    with pytest.raises(AnswerError):
        quiz.grade("main")  # two checkpoints need two answers
    with pytest.raises(AnswerError):
        quiz.grade(["main", "nobody"])


def test_next_switch_same_runner_carries_on_and_missing_lines(tmp_path):
    lesson = make_lesson(tmp_path, NEXT)
    ev = (
        Events()
        .out("main", "[PRODUCER] ready")
        .out("main", "more")
        .sw("main", "g")
        .out("g", "[CONSUMER] got 1")
        .end()
    )
    with pytest.raises(QuizKeyError, match="nothing runs after"):
        prepare(lesson, 0, ev)
    ev = Events().out("main", "[PRODUCER] ready").out("main", "more").end()
    with pytest.raises(
        QuizKeyError, match=r"checkpoint 2: the line '\[CONSUMER\] got 1' is never printed"
    ):
        prepare(lesson, 0, ev)
    ev = (
        Events()
        .out("main", "[PRODUCER] ready")
        .out("main", "x")
        .sw("main", "g")
        .out("g", "[CONSUMER] got 1")
        .out("g", "y")
        .end()
    )
    assert prepare(lesson, 0, ev).key == ["main", "g"]


def test_next_switch_grades_the_very_next_switch_and_marks_it(tmp_path):
    """Lesson 14 step 7 pause 1: main -> outer -> inner; `outer` gets control next, even
    though it only passes control on (the trace shown beside the grade says so too)."""
    lesson = make_lesson(tmp_path, NEXT.replace("      answer: consumer\n", ""))
    ev = (
        Events()
        .out("main", "[PRODUCER] ready")
        .sw("main", "outer", "greenlet")
        .sw("outer", "inner", "greenlet")
        .out("inner", "[CONSUMER] got 1")
        .sw("inner", "hub", "greenlet")
        .sw("hub", "main", "greenlet")
        .out("main", "end")
        .end()
    )
    quiz = prepare(lesson, 0, ev)
    assert quiz.key == ["outer", "hub"]
    assert quiz.items == ["main", "outer", "inner", "hub"]
    assert not quiz.grade(["inner", "main"]).right[0]
    trace = quiz.grade(["outer", "hub"]).trace
    answered = [(row.runner, row.answer) for row in trace if row.answer]
    assert answered == [("main -> outer", "answer 1"), ("inner -> hub", "answer 2")]
    # every answer is the first switch or output line after its pause
    for pause, answer in zip(quiz.checkpoint_events, quiz.answer_events, strict=True):
        between = quiz.events[pause + 1 : answer]
        assert not any(isinstance(e, (Stdout, Stderr, Switch)) for e in between)


def test_next_switch_occurrence_and_cap(tmp_path):
    step = """\
    - kind: quiz
      quiz: next_switch
      code: print(1)
      checkpoints:
        - {after: tick, occurrence: 2}
    """
    lesson = make_lesson(tmp_path, textwrap.dedent(step))
    ev = Events().out("a", "tick").sw("a", "b").out("b", "tick").sw("b", "c").out("c", "x").end()
    assert prepare(lesson, 0, ev).key == ["c"]
    capped = Events().out("a", "tick").cap().out("b", "tick").sw("b", "c").end()
    with pytest.raises(QuizKeyError, match="capped"):
        prepare(lesson, 0, capped)
    capped = Events().out("a", "tick").sw("a", "b").out("b", "tick").cap().out("c", "x").end()
    with pytest.raises(QuizKeyError, match="capped before the answer"):
        prepare(lesson, 0, capped)


CHOICE = """\
- kind: quiz
  quiz: multiple_choice
  code: print(1)
  options: ["made the generator", "hello from greet"]
  key_line: 1
"""


def test_multiple_choice_by_line_and_runner(tmp_path):
    lesson = make_lesson(
        tmp_path,
        CHOICE,
        CHOICE.replace("key_line: 1", "key_line: 2\n  key_of: runner").replace(
            '["made the generator", "hello from greet"]', "[main, greet]"
        ),
    )
    ev = (
        Events()
        .out("main", "made the generator")
        .sw("main", "greet", "next")
        .out("greet", "hello from greet")
        .end()
    )
    quiz = prepare(lesson, 0, ev)
    assert quiz.key == "made the generator" and quiz.items == [
        "made the generator",
        "hello from greet",
    ]
    assert quiz.grade(1).correct and quiz.grade("made the generator").correct
    grade = quiz.grade(2)
    assert not grade.correct and grade.first_difference == 0 and grade.trace == []
    assert prepare(lesson, 1, ev).key == "greet"
    with pytest.raises(AnswerError):
        quiz.grade(3)
    assert quiz.reveal().correct and quiz.reveal().revealed


def test_multiple_choice_key_problems(tmp_path):
    lesson = make_lesson(
        tmp_path,
        CHOICE,
        CHOICE.replace("key_line: 1", "key_line: 5"),
        CHOICE + '  answer: "hello from greet"\n',
    )
    ev = Events().out("main", "something else").end()
    with pytest.raises(QuizKeyError, match="none of the options"):
        prepare(lesson, 0, ev)
    with pytest.raises(QuizKeyError, match="prints 1 line"):
        prepare(lesson, 1, ev)
    ev = Events().out("main", "made the generator").end()
    assert author_key_problems(prepare(lesson, 2, ev)) == [
        "the author's answer is 'hello from greet' but the real run makes it 'made the generator'"
    ]


def test_the_paused_line_is_the_print_that_wrote_the_checkpoint():
    from tutor.quiz.source import printing_line

    code = textwrap.dedent(
        """\
        def work(n):
            print(f'work {n}: start')
            print('work', n, 'end', sep='-')
        print('main:', 1)
        work(1)
        print('main:', 2)
        for i in range(2):
            print('tick')
            print('tick', i)
            print('tick', -i)
        """
    )
    ev = (
        Events()
        .out("main", "main: 1")
        .out("work", "work 1: start")
        .out("work", "work-1-end")
        .out("main", "main: 2")
        .out("main", "tick")
        .out("main", "tick 0")
        .end()
    )
    lines = [printing_line(code, ev, i) for i in range(1, 7)]
    # two module-level prints match "main: ..."; the n-th output comes from the n-th;
    # "tick 0" matches two prints inside a loop: unknown, not guessed
    assert lines == [4, 2, 3, 6, 8, None]
    assert printing_line("print(", ev, 1) is None  # code that does not parse
