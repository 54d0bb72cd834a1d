"""Helpers shared by the subcommands."""

from __future__ import annotations

import argparse
import sys
from collections.abc import Mapping
from pathlib import Path

from tutor.lesson import Course, Lesson, lessons_dir, load_course
from tutor.strings import LANGUAGES, locale_language, tr

TYPE_CHECKING = False
if TYPE_CHECKING:
    from tutor.progress import Progress


def course_from(args: argparse.Namespace) -> Course:
    """The course that `--lessons` (or the environment, or the shipped lessons) names."""
    return load_course([lessons_dir(args.lessons)])


def language(args: argparse.Namespace, progress: Progress | None = None) -> str:
    """--lang, else the language the learner chose in the tutor (saved with the progress),
    else the locale's (LC_ALL, LC_MESSAGES, LANG: zh_* is Chinese), else English."""
    chosen: str | None = getattr(args, "lang", None)
    if chosen:
        return chosen
    if progress is None:
        from tutor.progress import load_progress

        progress, warning = load_progress()
        if warning:
            print(warning, file=sys.stderr)
    saved = progress.get_setting("lang")
    if isinstance(saved, str) and saved in LANGUAGES:
        return saved
    return locale_language() or "en"


def print_json(payload: Mapping[str, object], indent: int = 1) -> None:
    """A command's JSON output: one object, led by the `version` of the tutor that wrote it
    (readers can tell which format they got)."""
    import json

    from tutor import __version__

    json.dump({"version": __version__, **payload}, sys.stdout, ensure_ascii=False, indent=indent)
    print()


def paths_or_default(paths: list[str], args: argparse.Namespace) -> list[Path]:
    return [Path(p) for p in paths] if paths else [lessons_dir(args.lessons)]


def python_refusal(lesson: Lesson, lang: str) -> str | None:
    """The sentence for a lesson this Python is too old to run (`requires: [python>=3.N]`)."""
    need = lesson.python_too_old()
    if need is None:
        return None
    import platform

    version = ".".join(platform.python_version_tuple()[:2])
    return tr("lesson.needs_python", lang, need=need, version=version)
