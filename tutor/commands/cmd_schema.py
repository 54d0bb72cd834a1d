"""Print the JSON Schema of a lesson file (point your editor's YAML plugin at it)."""

from __future__ import annotations

import argparse
import json

from tutor.lesson import lesson_schema


def add_arguments(parser: argparse.ArgumentParser) -> None:
    pass


def run(args: argparse.Namespace) -> int:
    print(json.dumps(lesson_schema(), indent=2, ensure_ascii=False))
    return 0
