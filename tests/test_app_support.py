"""Shared pieces of the app tests: a fixed course, recorded events, helpers (no tests here)."""

from __future__ import annotations

from pathlib import Path

from tutor.lesson import load_course
from tutor.runner.events import Exit, Start, Stderr, Stdout, Switch

SNAPSHOT_LESSONS = Path(__file__).resolve().parent / "snapshots" / "lessons"
SIZE = (100, 30)
WIDE = (120, 30)
"""Wide enough for the code and the run side by side (under 120 columns they stack)."""


def fixed_course():
    """Two lessons and one broken file that never change with the shipped curriculum."""
    return load_course([SNAPSHOT_LESSONS])


def producer_consumer_events(rounds: int = 3, with_stderr: bool = True) -> list:
    """What the producer/consumer program emits, recorded (no timing in it)."""
    events: list = [Start(seq=0, t=0.0, isolation="basic", python="3.11.7")]
    seq = 1

    def add(cls, **fields):
        nonlocal seq
        events.append(cls(seq=seq, t=0.0, **fields))
        seq += 1

    add(Switch, from_="main", to="consumer", via="send")
    add(Switch, from_="consumer", to="main", via="yield")
    for n in range(1, rounds + 1):
        add(Stdout, runner="main", text=f"[PRODUCER] Producing {n}...\n")
        add(Switch, from_="main", to="consumer", via="send")
        add(Stdout, runner="consumer", text=f"[CONSUMER] Consuming {n}...\n")
        add(Switch, from_="consumer", to="main", via="yield")
        add(Stdout, runner="main", text="[PRODUCER] Consumer return: 200 OK\n")
    if with_stderr:
        add(Stderr, runner="main", text="warning: [this] is not markup\n")
    add(
        Exit,
        returncode=0,
        reason="ok",
        message="The program finished.",
        sentence="finished",
        switches=2 + 2 * rounds,
        dropped=0,
    )
    return events


async def open_first_run_step(pilot, lesson_index: int = 0) -> None:
    """From the course screen: open a lesson and go to its first program step."""
    from tutor.app.lesson_screen import LessonScreen
    from tutor.lesson import RunStep

    app = pilot.app
    lesson = app.course.lessons[lesson_index]
    app.open_lesson(lesson, 0)
    await pilot.pause()
    assert isinstance(app.screen, LessonScreen)
    while not isinstance(app.screen.step, RunStep):
        await pilot.press("f8")
        await pilot.pause()


async def settle_screen(pilot) -> None:
    """Wait until the screen stops changing: a layout pass (a scrollbar appearing re-wraps
    the text beside it) can land a few frames after the last key, later on a loaded
    machine than a fixed number of pauses allows."""
    previous = None
    for _ in range(30):
        await pilot.pause()
        await pilot.wait_for_scheduled_animations()
        now = pilot.app.export_screenshot()
        if now == previous:
            return
        previous = now
