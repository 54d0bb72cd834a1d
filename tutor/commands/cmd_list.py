"""List the lessons of the course, in order."""

from __future__ import annotations

import argparse
import json
import sys

from tutor.commands.common import course_from, language
from tutor.strings import tr


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
