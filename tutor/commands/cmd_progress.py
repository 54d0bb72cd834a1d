"""Show your progress through the course, or clear it with --reset."""

from __future__ import annotations

import argparse
import json
import sys

from tutor.commands.common import course_from

STATE_WORDS = {
    "en": {"new": "new", "in_progress": "started", "done": "done"},
    "zh": {"new": "未开始", "in_progress": "进行中", "done": "已完成"},
}


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--reset", action="store_true", help="forget every lesson and quiz result")
    parser.add_argument("--json", action="store_true", help="print the progress as JSON")


def run(args: argparse.Namespace) -> int:
    from tutor.progress import load_progress

    progress, warning = load_progress()
    if warning:
        print(warning, file=sys.stderr)
    if args.reset:
        progress.reset()
        if not progress.save():
            print(progress.problem, file=sys.stderr)
            return 1
        print(f"Progress cleared ({progress.path}).")
        return 0
    course = course_from(args)
    lang = args.lang or progress.get_setting("lang") or "en"
    words = STATE_WORDS.get(lang, STATE_WORDS["en"])
    rows = []
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
        json.dump(out, sys.stdout, ensure_ascii=False, indent=1)
        print()
        return 0
    for number, row in enumerate(rows, 1):
        score = f"{row['right_first_try']}/{row['quizzes']}" if row["quizzes"] else "-"
        solved = f"  exercises {row['solved']}/{row['exercises']}" if row["exercises"] else ""
        print(
            f"{number:2}. {row['id']:<28} {words[row['state']]:<8} step {row['position'] + 1}/"
            f"{row['steps']}  quizzes {score}{solved}"
        )
    if progress.last_lesson:
        print(f"Last lesson: {progress.last_lesson}")
    if mistakes:
        listed = ", ".join(f"{m.lesson_id} step {m.step_index + 1}" for m in mistakes[:10])
        more = f" and {len(mistakes) - 10} more" if len(mistakes) > 10 else ""
        print(f"To review: {listed}{more}.")
    print(f"Kept in {progress.path}")
    return 0
