"""Run every lesson program for `coro-tutor check` and report what is wrong with it.

Each run and quiz program runs `runs` times (3 by default), two at a time. A problem is
reported as ``file:line: message`` with the line of the step, when:

* the program fails or hits a limit (other than a `runs_forever` step, which is run once
  with a short wall limit and must be stopped by it);
* its output (lines and the runner that printed each) differs between runs;
* a run step's `expect` differs from the real output;
* a runner holds the event loop (a `block` event) in a program whose step does not say
  `blocks: true`, or a step that says so runs without one;
* a quiz has no usable key (a checkpoint line never printed, `key_line` past the end, ...),
  its key differs between runs, or the author's written key differs from the real one.

When every run of a quiz agrees, its trace is cached, so the TUI and `coro-tutor quiz`
do not run it again.
"""

from __future__ import annotations

import sys
import time
from collections.abc import Callable, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from tutor.lesson import Lesson, LessonError, QuizStep, RunStep
from tutor.programs import program_request
from tutor.quiz import (
    QuizKeyError,
    author_key_problems,
    exit_event,
    prepare,
    step_cache_key,
    store_trace,
)
from tutor.runner.events import Block, Event, Stderr, Stdout

if TYPE_CHECKING:
    from tutor.runner import RunRequest

RunFunction = Callable[["RunRequest"], Sequence[Event]]
"""A step's request -> the events of one run."""
FOREVER_WALL = 2.0


@dataclass
class Report:
    problems: list[LessonError] = field(default_factory=list)
    lessons: int = 0
    programs: int = 0
    runs: int = 0
    seconds: float = 0.0
    skipped: list[str] = field(default_factory=list)
    """One sentence per lesson not run because it needs a newer Python."""

    def summary(self) -> str:
        outcome = f"{len(self.problems)} problem(s)" if self.problems else "all consistent"
        skipped = f" {len(self.skipped)} lesson(s) skipped for this Python." if self.skipped else ""
        return (
            f"Ran {self.programs} program(s) of {self.lessons} lesson(s), {self.runs} run(s) "
            f"in {self.seconds:.1f} s: {outcome}.{skipped}"
        )


def runner_run(request: RunRequest) -> list[Event]:
    from tutor.runner import run_to_end

    return list(run_to_end(request))


def _rows(events: Sequence[Event]) -> list[tuple[str, str, str]]:
    return [
        ("stdout" if isinstance(e, Stdout) else "stderr", e.runner, e.line)
        for e in events
        if isinstance(e, (Stdout, Stderr))
    ]


def _failure(events: Sequence[Event], timeout: float) -> str | None:
    end = exit_event(events)
    if end is None:
        return "the run ended without an exit event (a runner problem)"
    if end.reason == "ok":
        return None
    if end.reason == "timeout":
        return f"the program did not finish within {timeout:g} s"
    last = next((e.line for e in reversed(events) if isinstance(e, Stderr) and e.line.strip()), "")
    detail = f" ({last.strip()})" if last and last.strip() not in (end.message or "") else ""
    return f"the program failed: {end.message or end.reason}{detail}"


def _first_difference(a: Sequence[object], b: Sequence[object]) -> int:
    for i, (x, y) in enumerate(zip(a, b, strict=False)):
        if x != y:
            return i
    return min(len(a), len(b))


def _show(row: tuple[str, str, str] | None) -> str:
    if row is None:
        return "nothing"
    kind, runner, text = row
    where = "" if kind == "stdout" else " on stderr"
    return f"{text!r} from {runner}{where}"


def _blocking(step: RunStep | QuizStep, runs: list[list[Event]], block_ms: int | None) -> str:
    """What is wrong with the `block` events of a step's runs ("" when nothing): a lesson
    that holds the event loop on purpose says so, and then does it in every run."""
    if block_ms == 0:
        return ""
    for number, events in enumerate(runs, 1):
        found = next((e for e in events if isinstance(e, Block)), None)
        run = f" in run {number} of {len(runs)}" if len(runs) > 1 else ""
        if found is not None and not step.blocks:
            where = f" at line {found.line}" if found.line else ""
            call = f" ({found.call})" if found.call else ""
            return (
                f"{found.runner} held the event loop for {found.ms} ms{where}{call}{run}: "
                "wait the loop's way (await asyncio.sleep, gevent.sleep), or mark the step "
                "`blocks: true` if blocking is its point"
            )
        if found is None and step.blocks:
            return (
                f"the step says `blocks: true` but nothing held the event loop{run}: "
                "remove `blocks`, or make the program block (e.g. time.sleep in a task)"
            )
    return ""


def _judge(lesson: Lesson, index: int, runs: list[list[Event]], timeout: float) -> list[str]:
    """Messages about one program, given its runs."""
    step = lesson.steps[index]
    assert isinstance(step, (RunStep, QuizStep))  # only steps with a program are judged
    if isinstance(step, RunStep) and step.runs_forever:
        end = exit_event(runs[0])
        if end is not None and end.reason == "timeout":
            return []
        how = end.reason if end else "no exit event"
        return [f"a `runs_forever` program must run until stopped, but it ended ({how})"]
    for number, events in enumerate(runs, 1):
        failure = _failure(events, timeout)
        if failure:
            return [failure + (f" in run {number} of {len(runs)}" if number > 1 else "")]
    blocking = _blocking(step, runs, lesson.block_ms)
    if blocking:
        return [blocking]
    messages = []
    first = _rows(runs[0])
    for number, events in enumerate(runs[1:], 2):
        other = _rows(events)
        if other != first:
            at = _first_difference(first, other)
            a = first[at] if at < len(first) else None
            b = other[at] if at < len(other) else None
            messages.append(
                f"output differs between runs: line {at + 1} is {_show(a)} in run 1 "
                f"but {_show(b)} in run {number}"
            )
            return messages
    if isinstance(step, RunStep) and step.expect is not None:
        expected = step.expect.rstrip("\n").split("\n") if step.expect.strip() else []
        real = [text for kind, _, text in first if kind == "stdout"]
        if expected != real:
            at = _first_difference(expected, real)
            want = repr(expected[at]) if at < len(expected) else "the end of the output"
            got = repr(real[at]) if at < len(real) else "the end of the output"
            messages.append(f"`expect` line {at + 1} is {want} but the real run prints {got}")
    if isinstance(step, QuizStep):
        keys = []
        for events in runs:
            try:
                keys.append(prepare(lesson, index, events))
            except QuizKeyError as exc:
                return messages + [f"{step.quiz} quiz: {exc}"]
        for number, quiz in enumerate(keys[1:], 2):
            if quiz.key != keys[0].key:
                messages.append(
                    f"the derived key differs between runs: {keys[0].key!r} in run 1, "
                    f"{quiz.key!r} in run {number}"
                )
                return messages
        messages += author_key_problems(keys[0])
        if not messages:
            store_trace(step_cache_key(lesson, index), runs[0])
    return messages


def check_lessons(
    lessons: Sequence[Lesson],
    runs: int = 3,
    jobs: int = 2,
    run: RunFunction | None = None,
    forever_wall: float = FOREVER_WALL,
    progress: Callable[[str], None] | None = None,
) -> Report:
    """Run every program of `lessons` and collect the problems."""
    run = run or runner_run
    report = Report(lessons=len(lessons))
    started = time.monotonic()
    plan: list[tuple[Lesson, int, float, int]] = []
    for lesson in lessons:
        need = lesson.python_too_old()
        if need:
            version = ".".join(map(str, sys.version_info[:3]))
            report.skipped.append(
                f"{lesson.path}: skipped: the lesson needs {need} and this is Python {version}; "
                "run check with a newer Python to test it."
            )
            if progress:
                progress(report.skipped[-1])
            continue
        for index, step in lesson.programs:
            forever = isinstance(step, RunStep) and step.runs_forever
            timeout = min(forever_wall, lesson.wall) if forever else lesson.wall
            plan.append((lesson, index, timeout, 1 if forever else runs))
    report.programs = len(plan)

    def one(job: tuple[Lesson, int, float, int], _: int) -> list[Event]:
        lesson, index, timeout, _n = job
        try:
            return list(run(program_request(lesson, index, timeout=timeout)))
        except Exception as exc:  # a runner bug must not hide the other lessons' results
            from tutor.runner.events import Exit

            return [
                Exit(
                    seq=0,
                    t=0.0,
                    returncode=-1,
                    reason="error",
                    switches=0,
                    dropped=0,
                    message=f"the runner failed: {type(exc).__name__}: {exc}",
                )
            ]

    pool = ThreadPoolExecutor(max_workers=max(1, jobs), thread_name_prefix="check")
    try:
        futures = [[pool.submit(one, job, n) for n in range(job[3])] for job in plan]
        for job, job_futures in zip(plan, futures, strict=True):
            lesson, index, timeout, _ = job
            results = [f.result() for f in job_futures]
            report.runs += len(results)
            line = lesson.step_lines[index] if index < len(lesson.step_lines) else 1
            for message in _judge(lesson, index, results, timeout):
                report.problems.append(LessonError(lesson.path, line, message))
                if progress:
                    progress(str(report.problems[-1]))
    except BaseException:  # Ctrl+C: run nothing more (the runs under way end with us)
        pool.shutdown(wait=False, cancel_futures=True)
        raise
    pool.shutdown()
    report.seconds = time.monotonic() - started
    return report
