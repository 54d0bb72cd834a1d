"""Grade an exercise from a file you edited in your own editor (or get its starting code).

`coro-tutor exercise LESSON FILE` runs FILE in the sandbox as the lesson's exercise and
prints one line per check (✓ holds, ✗ does not, with what went wrong); the exit code is
0 when every check holds, 1 when one does not. `--json` prints the checks and their
results instead. Every grading counts in your progress, as in the tutor. Without FILE,
the exercise's starting code is written to LESSON-stepN.py in the current folder (never
over an existing file), with the command that grades it. `--step N` picks the exercise
when the lesson has several (the step number as the tutor shows it); a file named
LESSON-stepN.py picks its own step.
"""

from __future__ import annotations

import argparse
import re
import sys
from pathlib import Path

from tutor.commands.common import language, print_json, python_refusal
from tutor.lesson import ExerciseStep, Lesson
from tutor.strings import tr

USAGE_ERROR = 2
LATE_POSITIONAL = "file"
"""`coro-tutor exercise LESSON --step 2 FILE`: FILE may come after the option."""


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "lesson", metavar="LESSON", help="a lesson id, its number in `list`, or a file"
    )
    parser.add_argument(
        "file", metavar="FILE", nargs="?", help="your program (without it: write the start)"
    )
    parser.add_argument(
        "--step", type=int, metavar="N", help="the exercise's step number (as the tutor shows it)"
    )
    parser.add_argument("--json", action="store_true", help="print the grading as JSON")
    parser.add_argument("--hint", action="store_true", help="also print the exercise's hint")


def _step_from_name(lesson: Lesson, file: str | None) -> int | None:
    if file is None:
        return None
    m = re.fullmatch(re.escape(lesson.id) + r"-step(\d+)\.py", Path(file).name)
    return int(m[1]) if m else None


def choose_step(lesson: Lesson, step: int | None, lang: str) -> tuple[int | None, str | None]:
    """The 0-based index of the exercise to use, or None and a sentence saying why not."""
    indexes = [i for i, _ in lesson.exercises]
    if not indexes:
        return None, tr("exercise.none", lang, lesson=lesson.id)
    if step is None:
        return indexes[0], None
    if step - 1 in indexes:
        return step - 1, None
    steps = ", ".join(str(i + 1) for i in indexes)
    return None, tr("exercise.no_exercise", lang, lesson=lesson.id, step=step, steps=steps)


def grade_command(lesson: Lesson, index: int, file: str) -> str:
    return f"coro-tutor exercise {lesson.id} --step {index + 1} {file}"


def run(args: argparse.Namespace) -> int:
    from tutor.commands.cmd_quiz import find_lesson

    lang = language(args)
    lesson, error = find_lesson(args.lesson, args)
    if lesson is None:
        print(error, file=sys.stderr)
        return USAGE_ERROR
    wanted = args.step if args.step is not None else _step_from_name(lesson, args.file)
    index, error = choose_step(lesson, wanted, lang)
    if index is None:
        print(error, file=sys.stderr)
        return USAGE_ERROR
    step = _exercise_step(lesson, index)
    if args.file is None:
        return write_start(lesson, index, lang)
    refused = python_refusal(lesson, lang)
    if refused:
        print(refused, file=sys.stderr)
        return USAGE_ERROR
    path = Path(args.file)
    try:
        code = path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError):
        print(tr("exercise.no_file", lang, file=args.file), file=sys.stderr)
        return USAGE_ERROR
    from tutor.exercise import grade_code

    grading = grade_code(lesson, index, code, lang)
    remember(lesson, index, grading.solved)
    if args.json:
        out = {"lesson": lesson.id, "step": index + 1, "file": str(path), **grading.as_dict()}
        print_json(out, indent=2)
    else:
        for result in grading.results:
            print(f"{'✓' if result.ok else '✗'} {result.message}")
        if grading.solved:
            print(tr("exercise.solved", lang))
        else:
            total = len(grading.results)
            print(tr("exercise.failed", lang, failed=grading.failed, total=total))
            if args.hint:
                print(tr("exercise.hint", lang), step.hint(lang))
    return 0 if grading.solved else 1


def _exercise_step(lesson: Lesson, index: int) -> ExerciseStep:
    step = lesson.steps[index]
    if not isinstance(step, ExerciseStep):  # choose_step picks exercises only
        raise TypeError(f"step {index + 1} of {lesson.id} is not an exercise")
    return step


def remember(lesson: Lesson, index: int, solved: bool) -> None:
    """Count the grading in the learner's progress, as the TUI's Check does."""
    from tutor.progress import load_progress

    progress, _warning = load_progress()
    if progress.read_only is None:  # a newer tutor's file is left alone
        progress.record_exercise(lesson.id, index, solved)
        if not progress.save():
            print(progress.problem, file=sys.stderr)


def write_start(lesson: Lesson, index: int, lang: str) -> int:
    """Write the starting code to LESSON-stepN.py (never over the learner's own file)."""
    step = _exercise_step(lesson, index)
    name = f"{lesson.id}-step{index + 1}.py"
    path = Path(name)
    print(tr("exercise.goal", lang, step=index + 1, lesson=lesson.id, title=step.title(lang)))
    print()
    print(step.text(lang).strip())
    print()
    try:
        with path.open("x", encoding="utf-8") as out:
            out.write(step.code)
    except FileExistsError:
        print(tr("exercise.exists", lang, file=name))
    else:
        print(tr("exercise.wrote", lang, file=name))
    print(f"  {grade_command(lesson, index, name)}")
    return 0
