"""List the lessons of the course, in order."""

from __future__ import annotations

import argparse
import json
import sys

from tutor.commands.common import course_from, language


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--json", action="store_true", help="print a JSON list, one object per lesson"
    )


def run(args: argparse.Namespace) -> int:
    course = course_from(args)
    if args.json:
        json.dump(
            [lesson.summary_dict() for lesson in course.lessons],
            sys.stdout,
            ensure_ascii=False,
            indent=1,
        )
        print()
    else:
        lang = language(args)
        for number, lesson in enumerate(course.lessons, 1):
            needs = f"  [needs {', '.join(lesson.requires)}]" if lesson.requires else ""
            print(
                f"{number:2}. {lesson.id:<28} {lesson.title(lang)}  "
                f"({lesson.topic(lang)}, {len(lesson.steps)} steps){needs}"
            )
    for error in course.errors:
        print(f"{error}  (skipped)", file=sys.stderr)
    if not course.lessons and not course.errors:
        print(
            "No lessons found. Point --lessons at a folder of .yaml lesson files.", file=sys.stderr
        )
        return 1
    return 0
