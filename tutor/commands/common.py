"""Helpers shared by the subcommands."""

from __future__ import annotations

import argparse
from pathlib import Path

from tutor.lesson import Course, lessons_dir, load_course


def course_from(args: argparse.Namespace) -> Course:
    """The course that `--lessons` (or the environment, or the shipped lessons) names."""
    return load_course([lessons_dir(args.lessons)])


def language(args: argparse.Namespace) -> str:
    return args.lang or "en"


def paths_or_default(paths: list[str], args: argparse.Namespace) -> list[Path]:
    return [Path(p) for p in paths] if paths else [lessons_dir(args.lessons)]
