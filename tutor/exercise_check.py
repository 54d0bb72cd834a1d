"""`coro-tutor check` for exercise steps: the starting code must fail, the solution pass.

Each exercise's starting code and its solution run `runs` times (3 by default), two
runs at a time, graded by tutor.exercise exactly as a learner's code is. A problem is a
lesson error (``file:line: message``, the line of the step) when:

* the starting code passes every check in some run (the exercise would teach nothing);
* the solution fails a check in every run (the checks or the solution are wrong);
* a check holds in some runs of the solution and not in others: a flaky check, which
  would fail a correct learner at random (a `max_wall` set too tight, a race).
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from concurrent.futures import ThreadPoolExecutor

from tutor.exercise import Grading, grade_events
from tutor.lesson import ExerciseStep, Lesson, LessonError
from tutor.runner.events import Event, Exit

TYPE_CHECKING = False
if TYPE_CHECKING:
    from tutor.runner import RunRequest

RunFunction = Callable[["RunRequest"], Sequence[Event]]
"""A step's request -> the events of one run (tutor.check.runner_run)."""


def judge_exercise(
    step: ExerciseStep, starts: list[list[Event]], solutions: list[list[Event]]
) -> list[str]:
    """What is wrong with an exercise, given runs of its starting code and its solution."""
    messages = []
    for number, events in enumerate(starts, 1):
        if grade_events(step, events).solved:
            messages.append(
                f"the starting `code` passes every check (run {number} of {len(starts)}): "
                "the exercise teaches nothing; make it fail at least one check"
            )
            break
    gradings: list[Grading] = [grade_events(step, events) for events in solutions]
    unfinished = [g.results[0] for g in gradings if g.results[0].kind == "finished"]
    if unfinished:
        runs = f"{len(unfinished)} of {len(gradings)} runs"
        return messages + [f"the `solution` did not finish in {runs}: {unfinished[0].message}"]
    for position, check in enumerate(step.checks):
        held = [g.results[position].ok for g in gradings]
        if all(held):
            continue
        failing = next(g.results[position] for g in gradings if not g.results[position].ok)
        if any(held):
            why = failing.message.rstrip(".")
            messages.append(
                f"check `{check.kind}` is flaky: the `solution` passed it in {sum(held)} of "
                f"{len(held)} runs ({why}); loosen it or make the solution steadier"
            )
        else:
            messages.append(f"the `solution` fails check `{check.kind}`: {failing.message}")
    return messages


def _failed_run(exc: Exception) -> list[Event]:
    message = f"the runner failed: {type(exc).__name__}: {exc}"
    return [
        Exit(seq=0, t=0.0, returncode=-1, reason="error", switches=0, dropped=0, message=message)
    ]


def check_exercises(
    lessons: Sequence[Lesson],
    run: RunFunction,
    runs: int = 3,
    jobs: int = 2,
    progress: Callable[[str], None] | None = None,
) -> tuple[list[LessonError], int, int]:
    """Run and judge every exercise of `lessons`: (problems, exercises, runs made)."""
    from tutor.programs import program_request

    plan = [(lesson, index, step) for lesson in lessons for index, step in lesson.exercises]
    problems: list[LessonError] = []

    def one(lesson: Lesson, index: int, code: str) -> list[Event]:
        try:
            return list(run(program_request(lesson, index, code=code)))
        except Exception as exc:  # a runner bug must not hide the other lessons' results
            return _failed_run(exc)

    pool = ThreadPoolExecutor(max_workers=max(1, jobs), thread_name_prefix="check-exercise")
    try:
        futures = []
        for lesson, index, step in plan:
            starts = [pool.submit(one, lesson, index, step.code) for _ in range(runs)]
            solutions = [pool.submit(one, lesson, index, step.solution) for _ in range(runs)]
            futures.append((starts, solutions))
        for (lesson, index, step), (starts, solutions) in zip(plan, futures, strict=True):
            found = judge_exercise(
                step, [f.result() for f in starts], [f.result() for f in solutions]
            )
            line = lesson.step_lines[index] if index < len(lesson.step_lines) else 1
            for message in found:
                problems.append(LessonError(lesson.path, line, message))
                if progress:
                    progress(str(problems[-1]))
    except BaseException:  # Ctrl+C: run nothing more
        pool.shutdown(wait=False, cancel_futures=True)
        raise
    pool.shutdown()
    return problems, len(plan), 2 * runs * len(plan)
