"""Validate lesson files; report every problem as file:line: message and exit 1 if any."""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

from tutor.commands.common import language, paths_or_default
from tutor.lesson import LessonError, load_course
from tutor.strings import tr

TYPE_CHECKING = False
if TYPE_CHECKING:
    from tutor.lesson import Lesson


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "paths", nargs="*", metavar="PATH", help="lesson files or folders (default: the course)"
    )
    parser.add_argument(
        "--no-run", action="store_true", help="only validate the files; do not run the programs"
    )
    parser.add_argument("--runs", type=int, default=3, metavar="N", help="runs per program")
    parser.add_argument("--jobs", type=int, default=2, metavar="N", help="runs at once (default 2)")


def run(args: argparse.Namespace) -> int:
    course = load_course(paths_or_default(args.paths, args))
    lang = language(args)
    unfinished = placeholder_errors(course.lessons, lang)
    if unfinished:
        course.errors = sorted(course.errors + unfinished, key=lambda e: (e.path, e.line))
        names = {error.path for error in unfinished}
        course.lessons = [lesson for lesson in course.lessons if lesson.path not in names]
    for error in course.errors:
        print(error, file=sys.stderr)
    checked = len(course.lessons)
    if course.errors:
        print(
            tr("cli.check_problems", lang, problems=len(course.errors), valid=checked),
            file=sys.stderr,
        )
    elif not checked:
        print(tr("cli.check_none", lang), file=sys.stderr)
        return 1
    else:
        print(tr("cli.check_valid", lang, valid=checked))
    if args.no_run or not checked:
        return 1 if course.errors else 0
    return run_programs(course.lessons, args) or (1 if course.errors else 0)


def placeholder_errors(lessons: list[Lesson], lang: str) -> list[LessonError]:
    """A line still holding a `coro-tutor new` placeholder is an error, at that line."""
    from tutor.commands.cmd_new import placeholders
    from tutor.lesson_yaml import LoadError, read_lesson_text

    errors = []
    for lesson in lessons:
        try:
            text = read_lesson_text(Path(lesson.path))
        except LoadError:
            continue
        message = tr("check.placeholder", lang)
        errors += [LessonError(lesson.path, line, message) for line in placeholders(text)]
    return errors


def run_programs(lessons: list[Lesson], args: argparse.Namespace) -> int:
    """Run every program (tutor.check) and print its problems as file:line: message."""
    from tutor.check import check_lessons, runner_run
    from tutor.exercise_check import check_exercises

    def progress(line: str) -> None:
        print(line, file=sys.stderr, flush=True)

    started = time.monotonic()
    runs, jobs = max(1, args.runs), max(1, args.jobs)
    report = check_lessons(lessons, runs=runs, jobs=jobs, progress=progress)
    problems, exercises, made = check_exercises(lessons, runner_run, runs, jobs, progress)
    report.problems += problems
    report.programs += 2 * exercises
    report.runs += made
    report.seconds = time.monotonic() - started
    print(report.summary(), file=sys.stderr if report.problems else sys.stdout)
    return 1 if report.problems else 0
