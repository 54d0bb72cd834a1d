"""Show your progress through the course, or clear it with --reset."""

from __future__ import annotations

import argparse
import sys

from tutor.commands.common import course_from, language, print_json
from tutor.strings import tr

TYPE_CHECKING = False
if TYPE_CHECKING:
    from typing import Any

    from tutor.progress import Progress

EVERYTHING = "\0every lesson"
"""--reset without a LESSON (a value no lesson id can be)."""

YES = ("y", "yes", "是", "好")


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--reset",
        nargs="?",
        const=EVERYTHING,
        metavar="LESSON",
        help="forget your progress: every lesson, or only LESSON (asks first)",
    )
    parser.add_argument("--yes", "-y", action="store_true", help="do not ask before --reset")
    parser.add_argument("--json", action="store_true", help="print the progress as JSON")


def run(args: argparse.Namespace) -> int:
    from tutor.progress import load_progress

    progress, warning = load_progress()
    if warning:
        print(warning, file=sys.stderr)
    lang = language(args, progress)
    if args.reset is not None:
        return reset(args, progress, lang)
    course = course_from(args)
    rows: list[dict[str, Any]] = []
    for lesson in course.lessons:
        quizzes = lesson.quiz_count
        first_try, answered = progress.score(lesson.id)
        exercises = [index for index, _ in lesson.exercises]
        rows.append(
            {
                "id": lesson.id,
                "state": progress.lesson_state(lesson.id, quizzes, exercises),
                "position": progress.position(lesson.id),
                "steps": len(lesson.steps),
                "quizzes": quizzes,
                "answered": answered,
                "right_first_try": first_try,
                "exercises": len(exercises),
                "solved": len(progress.solved_exercises(lesson.id) & set(exercises)),
            }
        )
    mistakes = progress.mistakes()
    if args.json:
        out = {
            "file": str(progress.path),
            "last_lesson": progress.last_lesson,
            "lessons": rows,
            "mistakes": [
                {
                    "lesson": m.lesson_id,
                    "step": m.step_index + 1,
                    "attempts": m.attempts,
                    "revealed": m.revealed,
                }
                for m in mistakes
            ],
            "unsolved_exercises": [
                {"lesson": lesson_id, "step": index + 1, "attempts": attempts}
                for lesson_id, index, attempts in progress.unsolved_exercises()
            ],
            "settings": progress.data.settings,
        }
        print_json(out)
        return 0
    for number, row in enumerate(rows, 1):
        score = f"{row['right_first_try']}/{row['quizzes']}" if row["quizzes"] else "-"
        solved = row["exercises"] and tr(
            "progress.exercises", lang, solved=row["solved"], total=row["exercises"]
        )
        state = tr(f"progress.state.{row['state']}", lang)
        print(
            tr(
                "progress.line",
                lang,
                number=number,
                id=row["id"],
                state=state,
                step=row["position"] + 1,
                steps=row["steps"],
                score=score,
                solved=solved or "",
            )
        )
    if progress.last_lesson:
        print(tr("progress.last", lang, id=progress.last_lesson))
    if mistakes:
        listed = ", ".join(
            tr("progress.mistake", lang, id=m.lesson_id, n=m.step_index + 1) for m in mistakes[:10]
        )
        more = tr("progress.more", lang, n=len(mistakes) - 10) if len(mistakes) > 10 else ""
        print(tr("progress.review", lang, listed=listed, more=more))
    print(tr("progress.kept", lang, path=progress.path))
    return 0


def reset(args: argparse.Namespace, progress: Progress, lang: str) -> int:
    """Forget every lesson's progress, or one lesson's, after asking (unless --yes)."""
    one = None if args.reset == EVERYTHING else args.reset
    if one is not None and one not in progress.data.lessons:
        known = course_from(args).get(one) is not None
        print(tr("progress.reset_nothing" if known else "progress.reset_unknown", lang, id=one))
        return 0 if known else 1
    what = (
        tr("progress.reset_what_one", lang, id=one) if one else tr("progress.reset_what_all", lang)
    )
    if not args.yes:
        if not sys.stdin.isatty():
            print(tr("progress.reset_needs_yes", lang, what=what), file=sys.stderr)
            return 1
        try:
            answer = input(tr("progress.reset_ask", lang, what=what) + " ")
        except EOFError:
            answer = ""
        if answer.strip().lower() not in YES:
            print(tr("progress.reset_kept", lang))
            return 1
    progress.reset(one)
    if not progress.save():
        print(progress.problem, file=sys.stderr)
        return 1
    print(tr("progress.reset_done", lang, what=what, path=progress.path))
    return 0
