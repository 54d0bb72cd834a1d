"""Quizzes: keys derived from real runs, and grading (headless: no textual here).

* `tutor.quiz.grading` — the quiz kinds, their keys (`prepare`) and `Grade`;
* `tutor.quiz.trace` — reading a run's events: trace rows, who runs after a pause;
* `tutor.quiz.cache` — real runs of quiz programs and their trace cache.

Typical use::

    events = trace_for(lesson, step_index)      # cached real run (or run_to_end)
    quiz = prepare(lesson, step_index, events)  # key + what to show; raises QuizKeyError
    grade = quiz.grade(answer, lang)            # answer: lines / runner(s) / option
"""

from __future__ import annotations

from tutor.lesson import Lesson
from tutor.quiz.cache import (
    cache_key,
    cached_trace,
    remember_trace,
    step_cache_key,
    store_trace,
    trace_for,
    trace_for_async,
)
from tutor.quiz.grading import (
    AnswerError,
    Grade,
    Quiz,
    QuizKeyError,
    author_key_problems,
    code_hash,
    prepare,
    quiz_steps,
)
from tutor.quiz.trace import TraceRow, exit_event, output_lines, trace_rows

__all__ = [
    "AnswerError",
    "Grade",
    "Quiz",
    "QuizKeyError",
    "TraceRow",
    "author_key_problems",
    "cache_key",
    "cached_trace",
    "code_hash",
    "exit_event",
    "load_quiz",
    "output_lines",
    "prepare",
    "quiz_steps",
    "remember_trace",
    "step_cache_key",
    "store_trace",
    "trace_for",
    "trace_for_async",
    "trace_rows",
]


def load_quiz(lesson: Lesson, step_index: int, use_cache: bool = True) -> Quiz:
    """Run (or recall) the step's program and derive its key. Raises QuizKeyError."""
    return prepare(lesson, step_index, trace_for(lesson, step_index, use_cache))
