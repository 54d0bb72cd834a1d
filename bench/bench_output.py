"""Feed 200,000 output lines into the lesson screen's output pane, headless.

The lines go through the same path as a real run (LessonScreen.handle_event with runner
events, 4 runners, 1 line in 20 on stderr, switches in between), as fast as the event loop
lets them in (chunks of --chunk events, yielding to the loop between chunks, as the runner's
async iterator does). Every frame the app composes is also rendered to terminal bytes, as it
would be on a real terminal.

Prints: lines/s (first event in -> last line painted), the worst gap between painted frames
while lines were arriving, and the worst event-loop stall (a 5 ms ticker's longest gap).
Goals (DESIGN.md): >= 100,000 lines/s, no stall over 50 ms.

    .venv/bin/python bench/bench_output.py [--lines 200000] [--chunk 1000]
"""

from __future__ import annotations

import argparse
import asyncio
import os
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))
os.environ.setdefault("CORO_TUTOR_HOME", tempfile.mkdtemp(prefix="coro-bench-"))


POOL = 20_000


def make_events(count: int, chunk: int):
    """Events in chunks of `chunk`. The events of a real run are decoded as they arrive and
    dropped once shown; here a pool of 20,000 is made up front (outside the timing) and
    cycled, so the bench measures the pane, not event construction or its garbage."""
    from tutor.runner.events import Stderr, Stdout, Switch

    runners = ["main", "producer", "consumer", "worker#2"]
    pool = []
    seq = 1
    for n in range(min(count, POOL)):
        runner = runners[n % 4]
        if n % 4 == 1:
            pool.append(Switch(seq=seq, t=0.0, from_=runners[0], to=runner, via="send"))
            seq += 1
        cls = Stderr if n % 20 == 19 else Stdout
        text = f"[{runner.upper()}] line {n}: " + "x" * (n % 40)
        pool.append(cls(seq=seq, t=0.0, runner=runner, text=text))
        seq += 1
    per_round = min(count, POOL)

    def chunks():
        sent = 0
        while sent < count:
            take = min(per_round, count - sent)
            events = pool if take == per_round else pool[: take + take // 4 + 1]
            for index in range(0, len(events), chunk):
                yield events[index : index + chunk]
            sent += take

    return chunks


async def bench(lines: int, chunk: int, size: tuple[int, int]) -> dict:
    from tutor.app.lesson_screen import LessonScreen
    from tutor.app.main import TutorApp
    from tutor.app.output_view import OutputView
    from tutor.lesson import RunStep, load_course

    frames: list[float] = []

    class BenchApp(TutorApp):
        def _display(self, screen, renderable) -> None:
            if renderable is not None:
                render = getattr(renderable, "render_segments", None)
                if render is not None:
                    render(self.console)
                frames.append(time.perf_counter())

    course = load_course([REPO / "lessons"])
    lesson = next(
        lesson for lesson in course.lessons if any(isinstance(s, RunStep) for s in lesson.steps)
    )
    step = next(i for i, s in enumerate(lesson.steps) if isinstance(s, RunStep))
    app = BenchApp(course=course, reopen=False)
    result: dict = {}
    async with app.run_test(size=size) as pilot:
        app.open_lesson(lesson, step)
        await pilot.pause()
        await pilot.pause()
        screen = app.screen
        assert isinstance(screen, LessonScreen)
        output = screen.query_one(OutputView)
        output.clear()
        await pilot.pause(0.2)

        chunks = make_events(lines, chunk)
        ticks: list[float] = []
        ticking = True

        async def ticker() -> None:
            while ticking:
                ticks.append(time.perf_counter())
                await asyncio.sleep(0.005)

        tick_task = asyncio.create_task(ticker())
        await asyncio.sleep(0.05)
        frames.clear()
        handle = screen.handle_event
        screen.pause_gc(True)  # as LessonScreen.run_program does for a real run
        start = time.perf_counter()
        cpu_start = time.process_time()
        for events in chunks():
            for event in events:
                handle(event)
            await asyncio.sleep(0)
        fed = time.perf_counter()
        while output.pending or len(output.lines) < lines:
            await asyncio.sleep(0.001)
        drained = time.perf_counter()
        # the frame that shows the last lines
        while not frames or frames[-1] < drained:
            await asyncio.sleep(0.001)
        painted = frames[-1]
        cpu = time.process_time() - cpu_start
        screen.pause_gc(False)
        ticking = False
        await tick_task
        window = [start] + [f for f in frames if start <= f <= painted]
        gaps = [b - a for a, b in zip(window, window[1:], strict=False)]
        tick_window = [t for t in ticks if start - 0.01 <= t <= painted + 0.01]
        tick_gaps = [b - a for a, b in zip(tick_window, tick_window[1:], strict=False)]
        result = {
            "lines": len(output.lines),
            "seconds": painted - start,
            "feed_seconds": fed - start,
            "lines_per_s": lines / (painted - start),
            "lines_per_cpu_s": lines / cpu,
            "frames": len(window) - 1,
            "worst_frame_gap_ms": max(gaps) * 1000 if gaps else 0.0,
            "worst_loop_stall_ms": max(tick_gaps) * 1000 if tick_gaps else 0.0,
            "flushes": output.flushes,
            "is_following": output.is_vertical_scroll_end,
        }
    return result


async def first_line(runs: int) -> tuple[float, float]:
    """Run (F5) to the first output line painted, with the real runner, against
    `python hello.py` as a whole process (DESIGN.md: <= 2x). Medians of `runs`."""
    import statistics
    import subprocess

    from tutor.app.lesson_screen import LessonScreen
    from tutor.app.main import TutorApp
    from tutor.app.output_view import STDOUT, OutputView
    from tutor.lesson import RunStep, load_course

    hello = Path(tempfile.mkdtemp()) / "hello.py"
    hello.write_text("print('hello')\n")
    bare = []
    for _ in range(runs):
        t0 = time.perf_counter()
        subprocess.run([sys.executable, str(hello)], check=True, capture_output=True)
        bare.append(time.perf_counter() - t0)

    frames: list[float] = []

    class BenchApp(TutorApp):
        def _display(self, screen, renderable) -> None:
            if renderable is not None:
                frames.append(time.perf_counter())

    course = load_course([REPO / "lessons"])
    lesson = next(x for x in course.lessons if any(isinstance(s, RunStep) for s in x.steps))
    step = next(i for i, s in enumerate(lesson.steps) if isinstance(s, RunStep))
    app = BenchApp(course=course, reopen=False)
    times = []
    async with app.run_test(size=(100, 30)) as pilot:
        app.open_lesson(lesson, step)
        await pilot.pause()
        screen = app.screen
        assert isinstance(screen, LessonScreen)
        screen.editor.load_text("print('hello')\n")
        output = screen.query_one(OutputView)
        for _ in range(runs + 1):
            while screen.running:
                await asyncio.sleep(0.01)
            await asyncio.sleep(0.1)
            t0 = time.perf_counter()
            screen.action_run()
            while not any(line.kind == STDOUT for line in output.lines):
                await asyncio.sleep(0.001)
            shown = time.perf_counter()
            while not frames or frames[-1] < shown:
                await asyncio.sleep(0.001)
            times.append(frames[-1] - t0)
        while screen.running:
            await asyncio.sleep(0.01)
    return statistics.median(times[1:]), statistics.median(bare)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--lines", type=int, default=200_000)
    parser.add_argument("--chunk", type=int, default=1000)
    parser.add_argument("--size", default="100x30")
    parser.add_argument(
        "--first-line",
        type=int,
        default=0,
        metavar="N",
        help="also time Run to the first painted line, N runs (real runner)",
    )
    args = parser.parse_args()
    width, height = (int(v) for v in args.size.split("x"))
    r = asyncio.run(bench(args.lines, args.chunk, (width, height)))
    ok_rate = r["lines_per_s"] >= 100_000
    ok_stall = r["worst_loop_stall_ms"] < 50
    rate_note = "ok" if ok_rate else "MISSED"
    stall_note = "ok" if ok_stall else "MISSED"
    load = os.getloadavg()[0]
    print(f"output pane, {r['lines']:,} lines ({args.size}, chunks of {args.chunk} events)")
    print(f"  lines/s:              {r['lines_per_s']:,.0f}   (goal >= 100,000: {rate_note})")
    print(f"  lines per CPU second: {r['lines_per_cpu_s']:,.0f}   (the pane's cost, load aside)")
    print(f"  time to last paint:   {r['seconds'] * 1000:.0f} ms")
    print(f"  frames painted:       {r['frames']} ({r['flushes']} flushes, <= 30 a second)")
    print(f"  worst gap between frames: {r['worst_frame_gap_ms']:.1f} ms")
    stall = r["worst_loop_stall_ms"]
    print(f"  worst event-loop stall:   {stall:.1f} ms   (goal < 50: {stall_note})")
    print(f"  follows the end:      {r['is_following']}")
    print(f"  load average:         {load:.2f} on {os.cpu_count()} cores (other work slows it)")
    if args.first_line:
        app_s, bare_s = asyncio.run(first_line(args.first_line))
        note = "ok" if app_s <= 2 * bare_s else "MISSED"
        print(
            f"Run to first painted line: {app_s * 1000:.0f} ms; python hello.py: "
            f"{bare_s * 1000:.0f} ms; ratio {app_s / bare_s:.2f}x (goal <= 2x: {note})"
        )
    return 0 if ok_rate and ok_stall else 1


if __name__ == "__main__":
    raise SystemExit(main())
