"""List the lessons of the course, in order."""

from __future__ import annotations

import argparse
import os
import sys

from tutor.commands.common import course_from, language, print_json
from tutor.strings import tr


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--json", action="store_true", help="print JSON: the version and the lessons"
    )


def run(args: argparse.Namespace) -> int:
    course = course_from(args)
    if args.json:
        lessons = [
            {**lesson.summary_dict(), "path": os.path.abspath(lesson.path)}
            for lesson in course.lessons
        ]
        print_json({"lessons": lessons})
    else:
        lang = language(args)
        for number, lesson in enumerate(course.lessons, 1):
            pkgs = ", ".join(lesson.requires)
            print(
                tr(
                    "cli.list_line",
                    lang,
                    number=number,
                    id=lesson.id,
                    title=lesson.title(lang),
                    topic=lesson.topic(lang),
                    steps=len(lesson.steps),
                    needs=tr("cli.list_needs", lang, pkgs=pkgs) if pkgs else "",
                )
            )
    lang = language(args)
    for error in course.errors:
        print(tr("cli.skipped", lang, error=error), file=sys.stderr)
    if not course.lessons and not course.errors:
        print(tr("cli.no_lessons", lang), file=sys.stderr)
        return 1
    return 0
