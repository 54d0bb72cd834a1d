"""Print the JSON Schema of a lesson file (point your editor's YAML plugin at it)."""

from __future__ import annotations

import argparse
import json

from tutor import __version__
from tutor.lesson import lesson_schema

TYPE_CHECKING = False
if TYPE_CHECKING:
    from typing import Any

SCHEMA_DIALECT = "https://json-schema.org/draft/2020-12/schema"
SCHEMA_FILE = "lesson.schema.json"
"""The name `coro-tutor new` gives the schema beside the lessons (yaml-language-server
reads it through the comment on the first line of each lesson)."""


def add_arguments(parser: argparse.ArgumentParser) -> None:
    pass


def full_schema() -> dict[str, Any]:
    """The lesson schema with its dialect, identity and the tutor version that wrote it."""
    return {
        "$schema": SCHEMA_DIALECT,
        "$id": f"urn:coro-tutor:lesson-schema:{__version__}",
        "title": "coro-tutor lesson",
        "version": __version__,
        **lesson_schema(),
    }


def schema_text() -> str:
    return json.dumps(full_schema(), indent=2, ensure_ascii=False) + "\n"


def run(args: argparse.Namespace) -> int:
    print(schema_text(), end="")
    return 0
