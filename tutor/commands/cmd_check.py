"""Validate lesson files; report every problem as file:line: message and exit 1 if any."""

from __future__ import annotations

import argparse
import sys

from tutor.commands.common import paths_or_default
from tutor.lesson import load_course


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("paths", nargs="*", metavar="PATH", help="lesson files or folders (default: the course)")
    parser.add_argument("--no-run", action="store_true", help="only validate the files; do not run the programs")


def run(args: argparse.Namespace) -> int:
    course = load_course(paths_or_default(args.paths, args))
    for error in course.errors:
        print(error, file=sys.stderr)
    checked = len(course.lessons)
    if course.errors:
        print(f"{len(course.errors)} problem(s); {checked} lesson(s) valid.", file=sys.stderr)
        return 1
    if not checked:
        print("No lesson files found.", file=sys.stderr)
        return 1
    print(f"{checked} lesson(s) valid.")
    return 0
