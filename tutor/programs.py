"""A lesson step's program as the runner sees it: one name and one request for every caller.

The TUI's Run, the quiz runs, `check` and the trace cache all start a step's program
through `program_request`, so its file is named the same everywhere and a traceback
reads the same in the lesson screen, in `coro-tutor quiz` and in `check`.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from tutor.lesson import Lesson

if TYPE_CHECKING:
    from tutor.runner import RunRequest


def program_filename(lesson: Lesson, step_index: int) -> str:
    """The file name a step's program runs as (it shows in tracebacks)."""
    return f"{lesson.id.replace('-', '_')}_step{step_index + 1}.py"


def program_request(
    lesson: Lesson, step_index: int, code: str | None = None, timeout: float | None = None
) -> RunRequest:
    """The RunRequest for a step's program: its own code unless `code` (an edit) is given,
    the lesson's wall limit unless `timeout` is given, the lesson's blocking threshold."""
    from tutor.runner import RunRequest

    request = RunRequest(
        code=code if code is not None else lesson.code_of(step_index),
        filename=program_filename(lesson, step_index),
        timeout=lesson.wall if timeout is None else timeout,
    )
    if lesson.block_ms is not None:
        request.block_ms = lesson.block_ms
    return request
