"""Real runs of quiz programs, cached: a key is derived from a run once, not at every showing.

Traces live in `tutor.paths.cache_dir()/traces/`, keyed by the code, the program file
name, the wall limit, and the versions of Python, coro-tutor, greenlet, gevent and the
child side of the runner. Only runs that ended normally are kept.
"""

from __future__ import annotations

import hashlib
import platform
from collections.abc import Sequence
from pathlib import Path

import msgspec

from tutor.lesson import Lesson
from tutor.programs import program_filename, program_request
from tutor.quiz.trace import exit_event
from tutor.runner.events import Event

TYPE_CHECKING = False
if TYPE_CHECKING:
    from tutor.runner.streaming import StartRun


def _runner_digest() -> str:
    """A hash of the child side of the runner: a new tracer must not reuse an old one's traces."""
    runner = Path(__file__).resolve().parent.parent / "runner"
    digest = hashlib.sha256()
    child = [runner / "events.py", *(runner / "child").glob("*.py")]
    for path in sorted(child):
        try:
            digest.update(path.name.encode() + b"\0" + path.read_bytes())
        except OSError:
            continue
    return digest.hexdigest()[:12]


def _versions() -> str:
    from importlib import metadata

    from tutor import __version__

    parts = [
        f"python={platform.python_version()}",
        f"tutor={__version__}",
    ]
    for name in ("greenlet", "gevent"):
        try:
            parts.append(f"{name}={metadata.version(name)}")
        except metadata.PackageNotFoundError:
            parts.append(f"{name}=none")
    return ";".join(parts)


_VERSIONS: str | None = None


def cache_key(code: str, filename: str, timeout: float) -> str:
    global _VERSIONS
    if _VERSIONS is None:
        _VERSIONS = _versions()
    # the runner digest is read every time (cheap): a tracer edited while a process
    # lives must not let it reuse traces made by the old one
    text = f"{_VERSIONS};runner={_runner_digest()}\0{filename}\0{timeout}\0{code}"
    return hashlib.sha256(text.encode("utf-8")).hexdigest()[:32]


def step_cache_key(lesson: Lesson, step_index: int) -> str:
    """The cache key of a step's own program (as `program_request` runs it)."""
    return cache_key(lesson.code_of(step_index), program_filename(lesson, step_index), lesson.wall)


def _cache_file(key: str) -> Path:
    from tutor.paths import cache_dir

    return cache_dir() / "traces" / f"{key}.jsonl"


_event_list = msgspec.json.Decoder(list[Event])
_event_encoder = msgspec.json.Encoder()


def cached_trace(key: str) -> list[Event] | None:
    try:
        return _event_list.decode(_cache_file(key).read_bytes())
    except (OSError, msgspec.DecodeError, msgspec.ValidationError):
        return None


def store_trace(key: str, events: Sequence[Event]) -> None:
    """Keep a run's events (only runs that ended normally: others may not repeat)."""
    end = exit_event(events)
    if end is None or end.reason != "ok":
        return
    from tutor.files import atomic_write

    try:
        atomic_write(_cache_file(key), _event_encoder.encode(list(events)))
    except OSError:
        pass  # a cache that cannot be written only costs a rerun


def trace_for(lesson: Lesson, step_index: int, use_cache: bool = True) -> list[Event]:
    """The events of a real run of a step's program (cached by code and versions)."""
    key = step_cache_key(lesson, step_index)
    if use_cache and (events := cached_trace(key)) is not None:
        return events
    from tutor.runner import run_to_end

    events = list(run_to_end(program_request(lesson, step_index)))
    store_trace(key, events)
    return events


async def trace_for_async(
    lesson: Lesson,
    step_index: int,
    use_cache: bool = True,
    start_run: StartRun | None = None,
) -> list[Event]:
    """trace_for on the running event loop (for the TUI's workers); stops the run if cancelled.

    `start_run` replaces tutor.runner.start_run (tests inject a fake one).
    """
    key = step_cache_key(lesson, step_index)
    if use_cache and (events := cached_trace(key)) is not None:
        return events
    if start_run is None:
        from tutor import runner

        start_run = runner.start_run
    run = await start_run(program_request(lesson, step_index))
    events = []
    try:
        async for event in run.events():
            events.append(event)
    finally:
        if exit_event(events) is None:
            await run.stop()
    store_trace(key, events)
    return events


def remember_trace(lesson: Lesson, step_index: int, events: Sequence[Event]) -> None:
    """Put a run's events in the cache for a step (as `check` does after consistent runs)."""
    store_trace(step_cache_key(lesson, step_index), events)
