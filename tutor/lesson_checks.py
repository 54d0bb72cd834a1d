"""The checks of an exercise step: declarative properties of one real run.

Each check is a mapping with exactly one key, so a lesson reads as a list of goals:

    checks:
      - returncode: 0
      - overlap: [fetch, fetch#2]
      - max_wall: 1.2

What each kind means, and the sentence shown when it holds or fails, lives with the
grader (tutor.exercise); this module is only the strict format, so that the lesson
loader and `coro-tutor schema` know it without importing the grader.
"""

from __future__ import annotations

from typing import Annotated, Literal

import msgspec

Name = Annotated[str, msgspec.Meta(min_length=1)]
Count = Annotated[int, msgspec.Meta(ge=0)]

CHECK_KINDS = (
    "stdout",
    "lines_in_order",
    "overlap",
    "concurrency",
    "max_wall",
    "runners",
    "switches",
    "returncode",
    "no_blocking",
)


def _bounds(low: int | None, high: int | None) -> None:
    if low is None and high is None:
        raise ValueError("give `min`, `max` or both")
    if low is not None and high is not None and low > high:
        raise ValueError(f"`min` ({low}) is more than `max` ({high})")


class Range(msgspec.Struct, forbid_unknown_fields=True, omit_defaults=True):
    """`switches`: how many switches the run made, at least `min`, at most `max`."""

    min: Count | None = None
    max: Count | None = None

    def __post_init__(self) -> None:
        _bounds(self.min, self.max)


class Concurrency(msgspec.Struct, forbid_unknown_fields=True, omit_defaults=True):
    """`concurrency`: how many runners named `of` (of, of#2, ...) were alive at once."""

    of: Name
    min: Count | None = None
    max: Count | None = None

    def __post_init__(self) -> None:
        _bounds(self.min, self.max)


class Check(msgspec.Struct, forbid_unknown_fields=True, omit_defaults=True):
    """One property of the run; exactly one key is given."""

    stdout: str | None = None
    """The program's whole output, exactly (line by line; a final newline does not count)."""
    lines_in_order: Annotated[list[Name], msgspec.Meta(min_length=1)] | None = None
    """These lines are printed, in this order (other lines may come between)."""
    overlap: Annotated[list[Name], msgspec.Meta(min_length=2)] | None = None
    """These runners all started before any of them ended."""
    concurrency: Concurrency | None = None
    """The most runners of one name alive at the same moment."""
    max_wall: Annotated[float, msgspec.Meta(gt=0, le=120)] | None = None
    """Seconds from the program's first output or switch to its last (imports and start-up
    are not counted; leave room for slow machines)."""
    runners: Annotated[list[Name], msgspec.Meta(min_length=1)] | None = None
    """Each of these runners ran (printed something or was switched to)."""
    switches: Range | None = None
    """How many switches the run made."""
    returncode: int | None = None
    """The program's exit code."""
    no_blocking: Literal[True] | None = None
    """No runner held the asyncio loop or gevent's hub past the blocking threshold."""

    def __post_init__(self) -> None:
        given = [name for name in CHECK_KINDS if getattr(self, name) is not None]
        if len(given) != 1:
            what = "none" if not given else ", ".join(f"`{g}`" for g in given)
            raise ValueError(
                f"a check has exactly one key, one of {', '.join(CHECK_KINDS)} (found {what})"
            )

    @property
    def kind(self) -> str:
        return next(name for name in CHECK_KINDS if getattr(self, name) is not None)

    @property
    def value(self) -> object:
        return getattr(self, self.kind)
